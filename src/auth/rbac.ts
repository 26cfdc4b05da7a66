// Role-based access as data (DESIGN §5). Pure: no I/O, tested exhaustively role × action.
// A request is allowed when (1) the token carries the action's scope (or `admin`), (2) the
// user's org role is one the action admits, and (3) for alias-bound actions the user holds a
// strong enough grant on that alias — and, to send from a clinical alias, is licensed staff.

export const ORG_ROLES = ["owner", "admin", "compliance", "auditor", "member"] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export const GRANT_ROLES = ["viewer", "sender", "manager"] as const;
export type GrantRole = (typeof GRANT_ROLES)[number];

export const SCOPES = ["messages:read", "messages:send", "aliases:write", "audit:read", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
	orgId: string;
	userId: string;
	tokenId: string | null;
	role: OrgRole;
	clinical: boolean;
	scopes: readonly Scope[];
}

export interface AliasResource {
	class: "clinical" | "administrative";
	/** The caller's strongest grant on the alias (direct or via a team), or null. */
	grant: GrantRole | null;
}

interface Rule {
	scope: Scope;
	roles: readonly OrgRole[];
	/** Minimum grant on the alias; absent for actions not bound to one alias. */
	grant?: GrantRole;
	/** Clinical aliases admit only clinical users for this action. */
	clinicalOnly?: boolean;
}

const EVERYONE = ORG_ROLES;

export const RULES = {
	// Reading PHI needs a grant on the alias, whatever the org role: minimum necessary access.
	"message.read": { scope: "messages:read", roles: EVERYONE, grant: "viewer" },
	"message.send": { scope: "messages:send", roles: EVERYONE, grant: "sender", clinicalOnly: true },
	// Listing is open to every role; the list itself holds only aliases the caller may read.
	"conversation.list": { scope: "messages:read", roles: EVERYONE },
	"alias.write": { scope: "aliases:write", roles: ["owner", "admin", "compliance"] },
	"audit.read": { scope: "audit:read", roles: ["owner", "compliance", "auditor"] },
} as const satisfies Record<string, Rule>;

export type Action = keyof typeof RULES;

const GRANT_RANK: Record<GrantRole, number> = { viewer: 1, sender: 2, manager: 3 };

export function grantAtLeast(held: GrantRole | null, needed: GrantRole): boolean {
	return held !== null && GRANT_RANK[held] >= GRANT_RANK[needed];
}

export function strongestGrant(grants: Iterable<GrantRole>): GrantRole | null {
	let best: GrantRole | null = null;
	for (const g of grants) if (best === null || GRANT_RANK[g] > GRANT_RANK[best]) best = g;
	return best;
}

export function can(principal: Principal, action: Action, alias?: AliasResource): boolean {
	const rule: Rule = RULES[action];
	if (!principal.scopes.includes(rule.scope) && !principal.scopes.includes("admin")) return false;
	if (!rule.roles.includes(principal.role)) return false;
	if (rule.grant) {
		if (!alias || !grantAtLeast(alias.grant, rule.grant)) return false;
		if (rule.clinicalOnly && alias.class === "clinical" && !principal.clinical) return false;
	}
	return true;
}
