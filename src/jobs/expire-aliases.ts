// Scheduled alias expiry: an active alias whose expires_at has passed becomes `expired`
// (its mail then goes to its successor, or is refused). Each change is audited as
// `alias.expired` in the same batch that makes it.
import { and, eq, isNotNull, lte } from "drizzle-orm";
import { commitWithAudit } from "../audit/append";
import type { Db } from "../db/client";
import { aliases } from "../db/schema";

/** Bounds one run's work; a backlog larger than this is finished by the next runs. */
const MAX_EXPIRIES_PER_RUN = 500;

export async function expireAliases(db: Db, auditKey: CryptoKey, now: Date): Promise<number> {
	const due = await db
		.select({ id: aliases.id, orgId: aliases.orgId })
		.from(aliases)
		.where(and(eq(aliases.status, "active"), isNotNull(aliases.expiresAt), lte(aliases.expiresAt, now.toISOString())))
		.limit(MAX_EXPIRIES_PER_RUN);
	for (const alias of due) {
		await commitWithAudit(
			db,
			auditKey,
			alias.orgId,
			[
				{
					actorType: "system",
					actorId: "scheduler",
					action: "alias.expired",
					targetType: "alias",
					targetId: alias.id,
					outcome: "success",
				},
			],
			[
				db
					.update(aliases)
					.set({ status: "expired" })
					.where(and(eq(aliases.id, alias.id), eq(aliases.status, "active"))),
			],
		);
	}
	return due.length;
}
