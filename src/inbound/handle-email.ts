// The email() entry point (DESIGN §4 "Inbound"). Permanent problems (too big, no such alias,
// a loop) are refused with setReject, a 5xx the sender will not retry. Anything transient
// (D1, R2) throws, which Email Routing turns into a temporary failure, so the sender retries.
// Logs carry ids and reason codes only: never an address, subject or body.

import { resolveAlias } from "../aliases/resolve";
import { appendAudit } from "../audit/append";
import { openDb } from "../db/client";
import { type Env, loadConfig } from "../env";
import { detectLoop } from "./loop-guard";
import { metaOf } from "./meta";
import { parseMail } from "./parse";
import { type StoreOutcome, storeInbound } from "./store";

/** The slice of ForwardableEmailMessage this handler uses (tests build one by hand). */
export interface IncomingMail {
	from: string;
	to: string;
	raw: ReadableStream<Uint8Array>;
	rawSize: number;
	setReject(reason: string): void;
}

export type InboundResult =
	| { kind: "rejected"; reason: "too_large" | "unknown_alias" | "alias_disabled" | "alias_expired" | "mail_loop" }
	| ({ kind: "stored" } & StoreOutcome);

/** What the sending server sees. Fixed texts: no internals, no echo of the address. */
const REJECT_TEXT = {
	too_large: "552 5.3.4 Message too large",
	unknown_alias: "550 5.1.1 No such recipient",
	alias_disabled: "550 5.1.1 Recipient disabled",
	alias_expired: "550 5.1.6 Recipient no longer accepts mail",
	mail_loop: "554 5.4.6 Mail loop detected",
} as const;

export async function handleEmail(message: IncomingMail, env: Env): Promise<InboundResult> {
	const config = await loadConfig(env);
	const db = openDb(env.DB);

	const reject = async (reason: keyof typeof REJECT_TEXT, orgId: string | null): Promise<InboundResult> => {
		if (orgId) {
			await appendAudit(db, config.auditKey, orgId, {
				actorType: "system",
				actorId: "email-routing",
				action: "message.rejected",
				outcome: "denied",
				details: { reason, size: message.rawSize },
			});
		}
		console.log(JSON.stringify({ event: "inbound.rejected", reason, orgId }));
		message.setReject(REJECT_TEXT[reason]);
		return { kind: "rejected", reason };
	};

	// Both checks run before the body is read: an oversized or misaddressed message costs
	// one indexed lookup, no memory and no parsing. The lookup comes first so a refusal can be
	// audited in the right org.
	const route = await resolveAlias(db, message.to);
	const orgId = route.ok ? route.alias.orgId : route.orgId;
	if (message.rawSize > config.maxInboundBytes) return reject("too_large", orgId);
	if (!route.ok) return reject(route.reason, orgId);

	const raw = new Uint8Array(await new Response(message.raw).arrayBuffer());
	if (detectLoop(raw).loop) return reject("mail_loop", route.alias.orgId);

	const parsed = await parseMail(raw);
	const outcome = await storeInbound(
		{ db, bucket: env.BODIES, config },
		{
			orgId: route.alias.orgId,
			aliasId: route.alias.id,
			via: route.via,
			raw,
			meta: metaOf(parsed.ok ? parsed.email : null, { from: message.from, to: message.to }),
			quarantine: parsed.ok ? null : parsed.reason,
		},
	);
	console.log(
		JSON.stringify(
			outcome.stored
				? { event: "inbound.stored", messageId: outcome.messageId, quarantine: parsed.ok ? null : parsed.reason }
				: { event: "inbound.duplicate", messageId: outcome.duplicateOf },
		),
	);
	return { kind: "stored", ...outcome };
}
