// Envelope recipient → alias address. Pure: no I/O, tested table-driven.

/** RFC 5321 §4.5.3.1: a mailbox is at most 254 octets in practice (local 64 + @ + domain). */
const MAX_ADDRESS_LENGTH = 254;

/**
 * Alias local parts are restricted to lower-case ASCII letters, digits, dot, underscore and
 * hyphen, so look-alike (homograph) aliases cannot exist. The domain is ASCII/punycode.
 */
const LOCAL_PART = /^[a-z0-9._-]{1,64}$/;
const DOMAIN = /^(?=.{1,253}$)[a-z0-9-]+(\.[a-z0-9-]+)+$/;

export interface AliasAddress {
	local: string;
	domain: string;
	address: string;
}

/**
 * Lower-cases the envelope recipient and strips a `+tag` (`billing+invoices@` → `billing@`),
 * so plus-addressing reaches the alias. Returns null for anything that cannot be an alias.
 */
export function aliasAddressOf(envelopeTo: string): AliasAddress | null {
	const value = envelopeTo.trim().toLowerCase();
	if (value.length === 0 || value.length > MAX_ADDRESS_LENGTH) return null;
	const at = value.lastIndexOf("@");
	if (at <= 0) return null;
	const local = value.slice(0, at).split("+", 1)[0] ?? "";
	const domain = value.slice(at + 1);
	if (!LOCAL_PART.test(local) || !DOMAIN.test(domain)) return null;
	return { local, domain, address: `${local}@${domain}` };
}
