// Compliance access to the audit log: filtered pages, streamed exports, chain verification.
// Each of these is itself audited — who looked at the log is part of the log.
import { and, asc, desc, eq, gte, lt, lte } from "drizzle-orm";
import { decodeCursor, encodeCursor } from "../api/cursor";
import { audit, authorise } from "../auth/access";
import type { Db } from "../db/client";
import { auditEvents } from "../db/schema";
import type { RequestContext } from "../request-context";
import type { AuditRow } from "./chain";
import { verifyChain } from "./verify";

export interface AuditFilter {
	actor?: string | undefined;
	action?: string | undefined;
	targetType?: string | undefined;
	targetId?: string | undefined;
	from?: string | undefined;
	to?: string | undefined;
}

function where(orgId: string, f: AuditFilter) {
	return and(
		eq(auditEvents.orgId, orgId),
		f.actor ? eq(auditEvents.actorId, f.actor) : undefined,
		f.action ? eq(auditEvents.action, f.action) : undefined,
		f.targetType ? eq(auditEvents.targetType, f.targetType) : undefined,
		f.targetId ? eq(auditEvents.targetId, f.targetId) : undefined,
		f.from ? gte(auditEvents.at, f.from) : undefined,
		f.to ? lte(auditEvents.at, f.to) : undefined,
	);
}

export function auditView(r: AuditRow) {
	return { ...r, details: JSON.parse(r.details) as Record<string, unknown> };
}

export async function queryAudit(ctx: RequestContext, f: AuditFilter & { cursor?: string | undefined; limit: number }) {
	await authorise(ctx, "audit.read");
	const before = f.cursor ? Number(decodeCursor<[string]>(f.cursor, 1)[0]) : undefined;
	const rows = await ctx.db
		.select()
		.from(auditEvents)
		.where(and(where(ctx.principal.orgId, f), before ? lt(auditEvents.seq, before) : undefined))
		.orderBy(desc(auditEvents.seq))
		.limit(f.limit + 1);
	const page = rows.slice(0, f.limit);
	await audit(ctx, "audit.query", null, { count: page.length, ...(f.action ? { filterAction: f.action } : {}) });
	const last = page.at(-1);
	return {
		data: page.map(auditView),
		nextCursor: rows.length > f.limit && last ? encodeCursor([String(last.seq)]) : null,
	};
}

/** Rows per D1 query while exporting: memory stays at one page however long the range. */
export const EXPORT_PAGE_ROWS = 1000;

const CSV_COLUMNS = [
	"orgId",
	"seq",
	"at",
	"actorType",
	"actorId",
	"action",
	"targetType",
	"targetId",
	"outcome",
	"requestId",
	"details",
	"prevMac",
	"mac",
] as const;

/** RFC 4180 quoting. Values are exported verbatim so the file can be re-verified. */
function csvField(value: string | number | null): string {
	const s = value === null ? "" : String(value);
	return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function formatRow(row: AuditRow, format: "ndjson" | "csv"): string {
	if (format === "ndjson") return `${JSON.stringify(row)}\n`;
	return `${CSV_COLUMNS.map((c) => csvField(row[c])).join(",")}\r\n`;
}

/** Pulls one page per read: backpressure from the client paces the D1 queries. */
export function exportStream(
	db: Db,
	orgId: string,
	f: AuditFilter,
	format: "ndjson" | "csv",
): ReadableStream<Uint8Array> {
	const encoder = new TextEncoder();
	let afterSeq = 0;
	let headerSent = format === "ndjson";
	return new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				if (!headerSent) {
					headerSent = true;
					controller.enqueue(encoder.encode(`${CSV_COLUMNS.join(",")}\r\n`));
					return;
				}
				const page = await db
					.select()
					.from(auditEvents)
					.where(and(where(orgId, f), gte(auditEvents.seq, afterSeq + 1)))
					.orderBy(asc(auditEvents.seq))
					.limit(EXPORT_PAGE_ROWS);
				if (page.length > 0) {
					controller.enqueue(encoder.encode(page.map((r) => formatRow(r, format)).join("")));
					afterSeq = page.at(-1)?.seq ?? afterSeq;
				}
				if (page.length < EXPORT_PAGE_ROWS) controller.close();
			},
		},
		{ highWaterMark: 0 },
	);
}

export async function exportAudit(ctx: RequestContext, f: AuditFilter, format: "ndjson" | "csv") {
	await authorise(ctx, "audit.read");
	await audit(ctx, "audit.export", null, { format });
	return exportStream(ctx.db, ctx.principal.orgId, f, format);
}

export async function verifyAudit(ctx: RequestContext) {
	await authorise(ctx, "audit.read");
	const state = await verifyChain(ctx.db, ctx.config.auditKey, ctx.principal.orgId);
	await audit(ctx, "audit.verify", null, { ok: state.ok, count: state.count });
	return state;
}
