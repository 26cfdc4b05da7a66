// /v1/domains and /v1/policies.
import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/route";
import { jsonBody, jsonResponse } from "../api/schemas";
import type { ApiApp } from "../app";
import { addDomain, listDomains, readPolicies, updatePolicies } from "./org";
import { OrgSettings } from "./settings";

const Domain = z.object({ id: z.string(), domain: z.string(), createdAt: z.string() }).openapi("Domain");
/** Lower-case ASCII or punycode host names only, so look-alike Unicode domains cannot exist. */
const DomainCreate = z
	.object({
		domain: z
			.string()
			.max(253)
			.regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, "lower-case host name (punycode for IDNs)"),
	})
	.strict()
	.openapi("DomainCreate");
const PolicyPatch = OrgSettings.partial().strict().openapi("PoliciesPatch");

const routes = {
	listDomains: apiRoute({
		method: "get",
		path: "/v1/domains",
		summary: "List the organisation's mail domains",
		responses: { 200: jsonResponse(z.object({ data: z.array(Domain) }).openapi("DomainList"), "Domains") },
	}),
	addDomain: apiRoute({
		method: "post",
		path: "/v1/domains",
		summary: "Add a mail domain (owner, admin). Route its mail to the Worker in Email Routing.",
		request: jsonBody(DomainCreate),
		responses: { 201: jsonResponse(Domain, "Added") },
	}),
	getPolicies: apiRoute({
		method: "get",
		path: "/v1/policies",
		summary: "Confidentiality notice, archive BCC, alias naming, retention",
		responses: { 200: jsonResponse(OrgSettings, "Policies") },
	}),
	patchPolicies: apiRoute({
		method: "patch",
		path: "/v1/policies",
		summary: "Change policies (owner, admin, compliance)",
		request: jsonBody(PolicyPatch),
		responses: { 200: jsonResponse(OrgSettings, "Updated") },
	}),
};

export function orgRoutes(app: ApiApp) {
	app.openapi(routes.listDomains, async (c) => c.json(await listDomains(c.var.ctx), 200));
	app.openapi(routes.addDomain, async (c) => c.json(await addDomain(c.var.ctx, c.req.valid("json").domain), 201));
	app.openapi(routes.getPolicies, async (c) => c.json(await readPolicies(c.var.ctx), 200));
	app.openapi(routes.patchPolicies, async (c) => c.json(await updatePolicies(c.var.ctx, c.req.valid("json")), 200));
}
