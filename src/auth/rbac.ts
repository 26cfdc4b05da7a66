// Role-based access as data (DESIGN §5). Pure: no I/O, tested exhaustively role × action.
// A request is allowed when
//   (1) the token carries one of the action's scopes (the `admin` scope stands for all), and
//   (2) the user's org role is one the action admits outright, or — for alias-bound actions —
//       the user holds a strong enough grant on that alias, and
//   (3) to send from a clinical alias, the user is licensed (clinical) staff.
// Scopes only ever narrow: a token never grants more than its user's role and grants.

export const ORG_ROLES = ["owner", "admin", "compliance", "auditor", "member"] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export const GRANT_ROLES = ["viewer", "sender", "manager"] as const;
export type GrantRole = (typeof GRANT_ROLES)[number];

export const SCOPES = ["messages:read", "messages:send", "aliases:write", "audit:read", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
	orgId: string;
	userId: string;
	/** Null for a Cloudflare Access session. */
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
	scopes: readonly Scope[];
	/** Org roles allowed outright. */
	roles: readonly OrgRole[];
	/** Alias-bound: the minimum grant on the alias that also allows it (for any role). */
	grant?: GrantRole;
	/** On a clinical alias only clinical users may do this, whatever else they hold. */
	clinicalOnly?: boolean;
}

const ALL: readonly OrgRole[] = ORG_ROLES;
const NONE: readonly OrgRole[] = [];
const ALIAS_ADMINS: readonly OrgRole[] = ["owner", "admin", "compliance"];
const USER_ADMINS: readonly OrgRole[] = ["owner", "admin"];
const INVENTORY: readonly OrgRole[] = ["owner", "admin", "compliance", "auditor"];
const AUDIT: readonly OrgRole[] = ["owner", "compliance", "auditor"];

export const RULES = {
	// Reading PHI needs a grant on the alias, whatever the org role: minimum necessary access.
	"message.read": { scopes: ["messages:read"], roles: NONE, grant: "viewer" },
	"message.send": { scopes: ["messages:send"], roles: NONE, grant: "sender", clinicalOnly: true },
	"message.delete": { scopes: ["messages:send"], roles: NONE, grant: "manager" },
	"conversation.manage": { scopes: ["messages:send"], roles: NONE, grant: "sender" },
	// Listing is open to every role; the list holds only what the caller may read.
	"conversation.list": { scopes: ["messages:read"], roles: ALL },
	"alias.list": { scopes: ["messages:read", "aliases:write", "audit:read"], roles: ALL },
	"alias.write": { scopes: ["aliases:write"], roles: ALIAS_ADMINS },
	"alias.grant": { scopes: ["aliases:write"], roles: ALIAS_ADMINS, grant: "manager" },
	"user.read": { scopes: ["admin", "audit:read"], roles: INVENTORY },
	"user.manage": { scopes: ["admin"], roles: USER_ADMINS },
	"team.read": { scopes: ["admin", "audit:read"], roles: INVENTORY },
	"team.manage": { scopes: ["admin"], roles: USER_ADMINS },
	"domain.read": { scopes: ["admin", "aliases:write", "audit:read"], roles: INVENTORY },
	"domain.manage": { scopes: ["admin"], roles: USER_ADMINS },
	"token.manage_any": { scopes: ["admin"], roles: USER_ADMINS },
	"recipient.read": { scopes: ["messages:send", "audit:read"], roles: ALL },
	"recipient.manage": { scopes: ["admin"], roles: ALIAS_ADMINS },
	"policy.read": { scopes: ["admin", "audit:read"], roles: INVENTORY },
	"policy.manage": { scopes: ["admin"], roles: ALIAS_ADMINS },
	"audit.read": { scopes: ["audit:read"], roles: AUDIT },
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

export function hasScope(principal: Principal, scopes: readonly Scope[]): boolean {
	return principal.scopes.includes("admin") || scopes.some((s) => principal.scopes.includes(s));
}

export function can(principal: Principal, action: Action, alias?: AliasResource): boolean {
	const rule: Rule = RULES[action];
	if (!hasScope(principal, rule.scopes)) return false;
	if (rule.clinicalOnly && alias?.class === "clinical" && !principal.clinical) return false;
	if (rule.roles.includes(principal.role)) return true;
	return rule.grant !== undefined && alias !== undefined && grantAtLeast(alias.grant, rule.grant);
}

/** May this user ever hold `role` on an alias of this class? Clinical senders must be licensed. */
export function grantAllowed(
	user: { clinical: boolean },
	aliasClass: AliasResource["class"],
	role: GrantRole,
): boolean {
	return aliasClass === "administrative" || role === "viewer" || user.clinical;
}
