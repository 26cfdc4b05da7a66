// The floor: the least an inbound mail Worker can do — parse with postal-mime, store the bytes
// and a row in plaintext. No alias resolution, no encryption, no audit. Carepost ÷ floor is the
// price of those safeguards.
import PostalMime from "postal-mime";

let tableReady: Promise<unknown> | undefined;

export async function floorEmail(message: ForwardableEmailMessage, db: D1Database, bucket: R2Bucket): Promise<void> {
	tableReady ??= db
		.prepare(
			"CREATE TABLE IF NOT EXISTS floor_messages (id TEXT PRIMARY KEY, sender TEXT, recipient TEXT, subject TEXT, size INTEGER, r2_key TEXT)",
		)
		.run();
	await tableReady;
	const raw = new Uint8Array(await new Response(message.raw).arrayBuffer());
	const email = await PostalMime.parse(raw);
	const id = crypto.randomUUID();
	const key = `floor/${id}`;
	await bucket.put(key, raw);
	await db
		.prepare("INSERT INTO floor_messages (id, sender, recipient, subject, size, r2_key) VALUES (?, ?, ?, ?, ?, ?)")
		.bind(id, email.from?.address ?? message.from, message.to, email.subject ?? null, raw.byteLength, key)
		.run();
}
