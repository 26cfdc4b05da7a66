// /v1/teams and their members.
import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/route";
import { HeaderSafeText, Id, IdParam, jsonBody, jsonResponse, MailAddress } from "../api/schemas";
import type { ApiApp } from "../app";
import { createTeam, getTeam, listTeams, setMembers } from "./teams";

const TeamSummary = z
	.object({ id: z.string(), name: z.string(), archiveBcc: z.string().nullable(), createdAt: z.string() })
	.openapi("TeamSummary");
const Team = TeamSummary.extend({ members: z.array(z.string()) }).openapi("Team");

const TeamCreate = z
	.object({ name: HeaderSafeText.min(1).max(80), archiveBcc: MailAddress.nullable().optional() })
	.strict()
	.openapi("TeamCreate");
/** A team is a working group, not a directory: 500 members bounds one replacing batch. */
const TeamMembers = z
	.object({ userIds: z.array(Id("usr")).max(500) })
	.strict()
	.openapi("TeamMembers");

const routes = {
	list: apiRoute({
		method: "get",
		path: "/v1/teams",
		summary: "List teams",
		responses: { 200: jsonResponse(z.object({ data: z.array(TeamSummary) }).openapi("TeamList"), "Teams") },
	}),
	create: apiRoute({
		method: "post",
		path: "/v1/teams",
		summary: "Create a team (owner, admin)",
		request: jsonBody(TeamCreate),
		responses: { 201: jsonResponse(Team, "Created") },
	}),
	get: apiRoute({
		method: "get",
		path: "/v1/teams/{id}",
		summary: "Get a team and its members",
		request: { params: IdParam("team") },
		responses: { 200: jsonResponse(Team, "The team") },
	}),
	members: apiRoute({
		method: "put",
		path: "/v1/teams/{id}/members",
		summary: "Replace a team's members (owner, admin)",
		request: { params: IdParam("team"), ...jsonBody(TeamMembers) },
		responses: { 200: jsonResponse(Team, "Updated") },
	}),
};

export function teamRoutes(app: ApiApp) {
	app.openapi(routes.list, async (c) => c.json(await listTeams(c.var.ctx), 200));
	app.openapi(routes.create, async (c) => c.json(await createTeam(c.var.ctx, c.req.valid("json")), 201));
	app.openapi(routes.get, async (c) => c.json(await getTeam(c.var.ctx, c.req.valid("param").id), 200));
	app.openapi(routes.members, async (c) =>
		c.json(await setMembers(c.var.ctx, c.req.valid("param").id, c.req.valid("json").userIds), 200),
	);
}
