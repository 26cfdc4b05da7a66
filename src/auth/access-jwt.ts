// Optional staff sign-in through Cloudflare Access. When ACCESS_TEAM_DOMAIN and ACCESS_AUD are
// set, a request carrying Cf-Access-Jwt-Assertion is identified by the e-mail in that JWT,
// after its signature (the team's JWKS), issuer and audience have been checked with jose.
import { createRemoteJWKSet, jwtVerify } from "jose";

export interface AccessConfig {
	teamDomain: string;
	audience: string;
}

// jose caches keys inside each key set; keeping the set per team domain keeps that cache
// across requests of the isolate instead of fetching the JWKS every time.
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function keySetFor(teamDomain: string) {
	let set = keySets.get(teamDomain);
	if (!set) {
		set = createRemoteJWKSet(new URL(`https://${teamDomain}/cdn-cgi/access/certs`));
		keySets.set(teamDomain, set);
	}
	return set;
}

/** The verified e-mail of the Access session, or null for any invalid assertion. */
export async function verifyAccessJwt(assertion: string, access: AccessConfig): Promise<string | null> {
	try {
		const { payload } = await jwtVerify(assertion, keySetFor(access.teamDomain), {
			issuer: `https://${access.teamDomain}`,
			audience: access.audience,
			algorithms: ["RS256"],
		});
		return typeof payload.email === "string" ? payload.email.toLowerCase() : null;
	} catch {
		return null;
	}
}
