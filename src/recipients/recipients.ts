// The registry of recipients allowed to receive PHI: an address, or a whole domain (a partner
// clinic with enforced TLS). Addresses are PHI themselves, so each entry is sealed under its own
// data key and found by blind index; who marked it and why are kept beside it.
import { and, desc, eq } from "drizzle-orm";
import { commitWithAudit } from "../audit/append";
import { audit, authorise } from "../auth/access";
import { blindIndex } from "../crypto/blind-index";
import { newDataKey, openDataKey, openJson, sealJson } from "../crypto/envelope";
import { recipients } from "../db/schema";
import { AppError } from "../errors";
import { newId } from "../ids";
import { callerEvent, type RequestContext } from "../request-context";

type RecipientRow = typeof recipients.$inferSelect;

export interface RecipientInput {
	kind: "address" | "domain";
	value: string;
	secure: boolean;
	reason: string;
}

async function view(ctx: RequestContext, r: RecipientRow) {
	const key = await openDataKey(ctx.config.keyring, r.keyId, r.wrappedKey);
	const { value } = await openJson<{ value: string }>(
		key,
		{ orgId: r.orgId, recordId: r.id, purpose: "recipient" },
		r.sealed,
	);
	const { id, kind, secure, reason, markedBy, verifiedAt, createdAt } = r;
	return { id, kind, value, secure, reason, markedBy, verifiedAt, createdAt };
}

export function recipientIndex(indexKey: CryptoKey, kind: RecipientInput["kind"], value: string) {
	return blindIndex(indexKey, kind === "address" ? "address" : "domain", value.toLowerCase());
}

export async function listRecipients(ctx: RequestContext) {
	await authorise(ctx, "recipient.read");
	const rows = await ctx.db
		.select()
		.from(recipients)
		.where(eq(recipients.orgId, ctx.principal.orgId))
		.orderBy(desc(recipients.createdAt));
	const data = await Promise.all(rows.map((r) => view(ctx, r)));
	await audit(ctx, "recipient.list", null, { count: data.length });
	return { data };
}

/** Adds an entry, or updates the existing entry for the same address/domain. */
export async function markRecipient(ctx: RequestContext, input: RecipientInput) {
	await authorise(ctx, "recipient.manage");
	const valueIndex = await recipientIndex(ctx.config.indexKey, input.kind, input.value);
	const existing = await ctx.db.query.recipients.findFirst({
		where: and(eq(recipients.orgId, ctx.principal.orgId), eq(recipients.valueIndex, valueIndex)),
	});
	const now = new Date().toISOString();
	const marking = { secure: input.secure, reason: input.reason, markedBy: ctx.principal.userId, verifiedAt: now };
	let row: RecipientRow;
	if (existing) {
		row = { ...existing, ...marking };
	} else {
		const id = newId("rcp");
		const dk = await newDataKey(ctx.config.keyring);
		const sealed = await sealJson(
			dk.key,
			{ orgId: ctx.principal.orgId, recordId: id, purpose: "recipient" },
			{
				value: input.value.toLowerCase(),
			},
		);
		row = {
			id,
			orgId: ctx.principal.orgId,
			kind: input.kind,
			valueIndex,
			wrappedKey: dk.wrapped,
			keyId: dk.keyId,
			sealed,
			createdAt: now,
			...marking,
		};
	}
	await commitWithAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[
			callerEvent(ctx, {
				action: existing ? "recipient.update" : "recipient.create",
				targetType: "recipient",
				targetId: row.id,
				outcome: "success",
				details: { kind: row.kind, secure: row.secure },
			}),
		],
		[
			existing
				? ctx.db.update(recipients).set(marking).where(eq(recipients.id, row.id))
				: ctx.db.insert(recipients).values(row),
		],
	);
	return view(ctx, row);
}

export async function removeRecipient(ctx: RequestContext, id: string) {
	await authorise(ctx, "recipient.manage", { type: "recipient", id });
	const row = await ctx.db.query.recipients.findFirst({
		where: and(eq(recipients.id, id), eq(recipients.orgId, ctx.principal.orgId)),
	});
	if (!row) throw new AppError("not_found");
	await commitWithAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[callerEvent(ctx, { action: "recipient.delete", targetType: "recipient", targetId: id, outcome: "success" })],
		[ctx.db.delete(recipients).where(eq(recipients.id, id))],
	);
	return { ok: true as const };
}
