import { describe, expect, it } from "vitest";
import { decideOutbound } from "../src/policy/outbound";

const secure = { address: "lab@partner.example", secure: true };
const open = { address: "pat@gmail.example", secure: false };

describe("decideOutbound", () => {
	it.each([
		["administrative, no PHI", "administrative", {}, [open], { kind: "allow", phi: false }],
		["clinical, no PHI, insecure recipient", "clinical", {}, [open], { kind: "allow", phi: false }],
		["clinical, PHI, all secure", "clinical", { icd10: 1 }, [secure], { kind: "allow", phi: true }],
		[
			"clinical, PHI, one insecure",
			"clinical",
			{ ssn: 1, icd10: 2 },
			[secure, open],
			{ kind: "block", reason: "phi_to_insecure_recipient", rules: ["icd10", "ssn"], recipients: [open.address] },
		],
		[
			"administrative, PHI, even to secure recipients",
			"administrative",
			{ medication: 1 },
			[secure],
			{ kind: "block", reason: "phi_from_administrative_alias", rules: ["medication"], recipients: [secure.address] },
		],
	] as const)("%s", (_n, aliasClass, findings, recipients, decision) => {
		expect(decideOutbound({ aliasClass, findings, recipients })).toEqual(decision);
	});
});
