import { defineConfig } from "vitest/config";

// Tests that need Node rather than workerd: the OpenAPI validator compiles JSON Schemas with
// `new Function`, which workerd (rightly) forbids.
export default defineConfig({
	test: { include: ["test/node/**/*.test.ts"], environment: "node" },
});
