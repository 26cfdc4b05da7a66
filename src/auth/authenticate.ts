// Bearer token → Principal. Every check happens on every request, so a revoked or expired
// token, or a deactivated user, fails on the very next call.
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { tokens, users } from "../db/schema";
import { type Principal, SCOPES, type Scope } from "./rbac";
import { hashToken, looksLikeToken } from "./tokens";

export type AuthFailure = "missing" | "malformed" | "unknown" | "revoked" | "expired" | "user_inactive";

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: AuthFailure; orgId?: string };

/**
 * last_used_at is advisory; writing it on every request would double D1 writes for busy
 * apps, so it is refreshed at most once a minute per token.
 */
const LAST_USED_GRANULARITY_MS = 60_000;

function parseScopes(json: string): Scope[] {
	const value: unknown = JSON.parse(json);
	return Array.isArray(value) ? value.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)) : [];
}

export async function authenticateBearer(db: Db, header: string | undefined, now = new Date()): Promise<AuthResult> {
	if (!header) return { ok: false, reason: "missing" };
	const match = /^Bearer ([^\s]+)$/.exec(header);
	if (!match?.[1] || !looksLikeToken(match[1])) return { ok: false, reason: "malformed" };
	const [row] = await db
		.select({ token: tokens, user: users })
		.from(tokens)
		.innerJoin(users, eq(users.id, tokens.userId))
		.where(eq(tokens.hash, await hashToken(match[1])))
		.limit(1);
	if (!row) return { ok: false, reason: "unknown" };
	const { token, user } = row;
	if (token.revokedAt) return { ok: false, reason: "revoked", orgId: token.orgId };
	if (token.expiresAt && token.expiresAt <= now.toISOString())
		return { ok: false, reason: "expired", orgId: token.orgId };
	if (user.status !== "active" || user.orgId !== token.orgId) {
		return { ok: false, reason: "user_inactive", orgId: token.orgId };
	}
	if (!token.lastUsedAt || now.getTime() - Date.parse(token.lastUsedAt) > LAST_USED_GRANULARITY_MS) {
		await db.update(tokens).set({ lastUsedAt: now.toISOString() }).where(eq(tokens.id, token.id));
	}
	return {
		ok: true,
		principal: {
			orgId: user.orgId,
			userId: user.id,
			tokenId: token.id,
			role: user.role,
			clinical: user.clinical,
			scopes: parseScopes(token.scopes),
		},
	};
}
