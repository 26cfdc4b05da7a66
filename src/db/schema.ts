// Every table of Carepost, in one file (DESIGN §3). Tenancy: every row carries org_id and every
// query is scoped by the caller's org. Nothing here holds plaintext PHI: patient-facing values
// (subjects, addresses, names) live in `sealed` columns, encrypted under the record's own data key
// (`wrapped_key`, wrapped by the key-encryption key `key_id`); lookups use keyed HMAC blind indexes.
// Binary values (wrapped keys, ciphertext) are stored as base64 text so no Node Buffer is needed.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () => text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`);

export const orgs = sqliteTable("orgs", {
	id: text("id").primaryKey(),
	name: text("name").notNull(),
	/** JSON: confidentiality notice, archive BCC, naming pattern, denylist, retention, PHI policy. */
	settings: text("settings").notNull().default("{}"),
	createdAt: createdAt(),
});

export const domains = sqliteTable("domains", {
	id: text("id").primaryKey(),
	orgId: text("org_id")
		.notNull()
		.references(() => orgs.id),
	/** Lower-case; unique across orgs so an inbound address maps to exactly one tenant. */
	domain: text("domain").notNull().unique(),
	createdAt: createdAt(),
});

export const users = sqliteTable(
	"users",
	{
		id: text("id").primaryKey(),
		orgId: text("org_id")
			.notNull()
			.references(() => orgs.id),
		email: text("email").notNull(),
		name: text("name").notNull(),
		role: text("role", { enum: ["owner", "admin", "compliance", "auditor", "member"] }).notNull(),
		/** Licensed clinical staff: the only users who may send from a clinical alias. */
		clinical: integer("clinical", { mode: "boolean" }).notNull().default(false),
		status: text("status", { enum: ["active", "deactivated"] })
			.notNull()
			.default("active"),
		deactivatedAt: text("deactivated_at"),
		createdAt: createdAt(),
	},
	(t) => [uniqueIndex("users_org_email").on(t.orgId, t.email)],
);

export const tokens = sqliteTable(
	"tokens",
	{
		id: text("id").primaryKey(),
		orgId: text("org_id")
			.notNull()
			.references(() => orgs.id),
		userId: text("user_id")
			.notNull()
			.references(() => users.id),
		name: text("name").notNull(),
		/** SHA-256 of the whole secret, hex. The secret itself is shown once and never stored. */
		hash: text("hash").notNull().unique(),
		/** JSON array of scopes; a token never grants more than its user's role. */
		scopes: text("scopes").notNull(),
		expiresAt: text("expires_at"),
		revokedAt: text("revoked_at"),
		lastUsedAt: text("last_used_at"),
		createdAt: createdAt(),
	},
	(t) => [index("tokens_user").on(t.userId)],
);

export const teams = sqliteTable("teams", {
	id: text("id").primaryKey(),
	orgId: text("org_id")
		.notNull()
		.references(() => orgs.id),
	name: text("name").notNull(),
	/** Team-wide archive BCC, overriding the org's. */
	archiveBcc: text("archive_bcc"),
	createdAt: createdAt(),
});

export const teamMembers = sqliteTable(
	"team_members",
	{
		teamId: text("team_id")
			.notNull()
			.references(() => teams.id),
		userId: text("user_id")
			.notNull()
			.references(() => users.id),
		orgId: text("org_id").notNull(),
	},
	(t) => [primaryKey({ columns: [t.teamId, t.userId] }), index("team_members_user").on(t.userId)],
);

export const aliases = sqliteTable(
	"aliases",
	{
		id: text("id").primaryKey(),
		orgId: text("org_id")
			.notNull()
			.references(() => orgs.id),
		domainId: text("domain_id")
			.notNull()
			.references(() => domains.id),
		localPart: text("local_part").notNull(),
		/** local@domain, lower-case; unique so routing is a single index lookup. */
		address: text("address").notNull().unique(),
		class: text("class", { enum: ["clinical", "administrative"] }).notNull(),
		teamId: text("team_id").references(() => teams.id),
		displayName: text("display_name").notNull(),
		archiveBcc: text("archive_bcc"),
		notice: text("notice"),
		status: text("status", { enum: ["active", "disabled", "expired"] })
			.notNull()
			.default("active"),
		expiresAt: text("expires_at"),
		successorId: text("successor_id"),
		createdAt: createdAt(),
	},
	(t) => [index("aliases_org").on(t.orgId, t.status)],
);

export const aliasGrants = sqliteTable(
	"alias_grants",
	{
		aliasId: text("alias_id")
			.notNull()
			.references(() => aliases.id),
		principalType: text("principal_type", { enum: ["user", "team"] }).notNull(),
		principalId: text("principal_id").notNull(),
		role: text("role", { enum: ["viewer", "sender", "manager"] }).notNull(),
		orgId: text("org_id").notNull(),
	},
	(t) => [
		primaryKey({ columns: [t.aliasId, t.principalType, t.principalId] }),
		index("alias_grants_principal").on(t.principalType, t.principalId),
	],
);

export const recipients = sqliteTable(
	"recipients",
	{
		id: text("id").primaryKey(),
		orgId: text("org_id")
			.notNull()
			.references(() => orgs.id),
		kind: text("kind", { enum: ["address", "domain"] }).notNull(),
		/** Blind index of the lower-cased address or domain. */
		valueIndex: text("value_index").notNull(),
		wrappedKey: text("wrapped_key").notNull(),
		keyId: text("key_id").notNull(),
		/** Sealed JSON { value }. */
		sealed: text("sealed").notNull(),
		secure: integer("secure", { mode: "boolean" }).notNull().default(false),
		reason: text("reason"),
		markedBy: text("marked_by"),
		verifiedAt: text("verified_at"),
		createdAt: createdAt(),
	},
	(t) => [uniqueIndex("recipients_org_value").on(t.orgId, t.valueIndex)],
);

export const conversations = sqliteTable(
	"conversations",
	{
		id: text("id").primaryKey(),
		orgId: text("org_id")
			.notNull()
			.references(() => orgs.id),
		aliasId: text("alias_id")
			.notNull()
			.references(() => aliases.id),
		/** Blind index of the external counterpart's address. */
		counterpartIndex: text("counterpart_index").notNull(),
		wrappedKey: text("wrapped_key").notNull(),
		keyId: text("key_id").notNull(),
		/** Sealed JSON { counterpart, subject }. */
		sealed: text("sealed").notNull(),
		status: text("status", { enum: ["open", "closed"] })
			.notNull()
			.default("open"),
		assigneeId: text("assignee_id"),
		lastMessageAt: text("last_message_at").notNull(),
		createdAt: createdAt(),
	},
	(t) => [index("conversations_list").on(t.orgId, t.lastMessageAt, t.id)],
);

export const messages = sqliteTable(
	"messages",
	{
		id: text("id").primaryKey(),
		orgId: text("org_id")
			.notNull()
			.references(() => orgs.id),
		conversationId: text("conversation_id")
			.notNull()
			.references(() => conversations.id),
		aliasId: text("alias_id")
			.notNull()
			.references(() => aliases.id),
		direction: text("direction", { enum: ["inbound", "outbound"] }).notNull(),
		/** Blind index of the RFC Message-ID (threading), null when the message had none. */
		messageIdIndex: text("message_id_index"),
		/** Blind index of the provider's message id for outbound mail (replies may cite either). */
		providerIdIndex: text("provider_id_index"),
		/** Redelivery key: the Message-ID index, or a keyed digest of the raw bytes without one. */
		dedupeKey: text("dedupe_key").notNull(),
		idempotencyKey: text("idempotency_key"),
		size: integer("size").notNull(),
		r2Key: text("r2_key"),
		/** Null once crypto-shredded. */
		wrappedKey: text("wrapped_key"),
		keyId: text("key_id").notNull(),
		/** Sealed JSON: subject, from, to, cc, date, Message-ID, threading ids, attachment list. */
		sealed: text("sealed"),
		status: text("status", {
			enum: ["received", "quarantined", "queued", "sent", "failed", "blocked", "deleted"],
		}).notNull(),
		/** Why a quarantined message did not parse: a fixed reason code, never parser text. */
		quarantineReason: text("quarantine_reason"),
		attempts: integer("attempts").notNull().default(0),
		sentBy: text("sent_by"),
		/** JSON array of PHI rule ids that matched (ids only, never the matched text). */
		phiRules: text("phi_rules"),
		createdAt: createdAt(),
	},
	(t) => [
		uniqueIndex("messages_dedupe").on(t.aliasId, t.dedupeKey),
		index("messages_conversation").on(t.conversationId, t.createdAt),
		index("messages_thread").on(t.orgId, t.messageIdIndex),
		index("messages_provider").on(t.orgId, t.providerIdIndex),
		uniqueIndex("messages_idempotency").on(t.orgId, t.idempotencyKey),
	],
);

export const auditEvents = sqliteTable(
	"audit_events",
	{
		orgId: text("org_id").notNull(),
		seq: integer("seq").notNull(),
		at: text("at").notNull(),
		actorType: text("actor_type", { enum: ["user", "token", "system", "anonymous"] }).notNull(),
		actorId: text("actor_id").notNull(),
		action: text("action").notNull(),
		targetType: text("target_type"),
		targetId: text("target_id"),
		outcome: text("outcome", { enum: ["success", "denied", "error"] }).notNull(),
		requestId: text("request_id"),
		/** JSON of ids, counts and reason codes only: no PHI ever. */
		details: text("details").notNull().default("{}"),
		prevMac: text("prev_mac").notNull(),
		mac: text("mac").notNull(),
	},
	(t) => [
		primaryKey({ columns: [t.orgId, t.seq] }),
		index("audit_actor").on(t.orgId, t.actorId),
		index("audit_action").on(t.orgId, t.action),
	],
);

/**
 * Failed-authentication counters per token prefix or client address, so guessing is slowed
 * and then refused (see src/auth/throttle.ts). Holds no secret: a prefix is 8 characters of a
 * token that failed, an address is the client IP as Cloudflare reports it.
 */
export const authThrottle = sqliteTable("auth_throttle", {
	key: text("key").primaryKey(),
	failures: integer("failures").notNull(),
	windowStart: text("window_start").notNull(),
	blockedUntil: text("blocked_until"),
});
