// Mail loops: our own outbound mail carries LOOP_MARKER_HEADER; seeing it come back in means
// a forward or auto-reply is bouncing mail between us and someone else. Independently, RFC 5321
// §6.3 recommends counting Received fields: a message that has crossed too many hops is looping.
// Both checks read only the top-level header block of the raw bytes, before any MIME parsing.

export const LOOP_MARKER_HEADER = "X-Carepost-Loop";

/**
 * sendmail's MaxHopCount default is 25, Postfix's hopcount_limit 50. Legitimate mail crosses
 * fewer than 15 hops; 30 leaves room for relays and list servers and still stops a loop early.
 */
export const MAX_RECEIVED_HOPS = 30;

/** Only this much of the message is scanned for the header block (bounded work on any input). */
const HEADER_SCAN_BYTES = 256 * 1024;

const latin1 = new TextDecoder("latin1");

function topHeaderBlock(raw: Uint8Array): string {
	const head = latin1.decode(raw.subarray(0, HEADER_SCAN_BYTES));
	const end = head.search(/\r?\n\r?\n/);
	return end === -1 ? head : head.slice(0, end);
}

export type LoopVerdict = { loop: false } | { loop: true; reason: "loop_marker" | "too_many_hops" };

export function detectLoop(raw: Uint8Array): LoopVerdict {
	const block = topHeaderBlock(raw);
	// Header names start a line; folded continuation lines start with whitespace and never match.
	const marker = new RegExp(`^${LOOP_MARKER_HEADER}:`, "im");
	if (marker.test(block)) return { loop: true, reason: "loop_marker" };
	const hops = block.match(/^received:/gim)?.length ?? 0;
	if (hops > MAX_RECEIVED_HOPS) return { loop: true, reason: "too_many_hops" };
	return { loop: false };
}
