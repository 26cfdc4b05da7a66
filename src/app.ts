// The REST API: request id, secure headers, bearer auth on /v1, routes per domain, one error
// shape. Handlers are thin; domain modules take a plain RequestContext.
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { aliasRoutes } from "./aliases/routes";
import { Health } from "./api/schemas";
import { auditRoutes } from "./audit/routes";
import { authenticate } from "./auth/authenticate";
import { openDb } from "./db/client";
import { type Env, loadConfig } from "./env";
import { AppError } from "./errors";
import { inboxRoutes } from "./inbox/routes";
import { orgRoutes } from "./org/routes";
import { outboundRoutes } from "./outbound/routes";
import { recipientRoutes } from "./recipients/routes";
import type { RequestContext } from "./request-context";
import { teamRoutes } from "./teams/routes";
import { tokenRoutes } from "./tokens/routes";
import { userRoutes } from "./users/routes";

type AppEnv = { Bindings: Env; Variables: { ctx: RequestContext; requestId: string } };
export type ApiApp = OpenAPIHono<AppEnv>;

function errorBody(err: AppError) {
	return { error: { code: err.code, message: err.message, ...err.details } };
}

const authenticated = createMiddleware<AppEnv>(async (c, next) => {
	const config = await loadConfig(c.env);
	const db = openDb(c.env.DB);
	const principal = await authenticate(db, config, {
		authorization: c.req.header("Authorization"),
		accessAssertion: c.req.header("Cf-Access-Jwt-Assertion"),
		clientIp: c.req.header("CF-Connecting-IP"),
		requestId: c.var.requestId,
	});
	c.set("ctx", { db, bucket: c.env.BODIES, outbox: c.env.OUTBOX, config, principal, requestId: c.var.requestId });
	await next();
});

export function createApp(): ApiApp {
	const app: ApiApp = new OpenAPIHono<AppEnv>({
		// A path, query or header that does not parse is a 400; a JSON body that parses but
		// fails validation is a 422. Either way the message names the first offending field.
		defaultHook: (result) => {
			if (!result.success) {
				const issue = result.error.issues[0];
				const field = issue?.path.join(".") || "request";
				const code = result.target === "json" ? "validation_failed" : "invalid_request";
				throw new AppError(code, `${field}: ${issue?.message ?? "invalid"}`);
			}
		},
	});
	// Our own id for every request (a client-supplied X-Request-Id is ignored): the id is
	// written into audit rows, so its content must never be caller-controlled.
	app.use(requestId({ headerName: "" }));
	app.use(async (c, next) => {
		c.header("X-Request-Id", c.var.requestId);
		await next();
	});
	app.use(secureHeaders());
	// A 5 MiB message is ~6.7 MB as base64 inside JSON; 10 MiB caps every body before it is
	// parsed, so an oversized request costs no parsing at all.
	app.use(
		"/v1/*",
		bodyLimit({
			maxSize: 10 * 1024 * 1024,
			onError: () => {
				throw new AppError("payload_too_large");
			},
		}),
	);
	app.use("/v1/*", authenticated);

	app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
	app.openapi(
		{
			method: "get",
			path: "/health",
			summary: "Liveness",
			responses: { 200: { description: "Up", content: { "application/json": { schema: Health } } } },
		},
		(c) => c.json({ ok: true as const }, 200),
	);
	userRoutes(app);
	tokenRoutes(app);
	teamRoutes(app);
	orgRoutes(app);
	aliasRoutes(app);
	inboxRoutes(app);
	outboundRoutes(app);
	recipientRoutes(app);
	auditRoutes(app);
	app.doc31("/openapi.json", { openapi: "3.1.0", info: { title: "Carepost API", version: "0.1.0" } });

	app.notFound((c) => c.json(errorBody(new AppError("not_found")), 404));
	app.onError((err, c) => {
		if (err instanceof AppError) return c.json(errorBody(err), err.status);
		// Hono's own refusals (a body that is not JSON, for one) keep their 4xx, in our shape.
		if (err instanceof HTTPException && err.status < 500) {
			return c.json(errorBody(new AppError("invalid_request", err.message || undefined)), 400);
		}
		// Ids only: the error's message may quote SQL or input, so it is not logged or returned.
		console.error(JSON.stringify({ event: "api.error", requestId: c.var.requestId, name: err.name }));
		return c.json(errorBody(new AppError("internal_error")), 500);
	});
	return app;
}
