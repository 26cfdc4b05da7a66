// /v1/teams, /v1/domains, /v1/policies and /v1/recipients.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, json } from "./support/mail";
import { createOrg, createUser } from "./support/org";

describe("/v1/teams", () => {
	it("creates a team, sets and lists its members", async () => {
		const org = await createOrg();
		const admin = await createUser(org, { role: "admin" });
		const a = await createUser(org);
		const team = await json(
			await call(admin.token, "POST", "/v1/teams", { name: "Cardiology", archiveBcc: "Archive@Clinic.Example" }),
		);
		expect(team).toMatchObject({ name: "Cardiology", archiveBcc: "archive@clinic.example", members: [] });
		const set = await json(await call(admin.token, "PUT", `/v1/teams/${team.id}/members`, { userIds: [a.id, a.id] }));
		expect(set.members).toEqual([a.id]);
		expect((await json(await call(admin.token, "GET", "/v1/teams"))).data).toHaveLength(1);
		expect((await json(await call(admin.token, "GET", `/v1/teams/${team.id}`))).members).toEqual([a.id]);
	});

	it("refuses a member from another org, an invalid body (both 422) and a member caller (403)", async () => {
		const org = await createOrg();
		const admin = await createUser(org, { role: "admin" });
		const member = await createUser(org);
		const stranger = await createUser(await createOrg());
		const team = await json(await call(admin.token, "POST", "/v1/teams", { name: "T" }));
		expect((await call(admin.token, "PUT", `/v1/teams/${team.id}/members`, { userIds: [stranger.id] })).status).toBe(
			422,
		);
		expect((await call(admin.token, "POST", "/v1/teams", { name: "" })).status).toBe(422);
		expect((await call(member.token, "POST", "/v1/teams", { name: "T2" })).status).toBe(403);
	});
});

describe("/v1/domains", () => {
	it("adds a domain once across all orgs and lists it", async () => {
		const org = await createOrg();
		const owner = await createUser(org, { role: "owner" });
		const domain = `new-${org.orgId.slice(4, 10)}.example`;
		expect((await call(owner.token, "POST", "/v1/domains", { domain })).status).toBe(201);
		const other = await createUser(await createOrg(), { role: "owner" });
		expect((await call(other.token, "POST", "/v1/domains", { domain })).status).toBe(409);
		const list = await json(await call(owner.token, "GET", "/v1/domains"));
		expect(list.data.map((d: { domain: string }) => d.domain)).toContain(domain);
	});

	it.each(["Clinic.Example", "clinic", "clínica.example", "a b.example"])("refuses %s", async (domain) => {
		const owner = await createUser(await createOrg(), { role: "owner" });
		expect((await call(owner.token, "POST", "/v1/domains", { domain })).status).toBe(422);
	});

	it("refuses a compliance officer adding a domain", async () => {
		const u = await createUser(await createOrg(), { role: "compliance" });
		expect((await call(u.token, "POST", "/v1/domains", { domain: "x-compliance.example" })).status).toBe(403);
	});
});

describe("/v1/policies", () => {
	it("returns defaults and applies a partial change", async () => {
		const org = await createOrg();
		const u = await createUser(org, { role: "compliance" });
		const before = await json(await call(u.token, "GET", "/v1/policies"));
		expect(before).toMatchObject({ retentionDays: 2190, aliasDenylist: [], confidentialityNotice: null });
		const after = await json(
			await call(u.token, "PATCH", "/v1/policies", {
				confidentialityNotice: "This message may contain PHI.",
				archiveBcc: "archive@clinic.example",
			}),
		);
		expect(after).toMatchObject({ confidentialityNotice: "This message may contain PHI.", retentionDays: 2190 });
	});

	it.each([
		["an invalid regex", { aliasPattern: "([a-z" }],
		["CR/LF in the archive BCC", { archiveBcc: "a@b.example\r\nBcc: c@d.example" }],
		["a retention below 30 days", { retentionDays: 29 }],
		["an unknown field", { orgId: "org_x" }],
	])("refuses %s", async (_n, body) => {
		const u = await createUser(await createOrg(), { role: "admin" });
		expect((await call(u.token, "PATCH", "/v1/policies", body)).status).toBe(422);
	});

	it("lets an auditor read but not change policies", async () => {
		const u = await createUser(await createOrg(), { role: "auditor" });
		expect((await call(u.token, "GET", "/v1/policies")).status).toBe(200);
		expect((await call(u.token, "PATCH", "/v1/policies", { retentionDays: 100 })).status).toBe(403);
	});
});

describe("/v1/recipients", () => {
	it("marks an address secure with who and why, sealed at rest, and updates it in place", async () => {
		const org = await createOrg();
		const u = await createUser(org, { role: "compliance" });
		const first = await json(
			await call(u.token, "POST", "/v1/recipients", {
				kind: "address",
				value: "Partner-Lab@Example.org",
				secure: true,
				reason: "BAA on file",
			}),
		);
		expect(first).toMatchObject({ kind: "address", value: "partner-lab@example.org", secure: true, markedBy: u.id });
		const again = await json(
			await call(u.token, "POST", "/v1/recipients", {
				kind: "address",
				value: "partner-lab@example.org",
				secure: false,
				reason: "BAA expired",
			}),
		);
		expect(again).toMatchObject({ id: first.id, secure: false, reason: "BAA expired" });
		const rows = await env.DB.prepare("SELECT * FROM recipients").all();
		expect(JSON.stringify(rows.results)).not.toContain("partner-lab");
		const list = await json(await call(u.token, "GET", "/v1/recipients"));
		expect(list.data).toHaveLength(1);
		expect((await call(u.token, "DELETE", `/v1/recipients/${first.id}`)).status).toBe(200);
	});

	it.each([
		["a malformed address", { kind: "address", value: "nope", secure: true, reason: "x y z" }],
		["a missing reason", { kind: "domain", value: "lab.example", secure: true }],
		["an address given as a domain", { kind: "domain", value: "a@lab.example", secure: true, reason: "BAA" }],
	])("refuses %s", async (_n, body) => {
		const u = await createUser(await createOrg(), { role: "admin" });
		expect((await call(u.token, "POST", "/v1/recipients", body)).status).toBe(422);
	});

	it("lets a sender read the registry but not change it", async () => {
		const u = await createUser(await createOrg(), { scopes: ["messages:send"] });
		expect((await call(u.token, "GET", "/v1/recipients")).status).toBe(200);
		const body = { kind: "domain", value: "lab.example", secure: true, reason: "BAA" };
		expect((await call(u.token, "POST", "/v1/recipients", body)).status).toBe(403);
	});
});
