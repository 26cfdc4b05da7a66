// API tokens: 256 random bits, shown once, stored only as SHA-256. The visible prefix lets a
// leaked token be recognised in logs and secret scanners without revealing the secret.
import { toHex, utf8 } from "../crypto/encoding";

export const TOKEN_PREFIX = "cpt_";
/** 32 bytes = 256 bits of entropy: unguessable, and a plain SHA-256 is then a safe verifier. */
const TOKEN_BYTES = 32;

function base64url(bytes: Uint8Array): string {
	return btoa(String.fromCharCode(...bytes))
		.replaceAll("+", "-")
		.replaceAll("/", "_")
		.replace(/=+$/, "");
}

export async function hashToken(secret: string): Promise<string> {
	return toHex(await crypto.subtle.digest("SHA-256", utf8.encode(secret)));
}

export async function generateToken(): Promise<{ secret: string; hash: string }> {
	const secret = TOKEN_PREFIX + base64url(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
	return { secret, hash: await hashToken(secret) };
}

/** A bearer value that cannot be one of our tokens is refused before any lookup. */
export function looksLikeToken(value: string): boolean {
	return /^cpt_[A-Za-z0-9_-]{43}$/.test(value);
}
