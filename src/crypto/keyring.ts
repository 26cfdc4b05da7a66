// Imports the key material held in Worker secrets. KEYS is a JSON map of key id → base64
// 256-bit key-encryption key; ACTIVE_KEY_ID names the one that wraps new data keys. Older ids
// stay in KEYS so data wrapped under them can still be opened after a rotation.
import { AppError } from "../errors";
import { fromBase64 } from "./encoding";

export interface Keyring {
	activeId: string;
	kek(id: string): CryptoKey;
}

function decodeKey(name: string, value: unknown): Uint8Array {
	if (typeof value !== "string") throw new AppError("misconfigured", `${name} is missing`);
	let bytes: Uint8Array;
	try {
		bytes = fromBase64(value.trim());
	} catch {
		throw new AppError("misconfigured", `${name} is not base64`);
	}
	// AES-256 and HMAC-SHA-256 both want 32 bytes; a shorter key is a configuration mistake.
	if (bytes.length !== 32) throw new AppError("misconfigured", `${name} must be 32 bytes`);
	return bytes;
}

export async function importKeyring(keysJson: string | undefined, activeId: string | undefined): Promise<Keyring> {
	let map: Record<string, unknown>;
	try {
		map = JSON.parse(keysJson ?? "");
	} catch {
		throw new AppError("misconfigured", "KEYS is not a JSON object");
	}
	if (!map || typeof map !== "object") throw new AppError("misconfigured", "KEYS is not a JSON object");
	const keks = new Map<string, CryptoKey>();
	for (const [id, value] of Object.entries(map)) {
		const raw = decodeKey(`KEYS.${id}`, value);
		keks.set(id, await crypto.subtle.importKey("raw", raw, "AES-KW", false, ["wrapKey", "unwrapKey"]));
	}
	if (!activeId || !keks.has(activeId)) throw new AppError("misconfigured", "ACTIVE_KEY_ID is not in KEYS");
	return {
		activeId,
		kek(id) {
			const key = keks.get(id);
			// A stored key id that is no longer configured means the data cannot be opened.
			if (!key) throw new AppError("integrity_failed", "The key that sealed this record is not configured.");
			return key;
		},
	};
}

export async function importHmacKey(name: string, value: string | undefined): Promise<CryptoKey> {
	return crypto.subtle.importKey("raw", decodeKey(name, value), { name: "HMAC", hash: "SHA-256" }, false, [
		"sign",
		"verify",
	]);
}
