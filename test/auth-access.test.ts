// Cloudflare Access sign-in (a locally generated RS256 key pair; the team's JWKS is served by a
// stubbed fetch, the only network boundary) and the failed-authentication throttle.
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { SYSTEM_AUDIT_CHAIN } from "../src/auth/authenticate";
import { MAX_FAILURES } from "../src/auth/throttle";
import { generateToken } from "../src/auth/tokens";
import { auditEvents, users } from "../src/db/schema";
import { api } from "./support/mail";
import { createOrg, createUser, db } from "./support/org";

const TEAM = "clinic-test.cloudflareaccess.com";
const AUD = "aud-tag-1234";
const accessEnv = { ...env, ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD };

let key: CryptoKey;
let otherKey: CryptoKey;
let jwksFetches = 0;

beforeAll(async () => {
	const pair = await generateKeyPair("RS256");
	key = pair.privateKey as CryptoKey;
	otherKey = (await generateKeyPair("RS256")).privateKey as CryptoKey;
	const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
	vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
		const url = input instanceof Request ? input.url : String(input);
		if (url !== `https://${TEAM}/cdn-cgi/access/certs`) throw new Error(`unexpected fetch ${url}`);
		jwksFetches += 1;
		return Response.json({ keys: [jwk] });
	});
});

function assertion(email: string, opts: { aud?: string; iss?: string; exp?: string; signWith?: CryptoKey } = {}) {
	return new SignJWT({ email })
		.setProtectedHeader({ alg: "RS256", kid: "k1" })
		.setIssuer(opts.iss ?? `https://${TEAM}`)
		.setAudience(opts.aud ?? AUD)
		.setIssuedAt()
		.setExpirationTime(opts.exp ?? "5m")
		.sign(opts.signWith ?? key);
}

const viaAccess = async (jwt: string, bindings: Cloudflare.Env = accessEnv) =>
	api("/v1/me", undefined, { headers: { "Cf-Access-Jwt-Assertion": jwt } }, bindings);

describe("Cloudflare Access sign-in", () => {
	it("identifies a user by the e-mail in a valid assertion", async () => {
		const org = await createOrg();
		const u = await createUser(org, { role: "compliance" });
		const res = await viaAccess(await assertion(`${u.id}@staff.test`));
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ user: { id: u.id }, tokenId: null });
		expect(jwksFetches).toBeGreaterThan(0);
	});

	it.each<[string, { aud?: string; iss?: string; exp?: string; signWith?: "other" }]>([
		["a wrong audience", { aud: "someone-else" }],
		["a wrong issuer", { iss: "https://evil.cloudflareaccess.com" }],
		["an expired assertion", { exp: "-1m" }],
		["a signature by another key", { signWith: "other" }],
	])("refuses %s", async (_n, opts) => {
		const org = await createOrg();
		const u = await createUser(org);
		const signWith = opts.signWith === "other" ? otherKey : key;
		const jwt = await assertion(`${u.id}@staff.test`, { ...opts, signWith });
		expect((await viaAccess(jwt)).status).toBe(401);
	});

	it("refuses an unknown e-mail (audited in the system chain) and a deactivated user (audited in the org)", async () => {
		expect((await viaAccess(await assertion("nobody@staff.test"))).status).toBe(401);
		const system = await db.select().from(auditEvents).where(eq(auditEvents.orgId, SYSTEM_AUDIT_CHAIN));
		expect(system.at(-1)).toMatchObject({ action: "auth.failed", outcome: "denied" });
		const org = await createOrg();
		const u = await createUser(org);
		await db.update(users).set({ status: "deactivated" }).where(eq(users.id, u.id));
		expect((await viaAccess(await assertion(`${u.id}@staff.test`))).status).toBe(401);
		const [row] = await db
			.select()
			.from(auditEvents)
			.where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, "auth.failed")));
		expect(JSON.parse(row?.details ?? "{}")).toEqual({ reason: "user_inactive" });
	});

	it("ignores the header when Access is not configured", async () => {
		const org = await createOrg();
		const u = await createUser(org);
		expect((await viaAccess(await assertion(`${u.id}@staff.test`), env)).status).toBe(401);
	});
});

describe("failed-authentication throttle", () => {
	const from = (ip: string, token: string) => api("/v1/me", token, { headers: { "CF-Connecting-IP": ip } });

	it(`refuses a client address after ${MAX_FAILURES} failures, even with a good token, and not others`, async () => {
		const org = await createOrg();
		const good = await createUser(org);
		for (let i = 0; i < MAX_FAILURES; i++) {
			expect((await from("192.0.2.7", (await generateToken()).secret)).status).toBe(401);
		}
		expect((await from("192.0.2.7", good.token)).status).toBe(429);
		expect((await from("192.0.2.8", good.token)).status).toBe(200);
	});

	it("allows one failure short of the limit", async () => {
		const org = await createOrg();
		const good = await createUser(org);
		for (let i = 0; i < MAX_FAILURES - 1; i++) await from("192.0.2.9", (await generateToken()).secret);
		expect((await from("192.0.2.9", good.token)).status).toBe(200);
	});

	it("refuses a token prefix that keeps failing from many addresses", async () => {
		const { secret } = await generateToken();
		for (let i = 0; i < MAX_FAILURES; i++) await from(`198.51.100.${i}`, secret);
		const res = await from("198.51.100.200", secret);
		expect(res.status).toBe(429);
		expect(await res.json()).toEqual({
			error: { code: "rate_limited", message: "Too many requests; try again later." },
		});
	});
});
