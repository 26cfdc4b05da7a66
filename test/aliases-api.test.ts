// /v1/aliases: create with the naming policy, bulk all-or-nothing at and past 1,000, update,
// disable, grants with the licensed-staff rule, inventory visibility.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { aliases, auditEvents } from "../src/db/schema";
import { buildMail, call, deliver, json } from "./support/mail";
import { createOrg, createUser, db } from "./support/org";

const spec = (localPart: string, domain: string, extra: object = {}) => ({
	localPart,
	domain,
	class: "administrative",
	displayName: localPart,
	...extra,
});

describe("POST /v1/aliases", () => {
	it("creates an alias that then receives mail, audited as alias.create", async () => {
		const org = await createOrg([]);
		const admin = await createUser(org, { role: "compliance", scopes: ["aliases:write"] });
		const res = await call(
			admin.token,
			"POST",
			"/v1/aliases",
			spec("oncology-intake", org.domain, { class: "clinical" }),
		);
		expect(res.status).toBe(201);
		const alias = await json(res);
		expect(alias).toMatchObject({ address: `oncology-intake@${org.domain}`, class: "clinical", status: "active" });
		const audit = await db.select().from(auditEvents).where(eq(auditEvents.orgId, org.orgId));
		expect(audit.at(-1)).toMatchObject({ action: "alias.create", targetId: alias.id });
		const msg = await deliver(buildMail({ to: alias.address }), { to: alias.address });
		expect(msg.rejected).toBeNull();
	});

	it.each([
		["a date", "visit-2024-03-01", "looks like a date"],
		["a digit run", "acct-884412", "5 or more digits"],
		["an SSN shape", "x-123-45-6789", "Social Security"],
		["upper case", "Billing", "lower-case"],
	])("refuses a name with %s, with the reason", async (_n, localPart, reason) => {
		const org = await createOrg([]);
		const admin = await createUser(org, { role: "admin" });
		const res = await call(admin.token, "POST", "/v1/aliases", spec(localPart, org.domain));
		expect(res.status).toBe(422);
		expect((await json(res)).error.message).toContain(reason);
	});

	it("refuses a denylisted word set in the org's policies, and a foreign domain", async () => {
		const org = await createOrg([]);
		const admin = await createUser(org, { role: "admin" });
		await call(admin.token, "PATCH", "/v1/policies", { aliasDenylist: ["doe"] });
		expect((await call(admin.token, "POST", "/v1/aliases", spec("jane-doe", org.domain))).status).toBe(422);
		const other = await createOrg([]);
		const res = await call(admin.token, "POST", "/v1/aliases", spec("billing", other.domain));
		expect((await json(res)).error.message).toContain("domain: not one of the organisation's domains");
	});

	it("refuses an existing address, and orgId/status in the body, with 422", async () => {
		const org = await createOrg();
		const admin = await createUser(org, { role: "admin" });
		expect((await call(admin.token, "POST", "/v1/aliases", spec("billing", org.domain))).status).toBe(422);
		for (const smuggled of [{ orgId: "org_x" }, { status: "disabled" }]) {
			const res = await call(admin.token, "POST", "/v1/aliases", spec("x-y", org.domain, smuggled));
			expect(res.status).toBe(422);
			expect((await json(res)).error.message).toContain("Unrecognized key");
		}
	});

	it("is refused (403, audited) for member and auditor", async () => {
		const org = await createOrg([]);
		for (const role of ["member", "auditor"] as const) {
			const u = await createUser(org, { role });
			expect((await call(u.token, "POST", "/v1/aliases", spec("dept-a", org.domain))).status).toBe(403);
		}
	});
});

describe("POST /v1/aliases/bulk", () => {
	it("creates 1,000 aliases at once (chunked under D1's parameter limit) with one audit row", async () => {
		const org = await createOrg([]);
		const admin = await createUser(org, { role: "admin" });
		const list = Array.from({ length: 1000 }, (_, i) => spec(`site-${i}`, org.domain));
		const res = await call(admin.token, "POST", "/v1/aliases/bulk", { aliases: list });
		expect(res.status).toBe(201);
		expect((await json(res)).data).toHaveLength(1000);
		expect(await db.select({ id: aliases.id }).from(aliases).where(eq(aliases.orgId, org.orgId))).toHaveLength(1000);
		const audit = await db.select().from(auditEvents).where(eq(auditEvents.orgId, org.orgId));
		expect(audit.filter((a) => a.action === "alias.bulk_create")).toHaveLength(1);
		expect(JSON.parse(audit.at(-1)?.details ?? "{}").count).toBe(1000);
	});

	it("refuses 1,001 with 422", async () => {
		const org = await createOrg([]);
		const admin = await createUser(org, { role: "admin" });
		const list = Array.from({ length: 1001 }, (_, i) => spec(`site-${i}`, org.domain));
		expect((await call(admin.token, "POST", "/v1/aliases/bulk", { aliases: list })).status).toBe(422);
	});

	it("creates nothing when one alias of the batch is refused", async () => {
		const org = await createOrg([]);
		const admin = await createUser(org, { role: "admin" });
		const list = Array.from({ length: 50 }, (_, i) => spec(`site-${i}`, org.domain));
		list[37] = spec("mrn-44112", org.domain);
		list.push(spec("site-3", org.domain));
		const res = await call(admin.token, "POST", "/v1/aliases/bulk", { aliases: list });
		expect(res.status).toBe(422);
		const message = (await json(res)).error.message;
		expect(message).toContain("aliases[37].localPart");
		expect(message).toContain("aliases[50].localPart: duplicated");
		expect(await db.select().from(aliases).where(eq(aliases.orgId, org.orgId))).toHaveLength(0);
	});
});

describe("alias lifecycle and grants", () => {
	it("lists everything for inventory roles and only granted aliases for members", async () => {
		const org = await createOrg([{ local: "billing" }, { local: "frontdesk" }, { local: "dr-lee" }]);
		const auditor = await createUser(org, { role: "auditor", scopes: ["audit:read"] });
		const member = await createUser(org, { grants: { "dr-lee": "viewer" } });
		expect((await json(await call(auditor.token, "GET", "/v1/aliases"))).data).toHaveLength(3);
		const mine = await json(await call(member.token, "GET", "/v1/aliases"));
		expect(mine.data.map((a: { localPart: string }) => a.localPart)).toEqual(["dr-lee"]);
		expect((await call(member.token, "GET", `/v1/aliases/${org.aliasId("dr-lee")}`)).status).toBe(200);
		expect((await call(member.token, "GET", `/v1/aliases/${org.aliasId("billing")}`)).status).toBe(403);
		const page = await json(await call(auditor.token, "GET", "/v1/aliases?limit=2"));
		const next = await json(await call(auditor.token, "GET", `/v1/aliases?limit=2&cursor=${page.nextCursor}`));
		expect([...page.data, ...next.data].map((a: { localPart: string }) => a.localPart)).toEqual([
			"billing",
			"dr-lee",
			"frontdesk",
		]);
	});

	it("updates and disables an alias; a disabled alias refuses mail", async () => {
		const org = await createOrg([{ local: "billing" }, { local: "frontdesk" }]);
		const admin = await createUser(org, { role: "admin" });
		const id = org.aliasId("billing");
		const patched = await json(
			await call(admin.token, "PATCH", `/v1/aliases/${id}`, {
				displayName: "Billing Office",
				successorId: org.aliasId("frontdesk"),
			}),
		);
		expect(patched).toMatchObject({ displayName: "Billing Office", successorId: org.aliasId("frontdesk") });
		expect((await call(admin.token, "PATCH", `/v1/aliases/${id}`, { successorId: id })).status).toBe(422);
		expect((await call(admin.token, "PATCH", `/v1/aliases/${id}`, { displayName: "x\r\ny" })).status).toBe(422);
		expect((await json(await call(admin.token, "POST", `/v1/aliases/${id}/disable`))).status).toBe("disabled");
		const msg = await deliver(buildMail({ to: org.alias("billing") }), { to: org.alias("billing") });
		expect(msg.rejected).toMatch(/disabled/);
	});

	it("replaces grants; refuses a non-clinical sender on a clinical alias; lets an alias manager grant", async () => {
		const org = await createOrg();
		const admin = await createUser(org, { role: "admin" });
		const nurse = await createUser(org, { clinical: true });
		const clerk = await createUser(org);
		const clinicalId = org.aliasId("cardiology-referrals");
		const ok = await call(admin.token, "PUT", `/v1/aliases/${clinicalId}/grants`, {
			grants: [
				{ principalType: "user", principalId: nurse.id, role: "manager" },
				{ principalType: "user", principalId: clerk.id, role: "viewer" },
			],
		});
		expect(ok.status).toBe(200);
		expect((await json(ok)).grants).toHaveLength(2);
		const refused = await call(admin.token, "PUT", `/v1/aliases/${clinicalId}/grants`, {
			grants: [{ principalType: "user", principalId: clerk.id, role: "sender" }],
		});
		expect(refused.status).toBe(422);
		expect((await json(refused)).error.message).toContain("not clinical staff");
		// The nurse manages this alias, so may change its grants without an admin role.
		const byManager = await call(nurse.token, "PUT", `/v1/aliases/${clinicalId}/grants`, {
			grants: [{ principalType: "user", principalId: nurse.id, role: "manager" }],
		});
		expect(byManager.status).toBe(200);
		// …but not those of an alias they do not manage.
		const elsewhere = await call(nurse.token, "PUT", `/v1/aliases/${org.aliasId("billing")}/grants`, { grants: [] });
		expect(elsewhere.status).toBe(403);
		const foreignUser = await createUser(await createOrg());
		const foreign = await call(admin.token, "PUT", `/v1/aliases/${clinicalId}/grants`, {
			grants: [{ principalType: "user", principalId: foreignUser.id, role: "viewer" }],
		});
		expect(foreign.status).toBe(422);
	});
});
