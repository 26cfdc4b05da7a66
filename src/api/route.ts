// createRoute for authenticated API routes: bearer security and the common error responses
// are added to every one, so no route can forget to document them.
import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import { commonErrors } from "./schemas";

export function apiRoute<const R extends RouteConfig>(config: R) {
	return createRoute({
		...config,
		security: [{ bearer: [] }],
		responses: { ...commonErrors, ...config.responses },
	});
}
