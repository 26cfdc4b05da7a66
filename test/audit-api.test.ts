// /v1/audit: filtered pages, streamed exports (NDJSON and CSV) that re-verify, and the chain's
// state — owner, compliance and auditor only, each access itself audited.
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { appendAudit, auditHead } from "../src/audit/append";
import { type AuditRow, chainRows, macRow } from "../src/audit/chain";
import { EXPORT_PAGE_ROWS, exportStream } from "../src/audit/query";
import { verifyChain } from "../src/audit/verify";
import * as schema from "../src/db/schema";
import { loadConfig } from "../src/env";
import { newId } from "../src/ids";
import { auditInserts } from "./support/audit-rows";
import { call, json } from "./support/mail";
import { createOrg, createUser, db } from "./support/org";

/** Recomputes every exported row's MAC and link: an export is only useful if it verifies. */
async function verifyExported(rows: AuditRow[]): Promise<boolean> {
	const { auditKey } = await loadConfig(env);
	let prev = rows[0]?.prevMac ?? "";
	for (const r of rows) {
		const { mac, ...unsigned } = r;
		if (r.prevMac !== prev || (await macRow(auditKey, unsigned)) !== mac) return false;
		prev = mac;
	}
	return true;
}

describe("/v1/audit", () => {
	it("lists events newest first with filters and cursor pages, and audits the query", async () => {
		const org = await createOrg();
		const officer = await createUser(org, { role: "compliance", scopes: ["audit:read"] });
		for (let i = 0; i < 3; i++) await call(officer.token, "GET", "/v1/me");
		const page = await json(await call(officer.token, "GET", "/v1/audit?action=me.read&limit=2"));
		expect(page.data.map((e: { action: string }) => e.action)).toEqual(["me.read", "me.read"]);
		expect(page.data[0].seq).toBeGreaterThan(page.data[1].seq);
		const rest = await json(
			await call(officer.token, "GET", `/v1/audit?action=me.read&limit=2&cursor=${page.nextCursor}`),
		);
		expect(rest.data).toHaveLength(1);
		expect(rest.nextCursor).toBeNull();
		const byActor = await json(await call(officer.token, "GET", `/v1/audit?actor=${officer.id}&limit=100`));
		expect(byActor.data.map((e: { action: string }) => e.action)).toContain("audit.query");
	});

	it.each([
		["a bad time", "/v1/audit?from=yesterday"],
		["a limit past 500", "/v1/audit?limit=501"],
		["an unknown export format", "/v1/audit/export?format=xml"],
		["a filter with spaces", "/v1/audit?action=a%20b"],
	])("refuses %s with 400", async (_n, path) => {
		const u = await createUser(await createOrg(), { role: "auditor", scopes: ["audit:read"] });
		expect((await call(u.token, "GET", path)).status).toBe(400);
	});

	it.each(["admin", "member"] as const)("refuses an %s (403, audited)", async (role) => {
		const org = await createOrg();
		const u = await createUser(org, { role });
		for (const path of ["/v1/audit", "/v1/audit/export", "/v1/audit/verify"]) {
			expect((await call(u.token, "GET", path)).status).toBe(403);
		}
		const denied = await db.select().from(schema.auditEvents);
		expect(denied.filter((e) => e.orgId === org.orgId && e.outcome === "denied")).toHaveLength(3);
	});

	it("exports NDJSON and CSV that verify, and reports the chain's state", async () => {
		const org = await createOrg();
		const auditor = await createUser(org, { role: "auditor", scopes: ["audit:read"] });
		for (let i = 0; i < 5; i++) await call(auditor.token, "GET", "/v1/me");
		const nd = await call(auditor.token, "GET", "/v1/audit/export?format=ndjson");
		expect(nd.headers.get("content-type")).toBe("application/x-ndjson");
		const rows = (await nd.text())
			.trim()
			.split("\n")
			.map((l) => JSON.parse(l) as AuditRow);
		expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
		expect(await verifyExported(rows)).toBe(true);
		const csv = await (await call(auditor.token, "GET", "/v1/audit/export?format=csv")).text();
		const lines = csv.trim().split("\r\n");
		expect(lines[0]).toBe(
			"orgId,seq,at,actorType,actorId,action,targetType,targetId,outcome,requestId,details,prevMac,mac",
		);
		expect(lines).toHaveLength(rows.length + 2); // header + the rows + the export's own audit row
		const state = await json(await call(auditor.token, "GET", "/v1/audit/verify"));
		// Verified before its own audit row is written: the NDJSON rows plus the CSV export row.
		expect(state).toMatchObject({ ok: true, count: rows.length + 1 });
	});
});

describe("export at scale", () => {
	it("streams 100,000 rows one page at a time, and they verify", async () => {
		const { auditKey } = await loadConfig(env);
		const orgId = newId("org");
		// Build a real 100k chain (generation is not what is measured).
		const TOTAL = 100_000;
		const rows = await chainRows(
			auditKey,
			orgId,
			await auditHead(db, orgId),
			Array.from({ length: TOTAL }, (_, i) => ({
				actorType: "user" as const,
				actorId: `usr_${i % 50}`,
				action: "message.read",
				targetType: "message",
				targetId: `msg_${i}`,
				outcome: "success" as const,
			})),
			new Date().toISOString(),
		);
		const statements = auditInserts(env.DB, rows);
		for (let i = 0; i < statements.length; i += 500) await env.DB.batch(statements.slice(i, i + 500));

		// Count the queries the export makes, to prove it pulls a page only when asked.
		let queries = 0;
		const counting = new Proxy(env.DB, {
			get(target, prop) {
				const value = Reflect.get(target, prop);
				if (prop === "prepare") queries += 1;
				return typeof value === "function" ? value.bind(target) : value;
			},
		});
		const reader = exportStream(drizzle(counting, { schema }), orgId, {}, "ndjson").getReader();
		const decoder = new TextDecoder();
		const first = await reader.read();
		expect(queries).toBe(1);
		let largestChunkRows = 0;
		let pending = decoder.decode(first.value);
		const exported: AuditRow[] = [];
		const take = () => {
			const lines = pending.split("\n");
			pending = lines.pop() ?? "";
			largestChunkRows = Math.max(largestChunkRows, lines.length);
			for (const l of lines) exported.push(JSON.parse(l));
		};
		take();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			pending += decoder.decode(value);
			take();
		}
		expect(exported).toHaveLength(TOTAL);
		expect(largestChunkRows).toBeLessThanOrEqual(EXPORT_PAGE_ROWS);
		expect(queries).toBe(Math.ceil(TOTAL / EXPORT_PAGE_ROWS) + 1);
		expect(await verifyExported(exported)).toBe(true);
		expect(await verifyChain(db, auditKey, orgId)).toMatchObject({ ok: true, count: TOTAL });
		await appendAudit(db, auditKey, orgId, { actorType: "system", actorId: "t", action: "x", outcome: "success" });
		expect(await verifyChain(db, auditKey, orgId)).toMatchObject({ ok: true, count: TOTAL + 1 });
	}, 180_000);
});
