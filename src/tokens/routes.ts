// /v1/tokens: create (the secret is in the response once), list, revoke.
import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/route";
import { HeaderSafeText, Id, IdParam, jsonBody, jsonResponse } from "../api/schemas";
import type { ApiApp } from "../app";
import { SCOPES } from "../auth/rbac";
import { createToken, listTokens, revokeToken } from "./tokens";

const Token = z
	.object({
		id: z.string(),
		userId: z.string(),
		name: z.string(),
		scopes: z.array(z.enum(SCOPES)),
		expiresAt: z.string().nullable(),
		revokedAt: z.string().nullable(),
		lastUsedAt: z.string().nullable(),
		createdAt: z.string(),
	})
	.openapi("Token");

const CreatedToken = Token.extend({
	token: z.string().openapi({ description: "The secret. Shown only in this response; store it now." }),
}).openapi("CreatedToken");

const TokenCreate = z
	.object({
		name: HeaderSafeText.min(1).max(80),
		scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
		expiresAt: z.iso.datetime().optional(),
		userId: Id("usr").optional().openapi({ description: "Another user's id (owner/admin only)" }),
	})
	.strict()
	.openapi("TokenCreate");

const routes = {
	create: apiRoute({
		method: "post",
		path: "/v1/tokens",
		summary: "Create an API token (for yourself, or for a user if you are owner/admin)",
		request: jsonBody(TokenCreate),
		responses: { 201: jsonResponse(CreatedToken, "Created; the secret is shown once") },
	}),
	list: apiRoute({
		method: "get",
		path: "/v1/tokens",
		summary: "List your tokens (or a user's, for owner/admin)",
		request: {
			query: z.object({
				userId: Id("usr")
					.optional()
					.openapi({ param: { name: "userId", in: "query" } }),
			}),
		},
		responses: { 200: jsonResponse(z.object({ data: z.array(Token) }).openapi("TokenList"), "Tokens") },
	}),
	revoke: apiRoute({
		method: "delete",
		path: "/v1/tokens/{id}",
		summary: "Revoke a token (effective on the next request)",
		request: { params: IdParam("tok") },
		responses: { 200: jsonResponse(Token, "Revoked") },
	}),
};

export function tokenRoutes(app: ApiApp) {
	app.openapi(routes.create, async (c) => c.json(await createToken(c.var.ctx, c.req.valid("json")), 201));
	app.openapi(routes.list, async (c) => c.json(await listTokens(c.var.ctx, c.req.valid("query").userId), 200));
	app.openapi(routes.revoke, async (c) => c.json(await revokeToken(c.var.ctx, c.req.valid("param").id), 200));
}
