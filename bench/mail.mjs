// Deterministic synthetic mail for the benchmarks (seeded; nothing is committed).
import { seeded } from "./runtime.mjs";

const WORDS =
	"the patient clinic appointment referral please call our office thank you for your letter we will schedule a visit next week regarding the results of your recent tests and the plan of care discussed with the doctor".split(
		" ",
	);

function prose(rand, bytes) {
	let out = "";
	while (out.length < bytes) {
		const line = [];
		for (let i = 0; i < 12; i++) line.push(WORDS[Math.floor(rand() * WORDS.length)]);
		out += `${line.join(" ")}.\r\n`;
	}
	return out.slice(0, bytes);
}

function base64Lines(bytes) {
	return Buffer.from(bytes).toString("base64").replace(/.{76}/g, "$&\r\n");
}

/** One message of roughly `kind`'s size: plain 2 KB, multipart 50 KB, or ~900 KB with a PDF. */
export function makeMail(kind, i, to, seed = 1) {
	const rand = seeded(seed * 1_000_003 + i);
	const head = [
		`From: "Patient ${i}" <patient${i}@mail.example>`,
		`To: <${to}>`,
		`Subject: Question ${i} about my referral`,
		"Date: Thu, 03 Dec 2026 10:00:00 +0000",
		`Message-ID: <bench-${kind}-${seed}-${i}@mail.example>`,
		"MIME-Version: 1.0",
	];
	if (kind === "2kb")
		return [...head, "Content-Type: text/plain; charset=utf-8", "", prose(rand, 1700), ""].join("\r\n");
	const text = prose(rand, kind === "50kb" ? 24_000 : 4000);
	const html = `<html><body><p>${prose(rand, kind === "50kb" ? 24_000 : 4000).replaceAll("\r\n", "</p><p>")}</p></body></html>`;
	const parts = [
		"--alt",
		"Content-Type: text/plain; charset=utf-8",
		"",
		text,
		"--alt",
		"Content-Type: text/html; charset=utf-8",
		"",
		html,
		"--alt--",
	].join("\r\n");
	if (kind === "50kb") {
		return [...head, 'Content-Type: multipart/alternative; boundary="alt"', "", parts, ""].join("\r\n");
	}
	const pdf = new Uint8Array(640_000).map(() => Math.floor(rand() * 256));
	return [
		...head,
		'Content-Type: multipart/mixed; boundary="mix"',
		"",
		"--mix",
		'Content-Type: multipart/alternative; boundary="alt"',
		"",
		parts,
		"--mix",
		'Content-Type: application/pdf; name="scan.pdf"',
		'Content-Disposition: attachment; filename="scan.pdf"',
		"Content-Transfer-Encoding: base64",
		"",
		base64Lines(pdf),
		"--mix--",
		"",
	].join("\r\n");
}

/** ~100 KB of clinical correspondence, dense with what the PHI detector looks for. */
export function clinicalLetter(bytes = 100_000) {
	const rand = seeded(42);
	const facts = [
		"Assessment: type 2 diabetes mellitus, E11.9, stable on metformin 500 mg twice daily.",
		"HbA1c 7.2% and LDL 162 mg/dL at the last visit; creatinine 1.1 mg/dL.",
		"DOB: 03/14/1962. MRN: 00482913. Referring provider NPI 1234567893.",
		"Continue lisinopril and atorvastatin; follow up for I10 in three months (dx hypertension).",
	];
	let out = "";
	while (out.length < bytes) out += `${prose(rand, 300)} ${facts[Math.floor(rand() * facts.length)]}\n`;
	return out.slice(0, bytes);
}

/** ~100 KB of administrative text with no PHI at all. */
export function plainLetter(bytes = 100_000) {
	return prose(seeded(7), bytes);
}
