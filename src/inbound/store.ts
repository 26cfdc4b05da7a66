// Storing one inbound message so that nothing is lost and nothing is half-written:
// seal → R2 put → one D1 batch (conversation + message + audit). If the batch fails the R2
// object is removed again and the error propagates, so the sending server retries.
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { commitWithAudit } from "../audit/append";
import { blindIndex } from "../crypto/blind-index";
import { type Db, errorText } from "../db/client";
import { conversations, messages } from "../db/schema";
import type { Config } from "../env";
import { newId } from "../ids";
import { sealConversation } from "../inbox/sealed-conversation";
import { sealMessage } from "../inbox/sealed-message";
import type { MessageMeta } from "./meta";
import type { QuarantineReason } from "./parse";
import { findConversation } from "./thread";

export interface StoreDeps {
	db: Db;
	bucket: R2Bucket;
	config: Config;
}

export interface InboundMail {
	orgId: string;
	aliasId: string;
	/** Aliases the address resolved through (addressed alias first); threading looks in all. */
	via: string[];
	raw: Uint8Array;
	meta: MessageMeta;
	quarantine: QuarantineReason | null;
}

export type StoreOutcome =
	| { stored: true; messageId: string; conversationId: string }
	| { stored: false; duplicateOf: string };

async function existingMessage(db: Db, aliasId: string, dedupeKey: string): Promise<string | null> {
	const [row] = await db
		.select({ id: messages.id })
		.from(messages)
		.where(and(eq(messages.aliasId, aliasId), eq(messages.dedupeKey, dedupeKey)))
		.limit(1);
	return row?.id ?? null;
}

/** The counterpart of a new conversation: the header sender, or the envelope sender without one. */
function counterpartOf(meta: MessageMeta): string {
	return (meta.from?.address || meta.envelopeFrom).toLowerCase();
}

export async function storeInbound({ db, bucket, config }: StoreDeps, mail: InboundMail): Promise<StoreOutcome> {
	const { orgId, aliasId, meta } = mail;
	const messageIdIndex = meta.messageId ? await blindIndex(config.indexKey, "message-id", meta.messageId) : null;
	// Redelivery is keyed by Message-ID; mail without one by a keyed digest of its bytes.
	const dedupeKey = messageIdIndex ?? (await blindIndex(config.indexKey, "raw-digest", mail.raw));
	// No read-before-write: the unique (alias, dedupe key) index refuses a redelivery inside the
	// batch (caught below), which saves a D1 round trip on every first delivery — the common case.

	const now = new Date().toISOString();
	const messageId = newId("msg");
	const existingConversation = await findConversation(
		db,
		config.indexKey,
		orgId,
		mail.via,
		meta.inReplyTo,
		meta.references,
	);
	const conversationId = existingConversation ?? newId("cnv");
	const statements: BatchItem<"sqlite">[] = [];
	if (existingConversation) {
		statements.push(
			db
				.update(conversations)
				.set({ lastMessageAt: now, status: "open" })
				.where(and(eq(conversations.id, conversationId), eq(conversations.orgId, orgId))),
		);
	} else {
		statements.push(
			db
				.insert(conversations)
				.values(
					await sealConversation(
						config,
						{ id: conversationId, orgId, aliasId, lastMessageAt: now },
						{ counterpart: counterpartOf(meta), subject: meta.subject },
					),
				),
		);
	}

	const sealedMessage = await sealMessage(config.keyring, orgId, messageId, mail.raw, meta);
	const { r2Key } = sealedMessage;
	const status = mail.quarantine ? "quarantined" : "received";
	statements.push(
		db.insert(messages).values({
			id: messageId,
			orgId,
			conversationId,
			aliasId,
			direction: "inbound",
			messageIdIndex,
			dedupeKey,
			size: mail.raw.byteLength,
			r2Key,
			wrappedKey: sealedMessage.wrappedKey,
			keyId: sealedMessage.keyId,
			sealed: sealedMessage.sealed,
			status,
			quarantineReason: mail.quarantine,
			createdAt: now,
		}),
	);

	await bucket.put(r2Key, sealedMessage.body);
	try {
		await commitWithAudit(
			db,
			config.auditKey,
			orgId,
			[
				{
					actorType: "system",
					actorId: "email-routing",
					action: mail.quarantine ? "message.quarantined" : "message.received",
					targetType: "message",
					targetId: messageId,
					outcome: "success",
					details: {
						aliasId,
						conversationId,
						size: mail.raw.byteLength,
						...(mail.quarantine ? { reason: mail.quarantine } : {}),
					},
				},
			],
			statements,
		);
	} catch (err) {
		// The object is unreadable without the wrapped key that was never committed; removing it
		// keeps R2 free of orphans. If even this fails, a sweep can collect the orphan later.
		await bucket.delete(r2Key).catch(() => undefined);
		// Two deliveries of the same message raced: the other one stored it.
		if (/UNIQUE constraint failed: messages\.alias_id, messages\.dedupe_key/.test(errorText(err))) {
			return { stored: false, duplicateOf: (await existingMessage(db, aliasId, dedupeKey)) ?? "unknown" };
		}
		throw err;
	}
	return { stored: true, messageId, conversationId };
}
