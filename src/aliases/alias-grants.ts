// Who may read, send from or manage one alias. Replaced as a whole by PUT, so the request is
// the complete, reviewable list. Licensed-staff rule: a user's sender/manager grant on a
// clinical alias is refused unless the user is clinical. A team may hold one; only its clinical
// members can then send (can() checks the licence again at send time).
import { and, eq, inArray } from "drizzle-orm";
import { commitWithAudit } from "../audit/append";
import { authoriseOnAlias } from "../auth/access";
import { type GrantRole, grantAllowed } from "../auth/rbac";
import { aliasGrants, teams, users } from "../db/schema";
import { AppError } from "../errors";
import { callerEvent, type RequestContext } from "../request-context";

export interface GrantInput {
	principalType: "user" | "team";
	principalId: string;
	role: GrantRole;
}

export async function listGrants(ctx: RequestContext, aliasId: string): Promise<GrantInput[]> {
	return ctx.db
		.select({ principalType: aliasGrants.principalType, principalId: aliasGrants.principalId, role: aliasGrants.role })
		.from(aliasGrants)
		.where(and(eq(aliasGrants.aliasId, aliasId), eq(aliasGrants.orgId, ctx.principal.orgId)));
}

export async function replaceGrants(ctx: RequestContext, aliasId: string, grants: GrantInput[]) {
	const alias = await authoriseOnAlias(ctx, "alias.grant", aliasId, { type: "alias", id: aliasId });
	const keys = new Set(grants.map((g) => `${g.principalType}:${g.principalId}`));
	if (keys.size !== grants.length) throw new AppError("unprocessable", "grants: a principal appears twice");

	const userIds = grants.filter((g) => g.principalType === "user").map((g) => g.principalId);
	const teamIds = grants.filter((g) => g.principalType === "team").map((g) => g.principalId);
	const found = userIds.length
		? await ctx.db
				.select({ id: users.id, clinical: users.clinical })
				.from(users)
				.where(and(eq(users.orgId, ctx.principal.orgId), eq(users.status, "active"), inArray(users.id, userIds)))
		: [];
	const foundTeams = teamIds.length
		? await ctx.db
				.select({ id: teams.id })
				.from(teams)
				.where(and(eq(teams.orgId, ctx.principal.orgId), inArray(teams.id, teamIds)))
		: [];
	if (found.length !== userIds.length || foundTeams.length !== teamIds.length) {
		throw new AppError(
			"unprocessable",
			"grants: every principal must be an active user or a team of this organisation",
		);
	}
	const clinical = new Map(found.map((u) => [u.id, u.clinical]));
	for (const g of grants) {
		if (
			g.principalType === "user" &&
			!grantAllowed({ clinical: clinical.get(g.principalId) ?? false }, alias.class, g.role)
		) {
			throw new AppError(
				"unprocessable",
				`grants: ${g.principalId} is not clinical staff and cannot be ${g.role} of a clinical alias`,
			);
		}
	}
	const { db } = ctx;
	await commitWithAudit(
		db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[
			callerEvent(ctx, {
				action: "alias.grants.set",
				targetType: "alias",
				targetId: aliasId,
				outcome: "success",
				details: { grants: grants.map((g) => `${g.principalType}:${g.principalId}:${g.role}`) },
			}),
		],
		[
			db.delete(aliasGrants).where(eq(aliasGrants.aliasId, aliasId)),
			...grants.map((g) => db.insert(aliasGrants).values({ ...g, aliasId, orgId: ctx.principal.orgId })),
		],
	);
	return { aliasId, grants: await listGrants(ctx, aliasId) };
}
