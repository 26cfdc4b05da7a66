// The sealed metadata of a stored message: everything a reader needs to list and show it
// without opening the body. Lives only inside `messages.sealed` (ciphertext).
import type { Email } from "postal-mime";
import { type Mailbox, mailboxes, messageIds } from "./parse";

export interface AttachmentInfo {
	filename: string | null;
	mimeType: string;
	size: number;
	disposition: string | null;
}

export interface MessageMeta {
	subject: string | null;
	from: Mailbox | null;
	to: Mailbox[];
	cc: Mailbox[];
	date: string | null;
	messageId: string | null;
	inReplyTo: string | null;
	references: string[];
	envelopeFrom: string;
	envelopeTo: string;
	/** Outbound only: every envelope recipient (To, Cc, BCC, archive) the transport sends to. */
	envelopeRecipients?: string[];
	attachments: AttachmentInfo[];
}

function byteLength(content: ArrayBuffer | Uint8Array | string): number {
	return typeof content === "string" ? content.length : content.byteLength;
}

export function metaOf(email: Email | null, envelope: { from: string; to: string }): MessageMeta {
	return {
		subject: email?.subject ?? null,
		from: mailboxes(email?.from)[0] ?? null,
		to: mailboxes(email?.to),
		cc: mailboxes(email?.cc),
		date: email?.date ?? null,
		messageId: messageIds(email?.messageId)[0] ?? null,
		inReplyTo: messageIds(email?.inReplyTo)[0] ?? null,
		references: messageIds(email?.references),
		envelopeFrom: envelope.from,
		envelopeTo: envelope.to,
		attachments: (email?.attachments ?? []).map((a) => ({
			filename: a.filename,
			mimeType: a.mimeType,
			size: byteLength(a.content),
			disposition: a.disposition,
		})),
	};
}
