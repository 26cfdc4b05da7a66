// Builds a tenant in the test database: org, domain, users with tokens, aliases and grants.
// Every call makes a fresh org with its own random domain, so tests never collide.
import { env } from "cloudflare:workers";
import type { GrantRole, OrgRole, Scope } from "../../src/auth/rbac";
import { SCOPES } from "../../src/auth/rbac";
import { generateToken } from "../../src/auth/tokens";
import { openDb } from "../../src/db/client";
import { aliases, aliasGrants, domains, orgs, teamMembers, teams, tokens, users } from "../../src/db/schema";
import { newId } from "../../src/ids";

export const db = openDb(env.DB);

export interface TestUser {
	id: string;
	token: string;
	tokenId: string;
}

export interface TestOrg {
	orgId: string;
	domain: string;
	alias(local: string): string;
	aliasId(local: string): string;
}

export async function createOrg(
	aliasSpecs: { local: string; class?: "clinical" | "administrative"; status?: "active" | "disabled" | "expired" }[] = [
		{ local: "cardiology-referrals", class: "clinical" },
		{ local: "billing" },
	],
): Promise<TestOrg> {
	const orgId = newId("org");
	const domain = `${orgId.slice(4, 14)}.clinic.test`;
	const domainId = newId("dom");
	await db.insert(orgs).values({ id: orgId, name: `Org ${orgId}` });
	await db.insert(domains).values({ id: domainId, orgId, domain });
	const ids = new Map<string, string>();
	for (const spec of aliasSpecs) {
		const id = newId("als");
		ids.set(spec.local, id);
		await db.insert(aliases).values({
			id,
			orgId,
			domainId,
			localPart: spec.local,
			address: `${spec.local}@${domain}`,
			class: spec.class ?? "administrative",
			displayName: spec.local,
			status: spec.status ?? "active",
		});
	}
	return {
		orgId,
		domain,
		alias: (local) => `${local}@${domain}`,
		aliasId: (local) => {
			const id = ids.get(local);
			if (!id) throw new Error(`no alias ${local}`);
			return id;
		},
	};
}

export async function createUser(
	org: TestOrg,
	opts: {
		role?: OrgRole;
		clinical?: boolean;
		scopes?: Scope[];
		grants?: Record<string, GrantRole>;
		token?: { expiresAt?: string; revokedAt?: string };
	} = {},
): Promise<TestUser> {
	const id = newId("usr");
	await db.insert(users).values({
		id,
		orgId: org.orgId,
		email: `${id}@staff.test`,
		name: "Test User",
		role: opts.role ?? "member",
		clinical: opts.clinical ?? false,
	});
	for (const [local, role] of Object.entries(opts.grants ?? {})) {
		await db
			.insert(aliasGrants)
			.values({ aliasId: org.aliasId(local), principalType: "user", principalId: id, role, orgId: org.orgId });
	}
	const { secret, hash } = await generateToken();
	const tokenId = newId("tok");
	await db.insert(tokens).values({
		id: tokenId,
		orgId: org.orgId,
		userId: id,
		name: "test",
		hash,
		scopes: JSON.stringify(opts.scopes ?? [...SCOPES]),
		expiresAt: opts.token?.expiresAt ?? null,
		revokedAt: opts.token?.revokedAt ?? null,
	});
	return { id, token: secret, tokenId };
}

/** A team holding `role` on an alias, with `userId` as its member. */
export async function grantViaTeam(org: TestOrg, userId: string, local: string, role: GrantRole) {
	const teamId = newId("team");
	await db.insert(teams).values({ id: teamId, orgId: org.orgId, name: "Team" });
	await db.insert(teamMembers).values({ teamId, userId, orgId: org.orgId });
	await db
		.insert(aliasGrants)
		.values({ aliasId: org.aliasId(local), principalType: "team", principalId: teamId, role, orgId: org.orgId });
}
