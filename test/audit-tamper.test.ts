// Someone with raw access to the database file can drop the triggers. verifyChain must still
// find each kind of tampering and name the first seq it affects. (Storage is isolated per test
// file, so dropping the triggers here does not weaken any other test.)
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { appendAudit } from "../src/audit/append";
import { type AuditRow, macRow } from "../src/audit/chain";
import { verifyChain } from "../src/audit/verify";
import { loadConfig } from "../src/env";
import { newId } from "../src/ids";
import { auditInserts } from "./support/audit-rows";
import { db } from "./support/org";

const run = (sql: string, ...params: unknown[]) =>
	env.DB.prepare(sql)
		.bind(...params)
		.run();

async function rowsOf(orgId: string): Promise<AuditRow[]> {
	const res = await env.DB.prepare(
		"SELECT org_id AS orgId, seq, at, actor_type AS actorType, actor_id AS actorId, action, target_type AS targetType, target_id AS targetId, outcome, request_id AS requestId, details, prev_mac AS prevMac, mac FROM audit_events WHERE org_id = ? ORDER BY seq",
	)
		.bind(orgId)
		.all<AuditRow>();
	return res.results;
}

async function insertRow(row: AuditRow) {
	await env.DB.batch(auditInserts(env.DB, [row]));
}

async function chainOf(length: number) {
	const { auditKey } = await loadConfig(env);
	const orgId = newId("org");
	for (let i = 1; i <= length; i++) {
		await appendAudit(db, auditKey, orgId, {
			actorType: "user",
			actorId: "usr_a",
			action: `e${i}`,
			targetType: "message",
			targetId: `msg_${i}`,
			outcome: "success",
		});
	}
	return { orgId, auditKey };
}

beforeAll(async () => {
	for (const t of ["no_update", "no_delete", "seq", "prev_mac"]) await run(`DROP TRIGGER audit_events_${t}`);
});

describe("verifyChain finds tampering", () => {
	it("passes the untouched chain", async () => {
		const { orgId, auditKey } = await chainOf(5);
		const state = await verifyChain(db, auditKey, orgId);
		expect(state).toMatchObject({ ok: true, count: 5, headSeq: 5 });
		expect(state.ok && state.headMac).toBe((await rowsOf(orgId))[4]?.mac);
	});

	it.each<[string, (orgId: string, auditKey: CryptoKey) => Promise<unknown>, number, string]>([
		[
			"a flipped bit in row 3",
			// 'e3' → 'e2': 0x33 → 0x32 is one bit.
			(org) => run("UPDATE audit_events SET action = 'e2' WHERE org_id = ? AND seq = 3", org),
			3,
			"mac_mismatch",
		],
		[
			"a changed prev_mac in row 3",
			(org) => run("UPDATE audit_events SET prev_mac = ? WHERE org_id = ? AND seq = 3", "0".repeat(64), org),
			3,
			"prev_mac_mismatch",
		],
		["a deleted row 3", (org) => run("DELETE FROM audit_events WHERE org_id = ? AND seq = 3", org), 3, "seq_gap"],
		[
			"a forged row inserted at 3",
			async (org) => {
				const rows = await rowsOf(org);
				for (const r of [...rows].reverse().filter((r) => r.seq >= 3)) {
					await run("UPDATE audit_events SET seq = seq + 1 WHERE org_id = ? AND seq = ?", org, r.seq);
				}
				const two = rows[1] as AuditRow;
				await insertRow({ ...two, seq: 3, action: "forged", prevMac: two.mac, mac: "f".repeat(64) });
			},
			3,
			"mac_mismatch",
		],
		[
			"rows 2 and 3 swapped",
			async (org) => {
				const rows = await rowsOf(org);
				const [two, three] = [rows[1] as AuditRow, rows[2] as AuditRow];
				await run("DELETE FROM audit_events WHERE org_id = ? AND seq IN (2, 3)", org);
				await insertRow({ ...three, seq: 2 });
				await insertRow({ ...two, seq: 3 });
			},
			2,
			"prev_mac_mismatch",
		],
		[
			"row 2 duplicated at the tail",
			async (org) => {
				const rows = await rowsOf(org);
				await insertRow({ ...(rows[1] as AuditRow), seq: 6 });
			},
			6,
			"prev_mac_mismatch",
		],
		[
			"the whole chain re-MACed with a wrong key",
			async (org) => {
				const wrongKey = await crypto.subtle.importKey(
					"raw",
					crypto.getRandomValues(new Uint8Array(32)),
					{ name: "HMAC", hash: "SHA-256" },
					false,
					["sign"],
				);
				let prevMac = "";
				for (const r of await rowsOf(org)) {
					const { mac: _old, ...unsigned } = { ...r, prevMac };
					const mac = await macRow(wrongKey, unsigned);
					await run(
						"UPDATE audit_events SET prev_mac = ?, mac = ? WHERE org_id = ? AND seq = ?",
						prevMac,
						mac,
						org,
						r.seq,
					);
					prevMac = mac;
				}
			},
			1,
			"mac_mismatch",
		],
	])("detects %s", async (_name, tamper, failedSeq, reason) => {
		const { orgId, auditKey } = await chainOf(5);
		await tamper(orgId, auditKey);
		expect(await verifyChain(db, auditKey, orgId)).toMatchObject({ ok: false, failedSeq, reason });
	});
});
