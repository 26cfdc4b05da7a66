// No plaintext PHI at rest: after ingesting mail full of distinct markers, no D1 row and no
// R2 object contains any of them — yet the API returns every one of them, decrypted.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { auditEvents, messages } from "../src/db/schema";
import { api, call, deliver } from "./support/mail";
import { createOrg, createUser, db } from "./support/org";
import { capturingOutbox } from "./support/outbox";

const MARKERS = {
	replyBody: "REPLYMARKER6402",
	ccAddress: "ccmarker3318@partner.example",
	registryAddress: "registrymarker5527@lab.example",
	idempotencyKey: "IDEMMARKER9044",
	subject: "SUBJECTMARKER7731",
	body: "BODYMARKER5519",
	senderName: "NAMEMARKER2204",
	senderAddress: "addrmarker9917@patient-mail.example",
	attachmentName: "FILEMARKER4410.pdf",
};

function markedMail(to: string): string {
	return [
		`From: "${MARKERS.senderName}" <${MARKERS.senderAddress}>`,
		`To: <${to}>`,
		`Subject: ${MARKERS.subject}`,
		"Message-ID: <marked-1@patient-mail.example>",
		"MIME-Version: 1.0",
		'Content-Type: multipart/mixed; boundary="m"',
		"",
		"--m",
		"Content-Type: text/plain; charset=utf-8",
		"",
		`Dear clinic, ${MARKERS.body}.`,
		"--m",
		`Content-Type: application/pdf; name="${MARKERS.attachmentName}"`,
		`Content-Disposition: attachment; filename="${MARKERS.attachmentName}"`,
		"Content-Transfer-Encoding: base64",
		"",
		"JVBERi0xLjQKJcfsj6IKMSAwIG9iago=",
		"--m--",
		"",
	].join("\r\n");
}

async function everythingAtRest(): Promise<string> {
	const tables = await env.DB.prepare(
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
	).all<{ name: string }>();
	expect(tables.results.length).toBeGreaterThanOrEqual(12);
	let dump = "";
	for (const { name } of tables.results) {
		const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
		dump += JSON.stringify(rows.results);
	}
	const objects = await env.BODIES.list();
	expect(objects.objects.length).toBeGreaterThan(0);
	for (const o of objects.objects) {
		const body = await env.BODIES.get(o.key);
		dump +=
			o.key + JSON.stringify(body?.customMetadata ?? {}) + new TextDecoder("latin1").decode(await body?.arrayBuffer());
	}
	return dump.toLowerCase();
}

describe("encryption at rest", () => {
	it("stores no marker in any D1 row or R2 object, and returns all of them decrypted", async () => {
		const org = await createOrg();
		const to = org.alias("cardiology-referrals");
		await deliver(markedMail(to), { to, from: MARKERS.senderAddress });
		// Outbound too: a reply with a marked body and Cc, and a marked recipient-registry entry.
		const officer = await createUser(org, {
			role: "compliance",
			clinical: true,
			grants: { "cardiology-referrals": "sender" },
		});
		await call(officer.token, "POST", "/v1/recipients", {
			kind: "address",
			value: MARKERS.registryAddress,
			secure: true,
			reason: "BAA",
		});
		const { bindings } = capturingOutbox();
		const [inbound] = await db.select().from(messages).where(eq(messages.orgId, org.orgId));
		const reply = await api(
			`/v1/conversations/${inbound?.conversationId}/reply`,
			officer.token,
			{
				method: "POST",
				headers: { "Content-Type": "application/json", "Idempotency-Key": MARKERS.idempotencyKey },
				body: JSON.stringify({ text: `Thanks, ${MARKERS.replyBody}`, cc: [MARKERS.ccAddress] }),
			},
			bindings,
		);
		expect(reply.status).toBe(202);

		const dump = await everythingAtRest();
		for (const [field, marker] of Object.entries(MARKERS)) {
			expect(dump.includes(marker.toLowerCase()), `${field} found at rest`).toBe(false);
		}

		const reader = await createUser(org, { grants: { "cardiology-referrals": "viewer" } });
		const replyRaw = await (
			await api(`/v1/messages/${((await reply.json()) as { id: string }).id}/raw`, reader.token)
		).text();
		const parsedReply = await PostalMime.parse(replyRaw);
		expect(parsedReply.text).toContain(MARKERS.replyBody);
		expect(parsedReply.cc?.[0]).toMatchObject({ address: MARKERS.ccAddress });
		const registry = await (await api("/v1/recipients", officer.token)).text();
		expect(registry).toContain(MARKERS.registryAddress);
		const list = await api("/v1/conversations", reader.token);
		const page = (await list.json()) as { data: { subject: string; counterpart: string; lastMessageId: string }[] };
		expect(page.data[0]).toMatchObject({ subject: MARKERS.subject, counterpart: MARKERS.senderAddress });
		const res = await api(`/v1/messages/${inbound?.id}`, reader.token);
		const message = (await res.json()) as Record<string, unknown>;
		expect(message).toMatchObject({
			subject: MARKERS.subject,
			from: { name: MARKERS.senderName, address: MARKERS.senderAddress },
			attachments: [{ filename: MARKERS.attachmentName, mimeType: "application/pdf" }],
		});
		expect(message.text).toContain(MARKERS.body);
	});
});

describe("integrity", () => {
	async function storedMessage(local = "billing") {
		const org = await createOrg();
		const to = org.alias(local);
		const reader = await createUser(org, { grants: { [local]: "viewer" } });
		await deliver(buildSimple(to, crypto.randomUUID()), { to });
		const rows = await db.select().from(messages).where(eq(messages.orgId, org.orgId));
		return { org, reader, rows };
	}

	function buildSimple(to: string, id: string) {
		return `From: p@example.org\r\nTo: ${to}\r\nSubject: s\r\nMessage-ID: <${id}@example.org>\r\n\r\nbody\r\n`;
	}

	async function lastAudit(orgId: string) {
		const rows = await db.select().from(auditEvents).where(eq(auditEvents.orgId, orgId));
		return rows.at(-1);
	}

	it("refuses to serve a message whose R2 object has one flipped byte, and audits the failure", async () => {
		const { org, reader, rows } = await storedMessage();
		const row = rows[0];
		if (!row?.r2Key) throw new Error("no message");
		const object = await env.BODIES.get(row.r2Key);
		const bytes = new Uint8Array(await (object as R2ObjectBody).arrayBuffer());
		bytes[40] = (bytes[40] ?? 0) ^ 0x01;
		await env.BODIES.put(row.r2Key, bytes);

		const res = await api(`/v1/messages/${row.id}`, reader.token);
		expect(res.status).toBe(500);
		expect(await res.json()).toEqual({
			error: { code: "integrity_failed", message: "Stored data failed its integrity check." },
		});
		expect(await lastAudit(org.orgId)).toMatchObject({ action: "message.read", outcome: "error", targetId: row.id });
	});

	it("refuses a sealed copy moved onto another message's row (the message id is in the additional data)", async () => {
		const org = await createOrg();
		const to = org.alias("billing");
		const reader = await createUser(org, { grants: { billing: "viewer" } });
		await deliver(buildSimple(to, "a"), { to });
		await deliver(buildSimple(to, "b"), { to });
		const [a, b] = await db.select().from(messages).where(eq(messages.orgId, org.orgId));
		if (!a || !b) throw new Error("two messages expected");
		// Same data key, same ciphertexts, but opened as message b: GCM must refuse.
		await db
			.update(messages)
			.set({ wrappedKey: a.wrappedKey, keyId: a.keyId, sealed: a.sealed, r2Key: a.r2Key })
			.where(eq(messages.id, b.id));
		const res = await api(`/v1/messages/${b.id}`, reader.token);
		expect(res.status).toBe(500);
		expect(((await res.json()) as { error: { code: string } }).error.code).toBe("integrity_failed");
		expect(await lastAudit(org.orgId)).toMatchObject({ outcome: "error", targetId: b.id });
		// The original still opens.
		expect((await api(`/v1/messages/${a.id}`, reader.token)).status).toBe(200);
	});
});
