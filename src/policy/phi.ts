// Outbound DLP: finds protected health information in text. Pure (no I/O, no cloudflare:*),
// table-tested with true and false positives per rule. It returns rule ids and counts only —
// a matched value is never returned, logged or stored (NOTES "PHI detection").
//
// Each rule pairs a pattern with something that confirms it (a checksum, a code list, a
// structural rule or a nearby keyword), because a bare pattern flags every invoice number.
import { codeListMatches, medicationMatches } from "./code-lists";

export const PHI_RULES = ["icd10", "medication", "lab_value", "ssn", "dob", "mrn", "npi", "mbi"] as const;
export type PhiRule = (typeof PHI_RULES)[number];
export type PhiFindings = Partial<Record<PhiRule, number>>;

/**
 * Zero-width and bidirectional controls hide or reorder text for a human reader while the
 * bytes still spell it out (or the reverse): "1<ZWSP>23-45-6789" must read as an SSN. Soft
 * hyphen likewise splits words invisibly.
 */
const INVISIBLE = /[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** NFKC folds look-alikes (full-width digits, ligatures) onto the ASCII the patterns expect. */
export function normaliseForScan(text: string): string {
	return text.normalize("NFKC").replace(INVISIBLE, "");
}

/** Is `keyword` within `distance` characters before `index`? Context confirms weak patterns. */
function keywordBefore(text: string, index: number, keyword: RegExp, distance: number): boolean {
	return keyword.test(text.slice(Math.max(0, index - distance), index));
}

// --- SSN -----------------------------------------------------------------------------------
/** 123-45-6789 / 123 45 6789; an undelimited 9-digit run needs the keyword (it is too common). */
const SSN_DELIMITED = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g;
const SSN_BARE = /(?<!\d)(\d{3})(\d{2})(\d{4})(?!\d)/g;
const SSN_KEYWORD = /\b(ssn|social security|soc\.? sec\.?)\b/i;

/** SSA never issues area 000, 666 or 900–999, group 00 or serial 0000. */
function validSsn(area: string, group: string, serial: string): boolean {
	const a = Number(area);
	return a !== 0 && a !== 666 && a < 900 && group !== "00" && serial !== "0000";
}

function countSsn(text: string): number {
	let n = 0;
	for (const m of text.matchAll(SSN_DELIMITED)) if (validSsn(m[1] ?? "", m[3] ?? "", m[4] ?? "")) n++;
	for (const m of text.matchAll(SSN_BARE)) {
		if (validSsn(m[1] ?? "", m[2] ?? "", m[3] ?? "") && keywordBefore(text, m.index, SSN_KEYWORD, 40)) n++;
	}
	return n;
}

// --- NPI -----------------------------------------------------------------------------------
/** 10 digits starting 1 or 2, standing alone (not inside a longer number or a phone format). */
const NPI = /(?<![\d-])[12]\d{9}(?![\d-])/g;

/** CMS: Luhn over "80840" + the NPI (the ISO prefix for US health identifiers). */
export function validNpi(npi: string): boolean {
	const digits = `80840${npi}`;
	let sum = 0;
	for (let i = 0; i < digits.length; i++) {
		let d = Number(digits[digits.length - 1 - i]);
		if (i % 2 === 1) {
			d *= 2;
			if (d > 9) d -= 9;
		}
		sum += d;
	}
	return sum % 10 === 0;
}

function countNpi(text: string): number {
	let n = 0;
	for (const m of text.matchAll(NPI)) if (validNpi(m[0])) n++;
	return n;
}

// --- Medicare Beneficiary Identifier -------------------------------------------------------
/**
 * CMS MBI format: 11 characters C A AN N A AN N A A N N, where C is 1–9, A is a letter other
 * than S L O I B Z (they look like digits), N a digit, AN either; often written with dashes
 * after the 4th and 7th characters. The structure alone is specific enough.
 */
const L = "[AC-HJKMNP-RT-Y]";
const AN = "[AC-HJKMNP-RT-Y0-9]";
const MBI = new RegExp(`\\b[1-9]${L}${AN}\\d-?${L}${AN}\\d-?${L}${L}\\d\\d\\b`, "gi");

// --- DOB and MRN: only next to their keyword ------------------------------------------------
/** A date: 03/01/1984, 3-1-84, 1984-03-01, March 1, 1984, 1 March 1984. */
const DATE_SOURCE =
	"(?:\\d{1,2}[/.-]\\d{1,2}[/.-]\\d{2,4}|\\d{4}-\\d{2}-\\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.? \\d{1,2},? \\d{4}|\\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.? \\d{4})";
/** "DOB", "date of birth", "born", "birth date" then, within 20 characters, a date. */
const DOB = new RegExp(
	`\\b(?:d\\.?o\\.?b\\.?|date of birth|birth ?date|born(?: on)?)\\b[^\\n\\d]{0,20}${DATE_SOURCE}`,
	"gi",
);
/** "MRN", "medical record number", "chart #", "patient id" then an id with 4+ digits. */
const MRN =
	/\b(?:mrn|medical record(?: number| no\.?| #)?|chart (?:number|no\.?|#)|patient id)\b\s*[:#.]?\s*(?=[a-z0-9-]*\d{4})[a-z0-9-]{4,20}\b/gi;

// --- Lab values: analyte + number + unit ----------------------------------------------------
/** Common analytes on clinical letters and portal messages (names and usual abbreviations). */
const ANALYTES =
	"glucose|a1c|hba1c|hemoglobin a1c|hemoglobin|hgb|hematocrit|hct|ldl|hdl|cholesterol|triglycerides|creatinine|egfr|bun|sodium|potassium|chloride|calcium|magnesium|tsh|t4|alt|ast|alp|bilirubin|albumin|inr|pt|ptt|psa|wbc|rbc|platelets|plt|ferritin|vitamin d|b12|troponin|bnp|crp|esr|uric acid|lipase|amylase|cortisol|testosterone|estradiol|hcg|viral load|cd4";
/** Units a lab report uses; a bare number after an analyte name is not enough. */
const UNITS =
	"mg/dl|mmol/l|g/dl|g/l|u/l|iu/l|meq/l|ng/ml|ng/dl|pg/ml|µg/l|ug/l|mcg/l|µiu/ml|uiu/ml|miu/l|miu/ml|k/ul|k/µl|x10\\^?9/l|x10\\^?12/l|cells/mm3|cells/µl|copies/ml|ml/min(?:/1\\.73 ?m2)?|seconds|sec|%";
const LAB_VALUE = new RegExp(
	`\\b(?:${ANALYTES})\\b[^\\n\\d]{0,20}[<>≤≥]?\\s?\\d+(?:[.,]\\d+)?\\s?(?:${UNITS})(?![a-z])`,
	"gi",
);

// --- ICD-10-CM ------------------------------------------------------------------------------
/**
 * Broad code shape (SOURCES.md: every FY2026 code matches it). A dotted code confirmed by the
 * code list is specific on its own; an undotted one (E119, I10 — also part numbers, rifles and
 * vitamins) counts only near a diagnosis keyword.
 */
const ICD = /\b([A-Z][0-9A-Z]{2})(?:(\.)([0-9A-Z]{1,4})|([0-9A-Z]{1,4}))?\b/g;
const ICD_KEYWORD = /\b(dx|diagnos[ie]s|diagnosed|icd(?:-?10)?(?:-cm)?|code|condition|assessment)\b/i;

function countIcd(text: string): number {
	let n = 0;
	for (const m of text.matchAll(ICD)) {
		const [, category = "", dot, dotted = "", undotted = ""] = m;
		const code = `${category}${dotted}${undotted}`;
		if (!codeListMatches(code)) continue;
		if (dot || keywordBefore(text, m.index, ICD_KEYWORD, 40)) n++;
	}
	return n;
}

function count(text: string, re: RegExp): number {
	let n = 0;
	for (const _ of text.matchAll(re)) n++;
	return n;
}

/** Scans texts (subject, body, html-as-text, attachment names) and counts each rule's hits. */
export function detectPhi(texts: readonly string[]): PhiFindings {
	const findings: PhiFindings = {};
	const add = (rule: PhiRule, n: number) => {
		if (n > 0) findings[rule] = (findings[rule] ?? 0) + n;
	};
	for (const raw of texts) {
		if (!raw) continue;
		const text = normaliseForScan(raw);
		add("icd10", countIcd(text));
		add("medication", medicationMatches(text));
		add("lab_value", count(text, LAB_VALUE));
		add("ssn", countSsn(text));
		add("dob", count(text, DOB));
		add("mrn", count(text, MRN));
		add("npi", countNpi(text));
		add("mbi", count(text, MBI));
	}
	return findings;
}
