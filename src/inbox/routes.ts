// Shared-inbox routes: conversations (list, read, assign, close, reopen) and messages (read,
// raw, attachments, delete).
import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/route";
import { CursorParam, goneError, Id, IdParam, jsonBody, jsonResponse, LimitParam, Page } from "../api/schemas";
import type { ApiApp } from "../app";
import { assignConversation, readConversation, setConversationStatus } from "./conversation-actions";
import { listConversations } from "./conversations";
import { deleteMessage, readAttachment, readMessage, readRawMessage } from "./messages";

/** Each listed conversation costs a key unwrap and a decryption; 100 per page bounds that. */
export const MAX_CONVERSATION_PAGE = 100;

const Mailbox = z.object({ name: z.string(), address: z.string() }).openapi("Mailbox");

const ConversationSummary = z
	.object({
		id: z.string(),
		aliasId: z.string(),
		status: z.enum(["open", "closed"]),
		assigneeId: z.string().nullable(),
		subject: z.string().nullable(),
		counterpart: z.string(),
		lastMessageAt: z.string(),
		lastMessageId: z.string().nullable(),
		createdAt: z.string(),
	})
	.openapi("ConversationSummary");

const MessageStatus = z.enum(["received", "quarantined", "queued", "sent", "failed", "blocked", "deleted"]);

const Conversation = ConversationSummary.omit({ lastMessageId: true })
	.extend({
		messages: z.array(
			z.object({
				id: z.string(),
				direction: z.enum(["inbound", "outbound"]),
				status: MessageStatus,
				size: z.number().int(),
				createdAt: z.string(),
				subject: z.string().nullable(),
				from: Mailbox.nullable(),
				attachmentCount: z.number().int(),
			}),
		),
	})
	.openapi("Conversation");

const ConversationState = z
	.object({
		id: z.string(),
		aliasId: z.string(),
		status: z.enum(["open", "closed"]),
		assigneeId: z.string().nullable(),
		lastMessageAt: z.string(),
	})
	.openapi("ConversationState");

const Message = z
	.object({
		id: z.string(),
		conversationId: z.string(),
		aliasId: z.string(),
		direction: z.enum(["inbound", "outbound"]),
		status: MessageStatus,
		quarantineReason: z.string().nullable(),
		size: z.number().int(),
		receivedAt: z.string(),
		subject: z.string().nullable(),
		from: Mailbox.nullable(),
		to: z.array(Mailbox),
		cc: z.array(Mailbox),
		date: z.string().nullable(),
		text: z.string().nullable(),
		html: z.string().nullable(),
		attachments: z.array(
			z.object({
				filename: z.string().nullable(),
				mimeType: z.string(),
				size: z.number().int(),
				disposition: z.string().nullable(),
			}),
		),
	})
	.openapi("Message");

const q = (name: string) => ({ param: { name, in: "query" as const } });

const routes = {
	list: apiRoute({
		method: "get",
		path: "/v1/conversations",
		summary: "List conversations of the aliases you can read, newest first",
		request: {
			query: z.object({
				alias: Id("als").optional().openapi(q("alias")),
				status: z.enum(["open", "closed"]).optional().openapi(q("status")),
				assignee: Id("usr").optional().openapi(q("assignee")),
				cursor: CursorParam,
				limit: LimitParam(MAX_CONVERSATION_PAGE, 25),
			}),
		},
		responses: { 200: jsonResponse(Page(ConversationSummary, "ConversationPage"), "A page") },
	}),
	get: apiRoute({
		method: "get",
		path: "/v1/conversations/{id}",
		summary: "A conversation with its messages' metadata (audited as conversation.read)",
		request: { params: IdParam("cnv") },
		responses: { 200: jsonResponse(Conversation, "The conversation") },
	}),
	assign: apiRoute({
		method: "post",
		path: "/v1/conversations/{id}/assign",
		summary: "Assign to a user who can read the alias, or unassign with null",
		request: {
			params: IdParam("cnv"),
			...jsonBody(
				z
					.object({ assigneeId: Id("usr").nullable() })
					.strict()
					.openapi("Assign"),
			),
		},
		responses: { 200: jsonResponse(ConversationState, "Assigned") },
	}),
	close: apiRoute({
		method: "post",
		path: "/v1/conversations/{id}/close",
		summary: "Close a conversation (a new message from the patient reopens it)",
		request: { params: IdParam("cnv") },
		responses: { 200: jsonResponse(ConversationState, "Closed") },
	}),
	reopen: apiRoute({
		method: "post",
		path: "/v1/conversations/{id}/reopen",
		summary: "Reopen a closed conversation",
		request: { params: IdParam("cnv") },
		responses: { 200: jsonResponse(ConversationState, "Reopened") },
	}),
	read: apiRoute({
		method: "get",
		path: "/v1/messages/{id}",
		summary: "Read a message, decrypted (audited as message.read)",
		request: { params: IdParam("msg") },
		responses: { 200: jsonResponse(Message, "The message"), ...goneError },
	}),
	raw: apiRoute({
		method: "get",
		path: "/v1/messages/{id}/raw",
		summary: "Download the message exactly as received (audited as message.read_raw)",
		request: { params: IdParam("msg") },
		responses: {
			200: {
				description: "The raw RFC 5322 message",
				content: { "message/rfc822": { schema: z.string().openapi({ format: "binary" }) } },
			},
			...goneError,
		},
	}),
	attachment: apiRoute({
		method: "get",
		path: "/v1/messages/{id}/attachments/{n}",
		summary: "Download attachment n (0-based, as in the message's attachment list)",
		request: {
			params: z.object({
				id: Id("msg").openapi({ param: { name: "id", in: "path" } }),
				// A string in the path (so the parameter is documented as required), then a number.
				n: z
					.string()
					.regex(/^\d{1,3}$/, "must be an attachment index 0-999")
					.transform(Number)
					.openapi({ param: { name: "n", in: "path" }, type: "string" }),
			}),
		},
		responses: {
			200: {
				description: "The attachment, with its content type and filename",
				content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } },
			},
			...goneError,
		},
	}),
	delete: apiRoute({
		method: "delete",
		path: "/v1/messages/{id}",
		summary: "Crypto-shred a message: its key and body are erased, the row stays as `deleted`",
		request: { params: IdParam("msg") },
		responses: {
			200: jsonResponse(z.object({ id: z.string(), status: z.literal("deleted") }).openapi("Deleted"), "Deleted"),
			...goneError,
		},
	}),
};

/** A MIME type we are willing to echo in Content-Type; anything else is served as bytes. */
const SAFE_MIME = /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/;

/** RFC 6266 filename with an ASCII fallback; CR, LF, quotes and controls cannot get through. */
function contentDisposition(filename: string | null, fallback: string): string {
	const name = filename ?? fallback;
	const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
	return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function inboxRoutes(app: ApiApp) {
	app.openapi(routes.list, async (c) => {
		const { alias, status, assignee, cursor, limit } = c.req.valid("query");
		return c.json(
			await listConversations(c.var.ctx, { aliasId: alias, status, assigneeId: assignee, cursor, limit }),
			200,
		);
	});
	app.openapi(routes.get, async (c) => c.json(await readConversation(c.var.ctx, c.req.valid("param").id), 200));
	app.openapi(routes.assign, async (c) =>
		c.json(await assignConversation(c.var.ctx, c.req.valid("param").id, c.req.valid("json").assigneeId), 200),
	);
	app.openapi(routes.close, async (c) =>
		c.json(await setConversationStatus(c.var.ctx, c.req.valid("param").id, "closed"), 200),
	);
	app.openapi(routes.reopen, async (c) =>
		c.json(await setConversationStatus(c.var.ctx, c.req.valid("param").id, "open"), 200),
	);
	app.openapi(routes.read, async (c) => c.json(await readMessage(c.var.ctx, c.req.valid("param").id), 200));
	app.openapi(routes.raw, async (c) => {
		const { id } = c.req.valid("param");
		return c.body(await readRawMessage(c.var.ctx, id), 200, {
			"Content-Type": "message/rfc822",
			"Content-Disposition": contentDisposition(null, `${id}.eml`),
		});
	});
	app.openapi(routes.attachment, async (c) => {
		const { id, n } = c.req.valid("param");
		const file = await readAttachment(c.var.ctx, id, n);
		const stream = new Blob([file.content]).stream();
		return c.body(stream, 200, {
			"Content-Type": SAFE_MIME.test(file.mimeType) ? file.mimeType : "application/octet-stream",
			"Content-Disposition": contentDisposition(file.filename, `attachment-${n}`),
		});
	});
	app.openapi(routes.delete, async (c) => c.json(await deleteMessage(c.var.ctx, c.req.valid("param").id), 200));
}
