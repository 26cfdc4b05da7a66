import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = ReturnType<typeof openDb>;

export function openDb(d1: D1Database) {
	return drizzle(d1, { schema });
}

/** Walks an error's cause chain (drizzle wraps D1 errors) and returns every message. */
export function errorText(err: unknown): string {
	const parts: string[] = [];
	let cur: unknown = err;
	for (let depth = 0; cur && depth < 5; depth++) {
		parts.push(cur instanceof Error ? cur.message : String(cur));
		cur = cur instanceof Error ? cur.cause : undefined;
	}
	return parts.join(" | ");
}

/** db.batch() for a list built at run time (drizzle wants a non-empty tuple). Atomic. */
export async function runBatch(db: Db, items: BatchItem<"sqlite">[]): Promise<void> {
	const [first, ...rest] = items;
	if (first) await db.batch([first, ...rest]);
}
