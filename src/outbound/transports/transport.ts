// What a transport does: hand one composed message to the provider for every envelope
// recipient, and say whether a failure is worth retrying.

export interface OutgoingMail {
	from: string;
	recipients: string[];
	raw: string;
}

export interface Transport {
	/** Resolves with the provider's id for the message (threading matches replies on it too). */
	send(mail: OutgoingMail): Promise<{ providerMessageId: string | null }>;
}

/** A provider failure. Permanent ones (a refused sender, a malformed message) are not retried. */
export class TransportError extends Error {
	readonly permanent: boolean;

	constructor(message: string, permanent: boolean) {
		super(message);
		this.name = "TransportError";
		this.permanent = permanent;
	}
}

/** Provider ids sometimes come with angle brackets; threading compares them without. */
export function bareMessageId(id: string | null | undefined): string | null {
	const v = id?.trim().replace(/^<|>$/g, "");
	return v ? v : null;
}
