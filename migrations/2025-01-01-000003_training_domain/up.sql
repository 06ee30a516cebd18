-- The training domain: searchable, archivable and erasable participants, event ownership, enrollments with
-- quotas and check-in codes, and attendance.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE units ADD COLUMN archived_at TIMESTAMPTZ;
CREATE INDEX units_code_idx ON units (code, id);
CREATE INDEX units_name_idx ON units (name, id);
CREATE INDEX units_type_idx ON units (unit_type, code, id);

-- After an erasure (UU PDP) the NIP, contacts and name are gone; the row stays for anonymous aggregates.
ALTER TABLE participants
    ALTER COLUMN nip DROP NOT NULL,
    ADD COLUMN position_kind TEXT CHECK (position_kind IN ('structural', 'functional', 'pelaksana')),
    -- lower-cased, accents removed: what `q` searches; maintained by the service
    ADD COLUMN name_search TEXT NOT NULL DEFAULT '',
    ADD COLUMN grade_rank SMALLINT GENERATED ALWAYS AS (
        CASE grade
            WHEN 'I/a' THEN 1 WHEN 'I/b' THEN 2 WHEN 'I/c' THEN 3 WHEN 'I/d' THEN 4
            WHEN 'II/a' THEN 5 WHEN 'II/b' THEN 6 WHEN 'II/c' THEN 7 WHEN 'II/d' THEN 8
            WHEN 'III/a' THEN 9 WHEN 'III/b' THEN 10 WHEN 'III/c' THEN 11 WHEN 'III/d' THEN 12
            WHEN 'IV/a' THEN 13 WHEN 'IV/b' THEN 14 WHEN 'IV/c' THEN 15 WHEN 'IV/d' THEN 16 WHEN 'IV/e' THEN 17
        END) STORED,
    ADD COLUMN archived_at TIMESTAMPTZ,
    ADD COLUMN erased_at TIMESTAMPTZ,
    ADD CONSTRAINT participants_nip_present_check CHECK (nip IS NOT NULL OR erased_at IS NOT NULL);
UPDATE participants SET name_search = lower(full_name);
CREATE INDEX participants_name_search_trgm_idx ON participants USING gin (name_search gin_trgm_ops);
CREATE INDEX participants_name_search_idx ON participants (name_search, id);
CREATE INDEX participants_grade_rank_idx ON participants (grade_rank, id);
CREATE INDEX participants_employee_type_idx ON participants (employee_type, name_search, id);
CREATE INDEX participants_created_at_idx ON participants (created_at, id);
DROP INDEX participants_unit_id_idx;
CREATE INDEX participants_unit_id_idx ON participants (unit_id, name_search, id);

ALTER TABLE programs ADD COLUMN archived_at TIMESTAMPTZ;
CREATE INDEX programs_year_idx ON programs (year, name, id);

ALTER TABLE events
    ADD COLUMN archived_at TIMESTAMPTZ,
    ADD COLUMN created_by UUID REFERENCES users (id);
CREATE INDEX events_status_idx ON events (status, starts_on, id);
CREATE INDEX events_kind_idx ON events (kind, starts_on, id);
CREATE INDEX events_title_trgm_idx ON events USING gin (lower(title) gin_trgm_ops);

CREATE INDEX sessions_starts_at_idx ON sessions (starts_at, id);

-- Optional per-unit quotas of an event: at most `quota` approved officers of that unit.
CREATE TABLE event_unit_quotas (
    event_id UUID NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    unit_id  UUID NOT NULL REFERENCES units (id),
    quota    INTEGER NOT NULL CHECK (quota BETWEEN 0 AND 10000),
    PRIMARY KEY (event_id, unit_id)
);

CREATE TABLE enrollments (
    id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id       UUID NOT NULL REFERENCES events (id),
    participant_id UUID NOT NULL REFERENCES participants (id),
    status         TEXT NOT NULL DEFAULT 'nominated'
                   CHECK (status IN ('nominated', 'approved', 'rejected', 'waitlisted', 'withdrawn')),
    -- unguessable code the officer shows or types to check in
    check_in_code  TEXT NOT NULL CHECK (char_length(check_in_code) BETWEEN 8 AND 64),
    nominated_by   UUID REFERENCES users (id),
    decided_by     UUID REFERENCES users (id),
    decided_at     TIMESTAMPTZ,
    -- the waitlist is served in this order
    waitlisted_at  TIMESTAMPTZ,
    note           TEXT CHECK (char_length(note) <= 1000),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- one enrollment per officer per event (named for the field a client sent)
    CONSTRAINT enrollments_participant_id_key UNIQUE (event_id, participant_id),
    CONSTRAINT enrollments_check_in_code_key UNIQUE (check_in_code),
    CONSTRAINT enrollments_waitlist_check CHECK (status <> 'waitlisted' OR waitlisted_at IS NOT NULL)
);
CREATE INDEX enrollments_event_status_idx ON enrollments (event_id, status, waitlisted_at, id);
CREATE INDEX enrollments_event_created_idx ON enrollments (event_id, created_at, id);
CREATE INDEX enrollments_participant_id_idx ON enrollments (participant_id, event_id);

CREATE TABLE attendance (
    id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id     UUID NOT NULL REFERENCES sessions (id),
    enrollment_id  UUID NOT NULL REFERENCES enrollments (id),
    participant_id UUID NOT NULL REFERENCES participants (id),
    status         TEXT NOT NULL CHECK (status IN ('present', 'late', 'excused', 'sick', 'absent')),
    method         TEXT NOT NULL CHECK (method IN ('manual', 'code')),
    checked_in_at  TIMESTAMPTZ,
    note           TEXT CHECK (char_length(note) <= 500),
    recorded_by    UUID REFERENCES users (id),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT attendance_enrollment_id_key UNIQUE (session_id, enrollment_id)
);
CREATE INDEX attendance_participant_id_idx ON attendance (participant_id, session_id);
CREATE INDEX attendance_enrollment_id_idx ON attendance (enrollment_id);
