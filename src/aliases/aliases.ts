// Alias inventory and lifecycle: list, create (one or a thousand, all-or-nothing), change,
// disable. Only owner, admin and compliance change aliases; every change is audited in the
// batch that makes it.
import { and, asc, eq, gt, inArray } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { decodeCursor, encodeCursor } from "../api/cursor";
import { commitWithAudit } from "../audit/append";
import { audit, authorise, denied } from "../auth/access";
import { grantOn, readableAliasIds } from "../auth/grants";
import { aliases, domains, teams } from "../db/schema";
import { AppError } from "../errors";
import { newId } from "../ids";
import { orgSettings } from "../org/settings-store";
import { callerEvent, type RequestContext } from "../request-context";
import { checkAliasName, NAMING_MESSAGES } from "./naming";
import type { AliasRow } from "./resolve";

export interface AliasInput {
	localPart: string;
	domain: string;
	class: "clinical" | "administrative";
	displayName: string;
	teamId?: string | null | undefined;
	archiveBcc?: string | null | undefined;
	notice?: string | null | undefined;
	expiresAt?: string | null | undefined;
}

export type AliasPatch = Partial<Omit<AliasInput, "localPart" | "domain" | "class">> & {
	successorId?: string | null | undefined;
};

/** Roles that see the whole inventory; everyone else sees the aliases they hold grants on. */
const INVENTORY_ROLES = new Set(["owner", "admin", "compliance", "auditor"]);

/**
 * 14 columns per alias row: 7 rows per INSERT stays under D1's 100 bound parameters.
 */
const ALIAS_ROWS_PER_INSERT = 7;

export function aliasView(a: AliasRow) {
	const { orgId: _org, domainId: _domain, ...rest } = a;
	return rest;
}

export async function findAlias(ctx: RequestContext, id: string): Promise<AliasRow> {
	const alias = await ctx.db.query.aliases.findFirst({
		where: and(eq(aliases.id, id), eq(aliases.orgId, ctx.principal.orgId)),
	});
	if (!alias) throw new AppError("not_found");
	return alias;
}

export async function listAliases(
	ctx: RequestContext,
	f: {
		status?: AliasRow["status"] | undefined;
		class?: AliasRow["class"] | undefined;
		cursor?: string | undefined;
		limit: number;
	},
) {
	await authorise(ctx, "alias.list");
	const after = f.cursor ? decodeCursor<[string]>(f.cursor, 1)[0] : undefined;
	const rows = await ctx.db
		.select()
		.from(aliases)
		.where(
			and(
				eq(aliases.orgId, ctx.principal.orgId),
				INVENTORY_ROLES.has(ctx.principal.role)
					? undefined
					: inArray(aliases.id, readableAliasIds(ctx.db, ctx.principal)),
				f.status ? eq(aliases.status, f.status) : undefined,
				f.class ? eq(aliases.class, f.class) : undefined,
				after ? gt(aliases.address, after) : undefined,
			),
		)
		.orderBy(asc(aliases.address))
		.limit(f.limit + 1);
	const page = rows.slice(0, f.limit);
	await audit(ctx, "alias.list", null, { count: page.length });
	const last = page.at(-1);
	return { data: page.map(aliasView), nextCursor: rows.length > f.limit && last ? encodeCursor([last.address]) : null };
}

export async function getAlias(ctx: RequestContext, id: string) {
	await authorise(ctx, "alias.list", { type: "alias", id });
	const alias = await findAlias(ctx, id);
	// As in the list: outside the inventory roles, only aliases the caller holds a grant on.
	if (!INVENTORY_ROLES.has(ctx.principal.role) && !(await grantOn(ctx.db, ctx.principal, id))) {
		await denied(ctx, "alias.list", { type: "alias", id });
	}
	await audit(ctx, "alias.read", { type: "alias", id });
	return aliasView(alias);
}

/** Validates a batch of new aliases against naming, domains, teams and existing addresses. */
async function prepareAliases(ctx: RequestContext, inputs: AliasInput[]): Promise<AliasRow[]> {
	const settings = await orgSettings(ctx.db, ctx.principal.orgId);
	const policy = { pattern: settings.aliasPattern, denylist: settings.aliasDenylist };
	const orgDomains = await ctx.db.select().from(domains).where(eq(domains.orgId, ctx.principal.orgId));
	const domainIds = new Map(orgDomains.map((d) => [d.domain, d.id]));
	const teamIds = new Set(
		(await ctx.db.select({ id: teams.id }).from(teams).where(eq(teams.orgId, ctx.principal.orgId))).map((t) => t.id),
	);
	const problems: string[] = [];
	const seen = new Set<string>();
	const now = new Date().toISOString();
	const rows: AliasRow[] = inputs.map((input, i) => {
		const at = inputs.length > 1 ? `aliases[${i}].` : "";
		const violations = checkAliasName(input.localPart, policy);
		for (const v of violations) problems.push(`${at}localPart: ${NAMING_MESSAGES[v]}`);
		const domainId = domainIds.get(input.domain);
		if (!domainId) problems.push(`${at}domain: not one of the organisation's domains`);
		if (input.teamId && !teamIds.has(input.teamId)) problems.push(`${at}teamId: no such team`);
		if (input.expiresAt && input.expiresAt <= now) problems.push(`${at}expiresAt: must be in the future`);
		const address = `${input.localPart}@${input.domain}`;
		if (seen.has(address)) problems.push(`${at}localPart: duplicated in this request`);
		seen.add(address);
		return {
			id: newId("als"),
			orgId: ctx.principal.orgId,
			domainId: domainId ?? "",
			localPart: input.localPart,
			address,
			class: input.class,
			teamId: input.teamId ?? null,
			displayName: input.displayName,
			archiveBcc: input.archiveBcc ?? null,
			notice: input.notice ?? null,
			status: "active",
			expiresAt: input.expiresAt ?? null,
			successorId: null,
			createdAt: now,
		};
	});
	// Existing addresses, looked up in chunks under the 100-parameter limit.
	const addresses = [...seen];
	for (let i = 0; i < addresses.length; i += 90) {
		const taken = await ctx.db
			.select({ address: aliases.address })
			.from(aliases)
			.where(inArray(aliases.address, addresses.slice(i, i + 90)));
		for (const t of taken) problems.push(`${t.address.split("@")[0]}: an alias with this address exists`);
	}
	if (problems.length > 0) {
		// The first ten are enough to fix a request; the count says how many more there are.
		const more = problems.length > 10 ? ` (and ${problems.length - 10} more)` : "";
		throw new AppError("unprocessable", `${problems.slice(0, 10).join("; ")}${more}`);
	}
	return rows;
}

export async function createAliases(ctx: RequestContext, inputs: AliasInput[]) {
	await authorise(ctx, "alias.write");
	const rows = await prepareAliases(ctx, inputs);
	const inserts: BatchItem<"sqlite">[] = [];
	for (let i = 0; i < rows.length; i += ALIAS_ROWS_PER_INSERT) {
		inserts.push(ctx.db.insert(aliases).values(rows.slice(i, i + ALIAS_ROWS_PER_INSERT)));
	}
	const single = rows.length === 1 ? rows[0] : undefined;
	await commitWithAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[
			callerEvent(ctx, {
				action: single ? "alias.create" : "alias.bulk_create",
				targetType: single ? "alias" : null,
				targetId: single?.id ?? null,
				outcome: "success",
				details: single ? { class: single.class } : { count: rows.length, aliasIds: rows.map((r) => r.id) },
			}),
		],
		inserts,
	);
	return rows.map(aliasView);
}

export async function updateAlias(ctx: RequestContext, id: string, patch: AliasPatch) {
	await authorise(ctx, "alias.write", { type: "alias", id });
	const alias = await findAlias(ctx, id);
	if (
		patch.teamId &&
		!(await ctx.db.query.teams.findFirst({ where: and(eq(teams.id, patch.teamId), eq(teams.orgId, alias.orgId)) }))
	) {
		throw new AppError("unprocessable", "teamId: no such team");
	}
	if (patch.successorId) {
		if (patch.successorId === id) throw new AppError("unprocessable", "successorId: an alias cannot succeed itself");
		await findAlias(ctx, patch.successorId).catch(() => {
			throw new AppError("unprocessable", "successorId: no such alias");
		});
	}
	return changeAlias(ctx, alias, patch, "alias.update");
}

export async function disableAlias(ctx: RequestContext, id: string) {
	await authorise(ctx, "alias.write", { type: "alias", id });
	return changeAlias(ctx, await findAlias(ctx, id), { status: "disabled" }, "alias.disable");
}

async function changeAlias(ctx: RequestContext, alias: AliasRow, patch: Partial<AliasRow>, action: string) {
	await commitWithAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[
			callerEvent(ctx, {
				action,
				targetType: "alias",
				targetId: alias.id,
				outcome: "success",
				details: { fields: Object.keys(patch) },
			}),
		],
		[ctx.db.update(aliases).set(patch).where(eq(aliases.id, alias.id))],
	);
	return aliasView({ ...alias, ...patch });
}
