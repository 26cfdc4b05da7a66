// Envelope encryption (DESIGN §3). Each record (message, conversation, recipient) gets its own
// 256-bit data key; the data key encrypts the record's fields with AES-256-GCM and is stored only
// wrapped (AES-KW) under a key-encryption key from the KEYS secret. Deleting the wrapped key
// shreds the record. The additional data binds every ciphertext to its org, record and purpose,
// so a ciphertext copied onto another row, or a body swapped with metadata, fails to open.
import { AppError } from "../errors";
import { fromBase64, fromUtf8, toBase64, utf8 } from "./encoding";
import type { Keyring } from "./keyring";

/** 96-bit IVs as GCM recommends; random per encryption (a data key seals only a few values). */
const IV_BYTES = 12;

export interface DataKey {
	key: CryptoKey;
	keyId: string;
	/** base64 of the AES-KW wrapped key, stored beside the record. */
	wrapped: string;
}

export interface SealContext {
	orgId: string;
	recordId: string;
	purpose: string;
}

function additionalData(ctx: SealContext): Uint8Array {
	return utf8.encode(`carepost:v1|${ctx.orgId}|${ctx.recordId}|${ctx.purpose}`);
}

export async function newDataKey(keyring: Keyring): Promise<DataKey> {
	const key = (await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, [
		"encrypt",
		"decrypt",
	])) as CryptoKey;
	const wrapped = await crypto.subtle.wrapKey("raw", key, keyring.kek(keyring.activeId), "AES-KW");
	return { key, keyId: keyring.activeId, wrapped: toBase64(new Uint8Array(wrapped)) };
}

export async function openDataKey(keyring: Keyring, keyId: string, wrapped: string): Promise<CryptoKey> {
	try {
		return await crypto.subtle.unwrapKey("raw", fromBase64(wrapped), keyring.kek(keyId), "AES-KW", "AES-GCM", false, [
			"encrypt",
			"decrypt",
		]);
	} catch (err) {
		if (err instanceof AppError) throw err;
		throw new AppError("integrity_failed");
	}
}

/** Returns IV ‖ ciphertext ‖ tag. */
export async function sealBytes(key: CryptoKey, ctx: SealContext, plaintext: Uint8Array): Promise<Uint8Array> {
	const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
	const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: additionalData(ctx) }, key, plaintext);
	const out = new Uint8Array(IV_BYTES + ct.byteLength);
	out.set(iv);
	out.set(new Uint8Array(ct), IV_BYTES);
	return out;
}

export async function openBytes(
	key: CryptoKey,
	ctx: SealContext,
	sealed: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
	try {
		const pt = await crypto.subtle.decrypt(
			{ name: "AES-GCM", iv: sealed.subarray(0, IV_BYTES), additionalData: additionalData(ctx) },
			key,
			sealed.subarray(IV_BYTES),
		);
		return new Uint8Array(pt);
	} catch {
		// GCM's tag check failed: the bytes, the record id or the org changed since sealing.
		throw new AppError("integrity_failed");
	}
}

export async function sealJson(key: CryptoKey, ctx: SealContext, value: unknown): Promise<string> {
	return toBase64(await sealBytes(key, ctx, utf8.encode(JSON.stringify(value))));
}

export async function openJson<T>(key: CryptoKey, ctx: SealContext, sealed: string): Promise<T> {
	return JSON.parse(fromUtf8.decode(await openBytes(key, ctx, fromBase64(sealed)))) as T;
}
