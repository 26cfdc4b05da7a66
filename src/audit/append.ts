// Appending to the audit chain in the same D1 batch as the change it records, so a change is
// never stored without its audit row (or the other way round).
//
// Each org's chain has one head, so appends to one org are a queue by nature. Within an isolate
// they take turns (a lease per org) and remember the head they wrote, so an append is a single
// D1 batch with no read and no collision. Across isolates, the database's triggers refuse a
// batch built on a stale head; it is retried with the real head after a random pause.
import { desc, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { type Db, errorText, runBatch } from "../db/client";
import { auditEvents } from "../db/schema";
import { type AuditEvent, chainRows, GENESIS_MAC } from "./chain";

/**
 * Cross-isolate collisions only (within an isolate appends take turns): a handful of retries
 * with growing random pauses lets every writer through without letting a real fault spin.
 */
const MAX_APPEND_ATTEMPTS = 8;
const MAX_BACKOFF_MS = 250;

/**
 * A turn is normally one D1 batch (milliseconds). The lease only bounds the damage of a turn
 * that never ends (a cancelled request): after it, the next writer goes ahead anyway and the
 * triggers still keep the chain correct.
 */
const LEASE_MS = 5_000;
/** Waiting writers look again this often: a few per D1 round trip. */
const POLL_MS = 2;
/** Bounds the per-isolate maps so a deployment with many orgs cannot grow them without limit. */
const MAX_TRACKED_ORGS = 1000;

const knownHeads = new Map<string, { seq: number; mac: string }>();
const turns = new Map<string, number>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rememberHead(orgId: string, head: { seq: number; mac: string }) {
	knownHeads.delete(orgId);
	knownHeads.set(orgId, head);
	if (knownHeads.size > MAX_TRACKED_ORGS) knownHeads.delete(knownHeads.keys().next().value as string);
}

/**
 * Waits for this org's turn. Polling with the request's own timer (rather than awaiting a
 * promise another request resolves) keeps every request inside its own I/O context.
 */
async function takeTurn(orgId: string): Promise<void> {
	for (;;) {
		const busyUntil = turns.get(orgId);
		if (busyUntil === undefined || busyUntil < Date.now()) {
			turns.set(orgId, Date.now() + LEASE_MS);
			if (turns.size > MAX_TRACKED_ORGS) turns.delete(turns.keys().next().value as string);
			return;
		}
		await sleep(POLL_MS);
	}
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
	await takeTurn(orgId);
	try {
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
				await sleep(Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt));
			}
		}
	} finally {
		turns.delete(orgId);
	}
}

/** Audit rows with nothing else to commit (reads, denials). */
export function appendAudit(db: Db, auditKey: CryptoKey, orgId: string, ...events: AuditEvent[]): Promise<void> {
	return commitWithAudit(db, auditKey, orgId, events);
}
