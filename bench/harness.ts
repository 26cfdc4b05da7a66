// The benchmark and load harness: a Worker that runs in local workerd (Miniflare) beside
// nothing else, bundling Carepost's real entry points and the "floor" Worker, so both are
// measured in the same process in the same run. It exists only in bench/: its seeding routes
// and its fault-injection switch are not part of Carepost's bundle and cannot be enabled in a
// deployment.
import { auditHead } from "../src/audit/append";
import { chainRows } from "../src/audit/chain";
import { verifyChain } from "../src/audit/verify";
import { generateToken } from "../src/auth/tokens";
import { openDb } from "../src/db/client";
import { type Env, loadConfig } from "../src/env";
import { newId } from "../src/ids";
import carepost from "../src/index";
import { detectPhi } from "../src/policy/phi";
import { auditInserts } from "../test/support/audit-rows";
import { floorEmail } from "./floor";
import { seedMessages } from "./seed-messages";

type HarnessEnv = Env & { FLOOR_DB: D1Database; FLOOR_BODIES: R2Bucket };

/** The shape email() receives; workerd offers no constructor for a real one. */
function incoming(raw: Uint8Array, from: string, to: string) {
	let rejected: string | null = null;
	const message = {
		from,
		to,
		raw: new Blob([raw]).stream(),
		rawSize: raw.byteLength,
		headers: new Headers(),
		setReject(reason: string) {
			rejected = reason;
		},
		forward: () => Promise.reject(new Error("not supported")),
		reply: () => Promise.reject(new Error("not supported")),
	};
	return { message: message as unknown as ForwardableEmailMessage, rejected: () => rejected };
}

/** Fails R2 puts and D1 batches with probability `rate`: the load test's injected faults. */
function withFaults(env: HarnessEnv, rate: number): HarnessEnv {
	const flaky = <T extends object>(target: T, method: string, what: string): T =>
		new Proxy(target, {
			get(t, prop) {
				const value = Reflect.get(t, prop);
				if (prop === method) {
					return (...args: unknown[]) =>
						Math.random() < rate
							? Promise.reject(new Error(`injected ${what} fault`))
							: (value as (...a: unknown[]) => unknown).apply(t, args);
				}
				return typeof value === "function" ? value.bind(t) : value;
			},
		});
	return { ...env, DB: flaky(env.DB, "batch", "D1"), BODIES: flaky(env.BODIES, "put", "R2") };
}

const json = (value: unknown, status = 200) => Response.json(value, { status });

async function inbound(request: Request, env: HarnessEnv, ctx: ExecutionContext, target: string): Promise<Response> {
	const url = new URL(request.url);
	const raw = new Uint8Array(await request.arrayBuffer());
	const from = url.searchParams.get("from") ?? "sender@example.org";
	const to = url.searchParams.get("to") ?? "";
	const { message, rejected } = incoming(raw, from, to);
	const faults = Number(url.searchParams.get("faults") ?? "0");
	try {
		if (target === "carepost") await carepost.email(message, faults > 0 ? withFaults(env, faults) : env);
		else if (target === "floor") await floorEmail(message, env.FLOOR_DB, env.FLOOR_BODIES);
		else await new Response(message.raw).arrayBuffer(); // "null": the harness's own cost
	} catch {
		// What Email Routing does with a thrown handler: a temporary failure, the sender retries.
		return json({ ok: false, temporary: true }, 503);
	}
	void ctx;
	return json({ ok: rejected() === null, rejected: rejected() });
}

/** One org with a domain, one alias and an owner whose token can read and send. */
async function seedTenant(env: HarnessEnv, name: string, clinical: boolean) {
	const orgId = newId("org");
	const domainId = newId("dom");
	const aliasId = newId("als");
	const userId = newId("usr");
	const domain = `${orgId.slice(4, 16)}.bench.example`;
	const { secret, hash } = await generateToken();
	await env.DB.batch([
		env.DB.prepare("INSERT INTO orgs (id, name) VALUES (?, ?)").bind(orgId, name),
		env.DB.prepare("INSERT INTO domains (id, org_id, domain) VALUES (?, ?, ?)").bind(domainId, orgId, domain),
		env.DB.prepare(
			"INSERT INTO aliases (id, org_id, domain_id, local_part, address, class, display_name) VALUES (?, ?, ?, 'intake', ?, ?, 'Intake')",
		).bind(aliasId, orgId, domainId, `intake@${domain}`, clinical ? "clinical" : "administrative"),
		env.DB.prepare(
			"INSERT INTO users (id, org_id, email, name, role, clinical) VALUES (?, ?, ?, 'Bench', 'owner', 1)",
		).bind(userId, orgId, `owner@${domain}`),
		env.DB.prepare(
			"INSERT INTO alias_grants (alias_id, principal_type, principal_id, role, org_id) VALUES (?, 'user', ?, 'manager', ?)",
		).bind(aliasId, userId, orgId),
		env.DB.prepare(
			"INSERT INTO tokens (id, org_id, user_id, name, hash, scopes) VALUES (?, ?, ?, 'bench', ?, '[\"admin\"]')",
		).bind(newId("tok"), orgId, userId, hash),
	]);
	return { orgId, aliasId, address: `intake@${domain}`, token: secret };
}

/** `count` chained audit rows, built and inserted in-process (generation is not measured). */
async function seedAudit(env: HarnessEnv, orgId: string, count: number) {
	const { auditKey } = await loadConfig(env);
	const db = openDb(env.DB);
	const CHUNK = 7000;
	for (let done = 0; done < count; done += CHUNK) {
		const events = Array.from({ length: Math.min(CHUNK, count - done) }, (_, i) => ({
			actorType: "user" as const,
			actorId: `usr_bench${(done + i) % 97}`,
			action: "message.read",
			targetType: "message",
			targetId: `msg_bench${done + i}`,
			outcome: "success" as const,
		}));
		const rows = await chainRows(auditKey, orgId, await auditHead(db, orgId), events, new Date().toISOString());
		const statements = auditInserts(env.DB, rows);
		await env.DB.batch(statements);
	}
	return { orgId, count };
}

/** Counts that prove exactly-once storage: rows, objects, orphans and rows pointing at nothing. */
async function storageReport(env: HarnessEnv, orgId: string) {
	const rows = await env.DB.prepare("SELECT id, r2_key AS r2Key, direction, status FROM messages WHERE org_id = ?")
		.bind(orgId)
		.all<{ id: string; r2Key: string | null; direction: string; status: string }>();
	const keys = new Set<string>();
	let cursor: string | undefined;
	do {
		const page = await env.BODIES.list({ prefix: `org/${orgId}/`, cursor });
		for (const o of page.objects) keys.add(o.key);
		cursor = page.truncated ? page.cursor : undefined;
	} while (cursor);
	const referenced = new Set(rows.results.map((r) => r.r2Key).filter((k): k is string => !!k));
	const statuses: Record<string, number> = {};
	for (const r of rows.results)
		statuses[`${r.direction}:${r.status}`] = (statuses[`${r.direction}:${r.status}`] ?? 0) + 1;
	const { auditKey } = await loadConfig(env);
	return {
		rows: rows.results.length,
		objects: keys.size,
		orphanObjects: [...keys].filter((k) => !referenced.has(k)).length,
		danglingRows: [...referenced].filter((k) => !keys.has(k)).length,
		statuses,
		chain: await verifyChain(openDb(env.DB), auditKey, orgId),
	};
}

export default {
	async fetch(request: Request, env: HarnessEnv, ctx: ExecutionContext): Promise<Response> {
		const url = new URL(request.url);
		const [, area, arg] = url.pathname.split("/");
		if (area === "inbound" && arg) return inbound(request, env, ctx, arg);
		if (area === "seed" && arg === "tenant") {
			const body = (await request.json()) as { name: string; clinical?: boolean };
			return json(await seedTenant(env, body.name, body.clinical ?? true));
		}
		if (area === "seed" && arg === "audit") {
			const body = (await request.json()) as { orgId: string; count: number };
			return json(await seedAudit(env, body.orgId, body.count));
		}
		if (area === "seed" && arg === "messages") {
			const body = (await request.json()) as { orgId: string; aliasId: string; count: number };
			return json(await seedMessages(env, body));
		}
		if (area === "phi") {
			// Runs the detector `n` times over the body: the runner reads the CPU it took.
			const text = await request.text();
			const n = Number(url.searchParams.get("n") ?? "1");
			let rules = 0;
			for (let i = 0; i < n; i++) rules = Object.keys(detectPhi([text])).length;
			return json({ rules });
		}
		if (area === "report") return json(await storageReport(env, url.searchParams.get("org") ?? ""));
		return carepost.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, ctx);
	},
	async queue(batch: MessageBatch<unknown>, env: HarnessEnv) {
		await carepost.queue(batch, env);
	},
} satisfies ExportedHandler<HarnessEnv>;
