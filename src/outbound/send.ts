// The three ways mail leaves as an alias — a new message, a reply in a conversation, a forward —
// each builds a Plan and hands it to dispatch(). Authorisation: `sender` on the alias and the
// messages:send scope, and on a clinical alias a clinical user (can() "message.send").
import { and, desc, eq } from "drizzle-orm";
import PostalMime from "postal-mime";
import { findAlias } from "../aliases/aliases";
import type { AliasRow } from "../aliases/resolve";
import { authoriseOnAlias } from "../auth/access";
import { fromBase64 } from "../crypto/encoding";
import { conversations, messages } from "../db/schema";
import { AppError } from "../errors";
import { PARSE_LIMITS } from "../inbound/parse";
import { MAX_THREAD_IDS } from "../inbound/thread";
import { openConversation } from "../inbox/sealed-conversation";
import { openMessageMeta, openSealedMessage } from "../inbox/sealed-message";
import { orgSettings } from "../org/settings-store";
import { htmlToText } from "../policy/html-text";
import type { RequestContext } from "../request-context";
import type { OutboundAttachment } from "./compose";
import { dispatch, type Queued } from "./dispatch";
import { forwardAllowed, orgDomains } from "./safeguards";

/**
 * Types a clinic sends patients and partners: documents, images, scans, calendars, office
 * files. Executables, scripts, HTML and archives are refused — they are how malware travels,
 * and an archive hides its content from the PHI scan.
 */
export const ALLOWED_ATTACHMENT_TYPES = new Set([
	"application/pdf",
	"image/png",
	"image/jpeg",
	"image/gif",
	"image/tiff",
	"image/heic",
	"text/plain",
	"text/csv",
	"text/calendar",
	"application/dicom",
	"application/msword",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.ms-excel",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
]);

export interface AttachmentInput {
	filename: string;
	contentType: string;
	/** base64 */
	content: string;
}

export interface MessageInput {
	to: string[];
	cc: string[];
	bcc: string[];
	subject: string;
	text?: string | undefined;
	html?: string | undefined;
	attachments: AttachmentInput[];
}

function decodeAttachments(list: AttachmentInput[]): OutboundAttachment[] {
	return list.map((a, i) => {
		if (!ALLOWED_ATTACHMENT_TYPES.has(a.contentType)) {
			throw new AppError("unprocessable", `attachments[${i}].contentType: ${a.contentType} is not an allowed type`);
		}
		try {
			return { filename: a.filename, contentType: a.contentType, content: fromBase64(a.content) };
		} catch {
			throw new AppError("unprocessable", `attachments[${i}].content: not valid base64`);
		}
	});
}

async function sendableAlias(
	ctx: RequestContext,
	aliasId: string,
	target: { type: string; id: string },
): Promise<AliasRow> {
	await authoriseOnAlias(ctx, "message.send", aliasId, target);
	const alias = await findAlias(ctx, aliasId);
	if (alias.status !== "active") throw new AppError("unprocessable", `aliasId: the alias is ${alias.status}`);
	return alias;
}

export async function sendNew(
	ctx: RequestContext,
	input: MessageInput & { aliasId: string },
	idempotencyKey?: string,
): Promise<Queued> {
	const alias = await sendableAlias(ctx, input.aliasId, { type: "alias", id: input.aliasId });
	return dispatch(ctx, {
		alias,
		action: "message.send",
		conversation: { counterpart: input.to[0] as string, subject: input.subject },
		to: input.to,
		cc: input.cc,
		bcc: input.bcc,
		subject: input.subject,
		text: input.text ?? null,
		html: input.html ?? null,
		attachments: decodeAttachments(input.attachments),
		inReplyTo: null,
		references: [],
		alsoScan: [],
		idempotencyKey,
	});
}

export async function reply(
	ctx: RequestContext,
	conversationId: string,
	input: Omit<MessageInput, "to" | "subject"> & { subject?: string | undefined },
	idempotencyKey?: string,
): Promise<Queued> {
	const conversation = await ctx.db.query.conversations.findFirst({
		where: and(eq(conversations.id, conversationId), eq(conversations.orgId, ctx.principal.orgId)),
	});
	if (!conversation) throw new AppError("not_found");
	const alias = await sendableAlias(ctx, conversation.aliasId, { type: "conversation", id: conversationId });
	const { counterpart, subject } = await openConversation(ctx.config, conversation);
	// Thread on the newest message that has a Message-ID: In-Reply-To it, References up to it.
	const recent = await ctx.db
		.select()
		.from(messages)
		.where(eq(messages.conversationId, conversationId))
		.orderBy(desc(messages.createdAt))
		.limit(MAX_THREAD_IDS);
	let parent: { messageId: string; references: string[] } | null = null;
	for (const row of recent) {
		const meta = await openMessageMeta(ctx.config.keyring, row);
		if (meta?.messageId) {
			parent = { messageId: meta.messageId, references: meta.references };
			break;
		}
	}
	const base = subject ?? "";
	return dispatch(ctx, {
		alias,
		action: "message.reply",
		conversation: { id: conversationId },
		to: [counterpart],
		cc: input.cc,
		bcc: input.bcc,
		subject: input.subject ?? (/^re:/i.test(base) ? base : `Re: ${base}`),
		text: input.text ?? null,
		html: input.html ?? null,
		attachments: decodeAttachments(input.attachments),
		inReplyTo: parent?.messageId ?? null,
		references: parent ? [...parent.references, parent.messageId].slice(-MAX_THREAD_IDS) : [],
		alsoScan: [],
		idempotencyKey,
	});
}

export async function forward(
	ctx: RequestContext,
	messageId: string,
	input: { to: string[]; note?: string | undefined },
	idempotencyKey?: string,
): Promise<Queued> {
	const row = await ctx.db.query.messages.findFirst({
		where: and(eq(messages.id, messageId), eq(messages.orgId, ctx.principal.orgId)),
	});
	if (!row) throw new AppError("not_found");
	const alias = await sendableAlias(ctx, row.aliasId, { type: "message", id: messageId });
	if (row.status === "deleted") throw new AppError("gone");
	const own = await orgDomains(ctx.db, ctx.principal.orgId);
	const { forwardAllowList } = await orgSettings(ctx.db, ctx.principal.orgId);
	const refused = input.to.findIndex((a) => !forwardAllowed(a, own, forwardAllowList));
	if (refused !== -1) {
		throw new AppError(
			"unprocessable",
			`to[${refused}]: forwarding goes only to the organisation's domains or its forward allow-list`,
		);
	}
	const { meta, raw } = await openSealedMessage(ctx.config.keyring, ctx.bucket, row);
	// The forwarded message travels whole, so the PHI scan reads it too.
	const original = row.status === "quarantined" ? null : await PostalMime.parse(raw, PARSE_LIMITS);
	return dispatch(ctx, {
		alias,
		action: "message.forward",
		conversation: { id: row.conversationId },
		to: input.to,
		cc: [],
		bcc: [],
		subject: `Fwd: ${meta.subject ?? ""}`,
		text: input.note ?? "Forwarded message attached.",
		html: null,
		// RFC 2046 §5.2.1 allows message/rfc822 only in 7bit/8bit/binary, but a received message
		// may hold bare LFs and long lines; as a base64 .eml file it arrives intact.
		attachments: [{ filename: "forwarded-message.eml", contentType: "application/octet-stream", content: raw }],
		inReplyTo: null,
		references: [],
		alsoScan: [
			meta.subject ?? "",
			original?.text ?? "",
			original?.html ? htmlToText(original.html) : "",
			...meta.attachments.map((a) => a.filename ?? ""),
		],
		idempotencyKey,
	});
}
