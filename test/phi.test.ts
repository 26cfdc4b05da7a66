// The PHI detector, rule by rule: what must match, and what must not (including invalid SSNs
// and NPIs that look right). Pure function; no Worker needed, but it runs in workerd like the rest.
import { describe, expect, it } from "vitest";
import { detectPhi, normaliseForScan, PHI_RULES, type PhiRule, validNpi } from "../src/policy/phi";

const rulesIn = (text: string) => Object.keys(detectPhi([text])).sort();

const TRUE_POSITIVES: [PhiRule, string][] = [
	["icd10", "Assessment: type 2 diabetes, E11.9, stable."],
	["icd10", "Dx: E119"],
	["icd10", "ICD-10 code J45909 recorded"],
	["icd10", "follow-up for Z99.89"],
	["medication", "Please continue metformin 500 mg twice daily."],
	["medication", "She was switched to Lisinopril last week."],
	["lab_value", "Your HbA1c was 7.2% at the last visit."],
	["lab_value", "LDL: 162 mg/dL"],
	["lab_value", "creatinine 1.4 mg/dl, eGFR 52 mL/min/1.73m2"],
	["ssn", "SSN 123-45-6789"],
	["ssn", "her number is 078 05 1120"],
	["ssn", "social security number: 219099999"],
	["dob", "DOB: 03/14/1962"],
	["dob", "date of birth 1962-03-14"],
	["dob", "born on March 14, 1962"],
	["mrn", "MRN: 00482913"],
	["mrn", "Medical record number A-778812"],
	["npi", "Referring provider NPI 1234567893"],
	["mbi", "Medicare ID 1EG4-TE5-MK73"],
	["mbi", "mbi 1EG4TE5MK73"],
];

const FALSE_POSITIVES: [PhiRule, string][] = [
	["icd10", "Invoice E119 is attached"],
	["icd10", "Room A00.5 is on the left"],
	["icd10", "The F16 and the M16 are on display"],
	["icd10", "ORDER NUMBER 4455"],
	["medication", "Thank you for your payment of today."],
	["medication", "Alert: the clinic will be closed in May."],
	["lab_value", "We reduced the copay by 20%."],
	["lab_value", "Your glucose meter order ships in 3 days."],
	["ssn", "SSN 000-12-3456"],
	["ssn", "SSN 666-12-3456"],
	["ssn", "SSN 912-34-5678"],
	["ssn", "SSN 123-00-4567"],
	["ssn", "SSN 123-45-0000"],
	["ssn", "Order 123456789 has shipped"],
	["ssn", "Call 555-12-34567 or 1234-56-789"],
	["dob", "Appointment on 03/14/2026"],
	["dob", "Born to run, since 1962"],
	["mrn", "Your chart is ready"],
	["mrn", "MRN: pending"],
	["npi", "Reference 1234567890"],
	["npi", "Phone 212-555-1234"],
	["npi", "Tracking 312345678901"],
	["mbi", "Ticket 1SG4-TE5-MK73"],
	["mbi", "Code 0EG4-TE5-MK73"],
];

describe("detectPhi", () => {
	it.each(TRUE_POSITIVES)("%s: finds it in %j", (rule, text) => {
		expect(rulesIn(text)).toContain(rule);
	});

	it.each(FALSE_POSITIVES)("%s: does not flag %j", (rule, text) => {
		expect(rulesIn(text)).not.toContain(rule);
	});

	it("has true and false positives for every rule", () => {
		for (const rule of PHI_RULES) {
			expect(
				TRUE_POSITIVES.some(([r]) => r === rule),
				rule,
			).toBe(true);
			expect(
				FALSE_POSITIVES.some(([r]) => r === rule),
				rule,
			).toBe(true);
		}
	});

	it("passes ordinary administrative mail", () => {
		const letter =
			"Dear patient, your appointment with the billing office is confirmed for Tuesday at 10:30. " +
			"Please bring your insurance card and arrive 15 minutes early. Our phone is 212-555-0147. " +
			"Invoice 2026-118 for $45.00 is due within 30 days. Thank you, Front Desk.";
		expect(detectPhi([letter])).toEqual({});
	});

	it("counts every hit and returns counts only, never the matched text", () => {
		const findings = detectPhi(["SSN 123-45-6789 and 219-09-9999", "metformin and aspirin"]);
		expect(findings).toEqual({ ssn: 2, medication: 2 });
		expect(JSON.stringify(findings)).not.toContain("6789");
	});

	it("sees through zero-width characters, bidi controls and full-width digits", () => {
		expect(rulesIn("SSN 1\u200b23-45-67\u202e89")).toContain("ssn");
		expect(rulesIn("SSN １２３-４５-６７８９")).toContain("ssn");
		expect(normaliseForScan("a\u00adb\ufeffc")).toBe("abc");
	});

	it("validates NPIs with the 80840 Luhn prefix", () => {
		expect(validNpi("1234567893")).toBe(true);
		expect(validNpi("1234567890")).toBe(false);
	});
});
