// Starts the bench harness (bench/harness.ts: Carepost's real entry points + the floor Worker)
// in local workerd through Miniflare, with throw-away storage and Carepost's migrations, and
// reads the workerd process's own CPU time and memory from /proc — timers inside a Worker do
// not advance during CPU work, so the process accounting is the honest clock.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { unstable_splitSqlQuery } from "wrangler";

const ROOT = new URL("..", import.meta.url).pathname;
const CLOCK_TICKS = 100; // USER_HZ on Linux: /proc/<pid>/stat counts CPU time in 1/100 s

function bundle(outdir) {
	const res = spawnSync(
		join(ROOT, "node_modules", ".bin", "wrangler"),
		["deploy", "--dry-run", "--outdir", outdir, "--config", join(ROOT, "bench", "wrangler.toml")],
		{ env: { ...process.env, WRANGLER_SEND_METRICS: "false" }, encoding: "utf8" },
	);
	if (res.status !== 0) throw new Error(`bundling the harness failed:\n${res.stderr}`);
	return join(outdir, "harness.js");
}

/** The workerd process Miniflare started (a direct child of this Node process). */
function workerdPid() {
	const mine = String(process.pid);
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
			if (fields[1] === mine && stat.includes("(workerd)")) return Number(entry);
		} catch {
			// the process went away while we looked
		}
	}
	throw new Error("workerd process not found");
}

export function cpuSeconds(pid) {
	const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	// fields[11] = utime, fields[12] = stime (stat(5) fields 14 and 15)
	return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

export function rssMiB(pid) {
	const status = readFileSync(`/proc/${pid}/status`, "utf8");
	const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
	return kb / 1024;
}

async function applyMigrations(db) {
	const dir = join(ROOT, "migrations");
	for (const file of readdirSync(dir)
		.filter((f) => f.endsWith(".sql"))
		.sort()) {
		for (const sql of unstable_splitSqlQuery(readFileSync(join(dir, file), "utf8"))) await db.prepare(sql).run();
	}
}

export async function startHarness() {
	const work = mkdtempSync(join(tmpdir(), "carepost-bench-"));
	const scriptPath = bundle(join(work, "build"));
	const key = () => randomBytes(32).toString("base64");
	const mf = new Miniflare({
		modules: true,
		scriptPath,
		// Module names are relative to this root; the bundle lives in a temp folder.
		modulesRoot: join(work, "build"),
		// The Worker's per-message log lines would drown the report (and cost the runner time).
		// BENCH_DEBUG=1 shows them.
		handleRuntimeStdio(stdout, stderr) {
			if (process.env.BENCH_DEBUG) {
				stdout.pipe(process.stderr);
				stderr.pipe(process.stderr);
			} else {
				stdout.resume();
				stderr.resume();
			}
		},
		compatibilityDate: "2026-04-26",
		d1Databases: { DB: "bench-db", FLOOR_DB: "floor-db" },
		r2Buckets: { BODIES: "bench-bodies", FLOOR_BODIES: "floor-bodies" },
		queueProducers: { OUTBOX: "carepost-outbox" },
		queueConsumers: { "carepost-outbox": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 10 } },
		email: { send_email: [{ name: "EMAIL" }] },
		d1Persist: join(work, "d1"),
		r2Persist: join(work, "r2"),
		bindings: {
			KEYS: JSON.stringify({ bench1: key() }),
			ACTIVE_KEY_ID: "bench1",
			AUDIT_KEY: key(),
			INDEX_KEY: key(),
		},
	});
	await mf.ready;
	await applyMigrations(await mf.getD1Database("DB"));
	const pid = workerdPid();
	const call = async (path, init = {}) => {
		const res = await mf.dispatchFetch(`http://bench.local${path}`, init);
		return res;
	};
	return {
		mf,
		pid,
		call,
		async json(path, init) {
			const res = await call(path, init);
			const text = await res.text();
			if (!res.ok) throw new Error(`${path} → ${res.status} ${text.slice(0, 200)}`);
			return JSON.parse(text);
		},
		async stop() {
			await mf.dispose();
			rmSync(work, { recursive: true, force: true });
		},
	};
}

/** Deterministic pseudo-random numbers (mulberry32), so generated data sets are reproducible. */
export function seeded(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export function percentile(sorted, p) {
	if (sorted.length === 0) return 0;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function median(values) {
	const s = [...values].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)];
}
