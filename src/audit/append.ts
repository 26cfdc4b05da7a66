// Appending to the audit chain in the same D1 batch as the change it records, so a change is
// never stored without its audit row (or the other way round).
import { desc, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { type Db, errorText, runBatch } from "../db/client";
import { auditEvents } from "../db/schema";
import { type AuditEvent, chainRows, GENESIS_MAC } from "./chain";

/**
 * Two requests for one org can read the same head; the database's triggers then refuse the
 * second batch as a whole. Retrying with the new head resolves it; five attempts absorb a
 * burst of concurrent writers without letting a real fault spin for long.
 */
const MAX_APPEND_ATTEMPTS = 5;

/**
 * The last head this isolate wrote, per org. While one isolate serves an org (the usual case)
 * this saves a D1 read on every append; when another isolate has appended meanwhile, the
 * triggers refuse the batch and the retry reads the real head. Bounded so a deployment with
 * many orgs cannot grow it without limit.
 */
const knownHeads = new Map<string, { seq: number; mac: string }>();
const MAX_KNOWN_HEADS = 1000;

function rememberHead(orgId: string, head: { seq: number; mac: string }) {
	knownHeads.delete(orgId);
	knownHeads.set(orgId, head);
	if (knownHeads.size > MAX_KNOWN_HEADS) knownHeads.delete(knownHeads.keys().next().value as string);
}

export async function auditHead(db: Db, orgId: string): Promise<{ seq: number; mac: string }> {
	const [head] = await db
		.select({ seq: auditEvents.seq, mac: auditEvents.mac })
		.from(auditEvents)
		.where(eq(auditEvents.orgId, orgId))
		.orderBy(desc(auditEvents.seq))
		.limit(1);
	return head ?? { seq: 0, mac: GENESIS_MAC };
}

/**
 * Runs `statements` plus the audit rows for `events` as one atomic batch. On a lost race
 * for the chain head the whole batch is retried with the new head; any other failure throws.
 */
export async function commitWithAudit(
	db: Db,
	auditKey: CryptoKey,
	orgId: string,
	events: AuditEvent[],
	statements: BatchItem<"sqlite">[] = [],
): Promise<void> {
	for (let attempt = 1; ; attempt++) {
		const head = (attempt === 1 && knownHeads.get(orgId)) || (await auditHead(db, orgId));
		const rows = await chainRows(auditKey, orgId, head, events, new Date().toISOString());
		const inserts = rows.map((row) => db.insert(auditEvents).values(row));
		try {
			await runBatch(db, [...statements, ...inserts]);
			const last = rows.at(-1);
			if (last) rememberHead(orgId, { seq: last.seq, mac: last.mac });
			return;
		} catch (err) {
			knownHeads.delete(orgId);
			if (attempt >= MAX_APPEND_ATTEMPTS || !errorText(err).includes("audit_chain:")) throw err;
		}
	}
}

/** Audit rows with nothing else to commit (reads, denials). */
export function appendAudit(db: Db, auditKey: CryptoKey, orgId: string, ...events: AuditEvent[]): Promise<void> {
	return commitWithAudit(db, auditKey, orgId, events);
}
