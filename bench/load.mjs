#!/usr/bin/env node
// `npm run load [-- --smoke]`: Carepost under concurrent load in local workerd, then the same
// with injected faults. Checks, not timings: every inbound message stored exactly once, every
// API send queued/sent exactly once, every org's audit chain intact, no orphan R2 object, no
// row pointing at nothing. Bounded in count and time; everything stays on this machine.
import { makeMail } from "./mail.mjs";
import { startHarness } from "./runtime.mjs";

const SMOKE = process.argv.includes("--smoke");
const SCALE = SMOKE
	? { inbound: 60, senders: 6, sends: 10, reads: 60 }
	: { inbound: 500, senders: 20, sends: 100, reads: 1000 };
/** A sender gives up after this many temporary failures (real MTAs try for days). */
const MAX_SENDER_TRIES = 25;
const PHASE_TIMEOUT_MS = SMOKE ? 60_000 : 300_000;

const h = await startHarness();
const problems = [];
const report = [];

async function withTimeout(label, promise) {
	let timer;
	const timeout = new Promise((_, reject) => {
		timer = setTimeout(
			() => reject(new Error(`${label} did not finish in ${PHASE_TIMEOUT_MS / 1000} s`)),
			PHASE_TIMEOUT_MS,
		);
	});
	try {
		return await Promise.race([promise, timeout]);
	} finally {
		clearTimeout(timer);
	}
}

/** `count` messages over `senders` concurrent senders, each retrying temporary failures. */
async function inboundWave(tenants, count, senders, faults, seed) {
	const stats = { delivered: 0, temporaryFailures: 0, gaveUp: 0, rejected: 0 };
	let next = 0;
	const sender = async () => {
		for (let i = next++; i < count; i = next++) {
			const tenant = tenants[i % tenants.length];
			const raw = makeMail("2kb", i, tenant.address, seed);
			let done = false;
			for (let attempt = 1; attempt <= MAX_SENDER_TRIES && !done; attempt++) {
				const res = await h.call(`/inbound/carepost?to=${encodeURIComponent(tenant.address)}&faults=${faults}`, {
					method: "POST",
					body: raw,
				});
				const body = await res.json();
				if (res.status === 503) stats.temporaryFailures++;
				else if (body.rejected) {
					stats.rejected++;
					done = true;
				} else {
					stats.delivered++;
					done = true;
				}
			}
			if (!done) stats.gaveUp++;
		}
	};
	await Promise.all(Array.from({ length: senders }, sender));
	return stats;
}

async function apiSends(tenant, count) {
	const stats = { accepted: 0, retried: 0, failed: 0 };
	let next = 0;
	const worker = async () => {
		for (let i = next++; i < count; i = next++) {
			const body = JSON.stringify({
				aliasId: tenant.aliasId,
				to: [`partner${i}@partner.example`],
				subject: `Update ${i}`,
				text: "Your appointment is confirmed.",
			});
			for (let attempt = 1; attempt <= 5; attempt++) {
				const res = await h.call("/v1/messages", {
					method: "POST",
					body,
					headers: {
						Authorization: `Bearer ${tenant.token}`,
						"Content-Type": "application/json",
						"Idempotency-Key": `load-${i}`,
					},
				});
				await res.arrayBuffer();
				if (res.status === 202) {
					stats.accepted++;
					break;
				}
				stats.retried++;
				stats[`status${res.status}`] = (stats[`status${res.status}`] ?? 0) + 1;
				if (attempt === 5) stats.failed++;
			}
		}
	};
	await Promise.all(Array.from({ length: 10 }, worker));
	return stats;
}

async function reads(tenant, ids, count) {
	const stats = { ok: 0, failed: 0 };
	let next = 0;
	const worker = async () => {
		for (let i = next++; i < count; i = next++) {
			const path = i % 4 === 0 ? "/v1/conversations" : `/v1/messages/${ids[i % ids.length]}`;
			const res = await h.call(path, { headers: { Authorization: `Bearer ${tenant.token}` } });
			await res.arrayBuffer();
			if (res.ok) stats.ok++;
			else {
				stats.failed++;
				stats[`status${res.status}`] = (stats[`status${res.status}`] ?? 0) + 1;
			}
		}
	};
	await Promise.all(Array.from({ length: 10 }, worker));
	return stats;
}

const tenant = (name) => h.json("/seed/tenant", { method: "POST", body: JSON.stringify({ name }) });
const storage = (t) => h.json(`/report?org=${t.orgId}`);

function check(label, condition, detail) {
	if (!condition) problems.push(`${label}: ${detail}`);
}

async function checkTenant(label, t, expected) {
	const r = await storage(t);
	report.push({
		phase: label,
		org: t.name,
		...r,
		chain: r.chain.ok ? `ok (${r.chain.count} rows)` : `FAILED at ${r.chain.failedSeq}: ${r.chain.reason}`,
	});
	check(`${label} ${t.name}`, r.chain.ok, `audit chain failed at seq ${r.chain.failedSeq} (${r.chain.reason})`);
	check(`${label} ${t.name}`, r.orphanObjects === 0, `${r.orphanObjects} R2 objects no row points at`);
	check(`${label} ${t.name}`, r.danglingRows === 0, `${r.danglingRows} rows pointing at a missing R2 object`);
	for (const [status, n] of Object.entries(expected)) {
		check(
			`${label} ${t.name}`,
			(r.statuses[status] ?? 0) === n,
			`${status}: ${r.statuses[status] ?? 0}, expected ${n}`,
		);
	}
	return r;
}

try {
	// ---- phase 1: everything at once, no faults --------------------------------------------------
	const [a, b, c] = await Promise.all([tenant("A"), tenant("B"), tenant("C")]);
	Object.assign(a, { name: "A" });
	Object.assign(b, { name: "B" });
	Object.assign(c, { name: "C" });
	const preload = await inboundWave([c], 50, 5, 0, 1);
	const db = await h.mf.getD1Database("DB");
	const cIds = (await db.prepare("SELECT id FROM messages WHERE org_id = ?").bind(c.orgId).all()).results.map(
		(r) => r.id,
	);
	const t0 = performance.now();
	const [inbound, sends, readStats] = await withTimeout(
		"phase 1",
		Promise.all([
			inboundWave([a, b], SCALE.inbound, SCALE.senders, 0, 2),
			apiSends(a, SCALE.sends),
			reads(c, cIds, SCALE.reads),
		]),
	);
	const seconds = (performance.now() - t0) / 1000;
	// Let the queue consumer drain (it runs inside the same workerd).
	for (let i = 0; i < 60; i++) {
		const r = await storage(a);
		if ((r.statuses["outbound:queued"] ?? 0) === 0) break;
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
	console.log(
		`phase 1 (no faults): ${SCALE.inbound} inbound over ${SCALE.senders} senders + ${SCALE.sends} sends + ${SCALE.reads} reads in ${seconds.toFixed(1)} s`,
	);
	console.log(
		`  inbound: ${JSON.stringify(inbound)}  sends: ${JSON.stringify(sends)}  reads: ${JSON.stringify(readStats)}  preload: ${JSON.stringify(preload)}`,
	);
	check("phase 1 inbound", inbound.gaveUp === 0 && inbound.rejected === 0, JSON.stringify(inbound));
	check("phase 1 sends", sends.failed === 0 && sends.accepted === SCALE.sends, JSON.stringify(sends));
	check("phase 1 reads", readStats.failed === 0, JSON.stringify(readStats));
	const half = SCALE.inbound / 2;
	await checkTenant("phase 1", a, { "inbound:received": half, "outbound:sent": SCALE.sends });
	await checkTenant("phase 1", b, { "inbound:received": half });
	await checkTenant("phase 1", c, { "inbound:received": 50 });

	// ---- phase 2: R2 puts and D1 batches fail 10% of the time ------------------------------------
	const [d, e] = await Promise.all([tenant("D"), tenant("E")]);
	Object.assign(d, { name: "D" });
	Object.assign(e, { name: "E" });
	const t1 = performance.now();
	const faulty = await withTimeout("phase 2", inboundWave([d, e], SCALE.inbound, SCALE.senders, 0.1, 3));
	console.log(
		`phase 2 (10% R2/D1 faults): ${SCALE.inbound} inbound in ${((performance.now() - t1) / 1000).toFixed(1)} s`,
	);
	console.log(`  inbound: ${JSON.stringify(faulty)} — every temporary failure was retried by its sender`);
	check("phase 2 inbound", faulty.gaveUp === 0 && faulty.rejected === 0, JSON.stringify(faulty));
	check("phase 2 faults", faulty.temporaryFailures > 0, "no fault was injected: the switch did nothing");
	await checkTenant("phase 2", d, { "inbound:received": half });
	await checkTenant("phase 2", e, { "inbound:received": half });
} finally {
	await h.stop();
}

console.log(
	"\n| phase | org | rows | R2 objects | orphan objects | dangling rows | statuses | audit chain |\n|---|---|---|---|---|---|---|---|",
);
for (const r of report) {
	console.log(
		`| ${r.phase} | ${r.org} | ${r.rows} | ${r.objects} | ${r.orphanObjects} | ${r.danglingRows} | ${JSON.stringify(r.statuses)} | ${r.chain} |`,
	);
}
if (problems.length > 0) {
	console.error(`\nFAILED:\n- ${problems.join("\n- ")}`);
	process.exit(1);
}
console.log("\nall checks passed");
