// The one place that reads bindings, vars and secrets. Everything else receives a parsed Config.
import type { AccessConfig } from "./auth/access-jwt";
import { importHmacKey, importKeyring, type Keyring } from "./crypto/keyring";
import { AppError } from "./errors";

export interface Env {
	DB: D1Database;
	BODIES: R2Bucket;
	OUTBOX: Queue<unknown>;
	EMAIL: SendEmail;
	/** JSON map: key id → base64 256-bit key-encryption key. */
	KEYS: string;
	ACTIVE_KEY_ID: string;
	/** base64 256-bit HMAC key for the audit chain. */
	AUDIT_KEY: string;
	/** base64 256-bit HMAC key for blind indexes. */
	INDEX_KEY: string;
	MAX_INBOUND_BYTES?: string;
	OUTBOUND_TRANSPORT?: string;
	/** Outbound size limit in bytes (default 5 MiB, Cloudflare Email Service's cap). */
	MAX_OUTBOUND_BYTES?: string;
	SES_REGION?: string;
	SES_ACCESS_KEY_ID?: string;
	SES_SECRET_ACCESS_KEY?: string;
	/** An SES configuration set whose delivery options require TLS. */
	SES_CONFIGURATION_SET?: string;
	/** Cloudflare Access team domain (e.g. clinic.cloudflareaccess.com); enables Access sign-in. */
	ACCESS_TEAM_DOMAIN?: string;
	/** The Access application's audience tag. */
	ACCESS_AUD?: string;
}

export interface Config {
	keyring: Keyring;
	auditKey: CryptoKey;
	indexKey: CryptoKey;
	/** Inbound messages larger than this are refused before their body is read. */
	maxInboundBytes: number;
	/** Set only when both Access variables are configured. */
	access: AccessConfig | null;
	/** Composed outbound messages larger than this are refused (422). */
	maxOutboundBytes: number;
	transport: TransportConfig;
}

export type TransportConfig =
	| { kind: "cloudflare" }
	| { kind: "ses"; region: string; accessKeyId: string; secretAccessKey: string; configurationSet: string };

/** Email Routing's own inbound cap; a larger configured value could never be reached. */
export const DEFAULT_MAX_INBOUND_BYTES = 25 * 1024 * 1024;

function accessConfig(teamDomain: string | undefined, audience: string | undefined): AccessConfig | null {
	if (!teamDomain && !audience) return null;
	if (!teamDomain || !audience)
		throw new AppError("misconfigured", "set both ACCESS_TEAM_DOMAIN and ACCESS_AUD, or neither");
	if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(teamDomain))
		throw new AppError("misconfigured", "ACCESS_TEAM_DOMAIN is not a host name");
	return { teamDomain, audience };
}

/** Cloudflare Email Service accepts at most 5 MiB per message (NOTES "Sending"). */
export const DEFAULT_MAX_OUTBOUND_BYTES = 5 * 1024 * 1024;

function transportConfig(env: Env): TransportConfig {
	const kind = env.OUTBOUND_TRANSPORT ?? "cloudflare";
	if (kind === "cloudflare") return { kind };
	if (kind !== "ses") throw new AppError("misconfigured", "OUTBOUND_TRANSPORT must be cloudflare or ses");
	const { SES_REGION: region, SES_ACCESS_KEY_ID: accessKeyId, SES_SECRET_ACCESS_KEY: secretAccessKey } = env;
	const configurationSet = env.SES_CONFIGURATION_SET;
	// The configuration set is what requires TLS to the recipient's server: never send without it.
	if (!region || !/^[a-z]{2}-[a-z]+-\d$/.test(region) || !accessKeyId || !secretAccessKey || !configurationSet) {
		throw new AppError(
			"misconfigured",
			"ses needs SES_REGION, SES_ACCESS_KEY_ID, SES_SECRET_ACCESS_KEY and SES_CONFIGURATION_SET",
		);
	}
	return { kind, region, accessKeyId, secretAccessKey, configurationSet };
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
	if (value === undefined || value === "") return fallback;
	const n = Number(value);
	if (!Number.isSafeInteger(n) || n <= 0) throw new AppError("misconfigured", `${name} must be a positive integer`);
	return n;
}

// Importing keys costs a few WebCrypto calls; an isolate serves many requests with the same
// secrets, so the parsed config is kept until any input changes.
let cached: { signature: string; config: Promise<Config> } | undefined;

export function loadConfig(env: Env): Promise<Config> {
	// Every string var and secret: any change (a rotated key, a new limit) re-parses.
	const signature = JSON.stringify(Object.entries(env).filter(([, v]) => typeof v === "string"));
	if (cached?.signature === signature) return cached.config;
	const config = (async (): Promise<Config> => ({
		keyring: await importKeyring(env.KEYS, env.ACTIVE_KEY_ID),
		auditKey: await importHmacKey("AUDIT_KEY", env.AUDIT_KEY),
		indexKey: await importHmacKey("INDEX_KEY", env.INDEX_KEY),
		maxInboundBytes: positiveInt("MAX_INBOUND_BYTES", env.MAX_INBOUND_BYTES, DEFAULT_MAX_INBOUND_BYTES),
		access: accessConfig(env.ACCESS_TEAM_DOMAIN, env.ACCESS_AUD),
		maxOutboundBytes: positiveInt("MAX_OUTBOUND_BYTES", env.MAX_OUTBOUND_BYTES, DEFAULT_MAX_OUTBOUND_BYTES),
		transport: transportConfig(env),
	}))();
	// A failed parse must not be cached, or a fixed secret would need a redeploy to be noticed.
	config.catch(() => {
		if (cached?.config === config) cached = undefined;
	});
	cached = { signature, config };
	return config;
}
