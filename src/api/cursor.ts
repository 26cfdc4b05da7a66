// Keyset pagination cursors: an opaque base64url of the last row's sort key, so a deep page
// costs the same as the first and a cursor cannot be used to skip the org filter.
import { AppError } from "../errors";

export function encodeCursor(values: string[]): string {
	return btoa(JSON.stringify(values)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** Throws invalid_request for anything that is not a cursor we issued in this shape. */
export function decodeCursor<T extends string[]>(cursor: string, length: T["length"]): T {
	try {
		const value: unknown = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
		if (Array.isArray(value) && value.length === length && value.every((v) => typeof v === "string")) {
			return value as T;
		}
	} catch {
		// fall through to the error below
	}
	throw new AppError("invalid_request", "cursor: not a valid cursor");
}
