// Seeds `count` messages (two per conversation) for one alias directly into D1, sealed exactly
// as Carepost seals them, so listing and paging run against realistic rows. No R2 bodies: the
// read benchmark uses messages that arrived through the real email() handler.
import { blindIndex } from "../src/crypto/blind-index";
import { newDataKey, sealJson } from "../src/crypto/envelope";
import { type Env, loadConfig } from "../src/env";
import { newId } from "../src/ids";

/** 11 conversation columns × 9 rows and 13 message columns × 7 rows stay under 100 parameters. */
const CONVERSATIONS_PER_INSERT = 9;
const MESSAGES_PER_INSERT = 7;
const CHUNK = 2000;

export async function seedMessages(env: Env, input: { orgId: string; aliasId: string; count: number }) {
	const config = await loadConfig(env);
	const { orgId, aliasId, count } = input;
	const start = Date.UTC(2026, 0, 1);
	for (let done = 0; done < count; done += CHUNK) {
		const convRows: unknown[][] = [];
		const msgRows: unknown[][] = [];
		for (let i = done; i < Math.min(count, done + CHUNK); i += 2) {
			const cnv = newId("cnv");
			const at = new Date(start + i * 60_000).toISOString();
			const counterpart = `patient${i}@mail.example`;
			const ck = await newDataKey(config.keyring);
			convRows.push([
				cnv,
				orgId,
				aliasId,
				await blindIndex(config.indexKey, "address", counterpart),
				ck.wrapped,
				ck.keyId,
				await sealJson(
					ck.key,
					{ orgId, recordId: cnv, purpose: "conversation" },
					{ counterpart, subject: `Question ${i}` },
				),
				"open",
				null,
				at,
				at,
			]);
			for (let m = 0; m < 2 && i + m < count; m++) {
				const id = newId("msg");
				const mk = await newDataKey(config.keyring);
				const meta = {
					subject: `Question ${i}`,
					from: { name: "", address: counterpart },
					to: [],
					cc: [],
					attachments: [],
				};
				msgRows.push([
					id,
					orgId,
					cnv,
					aliasId,
					"inbound",
					await blindIndex(config.indexKey, "message-id", `${id}@mail.example`),
					id,
					2048,
					mk.keyId,
					mk.wrapped,
					await sealJson(mk.key, { orgId, recordId: id, purpose: "meta" }, meta),
					"received",
					at,
				]);
			}
		}
		const statements: D1PreparedStatement[] = [];
		const insert = (sql: string, rows: unknown[][], per: number, width: number) => {
			for (let i = 0; i < rows.length; i += per) {
				const chunk = rows.slice(i, i + per);
				const values = chunk.map(() => `(${Array(width).fill("?").join(",")})`).join(",");
				statements.push(env.DB.prepare(`${sql} VALUES ${values}`).bind(...chunk.flat()));
			}
		};
		insert(
			"INSERT INTO conversations (id, org_id, alias_id, counterpart_index, wrapped_key, key_id, sealed, status, assignee_id, last_message_at, created_at)",
			convRows,
			CONVERSATIONS_PER_INSERT,
			11,
		);
		insert(
			"INSERT INTO messages (id, org_id, conversation_id, alias_id, direction, message_id_index, dedupe_key, size, key_id, wrapped_key, sealed, status, created_at)",
			msgRows,
			MESSAGES_PER_INSERT,
			13,
		);
		await env.DB.batch(statements);
	}
	return { orgId, count };
}
