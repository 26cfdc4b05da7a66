// /v1/me and /v1/users.
import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/route";
import {
	CursorParam,
	HeaderSafeText,
	Id,
	IdParam,
	jsonBody,
	jsonResponse,
	LimitParam,
	MailAddress,
	Page,
} from "../api/schemas";
import type { ApiApp } from "../app";
import { ORG_ROLES, SCOPES } from "../auth/rbac";
import { createUser, deactivateUser, getUser, listUsers, updateUser, whoAmI } from "./users";

const User = z
	.object({
		id: z.string(),
		email: z.string(),
		name: z.string(),
		role: z.enum(ORG_ROLES),
		clinical: z.boolean(),
		status: z.enum(["active", "deactivated"]),
		deactivatedAt: z.string().nullable(),
		createdAt: z.string(),
	})
	.openapi("User");

const Me = z
	.object({
		user: User,
		orgId: z.string(),
		tokenId: z.string().nullable(),
		scopes: z.array(z.enum(SCOPES)),
	})
	.openapi("Me");

// .strict(): a body naming a field the caller may not set (org_id, status, id …) is refused
// with a 400 that names it, rather than silently ignored.
const UserCreate = z
	.object({
		email: MailAddress,
		name: HeaderSafeText.min(1).max(120),
		role: z.enum(ORG_ROLES).default("member"),
		clinical: z.boolean().default(false),
	})
	.strict()
	.openapi("UserCreate");

const UserUpdate = z
	.object({
		name: HeaderSafeText.min(1).max(120).optional(),
		role: z.enum(ORG_ROLES).optional(),
		clinical: z.boolean().optional(),
	})
	.strict()
	.openapi("UserUpdate");

const Deactivate = z
	.object({ successorId: Id("usr").optional() })
	.strict()
	.openapi("UserDeactivate");

const routes = {
	me: apiRoute({
		method: "get",
		path: "/v1/me",
		summary: "Who am I: user, org, scopes",
		responses: { 200: jsonResponse(Me, "The caller") },
	}),
	list: apiRoute({
		method: "get",
		path: "/v1/users",
		summary: "List users (owner, admin, compliance, auditor)",
		request: { query: z.object({ cursor: CursorParam, limit: LimitParam(200, 50) }) },
		responses: { 200: jsonResponse(Page(User, "UserPage"), "A page of users") },
	}),
	create: apiRoute({
		method: "post",
		path: "/v1/users",
		summary: "Create a user (owner, admin; only an owner creates owners)",
		request: jsonBody(UserCreate),
		responses: { 201: jsonResponse(User, "Created") },
	}),
	get: apiRoute({
		method: "get",
		path: "/v1/users/{id}",
		summary: "Get a user",
		request: { params: IdParam("usr") },
		responses: { 200: jsonResponse(User, "The user") },
	}),
	update: apiRoute({
		method: "patch",
		path: "/v1/users/{id}",
		summary: "Change name, role or clinical flag (owner, admin)",
		request: { params: IdParam("usr"), ...jsonBody(UserUpdate) },
		responses: { 200: jsonResponse(User, "Updated") },
	}),
	deactivate: apiRoute({
		method: "post",
		path: "/v1/users/{id}/deactivate",
		summary: "Deactivate: revoke every token now, hand grants and open conversations to a successor",
		request: { params: IdParam("usr"), ...jsonBody(Deactivate) },
		responses: { 200: jsonResponse(User, "Deactivated") },
	}),
};

export function userRoutes(app: ApiApp) {
	app.openapi(routes.me, async (c) => c.json(await whoAmI(c.var.ctx), 200));
	app.openapi(routes.list, async (c) => {
		const q = c.req.valid("query");
		return c.json(await listUsers(c.var.ctx, q.cursor, q.limit), 200);
	});
	app.openapi(routes.create, async (c) => c.json(await createUser(c.var.ctx, c.req.valid("json")), 201));
	app.openapi(routes.get, async (c) => c.json(await getUser(c.var.ctx, c.req.valid("param").id), 200));
	app.openapi(routes.update, async (c) =>
		c.json(await updateUser(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
	);
	app.openapi(routes.deactivate, async (c) =>
		c.json(await deactivateUser(c.var.ctx, c.req.valid("param").id, c.req.valid("json").successorId), 200),
	);
}
