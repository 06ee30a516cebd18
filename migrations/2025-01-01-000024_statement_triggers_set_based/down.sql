DROP TRIGGER snapshots_mark_events_updated ON enrollments;
DROP FUNCTION snapshots_mark_events_updated();
DROP TRIGGER snapshots_mark_event ON enrollments;
CREATE TRIGGER snapshots_mark_event AFTER INSERT OR UPDATE OR DELETE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION snapshots_mark_event();

CREATE OR REPLACE FUNCTION track_rows_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    resource  TEXT := TG_ARGV[0];
    id_column TEXT := TG_ARGV[1];
    feed      TEXT := CASE WHEN TG_NARGS > 2 THEN TG_ARGV[2] END;
    detail    JSONB := nullif(current_setting('bimtek.audit_detail', true), '')::jsonb;
BEGIN
    WITH olds AS MATERIALIZED (
        SELECT to_jsonb(o) AS old_row FROM old_rows o
    ), news AS MATERIALIZED (
        SELECT to_jsonb(n) AS new_row FROM new_rows n
    ), changed AS MATERIALIZED (
        SELECT (news.new_row ->> id_column)::uuid AS row_id, olds.old_row, news.new_row
          FROM olds JOIN news ON olds.old_row ->> id_column = news.new_row ->> id_column
         WHERE olds.old_row <> news.new_row
    ), fed AS (
        INSERT INTO changes (resource_type, resource_id, op)
        SELECT feed, row_id, 'updated' FROM changed WHERE feed IS NOT NULL
    ), diffs AS (
        SELECT c.row_id, c.new_row,
               -- an UPDATE's two rows have the same columns: one pass over the new row's
               (SELECT coalesce(jsonb_object_agg(n.key, jsonb_build_object(
                           'old', CASE WHEN audit_secret_key(n.key) AND c.old_row -> n.key <> 'null'
                                       THEN '"[redacted]"'::jsonb ELSE c.old_row -> n.key END,
                           'new', CASE WHEN audit_secret_key(n.key) AND n.value <> 'null'
                                       THEN '"[redacted]"'::jsonb ELSE n.value END)), '{}'::jsonb)
                  FROM jsonb_each(c.new_row) n
                 WHERE c.old_row -> n.key IS DISTINCT FROM n.value
                   AND n.key <> ALL (audit_ignored_keys())) AS diff
          FROM changed c
    )
    INSERT INTO audit_log (actor_user_id, actor_client_id, actor_role, action, resource_type, resource_id,
                           participant_id, changes, request_id)
    SELECT nullif(current_setting('bimtek.actor_user_id', true), '')::uuid,
           nullif(current_setting('bimtek.actor_client_id', true), '')::uuid,
           nullif(current_setting('bimtek.actor_role', true), ''),
           resource || '.updated', resource, d.row_id,
           CASE WHEN d.new_row ? 'participant_id' THEN (d.new_row ->> 'participant_id')::uuid END,
           CASE WHEN detail IS NULL THEN d.diff ELSE d.diff || detail END,
           nullif(current_setting('bimtek.request_id', true), '')
      FROM diffs d
     WHERE d.diff <> '{}'::jsonb
     ORDER BY d.row_id;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION webhook_enrollments_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH events AS MATERIALIZED (
        SELECT gen_random_uuid() AS event_id,
               jsonb_build_object('enrollment_id', n.id, 'event_id', n.event_id,
                                  'participant_id', n.participant_id, 'status', n.status,
                                  'previous_status', o.status, 'version', n.version) AS data
          FROM old_rows o JOIN new_rows n ON n.id = o.id
         WHERE n.status IS DISTINCT FROM o.status OR n.version IS DISTINCT FROM o.version
    )
    INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, payload)
    SELECT s.id, e.event_id, 'enrollment.changed',
           jsonb_build_object(
               'id', e.event_id,
               'type', 'enrollment.changed',
               'occurred_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               'data', e.data)
      FROM events e CROSS JOIN webhook_subscriptions s
     WHERE s.active AND 'enrollment.changed' = ANY (s.event_types);
    RETURN NULL;
END
$$;
