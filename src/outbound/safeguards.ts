// The org's outbound safeguards, gathered for one send: which recipients may receive PHI,
// which archive addresses must be in the envelope, which confidentiality notice applies.
import { and, eq, inArray } from "drizzle-orm";
import type { AliasRow } from "../aliases/resolve";
import type { Db } from "../db/client";
import { domains, recipients, teams } from "../db/schema";
import type { Config } from "../env";
import type { OrgSettings } from "../org/settings";
import type { RecipientStatus } from "../policy/outbound";
import { recipientIndex } from "../recipients/recipients";

const domainOf = (address: string) => address.slice(address.lastIndexOf("@") + 1);

export async function orgDomains(db: Db, orgId: string): Promise<Set<string>> {
	const rows = await db.select({ domain: domains.domain }).from(domains).where(eq(domains.orgId, orgId));
	return new Set(rows.map((r) => r.domain));
}

/**
 * Secure = on one of the org's own domains (mail to another alias of ours stays under these
 * same controls), or marked secure in the registry by address or by domain.
 */
export async function recipientStatuses(
	db: Db,
	config: Config,
	orgId: string,
	addresses: readonly string[],
): Promise<RecipientStatus[]> {
	const own = await orgDomains(db, orgId);
	const keys = await Promise.all(
		addresses.map(async (a) => ({
			address: a,
			byAddress: await recipientIndex(config.indexKey, "address", a),
			byDomain: await recipientIndex(config.indexKey, "domain", domainOf(a)),
		})),
	);
	const wanted = [...new Set(keys.flatMap((k) => [k.byAddress, k.byDomain]))];
	const secure = new Set<string>();
	// 90 per query keeps each lookup under D1's 100 bound parameters (2 per recipient, ≤ 50 recipients).
	for (let i = 0; i < wanted.length; i += 90) {
		const rows = await db
			.select({ valueIndex: recipients.valueIndex })
			.from(recipients)
			.where(
				and(
					eq(recipients.orgId, orgId),
					eq(recipients.secure, true),
					inArray(recipients.valueIndex, wanted.slice(i, i + 90)),
				),
			);
		for (const r of rows) secure.add(r.valueIndex);
	}
	return keys.map((k) => ({
		address: k.address,
		secure: own.has(domainOf(k.address)) || secure.has(k.byAddress) || secure.has(k.byDomain),
	}));
}

/** Every archive address that applies (org, the alias's team, the alias): all of them, always. */
export async function archiveAddresses(db: Db, settings: OrgSettings, alias: AliasRow): Promise<string[]> {
	const team = alias.teamId ? await db.query.teams.findFirst({ where: eq(teams.id, alias.teamId) }) : undefined;
	return [...new Set([settings.archiveBcc, team?.archiveBcc, alias.archiveBcc].filter((a): a is string => !!a))];
}

/** The alias's own notice wins over the org's. */
export function noticeFor(settings: OrgSettings, alias: AliasRow): string | null {
	return alias.notice ?? settings.confidentialityNotice;
}

/** Forwarding leaves the organisation only for addresses or domains on the allow-list. */
export function forwardAllowed(address: string, own: Set<string>, allowList: readonly string[]): boolean {
	const domain = domainOf(address);
	return own.has(domain) || allowList.includes(address) || allowList.includes(domain);
}
