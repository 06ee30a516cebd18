-- The change feed and the audit log, both written by triggers so that no write path can forget them: every
-- insert, update and delete of the tracked tables records, in the same transaction,
--   * a row in `changes` (no personal data: resource, id, operation), for clients that keep a copy in sync, and
--   * a row in `audit_log` with the changed columns (old and new), the actor and the request id, which the
--     service sets per connection with `set_config('bimtek.actor_user_id', ...)` before each write
--     (`db::run`); work outside requests (CLI, seed) records no actor.

-- The feed is read in transaction order: (txid, id). `txid` is the full 64-bit (epoch-extended) transaction id
-- (`pg_current_xact_id()`, an xid8) stored as BIGINT: diesel has no xid8 type and a BIGINT holds it exactly.
-- A reader only returns rows of transactions older than its snapshot's xmin, which can no longer commit, so a
-- cursor never skips a row that commits later "behind" it.
CREATE TABLE changes (
    id            BIGSERIAL PRIMARY KEY,
    txid          BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    resource_type TEXT NOT NULL,
    resource_id   UUID NOT NULL,
    op            TEXT NOT NULL CHECK (op IN ('created', 'updated', 'deleted', 'erased')),
    at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX changes_txid_id_idx ON changes (txid, id);

-- The audit log outlives the accounts and officers it names: "who changed this" must still be answerable after
-- the user was deleted, and the log rows of a deleted officer must not block the deletion.
ALTER TABLE audit_log
    DROP CONSTRAINT IF EXISTS audit_log_actor_user_id_fkey,
    DROP CONSTRAINT IF EXISTS audit_log_participant_id_fkey;
DROP INDEX audit_log_participant_idx;
CREATE INDEX audit_log_participant_idx ON audit_log (participant_id, id) WHERE participant_id IS NOT NULL;
CREATE INDEX audit_log_action_idx ON audit_log (action, id);

-- `updated_since` on the lists.
CREATE INDEX units_updated_at_idx ON units (updated_at, id);
CREATE INDEX participants_updated_at_idx ON participants (updated_at, id);
CREATE INDEX events_updated_at_idx ON events (updated_at, id);
CREATE INDEX sessions_updated_at_idx ON sessions (updated_at, id);
CREATE INDEX enrollments_updated_at_idx ON enrollments (updated_at, id);

-- Columns that never appear in `changes` of the audit log: bookkeeping and derived values.
CREATE FUNCTION audit_ignored_keys() RETURNS TEXT[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ARRAY['version', 'created_at', 'updated_at', 'name_search', 'grade_rank', 'last_login_at'] $$;

-- Columns whose values are credentials: recorded as "[redacted]" (that they changed is still recorded).
CREATE FUNCTION audit_secret_key(key TEXT) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT key ~ '(password|secret|_hash$|^token$|_token$|check_in_code|verification_code)' $$;

-- Columns holding an officer's personal data: removed from the log when the officer is erased (UU PDP).
CREATE FUNCTION audit_personal_keys() RETURNS TEXT[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ARRAY['nip', 'full_name', 'email', 'phone', 'position', 'holder_name', 'display_name',
                       'username', 'note'] $$;

-- `changes` with the values of personal columns replaced by "[erased]" (nulls stay null).
CREATE FUNCTION audit_scrub(changes JSONB) RETURNS JSONB LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(jsonb_object_agg(key, CASE
        WHEN key = ANY (audit_personal_keys()) AND jsonb_typeof(value) = 'object' THEN jsonb_build_object(
            'old', CASE WHEN coalesce(value -> 'old', 'null') = 'null' THEN 'null'::jsonb ELSE '"[erased]"' END,
            'new', CASE WHEN coalesce(value -> 'new', 'null') = 'null' THEN 'null'::jsonb ELSE '"[erased]"' END)
        ELSE value END), '{}'::jsonb)
    FROM jsonb_each(CASE WHEN jsonb_typeof(changes) = 'object' THEN changes ELSE '{}'::jsonb END)
$$;

-- The trigger of every tracked table. Arguments:
--   0: the audit resource name (`action` is `<name>.<created|updated|deleted>`, `participant.erased`),
--   1: the column that identifies the resource (`id`, or the parent id of a link table, `enrollment_id` for scores),
--   2: the change-feed resource name, or absent when the table is not in the feed.
CREATE FUNCTION track_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    resource     TEXT := TG_ARGV[0];
    id_column    TEXT := TG_ARGV[1];
    feed         TEXT := CASE WHEN TG_NARGS > 2 THEN TG_ARGV[2] END;
    old_row      JSONB := CASE WHEN TG_OP = 'INSERT' THEN '{}'::jsonb ELSE to_jsonb(OLD) END;
    new_row      JSONB := CASE WHEN TG_OP = 'DELETE' THEN '{}'::jsonb ELSE to_jsonb(NEW) END;
    current_row  JSONB := CASE WHEN TG_OP = 'DELETE' THEN old_row ELSE new_row END;
    verb         TEXT := CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END;
    row_id       UUID := (current_row ->> id_column)::uuid;
    officer      UUID;
    diff         JSONB;
    feed_op      TEXT := verb;
BEGIN
    IF TG_OP = 'UPDATE' AND old_row = new_row THEN
        RETURN NULL;
    END IF;

    IF feed IS NOT NULL THEN
        IF feed = 'result' THEN
            -- a result is derived from its enrollment's scores: any score change updates it
            feed_op := 'updated';
        ELSIF TG_TABLE_NAME = 'participants' AND TG_OP = 'UPDATE'
              AND old_row ->> 'erased_at' IS NULL AND new_row ->> 'erased_at' IS NOT NULL THEN
            feed_op := 'erased';
        END IF;
        INSERT INTO changes (resource_type, resource_id, op) VALUES (feed, row_id, feed_op);
    END IF;

    SELECT coalesce(jsonb_object_agg(key, jsonb_build_object(
               'old', CASE WHEN audit_secret_key(key) AND coalesce(o.value, 'null') <> 'null'
                           THEN '"[redacted]"'::jsonb ELSE o.value END,
               'new', CASE WHEN audit_secret_key(key) AND coalesce(n.value, 'null') <> 'null'
                           THEN '"[redacted]"'::jsonb ELSE n.value END)), '{}'::jsonb)
      INTO diff
      FROM jsonb_each(old_row) o FULL JOIN jsonb_each(new_row) n USING (key)
     WHERE coalesce(o.value, 'null') IS DISTINCT FROM coalesce(n.value, 'null')
       AND key <> ALL (audit_ignored_keys());
    IF TG_OP = 'UPDATE' AND diff = '{}'::jsonb THEN
        -- only bookkeeping columns changed (a login's last_login_at, a version bump): nothing to answer for
        RETURN NULL;
    END IF;

    IF TG_TABLE_NAME = 'participants' THEN
        officer := row_id;
        -- the erasure's own entry must not carry the values it erases
        IF new_row ->> 'erased_at' IS NOT NULL THEN
            diff := audit_scrub(diff);
            IF TG_OP = 'UPDATE' AND old_row ->> 'erased_at' IS NULL THEN
                verb := 'erased';
            END IF;
        END IF;
    ELSIF current_row ? 'participant_id' THEN
        officer := (current_row ->> 'participant_id')::uuid;
    ELSIF current_row ? 'enrollment_id' THEN
        SELECT e.participant_id INTO officer FROM enrollments e WHERE e.id = (current_row ->> 'enrollment_id')::uuid;
    END IF;

    INSERT INTO audit_log (actor_user_id, actor_client_id, actor_role, action, resource_type, resource_id,
                           participant_id, changes, request_id)
    VALUES (nullif(current_setting('bimtek.actor_user_id', true), '')::uuid,
            nullif(current_setting('bimtek.actor_client_id', true), '')::uuid,
            nullif(current_setting('bimtek.actor_role', true), ''),
            resource || '.' || verb, resource, row_id, officer, diff,
            nullif(current_setting('bimtek.request_id', true), ''));
    RETURN NULL;
END
$$;

-- In the change feed and the audit log.
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON units
    FOR EACH ROW EXECUTE FUNCTION track_row('unit', 'id', 'unit');
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON participants
    FOR EACH ROW EXECUTE FUNCTION track_row('participant', 'id', 'participant');
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION track_row('event', 'id', 'event');
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION track_row('session', 'id', 'session');
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION track_row('enrollment', 'id', 'enrollment');
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON attendance
    FOR EACH ROW EXECUTE FUNCTION track_row('attendance', 'id', 'attendance');
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON scores
    FOR EACH ROW EXECUTE FUNCTION track_row('score', 'enrollment_id', 'result');
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON certificates
    FOR EACH ROW EXECUTE FUNCTION track_row('certificate', 'id', 'certificate');

-- In the audit log only. Not audited on purpose: responses, answers and response_receipts (an entry with its
-- actor would link an anonymous evaluation to its officer), refresh_tokens (logins), certificate_sequences
-- (a counter), session_kinds (reference data changed by migrations), changes and audit_log themselves.
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON programs
    FOR EACH ROW EXECUTE FUNCTION track_row('program', 'id');
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON event_organizers
    FOR EACH ROW EXECUTE FUNCTION track_row('event_organizer', 'event_id');
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON event_unit_quotas
    FOR EACH ROW EXECUTE FUNCTION track_row('event_unit_quota', 'event_id');
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON session_facilitators
    FOR EACH ROW EXECUTE FUNCTION track_row('session_facilitator', 'session_id');
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION track_row('user', 'id');
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON instrument_templates
    FOR EACH ROW EXECUTE FUNCTION track_row('instrument_template', 'id');
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON instruments
    FOR EACH ROW EXECUTE FUNCTION track_row('instrument', 'id');
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON questions
    FOR EACH ROW EXECUTE FUNCTION track_row('question', 'id');
