// The one path by which a request reaches PHI held under an alias: check the grant, and
// write the denial to the audit log before refusing, so failed access is on record too.
import { and, eq } from "drizzle-orm";
import { appendAudit } from "../audit/append";
import type { AuditDetails } from "../audit/chain";
import { aliases } from "../db/schema";
import { AppError } from "../errors";
import { callerEvent, type RequestContext } from "../request-context";
import { grantOn } from "./grants";
import { type Action, can } from "./rbac";

export interface Target {
	type: string;
	id: string;
}

/** Refuses (and audits) unless the caller may do `action` on the alias. Foreign ids are 404. */
export async function authoriseOnAlias(ctx: RequestContext, action: Action, aliasId: string, target: Target) {
	const alias = await ctx.db.query.aliases.findFirst({
		where: and(eq(aliases.id, aliasId), eq(aliases.orgId, ctx.principal.orgId)),
		columns: { id: true, class: true },
	});
	if (!alias) throw new AppError("not_found");
	const grant = await grantOn(ctx.db, ctx.principal, aliasId);
	if (!can(ctx.principal, action, { class: alias.class, grant })) {
		await denied(ctx, action, target, { aliasId });
	}
	return alias;
}

/** Refuses (and audits) unless the caller's role and scopes allow an org-level action. */
export async function authorise(ctx: RequestContext, action: Action, target: Target | null = null): Promise<void> {
	if (!can(ctx.principal, action)) await denied(ctx, action, target);
}

/** Writes one audit row for a successful action by the caller, with nothing else to commit. */
export function audit(ctx: RequestContext, action: string, target: Target | null, details: AuditDetails = {}) {
	return appendAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		callerEvent(ctx, { action, targetType: target?.type, targetId: target?.id, outcome: "success", details }),
	);
}

/** Audits a refused action and throws 403. */
export async function denied(
	ctx: RequestContext,
	action: string,
	target: Target | null,
	details: Record<string, string> = {},
): Promise<never> {
	await appendAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		callerEvent(ctx, { action, targetType: target?.type, targetId: target?.id, outcome: "denied", details }),
	);
	throw new AppError("forbidden");
}
