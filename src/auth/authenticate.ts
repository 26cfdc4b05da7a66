// Request credentials → Principal. Every check happens on every request, so a revoked or
// expired token, or a deactivated user, fails on the very next call. Failures are throttled
// per client address and token prefix, and audited (never with any secret material).
import { and, eq } from "drizzle-orm";
import { appendAudit } from "../audit/append";
import type { Db } from "../db/client";
import { tokens, users } from "../db/schema";
import type { Config } from "../env";
import { AppError } from "../errors";
import { verifyAccessJwt } from "./access-jwt";
import { type Principal, SCOPES, type Scope } from "./rbac";
import { isThrottled, recordFailure, throttleKeys } from "./throttle";
import { hashToken, looksLikeToken } from "./tokens";

export type AuthFailure =
	| "missing"
	| "malformed"
	| "unknown"
	| "revoked"
	| "expired"
	| "user_inactive"
	| "access_invalid";

type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: AuthFailure; orgId?: string };

/** Failures that cannot be tied to an organisation are chained here, apart from every org. */
export const SYSTEM_AUDIT_CHAIN = "system";

/**
 * last_used_at is advisory; writing it on every request would double D1 writes for busy
 * apps, so it is refreshed at most once a minute per token.
 */
const LAST_USED_GRANULARITY_MS = 60_000;

export interface Credentials {
	authorization: string | undefined;
	accessAssertion: string | undefined;
	clientIp: string | undefined;
	requestId: string;
}

function parseScopes(json: string): Scope[] {
	const value: unknown = JSON.parse(json);
	return Array.isArray(value) ? value.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)) : [];
}

async function byToken(db: Db, header: string, now: Date): Promise<AuthResult> {
	const match = /^Bearer (\S+)$/.exec(header);
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
	const { id: userId, orgId, role, clinical } = user;
	return {
		ok: true,
		principal: { orgId, userId, tokenId: token.id, role, clinical, scopes: parseScopes(token.scopes) },
	};
}

async function byAccess(db: Db, config: Config, assertion: string): Promise<AuthResult> {
	const email = config.access ? await verifyAccessJwt(assertion, config.access) : null;
	if (!email) return { ok: false, reason: "access_invalid" };
	// An e-mail may exist in several orgs of one deployment; only an unambiguous match signs in.
	const matches = await db
		.select()
		.from(users)
		.where(and(eq(users.email, email)))
		.limit(2);
	const [user] = matches;
	if (!user || matches.length > 1) return { ok: false, reason: "unknown" };
	if (user.status !== "active") return { ok: false, reason: "user_inactive", orgId: user.orgId };
	// A person signed in through Access acts with every scope; their role and grants still apply.
	const { id: userId, orgId, role, clinical } = user;
	return { ok: true, principal: { orgId, userId, tokenId: null, role, clinical, scopes: SCOPES } };
}

export async function authenticate(db: Db, config: Config, creds: Credentials, now = new Date()): Promise<Principal> {
	const keys = throttleKeys(creds.clientIp, creds.authorization);
	if (await isThrottled(db, keys, now)) throw new AppError("rate_limited");
	let result: AuthResult;
	if (creds.authorization) result = await byToken(db, creds.authorization, now);
	else if (creds.accessAssertion && config.access) result = await byAccess(db, config, creds.accessAssertion);
	else result = { ok: false, reason: "missing" };
	if (result.ok) return result.principal;

	// A bare request without credentials is not an attack; everything else counts.
	if (result.reason !== "missing") {
		await recordFailure(db, keys, now);
		await appendAudit(db, config.auditKey, result.orgId ?? SYSTEM_AUDIT_CHAIN, {
			actorType: "anonymous",
			actorId: "unknown",
			action: "auth.failed",
			outcome: "denied",
			requestId: creds.requestId,
			details: { reason: result.reason },
		});
	}
	throw new AppError("unauthorized");
}
