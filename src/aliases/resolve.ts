// Which alias receives mail sent to an address (DESIGN §4 "Inbound").
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { aliases, domains } from "../db/schema";
import { aliasAddressOf } from "./address";

export type AliasRow = typeof aliases.$inferSelect;

export type Resolution =
	| { ok: true; alias: AliasRow /** ids followed, the addressed alias first */; via: string[] }
	| { ok: false; reason: "unknown_alias" | "alias_disabled" | "alias_expired"; orgId: string | null };

/**
 * An expired alias hands its mail to its successor, which may itself have expired. Five hops
 * cover any real chain of reorganisations and stop a misconfigured cycle.
 */
const MAX_SUCCESSOR_HOPS = 5;

export function isExpired(alias: AliasRow, now: Date): boolean {
	return alias.status === "expired" || (alias.expiresAt !== null && alias.expiresAt <= now.toISOString());
}

export async function resolveAlias(db: Db, envelopeTo: string, now = new Date()): Promise<Resolution> {
	const addr = aliasAddressOf(envelopeTo);
	if (!addr) return { ok: false, reason: "unknown_alias", orgId: null };
	const addressed = await db.query.aliases.findFirst({ where: eq(aliases.address, addr.address) });
	if (!addressed) {
		const domain = await db.query.domains.findFirst({ where: eq(domains.domain, addr.domain) });
		return { ok: false, reason: "unknown_alias", orgId: domain?.orgId ?? null };
	}
	let alias: AliasRow = addressed;
	const via = [alias.id];
	for (let hop = 0; ; hop++) {
		if (alias.status === "disabled") return { ok: false, reason: "alias_disabled", orgId: alias.orgId };
		if (!isExpired(alias, now)) return { ok: true, alias, via };
		if (!alias.successorId || hop >= MAX_SUCCESSOR_HOPS) {
			return { ok: false, reason: "alias_expired", orgId: alias.orgId };
		}
		const orgId = alias.orgId;
		const next: AliasRow | undefined = await db.query.aliases.findFirst({ where: eq(aliases.id, alias.successorId) });
		// A successor must belong to the same org; anything else is treated as no successor.
		if (!next || next.orgId !== orgId) return { ok: false, reason: "alias_expired", orgId };
		alias = next;
		via.push(alias.id);
	}
}
