import { describe, expect, it } from "vitest";
import { aliasAddressOf } from "../src/aliases/address";

describe("aliasAddressOf", () => {
	it.each([
		["billing@clinic.example", "billing@clinic.example"],
		["Billing@Clinic.Example", "billing@clinic.example"],
		["billing+invoices@clinic.example", "billing@clinic.example"],
		["dr.lee+a+b@clinic.example", "dr.lee@clinic.example"],
		["  cardiology-referrals@clinic.example ", "cardiology-referrals@clinic.example"],
		["a_b@sub.clinic.example", "a_b@sub.clinic.example"],
		[`${"a".repeat(64)}@clinic.example`, `${"a".repeat(64)}@clinic.example`],
	])("%s → %s", (input, address) => {
		expect(aliasAddressOf(input)?.address).toBe(address);
	});

	it.each([
		["no at sign", "billing.clinic.example"],
		["an empty local part", "@clinic.example"],
		["only a tag", "+tag@clinic.example"],
		["a Cyrillic look-alike", "bіlling@clinic.example"],
		["a quoted local part", '"billing"@clinic.example'],
		["a local part of 65 characters", `${"a".repeat(65)}@clinic.example`],
		["a single-label domain", "billing@localhost"],
		["CR/LF", "billing@clinic.example\r\nBcc: x@evil.example"],
		["NUL", "billing\u0000@clinic.example"],
		["an address over 254 characters", `a@${"b".repeat(250)}.example`],
	])("refuses %s", (_name, input) => {
		expect(aliasAddressOf(input)).toBeNull();
	});
});
