// One error type for the whole Worker. Domain code throws `new AppError("not_found")`; the
// app's onError turns it into `{ "error": { "code", "message" } }` with the status below.
// Anything that is not an AppError becomes a 500 `internal_error` with a fixed message, so
// internals (SQL, stack traces, key ids) never reach a caller.

export const ERROR_STATUS = {
	invalid_request: 400,
	validation_failed: 422,
	unauthorized: 401,
	forbidden: 403,
	not_found: 404,
	conflict: 409,
	gone: 410,
	payload_too_large: 413,
	unprocessable: 422,
	phi_blocked: 422,
	rate_limited: 429,
	integrity_failed: 500,
	internal_error: 500,
	misconfigured: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const DEFAULT_MESSAGE: Record<ErrorCode, string> = {
	invalid_request: "The request is not valid.",
	validation_failed: "The request body did not pass validation.",
	unauthorized: "Missing or invalid credentials.",
	forbidden: "You are not allowed to do this.",
	not_found: "Not found.",
	conflict: "The request conflicts with the current state.",
	gone: "This resource was deleted.",
	payload_too_large: "The request is too large.",
	unprocessable: "The request could not be processed.",
	phi_blocked: "This message contains protected health information that may not be sent this way.",
	rate_limited: "Too many requests; try again later.",
	integrity_failed: "Stored data failed its integrity check.",
	internal_error: "Internal error.",
	misconfigured: "The service is not configured correctly.",
};

export class AppError extends Error {
	readonly code: ErrorCode;
	readonly status: (typeof ERROR_STATUS)[ErrorCode];
	/** Extra fields for the error body (rule ids, refused recipients): never internals. */
	readonly details: Record<string, unknown> | undefined;

	constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
		super(message ?? DEFAULT_MESSAGE[code]);
		this.name = "AppError";
		this.code = code;
		this.status = ERROR_STATUS[code];
		this.details = details;
	}
}
