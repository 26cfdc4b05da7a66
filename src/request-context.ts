// What a domain function needs to serve one API request: plain values, never a Hono Context.
import type { AuditEvent } from "./audit/chain";
import type { Principal } from "./auth/rbac";
import type { Db } from "./db/client";
import type { Config } from "./env";

export interface RequestContext {
	db: Db;
	bucket: R2Bucket;
	outbox: Queue<unknown>;
	config: Config;
	principal: Principal;
	requestId: string;
}

/** An audit event attributed to the caller of this request. */
export function callerEvent(
	ctx: RequestContext,
	event: Omit<AuditEvent, "actorType" | "actorId" | "requestId">,
): AuditEvent {
	return {
		actorType: "user",
		actorId: ctx.principal.userId,
		requestId: ctx.requestId,
		...event,
		details: { ...(ctx.principal.tokenId ? { tokenId: ctx.principal.tokenId } : {}), ...event.details },
	};
}
