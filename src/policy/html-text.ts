// HTML → plain text for the PHI scan only (never shown to anyone): drop script/style, turn
// block ends into line breaks, strip tags, decode the entities text can hide behind.
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

export function htmlToText(html: string): string {
	return html
		.replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, " ")
		.replace(/<(br|\/p|\/div|\/li|\/tr|\/h\d)\b[^>]*>/gi, "\n")
		.replace(/<[^>]*>/g, " ")
		.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
			if (e[0] === "#") {
				const code = e[1] === "x" || e[1] === "X" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
				return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : " ";
			}
			return NAMED[e.toLowerCase()] ?? m;
		});
}
