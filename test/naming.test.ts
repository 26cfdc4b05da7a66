import { describe, expect, it } from "vitest";
import { checkAliasName } from "../src/aliases/naming";
import { DEFAULT_ALIAS_PATTERN } from "../src/org/settings";

const policy = { pattern: DEFAULT_ALIAS_PATTERN, denylist: ["smith", "hiv"] };

describe("alias naming policy", () => {
	it.each(["cardiology-referrals", "billing", "dr-lee", "flu-2026", "ward-4b", "ab", "a".repeat(64)])(
		"accepts %s",
		(name) => {
			expect(checkAliasName(name, policy)).toEqual([]);
		},
	);

	it.each([
		["Billing", ["invalid_characters", "pattern"]],
		["bіlling", ["invalid_characters", "pattern"]],
		["a", ["length"]],
		["a".repeat(65), ["length"]],
		["visit-2024-03-01", ["looks_like_date"]],
		["dob-3.1.84", ["looks_like_date", "pattern"]],
		["pt-12345", ["digit_run", "looks_like_mrn"]],
		["ward-20240301", ["digit_run"]],
		["id-123-45-6789", ["looks_like_ssn"]],
		["mrn-4411", ["looks_like_mrn"]],
		["patient_77", ["looks_like_mrn", "pattern"]],
		["john-smith", ["denylisted_word"]],
		["hiv-clinic", ["denylisted_word"]],
		["dr.lee", ["pattern"]],
		["-billing", ["pattern"]],
	])("refuses %s", (name, reasons) => {
		expect(checkAliasName(name, policy)).toEqual(reasons);
	});

	it("keeps 4 digits (a year, a ward) but refuses 5", () => {
		expect(checkAliasName("ward-1234", policy)).toEqual([]);
		expect(checkAliasName("ward-12345", policy)).toEqual(["digit_run"]);
	});

	it("applies an org's own pattern", () => {
		const dotted = { pattern: "^[a-z]+(\\.[a-z]+)*$", denylist: [] };
		expect(checkAliasName("dr.lee", dotted)).toEqual([]);
		expect(checkAliasName("dr-lee", dotted)).toEqual(["pattern"]);
	});
});
