// The database refuses every edit of the audit log; appends that race retry with the new head;
// verifyChain accepts an untouched chain.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appendAudit, auditHead } from "../src/audit/append";
import { type AuditEvent, chainRows } from "../src/audit/chain";
import { verifyChain } from "../src/audit/verify";
import { loadConfig } from "../src/env";
import { newId } from "../src/ids";
import { auditInserts } from "./support/audit-rows";
import { db } from "./support/org";

const event = (action = "test.event"): AuditEvent => ({
	actorType: "system",
	actorId: "test",
	action,
	outcome: "success",
	details: { n: 1 },
});

async function chainOf(length: number) {
	const { auditKey } = await loadConfig(env);
	const orgId = newId("org");
	for (let i = 0; i < length; i++) await appendAudit(db, auditKey, orgId, event(`e${i}`));
	return { orgId, auditKey };
}

const run = (sql: string, ...params: unknown[]) =>
	env.DB.prepare(sql)
		.bind(...params)
		.run();

describe("the audit log is append-only in the database", () => {
	it.each([
		["UPDATE", (org: string) => run("UPDATE audit_events SET action = 'x' WHERE org_id = ? AND seq = 2", org)],
		["DELETE", (org: string) => run("DELETE FROM audit_events WHERE org_id = ? AND seq = 3", org)],
		[
			"INSERT OR REPLACE",
			(org: string) =>
				run(
					"INSERT OR REPLACE INTO audit_events (org_id, seq, at, actor_type, actor_id, action, outcome, details, prev_mac, mac) SELECT org_id, seq, at, actor_type, actor_id, 'forged', outcome, details, prev_mac, mac FROM audit_events WHERE org_id = ? AND seq = 2",
					org,
				),
		],
		[
			"an upsert",
			(org: string) =>
				run(
					"INSERT INTO audit_events (org_id, seq, at, actor_type, actor_id, action, outcome, details, prev_mac, mac) SELECT org_id, seq, at, actor_type, actor_id, action, outcome, details, prev_mac, mac FROM audit_events WHERE org_id = ? AND seq = 2 ON CONFLICT (org_id, seq) DO UPDATE SET action = 'forged'",
					org,
				),
		],
		[
			"a gap in seq",
			(org: string) =>
				run(
					"INSERT INTO audit_events (org_id, seq, at, actor_type, actor_id, action, outcome, details, prev_mac, mac) SELECT org_id, seq + 2, at, actor_type, actor_id, action, outcome, details, mac, 'm' FROM audit_events WHERE org_id = ? AND seq = 4",
					org,
				),
		],
		[
			"a wrong prev_mac",
			(org: string) =>
				run(
					"INSERT INTO audit_events (org_id, seq, at, actor_type, actor_id, action, outcome, details, prev_mac, mac) SELECT org_id, seq + 1, at, actor_type, actor_id, action, outcome, details, 'not-the-head', 'm' FROM audit_events WHERE org_id = ? AND seq = 4",
					org,
				),
		],
	])("refuses %s", async (_name, attack) => {
		const { orgId, auditKey } = await chainOf(4);
		await expect(attack(orgId)).rejects.toThrow(/audit_chain:/);
		expect(await verifyChain(db, auditKey, orgId)).toMatchObject({ ok: true, count: 4 });
	});

	it("accepts a correct next row written by hand (the triggers do not block honest appends)", async () => {
		const { orgId, auditKey } = await chainOf(2);
		const rows = await chainRows(auditKey, orgId, await auditHead(db, orgId), [event()], new Date().toISOString());
		await env.DB.batch(auditInserts(env.DB, rows));
		expect(await verifyChain(db, auditKey, orgId)).toMatchObject({ ok: true, count: 3 });
	});
});

describe("appending", () => {
	it("keeps one gap-free chain when many appends for one org arrive at once", async () => {
		const { auditKey } = await loadConfig(env);
		const orgId = newId("org");
		await Promise.all(Array.from({ length: 4 }, (_, i) => appendAudit(db, auditKey, orgId, event(`race${i}`))));
		expect(await verifyChain(db, auditKey, orgId)).toMatchObject({ ok: true, count: 4, headSeq: 4 });
	});

	it("recovers when another isolate appended behind this one's back (stale head → refused → retried)", async () => {
		const { orgId, auditKey } = await chainOf(2);
		// Another isolate appends seq 3 directly: this isolate's remembered head (seq 2) is now stale.
		const rows = await chainRows(
			auditKey,
			orgId,
			await auditHead(db, orgId),
			[event("elsewhere")],
			new Date().toISOString(),
		);
		await env.DB.batch(auditInserts(env.DB, rows));
		await appendAudit(db, auditKey, orgId, event("after"));
		expect(await verifyChain(db, auditKey, orgId)).toMatchObject({ ok: true, count: 4, headSeq: 4 });
	});

	it("keeps each org's chain separate", async () => {
		const a = await chainOf(3);
		const b = await chainOf(2);
		expect(await verifyChain(db, a.auditKey, a.orgId)).toMatchObject({ ok: true, count: 3 });
		expect(await verifyChain(db, b.auditKey, b.orgId)).toMatchObject({ ok: true, count: 2 });
	});

	it("verifies an empty chain as ok", async () => {
		const { auditKey } = await loadConfig(env);
		expect(await verifyChain(db, auditKey, newId("org"))).toEqual({ ok: true, count: 0, headSeq: 0, headMac: "" });
	});
});
