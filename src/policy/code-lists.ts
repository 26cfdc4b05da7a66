// Lookups into the bundled code lists (src/policy/generated/, built by
// scripts/build-code-lists.mjs). Indexes are built on first use, once per isolate: a Map of
// 1,918 ICD categories and a Set of 8,471 medication names, a few milliseconds together.
import { ICD10CM_CATEGORIES } from "./generated/icd10cm";
import { MEDICATION_NAMES } from "./generated/medications";

let icdIndex: Map<string, string> | undefined;

/** Is this undotted code (E119, I10, S0200XA) in the FY2026 ICD-10-CM code set? */
export function codeListMatches(code: string): boolean {
	if (!icdIndex) {
		icdIndex = new Map();
		for (const line of ICD10CM_CATEGORIES.split("\n")) icdIndex.set(line.slice(0, 3), line.slice(3));
	}
	const suffixes = icdIndex.get(code.slice(0, 3));
	return suffixes?.includes(`|${code.slice(3)}|`) ?? false;
}

/** Words as the medication list spells them: letters/digits, joined by inner - or '. */
const WORD = /[a-z0-9]+(?:['-][a-z0-9]+)*/g;

interface MedicationIndex {
	names: Set<string>;
	/** first word → the word counts of names starting with it, longest first. */
	lengths: Map<string, number[]>;
}

let medIndex: MedicationIndex | undefined;

function medicationIndex(): MedicationIndex {
	if (medIndex) return medIndex;
	const names = new Set<string>();
	const lengths = new Map<string, number[]>();
	for (const name of MEDICATION_NAMES.split("\n")) {
		const words = name.match(WORD);
		if (!words) continue;
		names.add(words.join(" "));
		const first = words[0] as string;
		const list = lengths.get(first) ?? [];
		if (!list.includes(words.length)) list.push(words.length);
		lengths.set(
			first,
			list.sort((a, b) => b - a),
		);
	}
	medIndex = { names, lengths };
	return medIndex;
}

/** Counts medication names in (normalised) text; the longest name wins at each position. */
export function medicationMatches(text: string): number {
	const { names, lengths } = medicationIndex();
	const words = text.toLowerCase().match(WORD) ?? [];
	let n = 0;
	for (let i = 0; i < words.length; i++) {
		const candidates = lengths.get(words[i] as string);
		if (!candidates) continue;
		for (const len of candidates) {
			if (i + len <= words.length && names.has(words.slice(i, i + len).join(" "))) {
				n++;
				i += len - 1;
				break;
			}
		}
	}
	return n;
}
