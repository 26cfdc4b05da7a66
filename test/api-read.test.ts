// Reading mail back through the API: authentication, org scoping, grants, pagination, audit.
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, messages, users } from "../src/db/schema";
import { api, buildMail, deliver } from "./support/mail";
import { createOrg, createUser, db, grantViaTeam, type TestOrg } from "./support/org";

async function auditOf(orgId: string, action: string) {
	return db
		.select()
		.from(auditEvents)
		.where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));
}

async function mailTo(org: TestOrg, local: string, n = 1): Promise<string[]> {
	const ids: string[] = [];
	for (let i = 0; i < n; i++) {
		await deliver(buildMail({ to: org.alias(local), subject: `s${i}` }), { to: org.alias(local) });
	}
	const rows = await db
		.select()
		.from(messages)
		.where(and(eq(messages.orgId, org.orgId), eq(messages.aliasId, org.aliasId(local))));
	for (const r of rows) ids.push(r.id);
	return ids;
}

describe("GET /health", () => {
	it("answers without credentials", async () => {
		const res = await api("/health");
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ ok: true });
	});
});

describe("authentication", () => {
	it.each([
		["no header", undefined],
		["a malformed token", "not-a-token"],
		["an unknown token", `cpt_${"A".repeat(43)}`],
	])("refuses %s with 401", async (_name, token) => {
		const res = await api("/v1/conversations", token);
		expect(res.status).toBe(401);
		expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "Missing or invalid credentials." } });
	});

	it.each([
		["a revoked token", { token: { revokedAt: "2026-01-01T00:00:00.000Z" } }],
		["an expired token", { token: { expiresAt: "2026-01-01T00:00:00.000Z" } }],
	])("refuses %s and audits auth.failed in its org", async (_name, opts) => {
		const org = await createOrg();
		const user = await createUser(org, opts);
		expect((await api("/v1/conversations", user.token)).status).toBe(401);
		const [row] = await auditOf(org.orgId, "auth.failed");
		expect(row).toMatchObject({ outcome: "denied", actorType: "anonymous" });
		expect(row?.details).not.toContain(user.token.slice(4, 12));
	});

	it("refuses a deactivated user's token on the very next request", async () => {
		const org = await createOrg();
		const user = await createUser(org);
		expect((await api("/v1/conversations", user.token)).status).toBe(200);
		await db.update(users).set({ status: "deactivated" }).where(eq(users.id, user.id));
		expect((await api("/v1/conversations", user.token)).status).toBe(401);
	});
});

describe("GET /v1/conversations", () => {
	it("lists only conversations of aliases the caller holds a grant on, newest first", async () => {
		const org = await createOrg();
		await mailTo(org, "billing", 2);
		await mailTo(org, "cardiology-referrals", 1);
		const reader = await createUser(org, { grants: { billing: "viewer" } });
		const res = await api("/v1/conversations", reader.token);
		const page = (await res.json()) as { data: { aliasId: string; subject: string }[] };
		expect(page.data.map((c) => c.subject)).toEqual(["s1", "s0"]);
		expect(new Set(page.data.map((c) => c.aliasId))).toEqual(new Set([org.aliasId("billing")]));
		expect(await auditOf(org.orgId, "conversation.list")).toHaveLength(1);
	});

	it("honours a grant held through a team", async () => {
		const org = await createOrg();
		await mailTo(org, "cardiology-referrals", 1);
		const user = await createUser(org);
		expect(((await (await api("/v1/conversations", user.token)).json()) as { data: [] }).data).toHaveLength(0);
		await grantViaTeam(org, user.id, "cardiology-referrals", "viewer");
		expect(((await (await api("/v1/conversations", user.token)).json()) as { data: [] }).data).toHaveLength(1);
	});

	it("pages with a cursor until every conversation is seen once", async () => {
		const org = await createOrg();
		await mailTo(org, "billing", 5);
		const reader = await createUser(org, { grants: { billing: "viewer" } });
		const seen: string[] = [];
		let cursor: string | null = null;
		do {
			const q: string = cursor ? `&cursor=${cursor}` : "";
			const page = (await (await api(`/v1/conversations?limit=2${q}`, reader.token)).json()) as {
				data: { id: string }[];
				nextCursor: string | null;
			};
			seen.push(...page.data.map((c) => c.id));
			cursor = page.nextCursor;
		} while (cursor);
		expect(seen).toHaveLength(5);
		expect(new Set(seen).size).toBe(5);
	});

	it.each([
		["limit=0", "limit"],
		["limit=101", "limit"],
		["status=archived", "status"],
		["alias=billing", "alias"],
		["cursor=%%%", "cursor"],
	])("rejects %s with 400 naming the field", async (query, field) => {
		const org = await createOrg();
		const reader = await createUser(org);
		const res = await api(`/v1/conversations?${query}`, reader.token);
		expect(res.status).toBe(400);
		const body = (await res.json()) as { error: { code: string; message: string } };
		expect(body.error.code).toBe("invalid_request");
		expect(body.error.message).toContain(field);
	});

	it("accepts limit=100, the maximum", async () => {
		const org = await createOrg();
		const reader = await createUser(org);
		expect((await api("/v1/conversations?limit=100", reader.token)).status).toBe(200);
	});

	it("answers 404 for another org's alias and 403 (audited) for an alias without a grant", async () => {
		const mine = await createOrg();
		const theirs = await createOrg();
		const reader = await createUser(mine, { grants: { billing: "viewer" } });
		expect((await api(`/v1/conversations?alias=${theirs.aliasId("billing")}`, reader.token)).status).toBe(404);
		const res = await api(`/v1/conversations?alias=${mine.aliasId("cardiology-referrals")}`, reader.token);
		expect(res.status).toBe(403);
		const denials = await db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.orgId, mine.orgId), eq(auditEvents.outcome, "denied")));
		expect(denials).toHaveLength(1);
	});

	it("refuses a token without the messages:read scope", async () => {
		const org = await createOrg();
		const user = await createUser(org, { scopes: ["audit:read"], grants: { billing: "manager" } });
		expect((await api("/v1/conversations", user.token)).status).toBe(403);
	});
});

describe("GET /v1/messages/:id", () => {
	it("returns the message decrypted and audits message.read", async () => {
		const org = await createOrg();
		const [id] = await mailTo(org, "billing");
		const reader = await createUser(org, { grants: { billing: "viewer" } });
		const res = await api(`/v1/messages/${id}`, reader.token);
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({
			id,
			subject: "s0",
			from: { address: "patient@example.org" },
			to: [{ address: org.alias("billing") }],
			text: "Body text.\n",
			status: "received",
		});
		const [audit] = await auditOf(org.orgId, "message.read");
		expect(audit).toMatchObject({ actorId: reader.id, targetId: id, outcome: "success" });
		expect(audit?.details).not.toContain("s0");
	});

	it("rejects a malformed id with 400", async () => {
		const org = await createOrg();
		const reader = await createUser(org);
		expect((await api("/v1/messages/msg_123", reader.token)).status).toBe(400);
	});

	it("answers 403 and audits the denial for a user without a grant", async () => {
		const org = await createOrg();
		const [id] = await mailTo(org, "cardiology-referrals");
		const other = await createUser(org, { role: "admin", grants: { billing: "manager" } });
		expect((await api(`/v1/messages/${id}`, other.token)).status).toBe(403);
		expect(await auditOf(org.orgId, "message.read")).toMatchObject([{ outcome: "denied", targetId: id }]);
	});

	it("answers 404 with no data for another org's message", async () => {
		const theirs = await createOrg();
		const [id] = await mailTo(theirs, "billing");
		const mine = await createOrg();
		const reader = await createUser(mine, { role: "owner", grants: { billing: "manager" } });
		for (const path of [`/v1/messages/${id}`, `/v1/messages/${id}/raw`]) {
			const res = await api(path, reader.token);
			expect(res.status).toBe(404);
			expect(await res.json()).toEqual({ error: { code: "not_found", message: "Not found." } });
		}
	});

	it("answers 410 for a crypto-shredded message", async () => {
		const org = await createOrg();
		const [id] = await mailTo(org, "billing");
		await db
			.update(messages)
			.set({ status: "deleted", wrappedKey: null })
			.where(eq(messages.id, id as string));
		const reader = await createUser(org, { grants: { billing: "viewer" } });
		expect((await api(`/v1/messages/${id}`, reader.token)).status).toBe(410);
	});

	it("serves the raw message and audits message.read_raw", async () => {
		const org = await createOrg();
		const raw = buildMail({ to: org.alias("billing"), subject: "raw please" });
		await deliver(raw, { to: org.alias("billing") });
		const [row] = await db.select().from(messages).where(eq(messages.orgId, org.orgId));
		const reader = await createUser(org, { grants: { billing: "viewer" } });
		const res = await api(`/v1/messages/${row?.id}/raw`, reader.token);
		expect(await res.text()).toBe(raw);
		expect(await auditOf(org.orgId, "message.read_raw")).toHaveLength(1);
	});
});
