// Slows and then refuses repeated authentication failures from one client address or one
// token prefix. Tokens carry 256 random bits, so guessing cannot succeed anyway; the point is
// to stop a leaked-and-revoked token, or a misconfigured app, from hammering the database and
// the audit log, and to make probing visible.
import { inArray, sql } from "drizzle-orm";
import { type Db, runBatch } from "../db/client";
import { authThrottle } from "../db/schema";

/** Ten failures in ten minutes is far beyond a person mistyping or an app's retry policy. */
export const MAX_FAILURES = 10;
const WINDOW_MS = 10 * 60_000;
/** Long enough to break an automated loop; short enough that a fixed app recovers by itself. */
const BLOCK_MS = 15 * 60_000;

export function throttleKeys(clientIp: string | undefined, bearer: string | undefined): string[] {
	const keys = [`ip:${clientIp ?? "unknown"}`];
	// "cpt_" + 8 characters: identifies the token family without being usable as a secret.
	const token = bearer?.startsWith("Bearer cpt_") ? bearer.slice(7, 19) : null;
	if (token) keys.push(`prefix:${token}`);
	return keys;
}

export async function isThrottled(db: Db, keys: string[], now: Date): Promise<boolean> {
	const rows = await db.select().from(authThrottle).where(inArray(authThrottle.key, keys));
	return rows.some((r) => r.blockedUntil !== null && r.blockedUntil > now.toISOString());
}

export async function recordFailure(db: Db, keys: string[], now: Date): Promise<void> {
	const at = now.toISOString();
	const windowFloor = new Date(now.getTime() - WINDOW_MS).toISOString();
	const blockUntil = new Date(now.getTime() + BLOCK_MS).toISOString();
	const stale = sql`${authThrottle.windowStart} < ${windowFloor}`;
	const next = sql`CASE WHEN ${stale} THEN 1 ELSE ${authThrottle.failures} + 1 END`;
	await runBatch(
		db,
		keys.map((key) =>
			db
				.insert(authThrottle)
				.values({ key, failures: 1, windowStart: at })
				.onConflictDoUpdate({
					target: authThrottle.key,
					set: {
						failures: next,
						windowStart: sql`CASE WHEN ${stale} THEN ${at} ELSE ${authThrottle.windowStart} END`,
						blockedUntil: sql`CASE WHEN ${next} >= ${MAX_FAILURES} THEN ${blockUntil} ELSE ${authThrottle.blockedUntil} END`,
					},
				}),
		),
	);
}
