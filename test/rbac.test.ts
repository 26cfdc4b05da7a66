// can() exhaustively: every org role × every action × every grant × alias class × scope set.
import { describe, expect, it } from "vitest";
import {
	type Action,
	type AliasResource,
	can,
	GRANT_ROLES,
	type GrantRole,
	ORG_ROLES,
	type OrgRole,
	type Principal,
	RULES,
	SCOPES,
	type Scope,
} from "../src/auth/rbac";

const principal = (role: OrgRole, clinical: boolean, scopes: Scope[]): Principal => ({
	orgId: "org_a",
	userId: "usr_a",
	tokenId: "tok_a",
	role,
	clinical,
	scopes,
});

/** The policy written out by hand, independently of the RULES table. */
function expected(role: OrgRole, clinical: boolean, scopes: Scope[], action: Action, alias: AliasResource): boolean {
	const has = (...wanted: Scope[]) => scopes.includes("admin") || wanted.some((s) => scopes.includes(s));
	const rank = { viewer: 1, sender: 2, manager: 3 };
	const grant = alias.grant ? rank[alias.grant] : 0;
	const roleIn = (...roles: OrgRole[]) => roles.includes(role);
	switch (action) {
		case "message.read":
			return has("messages:read") && grant >= 1;
		case "message.send":
			return has("messages:send") && grant >= 2 && (alias.class === "administrative" || clinical);
		case "message.delete":
			return has("messages:send") && grant >= 3;
		case "conversation.manage":
			return has("messages:send") && grant >= 2;
		case "conversation.list":
			return has("messages:read");
		case "alias.list":
			return has("messages:read", "aliases:write", "audit:read");
		case "alias.write":
			return has("aliases:write") && roleIn("owner", "admin", "compliance");
		case "alias.grant":
			return has("aliases:write") && (roleIn("owner", "admin", "compliance") || grant >= 3);
		case "user.read":
		case "team.read":
		case "policy.read":
			return has("admin", "audit:read") && roleIn("owner", "admin", "compliance", "auditor");
		case "domain.read":
			return has("admin", "aliases:write", "audit:read") && roleIn("owner", "admin", "compliance", "auditor");
		case "user.manage":
		case "team.manage":
		case "domain.manage":
		case "token.manage_any":
			return has("admin") && roleIn("owner", "admin");
		case "recipient.read":
			return has("messages:send", "audit:read");
		case "recipient.manage":
		case "policy.manage":
			return has("admin") && roleIn("owner", "admin", "compliance");
		case "audit.read":
			return has("audit:read") && roleIn("owner", "compliance", "auditor");
	}
}

const scopeSets: Scope[][] = [[], ...SCOPES.map((s) => [s]), ["messages:read", "messages:send"]];
const grants: (GrantRole | null)[] = [null, ...GRANT_ROLES];
const actions = Object.keys(RULES) as Action[];

const cases: [OrgRole, boolean, Scope[], Action, AliasResource][] = [];
for (const role of ORG_ROLES)
	for (const clinical of [false, true])
		for (const scopes of scopeSets)
			for (const action of actions)
				for (const grant of grants)
					for (const cls of ["clinical", "administrative"] as const)
						cases.push([role, clinical, scopes, action, { class: cls, grant }]);

describe("can()", () => {
	it(`agrees with the written-out policy in all ${cases.length} cases`, () => {
		const mismatches = cases.filter(([role, clinical, scopes, action, alias]) => {
			return can(principal(role, clinical, scopes), action, alias) !== expected(role, clinical, scopes, action, alias);
		});
		expect(mismatches).toEqual([]);
	});

	it.each<[string, Principal, Action, AliasResource | undefined, boolean]>([
		[
			"an admin without a grant cannot read mail",
			principal("admin", false, ["admin"]),
			"message.read",
			{ class: "administrative", grant: null },
			false,
		],
		[
			"a viewer can read",
			principal("member", false, ["messages:read"]),
			"message.read",
			{ class: "clinical", grant: "viewer" },
			true,
		],
		[
			"a billing (non-clinical) sender cannot send from a clinical alias",
			principal("member", false, ["messages:send"]),
			"message.send",
			{ class: "clinical", grant: "sender" },
			false,
		],
		[
			"a clinical sender can",
			principal("member", true, ["messages:send"]),
			"message.send",
			{ class: "clinical", grant: "sender" },
			true,
		],
		[
			"an alias-bound action without an alias is refused",
			principal("owner", true, ["admin"]),
			"message.read",
			undefined,
			false,
		],
		[
			"an alias manager may change its grants",
			principal("member", false, ["aliases:write"]),
			"alias.grant",
			{ class: "administrative", grant: "manager" },
			true,
		],
		[
			"a sender may not",
			principal("member", true, ["aliases:write"]),
			"alias.grant",
			{ class: "administrative", grant: "sender" },
			false,
		],
		["an auditor reads the audit log", principal("auditor", false, ["audit:read"]), "audit.read", undefined, true],
		["a member cannot, whatever the scope", principal("member", false, ["admin"]), "audit.read", undefined, false],
		[
			"a compliance officer writes aliases",
			principal("compliance", false, ["aliases:write"]),
			"alias.write",
			undefined,
			true,
		],
		["an auditor does not", principal("auditor", false, ["admin"]), "alias.write", undefined, false],
	])("%s", (_name, p, action, alias, allowed) => {
		expect(can(p, action, alias)).toBe(allowed);
	});
});
