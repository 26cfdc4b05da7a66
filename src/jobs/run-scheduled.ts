// The cron entry point: runs each scheduled job in turn. Logs carry counts only.
import { openDb } from "../db/client";
import { type Env, loadConfig } from "../env";
import { expireAliases } from "./expire-aliases";

export async function runScheduled(env: Env, now: Date): Promise<{ expired: number }> {
	const config = await loadConfig(env);
	const expired = await expireAliases(openDb(env.DB), config.auditKey, now);
	console.log(JSON.stringify({ event: "scheduled.done", expired }));
	return { expired };
}
