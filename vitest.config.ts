import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Fixed, obviously-fake key material for tests only (never deployed). Real deployments set
// these as Worker secrets; `npm start` generates random ones into the git-ignored .dev.vars.
const testKey = (label: string) => btoa(label.padEnd(32, "."));

export default defineConfig(async () => {
	const migrations = await readD1Migrations("migrations");
	return {
		plugins: [
			cloudflareTest({
				wrangler: { configPath: "./wrangler.toml" },
				remoteBindings: false,
				miniflare: {
					bindings: {
						TEST_MIGRATIONS: migrations,
						KEYS: JSON.stringify({ k1: testKey("test-kek-1"), k2: testKey("test-kek-2") }),
						ACTIVE_KEY_ID: "k2",
						AUDIT_KEY: testKey("test-audit-key"),
						INDEX_KEY: testKey("test-index-key"),
					},
				},
			}),
		],
		test: {
			include: ["test/**/*.test.ts"],
			exclude: ["test/corpus/**"],
			setupFiles: ["./test/apply-migrations.ts"],
		},
	};
});
