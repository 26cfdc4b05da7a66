// A conversation's own envelope: the counterpart's address and the subject are PHI, sealed
// under the conversation's data key; the counterpart is also kept as a blind index.
import { blindIndex } from "../crypto/blind-index";
import { newDataKey, openDataKey, openJson, sealJson } from "../crypto/envelope";
import type { conversations } from "../db/schema";
import type { Config } from "../env";

type ConversationRow = typeof conversations.$inferSelect;

export interface ConversationSecrets {
	counterpart: string;
	subject: string | null;
}

export async function sealConversation(
	config: Config,
	row: { id: string; orgId: string; aliasId: string; lastMessageAt: string },
	secrets: ConversationSecrets,
): Promise<typeof conversations.$inferInsert> {
	const dk = await newDataKey(config.keyring);
	const counterpart = secrets.counterpart.toLowerCase();
	return {
		...row,
		counterpartIndex: await blindIndex(config.indexKey, "address", counterpart),
		wrappedKey: dk.wrapped,
		keyId: dk.keyId,
		sealed: await sealJson(
			dk.key,
			{ orgId: row.orgId, recordId: row.id, purpose: "conversation" },
			{
				counterpart,
				subject: secrets.subject,
			},
		),
		createdAt: row.lastMessageAt,
	};
}

export async function openConversation(config: Config, c: ConversationRow): Promise<ConversationSecrets> {
	const key = await openDataKey(config.keyring, c.keyId, c.wrappedKey);
	return openJson<ConversationSecrets>(key, { orgId: c.orgId, recordId: c.id, purpose: "conversation" }, c.sealed);
}
