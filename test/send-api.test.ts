// Sending as an alias through the API, and the round trip back into the same conversation.
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { auditEvents, messages } from "../src/db/schema";
import { loadConfig } from "../src/env";
import { openSealedMessage, type StoredMessage } from "../src/inbox/sealed-message";
import { api, buildMail, deliver, json } from "./support/mail";
import { createOrg, createUser, db, grantViaTeam, type TestOrg } from "./support/org";
import { capturingOutbox, deliverJobs } from "./support/outbox";

const send = (
	token: string,
	path: string,
	body: unknown,
	bindings: Cloudflare.Env,
	headers: Record<string, string> = {},
) =>
	api(
		path,
		token,
		{ method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json", ...headers } },
		bindings,
	);

async function setup(opts: { clinical?: boolean } = {}) {
	const org = await createOrg();
	const doc = await createUser(org, {
		clinical: opts.clinical ?? true,
		grants: { "cardiology-referrals": "sender", billing: "sender" },
	});
	const outbox = capturingOutbox();
	return { org, doc, ...outbox };
}

async function rowsOf(org: TestOrg) {
	return db.select().from(messages).where(eq(messages.orgId, org.orgId));
}

describe("round trip", () => {
	it("patient writes, the alias replies, the patient answers — citing our id or the provider's — one conversation", async () => {
		const { org, doc, jobs, bindings: base } = await setup();
		// The real local send_email binding, watched: the ids it returns are the provider's.
		const providerIds: string[] = [];
		const bindings = {
			...base,
			EMAIL: {
				async send(message: EmailMessage) {
					const result = await env.EMAIL.send(message);
					providerIds.push(result.messageId);
					return result;
				},
			} as SendEmail,
		};
		const to = org.alias("cardiology-referrals");
		await deliver(
			buildMail({ to, from: "pat@patient.example", subject: "Referral", messageId: "p1@patient.example" }),
			{
				to,
				from: "pat@patient.example",
			},
		);
		const [inbound] = await rowsOf(org);
		const conversationId = inbound?.conversationId as string;

		const res = await send(
			doc.token,
			`/v1/conversations/${conversationId}/reply`,
			{ text: "We can see you Tuesday." },
			bindings,
		);
		expect(res.status).toBe(202);
		const queued = await json(res);
		expect(queued).toMatchObject({ conversationId, status: "queued" });
		expect(jobs).toEqual([{ orgId: org.orgId, messageId: queued.id }]);

		// The reply threads on the patient's message and carries our own Message-ID.
		const raw = await (await api(`/v1/messages/${queued.id}/raw`, doc.token)).text();
		const parsed = await PostalMime.parse(raw);
		expect(parsed.inReplyTo).toBe("<p1@patient.example>");
		expect(parsed.subject).toBe("Re: Referral");
		expect(parsed.to?.[0]).toMatchObject({ address: "pat@patient.example" });
		const ourId = (parsed.messageId as string).slice(1, -1);
		expect(ourId).toBe(`${queued.id}@${org.domain}`);

		// Delivery through the real queue handler and the local send_email binding.
		const result = await deliverJobs(jobs, bindings);
		expect(result.explicitAcks).toHaveLength(1);
		const [sent] = await db.select().from(messages).where(eq(messages.id, queued.id));
		expect(sent).toMatchObject({ status: "sent", attempts: 1 });
		expect(sent?.providerIdIndex).toBeTruthy();

		// The patient answers citing our Message-ID…
		await deliver(buildMail({ to, from: "pat@patient.example", messageId: "p2@patient.example", inReplyTo: ourId }), {
			to,
		});
		// …and, separately, citing only the id the provider gave the message it sent.
		const providerId = (providerIds[0] as string).replace(/^<|>$/g, "");
		expect(providerId).not.toBe(ourId);
		await deliver(
			buildMail({ to, from: "pat@patient.example", messageId: "p3@patient.example", references: [providerId] }),
			{ to },
		);
		const all = await rowsOf(org);
		expect(all).toHaveLength(4);
		expect(new Set(all.map((m) => m.conversationId))).toEqual(new Set([conversationId]));
	});

	it("starts a new conversation with POST /v1/messages", async () => {
		const { org, doc, bindings } = await setup();
		const res = await send(
			doc.token,
			"/v1/messages",
			{ aliasId: org.aliasId("billing"), to: ["pat@patient.example"], subject: "Your invoice", text: "Attached." },
			bindings,
		);
		expect(res.status).toBe(202);
		const { id, conversationId } = await json(res);
		const conv = await json(await api(`/v1/conversations/${conversationId}`, doc.token));
		expect(conv).toMatchObject({
			counterpart: "pat@patient.example",
			subject: "Your invoice",
			messages: [{ id, direction: "outbound" }],
		});
	});
});

describe("safeguards", () => {
	it("appends the org notice once and puts the archive BCC in the envelope only", async () => {
		const { org, doc, jobs, bindings } = await setup();
		const admin = await createUser(org, { role: "admin" });
		await api("/v1/policies", admin.token, {
			method: "PATCH",
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify({ confidentialityNotice: "NOTICE-7731 confidential", archiveBcc: "vault@archive.example" }),
		});
		const res = await send(
			doc.token,
			"/v1/messages",
			{
				aliasId: org.aliasId("billing"),
				to: ["pat@patient.example"],
				subject: "Hello",
				text: "Body",
				html: "<p>Body</p>",
			},
			bindings,
		);
		const { id } = await json(res);
		const raw = await (await api(`/v1/messages/${id}/raw`, doc.token)).text();
		expect(raw).not.toContain("vault@archive.example");
		const parsed = await PostalMime.parse(raw);
		expect(parsed.text?.match(/NOTICE-7731/g)).toHaveLength(1);
		expect(parsed.html?.match(/NOTICE-7731/g)).toHaveLength(1);
		const [row] = await db.select().from(messages).where(eq(messages.id, id));
		const { meta } = await openSealedMessage((await loadConfig(env)).keyring, env.BODIES, row as StoredMessage);
		expect(meta.envelopeRecipients).toEqual(["pat@patient.example", "vault@archive.example"]);
		expect(jobs).toHaveLength(1);
	});

	it.each([
		["subject", { subject: "Hi\r\nBcc: evil@x.example" }, "subject"],
		["a To address", { to: ["pat@patient.example\r\nBcc: evil@x.example"] }, "to"],
		["a Cc address", { cc: ["a@b.example\nx"] }, "cc"],
		["a BCC address", { bcc: ["a@b.example\u0000"] }, "bcc"],
		[
			"an attachment filename",
			{ attachments: [{ filename: "a\r\n.pdf", contentType: "application/pdf", content: "" }] },
			"filename",
		],
		[
			"an attachment type",
			{ attachments: [{ filename: "a.pdf", contentType: "application/pdf\r\nX: y", content: "" }] },
			"contentType",
		],
	])("refuses CR/LF/NUL in %s (422 naming the field)", async (_n, patch, field) => {
		const { org, doc, bindings } = await setup();
		const body = { aliasId: org.aliasId("billing"), to: ["pat@patient.example"], subject: "S", text: "T", ...patch };
		const res = await send(doc.token, "/v1/messages", body, bindings);
		expect(res.status).toBe(422);
		const { error } = await json(res);
		expect(error.code).toBe("validation_failed");
		expect(error.message).toContain(field);
	});

	it("refuses a CR/LF Idempotency-Key", async () => {
		const { org, doc, bindings } = await setup();
		const body = { aliasId: org.aliasId("billing"), to: ["pat@patient.example"], subject: "S", text: "T" };
		const res = await send(doc.token, "/v1/messages", body, bindings, { "Idempotency-Key": "a b" });
		expect(res.status).toBe(400);
	});

	it("accepts 50 recipients and refuses 51", async () => {
		const { org, doc, bindings } = await setup();
		const many = (n: number) => Array.from({ length: n }, (_, i) => `r${i}@partner.example`);
		const body = (to: string[]) => ({ aliasId: org.aliasId("billing"), to, subject: "S", text: "T" });
		expect((await send(doc.token, "/v1/messages", body(many(50)), bindings)).status).toBe(202);
		const past = await send(doc.token, "/v1/messages", { ...body(many(40)), cc: many(11) }, bindings);
		expect(past.status).toBe(422);
	});

	it("refuses an attachment type that is not allowed, and a message over the size limit (at the limit it passes)", async () => {
		const { org, doc, bindings } = await setup();
		const base = { aliasId: org.aliasId("billing"), to: ["pat@patient.example"], subject: "S", text: "T" };
		const exe = {
			...base,
			attachments: [{ filename: "x.exe", contentType: "application/x-msdownload", content: "TVo=" }],
		};
		const refused = await send(doc.token, "/v1/messages", exe, bindings);
		expect(refused.status).toBe(422);
		expect((await json(refused)).error.message).toContain("attachments[0].contentType");

		const first = await json(await send(doc.token, "/v1/messages", base, bindings));
		const [row] = await db.select().from(messages).where(eq(messages.id, first.id));
		const size = row?.size as number;
		const at = await send(doc.token, "/v1/messages", base, { ...bindings, MAX_OUTBOUND_BYTES: String(size) });
		expect(at.status).toBe(202);
		const past = await send(doc.token, "/v1/messages", base, { ...bindings, MAX_OUTBOUND_BYTES: String(size - 1) });
		expect(past.status).toBe(422);
		expect((await json(past)).error.message).toContain("attachments: the message is");
	});

	it("never sends twice for one Idempotency-Key", async () => {
		const { org, doc, jobs, bindings } = await setup();
		const body = { aliasId: org.aliasId("billing"), to: ["pat@patient.example"], subject: "S", text: "T" };
		const a = await json(await send(doc.token, "/v1/messages", body, bindings, { "Idempotency-Key": "order-42" }));
		const b = await json(await send(doc.token, "/v1/messages", body, bindings, { "Idempotency-Key": "order-42" }));
		expect(b.id).toBe(a.id);
		expect(jobs).toHaveLength(1);
		expect(await rowsOf(org)).toHaveLength(1);
	});
});

describe("who may send", () => {
	it("refuses a billing (non-clinical) user on a clinical alias, even with a team sender grant — audited", async () => {
		const org = await createOrg();
		const clerk = await createUser(org, { clinical: false, grants: { billing: "sender" } });
		await grantViaTeam(org, clerk.id, "cardiology-referrals", "sender");
		const { bindings } = capturingOutbox();
		const body = { aliasId: org.aliasId("cardiology-referrals"), to: ["pat@patient.example"], subject: "S", text: "T" };
		const res = await send(clerk.token, "/v1/messages", body, bindings);
		expect(res.status).toBe(403);
		const [denied] = await db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.outcome, "denied")));
		expect(denied).toMatchObject({ action: "message.send", actorId: clerk.id });
	});

	it("refuses a viewer, a token without messages:send, another org's alias, and a disabled alias", async () => {
		const org = await createOrg([{ local: "billing" }, { local: "old-desk", status: "disabled" }]);
		const viewer = await createUser(org, { grants: { billing: "viewer" } });
		const readOnly = await createUser(org, { scopes: ["messages:read"], grants: { billing: "sender" } });
		const sender = await createUser(org, { grants: { billing: "sender", "old-desk": "sender" } });
		const other = await createOrg();
		const { bindings } = capturingOutbox();
		const body = (aliasId: string) => ({ aliasId, to: ["pat@patient.example"], subject: "S", text: "T" });
		expect((await send(viewer.token, "/v1/messages", body(org.aliasId("billing")), bindings)).status).toBe(403);
		expect((await send(readOnly.token, "/v1/messages", body(org.aliasId("billing")), bindings)).status).toBe(403);
		expect((await send(sender.token, "/v1/messages", body(other.aliasId("billing")), bindings)).status).toBe(404);
		expect((await send(sender.token, "/v1/messages", body(org.aliasId("old-desk")), bindings)).status).toBe(422);
	});
});
