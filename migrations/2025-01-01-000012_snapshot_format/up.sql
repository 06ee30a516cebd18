-- Snapshots carry the format version of what they store (`repo::snapshots::FORMAT_VERSION`): a deploy that
-- changes the shape of the report or of a result line bumps it, and a snapshot stored by an older (or newer)
-- build is then treated as stale, never served. Rows stored before this migration have none and are stale too.
ALTER TABLE event_snapshots ADD COLUMN format_version INTEGER;

-- The event's refresh lock, named once: a transaction-level advisory lock of class 4711 on one of 256 buckets of
-- event ids. Writers take it shared (they never wait for each other), a refresh takes it exclusively.
CREATE FUNCTION snapshot_lock_bucket(bucket INTEGER, exclusive BOOLEAN) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF exclusive THEN
        PERFORM pg_advisory_xact_lock(4711, bucket);
    ELSE
        PERFORM pg_advisory_xact_lock_shared(4711, bucket);
    END IF;
END
$$;

-- The bucket of an event's refresh lock.
CREATE FUNCTION snapshot_lock(ev UUID, exclusive BOOLEAN DEFAULT false) RETURNS void LANGUAGE sql AS $$
    SELECT snapshot_lock_bucket(hashtext(ev::text) & 255, exclusive)
$$;

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
        PERFORM snapshot_lock(ev);
        UPDATE event_snapshots SET stale = true WHERE event_id = ev AND NOT stale;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION snapshots_mark_participant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM snapshot_lock(e.event_id) FROM enrollments e WHERE e.participant_id = OLD.id;
    UPDATE event_snapshots SET stale = true
     WHERE NOT stale AND event_id IN (SELECT e.event_id FROM enrollments e WHERE e.participant_id = OLD.id);
    DELETE FROM event_result_rows WHERE participant_id = OLD.id;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION snapshots_mark_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM snapshot_lock_bucket(bucket, false) FROM generate_series(0, 255) bucket;
    UPDATE event_snapshots SET stale = true WHERE NOT stale;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION snapshots_mark_facilitator() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM snapshot_lock(i.event_id) FROM instruments i WHERE i.facilitator_id = OLD.id;
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
        PERFORM snapshot_lock(ev, true);
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
