// The one path every outbound message takes (DESIGN §4 "Outbound"): idempotency → PHI scan →
// decision → notice + archive BCC → compose → seal + store → queued row and audit in one batch
// → enqueue. Refusals are audited; nothing is stored for a refused message.
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { AliasRow } from "../aliases/resolve";
import { appendAudit, commitWithAudit } from "../audit/append";
import { blindIndex } from "../crypto/blind-index";
import { utf8 } from "../crypto/encoding";
import { conversations, messages } from "../db/schema";
import { AppError } from "../errors";
import { newId } from "../ids";
import type { MessageMeta } from "../inbound/meta";
import { sealConversation } from "../inbox/sealed-conversation";
import { sealMessage } from "../inbox/sealed-message";
import { orgSettings } from "../org/settings-store";
import { htmlToText } from "../policy/html-text";
import { decideOutbound } from "../policy/outbound";
import { detectPhi } from "../policy/phi";
import { callerEvent, type RequestContext } from "../request-context";
import { composeMime, type OutboundAttachment } from "./compose";
import { archiveAddresses, noticeFor, recipientStatuses } from "./safeguards";

export interface OutboxJob {
	orgId: string;
	messageId: string;
}

export interface Plan {
	alias: AliasRow;
	action: "message.send" | "message.reply" | "message.forward";
	/** An existing conversation, or the counterpart and subject of a new one. */
	conversation: { id: string } | { counterpart: string; subject: string };
	to: string[];
	cc: string[];
	bcc: string[];
	subject: string;
	text: string | null;
	html: string | null;
	attachments: OutboundAttachment[];
	inReplyTo: string | null;
	references: string[];
	/** More text to scan for PHI (a forwarded message's content). */
	alsoScan: string[];
	idempotencyKey: string | undefined;
}

export interface Queued {
	id: string;
	conversationId: string;
	status: "queued" | "sent" | "failed" | "blocked" | "received" | "quarantined" | "deleted";
}

async function existingByKey(ctx: RequestContext, key: string): Promise<Queued | null> {
	const row = await ctx.db.query.messages.findFirst({
		where: and(eq(messages.orgId, ctx.principal.orgId), eq(messages.idempotencyKey, key)),
		columns: { id: true, conversationId: true, status: true },
	});
	return row ?? null;
}

export async function dispatch(ctx: RequestContext, plan: Plan): Promise<Queued> {
	const { db, config, principal } = ctx;
	const { alias } = plan;
	// Keyed per org by a blind index: the client's key is its own business, not stored in clear.
	const idemKey = plan.idempotencyKey ? await blindIndex(config.indexKey, "idempotency", plan.idempotencyKey) : null;
	if (idemKey) {
		const existing = await existingByKey(ctx, idemKey);
		if (existing) return existing;
	}

	const recipients = [...plan.to, ...plan.cc, ...plan.bcc];
	const findings = detectPhi([
		plan.subject,
		plan.text ?? "",
		plan.html ? htmlToText(plan.html) : "",
		...plan.attachments.map((a) => a.filename),
		...plan.alsoScan,
	]);
	const statuses = await recipientStatuses(db, config, principal.orgId, recipients);
	const decision = decideOutbound({ aliasClass: alias.class, findings, recipients: statuses });
	if (decision.kind === "block") {
		// The audit row keeps rule ids and counts, never the refused addresses or the matches.
		await appendAudit(
			db,
			config.auditKey,
			principal.orgId,
			callerEvent(ctx, {
				action: "message.blocked",
				targetType: "alias",
				targetId: alias.id,
				outcome: "denied",
				details: { reason: decision.reason, rules: decision.rules, refusedRecipients: decision.recipients.length },
			}),
		);
		throw new AppError("phi_blocked", undefined, {
			reason: decision.reason,
			rules: decision.rules,
			recipients: decision.recipients,
		});
	}

	const settings = await orgSettings(db, principal.orgId);
	const messageId = newId("msg");
	const domain = alias.address.slice(alias.address.indexOf("@") + 1);
	const rfcMessageId = `${messageId}@${domain}`;
	const now = new Date();
	const archive = await archiveAddresses(db, settings, alias);
	const composed = composeMime({
		from: { name: alias.displayName, address: alias.address },
		to: plan.to,
		cc: plan.cc,
		bcc: plan.bcc,
		archive,
		subject: plan.subject,
		text: plan.text,
		html: plan.html,
		attachments: plan.attachments,
		messageId: rfcMessageId,
		inReplyTo: plan.inReplyTo,
		references: plan.references,
		loopMarker: principal.orgId,
		notice: noticeFor(settings, alias),
		date: now,
	});
	const raw = utf8.encode(composed.raw);
	if (raw.byteLength > config.maxOutboundBytes) {
		throw new AppError(
			"unprocessable",
			`attachments: the message is ${raw.byteLength} bytes; the limit is ${config.maxOutboundBytes}`,
		);
	}

	const meta: MessageMeta = {
		subject: plan.subject,
		from: { name: alias.displayName, address: alias.address },
		to: plan.to.map((address) => ({ name: "", address })),
		cc: plan.cc.map((address) => ({ name: "", address })),
		date: now.toISOString(),
		messageId: rfcMessageId,
		inReplyTo: plan.inReplyTo,
		references: plan.references,
		envelopeFrom: composed.envelope.from,
		envelopeTo: "",
		envelopeRecipients: composed.envelope.to,
		attachments: plan.attachments.map((a) => ({
			filename: a.filename,
			mimeType: a.contentType,
			size: a.content.byteLength,
			disposition: "attachment",
		})),
	};
	const at = now.toISOString();
	const statements: BatchItem<"sqlite">[] = [];
	let conversationId: string;
	if ("id" in plan.conversation) {
		conversationId = plan.conversation.id;
		statements.push(db.update(conversations).set({ lastMessageAt: at }).where(eq(conversations.id, conversationId)));
	} else {
		conversationId = newId("cnv");
		const row = { id: conversationId, orgId: principal.orgId, aliasId: alias.id, lastMessageAt: at };
		statements.push(db.insert(conversations).values(await sealConversation(config, row, plan.conversation)));
	}
	const sealed = await sealMessage(config.keyring, principal.orgId, messageId, raw, meta);
	statements.push(
		db.insert(messages).values({
			id: messageId,
			orgId: principal.orgId,
			conversationId,
			aliasId: alias.id,
			direction: "outbound",
			messageIdIndex: await blindIndex(config.indexKey, "message-id", rfcMessageId),
			dedupeKey: messageId,
			idempotencyKey: idemKey,
			size: raw.byteLength,
			r2Key: sealed.r2Key,
			wrappedKey: sealed.wrappedKey,
			keyId: sealed.keyId,
			sealed: sealed.sealed,
			status: "queued",
			sentBy: principal.userId,
			phiRules: decision.phi ? JSON.stringify(Object.keys(findings).sort()) : null,
			createdAt: at,
		}),
	);
	await ctx.bucket.put(sealed.r2Key, sealed.body);
	try {
		await commitWithAudit(
			db,
			config.auditKey,
			principal.orgId,
			[
				callerEvent(ctx, {
					action: plan.action,
					targetType: "message",
					targetId: messageId,
					outcome: "success",
					details: {
						aliasId: alias.id,
						conversationId,
						recipients: recipients.length,
						archive: archive.length,
						phiRules: decision.phi ? Object.keys(findings).sort() : [],
					},
				}),
			],
			statements,
		);
	} catch (err) {
		await ctx.bucket.delete(sealed.r2Key).catch(() => undefined);
		// The same Idempotency-Key raced in from a retry: answer with the message it created.
		const raced = idemKey ? await existingByKey(ctx, idemKey) : null;
		if (raced) return raced;
		throw err;
	}
	// If the enqueue fails the row stays `queued`; the scheduled sweep enqueues it again.
	await ctx.outbox.send({ orgId: principal.orgId, messageId } satisfies OutboxJob).catch(() => {
		console.error(JSON.stringify({ event: "outbox.enqueue_failed", messageId }));
	});
	return { id: messageId, conversationId, status: "queued" };
}
