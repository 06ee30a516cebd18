DROP TRIGGER track_row ON questions;
DROP TRIGGER track_row ON instruments;
DROP TRIGGER track_row ON instrument_templates;
DROP TRIGGER track_row ON users;
DROP TRIGGER track_row ON session_facilitators;
DROP TRIGGER track_row ON event_unit_quotas;
DROP TRIGGER track_row ON event_organizers;
DROP TRIGGER track_row ON programs;
DROP TRIGGER track_row ON certificates;
DROP TRIGGER track_row ON scores;
DROP TRIGGER track_row ON attendance;
DROP TRIGGER track_row ON enrollments;
DROP TRIGGER track_row ON sessions;
DROP TRIGGER track_row ON events;
DROP TRIGGER track_row ON participants;
DROP TRIGGER track_row ON units;
DROP FUNCTION track_row();
DROP FUNCTION audit_scrub(JSONB);
DROP FUNCTION audit_personal_keys();
DROP FUNCTION audit_secret_key(TEXT);
DROP FUNCTION audit_ignored_keys();

DROP INDEX enrollments_updated_at_idx;
DROP INDEX sessions_updated_at_idx;
DROP INDEX events_updated_at_idx;
DROP INDEX participants_updated_at_idx;
DROP INDEX units_updated_at_idx;

DROP INDEX audit_log_action_idx;
DROP INDEX audit_log_participant_idx;
CREATE INDEX audit_log_participant_idx ON audit_log (participant_id) WHERE participant_id IS NOT NULL;
-- Entries of deleted accounts or officers lose those references when the constraints come back.
UPDATE audit_log SET actor_user_id = NULL WHERE actor_user_id NOT IN (SELECT id FROM users);
UPDATE audit_log SET participant_id = NULL WHERE participant_id NOT IN (SELECT id FROM participants);
ALTER TABLE audit_log
    ADD CONSTRAINT audit_log_actor_user_id_fkey FOREIGN KEY (actor_user_id) REFERENCES users (id) ON DELETE SET NULL,
    ADD CONSTRAINT audit_log_participant_id_fkey FOREIGN KEY (participant_id) REFERENCES participants (id);

DROP TABLE changes;
