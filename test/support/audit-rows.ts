// Writes prepared audit rows with plain SQL, bypassing the appender: for seeding large chains
// (tests, bench) and for playing "another isolate" or an attacker with database access.
import type { AuditRow } from "../../src/audit/chain";

const COLUMNS =
	"org_id, seq, at, actor_type, actor_id, action, target_type, target_id, outcome, request_id, details, prev_mac, mac";
/** 13 columns × 7 rows = 91 bound parameters, under D1's limit of 100. */
const ROWS_PER_STATEMENT = 7;

const values = (r: AuditRow) => [
	r.orgId,
	r.seq,
	r.at,
	r.actorType,
	r.actorId,
	r.action,
	r.targetType,
	r.targetId,
	r.outcome,
	r.requestId,
	r.details,
	r.prevMac,
	r.mac,
];

/** INSERT statements for `rows`, several rows per statement; run them with `d1.batch()`. */
export function auditInserts(d1: D1Database, rows: readonly AuditRow[]): D1PreparedStatement[] {
	const statements: D1PreparedStatement[] = [];
	for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
		const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
		const placeholders = chunk.map(() => "(?,?,?,?,?,?,?,?,?,?,?,?,?)").join(",");
		statements.push(
			d1.prepare(`INSERT INTO audit_events (${COLUMNS}) VALUES ${placeholders}`).bind(...chunk.flatMap(values)),
		);
	}
	return statements;
}
