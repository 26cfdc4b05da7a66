// The Worker: four entry points, nothing else.
import { createApp } from "./app";
import type { Env } from "./env";
import { handleEmail } from "./inbound/handle-email";
import { runScheduled } from "./jobs/run-scheduled";
import { deliverBatch } from "./outbound/deliver";
import type { OutboxJob } from "./outbound/dispatch";

const app = createApp();

export default {
	fetch: (request, env, ctx) => app.fetch(request, env, ctx),
	async email(message, env) {
		await handleEmail(message, env);
	},
	async queue(batch, env) {
		await deliverBatch(batch as MessageBatch<OutboxJob>, env);
	},
	async scheduled(controller, env) {
		await runScheduled(env, new Date(controller.scheduledTime));
	},
} satisfies ExportedHandler<Env>;
