// The shared building blocks of the API's schemas (ids, safe text, addresses, errors, pages).
// Each route file declares its own request/response shapes at its top from these. The same
// zod schemas validate requests and generate /openapi.json, so the document cannot drift.
import { z } from "@hono/zod-openapi";

/** Prefixed random id (see src/ids.ts); anything else cannot name a row. */
export const Id = (prefix: string) =>
	z
		.string()
		.regex(new RegExp(`^${prefix}_[a-z2-7]{26}$`))
		.openapi({ example: `${prefix}_aaaaaaaaaaaaaaaaaaaaaaaaaa` });

/**
 * Text that may end up in a mail header or a log line: CR, LF or NUL there would let a caller
 * inject headers (or smuggle SMTP commands), so they are refused outright, never stripped.
 */
export const HeaderSafeText = z.string().regex(/^[^\r\n\0]*$/, "must not contain CR, LF or NUL");

/** RFC 5321 caps a mailbox at 254 octets in practice. */
export const MailAddress = z
	.string()
	.max(254)
	.regex(/^[^\r\n\0]*$/, "must not contain CR, LF or NUL")
	.pipe(z.email())
	.transform((a) => a.toLowerCase());

export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).openapi("Error");

const errorResponse = (description: string) => ({
	description,
	content: { "application/json": { schema: ErrorBody } },
});

/** The error responses every authenticated route can give. */
export const commonErrors = {
	400: errorResponse("Invalid input (the message names the field)"),
	401: errorResponse("Missing or invalid credentials"),
	403: errorResponse("Not allowed (audited)"),
	404: errorResponse("Not found (including ids of another organisation)"),
	409: errorResponse("Conflicts with the current state"),
	422: errorResponse("Well-formed but refused by a policy (the message says which)"),
	429: errorResponse("Too many failed authentications from this client"),
	500: errorResponse("Internal error (no details are disclosed)"),
} as const;

/** A JSON response entry for createRoute. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
	return { description, content: { "application/json": { schema } } };
}

/** A required JSON request body for createRoute. */
export function jsonBody<T extends z.ZodType>(schema: T) {
	return { body: { content: { "application/json": { schema } }, required: true } };
}

/** A cursor page of items. */
export function Page<T extends z.ZodType>(item: T, name: string) {
	return z.object({ data: z.array(item), nextCursor: z.string().nullable() }).openapi(name);
}

export const Ok = z.object({ ok: z.literal(true) }).openapi("Ok");

/** Keyset cursors are opaque base64url strings; 512 bounds what a caller can make us parse. */
export const CursorParam = z
	.string()
	.max(512)
	.optional()
	.openapi({ param: { name: "cursor", in: "query" } });

export const LimitParam = (max: number, fallback: number) =>
	z.coerce
		.number()
		.int()
		.min(1)
		.max(max)
		.default(fallback)
		.openapi({ param: { name: "limit", in: "query" } });

export const goneError = { 410: errorResponse("The message was deleted (crypto-shredded)") } as const;

export const IdParam = (prefix: string) => z.object({ id: Id(prefix).openapi({ param: { name: "id", in: "path" } }) });

export const Health = z.object({ ok: z.literal(true) }).openapi("Health");
