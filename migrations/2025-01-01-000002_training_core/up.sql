-- Programs, events, the session-kind lookup table, sessions and their facilitators.

CREATE TABLE programs (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name        TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    year        INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    description TEXT CHECK (char_length(description) <= 4000),
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT programs_name_year_key UNIQUE (name, year)
);

CREATE TABLE events (
    id                   UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    title                TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    kind                 TEXT NOT NULL CHECK (kind IN ('orientation', 'closing', 'opening', 'workshop', 'refresher', 'other')),
    program_id           UUID REFERENCES programs (id),
    host_unit_id         UUID NOT NULL REFERENCES units (id),
    starts_on            DATE NOT NULL,
    ends_on              DATE NOT NULL,
    capacity             INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    attendance_threshold SMALLINT NOT NULL DEFAULT 80 CHECK (attendance_threshold BETWEEN 0 AND 100),
    pass_score           SMALLINT NOT NULL DEFAULT 70 CHECK (pass_score BETWEEN 0 AND 100),
    jp_minutes           SMALLINT NOT NULL DEFAULT 45 CHECK (jp_minutes BETWEEN 1 AND 240),
    legal_basis          TEXT CHECK (char_length(legal_basis) <= 300),
    description          TEXT CHECK (char_length(description) <= 4000),
    status               TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'ongoing', 'completed', 'cancelled')),
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT events_dates_check CHECK (ends_on >= starts_on)
);
CREATE INDEX events_program_id_idx ON events (program_id);
CREATE INDEX events_host_unit_id_idx ON events (host_unit_id);
CREATE INDEX events_starts_on_idx ON events (starts_on, id);

CREATE TABLE event_organizers (
    event_id UUID NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id  UUID NOT NULL REFERENCES users (id),
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_organizers_user_id_idx ON event_organizers (user_id);

-- A lookup table, not an enum: a new session kind is an INSERT.
CREATE TABLE session_kinds (
    code       TEXT PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    label_id   TEXT NOT NULL,
    label_en   TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0
);
INSERT INTO session_kinds (code, label_id, label_en, sort_order) VALUES
    ('opening',         'Pembukaan',                 'Opening',          10),
    ('closing',         'Penutupan',                 'Closing',          20),
    ('presentation',    'Paparan',                   'Presentation',     30),
    ('morning_meeting', 'Morning meeting',           'Morning meeting',  40),
    ('seminar',         'Seminar',                   'Seminar',          50),
    ('static_group',    'Static group',              'Static group',     60),
    ('encounter_group', 'Encounter group',           'Encounter group',  70),
    ('group_therapy',   'Terapi kelompok',           'Group therapy',    80),
    ('simulation',      'Simulasi',                  'Simulation',       90),
    ('discussion',      'Diskusi',                   'Discussion',      100),
    ('field_visit',     'Kunjungan lapangan',        'Field visit',     110),
    ('pre_test',        'Pre-test',                  'Pre-test',        120),
    ('post_test',       'Post-test',                 'Post-test',       130),
    ('evaluation',      'Evaluasi',                  'Evaluation',      140),
    ('other',           'Lainnya',                   'Other',           150);

CREATE TABLE sessions (
    id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id   UUID NOT NULL REFERENCES events (id),
    kind       TEXT NOT NULL REFERENCES session_kinds (code),
    title      TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    starts_at  TIMESTAMPTZ NOT NULL,
    ends_at    TIMESTAMPTZ NOT NULL,
    location   TEXT CHECK (char_length(location) <= 300),
    jp         SMALLINT NOT NULL CHECK (jp BETWEEN 0 AND 100),
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT sessions_times_check CHECK (ends_at > starts_at)
);
CREATE INDEX sessions_event_id_idx ON sessions (event_id, starts_at, id);

CREATE TABLE session_facilitators (
    session_id UUID NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id    UUID NOT NULL REFERENCES users (id),
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX session_facilitators_user_id_idx ON session_facilitators (user_id);
