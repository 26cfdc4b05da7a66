// Conversations (read, assign, close, reopen), attachments and crypto-shredding deletion.
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, conversations, messages } from "../src/db/schema";
import { buildMail, call, deliver, json } from "./support/mail";
import { createOrg, createUser, db, type TestOrg } from "./support/org";

const PDF = "JVBERi0xLjQKJcfsj6IKMSAwIG9iago=";

function withAttachment(to: string, filename: string, mime = "application/pdf") {
	return [
		"From: <patient@example.org>",
		`To: <${to}>`,
		"Subject: Lab results",
		`Message-ID: <${crypto.randomUUID()}@example.org>`,
		'Content-Type: multipart/mixed; boundary="b"',
		"",
		"--b",
		"Content-Type: text/plain",
		"",
		"See attached.",
		"--b",
		`Content-Type: ${mime}; name="${filename}"`,
		`Content-Disposition: attachment; filename="${filename}"`,
		"Content-Transfer-Encoding: base64",
		"",
		PDF,
		"--b--",
		"",
	].join("\r\n");
}

async function inbox(org: TestOrg, local = "billing") {
	const [row] = await db.select().from(messages).where(eq(messages.orgId, org.orgId));
	if (!row) throw new Error("no message");
	return { messageId: row.id, conversationId: row.conversationId, aliasId: org.aliasId(local) };
}

describe("conversations", () => {
	it("reads a conversation with its messages' metadata, audited", async () => {
		const org = await createOrg();
		await deliver(buildMail({ to: org.alias("billing"), subject: "Invoice 7" }), { to: org.alias("billing") });
		const { conversationId, messageId } = await inbox(org);
		const reader = await createUser(org, { grants: { billing: "viewer" } });
		const body = await json(await call(reader.token, "GET", `/v1/conversations/${conversationId}`));
		expect(body).toMatchObject({ subject: "Invoice 7", counterpart: "patient@example.org", status: "open" });
		expect(body.messages).toMatchObject([{ id: messageId, direction: "inbound", subject: "Invoice 7" }]);
		const outsider = await createUser(org);
		expect((await call(outsider.token, "GET", `/v1/conversations/${conversationId}`)).status).toBe(403);
		expect((await call(reader.token, "GET", "/v1/conversations/cnv_123")).status).toBe(400);
	});

	it("assigns, closes and reopens; filters the list by assignee and status", async () => {
		const org = await createOrg();
		await deliver(buildMail({ to: org.alias("billing") }), { to: org.alias("billing") });
		const { conversationId } = await inbox(org);
		const sender = await createUser(org, { grants: { billing: "sender" } });
		const colleague = await createUser(org, { grants: { billing: "viewer" } });
		const stranger = await createUser(org);
		const assigned = await call(sender.token, "POST", `/v1/conversations/${conversationId}/assign`, {
			assigneeId: colleague.id,
		});
		expect((await json(assigned)).assigneeId).toBe(colleague.id);
		const mine = await json(await call(colleague.token, "GET", `/v1/conversations?assignee=${colleague.id}`));
		expect(mine.data).toHaveLength(1);
		const refused = await call(sender.token, "POST", `/v1/conversations/${conversationId}/assign`, {
			assigneeId: stranger.id,
		});
		expect(refused.status).toBe(422);
		expect((await json(await call(sender.token, "POST", `/v1/conversations/${conversationId}/close`))).status).toBe(
			"closed",
		);
		expect((await json(await call(sender.token, "GET", "/v1/conversations?status=open"))).data).toHaveLength(0);
		expect((await json(await call(sender.token, "POST", `/v1/conversations/${conversationId}/reopen`))).status).toBe(
			"open",
		);
		// A viewer may read but not manage.
		expect((await call(colleague.token, "POST", `/v1/conversations/${conversationId}/close`)).status).toBe(403);
		const actions = (await db.select().from(auditEvents).where(eq(auditEvents.orgId, org.orgId))).map((a) => a.action);
		expect(actions).toEqual(
			expect.arrayContaining(["conversation.assign", "conversation.close", "conversation.reopen"]),
		);
	});

	it("reopens a closed conversation when the patient writes again", async () => {
		const org = await createOrg();
		const to = org.alias("billing");
		await deliver(buildMail({ to, messageId: "q1@example.org" }), { to });
		const { conversationId } = await inbox(org);
		await db.update(conversations).set({ status: "closed" }).where(eq(conversations.id, conversationId));
		await deliver(buildMail({ to, messageId: "q2@example.org", inReplyTo: "q1@example.org" }), { to });
		const [c] = await db.select().from(conversations).where(eq(conversations.id, conversationId));
		expect(c?.status).toBe("open");
	});
});

describe("GET /v1/messages/:id/attachments/:n", () => {
	it("streams the attachment with its content type and a safe filename, audited", async () => {
		const org = await createOrg();
		await deliver(withAttachment(org.alias("billing"), "résultats labo.pdf"), { to: org.alias("billing") });
		const { messageId } = await inbox(org);
		const reader = await createUser(org, { grants: { billing: "viewer" } });
		const res = await call(reader.token, "GET", `/v1/messages/${messageId}/attachments/0`);
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toBe("application/pdf");
		expect(res.headers.get("content-disposition")).toBe(
			`attachment; filename="r_sultats labo.pdf"; filename*=UTF-8''r%C3%A9sultats%20labo.pdf`,
		);
		const bytes = new Uint8Array(await res.arrayBuffer());
		expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe("%PDF-1.4");
		const [audit] = await db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, "message.read_attachment")));
		expect(audit?.details).not.toContain("labo");
	});

	it("serves an odd MIME type as octet-stream", async () => {
		const org = await createOrg();
		await deliver(withAttachment(org.alias("billing"), "x.bin", "weird type"), { to: org.alias("billing") });
		const { messageId } = await inbox(org);
		const reader = await createUser(org, { grants: { billing: "viewer" } });
		const res = await call(reader.token, "GET", `/v1/messages/${messageId}/attachments/0`);
		expect(res.headers.get("content-type")).not.toContain("weird");
	});

	it("answers 404 past the last attachment, 400 for a non-index, 403 without a grant", async () => {
		const org = await createOrg();
		await deliver(withAttachment(org.alias("billing"), "a.pdf"), { to: org.alias("billing") });
		const { messageId } = await inbox(org);
		const reader = await createUser(org, { grants: { billing: "viewer" } });
		expect((await call(reader.token, "GET", `/v1/messages/${messageId}/attachments/1`)).status).toBe(404);
		expect((await call(reader.token, "GET", `/v1/messages/${messageId}/attachments/x`)).status).toBe(400);
		expect((await call(reader.token, "GET", `/v1/messages/${messageId}/attachments/1000`)).status).toBe(400);
		const other = await createUser(org);
		expect((await call(other.token, "GET", `/v1/messages/${messageId}/attachments/0`)).status).toBe(403);
	});
});

describe("DELETE /v1/messages/:id", () => {
	it("crypto-shreds: wrapped key and R2 object gone, row kept as deleted, later reads 410", async () => {
		const org = await createOrg();
		await deliver(buildMail({ to: org.alias("billing") }), { to: org.alias("billing") });
		const { messageId } = await inbox(org);
		const [before] = await db.select().from(messages).where(eq(messages.id, messageId));
		const manager = await createUser(org, { grants: { billing: "manager" } });
		const res = await call(manager.token, "DELETE", `/v1/messages/${messageId}`);
		expect(await json(res)).toEqual({ id: messageId, status: "deleted" });
		const [after] = await db.select().from(messages).where(eq(messages.id, messageId));
		expect(after).toMatchObject({ status: "deleted", wrappedKey: null, sealed: null, r2Key: null });
		expect(await env.BODIES.get(before?.r2Key as string)).toBeNull();
		for (const path of [`/v1/messages/${messageId}`, `/v1/messages/${messageId}/raw`]) {
			expect((await call(manager.token, "GET", path)).status).toBe(410);
		}
		expect((await call(manager.token, "DELETE", `/v1/messages/${messageId}`)).status).toBe(410);
	});

	it("is refused (403, audited) for a viewer or sender", async () => {
		const org = await createOrg();
		await deliver(buildMail({ to: org.alias("billing") }), { to: org.alias("billing") });
		const { messageId } = await inbox(org);
		const sender = await createUser(org, { grants: { billing: "sender" } });
		expect((await call(sender.token, "DELETE", `/v1/messages/${messageId}`)).status).toBe(403);
		const [row] = await db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.outcome, "denied")));
		expect(row).toMatchObject({ action: "message.delete", targetId: messageId });
	});
});
