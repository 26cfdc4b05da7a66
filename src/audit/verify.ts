// Walks an org's chain in seq order and recomputes every MAC. Reports the first row that is
// out of place, with a reason, so compliance knows where tampering (or corruption) begins.
// A truncated tail or a complete re-chain under the right key cannot be seen from the rows
// alone; signed checkpoints exported elsewhere close that gap (see README, "Audit").
import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "../db/client";
import { auditEvents } from "../db/schema";
import { type AuditRow, GENESIS_MAC, macRow } from "./chain";

export type ChainFailure = "seq_gap" | "prev_mac_mismatch" | "mac_mismatch";

export type ChainState =
	| { ok: true; count: number; headSeq: number; headMac: string }
	| { ok: false; count: number; failedSeq: number; reason: ChainFailure };

/** Rows per D1 query: large enough to amortise round trips, small enough to keep memory flat. */
const VERIFY_PAGE_ROWS = 1000;

export async function verifyChain(db: Db, auditKey: CryptoKey, orgId: string): Promise<ChainState> {
	let expectedSeq = 1;
	let prevMac = GENESIS_MAC;
	let count = 0;
	for (;;) {
		const page: AuditRow[] = await db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.orgId, orgId), gt(auditEvents.seq, expectedSeq - 1)))
			.orderBy(asc(auditEvents.seq))
			.limit(VERIFY_PAGE_ROWS);
		for (const row of page) {
			if (row.seq !== expectedSeq) return { ok: false, count, failedSeq: expectedSeq, reason: "seq_gap" };
			if (row.prevMac !== prevMac) return { ok: false, count, failedSeq: row.seq, reason: "prev_mac_mismatch" };
			const { mac, ...unsigned } = row;
			if ((await macRow(auditKey, unsigned)) !== mac) {
				return { ok: false, count, failedSeq: row.seq, reason: "mac_mismatch" };
			}
			count += 1;
			expectedSeq += 1;
			prevMac = mac;
		}
		if (page.length < VERIFY_PAGE_ROWS) return { ok: true, count, headSeq: expectedSeq - 1, headMac: prevMac };
	}
}
