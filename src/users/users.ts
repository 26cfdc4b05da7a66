// Staff accounts of one organisation. Every change is one batch with its audit row.
// Deactivation is immediate and complete: all tokens revoked, grants and open conversations
// handed to a successor, so no inbox is left without an owner.
import { and, asc, eq, gt, isNull } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { decodeCursor, encodeCursor } from "../api/cursor";
import { commitWithAudit } from "../audit/append";
import { audit, authorise, denied } from "../auth/access";
import { type GrantRole, grantAllowed, type OrgRole, strongestGrant } from "../auth/rbac";
import { aliases, aliasGrants, conversations, tokens, users } from "../db/schema";
import { AppError } from "../errors";
import { newId } from "../ids";
import { callerEvent, type RequestContext } from "../request-context";

export type UserRow = typeof users.$inferSelect;

export function userView(u: UserRow) {
	const { id, email, name, role, clinical, status, deactivatedAt, createdAt } = u;
	return { id, email, name, role, clinical, status, deactivatedAt, createdAt };
}

export async function findUser(ctx: RequestContext, id: string): Promise<UserRow> {
	const user = await ctx.db.query.users.findFirst({
		where: and(eq(users.id, id), eq(users.orgId, ctx.principal.orgId)),
	});
	if (!user) throw new AppError("not_found");
	return user;
}

/** Only an owner may create, promote to, or change an owner; nobody changes their own role. */
async function checkRoleChange(ctx: RequestContext, target: { id?: string; role?: OrgRole }, newRole?: OrgRole) {
	const touchesOwner = newRole === "owner" || target.role === "owner";
	if (touchesOwner && ctx.principal.role !== "owner") {
		await denied(ctx, "user.manage", target.id ? { type: "user", id: target.id } : null, { reason: "owner_only" });
	}
	if (newRole && target.id === ctx.principal.userId && newRole !== target.role) {
		throw new AppError("unprocessable", "role: you cannot change your own role");
	}
}

export async function getUser(ctx: RequestContext, id: string) {
	await authorise(ctx, "user.read", { type: "user", id });
	const user = userView(await findUser(ctx, id));
	await audit(ctx, "user.read", { type: "user", id });
	return user;
}

/** The caller: their user, org and the scopes of the credential in use. */
export async function whoAmI(ctx: RequestContext) {
	const user = userView(await findUser(ctx, ctx.principal.userId));
	await audit(ctx, "me.read", { type: "user", id: user.id });
	const { orgId, tokenId, scopes } = ctx.principal;
	return { user, orgId, tokenId, scopes: [...scopes] };
}

export async function listUsers(ctx: RequestContext, cursor: string | undefined, limit: number) {
	await authorise(ctx, "user.read");
	const after = cursor ? decodeCursor<[string]>(cursor, 1)[0] : undefined;
	const rows = await ctx.db
		.select()
		.from(users)
		.where(and(eq(users.orgId, ctx.principal.orgId), after ? gt(users.id, after) : undefined))
		.orderBy(asc(users.id))
		.limit(limit + 1);
	await audit(ctx, "user.list", null, { count: Math.min(rows.length, limit) });
	const page = rows.slice(0, limit);
	const last = page.at(-1);
	return { data: page.map(userView), nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
}

export async function createUser(
	ctx: RequestContext,
	input: { email: string; name: string; role: OrgRole; clinical: boolean },
) {
	await authorise(ctx, "user.manage");
	await checkRoleChange(ctx, {}, input.role);
	const existing = await ctx.db.query.users.findFirst({
		where: and(eq(users.orgId, ctx.principal.orgId), eq(users.email, input.email)),
	});
	if (existing) throw new AppError("conflict", "email: a user with this address exists");
	const id = newId("usr");
	const row = { id, orgId: ctx.principal.orgId, ...input, createdAt: new Date().toISOString() };
	await commitWithAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[
			callerEvent(ctx, {
				action: "user.create",
				targetType: "user",
				targetId: id,
				outcome: "success",
				details: { role: input.role },
			}),
		],
		[ctx.db.insert(users).values(row)],
	);
	return userView(await findUser(ctx, id));
}

export async function updateUser(
	ctx: RequestContext,
	id: string,
	patch: { name?: string | undefined; role?: OrgRole | undefined; clinical?: boolean | undefined },
) {
	await authorise(ctx, "user.manage", { type: "user", id });
	const user = await findUser(ctx, id);
	await checkRoleChange(ctx, user, patch.role);
	const statements: BatchItem<"sqlite">[] = [ctx.db.update(users).set(patch).where(eq(users.id, id))];
	let downgraded = 0;
	if (patch.clinical === false && user.clinical) {
		// A user who is no longer licensed keeps read access but loses sending on clinical aliases.
		const clinicalGrants = await ctx.db
			.select({ aliasId: aliasGrants.aliasId })
			.from(aliasGrants)
			.innerJoin(aliases, eq(aliases.id, aliasGrants.aliasId))
			.where(
				and(eq(aliasGrants.principalType, "user"), eq(aliasGrants.principalId, id), eq(aliases.class, "clinical")),
			);
		for (const g of clinicalGrants) {
			statements.push(
				ctx.db
					.update(aliasGrants)
					.set({ role: "viewer" })
					.where(
						and(
							eq(aliasGrants.aliasId, g.aliasId),
							eq(aliasGrants.principalType, "user"),
							eq(aliasGrants.principalId, id),
						),
					),
			);
		}
		downgraded = clinicalGrants.length;
	}
	const details = {
		fields: Object.keys(patch),
		...(patch.role ? { role: patch.role } : {}),
		downgradedGrants: downgraded,
	};
	await commitWithAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[callerEvent(ctx, { action: "user.update", targetType: "user", targetId: id, outcome: "success", details })],
		statements,
	);
	return userView(await findUser(ctx, id));
}

export async function deactivateUser(ctx: RequestContext, id: string, successorId: string | undefined) {
	await authorise(ctx, "user.manage", { type: "user", id });
	const user = await findUser(ctx, id);
	if (user.id === ctx.principal.userId) throw new AppError("unprocessable", "id: you cannot deactivate yourself");
	await checkRoleChange(ctx, user);
	if (user.status === "deactivated") throw new AppError("conflict", "The user is already deactivated.");
	const successor = successorId ? await findUser(ctx, successorId) : null;
	if (successor && (successor.status !== "active" || successor.id === id)) {
		throw new AppError("unprocessable", "successorId: must be another active user");
	}
	const now = new Date().toISOString();
	const { db } = ctx;
	const statements: BatchItem<"sqlite">[] = [
		db.update(users).set({ status: "deactivated", deactivatedAt: now }).where(eq(users.id, id)),
		db
			.update(tokens)
			.set({ revokedAt: now })
			.where(and(eq(tokens.userId, id), isNull(tokens.revokedAt))),
	];
	const owned = await db
		.select({ aliasId: aliasGrants.aliasId, role: aliasGrants.role, class: aliases.class })
		.from(aliasGrants)
		.innerJoin(aliases, eq(aliases.id, aliasGrants.aliasId))
		.where(and(eq(aliasGrants.principalType, "user"), eq(aliasGrants.principalId, id)));
	if (successor) {
		const theirs = await db
			.select({ aliasId: aliasGrants.aliasId, role: aliasGrants.role })
			.from(aliasGrants)
			.where(and(eq(aliasGrants.principalType, "user"), eq(aliasGrants.principalId, successor.id)));
		const held = new Map(theirs.map((g) => [g.aliasId, g.role]));
		for (const g of owned) {
			// The successor keeps the stronger of the two grants, within what their licence allows.
			const wanted: GrantRole = grantAllowed(successor, g.class, g.role) ? g.role : "viewer";
			const role = strongestGrant([wanted, ...(held.has(g.aliasId) ? [held.get(g.aliasId) as GrantRole] : [])]);
			if (!role) continue;
			statements.push(
				db
					.insert(aliasGrants)
					.values({ aliasId: g.aliasId, principalType: "user", principalId: successor.id, role, orgId: user.orgId })
					.onConflictDoUpdate({
						target: [aliasGrants.aliasId, aliasGrants.principalType, aliasGrants.principalId],
						set: { role },
					}),
			);
		}
		statements.push(
			db
				.update(conversations)
				.set({ assigneeId: successor.id })
				.where(
					and(eq(conversations.assigneeId, id), eq(conversations.orgId, user.orgId), eq(conversations.status, "open")),
				),
		);
	}
	statements.push(
		db.delete(aliasGrants).where(and(eq(aliasGrants.principalType, "user"), eq(aliasGrants.principalId, id))),
	);
	await commitWithAudit(
		db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[
			callerEvent(ctx, {
				action: "user.deactivate",
				targetType: "user",
				targetId: id,
				outcome: "success",
				details: { successorId: successor?.id ?? null, grantsHandedOver: successor ? owned.length : 0 },
			}),
		],
		statements,
	);
	return userView(await findUser(ctx, id));
}
