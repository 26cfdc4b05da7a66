// The PHI safeguard end to end: every decision branch through the API, and forwarding limits.
import { and, eq } from "drizzle-orm";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { auditEvents, messages } from "../src/db/schema";
import { api, buildMail, call, deliver, json } from "./support/mail";
import { createOrg, createUser, db } from "./support/org";
import { capturingOutbox } from "./support/outbox";

const PHI_TEXT = "Dx: E11.9. Continue metformin 500 mg. HbA1c 7.2%.";

async function setup() {
	const org = await createOrg();
	const doc = await createUser(org, {
		clinical: true,
		grants: { "cardiology-referrals": "sender", billing: "sender" },
	});
	const officer = await createUser(org, { role: "compliance" });
	const { jobs, bindings } = capturingOutbox();
	const post = (path: string, body: unknown) =>
		api(
			path,
			doc.token,
			{ method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) },
			bindings,
		);
	return { org, doc, officer, jobs, post };
}

async function blockedRows(orgId: string) {
	return db
		.select()
		.from(auditEvents)
		.where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, "message.blocked")));
}

describe("decideOutbound through the API", () => {
	it("blocks PHI from an administrative alias (422 with rule ids, audited without the matches)", async () => {
		const { org, post, jobs } = await setup();
		const res = await post("/v1/messages", {
			aliasId: org.aliasId("billing"),
			to: ["pat@patient.example"],
			subject: "Your results",
			text: PHI_TEXT,
		});
		expect(res.status).toBe(422);
		expect((await json(res)).error).toMatchObject({
			code: "phi_blocked",
			reason: "phi_from_administrative_alias",
			rules: ["icd10", "lab_value", "medication"],
			recipients: ["pat@patient.example"],
		});
		const [row] = await blockedRows(org.orgId);
		expect(row?.details).not.toMatch(/E11|metformin|7\.2|patient\.example/);
		expect(await db.select().from(messages).where(eq(messages.orgId, org.orgId))).toHaveLength(0);
		expect(jobs).toHaveLength(0);
	});

	it("blocks PHI from a clinical alias to a recipient not marked secure, naming that recipient", async () => {
		const { org, officer, post } = await setup();
		await call(officer.token, "POST", "/v1/recipients", {
			kind: "domain",
			value: "partner-lab.example",
			secure: true,
			reason: "BAA",
		});
		const res = await post("/v1/messages", {
			aliasId: org.aliasId("cardiology-referrals"),
			to: ["results@partner-lab.example", "pat@gmail.example"],
			subject: "Results",
			text: PHI_TEXT,
		});
		expect(res.status).toBe(422);
		expect((await json(res)).error).toMatchObject({
			reason: "phi_to_insecure_recipient",
			recipients: ["pat@gmail.example"],
		});
		expect(await blockedRows(org.orgId)).toHaveLength(1);
	});

	it("allows PHI from a clinical alias to secure recipients (by domain, by address, or our own domain)", async () => {
		const { org, officer, post, jobs } = await setup();
		await call(officer.token, "POST", "/v1/recipients", {
			kind: "domain",
			value: "partner-lab.example",
			secure: true,
			reason: "BAA",
		});
		await call(officer.token, "POST", "/v1/recipients", {
			kind: "address",
			value: "dr.ng@clinic-two.example",
			secure: true,
			reason: "BAA",
		});
		const res = await post("/v1/messages", {
			aliasId: org.aliasId("cardiology-referrals"),
			to: ["results@partner-lab.example", "dr.ng@clinic-two.example", org.alias("billing")],
			subject: "Results",
			text: PHI_TEXT,
		});
		expect(res.status).toBe(202);
		const { id } = await json(res);
		const [row] = await db.select().from(messages).where(eq(messages.id, id));
		expect(JSON.parse(row?.phiRules ?? "[]")).toEqual(["icd10", "lab_value", "medication"]);
		expect(jobs).toHaveLength(1);
	});

	it("lets administrative mail without PHI through to anyone", async () => {
		const { org, post } = await setup();
		const res = await post("/v1/messages", {
			aliasId: org.aliasId("billing"),
			to: ["pat@gmail.example"],
			subject: "Appointment reminder",
			text: "Your appointment is on Tuesday at 10:30. Please arrive 15 minutes early.",
		});
		expect(res.status).toBe(202);
	});

	it("scans the subject, the HTML and attachment names too", async () => {
		const { org, post } = await setup();
		const base = {
			aliasId: org.aliasId("billing"),
			to: ["pat@gmail.example"],
			subject: "Hello",
			text: "See attached.",
		};
		for (const patch of [
			{ subject: "SSN 123-45-6789" },
			{ html: "<p>DOB: <b>03/14/1962</b></p>", text: undefined },
			{ attachments: [{ filename: "MRN 00482913 labs.pdf", contentType: "application/pdf", content: "JVBERg==" }] },
		]) {
			expect((await post("/v1/messages", { ...base, ...patch })).status).toBe(422);
		}
	});
});

describe("forwarding", () => {
	it("forwards to the org's own domain, refuses an outside address, allows the allow-list", async () => {
		const { org, doc, officer, post } = await setup();
		await deliver(buildMail({ to: org.alias("billing"), subject: "Question", text: "When is my appointment?" }), {
			to: org.alias("billing"),
		});
		const [inbound] = await db.select().from(messages).where(eq(messages.orgId, org.orgId));
		const path = `/v1/messages/${inbound?.id}/forward`;
		const inside = await post(path, { to: [org.alias("cardiology-referrals")], note: "For you" });
		expect(inside.status).toBe(202);
		const raw = await (await call(doc.token, "GET", `/v1/messages/${(await json(inside)).id}/raw`)).text();
		const forwarded = await PostalMime.parse(raw);
		expect(forwarded.subject).toBe("Fwd: Question");
		const [eml] = forwarded.attachments;
		expect(eml?.filename).toBe("forwarded-message.eml");
		expect(new TextDecoder().decode(eml?.content as ArrayBuffer)).toContain("When is my appointment?");

		const outside = await post(path, { to: ["someone@gmail.example"] });
		expect(outside.status).toBe(422);
		expect((await json(outside)).error.message).toContain("to[0]");

		await call(officer.token, "PATCH", "/v1/policies", { forwardAllowList: ["partner-clinic.example"] });
		expect((await post(path, { to: ["desk@partner-clinic.example"] })).status).toBe(202);
	});

	it("blocks forwarding a message with PHI from an administrative alias, even inside the org", async () => {
		const { org, post } = await setup();
		await deliver(buildMail({ to: org.alias("billing"), text: "My MRN: 00482913, please update." }), {
			to: org.alias("billing"),
		});
		const [inbound] = await db.select().from(messages).where(eq(messages.orgId, org.orgId));
		const res = await post(`/v1/messages/${inbound?.id}/forward`, { to: [org.alias("cardiology-referrals")] });
		expect(res.status).toBe(422);
		expect((await json(res)).error.rules).toEqual(["mrn"]);
	});
});
