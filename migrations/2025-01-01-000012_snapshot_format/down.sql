-- The functions of migration 000011 as they were (class 4711 written in each), then the lock functions go.
CREATE OR REPLACE FUNCTION snapshots_mark_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r  RECORD;
    ev UUID;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    CASE TG_TABLE_NAME
        WHEN 'events' THEN ev := r.id;
        WHEN 'sessions', 'enrollments', 'instruments' THEN ev := r.event_id;
        WHEN 'attendance' THEN SELECT s.event_id INTO ev FROM sessions s WHERE s.id = r.session_id;
        WHEN 'scores' THEN SELECT e.event_id INTO ev FROM enrollments e WHERE e.id = r.enrollment_id;
        WHEN 'responses', 'questions' THEN SELECT i.event_id INTO ev FROM instruments i WHERE i.id = r.instrument_id;
        WHEN 'answers' THEN
            SELECT i.event_id INTO ev FROM responses x JOIN instruments i ON i.id = x.instrument_id
             WHERE x.id = r.response_id;
    END CASE;
    IF ev IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock_shared(4711, hashtext(ev::text) & 255);
        UPDATE event_snapshots SET stale = true WHERE event_id = ev AND NOT stale;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION snapshots_mark_participant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(4711, hashtext(e.event_id::text) & 255)
       FROM enrollments e WHERE e.participant_id = OLD.id;
    UPDATE event_snapshots SET stale = true
     WHERE NOT stale AND event_id IN (SELECT e.event_id FROM enrollments e WHERE e.participant_id = OLD.id);
    DELETE FROM event_result_rows WHERE participant_id = OLD.id;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION snapshots_mark_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(4711, bucket) FROM generate_series(0, 255) bucket;
    UPDATE event_snapshots SET stale = true WHERE NOT stale;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION snapshots_mark_facilitator() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(4711, hashtext(i.event_id::text) & 255)
       FROM instruments i WHERE i.facilitator_id = OLD.id;
    UPDATE event_snapshots SET stale = true
     WHERE NOT stale AND event_id IN (SELECT i.event_id FROM instruments i WHERE i.facilitator_id = OLD.id);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION snapshot_begin_refresh(ev UUID, snapshot_kind TEXT) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    g BIGINT;
    timeout TEXT := current_setting('lock_timeout');
BEGIN
    PERFORM set_config('lock_timeout', '200ms', true);
    BEGIN
        PERFORM pg_advisory_xact_lock(4711, hashtext(ev::text) & 255);
    EXCEPTION WHEN lock_not_available THEN
        RETURN NULL;
    END;
    PERFORM set_config('lock_timeout', timeout, true);
    -- an event deleted meanwhile gets no snapshot (null: the reader's own query answers 404)
    INSERT INTO event_snapshots (event_id, kind, refreshing_until)
    SELECT ev, snapshot_kind, clock_timestamp() + interval '2 seconds'
     WHERE EXISTS (SELECT 1 FROM events WHERE id = ev)
    ON CONFLICT (event_id, kind)
    DO UPDATE SET generation = event_snapshots.generation + 1, stale = false,
                  refreshing_until = EXCLUDED.refreshing_until
    RETURNING generation INTO g;
    RETURN g;
END
$$;

DROP FUNCTION snapshot_lock(UUID, BOOLEAN);
DROP FUNCTION snapshot_lock_bucket(INTEGER, BOOLEAN);
ALTER TABLE event_snapshots DROP COLUMN format_version;
