// BFLA matrix: every org role × every token scope against every admin, audit and alias-
// management route. A call is refused with 403 exactly when the policy (can(), itself tested
// exhaustively in rbac.test.ts) says so; every allowed call gets past authorisation.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type Action, can, ORG_ROLES, type OrgRole, SCOPES, type Scope } from "../src/auth/rbac";
import { teams } from "../src/db/schema";
import { newId } from "../src/ids";
import { call } from "./support/mail";
import { createOrg, createUser, db, type TestOrg } from "./support/org";

let org: TestOrg;
let teamId: string;
let n = 0;
/** Letters only: digits could trip the alias naming policy (5+ digits reads as an identifier). */
const unique = () => {
	let v = ++n;
	let out = "";
	do {
		out += String.fromCharCode(97 + (v % 26));
		v = Math.floor(v / 26);
	} while (v > 0);
	return `${out}${crypto
		.randomUUID()
		.replace(/[^a-f]/g, "")
		.slice(0, 6)}`;
};

interface Case {
	action: Action;
	/** A further condition the route applies beyond can() (these callers hold no grants). */
	alsoRequires?: (role: OrgRole) => boolean;
	method: string;
	path: () => Promise<string> | string;
	body?: () => unknown;
}

/** A user to act on (a fresh one where the call would change it). */
const someUser = async () => (await createUser(org)).id;

const CASES: Record<string, Case> = {
	"GET /v1/users": { action: "user.read", method: "GET", path: () => "/v1/users" },
	"GET /v1/users/:id": { action: "user.read", method: "GET", path: async () => `/v1/users/${await someUser()}` },
	"POST /v1/users": {
		action: "user.manage",
		method: "POST",
		path: () => "/v1/users",
		body: () => ({ email: `u${unique()}@staff.test`, name: "New", role: "member" }),
	},
	"PATCH /v1/users/:id": {
		action: "user.manage",
		method: "PATCH",
		path: async () => `/v1/users/${await someUser()}`,
		body: () => ({ name: "Renamed" }),
	},
	"POST /v1/users/:id/deactivate": {
		action: "user.manage",
		method: "POST",
		path: async () => `/v1/users/${await someUser()}/deactivate`,
		body: () => ({}),
	},
	"POST /v1/tokens (for another user)": {
		action: "token.manage_any",
		method: "POST",
		path: () => "/v1/tokens",
		body: () => ({ name: "svc", scopes: ["messages:read"], userId: otherUserId }),
	},
	"GET /v1/teams": { action: "team.read", method: "GET", path: () => "/v1/teams" },
	"GET /v1/teams/:id": { action: "team.read", method: "GET", path: () => `/v1/teams/${teamId}` },
	"POST /v1/teams": { action: "team.manage", method: "POST", path: () => "/v1/teams", body: () => ({ name: "T" }) },
	"PUT /v1/teams/:id/members": {
		action: "team.manage",
		method: "PUT",
		path: () => `/v1/teams/${teamId}/members`,
		body: () => ({ userIds: [] }),
	},
	"GET /v1/domains": { action: "domain.read", method: "GET", path: () => "/v1/domains" },
	"POST /v1/domains": {
		action: "domain.manage",
		method: "POST",
		path: () => "/v1/domains",
		body: () => ({ domain: `d${unique()}.example` }),
	},
	"GET /v1/policies": { action: "policy.read", method: "GET", path: () => "/v1/policies" },
	"PATCH /v1/policies": {
		action: "policy.manage",
		method: "PATCH",
		path: () => "/v1/policies",
		body: () => ({ retentionDays: 3650 }),
	},
	"GET /v1/recipients": { action: "recipient.read", method: "GET", path: () => "/v1/recipients" },
	"POST /v1/recipients": {
		action: "recipient.manage",
		method: "POST",
		path: () => "/v1/recipients",
		body: () => ({ kind: "domain", value: `p${unique()}.example`, secure: true, reason: "BAA signed" }),
	},
	"GET /v1/aliases": { action: "alias.list", method: "GET", path: () => "/v1/aliases" },
	"GET /v1/aliases/:id": {
		action: "alias.list",
		alsoRequires: (role) => role !== "member", // a member sees only aliases they hold a grant on
		method: "GET",
		path: () => `/v1/aliases/${org.aliasId("billing")}`,
	},
	"POST /v1/aliases": {
		action: "alias.write",
		method: "POST",
		path: () => "/v1/aliases",
		body: () => ({ localPart: `dept-${unique()}`, domain: org.domain, class: "administrative", displayName: "Dept" }),
	},
	"POST /v1/aliases/bulk": {
		action: "alias.write",
		method: "POST",
		path: () => "/v1/aliases/bulk",
		body: () => ({
			aliases: [{ localPart: `bulk-${unique()}`, domain: org.domain, class: "administrative", displayName: "B" }],
		}),
	},
	"PATCH /v1/aliases/:id": {
		action: "alias.write",
		method: "PATCH",
		path: () => `/v1/aliases/${org.aliasId("billing")}`,
		body: () => ({ displayName: "Billing" }),
	},
	"POST /v1/aliases/:id/disable": {
		action: "alias.write",
		method: "POST",
		path: () => `/v1/aliases/${org.aliasId("frontdesk")}/disable`,
	},
	"PUT /v1/aliases/:id/grants": {
		action: "alias.grant",
		method: "PUT",
		path: () => `/v1/aliases/${org.aliasId("frontdesk")}/grants`,
		body: () => ({ grants: [] }),
	},
	"GET /v1/audit": { action: "audit.read", method: "GET", path: () => "/v1/audit" },
	"GET /v1/audit/export": { action: "audit.read", method: "GET", path: () => "/v1/audit/export?action=none" },
	"GET /v1/audit/verify": { action: "audit.read", method: "GET", path: () => "/v1/audit/verify" },
};

let otherUserId: string;

async function auditCount(): Promise<number> {
	const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_events WHERE org_id = ?")
		.bind(org.orgId)
		.first<{ n: number }>();
	return row?.n ?? 0;
}
const SCOPE_SETS: Scope[][] = SCOPES.map((s) => [s]);
const tokens = new Map<string, string>();
const principals: [OrgRole, Scope[]][] = ORG_ROLES.flatMap((role) =>
	SCOPE_SETS.map((scopes) => [role, scopes] as [OrgRole, Scope[]]),
);

beforeAll(async () => {
	org = await createOrg([{ local: "billing" }, { local: "frontdesk" }]);
	teamId = newId("team");
	await db.insert(teams).values({ id: teamId, orgId: org.orgId, name: "Front desk" });
	otherUserId = await someUser();
	for (const [role, scopes] of principals) {
		const user = await createUser(org, { role, scopes });
		tokens.set(`${role}/${scopes.join("+")}`, user.token);
	}
});

describe("BFLA matrix (and one audit row per call)", () => {
	it(`${ORG_ROLES.length} roles × ${SCOPE_SETS.length} scopes × ${Object.keys(CASES).length} routes`, async () => {
		const wrong: string[] = [];
		let allowed = 0;
		for (const [name, c] of Object.entries(CASES)) {
			for (const [role, scopes] of principals) {
				const principal = { orgId: org.orgId, userId: "x", tokenId: "t", role, clinical: false, scopes };
				// Alias-bound checks are made against the caller's grant; these callers hold none.
				const expectAllowed =
					can(principal, c.action, { class: "administrative", grant: null }) && (c.alsoRequires?.(role) ?? true);
				const path = await c.path();
				const before = await auditCount();
				const res = await call(tokens.get(`${role}/${scopes.join("+")}`), c.method, path, c.body?.());
				const refused = res.status === 403;
				// Allowed or refused, every call leaves exactly one audit row.
				const written = (await auditCount()) - before;
				if (written !== 1) wrong.push(`${name} as ${role}/${scopes.join("+")}: ${written} audit rows`);
				if (refused === expectAllowed || res.status === 401 || res.status >= 500) {
					wrong.push(
						`${name} as ${role}/${scopes.join("+")}: ${res.status} (expected ${expectAllowed ? "allowed" : "403"})`,
					);
				}
				if (expectAllowed) allowed += 1;
			}
		}
		expect(wrong).toEqual([]);
		// The matrix must exercise both outcomes for it to mean anything.
		expect(allowed).toBeGreaterThan(20);
		expect(allowed).toBeLessThan(principals.length * Object.keys(CASES).length - 100);
	}, 120_000); // 650 requests: well past the default 5 s on a busy machine
});
