import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { aliases, auditEvents, messages } from "../src/db/schema";
import worker from "../src/index";
import { api, json } from "./support/mail";
import { createOrg, createUser, db } from "./support/org";
import { capturingOutbox } from "./support/outbox";

describe("scheduled(): alias expiry", () => {
	it("expires aliases whose time has come, audits each, and leaves the rest", async () => {
		const org = await createOrg([{ local: "flu-2026" }, { local: "billing" }, { local: "later" }]);
		const set = (local: string, expiresAt: string) =>
			db
				.update(aliases)
				.set({ expiresAt })
				.where(eq(aliases.id, org.aliasId(local)));
		await set("flu-2026", "2026-03-01T00:00:00.000Z");
		await set("later", "2099-01-01T00:00:00.000Z");

		await worker.scheduled(
			createScheduledController({ scheduledTime: Date.parse("2026-06-01T00:00:00Z"), cron: "*/15 * * * *" }),
			env,
		);
		const rows = await db.select().from(aliases).where(eq(aliases.orgId, org.orgId));
		const status = Object.fromEntries(rows.map((r) => [r.localPart, r.status]));
		expect(status).toEqual({ "flu-2026": "expired", billing: "active", later: "active" });
		const audit = await db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, "alias.expired")));
		expect(audit.map((a) => a.targetId)).toEqual([org.aliasId("flu-2026")]);
	});
});

describe("scheduled(): stale-delivery sweep", () => {
	it("enqueues again an outbound message left queued without an attempt for 15 minutes, and only that one", async () => {
		const org = await createOrg();
		const sender = await createUser(org, { grants: { billing: "sender" } });
		const { jobs, bindings } = capturingOutbox();
		const sendOne = async (subject: string) => {
			const res = await api(
				"/v1/messages",
				sender.token,
				{
					method: "POST",
					headers: { "Content-Type": "application/json" },
					body: JSON.stringify({ aliasId: org.aliasId("billing"), to: ["pat@patient.example"], subject, text: "T" }),
				},
				bindings,
			);
			return (await json(res)).id as string;
		};
		const stale = await sendOne("lost enqueue");
		const fresh = await sendOne("just queued");
		await db.update(messages).set({ createdAt: "2026-06-01T00:00:00.000Z" }).where(eq(messages.id, stale));
		await db.update(messages).set({ createdAt: "2026-06-01T00:10:00.000Z" }).where(eq(messages.id, fresh));
		jobs.length = 0;

		await worker.scheduled(
			createScheduledController({ scheduledTime: Date.parse("2026-06-01T00:20:00Z"), cron: "*/15 * * * *" }),
			bindings,
		);
		expect(jobs).toEqual([{ orgId: org.orgId, messageId: stale }]);
	});
});
