// Sending as an alias: new message, reply, forward. Each answers 202 with the queued message;
// delivery happens in the queue consumer and its outcome shows on GET /v1/messages/:id.
import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/route";
import { HeaderSafeText, Id, IdParam, jsonBody, jsonResponse, MailAddress } from "../api/schemas";
import type { ApiApp } from "../app";
import { forward, reply, sendNew } from "./send";

/** Cloudflare Email Service takes at most 50 recipients per message (NOTES "Sending"). */
export const MAX_RECIPIENTS = 50;
/** RFC 5322 lines stop at 998 characters; a subject far shorter than that is a subject. */
const MAX_SUBJECT = 255;
/** Bodies: 1 MB of text or 2 MB of HTML is far past any letter; the message cap applies anyway. */
const MAX_TEXT = 1_000_000;
const MAX_HTML = 2_000_000;
/** Attachments per message: a referral packet, not a file share. */
const MAX_ATTACHMENTS = 20;

const Addresses = (max: number) => z.array(MailAddress).max(max);

const Attachment = z
	.object({
		// No path separators: a filename is shown to the recipient, never a path.
		filename: HeaderSafeText.min(1)
			.max(255)
			.regex(/^[^/\\]+$/, "must not contain path separators"),
		contentType: z.string().regex(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/, "a lower-case MIME type"),
		content: z
			.string()
			.max(7_000_000)
			.regex(/^[A-Za-z0-9+/]*={0,2}$/, "base64"),
	})
	.strict()
	.openapi("OutboundAttachment");

const hasBody = (b: { text?: string | undefined; html?: string | undefined }) =>
	b.text !== undefined || b.html !== undefined;
const recipientCount = (b: { to?: string[]; cc: string[]; bcc: string[] }) =>
	(b.to?.length ?? 0) + b.cc.length + b.bcc.length <= MAX_RECIPIENTS;

const Content = {
	cc: Addresses(MAX_RECIPIENTS).default([]),
	bcc: Addresses(MAX_RECIPIENTS).default([]),
	text: z.string().max(MAX_TEXT).optional(),
	html: z.string().max(MAX_HTML).optional(),
	attachments: z.array(Attachment).max(MAX_ATTACHMENTS).default([]),
};

const SendBody = z
	.object({
		aliasId: Id("als"),
		to: Addresses(MAX_RECIPIENTS).min(1),
		subject: HeaderSafeText.min(1).max(MAX_SUBJECT),
		...Content,
	})
	.strict()
	.refine(hasBody, { message: "text or html is required", path: ["text"] })
	.refine(recipientCount, { message: `at most ${MAX_RECIPIENTS} recipients in all`, path: ["to"] })
	.openapi("SendMessage");

const ReplyBody = z
	.object({ subject: HeaderSafeText.min(1).max(MAX_SUBJECT).optional(), ...Content })
	.strict()
	.refine(hasBody, { message: "text or html is required", path: ["text"] })
	.refine((b) => recipientCount(b) && b.cc.length + b.bcc.length < MAX_RECIPIENTS, {
		message: `at most ${MAX_RECIPIENTS} recipients in all`,
		path: ["cc"],
	})
	.openapi("Reply");

/** Forwarding copies a whole patient message: a handful of colleagues, not a list. */
const ForwardBody = z
	.object({ to: Addresses(10).min(1), note: z.string().max(10_000).optional() })
	.strict()
	.openapi("Forward");

const IdempotencyHeader = z.object({
	"idempotency-key": z
		.string()
		.regex(/^[A-Za-z0-9_.:-]{1,128}$/, "1-128 characters of A-Z a-z 0-9 _ . : -")
		.optional()
		.openapi({ param: { name: "idempotency-key", in: "header" }, description: "The same key never sends twice" }),
});

const Queued = z
	.object({
		id: z.string(),
		conversationId: z.string(),
		status: z.enum(["queued", "sent", "failed", "blocked", "received", "quarantined", "deleted"]),
	})
	.openapi("Queued");

const PhiBlocked = z
	.object({
		error: z.object({
			code: z.literal("phi_blocked"),
			message: z.string(),
			reason: z.enum(["phi_from_administrative_alias", "phi_to_insecure_recipient"]),
			rules: z.array(z.string()),
			recipients: z.array(z.string()),
		}),
	})
	.openapi("PhiBlocked");

const accepted = { 202: jsonResponse(Queued, "Accepted and queued; poll GET /v1/messages/{id} for status") } as const;
const blocked = {
	422: jsonResponse(PhiBlocked, "Refused by a policy (PHI rule ids and refused recipients), or invalid"),
};

const routes = {
	send: apiRoute({
		method: "post",
		path: "/v1/messages",
		summary: "Send a new message as an alias (starts a conversation)",
		request: { headers: IdempotencyHeader, ...jsonBody(SendBody) },
		responses: { ...accepted, ...blocked },
	}),
	reply: apiRoute({
		method: "post",
		path: "/v1/conversations/{id}/reply",
		summary: "Reply to the conversation's counterpart, threaded (In-Reply-To, References)",
		request: { params: IdParam("cnv"), headers: IdempotencyHeader, ...jsonBody(ReplyBody) },
		responses: { ...accepted, ...blocked },
	}),
	forward: apiRoute({
		method: "post",
		path: "/v1/messages/{id}/forward",
		summary: "Forward a message (attached whole) to the organisation's domains or its forward allow-list",
		request: { params: IdParam("msg"), headers: IdempotencyHeader, ...jsonBody(ForwardBody) },
		responses: { ...accepted, ...blocked },
	}),
};

export function outboundRoutes(app: ApiApp) {
	app.openapi(routes.send, async (c) =>
		c.json(await sendNew(c.var.ctx, c.req.valid("json"), c.req.valid("header")["idempotency-key"]), 202),
	);
	app.openapi(routes.reply, async (c) =>
		c.json(
			await reply(c.var.ctx, c.req.valid("param").id, c.req.valid("json"), c.req.valid("header")["idempotency-key"]),
			202,
		),
	);
	app.openapi(routes.forward, async (c) =>
		c.json(
			await forward(c.var.ctx, c.req.valid("param").id, c.req.valid("json"), c.req.valid("header")["idempotency-key"]),
			202,
		),
	);
}
