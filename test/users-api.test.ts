// /v1/me, /v1/users and /v1/tokens: happy, invalid, forbidden, mass assignment, deactivation.
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { aliasGrants, auditEvents, conversations, tokens, users } from "../src/db/schema";
import { buildMail, call, deliver, json } from "./support/mail";
import { createOrg, createUser, db } from "./support/org";

async function lastAudit(orgId: string) {
	const rows = await db.select().from(auditEvents).where(eq(auditEvents.orgId, orgId));
	return rows.at(-1);
}

describe("/v1/me", () => {
	it("returns the caller and audits me.read", async () => {
		const org = await createOrg();
		const u = await createUser(org, { role: "auditor", scopes: ["audit:read"] });
		const body = await json(await call(u.token, "GET", "/v1/me"));
		expect(body).toMatchObject({ user: { id: u.id, role: "auditor" }, orgId: org.orgId, scopes: ["audit:read"] });
		expect(await lastAudit(org.orgId)).toMatchObject({ action: "me.read", actorId: u.id });
	});
});

describe("/v1/users", () => {
	it("creates, lists, reads and updates users (admin)", async () => {
		const org = await createOrg();
		const admin = await createUser(org, { role: "admin" });
		const created = await call(admin.token, "POST", "/v1/users", {
			email: "Dr.Lee@Clinic.Example",
			name: "Dr Lee",
			clinical: true,
		});
		expect(created.status).toBe(201);
		const user = await json(created);
		expect(user).toMatchObject({ email: "dr.lee@clinic.example", role: "member", clinical: true, status: "active" });
		const list = await json(await call(admin.token, "GET", "/v1/users?limit=1"));
		expect(list.data).toHaveLength(1);
		expect(list.nextCursor).toBeTruthy();
		const second = await json(await call(admin.token, "GET", `/v1/users?limit=5&cursor=${list.nextCursor}`));
		expect([...list.data, ...second.data].map((u: { id: string }) => u.id)).toContain(user.id);
		expect((await call(admin.token, "GET", `/v1/users/${user.id}`)).status).toBe(200);
		const updated = await json(await call(admin.token, "PATCH", `/v1/users/${user.id}`, { role: "compliance" }));
		expect(updated.role).toBe("compliance");
		expect(await lastAudit(org.orgId)).toMatchObject({ action: "user.update", targetId: user.id });
	});

	it.each([
		["a bad e-mail", { email: "not-an-address", name: "X" }, "email"],
		["CR/LF in the name", { email: "a@b.example", name: "X\r\nBcc: evil@x.example" }, "name"],
		["an unknown role", { email: "a@b.example", name: "X", role: "superuser" }, "role"],
		["org_id (mass assignment)", { email: "a@b.example", name: "X", orgId: "org_other" }, "orgId"],
		["status (mass assignment)", { email: "a@b.example", name: "X", status: "deactivated" }, "status"],
	])("refuses %s with 422 naming the field", async (_name, body, field) => {
		const org = await createOrg();
		const admin = await createUser(org, { role: "admin" });
		const res = await call(admin.token, "POST", "/v1/users", body);
		expect(res.status).toBe(422);
		expect((await json(res)).error.message).toContain(field);
	});

	it("refuses a duplicate e-mail with 409", async () => {
		const org = await createOrg();
		const admin = await createUser(org, { role: "admin" });
		await call(admin.token, "POST", "/v1/users", { email: "x@clinic.example", name: "X" });
		expect((await call(admin.token, "POST", "/v1/users", { email: "x@clinic.example", name: "X" })).status).toBe(409);
	});

	it("lets only an owner create or change owners, and nobody change their own role", async () => {
		const org = await createOrg();
		const admin = await createUser(org, { role: "admin" });
		const owner = await createUser(org, { role: "owner" });
		expect(
			(await call(admin.token, "POST", "/v1/users", { email: "o@c.example", name: "O", role: "owner" })).status,
		).toBe(403);
		expect((await call(admin.token, "PATCH", `/v1/users/${owner.id}`, { name: "x" })).status).toBe(403);
		expect(
			(await call(owner.token, "POST", "/v1/users", { email: "o@c.example", name: "O", role: "owner" })).status,
		).toBe(201);
		expect((await call(admin.token, "PATCH", `/v1/users/${admin.id}`, { role: "owner" })).status).toBe(403);
		expect((await call(owner.token, "PATCH", `/v1/users/${owner.id}`, { role: "member" })).status).toBe(422);
		const denials = await db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.outcome, "denied")));
		expect(denials.map((d) => JSON.parse(d.details).reason)).toEqual(["owner_only", "owner_only", "owner_only"]);
	});

	it("refuses a member with 403 and audits the denial", async () => {
		const org = await createOrg();
		const member = await createUser(org);
		expect((await call(member.token, "POST", "/v1/users", { email: "a@b.example", name: "X" })).status).toBe(403);
		expect(await lastAudit(org.orgId)).toMatchObject({ action: "user.manage", outcome: "denied", actorId: member.id });
	});

	it("downgrades a user's clinical sender grants to viewer when the clinical flag is removed", async () => {
		const org = await createOrg();
		const admin = await createUser(org, { role: "admin" });
		const doc = await createUser(org, {
			clinical: true,
			grants: { "cardiology-referrals": "sender", billing: "sender" },
		});
		await call(admin.token, "PATCH", `/v1/users/${doc.id}`, { clinical: false });
		const grants = await db.select().from(aliasGrants).where(eq(aliasGrants.principalId, doc.id));
		const byAlias = Object.fromEntries(grants.map((g) => [g.aliasId, g.role]));
		expect(byAlias).toEqual({ [org.aliasId("cardiology-referrals")]: "viewer", [org.aliasId("billing")]: "sender" });
	});
});

describe("POST /v1/users/:id/deactivate", () => {
	it("revokes every token at once and hands grants and open conversations to the successor", async () => {
		const org = await createOrg();
		const admin = await createUser(org, { role: "admin" });
		const leaving = await createUser(org, {
			clinical: true,
			grants: { "cardiology-referrals": "sender", billing: "viewer" },
		});
		const successor = await createUser(org, { clinical: false, grants: { billing: "manager" } });
		await deliver(buildMail({ to: org.alias("cardiology-referrals") }), { to: org.alias("cardiology-referrals") });
		await db.update(conversations).set({ assigneeId: leaving.id }).where(eq(conversations.orgId, org.orgId));
		expect((await call(leaving.token, "GET", "/v1/me")).status).toBe(200);

		const res = await call(admin.token, "POST", `/v1/users/${leaving.id}/deactivate`, { successorId: successor.id });
		expect(res.status).toBe(200);
		expect((await json(res)).status).toBe("deactivated");
		expect((await call(leaving.token, "GET", "/v1/me")).status).toBe(401);
		const live = await db
			.select()
			.from(tokens)
			.where(and(eq(tokens.userId, leaving.id)));
		expect(live.every((t) => t.revokedAt)).toBe(true);
		const grants = await db.select().from(aliasGrants).where(eq(aliasGrants.principalId, successor.id));
		// Not clinical: the clinical sender grant arrives as viewer; billing keeps the stronger manager.
		expect(Object.fromEntries(grants.map((g) => [g.aliasId, g.role]))).toEqual({
			[org.aliasId("cardiology-referrals")]: "viewer",
			[org.aliasId("billing")]: "manager",
		});
		expect(await db.select().from(aliasGrants).where(eq(aliasGrants.principalId, leaving.id))).toHaveLength(0);
		const [conv] = await db.select().from(conversations).where(eq(conversations.orgId, org.orgId));
		expect(conv?.assigneeId).toBe(successor.id);
	});

	it.each([
		["yourself (422)", "self", 422],
		["with a successor from another org (404: a foreign id is never found)", "foreign", 404],
	])("refuses deactivating %s", async (_n, which, status) => {
		const org = await createOrg();
		const admin = await createUser(org, { role: "admin" });
		const other = await createUser(await createOrg());
		const target = which === "self" ? admin.id : (await createUser(org)).id;
		const body = which === "foreign" ? { successorId: other.id } : {};
		const res = await call(admin.token, "POST", `/v1/users/${target}/deactivate`, body);
		expect(res.status).toBe(status);
		const [target_] = await db.select().from(users).where(eq(users.id, target));
		expect(target_?.status).toBe("active");
	});
});

describe("/v1/tokens", () => {
	it("creates a token whose secret is shown once and works, lists it without the secret, revokes it", async () => {
		const org = await createOrg();
		const user = await createUser(org, { scopes: ["messages:read", "messages:send"] });
		const res = await call(user.token, "POST", "/v1/tokens", { name: "ci", scopes: ["messages:read"] });
		expect(res.status).toBe(201);
		const created = await json(res);
		expect(created.token).toMatch(/^cpt_[A-Za-z0-9_-]{43}$/);
		expect((await call(created.token, "GET", "/v1/conversations")).status).toBe(200);
		const list = await call(user.token, "GET", "/v1/tokens");
		const listed = await list.text();
		expect(listed).toContain(created.id);
		expect(listed).not.toContain(created.token);
		expect(listed).not.toContain("hash");
		expect((await call(user.token, "DELETE", `/v1/tokens/${created.id}`)).status).toBe(200);
		expect((await call(created.token, "GET", "/v1/conversations")).status).toBe(401);
	});

	it("never mints a token with more scopes than the caller's", async () => {
		const org = await createOrg();
		const user = await createUser(org, { role: "owner", scopes: ["messages:read"] });
		expect((await call(user.token, "POST", "/v1/tokens", { name: "x", scopes: ["admin"] })).status).toBe(403);
		expect(await lastAudit(org.orgId)).toMatchObject({ action: "token.create", outcome: "denied" });
	});

	it.each([
		["no scopes", { name: "x", scopes: [] }, 422],
		["an unknown scope", { name: "x", scopes: ["root"] }, 422],
		["an expiry in the past", { name: "x", scopes: ["messages:read"], expiresAt: "2020-01-01T00:00:00Z" }, 422],
		["a hash (mass assignment)", { name: "x", scopes: ["messages:read"], hash: "00" }, 422],
	])("refuses %s", async (_n, body, status) => {
		const org = await createOrg();
		const user = await createUser(org);
		expect((await call(user.token, "POST", "/v1/tokens", body)).status).toBe(status);
	});

	it("lets a member neither list nor revoke someone else's tokens", async () => {
		const org = await createOrg();
		const member = await createUser(org);
		const other = await createUser(org);
		expect((await call(member.token, "GET", `/v1/tokens?userId=${other.id}`)).status).toBe(403);
		expect((await call(member.token, "DELETE", `/v1/tokens/${other.tokenId}`)).status).toBe(403);
		const admin = await createUser(org, { role: "admin" });
		expect((await call(admin.token, "DELETE", `/v1/tokens/${other.tokenId}`)).status).toBe(200);
	});
});
