// The audit chain's MAC (NOTES "Audit chain"). Each org's events form a chain: seq 1..n,
// prev_mac = the previous row's mac ('' for seq 1), mac = HMAC-SHA-256(AUDIT_KEY, canonical row).
// Pure apart from WebCrypto, so append and verify share exactly one definition of a row's bytes.
import { toHex, utf8 } from "../crypto/encoding";

export type ActorType = "user" | "token" | "system" | "anonymous";
export type Outcome = "success" | "denied" | "error";

/** Ids, counts and reason codes only: an audit detail never holds PHI. */
export type AuditDetails = Record<string, string | number | boolean | null | string[]>;

export interface AuditEvent {
	actorType: ActorType;
	actorId: string;
	action: string;
	targetType?: string | null;
	targetId?: string | null;
	outcome: Outcome;
	requestId?: string | null;
	details?: AuditDetails;
}

export interface AuditRow {
	orgId: string;
	seq: number;
	at: string;
	actorType: ActorType;
	actorId: string;
	action: string;
	targetType: string | null;
	targetId: string | null;
	outcome: Outcome;
	requestId: string | null;
	details: string;
	prevMac: string;
	mac: string;
}

export const GENESIS_MAC = "";

/**
 * A fixed-order JSON array: field order cannot drift with object construction, and every
 * value is a string, number or null, so the serialisation is unambiguous.
 */
export function canonicalRow(row: Omit<AuditRow, "mac">): string {
	return JSON.stringify([
		row.orgId,
		row.seq,
		row.at,
		row.actorType,
		row.actorId,
		row.action,
		row.targetType,
		row.targetId,
		row.outcome,
		row.requestId,
		row.details,
		row.prevMac,
	]);
}

export async function macRow(auditKey: CryptoKey, row: Omit<AuditRow, "mac">): Promise<string> {
	return toHex(await crypto.subtle.sign("HMAC", auditKey, utf8.encode(canonicalRow(row))));
}

/** Builds the next `count` chained rows after the head (seq, mac). */
export async function chainRows(
	auditKey: CryptoKey,
	orgId: string,
	head: { seq: number; mac: string },
	events: AuditEvent[],
	at: string,
): Promise<AuditRow[]> {
	const rows: AuditRow[] = [];
	let { seq, mac: prevMac } = head;
	for (const e of events) {
		seq += 1;
		const unsigned = {
			orgId,
			seq,
			at,
			actorType: e.actorType,
			actorId: e.actorId,
			action: e.action,
			targetType: e.targetType ?? null,
			targetId: e.targetId ?? null,
			outcome: e.outcome,
			requestId: e.requestId ?? null,
			details: JSON.stringify(e.details ?? {}),
			prevMac,
		};
		const mac = await macRow(auditKey, unsigned);
		rows.push({ ...unsigned, mac });
		prevMac = mac;
	}
	return rows;
}
