// Builds the RFC 5322 message for one outbound mail with mimetext's browser build (CRLF line
// endings; the Node build writes bare LF under workerd). Pure. Bodies and attachments are
// base64-encoded here, in 76-character lines, so no body line can be a bare "." or carry a bare
// CR or LF (SMTP smuggling). BCC and archive addresses travel only in the envelope: they are
// never written into a header any recipient can see.
import { createMimeMessage } from "mimetext/browser";
import { toBase64, utf8 } from "../crypto/encoding";
import { LOOP_MARKER_HEADER } from "../inbound/loop-guard";

export interface OutboundAttachment {
	filename: string;
	contentType: string;
	content: Uint8Array;
}

export interface Draft {
	from: { name: string; address: string };
	to: string[];
	cc: string[];
	/** Envelope-only recipients: the caller's BCC and the mandatory archive addresses. */
	bcc: string[];
	archive: string[];
	subject: string;
	text: string | null;
	html: string | null;
	attachments: OutboundAttachment[];
	/** Our Message-ID, without angle brackets, on the alias's domain. */
	messageId: string;
	inReplyTo: string | null;
	references: string[];
	/** Written as X-Carepost-Loop so our own mail coming back is recognised (loop guard). */
	loopMarker: string;
	notice: string | null;
	date: Date;
}

export interface Composed {
	raw: string;
	envelope: { from: string; to: string[] };
}

/** RFC 2045: base64 lines of at most 76 characters. */
function base64Lines(bytes: Uint8Array): string {
	return (toBase64(bytes).match(/.{1,76}/g) ?? []).join("\r\n");
}

function escapeHtml(s: string): string {
	return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The notice goes at the end of each body, once: after the text, before </body> in HTML. */
export function withNotice(draft: Pick<Draft, "text" | "html" | "notice">): {
	text: string | null;
	html: string | null;
} {
	if (!draft.notice) return { text: draft.text, html: draft.html };
	const text = draft.text === null ? null : `${draft.text}\n\n--\n${draft.notice}\n`;
	let html = draft.html;
	if (html !== null) {
		const block = `<hr><p>${escapeHtml(draft.notice).replace(/\n/g, "<br>")}</p>`;
		const end = html.search(/<\/body>/i);
		html = end === -1 ? `${html}${block}` : `${html.slice(0, end)}${block}${html.slice(end)}`;
	}
	return { text, html };
}

/** Header values were validated at the API; this is the last line of defence. */
function headerSafe(values: string[]): void {
	for (const v of values) if (/[\r\n\0]/.test(v)) throw new Error("header value contains CR, LF or NUL");
}

export function composeMime(draft: Draft): Composed {
	headerSafe([
		draft.from.name,
		draft.from.address,
		draft.subject,
		draft.messageId,
		draft.loopMarker,
		...draft.to,
		...draft.cc,
		...draft.references,
		...(draft.inReplyTo ? [draft.inReplyTo] : []),
		...draft.attachments.flatMap((a) => [a.filename, a.contentType]),
	]);
	const msg = createMimeMessage();
	msg.setSender({ name: draft.from.name, addr: draft.from.address });
	msg.setTo(draft.to.map((addr) => ({ addr })));
	if (draft.cc.length) msg.setCc(draft.cc.map((addr) => ({ addr })));
	msg.setSubject(draft.subject);
	msg.setHeader("Date", draft.date.toUTCString().replace("GMT", "+0000"));
	msg.setHeader("Message-ID", `<${draft.messageId}>`);
	if (draft.inReplyTo) msg.setHeader("In-Reply-To", `<${draft.inReplyTo}>`);
	if (draft.references.length) msg.setHeader("References", draft.references.map((r) => `<${r}>`).join(" "));
	msg.setHeader(LOOP_MARKER_HEADER, draft.loopMarker);

	const { text, html } = withNotice(draft);
	if (text !== null)
		msg.addMessage({ contentType: "text/plain", encoding: "base64", data: base64Lines(utf8.encode(text)) });
	if (html !== null)
		msg.addMessage({ contentType: "text/html", encoding: "base64", data: base64Lines(utf8.encode(html)) });
	for (const a of draft.attachments) {
		msg.addAttachment({ filename: a.filename, contentType: a.contentType, data: base64Lines(a.content) });
	}
	const raw = `${msg.asRaw()}\r\n`;
	// Every line break must be CRLF, and no line may be a lone "." (SMTP end of data).
	if (/\r(?!\n)|(?<!\r)\n/.test(raw) || raw.includes("\r\n.\r\n"))
		throw new Error("composed message is not clean CRLF");

	const envelope = [...new Set([...draft.to, ...draft.cc, ...draft.bcc, ...draft.archive].map((a) => a.toLowerCase()))];
	return { raw, envelope: { from: draft.from.address, to: envelope } };
}
