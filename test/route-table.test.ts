// Every route except /health and /openapi.json answers 401 without credentials — and with
// credentials that are not ours.
import { describe, expect, it } from "vitest";
import { generateToken } from "../src/auth/tokens";
import { api, call } from "./support/mail";
import { createOrg, createUser } from "./support/org";
import { key, servedRoutes } from "./support/routes";

const PUBLIC = new Set(["GET /health", "GET /openapi.json"]);
const anyId = "aaaaaaaaaaaaaaaaaaaaaaaaaa";
const routes = servedRoutes().filter((r) => !PUBLIC.has(key(r)));

describe("route table", () => {
	it("has the routes the API promises", () => {
		expect(routes.length).toBeGreaterThanOrEqual(35);
	});

	it.each(routes.map((r) => [key(r), r] as const))("%s answers 401 without credentials", async (_k, r) => {
		const path = r.path.replace(/:(\w+)/g, (_m, name) => (name === "n" ? "0" : `msg_${anyId}`));
		// A fresh unknown token per route: one repeated prefix would (rightly) be throttled.
		const foreign = (await generateToken()).secret;
		for (const token of [undefined, foreign]) {
			const res = await call(token, r.method, path, r.method === "GET" || r.method === "DELETE" ? undefined : {});
			expect(res.status, `${key(r)} with ${token ? "a foreign token" : "no token"}`).toBe(401);
		}
	});

	it.each([...PUBLIC])("%s answers without credentials", async (k) => {
		const [method, path] = k.split(" ") as [string, string];
		expect((await call(undefined, method, path)).status).toBe(200);
	});
});

describe("malformed bodies", () => {
	it("answers 400 invalid_request (never a 500) for a body that is not JSON", async () => {
		const user = await createUser(await createOrg(), { role: "admin" });
		const res = await api("/v1/users", user.token, {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body: "{not json",
		});
		expect(res.status).toBe(400);
		expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
	});
});
