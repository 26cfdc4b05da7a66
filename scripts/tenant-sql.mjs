// SQL that creates a tenant (org, domain, first user and token, optional aliases), shared by
// `npm start` (the demo org, idempotent) and `npm run bootstrap` (a real org, exactly once).
// Runs in Node; the formats match src/ids.ts and src/auth/tokens.ts.
import { createHash, randomBytes } from "node:crypto";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** Same shape as src/ids.ts: prefix + 26 base32 characters (128 random bits). */
export function newId(prefix) {
	// One byte per character; 256 is a multiple of 32, so `% 32` is unbiased (130 random bits).
	const bytes = randomBytes(26);
	let out = "";
	for (const b of bytes) out += BASE32[b % 32];
	return `${prefix}_${out}`;
}

/** Same format as src/auth/tokens.ts: "cpt_" + base64url of 32 random bytes. */
export function newToken() {
	return `cpt_${randomBytes(32).toString("base64url")}`;
}

const q = (value) => `'${String(value).replaceAll("'", "''")}'`;

/**
 * @param t tenant: { orgId, orgName, domainId, domain, user: { id, email, name, role, clinical },
 *   tokenId, token, aliases: [{ id, local, class, name }] }
 * @param idempotent true: re-running changes nothing (demo); false: a conflict fails loudly.
 */
export function tenantSql(t, idempotent) {
	const insert = idempotent ? "INSERT OR IGNORE INTO" : "INSERT INTO";
	const hash = createHash("sha256").update(t.token).digest("hex");
	const stmts = [
		`${insert} orgs (id, name) VALUES (${q(t.orgId)}, ${q(t.orgName)});`,
		`${insert} domains (id, org_id, domain) VALUES (${q(t.domainId)}, ${q(t.orgId)}, ${q(t.domain)});`,
		`${insert} users (id, org_id, email, name, role, clinical) VALUES (${q(t.user.id)}, ${q(t.orgId)}, ${q(t.user.email)}, ${q(t.user.name)}, ${q(t.user.role)}, ${t.user.clinical ? 1 : 0});`,
		`INSERT INTO tokens (id, org_id, user_id, name, hash, scopes) VALUES (${q(t.tokenId)}, ${q(t.orgId)}, ${q(t.user.id)}, 'bootstrap', ${q(hash)}, '["admin"]') ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, revoked_at = NULL;`,
	];
	for (const a of t.aliases ?? []) {
		stmts.push(
			`${insert} aliases (id, org_id, domain_id, local_part, address, class, display_name) VALUES (${q(a.id)}, ${q(t.orgId)}, ${q(t.domainId)}, ${q(a.local)}, ${q(`${a.local}@${t.domain}`)}, ${q(a.class)}, ${q(a.name)});`,
			// Reading mail needs a grant even for an admin (minimum necessary access).
			`${insert} alias_grants (alias_id, principal_type, principal_id, role, org_id) VALUES (${q(a.id)}, 'user', ${q(t.user.id)}, 'manager', ${q(t.orgId)});`,
		);
	}
	return stmts.join("\n");
}
