// postal-mime under explicit limits. A message that breaks a limit or will not parse is not
// an error for the sender: the caller stores it raw and quarantined, so nothing is dropped.
import PostalMime, { type Address, type Email } from "postal-mime";

/**
 * MIME nesting depth. Real mail nests a few levels (mixed > alternative > related, plus a
 * forwarded message or two); each level costs a parser node and recursion, so a crafted
 * message nested thousands deep is a CPU and stack hazard. 32 is far past legitimate use.
 */
export const MAX_MIME_DEPTH = 32;

/**
 * Total header bytes across all parts. Long Received/ARC/DKIM chains stay well under 64 KiB;
 * Exchange Online refuses messages with more than 256 KiB of headers, so we accept up to that
 * and no more — header parsing is the costliest per byte (decoding, unfolding, splitting).
 */
export const MAX_HEADER_BYTES = 256 * 1024;

/**
 * Inline message/rfc822 parsing depth. Each level re-parses the enclosed message; a forward
 * of a forward of a forward is plausible, ten levels is an attack. Deeper levels are kept as
 * attachments (postal-mime's own behaviour), not refused.
 */
export const MAX_RFC822_DEPTH = 5;

/**
 * Attachments and inline parts. Each becomes an entry in the sealed metadata and a row in the
 * reader's list; clinical mail with a few dozen scans is normal, thousands of parts is a
 * denial-of-service shape (and would push the metadata past what a D1 row should hold).
 */
export const MAX_PARTS = 250;

/** The limits above as postal-mime options; reading a stored message parses under the same. */
export const PARSE_LIMITS = {
	maxNestingDepth: MAX_MIME_DEPTH,
	maxHeadersSize: MAX_HEADER_BYTES,
	maxRfc822NestingDepth: MAX_RFC822_DEPTH,
} as const;

export type QuarantineReason = "parse_error" | "mime_depth" | "header_size" | "too_many_parts" | "no_headers";

export type ParseResult = { ok: true; email: Email } | { ok: false; reason: QuarantineReason };

export async function parseMail(raw: Uint8Array): Promise<ParseResult> {
	let email: Email;
	try {
		email = await PostalMime.parse(raw, PARSE_LIMITS);
	} catch (err) {
		const text = err instanceof Error ? err.message : "";
		if (text.includes("nesting depth")) return { ok: false, reason: "mime_depth" };
		if (text.includes("header size")) return { ok: false, reason: "header_size" };
		return { ok: false, reason: "parse_error" };
	}
	if (email.headers.length === 0) return { ok: false, reason: "no_headers" };
	if (email.attachments.length > MAX_PARTS) return { ok: false, reason: "too_many_parts" };
	return { ok: true, email };
}

export interface Mailbox {
	name: string;
	address: string;
}

/** Flattens postal-mime's address groups into plain mailboxes. */
export function mailboxes(list: Address[] | Address | undefined): Mailbox[] {
	const out: Mailbox[] = [];
	for (const a of Array.isArray(list) ? list : list ? [list] : []) {
		if (a.group) out.push(...mailboxes(a.group));
		else out.push({ name: a.name ?? "", address: a.address ?? "" });
	}
	return out;
}

/** Message-IDs without angle brackets, in order, from a Message-ID/In-Reply-To/References value. */
export function messageIds(value: string | undefined): string[] {
	if (!value) return [];
	const bracketed = value.match(/<[^<>\s]+>/g);
	if (bracketed) return bracketed.map((id) => id.slice(1, -1));
	// Some clients omit the brackets; accept a lone bare token rather than lose the thread.
	const bare = value.trim();
	return bare && !/\s/.test(bare) ? [bare] : [];
}
