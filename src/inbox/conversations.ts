// Listing conversations: only aliases the caller holds a grant on, newest first, keyset
// pages (a cursor is the last row's (last_message_at, id), so deep pages cost the same as the
// first). Subjects and counterparts are PHI: they are decrypted per row and the list is audited.
import { and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import { decodeCursor, encodeCursor } from "../api/cursor";
import { audit, authoriseOnAlias, denied } from "../auth/access";
import { readableAliasIds } from "../auth/grants";
import { can } from "../auth/rbac";
import { conversations } from "../db/schema";
import type { RequestContext } from "../request-context";
import { openConversation } from "./sealed-conversation";

export interface ConversationFilter {
	aliasId?: string | undefined;
	status?: "open" | "closed" | undefined;
	assigneeId?: string | undefined;
	cursor?: string | undefined;
	limit: number;
}

export interface ConversationSummary {
	id: string;
	aliasId: string;
	status: "open" | "closed";
	assigneeId: string | null;
	subject: string | null;
	counterpart: string;
	lastMessageAt: string;
	lastMessageId: string | null;
	createdAt: string;
}

export async function listConversations(
	ctx: RequestContext,
	filter: ConversationFilter,
): Promise<{ data: ConversationSummary[]; nextCursor: string | null }> {
	if (!can(ctx.principal, "conversation.list")) await denied(ctx, "conversation.list", null);
	if (filter.aliasId) {
		await authoriseOnAlias(ctx, "message.read", filter.aliasId, { type: "alias", id: filter.aliasId });
	}
	const after = filter.cursor ? decodeCursor<[string, string]>(filter.cursor, 2) : null;
	// Written out: drizzle renders columns unqualified inside a sql`` subquery, and an
	// unqualified "id" would bind to the inner table.
	const lastMessageId = sql<
		string | null
	>`(SELECT m.id FROM messages m WHERE m.conversation_id = "conversations"."id" ORDER BY m.created_at DESC LIMIT 1)`;
	const rows = await ctx.db
		.select({ c: conversations, lastMessageId })
		.from(conversations)
		.where(
			and(
				eq(conversations.orgId, ctx.principal.orgId),
				inArray(conversations.aliasId, readableAliasIds(ctx.db, ctx.principal)),
				filter.aliasId ? eq(conversations.aliasId, filter.aliasId) : undefined,
				filter.status ? eq(conversations.status, filter.status) : undefined,
				filter.assigneeId ? eq(conversations.assigneeId, filter.assigneeId) : undefined,
				after
					? or(
							lt(conversations.lastMessageAt, after[0]),
							and(eq(conversations.lastMessageAt, after[0]), lt(conversations.id, after[1])),
						)
					: undefined,
			),
		)
		.orderBy(desc(conversations.lastMessageAt), desc(conversations.id))
		.limit(filter.limit + 1);

	const page = rows.slice(0, filter.limit);
	const data = await Promise.all(
		page.map(async ({ c, lastMessageId }) => {
			const sealed = await openConversation(ctx.config, c);
			return {
				id: c.id,
				aliasId: c.aliasId,
				status: c.status,
				assigneeId: c.assigneeId,
				subject: sealed.subject,
				counterpart: sealed.counterpart,
				lastMessageAt: c.lastMessageAt,
				lastMessageId,
				createdAt: c.createdAt,
			};
		}),
	);
	await audit(ctx, "conversation.list", filter.aliasId ? { type: "alias", id: filter.aliasId } : null, {
		count: data.length,
	});
	const last = page.at(-1);
	return {
		data,
		nextCursor: rows.length > filter.limit && last ? encodeCursor([last.c.lastMessageAt, last.c.id]) : null,
	};
}
