// The corpus suite: every public fixture message in ../shared/fixtures/mime delivered through
// the real email() handler. Files are read here, in Node, and handed to workerd as a binding,
// because tests inside workerd have no file system.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { carepostSuite } from "./vitest.config";

const CORPUS_DIR = resolve(process.env.CORPUS_DIR ?? "../shared/fixtures/mime");
/** Provenance files that sit beside the fixtures and are not mail. */
const NOT_MAIL = new Set(["SOURCES.md", "MANIFEST.tsv"]);

function walk(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) return walk(path);
		return NOT_MAIL.has(name) ? [] : [path];
	});
}

const files = walk(CORPUS_DIR).map((path) => ({
	name: relative(CORPUS_DIR, path),
	base64: readFileSync(path).toString("base64"),
}));

export default carepostSuite({
	include: ["test/corpus/**/*.test.ts"],
	bindings: { CORPUS: JSON.stringify(files) },
	testTimeout: 120_000,
});
