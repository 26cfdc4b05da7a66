// The outbound decision (DESIGN §4): PHI may leave only from a clinical alias and only to
// recipients marked secure. Pure: the caller looks up the registry; this decides.
import type { PhiFindings, PhiRule } from "./phi";

export interface RecipientStatus {
	address: string;
	/** Marked secure in the registry (by address or domain), or on one of the org's own domains. */
	secure: boolean;
}

export type OutboundDecision =
	| { kind: "allow"; phi: boolean }
	| {
			kind: "block";
			reason: "phi_from_administrative_alias" | "phi_to_insecure_recipient";
			rules: PhiRule[];
			/** The recipients that may not receive this PHI (the caller supplied them). */
			recipients: string[];
	  };

export function decideOutbound(input: {
	aliasClass: "clinical" | "administrative";
	findings: PhiFindings;
	recipients: readonly RecipientStatus[];
}): OutboundDecision {
	const rules = Object.keys(input.findings).sort() as PhiRule[];
	if (rules.length === 0) return { kind: "allow", phi: false };
	if (input.aliasClass !== "clinical") {
		return {
			kind: "block",
			reason: "phi_from_administrative_alias",
			rules,
			recipients: input.recipients.map((r) => r.address),
		};
	}
	const insecure = input.recipients.filter((r) => !r.secure).map((r) => r.address);
	if (insecure.length > 0) return { kind: "block", reason: "phi_to_insecure_recipient", rules, recipients: insecure };
	return { kind: "allow", phi: true };
}
