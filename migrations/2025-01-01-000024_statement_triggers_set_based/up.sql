-- Bulk decisions (issue 18: 500 approvals in under 20x one approval) spent most of their time in the triggers of one
-- UPDATE of 500 enrollments: the audit diff turned every old and new row into JSON and walked its keys with a regex
-- per key, the snapshot trigger ran once per row, and the webhook trigger built 500 payloads for no subscription.
-- Same entries, same feed, same deliveries, cheaper:
--   * `track_rows_updated` compares the columns themselves: the statement it runs is written once per call from the
--     table's columns (the ignored ones left out, the secret ones redacted, as `audit_ignored_keys()` and
--     `audit_secret_key()` say), so each row costs a few comparisons instead of two JSON documents and a key walk;
--   * `snapshots_mark_events_updated`: the snapshots of the events of an UPDATE's rows are marked stale once per
--     statement (the refresh locks taken shared, as the row trigger takes them); INSERT and DELETE keep the row one;
--   * `webhook_enrollments_updated` returns at once when no active subscription wants `enrollment.changed`.

CREATE OR REPLACE FUNCTION track_rows_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    resource  TEXT := TG_ARGV[0];
    id_column TEXT := TG_ARGV[1];
    feed      TEXT := CASE WHEN TG_NARGS > 2 THEN TG_ARGV[2] END;
    detail    JSONB := nullif(current_setting('bimtek.audit_detail', true), '')::jsonb;
    diff      TEXT;
    officer   TEXT;
BEGIN
    -- the diff of one row as an expression over o (old) and n (new): one object per changed column
    SELECT coalesce(string_agg(format(
               'CASE WHEN o.%1$I IS DISTINCT FROM n.%1$I THEN jsonb_build_object(%2$L, jsonb_build_object(%3$s, %4$s)) ELSE ''{}''::jsonb END',
               a.attname, a.attname,
               CASE WHEN audit_secret_key(a.attname)
                    THEN format('''old'', CASE WHEN o.%1$I IS NULL THEN ''null''::jsonb ELSE ''"[redacted]"''::jsonb END', a.attname)
                    ELSE format('''old'', to_jsonb(o.%I)', a.attname) END,
               CASE WHEN audit_secret_key(a.attname)
                    THEN format('''new'', CASE WHEN n.%1$I IS NULL THEN ''null''::jsonb ELSE ''"[redacted]"''::jsonb END', a.attname)
                    ELSE format('''new'', to_jsonb(n.%I)', a.attname) END),
               ' || ' ORDER BY a.attnum), '''{}''::jsonb')
      INTO diff
      FROM pg_attribute a
     WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attname <> ALL (audit_ignored_keys());
    officer := CASE WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = TG_RELID
                                    AND a.attname = 'participant_id' AND NOT a.attisdropped)
                    THEN 'n.participant_id' ELSE 'NULL::uuid' END;
    EXECUTE format(
        'WITH changed AS MATERIALIZED (
             SELECT n.%1$I AS row_id, %2$s AS officer, %3$s AS diff
               FROM old_rows o JOIN new_rows n ON o.%1$I = n.%1$I
              WHERE (o.*) IS DISTINCT FROM (n.*)
         ), fed AS (
             INSERT INTO changes (resource_type, resource_id, op)
             SELECT $1, row_id, ''updated'' FROM changed WHERE $1 IS NOT NULL
         )
         INSERT INTO audit_log (actor_user_id, actor_client_id, actor_role, action, resource_type, resource_id,
                                participant_id, changes, request_id)
         SELECT nullif(current_setting(''bimtek.actor_user_id'', true), '''')::uuid,
                nullif(current_setting(''bimtek.actor_client_id'', true), '''')::uuid,
                nullif(current_setting(''bimtek.actor_role'', true), ''''),
                $2 || ''.updated'', $2, c.row_id, c.officer,
                CASE WHEN $3 IS NULL THEN c.diff ELSE c.diff || $3 END,
                nullif(current_setting(''bimtek.request_id'', true), '''')
           FROM changed c
          WHERE c.diff <> ''{}''::jsonb
          ORDER BY c.row_id',
        id_column, officer, diff)
    USING feed, resource, detail;
    RETURN NULL;
END
$$;

CREATE FUNCTION snapshots_mark_events_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM snapshot_lock(x.event_id)
       FROM (SELECT event_id FROM new_rows UNION SELECT event_id FROM old_rows ORDER BY 1) x;
    UPDATE event_snapshots SET stale = true
     WHERE NOT stale AND event_id IN (SELECT event_id FROM new_rows UNION SELECT event_id FROM old_rows);
    RETURN NULL;
END
$$;

DROP TRIGGER snapshots_mark_event ON enrollments;
CREATE TRIGGER snapshots_mark_event AFTER INSERT OR DELETE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION snapshots_mark_event();
CREATE TRIGGER snapshots_mark_events_updated AFTER UPDATE ON enrollments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION snapshots_mark_events_updated();

CREATE OR REPLACE FUNCTION webhook_enrollments_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_subscriptions s
                    WHERE s.active AND 'enrollment.changed' = ANY (s.event_types)) THEN
        RETURN NULL;
    END IF;
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
