// Threading (DESIGN §4): a reply joins the conversation of the message it answers, found by
// In-Reply-To / References against Message-IDs we already hold — ours, the sender's, or the
// provider's id for mail we sent — compared by blind index.
import { and, desc, eq, inArray, or } from "drizzle-orm";
import { blindIndex } from "../crypto/blind-index";
import type { Db } from "../db/client";
import { messages } from "../db/schema";

/**
 * References grows by one id per reply. The newest ids identify the thread just as well, and
 * keeping only 20 keeps the lookup under D1's 100 bound parameters (2 × 21 + org + aliases).
 */
export const MAX_THREAD_IDS = 20;

export async function findConversation(
	db: Db,
	indexKey: CryptoKey,
	orgId: string,
	aliasIds: string[],
	inReplyTo: string | null,
	references: string[],
): Promise<string | null> {
	const ids = [...new Set([...(inReplyTo ? [inReplyTo] : []), ...references.slice(-MAX_THREAD_IDS)])];
	if (ids.length === 0) return null;
	const indexes = await Promise.all(ids.map((id) => blindIndex(indexKey, "message-id", id)));
	const [hit] = await db
		.select({ conversationId: messages.conversationId })
		.from(messages)
		.where(
			and(
				eq(messages.orgId, orgId),
				inArray(messages.aliasId, aliasIds),
				or(inArray(messages.messageIdIndex, indexes), inArray(messages.providerIdIndex, indexes)),
			),
		)
		.orderBy(desc(messages.createdAt))
		.limit(1);
	return hit?.conversationId ?? null;
}
