// Cloudflare Email Service through the send_email binding. One EmailMessage carries one
// envelope recipient, so the same raw message is handed over once per recipient (To, Cc, BCC
// and archive alike). The first recipient's provider id is the one recorded for threading.
import { EmailMessage } from "cloudflare:email";
import { bareMessageId, type OutgoingMail, type Transport, TransportError } from "./transport";

/**
 * Binding errors that will not change on retry: an unverified or unknown sender or recipient,
 * a message the service rejects as malformed or too large.
 */
const PERMANENT = /not verified|not allowed|invalid|too large|malformed|unauthori[sz]ed|forbidden/i;

export function cloudflareTransport(binding: SendEmail): Transport {
	return {
		async send(mail: OutgoingMail) {
			let providerMessageId: string | null = null;
			for (const [i, rcpt] of mail.recipients.entries()) {
				try {
					const result = await binding.send(new EmailMessage(mail.from, rcpt, mail.raw));
					if (i === 0) providerMessageId = bareMessageId(result?.messageId);
				} catch (err) {
					const message = err instanceof Error ? err.message : String(err);
					throw new TransportError(`send_email failed for recipient ${i}`, PERMANENT.test(message));
				}
			}
			return { providerMessageId };
		},
	};
}
