// The cron entry point: runs each scheduled job in turn. Logs carry counts only.
import { openDb } from "../db/client";
import { type Env, loadConfig } from "../env";
import { expireAliases } from "./expire-aliases";
import { requeueStale } from "./requeue-stale";

export async function runScheduled(env: Env, now: Date): Promise<{ expired: number; requeued: number }> {
	const config = await loadConfig(env);
	const db = openDb(env.DB);
	const expired = await expireAliases(db, config.auditKey, now);
	const requeued = await requeueStale(db, env.OUTBOX, now);
	console.log(JSON.stringify({ event: "scheduled.done", expired, requeued }));
	return { expired, requeued };
}
