// Amazon SES API v2, raw send, signed with aws4fetch. retries: 0 because a response lost after
// SES accepted the mail would otherwise send it twice; the queue owns retrying. Every send
// names the configuration set, whose delivery options require TLS to the recipient's server.
import { AwsClient } from "aws4fetch";
import { toBase64, utf8 } from "../../crypto/encoding";
import { type OutgoingMail, type Transport, TransportError } from "./transport";

export interface SesConfig {
	region: string;
	accessKeyId: string;
	secretAccessKey: string;
	configurationSet: string;
}

export function sesEndpoint(region: string): string {
	return `https://email.${region}.amazonaws.com/v2/email/outbound-emails`;
}

export function sesTransport(config: SesConfig): Transport {
	const client = new AwsClient({
		accessKeyId: config.accessKeyId,
		secretAccessKey: config.secretAccessKey,
		region: config.region,
		service: "ses",
		retries: 0,
	});
	return {
		async send(mail: OutgoingMail) {
			let res: Response;
			try {
				res = await client.fetch(sesEndpoint(config.region), {
					method: "POST",
					headers: { "Content-Type": "application/json" },
					body: JSON.stringify({
						FromEmailAddress: mail.from,
						// With raw content the Destination is the envelope: BCC and archive included.
						Destination: { ToAddresses: mail.recipients },
						Content: { Raw: { Data: toBase64(utf8.encode(mail.raw)) } },
						ConfigurationSetName: config.configurationSet,
					}),
				});
			} catch {
				throw new TransportError("SES unreachable", false);
			}
			if (!res.ok) {
				// 429 and 5xx are SES being busy or down; any other 4xx will fail the same way again.
				throw new TransportError(`SES answered ${res.status}`, res.status !== 429 && res.status < 500);
			}
			const body = (await res.json().catch(() => ({}))) as { MessageId?: string };
			// SES rewrites Message-ID to <MessageId@email.amazonses.com>; replies cite that.
			return { providerMessageId: body.MessageId ? `${body.MessageId}@email.amazonses.com` : null };
		},
	};
}
