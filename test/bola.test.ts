// BOLA matrix: every route that takes an id, called by an owner of org A (every scope, every
// grant in A) with an id that exists in org B, answers 404 with no data — never 403, never B's.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { conversations, messages, recipients, teams, tokens } from "../src/db/schema";
import { buildMail, call, deliver } from "./support/mail";
import { createOrg, createUser, db, grantViaTeam, type TestOrg, type TestUser } from "./support/org";
import { key, servedRoutes } from "./support/routes";

/** A valid body per route, so the request reaches the lookup rather than failing validation. */
const BODIES: Record<string, unknown> = {
	"PATCH /v1/users/:id": { name: "Renamed" },
	"POST /v1/users/:id/deactivate": {},
	"PUT /v1/teams/:id/members": { userIds: [] },
	"PATCH /v1/aliases/:id": { displayName: "Renamed" },
	"PUT /v1/aliases/:id/grants": { grants: [] },
	"POST /v1/conversations/:id/assign": { assigneeId: null },
	"POST /v1/conversations/:id/reply": { text: "Hello" },
	"POST /v1/messages/:id/forward": { to: ["someone@example.org"] },
};

const PREFIX_OF_ROUTE: [RegExp, string][] = [
	[/^\/v1\/users\//, "usr"],
	[/^\/v1\/tokens\//, "tok"],
	[/^\/v1\/teams\//, "team"],
	[/^\/v1\/aliases\//, "als"],
	[/^\/v1\/conversations\//, "cnv"],
	[/^\/v1\/messages\//, "msg"],
	[/^\/v1\/recipients\//, "rcp"],
];

let attacker: TestUser;
let victim: TestOrg;
const victimIds: Record<string, string> = {};

beforeAll(async () => {
	const mine = await createOrg();
	attacker = await createUser(mine, {
		role: "owner",
		clinical: true,
		grants: { billing: "manager", "cardiology-referrals": "manager" },
	});

	victim = await createOrg();
	const victimUser = await createUser(victim, { role: "admin", grants: { billing: "manager" } });
	await grantViaTeam(victim, victimUser.id, "billing", "viewer");
	await deliver(buildMail({ to: victim.alias("billing"), subject: "SECRET-B" }), { to: victim.alias("billing") });
	await env.DB.prepare(
		"INSERT INTO recipients (id, org_id, kind, value_index, wrapped_key, key_id, sealed, secure) VALUES ('rcp_bbbbbbbbbbbbbbbbbbbbbbbbbb', ?, 'domain', 'x', 'x', 'k2', 'x', 1)",
	)
		.bind(victim.orgId)
		.run();
	const first = async <T>(rows: Promise<T[]>) => (await rows)[0] as T;
	victimIds.usr = victimUser.id;
	victimIds.tok = victimUser.tokenId;
	victimIds.team = (await first(db.select().from(teams).where(eq(teams.orgId, victim.orgId)))).id;
	victimIds.als = victim.aliasId("billing");
	victimIds.cnv = (await first(db.select().from(conversations).where(eq(conversations.orgId, victim.orgId)))).id;
	victimIds.msg = (await first(db.select().from(messages).where(eq(messages.orgId, victim.orgId)))).id;
	victimIds.rcp = (await first(db.select().from(recipients).where(eq(recipients.orgId, victim.orgId)))).id;
	expect((await first(db.select().from(tokens).where(eq(tokens.id, victimIds.tok)))).orgId).toBe(victim.orgId);
});

const idRoutes = servedRoutes().filter((r) => r.path.includes(":id"));

describe("BOLA: another org's ids", () => {
	it("covers every route that takes an id", () => {
		expect(idRoutes.length).toBeGreaterThanOrEqual(18);
		for (const r of idRoutes)
			expect(
				PREFIX_OF_ROUTE.some(([re]) => re.test(r.path)),
				key(r),
			).toBe(true);
	});

	it.each(idRoutes.map((r) => [key(r), r] as const))("%s → 404", async (k, r) => {
		const prefix = PREFIX_OF_ROUTE.find(([re]) => re.test(r.path))?.[1] as string;
		const path = r.path.replace(":id", victimIds[prefix] as string).replace(":n", "0");
		const res = await call(attacker.token, r.method, path, BODIES[k] ?? (r.method === "POST" ? {} : undefined));
		const text = await res.text();
		expect(res.status, `${k}: ${text}`).toBe(404);
		expect(JSON.parse(text)).toEqual({ error: { code: "not_found", message: "Not found." } });
	});

	it.each(idRoutes.map((r) => [key(r), r] as const))("%s with a malformed id → 400", async (k, r) => {
		const path = r.path.replace(":id", "not-an-id").replace(":n", "0");
		const res = await call(attacker.token, r.method, path, BODIES[k] ?? (r.method === "POST" ? {} : undefined));
		expect(res.status, k).toBe(400);
		expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^id: /);
	});

	it.each([
		["GET /v1/conversations?alias=", () => `/v1/conversations?alias=${victimIds.als}`],
		["GET /v1/tokens?userId=", () => `/v1/tokens?userId=${victimIds.usr}`],
	])("%s another org's id → 404", async (_name, path) => {
		expect((await call(attacker.token, "GET", path())).status).toBe(404);
	});

	it("never lists another org's data", async () => {
		for (const path of [
			"/v1/users",
			"/v1/teams",
			"/v1/aliases",
			"/v1/conversations",
			"/v1/recipients",
			"/v1/audit",
			"/v1/domains",
		]) {
			const text = await (await call(attacker.token, "GET", path)).text();
			for (const id of Object.values(victimIds)) expect(text, path).not.toContain(id);
			expect(text).not.toContain("SECRET-B");
			expect(text).not.toContain(victim.domain);
		}
	});
});
