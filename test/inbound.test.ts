import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { aliases, auditEvents, conversations, messages } from "../src/db/schema";
import { LOOP_MARKER_HEADER, MAX_RECEIVED_HOPS } from "../src/inbound/loop-guard";
import { buildMail, deliver } from "./support/mail";
import { createOrg, db } from "./support/org";

async function messagesOf(orgId: string) {
	return db.select().from(messages).where(eq(messages.orgId, orgId));
}

async function r2Keys(orgId: string) {
	const list = await env.BODIES.list({ prefix: `org/${orgId}/` });
	return list.objects.map((o) => o.key);
}

describe("inbound: refusals", () => {
	it("refuses a message over the size limit without reading its body", async () => {
		const org = await createOrg();
		const msg = await deliver("x", { to: org.alias("billing"), rawSize: 25 * 1024 * 1024 + 1 });
		expect(msg.rejected).toMatch(/552 5\.3\.4/);
		expect(msg.rawRead).toBe(false);
		expect(await messagesOf(org.orgId)).toHaveLength(0);
		const [audit] = await db.select().from(auditEvents).where(eq(auditEvents.orgId, org.orgId));
		expect(audit).toMatchObject({ action: "message.rejected", outcome: "denied" });
		expect(JSON.parse(audit?.details ?? "{}")).toMatchObject({ reason: "too_large" });
	});

	it("accepts a message exactly at the size limit", async () => {
		const org = await createOrg();
		const raw = buildMail({ to: org.alias("billing") });
		const limited = { ...env, MAX_INBOUND_BYTES: String(new TextEncoder().encode(raw).byteLength) };
		const msg = await deliver(raw, { to: org.alias("billing") }, limited);
		expect(msg.rejected).toBeNull();
		const over = await deliver(
			raw,
			{ to: org.alias("billing"), rawSize: Number(limited.MAX_INBOUND_BYTES) + 1 },
			limited,
		);
		expect(over.rejected).toMatch(/552/);
	});

	it.each([
		["an unknown local part", (d: string) => `nobody@${d}`, /550 5\.1\.1 No such recipient/],
		["an unknown domain", () => "billing@unknown.example", /550 5\.1\.1 No such recipient/],
		["a homograph local part", (d: string) => `bіlling@${d}`, /550 5\.1\.1 No such recipient/],
	])("refuses %s", async (_label, to, reason) => {
		const org = await createOrg();
		const msg = await deliver(buildMail({ to: to(org.domain) }), { to: to(org.domain) });
		expect(msg.rejected).toMatch(reason);
		expect(await messagesOf(org.orgId)).toHaveLength(0);
	});

	it("refuses a disabled alias and audits it in the alias's org", async () => {
		const org = await createOrg([{ local: "old-clinic", status: "disabled" }]);
		const msg = await deliver(buildMail({ to: org.alias("old-clinic") }), { to: org.alias("old-clinic") });
		expect(msg.rejected).toMatch(/Recipient disabled/);
		const rows = await db.select().from(auditEvents).where(eq(auditEvents.orgId, org.orgId));
		expect(rows.map((r) => JSON.parse(r.details).reason)).toEqual(["alias_disabled"]);
	});

	it("refuses an expired alias with no successor", async () => {
		const org = await createOrg([{ local: "study-2019", status: "expired" }]);
		const msg = await deliver(buildMail({ to: org.alias("study-2019") }), { to: org.alias("study-2019") });
		expect(msg.rejected).toMatch(/5\.1\.6/);
	});

	it("refuses mail carrying our own loop marker", async () => {
		const org = await createOrg();
		const raw = buildMail({ to: org.alias("billing"), extraHeaders: [`${LOOP_MARKER_HEADER}: org_x`] });
		const msg = await deliver(raw, { to: org.alias("billing") });
		expect(msg.rejected).toMatch(/Mail loop/);
	});

	it("accepts MAX_RECEIVED_HOPS Received headers and refuses one more", async () => {
		const org = await createOrg();
		const hops = (n: number) => Array.from({ length: n }, (_, i) => `Received: from relay${i}.example by mx.example`);
		const atLimit = await deliver(buildMail({ to: org.alias("billing"), extraHeaders: hops(MAX_RECEIVED_HOPS) }), {
			to: org.alias("billing"),
		});
		expect(atLimit.rejected).toBeNull();
		const past = await deliver(buildMail({ to: org.alias("billing"), extraHeaders: hops(MAX_RECEIVED_HOPS + 1) }), {
			to: org.alias("billing"),
		});
		expect(past.rejected).toMatch(/Mail loop/);
	});
});

describe("inbound: routing", () => {
	it("stores a message with its conversation and an audit row", async () => {
		const org = await createOrg();
		const msg = await deliver(buildMail({ to: org.alias("billing") }), { to: org.alias("billing") });
		expect(msg.rejected).toBeNull();
		const [stored] = await messagesOf(org.orgId);
		expect(stored).toMatchObject({ status: "received", direction: "inbound", aliasId: org.aliasId("billing") });
		const convs = await db.select().from(conversations).where(eq(conversations.orgId, org.orgId));
		expect(convs.map((c) => c.id)).toEqual([stored?.conversationId]);
		expect(await r2Keys(org.orgId)).toEqual([stored?.r2Key]);
		const audit = await db.select().from(auditEvents).where(eq(auditEvents.orgId, org.orgId));
		expect(audit).toMatchObject([{ action: "message.received", targetId: stored?.id, seq: 1 }]);
	});

	it("strips +tags and case from the envelope recipient", async () => {
		const org = await createOrg();
		const to = `BILLING+invoices@${org.domain.toUpperCase()}`;
		const msg = await deliver(buildMail({ to }), { to });
		expect(msg.rejected).toBeNull();
		expect((await messagesOf(org.orgId))[0]?.aliasId).toBe(org.aliasId("billing"));
	});

	it("delivers mail for an expired alias to its successor", async () => {
		const org = await createOrg([{ local: "dr-lee" }, { local: "cardiology-referrals", class: "clinical" }]);
		await db
			.update(aliases)
			.set({ status: "expired", successorId: org.aliasId("cardiology-referrals") })
			.where(eq(aliases.id, org.aliasId("dr-lee")));
		const msg = await deliver(buildMail({ to: org.alias("dr-lee") }), { to: org.alias("dr-lee") });
		expect(msg.rejected).toBeNull();
		expect((await messagesOf(org.orgId))[0]?.aliasId).toBe(org.aliasId("cardiology-referrals"));
	});

	it("treats an active alias past its expires_at as expired", async () => {
		const org = await createOrg([{ local: "flu-clinic" }]);
		await db
			.update(aliases)
			.set({ expiresAt: "2020-01-01T00:00:00.000Z" })
			.where(eq(aliases.id, org.aliasId("flu-clinic")));
		const msg = await deliver(buildMail({ to: org.alias("flu-clinic") }), { to: org.alias("flu-clinic") });
		expect(msg.rejected).toMatch(/5\.1\.6/);
	});
});

describe("inbound: threading and redelivery", () => {
	it("threads a reply into the conversation of the message it answers", async () => {
		const org = await createOrg();
		const to = org.alias("billing");
		await deliver(buildMail({ to, messageId: "first@example.org" }), { to });
		await deliver(buildMail({ to, messageId: "second@example.org", inReplyTo: "first@example.org" }), { to });
		await deliver(
			buildMail({ to, messageId: "third@example.org", references: ["first@example.org", "second@example.org"] }),
			{ to },
		);
		await deliver(buildMail({ to, messageId: "other@example.org", inReplyTo: "unknown@example.org" }), { to });
		const rows = await messagesOf(org.orgId);
		expect(rows).toHaveLength(4);
		expect(new Set(rows.map((r) => r.conversationId)).size).toBe(2);
	});

	it("does not thread into another org's conversation", async () => {
		const a = await createOrg();
		const b = await createOrg();
		await deliver(buildMail({ to: a.alias("billing"), messageId: "shared@example.org" }), { to: a.alias("billing") });
		await deliver(
			buildMail({ to: b.alias("billing"), messageId: "reply@example.org", inReplyTo: "shared@example.org" }),
			{
				to: b.alias("billing"),
			},
		);
		const [inA] = await messagesOf(a.orgId);
		const [inB] = await messagesOf(b.orgId);
		expect(inB?.conversationId).not.toBe(inA?.conversationId);
	});

	it("stores a redelivered message once (same Message-ID)", async () => {
		const org = await createOrg();
		const to = org.alias("billing");
		const raw = buildMail({ to, messageId: "once@example.org" });
		await deliver(raw, { to });
		await deliver(raw, { to });
		await deliver(`Received: from another.hop\r\n${raw}`, { to });
		expect(await messagesOf(org.orgId)).toHaveLength(1);
		expect(await r2Keys(org.orgId)).toHaveLength(1);
	});

	it("keys a message without Message-ID by its bytes", async () => {
		const org = await createOrg();
		const to = org.alias("billing");
		const raw = buildMail({ to, messageId: null, text: "no id" });
		await deliver(raw, { to });
		await deliver(raw, { to });
		await deliver(buildMail({ to, messageId: null, text: "no id, different" }), { to });
		expect(await messagesOf(org.orgId)).toHaveLength(2);
	});
});

describe("inbound: failures lose nothing and leave nothing behind", () => {
	it("throws when R2 fails, and writes no row", async () => {
		const org = await createOrg();
		const to = org.alias("billing");
		const failingBucket = {
			put: () => Promise.reject(new Error("R2 unavailable")),
			delete: env.BODIES.delete.bind(env.BODIES),
		} as unknown as R2Bucket;
		await expect(deliver(buildMail({ to }), { to }, { ...env, BODIES: failingBucket })).rejects.toThrow(
			"R2 unavailable",
		);
		expect(await messagesOf(org.orgId)).toHaveLength(0);
		expect(await db.select().from(conversations).where(eq(conversations.orgId, org.orgId))).toHaveLength(0);
		expect(await db.select().from(auditEvents).where(eq(auditEvents.orgId, org.orgId))).toHaveLength(0);
	});

	it("throws when the D1 batch fails, and removes the R2 object", async () => {
		const org = await createOrg();
		const to = org.alias("billing");
		const failingDb = new Proxy(env.DB, {
			get(target, prop) {
				if (prop === "batch") return () => Promise.reject(new Error("D1 unavailable"));
				const value = Reflect.get(target, prop);
				return typeof value === "function" ? value.bind(target) : value;
			},
		});
		await expect(deliver(buildMail({ to }), { to }, { ...env, DB: failingDb })).rejects.toThrow("D1 unavailable");
		expect(await messagesOf(org.orgId)).toHaveLength(0);
		expect(await r2Keys(org.orgId)).toHaveLength(0);
		// The sender's retry then stores it once.
		await deliver(buildMail({ to, messageId: "retry@example.org" }), { to });
		const rows = await db
			.select()
			.from(messages)
			.where(and(eq(messages.orgId, org.orgId), eq(messages.status, "received")));
		expect(rows).toHaveLength(1);
	});
});
