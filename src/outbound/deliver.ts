// The OUTBOX consumer: hands each queued message to the transport and records the outcome.
// A delivery is claimed by bumping `attempts` from the value we read, so two copies of one job
// (a redelivery, or the stale sweep racing the queue) never both send. Transient failures are
// retried with exponential backoff; after the last attempt, or at once for a permanent
// failure, the message is `failed` and audited — it never silently disappears.
import { and, eq } from "drizzle-orm";
import { commitWithAudit } from "../audit/append";
import { blindIndex } from "../crypto/blind-index";
import { fromUtf8 } from "../crypto/encoding";
import { type Db, openDb } from "../db/client";
import { messages } from "../db/schema";
import { type Config, type Env, loadConfig } from "../env";
import { openSealedMessage } from "../inbox/sealed-message";
import type { OutboxJob } from "./dispatch";
import { cloudflareTransport } from "./transports/cloudflare";
import { sesTransport } from "./transports/ses";
import { type Transport, TransportError } from "./transports/transport";

/**
 * Eight attempts with doubling delays (30 s … 64 min) ride out a provider outage of about two
 * hours; the provider itself then retries towards the recipient's server for days. Must stay
 * below the queue's max_retries (wrangler.toml) so we, not the dead-letter queue, decide.
 */
export const MAX_DELIVERY_ATTEMPTS = 8;
const BASE_DELAY_SECONDS = 30;
const MAX_DELAY_SECONDS = 3600;

export function backoffSeconds(attempt: number): number {
	return Math.min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (attempt - 1));
}

export function transportFor(env: Env, config: Config): Transport {
	return config.transport.kind === "ses" ? sesTransport(config.transport) : cloudflareTransport(env.EMAIL);
}

type Outcome = "sent" | "retry" | "failed" | "skipped";

async function finish(
	db: Db,
	config: Config,
	job: OutboxJob,
	status: "sent" | "failed",
	details: Record<string, string | number>,
	providerIdIndex?: string | null,
) {
	await commitWithAudit(
		db,
		config.auditKey,
		job.orgId,
		[
			{
				actorType: "system",
				actorId: "outbox",
				action: status === "sent" ? "message.sent" : "message.failed",
				targetType: "message",
				targetId: job.messageId,
				outcome: status === "sent" ? "success" : "error",
				details,
			},
		],
		[
			db
				.update(messages)
				.set({ status, ...(providerIdIndex ? { providerIdIndex } : {}) })
				.where(and(eq(messages.id, job.messageId), eq(messages.status, "queued"))),
		],
	);
}

export async function deliverOne(
	deps: { db: Db; bucket: R2Bucket; config: Config; transport: Transport },
	job: OutboxJob,
): Promise<{ outcome: Outcome; delaySeconds?: number }> {
	const { db, config } = deps;
	const row = await db.query.messages.findFirst({
		where: and(eq(messages.id, job.messageId), eq(messages.orgId, job.orgId)),
	});
	if (row?.status !== "queued" || row.direction !== "outbound") return { outcome: "skipped" };
	const attempt = row.attempts + 1;
	const claim = await db
		.update(messages)
		.set({ attempts: attempt })
		.where(and(eq(messages.id, row.id), eq(messages.status, "queued"), eq(messages.attempts, row.attempts)));
	if (claim.meta.changes !== 1) return { outcome: "skipped" };

	const { meta, raw } = await openSealedMessage(config.keyring, deps.bucket, row);
	try {
		const { providerMessageId } = await deps.transport.send({
			from: meta.envelopeFrom,
			recipients: meta.envelopeRecipients ?? [],
			raw: fromUtf8.decode(raw),
		});
		const providerIdIndex = providerMessageId
			? await blindIndex(config.indexKey, "message-id", providerMessageId)
			: null;
		await finish(db, config, job, "sent", { attempts: attempt }, providerIdIndex);
		return { outcome: "sent" };
	} catch (err) {
		if (!(err instanceof TransportError)) throw err;
		if (err.permanent || attempt >= MAX_DELIVERY_ATTEMPTS) {
			await finish(db, config, job, "failed", {
				attempts: attempt,
				reason: err.permanent ? "permanent" : "attempts_exhausted",
			});
			return { outcome: "failed" };
		}
		return { outcome: "retry", delaySeconds: backoffSeconds(attempt) };
	}
}

export async function deliverBatch(batch: MessageBatch<OutboxJob>, env: Env): Promise<void> {
	const config = await loadConfig(env);
	const deps = { db: openDb(env.DB), bucket: env.BODIES, config, transport: transportFor(env, config) };
	for (const msg of batch.messages) {
		const { messageId } = msg.body;
		try {
			const result = await deliverOne(deps, msg.body);
			console.log(JSON.stringify({ event: "outbox.delivery", messageId, outcome: result.outcome }));
			if (result.outcome === "retry") msg.retry({ delaySeconds: result.delaySeconds ?? BASE_DELAY_SECONDS });
			else msg.ack();
		} catch {
			// D1 or R2 trouble, not the provider's: try the job again later, nothing is marked.
			console.error(JSON.stringify({ event: "outbox.error", messageId }));
			msg.retry({ delaySeconds: BASE_DELAY_SECONDS });
		}
	}
}
