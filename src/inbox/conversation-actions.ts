// One conversation: read it with its messages' metadata, assign it, close or reopen it.
import { and, desc, eq } from "drizzle-orm";
import { commitWithAudit } from "../audit/append";
import { audit, authoriseOnAlias } from "../auth/access";
import { grantOn } from "../auth/grants";
import { conversations, messages, users } from "../db/schema";
import { AppError } from "../errors";
import { callerEvent, type RequestContext } from "../request-context";
import { openConversation } from "./sealed-conversation";
import { openMessageMeta } from "./sealed-message";

/** A conversation view lists its newest messages; older ones are reached by id. */
const MAX_MESSAGES_IN_VIEW = 200;

type ConversationRow = typeof conversations.$inferSelect;

async function findConversation(ctx: RequestContext, id: string): Promise<ConversationRow> {
	const row = await ctx.db.query.conversations.findFirst({
		where: and(eq(conversations.id, id), eq(conversations.orgId, ctx.principal.orgId)),
	});
	if (!row) throw new AppError("not_found");
	return row;
}

export async function readConversation(ctx: RequestContext, id: string) {
	const c = await findConversation(ctx, id);
	await authoriseOnAlias(ctx, "message.read", c.aliasId, { type: "conversation", id });
	const sealed = await openConversation(ctx.config, c);
	const rows = await ctx.db
		.select()
		.from(messages)
		.where(eq(messages.conversationId, id))
		.orderBy(desc(messages.createdAt))
		.limit(MAX_MESSAGES_IN_VIEW);
	const list = await Promise.all(
		rows.map(async (m) => {
			const meta = await openMessageMeta(ctx.config.keyring, m);
			return {
				id: m.id,
				direction: m.direction,
				status: m.status,
				size: m.size,
				createdAt: m.createdAt,
				subject: meta?.subject ?? null,
				from: meta?.from ?? null,
				attachmentCount: meta?.attachments.length ?? 0,
			};
		}),
	);
	await audit(ctx, "conversation.read", { type: "conversation", id }, { messages: list.length });
	return {
		id: c.id,
		aliasId: c.aliasId,
		status: c.status,
		assigneeId: c.assigneeId,
		subject: sealed.subject,
		counterpart: sealed.counterpart,
		lastMessageAt: c.lastMessageAt,
		createdAt: c.createdAt,
		messages: list,
	};
}

async function change(ctx: RequestContext, c: ConversationRow, action: string, patch: Partial<ConversationRow>) {
	await commitWithAudit(
		ctx.db,
		ctx.config.auditKey,
		ctx.principal.orgId,
		[
			callerEvent(ctx, {
				action,
				targetType: "conversation",
				targetId: c.id,
				outcome: "success",
				details: patch.assigneeId !== undefined ? { assigneeId: patch.assigneeId } : {},
			}),
		],
		[ctx.db.update(conversations).set(patch).where(eq(conversations.id, c.id))],
	);
	const { id, aliasId, status, assigneeId, lastMessageAt } = { ...c, ...patch };
	return { id, aliasId, status, assigneeId, lastMessageAt };
}

/** Assign to a user who can read the alias (or null to unassign). */
export async function assignConversation(ctx: RequestContext, id: string, assigneeId: string | null) {
	const c = await findConversation(ctx, id);
	await authoriseOnAlias(ctx, "conversation.manage", c.aliasId, { type: "conversation", id });
	if (assigneeId) {
		const user = await ctx.db.query.users.findFirst({
			where: and(eq(users.id, assigneeId), eq(users.orgId, ctx.principal.orgId), eq(users.status, "active")),
		});
		const canRead = user && (await grantOn(ctx.db, { ...ctx.principal, userId: user.id }, c.aliasId));
		if (!canRead) throw new AppError("unprocessable", "assigneeId: must be an active user with a grant on the alias");
	}
	return change(ctx, c, "conversation.assign", { assigneeId });
}

export async function setConversationStatus(ctx: RequestContext, id: string, status: "open" | "closed") {
	const c = await findConversation(ctx, id);
	await authoriseOnAlias(ctx, "conversation.manage", c.aliasId, { type: "conversation", id });
	return change(ctx, c, status === "closed" ? "conversation.close" : "conversation.reopen", { status });
}
