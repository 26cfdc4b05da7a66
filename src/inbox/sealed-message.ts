// One message's envelope: a fresh data key seals the raw bytes (stored in R2) and the metadata
// (stored in D1), each bound to org + message id + purpose. Used by inbound storage, outbound
// sending, reading and delivery, so there is one definition of how a message is sealed.
import { newDataKey, openBytes, openDataKey, openJson, sealBytes, sealJson } from "../crypto/envelope";
import type { Keyring } from "../crypto/keyring";
import { AppError } from "../errors";
import type { MessageMeta } from "../inbound/meta";

export interface SealedMessage {
	r2Key: string;
	wrappedKey: string;
	keyId: string;
	sealed: string;
	body: Uint8Array;
}

export function bodyKey(orgId: string, messageId: string): string {
	return `org/${orgId}/msg/${messageId}`;
}

export async function sealMessage(
	keyring: Keyring,
	orgId: string,
	messageId: string,
	raw: Uint8Array,
	meta: MessageMeta,
): Promise<SealedMessage> {
	const dk = await newDataKey(keyring);
	return {
		r2Key: bodyKey(orgId, messageId),
		wrappedKey: dk.wrapped,
		keyId: dk.keyId,
		sealed: await sealJson(dk.key, { orgId, recordId: messageId, purpose: "meta" }, meta),
		body: await sealBytes(dk.key, { orgId, recordId: messageId, purpose: "raw" }, raw),
	};
}

export interface StoredMessage {
	id: string;
	orgId: string;
	keyId: string;
	wrappedKey: string | null;
	sealed: string | null;
	r2Key: string | null;
}

/** Opens metadata and raw bytes; throws gone for a shredded message, integrity_failed if tampered. */
export async function openSealedMessage(
	keyring: Keyring,
	bucket: R2Bucket,
	row: StoredMessage,
): Promise<{ meta: MessageMeta; raw: Uint8Array<ArrayBuffer> }> {
	if (!row.wrappedKey || !row.sealed || !row.r2Key) throw new AppError("gone");
	const key = await openDataKey(keyring, row.keyId, row.wrappedKey);
	const meta = await openJson<MessageMeta>(key, { orgId: row.orgId, recordId: row.id, purpose: "meta" }, row.sealed);
	const object = await bucket.get(row.r2Key);
	if (!object) throw new AppError("integrity_failed");
	const raw = await openBytes(
		key,
		{ orgId: row.orgId, recordId: row.id, purpose: "raw" },
		new Uint8Array(await object.arrayBuffer()),
	);
	return { meta, raw };
}

/** Metadata only (listing a conversation), without touching R2. */
export async function openMessageMeta(keyring: Keyring, row: StoredMessage): Promise<MessageMeta | null> {
	if (!row.wrappedKey || !row.sealed) return null;
	const key = await openDataKey(keyring, row.keyId, row.wrappedKey);
	return openJson<MessageMeta>(key, { orgId: row.orgId, recordId: row.id, purpose: "meta" }, row.sealed);
}
