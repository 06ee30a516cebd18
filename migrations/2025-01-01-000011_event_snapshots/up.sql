-- Snapshots of an event's report and of its officers' results, so that reading them costs a lookup instead of
-- aggregating every attendance record, score and answer of the event on each request.
--
-- A snapshot is valid while `NOT stale AND ready_generation = generation`. Triggers on every table the report
-- and the results read mark the event's snapshots stale with `UPDATE ... WHERE event_id = $1 AND NOT stale`:
-- only the first write after a refresh updates (and locks) the row, so check-in bursts do not queue on it.
-- Each such trigger first takes the event's refresh lock in shared mode (a transaction-level advisory lock,
-- class 4711, one of 256 buckets of event ids), which writers never wait for among themselves.
-- The first reader after a change refreshes (`repo::snapshots`):
--   1. `snapshot_begin_refresh` takes the event's refresh lock exclusively, which waits for every write in flight
--      on the event (at most 200 ms, else the reader answers without storing), bumps `generation` and clears
--      `stale`, and commits: every write that touched the event before has committed (or not), and every write
--      from then on marks the snapshot stale again;
--   2. the figures are computed in a REPEATABLE READ transaction begun after that commit;
--   3. they are stored only if the generation is still the refresh's own and no write marked the snapshot stale
--      meanwhile. Otherwise the reader answers with what it computed and stores nothing.
-- Readers that find a refresh under way (`refreshing_until` ahead, not stale, not stored yet) wait for it rather
-- than compute the same figures side by side; if it ends without storing they refresh themselves.
-- Both tables are UNLOGGED: a cache, emptied by a crash, refilled by the next reader.
CREATE UNLOGGED TABLE event_snapshots (
    event_id         UUID NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('report', 'results')),
    generation       BIGINT NOT NULL DEFAULT 1,
    stale            BOOLEAN NOT NULL DEFAULT false,
    -- the generation whose figures are stored (null: none yet)
    ready_generation BIGINT,
    -- the report as the API serves it (JSON), for kind 'report'
    body             BYTEA,
    refreshed_at     TIMESTAMPTZ,
    -- set by step 1: until then other readers wait for this refresh instead of computing the same figures
    refreshing_until TIMESTAMPTZ,
    -- the number of stored result lines, for kind 'results' (the total of an unfiltered page)
    line_count       BIGINT,
    PRIMARY KEY (event_id, kind)
);

-- The results of the approved officers of an event, as `repo::results::results_ctes` computes them; valid while
-- the event's 'results' snapshot is. A change to an officer's personal data (or an erasure) deletes their lines
-- at once, besides marking the snapshots stale.
CREATE UNLOGGED TABLE event_result_rows (
    event_id             UUID NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    -- 1, 2, ... in the order of the list (name, then enrollment): a page is a range of positions
    position             BIGINT NOT NULL,
    enrollment_id        UUID NOT NULL,
    participant_id       UUID NOT NULL,
    full_name            TEXT NOT NULL,
    name_search          TEXT NOT NULL,
    nip                  TEXT,
    erased_at            TIMESTAMPTZ,
    unit_id              UUID NOT NULL,
    unit_name            TEXT NOT NULL,
    sessions_total       BIGINT NOT NULL,
    sessions_attended    BIGINT NOT NULL,
    attendance_rate      DOUBLE PRECISION NOT NULL,
    jp_earned            BIGINT NOT NULL,
    jp_minutes           BIGINT NOT NULL,
    pre_score            DOUBLE PRECISION,
    post_score           DOUBLE PRECISION,
    practical_score      DOUBLE PRECISION,
    attendance_threshold DOUBLE PRECISION NOT NULL,
    pass_score           DOUBLE PRECISION NOT NULL,
    outcome              TEXT NOT NULL,
    PRIMARY KEY (event_id, enrollment_id)
);
CREATE INDEX event_result_rows_position_idx ON event_result_rows (event_id, position);
CREATE INDEX event_result_rows_participant_idx ON event_result_rows (participant_id);

-- Marks the snapshots of the event a row belongs to stale.
CREATE FUNCTION snapshots_mark_event() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER snapshots_mark_event AFTER INSERT OR UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION snapshots_mark_event();
CREATE TRIGGER snapshots_mark_event AFTER INSERT OR UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION snapshots_mark_event();
CREATE TRIGGER snapshots_mark_event AFTER INSERT OR UPDATE OR DELETE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION snapshots_mark_event();
CREATE TRIGGER snapshots_mark_event AFTER INSERT OR UPDATE OR DELETE ON instruments
    FOR EACH ROW EXECUTE FUNCTION snapshots_mark_event();
CREATE TRIGGER snapshots_mark_event AFTER INSERT OR UPDATE OR DELETE ON attendance
    FOR EACH ROW EXECUTE FUNCTION snapshots_mark_event();
CREATE TRIGGER snapshots_mark_event AFTER INSERT OR UPDATE OR DELETE ON scores
    FOR EACH ROW EXECUTE FUNCTION snapshots_mark_event();
CREATE TRIGGER snapshots_mark_event AFTER INSERT OR UPDATE OR DELETE ON responses
    FOR EACH ROW EXECUTE FUNCTION snapshots_mark_event();
CREATE TRIGGER snapshots_mark_event AFTER INSERT OR UPDATE OR DELETE ON questions
    FOR EACH ROW EXECUTE FUNCTION snapshots_mark_event();
CREATE TRIGGER snapshots_mark_event AFTER INSERT OR UPDATE OR DELETE ON answers
    FOR EACH ROW EXECUTE FUNCTION snapshots_mark_event();

-- An officer's name, NIP, unit or erasure: the events they are enrolled in, and their cached result lines go.
CREATE FUNCTION snapshots_mark_participant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(4711, hashtext(e.event_id::text) & 255)
       FROM enrollments e WHERE e.participant_id = OLD.id;
    UPDATE event_snapshots SET stale = true
     WHERE NOT stale AND event_id IN (SELECT e.event_id FROM enrollments e WHERE e.participant_id = OLD.id);
    DELETE FROM event_result_rows WHERE participant_id = OLD.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER snapshots_mark_participant AFTER UPDATE ON participants
    FOR EACH ROW
    WHEN ((OLD.full_name, OLD.name_search, OLD.nip, OLD.unit_id, OLD.erased_at)
          IS DISTINCT FROM (NEW.full_name, NEW.name_search, NEW.nip, NEW.unit_id, NEW.erased_at))
    EXECUTE FUNCTION snapshots_mark_participant();
CREATE TRIGGER snapshots_mark_participant_delete AFTER DELETE ON participants
    FOR EACH ROW EXECUTE FUNCTION snapshots_mark_participant();

-- A unit's name is in the report's attendance per unit and in every result line: renames are rare, every
-- snapshot goes.
CREATE FUNCTION snapshots_mark_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(4711, bucket) FROM generate_series(0, 255) bucket;
    UPDATE event_snapshots SET stale = true WHERE NOT stale;
    RETURN NULL;
END
$$;
CREATE TRIGGER snapshots_mark_all AFTER UPDATE ON units
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION snapshots_mark_all();

-- A facilitator's name is in the report's means per facilitator.
CREATE FUNCTION snapshots_mark_facilitator() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(4711, hashtext(i.event_id::text) & 255)
       FROM instruments i WHERE i.facilitator_id = OLD.id;
    UPDATE event_snapshots SET stale = true
     WHERE NOT stale AND event_id IN (SELECT i.event_id FROM instruments i WHERE i.facilitator_id = OLD.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER snapshots_mark_facilitator AFTER UPDATE ON users
    FOR EACH ROW
    WHEN ((OLD.display_name, OLD.username) IS DISTINCT FROM (NEW.display_name, NEW.username))
    EXECUTE FUNCTION snapshots_mark_facilitator();

-- Step 1 of a refresh (see the top): the new generation, or null when writes on the event kept the refresh lock
-- for 200 ms (the caller computes without storing). Call it in a transaction of its own: the lock is released by
-- its commit.
CREATE FUNCTION snapshot_begin_refresh(ev UUID, snapshot_kind TEXT) RETURNS BIGINT LANGUAGE plpgsql AS $$
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
