// Alias naming policy (pure, table-tested). An alias name is seen by every patient who writes
// to it, so it must follow the org's convention and must never carry a patient identifier.

export type NamingViolation =
	| "invalid_characters"
	| "length"
	| "pattern"
	| "looks_like_date"
	| "digit_run"
	| "looks_like_ssn"
	| "looks_like_mrn"
	| "denylisted_word";

/** Lower-case ASCII letters, digits, dot, underscore, hyphen: no look-alike (homograph) names. */
const CHARSET = /^[a-z0-9._-]*$/;
/** Two characters minimum (no single letters); 64 is RFC 5321's local-part limit. */
const MIN_LENGTH = 2;
const MAX_LENGTH = 64;

// Patient-identifier shapes. Each is deliberately broad: a false refusal costs an admin a
// rename, a false acceptance publishes a patient identifier in an address.
/** ISO (2024-03-01), US (03-01-2024, 3.1.24) and compact (20240301 — also a digit run) dates. */
const DATE = /(^|[^0-9])(\d{4}[-._]\d{1,2}[-._]\d{1,2}|\d{1,2}[-._]\d{1,2}[-._]\d{2,4})([^0-9]|$)/;
/** Five or more digits in a row: MRNs, account numbers, phone fragments, compact dates. */
const DIGIT_RUN = /\d{5,}/;
/** SSN shape 123-45-6789 / 123.45.6789 (the undelimited form is a digit run). */
const SSN = /(^|[^0-9])\d{3}[-._]\d{2}[-._]\d{4}([^0-9]|$)/;
/** "mrn", "pt" or "patient" followed by digits, with or without a separator (mrn-4411, pt_12). */
const MRN = /(^|[-._])(mrn|pt|patient|acct)[-._]?\d{2,}/;

export interface NamingPolicy {
	pattern: string;
	denylist: readonly string[];
}

/** Returns every rule the name breaks (empty = acceptable). */
export function checkAliasName(local: string, policy: NamingPolicy): NamingViolation[] {
	const out: NamingViolation[] = [];
	if (!CHARSET.test(local)) out.push("invalid_characters");
	if (local.length < MIN_LENGTH || local.length > MAX_LENGTH) out.push("length");
	if (DATE.test(local)) out.push("looks_like_date");
	if (DIGIT_RUN.test(local)) out.push("digit_run");
	if (SSN.test(local)) out.push("looks_like_ssn");
	if (MRN.test(local)) out.push("looks_like_mrn");
	const words = local.split(/[-._]+/);
	if (policy.denylist.some((w) => words.includes(w))) out.push("denylisted_word");
	if (!new RegExp(policy.pattern).test(local)) out.push("pattern");
	return out;
}

export const NAMING_MESSAGES: Record<NamingViolation, string> = {
	invalid_characters: "use only lower-case letters, digits, '.', '_' and '-'",
	length: `use ${MIN_LENGTH} to ${MAX_LENGTH} characters`,
	pattern: "does not follow the organisation's naming pattern",
	looks_like_date: "looks like a date (a possible patient identifier)",
	digit_run: "contains 5 or more digits in a row (a possible patient identifier)",
	looks_like_ssn: "looks like a Social Security number",
	looks_like_mrn: "looks like a medical record number",
	denylisted_word: "contains a word on the organisation's denylist",
};
