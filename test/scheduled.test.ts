import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { aliases, auditEvents } from "../src/db/schema";
import worker from "../src/index";
import { createOrg, db } from "./support/org";

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
