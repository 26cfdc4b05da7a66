// The OpenAPI document, checked in Node by an independent validator (ajv-based, OpenAPI 3.1
// schema), and compared with the routes the app actually serves: none missing, none invented.
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";

const app = createApp();

async function documentOf() {
	const res = await app.request("/openapi.json");
	expect(res.status).toBe(200);
	return (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
}

/** Hono's served routes as "METHOD /path/{param}", middleware entries excluded. */
function servedRoutes(): string[] {
	const seen = new Set<string>();
	for (const r of app.routes) {
		if (r.method === "ALL") continue;
		seen.add(`${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
	}
	return [...seen].sort();
}

describe("/openapi.json", () => {
	it("is a valid OpenAPI 3.1 document", async () => {
		const doc = await documentOf();
		expect(doc.openapi).toBe("3.1.0");
		const validator = new Validator();
		const result = await validator.validate(doc);
		expect(result.errors ?? []).toEqual([]);
		expect(result.valid).toBe(true);
	});

	it("documents exactly the routes the app serves", async () => {
		const doc = await documentOf();
		const documented = Object.entries(doc.paths)
			.flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
			.sort();
		const served = servedRoutes().filter((r) => r !== "GET /openapi.json");
		expect(documented).toEqual(served);
		expect(served.length).toBeGreaterThan(30);
	});

	it("documents the error responses and bearer security of every /v1 route", async () => {
		const doc = await documentOf();
		for (const [path, ops] of Object.entries(doc.paths)) {
			if (!path.startsWith("/v1/")) continue;
			for (const [method, op] of Object.entries(ops) as [string, { responses: object; security?: unknown }][]) {
				expect(Object.keys(op.responses), `${method} ${path}`).toEqual(
					expect.arrayContaining(["400", "401", "403", "404", "500"]),
				);
				expect(op.security, `${method} ${path}`).toEqual([{ bearer: [] }]);
			}
		}
	});
});
