// API tokens for a user: created with a secret shown exactly once, listed without it, revoked
// at once. A token's scopes can only narrow: never more than the credential that made it.
import { and, desc, eq, isNull } from "drizzle-orm";
import { commitWithAudit } from "../audit/append";
import { audit, authorise, denied } from "../auth/access";
import { hasScope, type Scope } from "../auth/rbac";
import { generateToken } from "../auth/tokens";
import { tokens } from "../db/schema";
import { AppError } from "../errors";
import { newId } from "../ids";
import { callerEvent, type RequestContext } from "../request-context";
import { findUser } from "../users/users";

type TokenRow = typeof tokens.$inferSelect;

/** Never the hash, never the secret. */
function tokenView(t: TokenRow) {
	const { id, userId, name, expiresAt, revokedAt, lastUsedAt, createdAt } = t;
	return { id, userId, name, scopes: JSON.parse(t.scopes) as Scope[], expiresAt, revokedAt, lastUsedAt, createdAt };
}

/** Acting on someone else's tokens needs token.manage_any; one's own needs nothing more. */
async function authoriseFor(ctx: RequestContext, userId: string, target: { type: string; id: string } | null) {
	if (userId !== ctx.principal.userId) await authorise(ctx, "token.manage_any", target);
}

export async function createToken(
	ctx: RequestContext,
	input: { name: string; scopes: Scope[]; expiresAt?: string | undefined; userId?: string | undefined },
) {
	const userId = input.userId ?? ctx.principal.userId;
	await authoriseFor(ctx, userId, { type: "user", id: userId });
	const user = await findUser(ctx, userId);
	if (user.status !== "active") throw new AppError("unprocessable", "userId: the user is deactivated");
	// A token may not be minted with a scope the minting credential does not hold.
	const extra = input.scopes.filter((s) => !hasScope(ctx.principal, [s]));
	if (extra.length > 0) await denied(ctx, "token.create", { type: "user", id: userId }, { reason: "scope_escalation" });
	if (input.expiresAt && Date.parse(input.expiresAt) <= Date.now()) {
		throw new AppError("unprocessable", "expiresAt: must be in the future");
	}
	const { secret, hash } = await generateToken();
	const id = newId("tok");
	const row: TokenRow = {
		id,
		orgId: ctx.principal.orgId,
		userId,
		name: input.name,
		hash,
		scopes: JSON.stringify([...new Set(input.scopes)]),
		expiresAt: input.expiresAt ?? null,
		revokedAt: null,
		lastUsedAt: null,
		createdAt: new Date().toISOString(),
	};
	await commitWithAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[
			callerEvent(ctx, {
				action: "token.create",
				targetType: "token",
				targetId: id,
				outcome: "success",
				details: { userId, scopes: [...new Set(input.scopes)] },
			}),
		],
		[ctx.db.insert(tokens).values(row)],
	);
	return { ...tokenView(row), token: secret };
}

export async function listTokens(ctx: RequestContext, userId: string | undefined) {
	const owner = userId ?? ctx.principal.userId;
	await authoriseFor(ctx, owner, { type: "user", id: owner });
	await findUser(ctx, owner);
	const rows = await ctx.db
		.select()
		.from(tokens)
		.where(and(eq(tokens.orgId, ctx.principal.orgId), eq(tokens.userId, owner)))
		.orderBy(desc(tokens.createdAt));
	await audit(ctx, "token.list", { type: "user", id: owner }, { count: rows.length });
	return { data: rows.map(tokenView) };
}

export async function revokeToken(ctx: RequestContext, id: string) {
	const token = await ctx.db.query.tokens.findFirst({
		where: and(eq(tokens.id, id), eq(tokens.orgId, ctx.principal.orgId)),
	});
	if (!token) throw new AppError("not_found");
	await authoriseFor(ctx, token.userId, { type: "token", id });
	const now = new Date().toISOString();
	await commitWithAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[callerEvent(ctx, { action: "token.revoke", targetType: "token", targetId: id, outcome: "success" })],
		[
			ctx.db
				.update(tokens)
				.set({ revokedAt: now })
				.where(and(eq(tokens.id, id), isNull(tokens.revokedAt))),
		],
	);
	return tokenView({ ...token, revokedAt: token.revokedAt ?? now });
}
