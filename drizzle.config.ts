import { defineConfig } from "drizzle-kit";

// Migrations are generated into flat migrations/NNNN_name.sql files that
// `wrangler d1 migrations apply` reads; review each one before committing.
export default defineConfig({
	dialect: "sqlite",
	schema: "./src/db/schema.ts",
	out: "./migrations",
});
