// Blind indexes: HMAC-SHA-256 keyed with INDEX_KEY, so D1 can answer "which row has this
// address / Message-ID?" by equality without holding the value. The purpose label keeps an
// index of one kind from matching a value of another kind.
import { toBase64, utf8 } from "./encoding";

export type IndexPurpose = "address" | "message-id" | "raw-digest" | "domain" | "idempotency";

export async function blindIndex(
	indexKey: CryptoKey,
	purpose: IndexPurpose,
	value: string | Uint8Array,
): Promise<string> {
	const label = utf8.encode(`${purpose}\u0000`);
	const body = typeof value === "string" ? utf8.encode(value) : value;
	const data = new Uint8Array(label.length + body.length);
	data.set(label);
	data.set(body, label.length);
	const mac = await crypto.subtle.sign("HMAC", indexKey, data);
	return toBase64(new Uint8Array(mac));
}
