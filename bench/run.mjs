#!/usr/bin/env node
// `npm run bench [-- --smoke]`: Carepost measured in local workerd. Prints one markdown table
// and writes the same figures as JSON to bench/results/. Each row: median over repeated runs,
// with min and max. --smoke runs every measurement at a tiny scale (CI keeps it from rotting).
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { clinicalLetter, makeMail, plainLetter } from "./mail.mjs";
import { cpuSeconds, median, percentile, rssMiB, startHarness } from "./runtime.mjs";

const SMOKE = process.argv.includes("--smoke");
/** --only inbound,phi,api,audit runs a subset (handy while profiling one step). */
const onlyArg = process.argv.find((a) => a.startsWith("--only="));
const ONLY = new Set(onlyArg ? onlyArg.slice(7).split(",") : ["inbound", "phi", "api", "audit"]);
const SCALE = SMOKE
	? {
			runs: 1,
			inbound: { "2kb": 5, "50kb": 3, "900kb": 2 },
			phiIters: 3,
			messages: 1000,
			others: 100,
			reads: 20,
			audit: [1000, 5000],
			requests: 20,
		}
	: {
			runs: 5,
			inbound: { "2kb": 200, "50kb": 100, "900kb": 20 },
			phiIters: 40,
			messages: 100_000,
			others: 1000,
			reads: 200,
			audit: [100_000, 1_000_000],
			requests: 200,
		};

const rows = [];
const record = (group, metric, values, unit) => {
	const sorted = [...values].sort((a, b) => a - b);
	rows.push({ group, metric, unit, median: median(sorted), min: sorted[0], max: sorted.at(-1), runs: values.length });
};

const h = await startHarness();
const post = (path, body, headers = {}) => h.call(path, { method: "POST", body, headers });
const log = (s) => process.stderr.write(`${s}\n`);

try {
	// ---- inbound: the real email() handler vs the floor, same process, same run -------------------
	const tenant = await h.json("/seed/tenant", { method: "POST", body: JSON.stringify({ name: "Bench inbound" }) });
	let serial = 0;
	for (const [kind, n] of ONLY.has("inbound") ? Object.entries(SCALE.inbound) : []) {
		const per = { null: [], floor: [], carepost: [] };
		const rate = { floor: [], carepost: [] };
		for (let run = 0; run < SCALE.runs; run++) {
			for (const target of ["null", "floor", "carepost"]) {
				const mails = Array.from({ length: n }, () => makeMail(kind, serial++, tenant.address));
				const cpu0 = cpuSeconds(h.pid);
				const t0 = performance.now();
				for (const raw of mails) {
					const res = await post(`/inbound/${target}?to=${encodeURIComponent(tenant.address)}`, raw);
					if (!res.ok) throw new Error(`${target} ${kind}: ${res.status} ${await res.text()}`);
					await res.arrayBuffer();
				}
				const wall = (performance.now() - t0) / 1000;
				per[target].push(((cpuSeconds(h.pid) - cpu0) / n) * 1000);
				if (target !== "null") rate[target].push(n / wall);
			}
		}
		const net = (t) => per[t].map((v, i) => Math.max(0, v - per.null[i]));
		record(`inbound ${kind}`, "Carepost CPU per message (harness overhead subtracted)", net("carepost"), "ms");
		record(`inbound ${kind}`, "floor CPU per message (harness overhead subtracted)", net("floor"), "ms");
		record(`inbound ${kind}`, "harness overhead per message (null handler)", per.null, "ms");
		record(
			`inbound ${kind}`,
			"Carepost ÷ floor (CPU)",
			net("carepost").map((c, i) => c / Math.max(net("floor")[i], 0.001)),
			"×",
		);
		record(`inbound ${kind}`, "Carepost messages per second (one sender)", rate.carepost, "msg/s");
		record(`inbound ${kind}`, "floor messages per second (one sender)", rate.floor, "msg/s");
		log(`inbound ${kind} done`);
	}

	// ---- PHI detector throughput ---------------------------------------------------------------
	for (const [label, text] of ONLY.has("phi")
		? [
				["100 KB clinical letter", clinicalLetter()],
				["100 KB text without PHI", plainLetter()],
			]
		: []) {
		const values = [];
		for (let run = 0; run < SCALE.runs; run++) {
			const cpu0 = cpuSeconds(h.pid);
			await h.json(`/phi?n=${SCALE.phiIters}`, { method: "POST", body: text });
			const seconds = cpuSeconds(h.pid) - cpu0;
			values.push((text.length * SCALE.phiIters) / 1e6 / Math.max(seconds, 0.01));
		}
		record("PHI detector", label, values, "MB/s");
	}
	log("PHI done");

	// ---- API latency with a large org and 10 others --------------------------------------------
	if (ONLY.has("api")) {
		const big = await h.json("/seed/tenant", { method: "POST", body: JSON.stringify({ name: "Bench big" }) });
		await h.json("/seed/messages", {
			method: "POST",
			body: JSON.stringify({ orgId: big.orgId, aliasId: big.aliasId, count: SCALE.messages }),
		});
		for (let i = 0; i < 10; i++) {
			const other = await h.json("/seed/tenant", { method: "POST", body: JSON.stringify({ name: `Other ${i}` }) });
			await h.json("/seed/messages", {
				method: "POST",
				body: JSON.stringify({ orgId: other.orgId, aliasId: other.aliasId, count: SCALE.others }),
			});
		}
		const readable = [];
		for (let i = 0; i < SCALE.reads; i++) {
			await post(`/inbound/carepost?to=${encodeURIComponent(big.address)}`, makeMail("2kb", 900_000 + i, big.address));
		}
		const db = await h.mf.getD1Database("DB");
		const real = await db
			.prepare("SELECT id FROM messages WHERE org_id = ? AND r2_key IS NOT NULL")
			.bind(big.orgId)
			.all();
		for (const r of real.results) readable.push(r.id);
		const depth = Math.floor((SCALE.messages / 2) * 0.9);
		const deep = await db
			.prepare(
				"SELECT last_message_at AS at, id FROM conversations WHERE org_id = ? ORDER BY last_message_at DESC, id DESC LIMIT 1 OFFSET ?",
			)
			.bind(big.orgId, depth)
			.first();
		const cursor = Buffer.from(JSON.stringify([deep.at, deep.id])).toString("base64url");
		const auth = { Authorization: `Bearer ${big.token}` };
		const latency = async (label, pathFor) => {
			const times = [];
			for (let i = 0; i < SCALE.requests; i++) {
				const t0 = performance.now();
				const res = await h.call(pathFor(i), { headers: auth });
				await res.arrayBuffer();
				if (!res.ok) throw new Error(`${label}: ${res.status}`);
				times.push(performance.now() - t0);
			}
			times.sort((a, b) => a - b);
			rows.push({
				group: `API, ${SCALE.messages.toLocaleString("en")} messages + 10 orgs`,
				metric: label,
				unit: "ms",
				median: percentile(times, 50),
				min: times[0],
				max: times.at(-1),
				p99: percentile(times, 99),
				runs: times.length,
			});
		};
		await latency("list conversations, first page (25)", () => "/v1/conversations");
		await latency(
			`list conversations, deep page (cursor at row ${depth.toLocaleString("en")})`,
			() => `/v1/conversations?cursor=${cursor}`,
		);
		await latency("read one message (decrypt + parse + audit)", (i) => `/v1/messages/${readable[i % readable.length]}`);
		log("API done");
	}

	// ---- audit: verify throughput, export memory -----------------------------------------------
	for (const count of ONLY.has("audit") ? SCALE.audit : []) {
		const org = await h.json("/seed/tenant", { method: "POST", body: JSON.stringify({ name: `Audit ${count}` }) });
		await h.json("/seed/audit", { method: "POST", body: JSON.stringify({ orgId: org.orgId, count }) });
		const headers = { Authorization: `Bearer ${org.token}` };
		const t0 = performance.now();
		const state = await h.json("/v1/audit/verify", { headers });
		const seconds = (performance.now() - t0) / 1000;
		if (!state.ok) throw new Error(`chain of ${count} did not verify`);
		record(`audit, ${count.toLocaleString("en")} rows`, "verifyChain", [state.count / seconds], "rows/s");

		const baseline = rssMiB(h.pid);
		let peak = baseline;
		const sampler = setInterval(() => {
			peak = Math.max(peak, rssMiB(h.pid));
		}, 20);
		const e0 = performance.now();
		const res = await h.call("/v1/audit/export?format=ndjson", { headers });
		let bytes = 0;
		for await (const chunk of res.body) bytes += chunk.byteLength;
		clearInterval(sampler);
		const exportSeconds = (performance.now() - e0) / 1000;
		record(
			`audit, ${count.toLocaleString("en")} rows`,
			"export NDJSON: workerd peak RSS above baseline",
			[peak - baseline],
			"MiB",
		);
		record(
			`audit, ${count.toLocaleString("en")} rows`,
			"export NDJSON throughput",
			[bytes / 1e6 / exportSeconds],
			"MB/s",
		);
		log(`audit ${count} done`);
	}
} finally {
	await h.stop();
}

const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const lines = [
	"| group | metric | median | min | max | p99 | unit | runs |",
	"|---|---|---|---|---|---|---|---|",
	...rows.map(
		(r) =>
			`| ${r.group} | ${r.metric} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${r.p99 === undefined ? "" : fmt(r.p99)} | ${r.unit} | ${r.runs} |`,
	),
];
console.log(lines.join("\n"));
const machine = {
	cpus: os.cpus().length,
	cpu: os.cpus()[0]?.model,
	memoryGiB: Math.round(os.totalmem() / 2 ** 30),
	node: process.version,
};
const dir = join(new URL(".", import.meta.url).pathname, "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `${SMOKE ? "smoke" : "bench"}-${new Date().toISOString().replaceAll(":", "-")}.json`);
writeFileSync(file, `${JSON.stringify({ smoke: SMOKE, machine, scale: SCALE, rows }, null, 2)}\n`);
process.stderr.write(`wrote ${file}\n`);
