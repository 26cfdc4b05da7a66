// Organisation-level settings: mail domains and policies.
import { asc, eq } from "drizzle-orm";
import { commitWithAudit } from "../audit/append";
import { audit, authorise } from "../auth/access";
import { domains, orgs } from "../db/schema";
import { AppError } from "../errors";
import { newId } from "../ids";
import { callerEvent, type RequestContext } from "../request-context";
import type { OrgSettings } from "./settings";
import { orgSettings } from "./settings-store";

export async function listDomains(ctx: RequestContext) {
	await authorise(ctx, "domain.read");
	const rows = await ctx.db
		.select()
		.from(domains)
		.where(eq(domains.orgId, ctx.principal.orgId))
		.orderBy(asc(domains.domain));
	await audit(ctx, "domain.list", null, { count: rows.length });
	return { data: rows.map(({ id, domain, createdAt }) => ({ id, domain, createdAt })) };
}

export async function addDomain(ctx: RequestContext, domain: string) {
	await authorise(ctx, "domain.manage");
	// Unique across orgs: an inbound address must map to exactly one tenant.
	if (await ctx.db.query.domains.findFirst({ where: eq(domains.domain, domain) })) {
		throw new AppError("conflict", "domain: already registered");
	}
	const id = newId("dom");
	const row = { id, orgId: ctx.principal.orgId, domain, createdAt: new Date().toISOString() };
	await commitWithAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[callerEvent(ctx, { action: "domain.create", targetType: "domain", targetId: id, outcome: "success" })],
		[ctx.db.insert(domains).values(row)],
	);
	return { id, domain, createdAt: row.createdAt };
}

export async function readPolicies(ctx: RequestContext) {
	await authorise(ctx, "policy.read");
	const settings = await orgSettings(ctx.db, ctx.principal.orgId);
	await audit(ctx, "policy.read", { type: "org", id: ctx.principal.orgId });
	return settings;
}

export async function updatePolicies(ctx: RequestContext, patch: Partial<OrgSettings>) {
	await authorise(ctx, "policy.manage", { type: "org", id: ctx.principal.orgId });
	const next = { ...(await orgSettings(ctx.db, ctx.principal.orgId)), ...patch };
	await commitWithAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[
			callerEvent(ctx, {
				action: "policy.update",
				targetType: "org",
				targetId: ctx.principal.orgId,
				outcome: "success",
				details: { fields: Object.keys(patch) },
			}),
		],
		[
			ctx.db
				.update(orgs)
				.set({ settings: JSON.stringify(next) })
				.where(eq(orgs.id, ctx.principal.orgId)),
		],
	);
	return next;
}
