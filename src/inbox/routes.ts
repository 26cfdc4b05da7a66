// Shared-inbox routes: list conversations, read a message, download it raw.
import { createRoute } from "@hono/zod-openapi";
import { ConversationPage, ConversationQuery, commonErrors, goneError, IdParam, Message } from "../api/schemas";
import type { ApiApp } from "../app";
import { listConversations } from "./conversations";
import { readMessage, readRawMessage } from "./messages";

const security = [{ bearer: [] }];

const listRoute = createRoute({
	method: "get",
	path: "/v1/conversations",
	summary: "List conversations of the aliases you can read, newest first",
	security,
	request: { query: ConversationQuery },
	responses: {
		200: { description: "A page", content: { "application/json": { schema: ConversationPage } } },
		...commonErrors,
	},
});

const readRoute = createRoute({
	method: "get",
	path: "/v1/messages/{id}",
	summary: "Read a message, decrypted (audited as message.read)",
	security,
	request: { params: IdParam("msg") },
	responses: {
		200: { description: "The message", content: { "application/json": { schema: Message } } },
		...commonErrors,
		...goneError,
	},
});

const rawRoute = createRoute({
	method: "get",
	path: "/v1/messages/{id}/raw",
	summary: "Download the message exactly as received (audited as message.read_raw)",
	security,
	request: { params: IdParam("msg") },
	responses: {
		200: {
			description: "The raw RFC 5322 message",
			content: { "message/rfc822": { schema: { type: "string", format: "binary" } } },
		},
		...commonErrors,
		...goneError,
	},
});

export function inboxRoutes(app: ApiApp) {
	app.openapi(listRoute, async (c) => {
		const q = c.req.valid("query");
		const page = await listConversations(c.var.ctx, {
			aliasId: q.alias,
			status: q.status,
			cursor: q.cursor,
			limit: q.limit,
		});
		return c.json(page, 200);
	});
	app.openapi(readRoute, async (c) => c.json(await readMessage(c.var.ctx, c.req.valid("param").id), 200));
	app.openapi(rawRoute, async (c) => {
		const raw = await readRawMessage(c.var.ctx, c.req.valid("param").id);
		return c.body(raw, 200, {
			"Content-Type": "message/rfc822",
			"Content-Disposition": `attachment; filename="${c.req.valid("param").id}.eml"`,
		});
	});
}
