// An organisation's policies (stored as JSON in orgs.settings): what every outbound message
// carries, how aliases are named, how long mail is kept. Pure: parse and defaults only.
import { z } from "@hono/zod-openapi";
import { HeaderSafeText, MailAddress } from "../api/schemas";

/** Default naming: lower-case department/role words joined by hyphens (cardiology-referrals). */
export const DEFAULT_ALIAS_PATTERN = "^[a-z]+(-[a-z0-9]+)*$";

/**
 * A pattern is compiled for every alias created; a long or pathological one could stall the
 * Worker (catastrophic backtracking). 200 characters is ample for a naming convention.
 */
const MAX_PATTERN_LENGTH = 200;

/** Six years: HIPAA's documentation retention (45 CFR 164.316(b)(2)) is the usual floor. */
export const DEFAULT_RETENTION_DAYS = 6 * 365;

const Pattern = z
	.string()
	.min(1)
	.max(MAX_PATTERN_LENGTH)
	.refine((p) => {
		try {
			new RegExp(p);
			return true;
		} catch {
			return false;
		}
	}, "not a valid regular expression");

export const OrgSettings = z
	.object({
		confidentialityNotice: z.string().max(2000).nullable(),
		archiveBcc: MailAddress.nullable(),
		aliasPattern: Pattern,
		/** Words refused in alias names (e.g. surnames of well-known patients, study codes). */
		aliasDenylist: z.array(z.string().regex(/^[a-z0-9]{2,32}$/)).max(500),
		retentionDays: z
			.number()
			.int()
			.min(30)
			.max(365 * 30),
		/**
		 * Outside addresses or domains mail may be forwarded to (besides the org's own domains).
		 * Forwarding copies a whole patient message, so it is closed by default.
		 */
		forwardAllowList: z
			.array(
				z
					.string()
					.max(254)
					.regex(/^[a-z0-9._%+-]*@?[a-z0-9-]+(\.[a-z0-9-]+)+$/),
			)
			.max(200),
		/** Shown as the From display name's organisation part, e.g. "Cardiology — Demo Clinic". */
		displayName: HeaderSafeText.max(120).nullable(),
	})
	.openapi("Policies");

export type OrgSettings = z.infer<typeof OrgSettings>;

export const DEFAULT_SETTINGS: OrgSettings = {
	confidentialityNotice: null,
	archiveBcc: null,
	aliasPattern: DEFAULT_ALIAS_PATTERN,
	aliasDenylist: [],
	retentionDays: DEFAULT_RETENTION_DAYS,
	forwardAllowList: [],
	displayName: null,
};

/** Stored settings over the defaults; a stored value that no longer validates falls back. */
export function parseSettings(json: string): OrgSettings {
	let stored: unknown;
	try {
		stored = JSON.parse(json);
	} catch {
		stored = {};
	}
	const merged = { ...DEFAULT_SETTINGS, ...(typeof stored === "object" && stored ? stored : {}) };
	const parsed = OrgSettings.safeParse(merged);
	return parsed.success ? parsed.data : DEFAULT_SETTINGS;
}
