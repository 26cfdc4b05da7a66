import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Fixed, obviously-fake key material for tests only (never deployed). Real deployments set
// these as Worker secrets; `npm start` generates random ones into the git-ignored .dev.vars.
const testKey = (label: string) => btoa(label.padEnd(32, "."));

interface SuiteOptions {
	include: string[];
	exclude?: string[];
	/** Extra bindings for this suite (e.g. the corpus). */
	bindings?: Record<string, unknown>;
	testTimeout?: number;
}

/** Tests run inside workerd against real local D1, R2 and queues, configured from wrangler.toml. */
export function carepostSuite(options: SuiteOptions) {
	return defineConfig(async () => ({
		plugins: [
			cloudflareTest({
				wrangler: { configPath: "./wrangler.toml" },
				remoteBindings: false,
				miniflare: {
					bindings: {
						TEST_MIGRATIONS: await readD1Migrations("migrations"),
						KEYS: JSON.stringify({ k1: testKey("test-kek-1"), k2: testKey("test-kek-2") }),
						ACTIVE_KEY_ID: "k2",
						AUDIT_KEY: testKey("test-audit-key"),
						INDEX_KEY: testKey("test-index-key"),
						...options.bindings,
					},
				},
			}),
		],
		test: {
			include: options.include,
			exclude: options.exclude ?? [],
			setupFiles: ["./test/apply-migrations.ts"],
			// The Worker's one-line JSON event logs (ids only) would drown the test report.
			onConsoleLog: (log: string) => !log.startsWith('{"event":'),
			...(options.testTimeout ? { testTimeout: options.testTimeout } : {}),
		},
	}));
}

export default carepostSuite({ include: ["test/**/*.test.ts"], exclude: ["test/corpus/**", "test/node/**"] });
