// Reading one stored message: authorise, audit, open the envelope. Every successful read of
// PHI writes `message.read` (or `message.read_raw`) before the data leaves; a failed integrity
// check writes an `error` row, so tampering with stored mail is visible in the audit log.
import { and, eq } from "drizzle-orm";
import PostalMime from "postal-mime";
import { appendAudit } from "../audit/append";
import { authoriseOnAlias } from "../auth/access";
import { openBytes, openDataKey, openJson } from "../crypto/envelope";
import { messages } from "../db/schema";
import { AppError } from "../errors";
import type { MessageMeta } from "../inbound/meta";
import { PARSE_LIMITS } from "../inbound/parse";
import { callerEvent, type RequestContext } from "../request-context";

type MessageRow = typeof messages.$inferSelect;

export interface MessageView {
	id: string;
	conversationId: string;
	aliasId: string;
	direction: MessageRow["direction"];
	status: MessageRow["status"];
	quarantineReason: string | null;
	size: number;
	receivedAt: string;
	subject: string | null;
	from: MessageMeta["from"];
	to: MessageMeta["to"];
	cc: MessageMeta["cc"];
	date: string | null;
	text: string | null;
	html: string | null;
	attachments: MessageMeta["attachments"];
}

interface Opened {
	row: MessageRow;
	meta: MessageMeta;
	raw: Uint8Array<ArrayBuffer>;
}

async function openMessage(
	ctx: RequestContext,
	id: string,
	action: "message.read" | "message.read_raw",
): Promise<Opened> {
	const row = await ctx.db.query.messages.findFirst({
		where: and(eq(messages.id, id), eq(messages.orgId, ctx.principal.orgId)),
	});
	if (!row) throw new AppError("not_found");
	const target = { type: "message", id };
	await authoriseOnAlias(ctx, "message.read", row.aliasId, target);
	if (row.status === "deleted" || !row.wrappedKey || !row.sealed || !row.r2Key) throw new AppError("gone");
	try {
		const key = await openDataKey(ctx.config.keyring, row.keyId, row.wrappedKey);
		const meta = await openJson<MessageMeta>(key, { orgId: row.orgId, recordId: row.id, purpose: "meta" }, row.sealed);
		const object = await ctx.bucket.get(row.r2Key);
		if (!object) throw new AppError("integrity_failed");
		const sealed = new Uint8Array(await object.arrayBuffer());
		const raw = await openBytes(key, { orgId: row.orgId, recordId: row.id, purpose: "raw" }, sealed);
		return { row, meta, raw };
	} catch (err) {
		if (err instanceof AppError && err.code === "integrity_failed") {
			await appendAudit(
				ctx.db,
				ctx.config.auditKey,
				ctx.principal.orgId,
				callerEvent(ctx, {
					action,
					targetType: "message",
					targetId: id,
					outcome: "error",
					details: { reason: "integrity_failed" },
				}),
			);
		}
		throw err;
	}
}

export async function readMessage(ctx: RequestContext, id: string): Promise<MessageView> {
	const { row, meta, raw } = await openMessage(ctx, id, "message.read");
	// Quarantined mail broke a parse limit once; it is only ever served raw.
	const body = row.status === "quarantined" ? null : await PostalMime.parse(raw, PARSE_LIMITS);
	await appendAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		callerEvent(ctx, { action: "message.read", targetType: "message", targetId: id, outcome: "success" }),
	);
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
	await appendAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		callerEvent(ctx, { action: "message.read_raw", targetType: "message", targetId: id, outcome: "success" }),
	);
	return raw;
}
