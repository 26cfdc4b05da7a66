import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { orgs } from "../db/schema";
import { type OrgSettings, parseSettings } from "./settings";

/** The org's effective settings (stored values over the defaults). */
export async function orgSettings(db: Db, orgId: string): Promise<OrgSettings> {
	const org = await db.query.orgs.findFirst({ where: eq(orgs.id, orgId), columns: { settings: true } });
	return parseSettings(org?.settings ?? "{}");
}
