// A user's grants on aliases, directly or through their teams.
import { and, eq, inArray, or } from "drizzle-orm";
import type { Db } from "../db/client";
import { aliasGrants, teamMembers } from "../db/schema";
import { type GrantRole, type Principal, strongestGrant } from "./rbac";

function grantsOfPrincipal(db: Db, principal: Principal) {
	const teams = db
		.select({ id: teamMembers.teamId })
		.from(teamMembers)
		.where(and(eq(teamMembers.userId, principal.userId), eq(teamMembers.orgId, principal.orgId)));
	return and(
		eq(aliasGrants.orgId, principal.orgId),
		or(
			and(eq(aliasGrants.principalType, "user"), eq(aliasGrants.principalId, principal.userId)),
			and(eq(aliasGrants.principalType, "team"), inArray(aliasGrants.principalId, teams)),
		),
	);
}

/** The principal's strongest grant on one alias, or null. */
export async function grantOn(db: Db, principal: Principal, aliasId: string): Promise<GrantRole | null> {
	const rows = await db
		.select({ role: aliasGrants.role })
		.from(aliasGrants)
		.where(and(eq(aliasGrants.aliasId, aliasId), grantsOfPrincipal(db, principal)));
	return strongestGrant(rows.map((r) => r.role));
}

/**
 * A subquery of every alias id the principal holds any grant on (every grant includes read).
 * Used inside other queries, so it never hits D1's bound-parameter limit however many grants.
 */
export function readableAliasIds(db: Db, principal: Principal) {
	return db.select({ id: aliasGrants.aliasId }).from(aliasGrants).where(grantsOfPrincipal(db, principal));
}
