// Every parse limit at its edge and one past it. Past a limit the message is still stored,
// quarantined, and its raw bytes stay readable.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { messages } from "../src/db/schema";
import { MAX_HEADER_BYTES, MAX_MIME_DEPTH, MAX_PARTS, parseMail } from "../src/inbound/parse";
import { api, deliver } from "./support/mail";
import { createOrg, createUser, db } from "./support/org";

const enc = (s: string) => new TextEncoder().encode(s);

/** A message whose deepest MIME part sits at `depth` (the root is depth 0). */
function nested(depth: number): string {
	let body = "Content-Type: text/plain\r\n\r\ninnermost\r\n";
	for (let level = depth; level > 0; level--) {
		const b = `b${level}`;
		body = `Content-Type: multipart/mixed; boundary="${b}"\r\n\r\n--${b}\r\n${body}--${b}--\r\n`;
	}
	return `From: a@example.org\r\nTo: b@example.org\r\nSubject: nest\r\nMessage-ID: <nest-${depth}@example.org>\r\n${body}`;
}

/**
 * A single-part message whose header lines (without their CRLFs, as postal-mime counts them)
 * add up to exactly `total` bytes.
 */
function withHeaderBytes(total: number): string {
	const fixed = ["From: a@example.org", "To: b@example.org", "Subject: big", "Message-ID: <hdr@example.org>"];
	const used = fixed.reduce((n, l) => n + l.length, 0);
	const padLength = total - used - "X-Pad: ".length;
	return `${[...fixed, `X-Pad: ${"p".repeat(padLength)}`].join("\r\n")}\r\n\r\nbody\r\n`;
}

function withParts(count: number): string {
	const parts = Array.from(
		{ length: count },
		(_, i) =>
			`--p\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f${i}.bin"\r\n\r\nx\r\n`,
	);
	return `From: a@example.org\r\nTo: b@example.org\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary="p"\r\n\r\n${parts.join("")}--p--\r\n`;
}

describe("parse limits", () => {
	it.each([
		["MIME depth", () => nested(MAX_MIME_DEPTH), () => nested(MAX_MIME_DEPTH + 1), "mime_depth"],
		[
			"header bytes",
			() => withHeaderBytes(MAX_HEADER_BYTES),
			() => withHeaderBytes(MAX_HEADER_BYTES + 1),
			"header_size",
		],
		["part count", () => withParts(MAX_PARTS), () => withParts(MAX_PARTS + 1), "too_many_parts"],
	])("%s: parses at the limit, quarantines past it", async (_name, atLimit, pastLimit, reason) => {
		expect(await parseMail(enc(atLimit()))).toMatchObject({ ok: true });
		expect(await parseMail(enc(pastLimit()))).toEqual({ ok: false, reason });
	});

	it("quarantines bytes that are not a message at all", async () => {
		expect(await parseMail(enc("\r\n\r\njust a body, no headers"))).toEqual({ ok: false, reason: "no_headers" });
	});

	it("stores an unparseable message quarantined and serves it raw", async () => {
		const org = await createOrg();
		const to = org.alias("billing");
		const raw = nested(MAX_MIME_DEPTH + 1);
		const msg = await deliver(raw, { to });
		expect(msg.rejected).toBeNull();
		const [row] = await db.select().from(messages).where(eq(messages.orgId, org.orgId));
		expect(row).toMatchObject({ status: "quarantined", quarantineReason: "mime_depth" });

		const reader = await createUser(org, { grants: { billing: "viewer" } });
		const view = await api(`/v1/messages/${row?.id}`, reader.token);
		expect(view.status).toBe(200);
		expect(await view.json()).toMatchObject({ status: "quarantined", text: null, html: null });
		const rawRes = await api(`/v1/messages/${row?.id}/raw`, reader.token);
		expect(rawRes.status).toBe(200);
		expect(rawRes.headers.get("content-type")).toBe("message/rfc822");
		expect(await rawRes.text()).toBe(raw);
	});
});
