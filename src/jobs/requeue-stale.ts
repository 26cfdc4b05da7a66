// The stale-delivery sweep: an outbound message whose enqueue failed after it was stored would
// otherwise wait as `queued` forever. One that has had no attempt for 15 minutes is enqueued
// again; the consumer's claim on `attempts` makes a duplicate job harmless.
import { and, eq, lte } from "drizzle-orm";
import type { Db } from "../db/client";
import { messages } from "../db/schema";
import type { OutboxJob } from "../outbound/dispatch";

/** Longer than any queue backlog we expect, shorter than a patient's patience. */
const STALE_AFTER_MS = 15 * 60_000;
/** sendBatch takes at most 100 messages. */
const MAX_REQUEUE_PER_RUN = 100;

export async function requeueStale(db: Db, outbox: Queue<unknown>, now: Date): Promise<number> {
	const stale = await db
		.select({ orgId: messages.orgId, messageId: messages.id })
		.from(messages)
		.where(
			and(
				eq(messages.status, "queued"),
				eq(messages.attempts, 0),
				lte(messages.createdAt, new Date(now.getTime() - STALE_AFTER_MS).toISOString()),
			),
		)
		.limit(MAX_REQUEUE_PER_RUN);
	if (stale.length > 0) await outbox.sendBatch(stale.map((job) => ({ body: job satisfies OutboxJob })));
	return stale.length;
}
