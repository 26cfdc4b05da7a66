// Teams: named groups of users that can hold alias grants together (and carry a team-wide
// archive BCC). Membership changes are audited like any admin change.
import { and, asc, eq, inArray } from "drizzle-orm";
import { commitWithAudit } from "../audit/append";
import { audit, authorise } from "../auth/access";
import { teamMembers, teams, users } from "../db/schema";
import { AppError } from "../errors";
import { newId } from "../ids";
import { callerEvent, type RequestContext } from "../request-context";

async function findTeam(ctx: RequestContext, id: string) {
	const team = await ctx.db.query.teams.findFirst({
		where: and(eq(teams.id, id), eq(teams.orgId, ctx.principal.orgId)),
	});
	if (!team) throw new AppError("not_found");
	return team;
}

async function membersOf(ctx: RequestContext, teamId: string): Promise<string[]> {
	const rows = await ctx.db
		.select({ userId: teamMembers.userId })
		.from(teamMembers)
		.where(eq(teamMembers.teamId, teamId))
		.orderBy(asc(teamMembers.userId));
	return rows.map((r) => r.userId);
}

export async function listTeams(ctx: RequestContext) {
	await authorise(ctx, "team.read");
	const rows = await ctx.db.select().from(teams).where(eq(teams.orgId, ctx.principal.orgId)).orderBy(asc(teams.name));
	await audit(ctx, "team.list", null, { count: rows.length });
	return { data: rows.map(({ id, name, archiveBcc, createdAt }) => ({ id, name, archiveBcc, createdAt })) };
}

export async function getTeam(ctx: RequestContext, id: string) {
	await authorise(ctx, "team.read", { type: "team", id });
	const { name, archiveBcc, createdAt } = await findTeam(ctx, id);
	const members = await membersOf(ctx, id);
	await audit(ctx, "team.read", { type: "team", id });
	return { id, name, archiveBcc, createdAt, members };
}

export async function createTeam(ctx: RequestContext, input: { name: string; archiveBcc?: string | null | undefined }) {
	await authorise(ctx, "team.manage");
	const id = newId("team");
	await commitWithAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[callerEvent(ctx, { action: "team.create", targetType: "team", targetId: id, outcome: "success" })],
		[
			ctx.db
				.insert(teams)
				.values({ id, orgId: ctx.principal.orgId, name: input.name, archiveBcc: input.archiveBcc ?? null }),
		],
	);
	return getTeamQuiet(ctx, id);
}

async function getTeamQuiet(ctx: RequestContext, id: string) {
	const { name, archiveBcc, createdAt } = await findTeam(ctx, id);
	return { id, name, archiveBcc, createdAt, members: await membersOf(ctx, id) };
}

/** Replaces the member list; every member must be an active user of the same org. */
export async function setMembers(ctx: RequestContext, id: string, userIds: string[]) {
	await authorise(ctx, "team.manage", { type: "team", id });
	await findTeam(ctx, id);
	const wanted = [...new Set(userIds)];
	if (wanted.length > 0) {
		const found = await ctx.db
			.select({ id: users.id })
			.from(users)
			.where(and(eq(users.orgId, ctx.principal.orgId), eq(users.status, "active"), inArray(users.id, wanted)));
		if (found.length !== wanted.length)
			throw new AppError("unprocessable", "userIds: every member must be an active user");
	}
	const { db } = ctx;
	await commitWithAudit(
		db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[
			callerEvent(ctx, {
				action: "team.members.set",
				targetType: "team",
				targetId: id,
				outcome: "success",
				details: { members: wanted },
			}),
		],
		[
			db.delete(teamMembers).where(eq(teamMembers.teamId, id)),
			...wanted.map((userId) => db.insert(teamMembers).values({ teamId: id, userId, orgId: ctx.principal.orgId })),
		],
	);
	return getTeamQuiet(ctx, id);
}
