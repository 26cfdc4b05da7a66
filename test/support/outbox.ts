// A capturing OUTBOX for tests: jobs are kept here instead of the local queue (whose consumer
// would deliver in the background at its own pace), and delivered when the test says so,
// through the Worker's real queue() handler and the real local send_email binding.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src/index";
import type { OutboxJob } from "../../src/outbound/dispatch";

export function capturingOutbox() {
	const jobs: OutboxJob[] = [];
	const queue = {
		async send(body: OutboxJob) {
			jobs.push(body);
		},
		async sendBatch(items: { body: OutboxJob }[]) {
			for (const i of items) jobs.push(i.body);
		},
	} as unknown as Queue<unknown>;
	return { jobs, bindings: { ...env, OUTBOX: queue } as Cloudflare.Env };
}

/** Runs queue() on the given jobs; returns what the handler did with each (ack / retry). */
export async function deliverJobs(jobs: OutboxJob[], bindings: Cloudflare.Env = env, attempts = 1) {
	const batch = createMessageBatch<OutboxJob>(
		"carepost-outbox",
		jobs.map((body, i) => ({ id: `job-${i}-${crypto.randomUUID()}`, timestamp: new Date(), attempts, body })),
	);
	const ctx = createExecutionContext();
	await worker.queue(batch as MessageBatch<unknown>, bindings);
	return getQueueResult(batch, ctx);
}
