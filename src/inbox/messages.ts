// Reading and deleting one stored message. Every successful read of PHI writes its audit row
// before the data leaves; a failed integrity check writes an `error` row, so tampering with
// stored mail is visible in the audit log. Deleting crypto-shreds: the wrapped key is erased.
import { and, eq } from "drizzle-orm";
import PostalMime from "postal-mime";
import { appendAudit, commitWithAudit } from "../audit/append";
import { audit, authoriseOnAlias } from "../auth/access";
import { messages } from "../db/schema";
import { AppError } from "../errors";
import type { MessageMeta } from "../inbound/meta";
import { PARSE_LIMITS } from "../inbound/parse";
import { callerEvent, type RequestContext } from "../request-context";
import { openSealedMessage } from "./sealed-message";

type MessageRow = typeof messages.$inferSelect;
type ReadAction = "message.read" | "message.read_raw" | "message.read_attachment";

interface Opened {
	row: MessageRow;
	meta: MessageMeta;
	raw: Uint8Array<ArrayBuffer>;
}

async function findMessage(ctx: RequestContext, id: string): Promise<MessageRow> {
	const row = await ctx.db.query.messages.findFirst({
		where: and(eq(messages.id, id), eq(messages.orgId, ctx.principal.orgId)),
	});
	if (!row) throw new AppError("not_found");
	return row;
}

async function openMessage(ctx: RequestContext, id: string, action: ReadAction): Promise<Opened> {
	const row = await findMessage(ctx, id);
	await authoriseOnAlias(ctx, "message.read", row.aliasId, { type: "message", id });
	if (row.status === "deleted") throw new AppError("gone");
	try {
		const { meta, raw } = await openSealedMessage(ctx.config.keyring, ctx.bucket, row);
		return { row, meta, raw };
	} catch (err) {
		if (err instanceof AppError && err.code === "integrity_failed") {
			const details = { reason: "integrity_failed" };
			const event = callerEvent(ctx, { action, targetType: "message", targetId: id, outcome: "error", details });
			await appendAudit(ctx.db, ctx.config.auditKey, ctx.principal.orgId, event);
		}
		throw err;
	}
}

export async function readMessage(ctx: RequestContext, id: string) {
	const { row, meta, raw } = await openMessage(ctx, id, "message.read");
	// Quarantined mail broke a parse limit once; it is only ever served raw.
	const body = row.status === "quarantined" ? null : await PostalMime.parse(raw, PARSE_LIMITS);
	await audit(ctx, "message.read", { type: "message", id });
	return {
		id: row.id,
		conversationId: row.conversationId,
		aliasId: row.aliasId,
		direction: row.direction,
		status: row.status,
		quarantineReason: row.quarantineReason,
		size: row.size,
		receivedAt: row.createdAt,
		subject: meta.subject,
		from: meta.from,
		to: meta.to,
		cc: meta.cc,
		date: meta.date,
		text: body?.text ?? null,
		html: body?.html ?? null,
		attachments: meta.attachments,
	};
}

export async function readRawMessage(ctx: RequestContext, id: string): Promise<Uint8Array<ArrayBuffer>> {
	const { raw } = await openMessage(ctx, id, "message.read_raw");
	await audit(ctx, "message.read_raw", { type: "message", id });
	return raw;
}

/** Attachment `index` (0-based, in the order of the message's attachment list). */
export async function readAttachment(ctx: RequestContext, id: string, index: number) {
	const { row, raw } = await openMessage(ctx, id, "message.read_attachment");
	if (row.status === "quarantined")
		throw new AppError("unprocessable", "This message is quarantined; download it raw.");
	const email = await PostalMime.parse(raw, { ...PARSE_LIMITS, attachmentEncoding: "arraybuffer" });
	const attachment = email.attachments[index];
	if (!attachment) throw new AppError("not_found");
	await audit(ctx, "message.read_attachment", { type: "message", id }, { index });
	const content = attachment.content;
	return {
		filename: attachment.filename,
		mimeType: attachment.mimeType,
		content: typeof content === "string" ? new TextEncoder().encode(content) : new Uint8Array(content),
	};
}

export async function deleteMessage(ctx: RequestContext, id: string) {
	const row = await findMessage(ctx, id);
	await authoriseOnAlias(ctx, "message.delete", row.aliasId, { type: "message", id });
	if (row.status === "deleted") throw new AppError("gone");
	await commitWithAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[callerEvent(ctx, { action: "message.delete", targetType: "message", targetId: id, outcome: "success" })],
		[
			ctx.db
				.update(messages)
				.set({ status: "deleted", wrappedKey: null, sealed: null, r2Key: null })
				.where(eq(messages.id, id)),
		],
	);
	// The wrapped key is gone, so the object is already unreadable; removing it frees the space.
	// A failure here leaves ciphertext nobody can open, which a sweep may collect later.
	if (row.r2Key) await ctx.bucket.delete(row.r2Key).catch(() => undefined);
	return { id, status: "deleted" as const };
}
