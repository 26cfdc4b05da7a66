// The composed outbound MIME, read back by an independent parser (nodemailer's mailparser, not
// postal-mime): headers, threading, the notice exactly once per body, and the BCC and archive
// addresses absent from every header yet present in the envelope.
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { composeMime, type Draft } from "../../src/outbound/compose";

const draft: Draft = {
	from: { name: "Cardiology Referrals — Demo Clinic", address: "cardiology-referrals@clinic.example" },
	to: ["pat@patient.example"],
	cc: ["gp@partner.example"],
	bcc: ["quiet@partner.example"],
	archive: ["archive@vault.clinic.example"],
	subject: "Re: Referral question — é",
	text: "Hello Pat,\n.\nSee you Tuesday.\r\nBare CR\rhere.",
	html: "<html><body><p>Hello Pat</p></body></html>",
	attachments: [
		{ filename: "directions map.pdf", contentType: "application/pdf", content: new TextEncoder().encode("%PDF-1.4 x") },
	],
	messageId: "msg_abc@clinic.example",
	inReplyTo: "patient-1@patient.example",
	references: ["patient-0@patient.example", "patient-1@patient.example"],
	loopMarker: "org_demo",
	notice: "CONFIDENTIAL: this message may contain protected health information.",
	date: new Date("2026-12-03T10:00:00Z"),
};

describe("composeMime", () => {
	it("is read back by mailparser with every header and part right", async () => {
		const { raw, envelope } = composeMime(draft);
		const parsed = await simpleParser(raw);
		expect(parsed.from?.value).toEqual([{ name: draft.from.name, address: draft.from.address }]);
		expect(parsed.subject).toBe(draft.subject);
		expect(parsed.messageId).toBe("<msg_abc@clinic.example>");
		expect(parsed.inReplyTo).toBe("<patient-1@patient.example>");
		expect(parsed.references).toEqual(["<patient-0@patient.example>", "<patient-1@patient.example>"]);
		expect(parsed.date?.toISOString()).toBe("2026-12-03T10:00:00.000Z");
		expect(parsed.headers.get("x-carepost-loop")).toBe("org_demo");
		expect(parsed.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([
			["directions map.pdf", "application/pdf", "%PDF-1.4 x"],
		]);
		expect(envelope).toEqual({
			from: draft.from.address,
			to: ["pat@patient.example", "gp@partner.example", "quiet@partner.example", "archive@vault.clinic.example"],
		});
	});

	it("carries the notice exactly once in each body", async () => {
		const parsed = await simpleParser(composeMime(draft).raw);
		const count = (s: string | false | undefined) => (String(s).match(/CONFIDENTIAL: this message/g) ?? []).length;
		expect(count(parsed.text)).toBe(1);
		expect(count(parsed.html)).toBe(1);
		expect(String(parsed.html)).toMatch(/<hr><p>CONFIDENTIAL[^<]*<\/p><\/body>/);
	});

	it("writes BCC and archive addresses in no header at all", () => {
		const { raw } = composeMime(draft);
		expect(raw).not.toMatch(/^bcc:/im);
		for (const hidden of [...draft.bcc, ...draft.archive]) expect(raw).not.toContain(hidden);
	});

	it("emits only CRLF line breaks, no bare CR/LF and no lone '.' line", () => {
		const { raw } = composeMime(draft);
		expect(raw).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
		expect(raw).not.toContain("\r\n.\r\n");
		expect(Math.max(...raw.split("\r\n").map((l) => l.length))).toBeLessThanOrEqual(998);
	});

	it.each([
		["subject", { subject: "Hi\r\nBcc: evil@x.example" }],
		["a recipient", { to: ["a@b.example\nBcc: evil@x.example"] }],
		[
			"an attachment name",
			{ attachments: [{ filename: "a\r\n.pdf", contentType: "application/pdf", content: new Uint8Array() }] },
		],
		["the display name", { from: { name: "x\0y", address: "a@b.example" } }],
	])("refuses CR/LF/NUL in %s even if validation were bypassed", (_n, patch) => {
		expect(() => composeMime({ ...draft, ...patch } as Draft)).toThrow(/CR, LF or NUL/);
	});
});
