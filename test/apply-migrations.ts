import { applyD1Migrations, env } from "cloudflare:test";

// Setup files run before each test file, outside its isolated storage; applyD1Migrations
// applies only what is missing, so running it every time is safe.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
