// /v1/audit: query, export (streamed NDJSON or CSV), verify. Owner, compliance and auditor only.
import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/route";
import { CursorParam, jsonResponse, LimitParam, Page } from "../api/schemas";
import type { ApiApp } from "../app";
import { exportAudit, queryAudit, verifyAudit } from "./query";

const AuditEvent = z
	.object({
		orgId: z.string(),
		seq: z.number().int(),
		at: z.string(),
		actorType: z.enum(["user", "token", "system", "anonymous"]),
		actorId: z.string(),
		action: z.string(),
		targetType: z.string().nullable(),
		targetId: z.string().nullable(),
		outcome: z.enum(["success", "denied", "error"]),
		requestId: z.string().nullable(),
		details: z.record(z.string(), z.unknown()),
		prevMac: z.string(),
		mac: z.string(),
	})
	.openapi("AuditEvent");

const q = (name: string) => ({ param: { name, in: "query" as const } });
const Token = z
	.string()
	.max(100)
	.regex(/^[\w.:-]+$/);
const Filter = {
	actor: Token.optional().openapi(q("actor")),
	action: Token.optional().openapi(q("action")),
	targetType: Token.optional().openapi(q("targetType")),
	targetId: Token.optional().openapi(q("targetId")),
	from: z.iso.datetime().optional().openapi(q("from")),
	to: z.iso.datetime().optional().openapi(q("to")),
};

const ChainState = z
	.object({
		ok: z.boolean(),
		count: z.number().int(),
		headSeq: z.number().int().optional(),
		headMac: z.string().optional(),
		failedSeq: z.number().int().optional(),
		reason: z.enum(["seq_gap", "prev_mac_mismatch", "mac_mismatch"]).optional(),
	})
	.openapi("ChainState");

const routes = {
	query: apiRoute({
		method: "get",
		path: "/v1/audit",
		summary: "Audit events, newest first, filtered (audited as audit.query)",
		request: { query: z.object({ ...Filter, cursor: CursorParam, limit: LimitParam(500, 100) }) },
		responses: { 200: jsonResponse(Page(AuditEvent, "AuditPage"), "A page of events") },
	}),
	export: apiRoute({
		method: "get",
		path: "/v1/audit/export",
		summary: "Stream every matching event, oldest first, as NDJSON or CSV (audited as audit.export)",
		request: {
			query: z.object({ ...Filter, format: z.enum(["ndjson", "csv"]).default("ndjson").openapi(q("format")) }),
		},
		responses: {
			200: {
				description: "The events",
				content: {
					"application/x-ndjson": { schema: z.string() },
					"text/csv": { schema: z.string() },
				},
			},
		},
	}),
	verify: apiRoute({
		method: "get",
		path: "/v1/audit/verify",
		summary: "Recompute the organisation's audit chain and report the first bad row, if any",
		responses: { 200: jsonResponse(ChainState, "The chain's state") },
	}),
};

export function auditRoutes(app: ApiApp) {
	app.openapi(routes.query, async (c) => c.json(await queryAudit(c.var.ctx, c.req.valid("query")), 200));
	app.openapi(routes.export, async (c) => {
		const { format, ...filter } = c.req.valid("query");
		const stream = await exportAudit(c.var.ctx, filter, format);
		return c.body(stream, 200, {
			"Content-Type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
			"Content-Disposition": `attachment; filename="audit.${format}"`,
		});
	});
	app.openapi(routes.verify, async (c) => c.json(await verifyAudit(c.var.ctx), 200));
}
