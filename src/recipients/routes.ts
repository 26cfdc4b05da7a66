// /v1/recipients: who may receive PHI.
import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/route";
import { HeaderSafeText, IdParam, jsonBody, jsonResponse, MailAddress, Ok } from "../api/schemas";
import type { ApiApp } from "../app";
import { listRecipients, markRecipient, removeRecipient } from "./recipients";

const Recipient = z
	.object({
		id: z.string(),
		kind: z.enum(["address", "domain"]),
		value: z.string(),
		secure: z.boolean(),
		reason: z.string().nullable(),
		markedBy: z.string().nullable(),
		verifiedAt: z.string().nullable(),
		createdAt: z.string(),
	})
	.openapi("Recipient");

const Host = z
	.string()
	.max(253)
	.regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, "lower-case host name (punycode for IDNs)");

const RecipientCreate = z
	.discriminatedUnion("kind", [
		z.object({ kind: z.literal("address"), value: MailAddress }).strict(),
		z.object({ kind: z.literal("domain"), value: Host }).strict(),
	])
	.and(
		z.object({
			secure: z.boolean(),
			/** Why this recipient may (or may no longer) receive PHI: kept for the auditors. */
			reason: HeaderSafeText.min(3).max(500),
		}),
	)
	.openapi("RecipientCreate");

const routes = {
	list: apiRoute({
		method: "get",
		path: "/v1/recipients",
		summary: "The registry of addresses and domains allowed to receive PHI",
		responses: { 200: jsonResponse(z.object({ data: z.array(Recipient) }).openapi("RecipientList"), "Entries") },
	}),
	mark: apiRoute({
		method: "post",
		path: "/v1/recipients",
		summary: "Mark an address or domain secure (or not), with the reason (owner, admin, compliance)",
		request: jsonBody(RecipientCreate),
		responses: { 200: jsonResponse(Recipient, "Recorded") },
	}),
	remove: apiRoute({
		method: "delete",
		path: "/v1/recipients/{id}",
		summary: "Remove an entry",
		request: { params: IdParam("rcp") },
		responses: { 200: jsonResponse(Ok, "Removed") },
	}),
};

export function recipientRoutes(app: ApiApp) {
	app.openapi(routes.list, async (c) => c.json(await listRecipients(c.var.ctx), 200));
	app.openapi(routes.mark, async (c) => c.json(await markRecipient(c.var.ctx, c.req.valid("json")), 200));
	app.openapi(routes.remove, async (c) => c.json(await removeRecipient(c.var.ctx, c.req.valid("param").id), 200));
}
