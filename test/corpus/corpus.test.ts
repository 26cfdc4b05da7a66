// Every message of the public corpora (real and malformed mail) is delivered to its own alias
// and must end up stored — received or quarantined — with nothing thrown and nothing refused.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { messages } from "../../src/db/schema";
import { deliver } from "../support/mail";
import { createOrg, db } from "../support/org";

interface CorpusFile {
	name: string;
	base64: string;
}

const corpus: CorpusFile[] = JSON.parse((env as unknown as { CORPUS: string }).CORPUS);

function bytesOf(base64: string): Uint8Array {
	const bin = atob(base64);
	return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

it(`stores every one of the ${corpus.length} corpus messages`, async () => {
	expect(corpus.length).toBeGreaterThan(0);
	// One alias per file: several files share a Message-ID or are byte-identical, and redelivery
	// to the same alias is (rightly) stored once.
	const locals = corpus.map((_, i) => `corpus-${String(i).padStart(3, "0")}`);
	const org = await createOrg(locals.map((local) => ({ local })));
	const tally = new Map<string, { sent: number; received: number; quarantined: number; reasons: Set<string> }>();
	const failures: string[] = [];

	for (const [i, file] of corpus.entries()) {
		const folder = file.name.split("/").slice(0, -1).join("/");
		const t = tally.get(folder) ?? { sent: 0, received: 0, quarantined: 0, reasons: new Set() };
		tally.set(folder, t);
		t.sent += 1;
		const to = org.alias(locals[i] as string);
		const msg = await deliver(bytesOf(file.base64), { to, from: "corpus@example.org" }).catch((err: Error) => {
			failures.push(`${file.name}: threw ${err.name}`);
			return null;
		});
		if (msg?.rejected) failures.push(`${file.name}: rejected ${msg.rejected}`);
	}

	const rows = await db
		.select({ aliasId: messages.aliasId, status: messages.status, reason: messages.quarantineReason })
		.from(messages)
		.where(eq(messages.orgId, org.orgId));
	const byAlias = new Map(rows.map((r) => [r.aliasId, r]));
	for (const [i, file] of corpus.entries()) {
		const row = byAlias.get(org.aliasId(locals[i] as string));
		const t = tally.get(file.name.split("/").slice(0, -1).join("/"));
		if (!row || !t) {
			failures.push(`${file.name}: not stored`);
			continue;
		}
		if (row.status === "received") t.received += 1;
		if (row.status === "quarantined") {
			t.quarantined += 1;
			t.reasons.add(`${file.name.split("/").at(-1)}=${row.reason}`);
		}
	}

	console.log("\n| corpus folder | sent | received | quarantined | quarantine reasons |\n|---|---|---|---|---|");
	for (const [folder, t] of [...tally].sort()) {
		console.log(`| ${folder} | ${t.sent} | ${t.received} | ${t.quarantined} | ${[...t.reasons].join(", ")} |`);
	}
	console.log(
		`| **total** | ${corpus.length} | ${rows.filter((r) => r.status === "received").length} | ${rows.filter((r) => r.status === "quarantined").length} | |\n`,
	);

	expect(failures).toEqual([]);
	expect(rows).toHaveLength(corpus.length);
});
