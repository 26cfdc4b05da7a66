-- The audit log is append-only and chained per org (DESIGN §3, NOTES "Audit chain").
-- These triggers make the database itself refuse tampering that goes through SQL:
-- no UPDATE, no DELETE, no seq other than head + 1 (so a gap, a duplicate, INSERT OR REPLACE
-- and upserts all fail) and no prev_mac other than the head's mac. Verification
-- (src/audit/verify.ts) still recomputes every MAC, because someone with raw file access can
-- drop triggers. Every message starts with "audit_chain:" so the appender can tell a lost race
-- (retry with the new head) from any other failure.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'audit_chain: audit_events is append-only (UPDATE refused)');
END;
--> statement-breakpoint
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
	SELECT RAISE(ABORT, 'audit_chain: audit_events is append-only (DELETE refused)');
END;
--> statement-breakpoint
CREATE TRIGGER audit_events_seq BEFORE INSERT ON audit_events
WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_events WHERE org_id = NEW.org_id)
BEGIN
	SELECT RAISE(ABORT, 'audit_chain: seq is not head + 1');
END;
--> statement-breakpoint
CREATE TRIGGER audit_events_prev_mac BEFORE INSERT ON audit_events
WHEN NEW.prev_mac IS NOT COALESCE((SELECT mac FROM audit_events WHERE org_id = NEW.org_id AND seq = NEW.seq - 1), '')
BEGIN
	SELECT RAISE(ABORT, 'audit_chain: prev_mac is not the head mac');
END;
