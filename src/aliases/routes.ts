// /v1/aliases: inventory, create (one or up to 1,000), change, disable, grants.
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
import { GRANT_ROLES } from "../auth/rbac";
import { replaceGrants } from "./alias-grants";
import { createAliases, disableAlias, getAlias, listAliases, updateAlias } from "./aliases";

/** One request creates at most this many aliases: an app provisioning a clinic or study at once. */
export const MAX_BULK_ALIASES = 1000;

const Alias = z
	.object({
		id: z.string(),
		localPart: z.string(),
		address: z.string(),
		class: z.enum(["clinical", "administrative"]),
		teamId: z.string().nullable(),
		displayName: z.string(),
		archiveBcc: z.string().nullable(),
		notice: z.string().nullable(),
		status: z.enum(["active", "disabled", "expired"]),
		expiresAt: z.string().nullable(),
		successorId: z.string().nullable(),
		createdAt: z.string(),
	})
	.openapi("Alias");

// The naming policy (src/aliases/naming.ts) runs after this shape check, with the org's rules.
const AliasCreate = z
	.object({
		localPart: z.string().min(1).max(64),
		domain: z.string().max(253),
		class: z.enum(["clinical", "administrative"]),
		displayName: HeaderSafeText.min(1).max(120),
		teamId: Id("team").nullable().optional(),
		archiveBcc: MailAddress.nullable().optional(),
		notice: z.string().max(2000).nullable().optional(),
		expiresAt: z.iso.datetime().nullable().optional(),
	})
	.strict()
	.openapi("AliasCreate");

const AliasUpdate = z
	.object({
		displayName: HeaderSafeText.min(1).max(120).optional(),
		teamId: Id("team").nullable().optional(),
		archiveBcc: MailAddress.nullable().optional(),
		notice: z.string().max(2000).nullable().optional(),
		expiresAt: z.iso.datetime().nullable().optional(),
		successorId: Id("als").nullable().optional(),
	})
	.strict()
	.openapi("AliasUpdate");

const Grant = z
	.object({
		principalType: z.enum(["user", "team"]),
		principalId: z.string().regex(/^(usr|team)_[a-z2-7]{26}$/),
		role: z.enum(GRANT_ROLES),
	})
	.strict()
	.openapi("Grant");
/** Grants are per person or team; 500 covers a large department and bounds one batch. */
const Grants = z
	.object({ grants: z.array(Grant).max(500) })
	.strict()
	.openapi("Grants");

const routes = {
	list: apiRoute({
		method: "get",
		path: "/v1/aliases",
		summary: "List aliases (inventory roles see all; members see those they hold grants on)",
		request: {
			query: z.object({
				status: z
					.enum(["active", "disabled", "expired"])
					.optional()
					.openapi({ param: { name: "status", in: "query" } }),
				class: z
					.enum(["clinical", "administrative"])
					.optional()
					.openapi({ param: { name: "class", in: "query" } }),
				cursor: CursorParam,
				limit: LimitParam(200, 50),
			}),
		},
		responses: { 200: jsonResponse(Page(Alias, "AliasPage"), "A page of aliases") },
	}),
	create: apiRoute({
		method: "post",
		path: "/v1/aliases",
		summary: "Create an alias (owner, admin, compliance)",
		request: jsonBody(AliasCreate),
		responses: { 201: jsonResponse(Alias, "Created") },
	}),
	bulk: apiRoute({
		method: "post",
		path: "/v1/aliases/bulk",
		summary: `Create up to ${MAX_BULK_ALIASES} aliases, all or nothing`,
		request: jsonBody(
			z
				.object({ aliases: z.array(AliasCreate).min(1).max(MAX_BULK_ALIASES) })
				.strict()
				.openapi("AliasBulk"),
		),
		responses: { 201: jsonResponse(z.object({ data: z.array(Alias) }).openapi("AliasList"), "Created") },
	}),
	get: apiRoute({
		method: "get",
		path: "/v1/aliases/{id}",
		summary: "Get an alias",
		request: { params: IdParam("als") },
		responses: { 200: jsonResponse(Alias, "The alias") },
	}),
	update: apiRoute({
		method: "patch",
		path: "/v1/aliases/{id}",
		summary: "Change an alias (owner, admin, compliance)",
		request: { params: IdParam("als"), ...jsonBody(AliasUpdate) },
		responses: { 200: jsonResponse(Alias, "Updated") },
	}),
	disable: apiRoute({
		method: "post",
		path: "/v1/aliases/{id}/disable",
		summary: "Disable an alias: its mail is refused from now on (owner, admin, compliance)",
		request: { params: IdParam("als") },
		responses: { 200: jsonResponse(Alias, "Disabled") },
	}),
	grants: apiRoute({
		method: "put",
		path: "/v1/aliases/{id}/grants",
		summary: "Replace who may read (viewer), send (sender) or manage (manager) this alias",
		request: { params: IdParam("als"), ...jsonBody(Grants) },
		responses: {
			200: jsonResponse(Grants.extend({ aliasId: z.string() }).openapi("AliasGrants"), "The alias's grants"),
		},
	}),
};

export function aliasRoutes(app: ApiApp) {
	app.openapi(routes.list, async (c) => c.json(await listAliases(c.var.ctx, c.req.valid("query")), 200));
	app.openapi(routes.create, async (c) => {
		const [alias] = await createAliases(c.var.ctx, [c.req.valid("json")]);
		return c.json(alias as NonNullable<typeof alias>, 201);
	});
	app.openapi(routes.bulk, async (c) =>
		c.json({ data: await createAliases(c.var.ctx, c.req.valid("json").aliases) }, 201),
	);
	app.openapi(routes.get, async (c) => c.json(await getAlias(c.var.ctx, c.req.valid("param").id), 200));
	app.openapi(routes.update, async (c) =>
		c.json(await updateAlias(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
	);
	app.openapi(routes.disable, async (c) => c.json(await disableAlias(c.var.ctx, c.req.valid("param").id), 200));
	app.openapi(routes.grants, async (c) =>
		c.json(await replaceGrants(c.var.ctx, c.req.valid("param").id, c.req.valid("json").grants), 200),
	);
}
