-- Back to the trigger of migration 000008 (the services' own score and certificate entries are gone with this
-- build: an older build writes them again).
CREATE OR REPLACE FUNCTION track_row() RETURNS trigger LANGUAGE plpgsql AS $$
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


DROP INDEX audit_log_participant_ids_idx;
ALTER TABLE audit_log DROP COLUMN participant_ids;
