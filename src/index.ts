// The Worker: four entry points, nothing else.
import { createApp } from "./app";
import type { Env } from "./env";
import { handleEmail } from "./inbound/handle-email";
import { runScheduled } from "./jobs/run-scheduled";

const app = createApp();

export default {
	fetch: (request, env, ctx) => app.fetch(request, env, ctx),
	async email(message, env) {
		await handleEmail(message, env);
	},
	async queue(batch) {
		// Outbound delivery is not built yet (see README "Status"). Nothing enqueues today; if a
		// job does arrive it is retried (and dead-lettered) rather than acknowledged and lost.
		batch.retryAll();
	},
	async scheduled(controller, env) {
		await runScheduled(env, new Date(controller.scheduledTime));
	},
} satisfies ExportedHandler<Env>;
