import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { blindIndex } from "../src/crypto/blind-index";
import { fromBase64, toBase64 } from "../src/crypto/encoding";
import { newDataKey, openBytes, openDataKey, openJson, sealBytes, sealJson } from "../src/crypto/envelope";
import { importKeyring } from "../src/crypto/keyring";
import { loadConfig } from "../src/env";
import { AppError } from "../src/errors";

const ctx = { orgId: "org_a", recordId: "msg_a", purpose: "raw" };
const bytes = new TextEncoder().encode("Patient letter");

describe("envelope encryption", () => {
	it("round-trips, and a fresh IV makes each sealing differ", async () => {
		const { keyring } = await loadConfig(env);
		const dk = await newDataKey(keyring);
		const a = await sealBytes(dk.key, ctx, bytes);
		const b = await sealBytes(dk.key, ctx, bytes);
		expect(toBase64(a)).not.toBe(toBase64(b));
		const reopened = await openDataKey(keyring, dk.keyId, dk.wrapped);
		expect(new TextDecoder().decode(await openBytes(reopened, ctx, a))).toBe("Patient letter");
		expect(await openJson(reopened, ctx, await sealJson(dk.key, ctx, { s: 1 }))).toEqual({ s: 1 });
	});

	it.each([
		["another org", { ...ctx, orgId: "org_b" }],
		["another record", { ...ctx, recordId: "msg_b" }],
		["another purpose", { ...ctx, purpose: "meta" }],
	])("refuses to open under %s", async (_name, other) => {
		const { keyring } = await loadConfig(env);
		const dk = await newDataKey(keyring);
		const sealed = await sealBytes(dk.key, ctx, bytes);
		await expect(openBytes(dk.key, other, sealed)).rejects.toMatchObject({ code: "integrity_failed" });
	});

	it("wraps under the active key and still opens keys wrapped under an older one (rotation)", async () => {
		const oldRing = await importKeyring(env.KEYS, "k1");
		const dk = await newDataKey(oldRing);
		expect(dk.keyId).toBe("k1");
		const { keyring } = await loadConfig(env);
		expect(keyring.activeId).toBe("k2");
		const key = await openDataKey(keyring, dk.keyId, dk.wrapped);
		expect(await openBytes(key, ctx, await sealBytes(dk.key, ctx, bytes))).toEqual(bytes);
	});

	it("fails with integrity_failed for a tampered wrapped key or an unknown key id", async () => {
		const { keyring } = await loadConfig(env);
		const dk = await newDataKey(keyring);
		const wrapped = fromBase64(dk.wrapped);
		wrapped[3] = (wrapped[3] ?? 0) ^ 1;
		await expect(openDataKey(keyring, dk.keyId, toBase64(wrapped))).rejects.toMatchObject({ code: "integrity_failed" });
		await expect(openDataKey(keyring, "k9", dk.wrapped)).rejects.toBeInstanceOf(AppError);
	});

	it.each([
		["KEYS not JSON", "nope", "k1"],
		["a short key", JSON.stringify({ k1: btoa("short") }), "k1"],
		["an active id missing from KEYS", JSON.stringify({ k1: btoa("x".repeat(32)) }), "k2"],
	])("refuses a keyring with %s", async (_name, keys, active) => {
		await expect(importKeyring(keys, active)).rejects.toMatchObject({ code: "misconfigured" });
	});
});

describe("blind index", () => {
	it("is deterministic per purpose and value, and differs across purposes", async () => {
		const { indexKey } = await loadConfig(env);
		const a = await blindIndex(indexKey, "address", "p@example.org");
		expect(await blindIndex(indexKey, "address", "p@example.org")).toBe(a);
		expect(await blindIndex(indexKey, "message-id", "p@example.org")).not.toBe(a);
		expect(await blindIndex(indexKey, "address", "q@example.org")).not.toBe(a);
		expect(a).not.toContain("example");
	});
});
