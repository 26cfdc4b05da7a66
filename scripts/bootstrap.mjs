#!/usr/bin/env node
// `npm run bootstrap -- --org "Name" --domain clinic.example --admin it@clinic.example [--remote]`
// Creates the first organisation, its mail domain and an owner, and prints the owner's API
// token once (it is stored only as a SHA-256 hash). Without --remote it targets the local
// database used by `npm start`. Runs in Node: it drives `wrangler d1 execute`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { newId, newToken, tenantSql } from "./tenant-sql.mjs";

const USAGE =
	'usage: npm run bootstrap -- --org "Clinic name" --domain clinic.example --admin you@clinic.example [--name "Your Name"] [--remote]';

function fail(message) {
	console.error(`bootstrap: ${message}\n${USAGE}`);
	process.exit(2);
}

let args;
try {
	args = parseArgs({
		options: {
			org: { type: "string" },
			domain: { type: "string" },
			admin: { type: "string" },
			name: { type: "string" },
			remote: { type: "boolean", default: false },
		},
	}).values;
} catch (err) {
	fail(err.message);
}
// The same rules the API applies: header-safe text, lower-case host, plain mailbox.
const org = args.org?.trim();
const domain = args.domain?.trim().toLowerCase();
const admin = args.admin?.trim().toLowerCase();
if (!org || /[\r\n\0]/.test(org) || org.length > 120) fail("--org is required (one line, at most 120 characters)");
if (!domain || !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) fail("--domain must be a lower-case host name");
if (!admin || !/^[^\s@"<>()\r\n\0]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(admin)) fail("--admin must be an e-mail address");

const wranglerBin = join(new URL("..", import.meta.url).pathname, "node_modules", ".bin", "wrangler");
// CAREPOST_PERSIST_TO points --local at another state folder (CI uses a throw-away one).
const target = args.remote
	? ["--remote"]
	: ["--local", ...(process.env.CAREPOST_PERSIST_TO ? ["--persist-to", process.env.CAREPOST_PERSIST_TO] : [])];
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };

function d1(extra) {
	const res = spawnSync(wranglerBin, ["d1", "execute", "DB", ...target, "--json", ...extra], { env, encoding: "utf8" });
	if (res.status !== 0) {
		console.error(res.stderr || res.stdout);
		fail("wrangler d1 execute failed (have the migrations been applied?)");
	}
	return JSON.parse(res.stdout);
}

const taken = d1(["--command", `SELECT COUNT(*) AS n FROM domains WHERE domain = '${domain}'`]);
if (taken[0]?.results?.[0]?.n > 0) fail(`the domain ${domain} is already registered`);

const token = newToken();
const userId = newId("usr");
const sql = tenantSql(
	{
		orgId: newId("org"),
		orgName: org,
		domainId: newId("dom"),
		domain,
		user: { id: userId, email: admin, name: args.name?.trim() || admin, role: "owner", clinical: false },
		tokenId: newId("tok"),
		token,
	},
	false,
);
const file = join(mkdtempSync(join(tmpdir(), "carepost-")), "bootstrap.sql");
writeFileSync(file, sql, { mode: 0o600 });
d1(["--file", file]);
console.log(`Created organisation "${org}" with domain ${domain} and owner ${admin} (${userId}).

Owner API token (shown once; store it in your password manager now):
  ${token}

Next: create aliases with POST /v1/aliases, then route the domain's catch-all to the Worker.`);
