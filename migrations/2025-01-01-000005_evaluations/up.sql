-- Evaluations and results: instruments (tests and questionnaires) with their questions, templates, responses and
-- answers, scores, certificates with their yearly number sequence, and the audit log.

-- Every write worth answering "who changed this, and when?" for. Written in the same transaction as the change.
CREATE TABLE audit_log (
    id               BIGSERIAL PRIMARY KEY,
    at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_user_id    UUID REFERENCES users (id) ON DELETE SET NULL,
    -- service accounts (machine to machine) are recorded here once they exist
    actor_client_id  UUID,
    actor_role       TEXT,
    action           TEXT NOT NULL CHECK (char_length(action) BETWEEN 1 AND 100),
    resource_type    TEXT NOT NULL CHECK (char_length(resource_type) BETWEEN 1 AND 50),
    resource_id      UUID,
    -- the officer the entry is about, so an erasure can remove their personal values from the log too
    participant_id   UUID REFERENCES participants (id),
    -- {"field": {"old": ..., "new": ...}, ...}
    changes          JSONB NOT NULL DEFAULT '{}'::jsonb,
    request_id       TEXT CHECK (char_length(request_id) <= 200)
);
CREATE INDEX audit_log_resource_idx ON audit_log (resource_type, resource_id, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, id);
CREATE INDEX audit_log_participant_idx ON audit_log (participant_id) WHERE participant_id IS NOT NULL;
CREATE INDEX audit_log_at_idx ON audit_log (at, id);

-- Reusable instruments: a snapshot of the questions (the same shape the API accepts), copied into an event.
CREATE TABLE instrument_templates (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name        TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    kind        TEXT NOT NULL CHECK (kind IN ('pre_test', 'post_test', 'event_evaluation', 'facilitator_evaluation', 'follow_up')),
    title       TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    description TEXT CHECK (char_length(description) <= 4000),
    anonymous   BOOLEAN NOT NULL DEFAULT false,
    questions   JSONB NOT NULL DEFAULT '[]'::jsonb,
    version     INTEGER NOT NULL DEFAULT 1,
    created_by  UUID REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT instrument_templates_name_key UNIQUE (name)
);
CREATE INDEX instrument_templates_kind_idx ON instrument_templates (kind, name, id);

CREATE TABLE instruments (
    id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id         UUID NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('pre_test', 'post_test', 'event_evaluation', 'facilitator_evaluation', 'follow_up')),
    title            TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    description      TEXT CHECK (char_length(description) <= 4000),
    status           TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
    -- optional window inside which an open instrument accepts responses
    opens_at         TIMESTAMPTZ,
    closes_at        TIMESTAMPTZ,
    -- evaluations only: no output links an answer to an officer
    anonymous        BOOLEAN NOT NULL DEFAULT false,
    -- facilitator evaluation: the session and the facilitator (narasumber) rated
    session_id       UUID REFERENCES sessions (id) ON DELETE CASCADE,
    facilitator_id   UUID REFERENCES users (id),
    -- follow-up (evaluasi pasca pelatihan): due date and who answers (alumnus, supervisor)
    due_on           DATE,
    respondent_kinds TEXT[] NOT NULL DEFAULT '{participant}',
    template_id      UUID REFERENCES instrument_templates (id) ON DELETE SET NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    created_by       UUID REFERENCES users (id),
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT instruments_window_check CHECK (closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at),
    CONSTRAINT instruments_anonymous_check CHECK (NOT anonymous OR kind IN ('event_evaluation', 'facilitator_evaluation')),
    CONSTRAINT instruments_target_check CHECK (CASE WHEN kind = 'facilitator_evaluation'
        THEN session_id IS NOT NULL AND facilitator_id IS NOT NULL
        ELSE session_id IS NULL AND facilitator_id IS NULL END),
    CONSTRAINT instruments_follow_up_check CHECK (kind = 'follow_up' OR due_on IS NULL),
    CONSTRAINT instruments_respondent_kinds_check CHECK (
        respondent_kinds <@ ARRAY['participant', 'alumnus', 'supervisor']::text[]
        AND cardinality(respondent_kinds) >= 1)
);
CREATE INDEX instruments_event_idx ON instruments (event_id, kind, created_at, id);
CREATE INDEX instruments_session_idx ON instruments (session_id) WHERE session_id IS NOT NULL;

-- Ordered questions. `settings` holds what the type needs, validated by the service:
--   likert: {"scale": 4|5, "labels": [..]}; single_choice / multiple_choice: {"options": [{"key", "label",
--   "correct", "points"}]}; number: {"min", "max"}; text: {"max_length"}.
CREATE TABLE questions (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    instrument_id UUID NOT NULL REFERENCES instruments (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL CHECK (position BETWEEN 1 AND 1000),
    question_type TEXT NOT NULL CHECK (question_type IN ('likert', 'single_choice', 'multiple_choice', 'number', 'text')),
    prompt        TEXT NOT NULL CHECK (char_length(prompt) BETWEEN 1 AND 2000),
    required      BOOLEAN NOT NULL DEFAULT true,
    settings      JSONB NOT NULL DEFAULT '{}'::jsonb,
    -- tests: the most this question can earn
    points        DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (points >= 0),
    CONSTRAINT questions_position_key UNIQUE (instrument_id, position) DEFERRABLE INITIALLY IMMEDIATE
);

-- One submission per respondent per instrument (and per subject for supervisors). Kept apart from the response
-- and without a time, so an anonymous response cannot be linked to its officer while double submission is still
-- refused.
CREATE TABLE response_receipts (
    instrument_id   UUID NOT NULL REFERENCES instruments (id) ON DELETE CASCADE,
    enrollment_id   UUID NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    respondent_kind TEXT NOT NULL CHECK (respondent_kind IN ('participant', 'alumnus', 'supervisor')),
    PRIMARY KEY (instrument_id, enrollment_id, respondent_kind)
);

CREATE TABLE responses (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    instrument_id   UUID NOT NULL REFERENCES instruments (id) ON DELETE CASCADE,
    -- the officer answered for (NULL when the instrument is anonymous)
    enrollment_id   UUID REFERENCES enrollments (id) ON DELETE CASCADE,
    respondent_kind TEXT NOT NULL DEFAULT 'participant' CHECK (respondent_kind IN ('participant', 'alumnus', 'supervisor')),
    -- tests: 0-100 from the answer key
    score           DOUBLE PRECISION CHECK (score BETWEEN 0 AND 100),
    -- NULL when anonymous
    submitted_by    UUID REFERENCES users (id),
    submitted_at    TIMESTAMPTZ,
    CONSTRAINT responses_identity_check CHECK ((enrollment_id IS NULL) = (submitted_at IS NULL))
);
CREATE INDEX responses_instrument_idx ON responses (instrument_id, id);
CREATE UNIQUE INDEX responses_enrollment_key ON responses (instrument_id, enrollment_id, respondent_kind)
    WHERE enrollment_id IS NOT NULL;

CREATE TABLE answers (
    response_id   UUID NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id   UUID NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    -- likert and number
    value_number  DOUBLE PRECISION,
    -- single_choice (one key) and multiple_choice
    value_options TEXT[],
    value_text    TEXT CHECK (char_length(value_text) <= 10000),
    -- tests: what this answer earned
    points        DOUBLE PRECISION,
    PRIMARY KEY (response_id, question_id)
);
CREATE INDEX answers_question_idx ON answers (question_id);

-- Pre, post and practical scores per enrollment: from a test instrument or entered directly (paper tests,
-- the practical assessment). Every change is in the audit log.
CREATE TABLE scores (
    enrollment_id UUID NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('pre_test', 'post_test', 'practical')),
    score         DOUBLE PRECISION NOT NULL CHECK (score BETWEEN 0 AND 100),
    source        TEXT NOT NULL CHECK (source IN ('instrument', 'manual')),
    recorded_by   UUID REFERENCES users (id),
    version       INTEGER NOT NULL DEFAULT 1,
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (enrollment_id, kind)
);

-- Certificate numbers run per year without gaps: the row is locked by the transaction that issues.
CREATE TABLE certificate_sequences (
    year       INTEGER PRIMARY KEY CHECK (year BETWEEN 2000 AND 2999),
    last_value INTEGER NOT NULL DEFAULT 0 CHECK (last_value >= 0)
);

CREATE TABLE certificates (
    id                UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    enrollment_id     UUID NOT NULL REFERENCES enrollments (id),
    event_id          UUID NOT NULL REFERENCES events (id),
    participant_id    UUID NOT NULL REFERENCES participants (id),
    kind              TEXT NOT NULL CHECK (kind IN ('sertifikat', 'surat_keterangan')),
    number            TEXT NOT NULL CHECK (char_length(number) BETWEEN 1 AND 200),
    year              INTEGER NOT NULL,
    seq               INTEGER NOT NULL CHECK (seq >= 1),
    -- unguessable, for the public verification page and the QR code
    verification_code TEXT NOT NULL CHECK (char_length(verification_code) BETWEEN 16 AND 64),
    -- what was certified, as it stood when issued (the holder's name goes on an erasure)
    holder_name       TEXT NOT NULL,
    jp                DOUBLE PRECISION NOT NULL,
    issued_by         UUID REFERENCES users (id),
    issued_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at        TIMESTAMPTZ,
    revoked_by        UUID REFERENCES users (id),
    revocation_reason TEXT CHECK (char_length(revocation_reason) <= 1000),
    version           INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT certificates_enrollment_id_key UNIQUE (enrollment_id),
    CONSTRAINT certificates_number_key UNIQUE (number),
    CONSTRAINT certificates_year_seq_key UNIQUE (year, seq),
    CONSTRAINT certificates_verification_code_key UNIQUE (verification_code),
    CONSTRAINT certificates_revocation_check CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
);
CREATE INDEX certificates_event_idx ON certificates (event_id, seq);
CREATE INDEX certificates_participant_idx ON certificates (participant_id);
