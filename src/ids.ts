// Prefixed random ids (org_, usr_, als_, cnv_, msg_, tok_ …): 128 random bits, base32 lower-case,
// so an id says what it names and cannot be guessed or enumerated.
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

export type IdPrefix = "org" | "dom" | "usr" | "tok" | "team" | "als" | "rcp" | "cnv" | "msg" | "req";

export function newId(prefix: IdPrefix): string {
	const bytes = crypto.getRandomValues(new Uint8Array(16));
	let out = "";
	let bits = 0;
	let acc = 0;
	for (const b of bytes) {
		// Keep only the bits not yet emitted (at most 12), so the accumulator never overflows.
		acc = ((acc << 8) | b) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out += ALPHABET[(acc >> bits) & 31];
		}
	}
	if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
	return `${prefix}_${out}`;
}
