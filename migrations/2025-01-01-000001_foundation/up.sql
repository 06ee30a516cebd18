-- Units (Kanwil and UPTs), the minimal participant record and the user accounts with their refresh tokens.
-- Enumerations are TEXT with CHECK constraints so a new value is a one-line migration, not an ALTER TYPE.

CREATE TABLE units (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    code          TEXT NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9._-]{0,31}$'),
    name          TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    unit_type     TEXT NOT NULL CHECK (unit_type IN ('kanwil', 'lapas', 'lpp', 'lpka', 'rutan', 'bapas', 'rupbasan', 'pos_bapas')),
    class         TEXT CHECK (class IN ('I', 'II', 'IIA', 'IIB', 'III')),
    parent_id     UUID REFERENCES units (id),
    external_code TEXT CHECK (char_length(external_code) BETWEEN 1 AND 64),
    active_from   DATE,
    active_until  DATE,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT units_code_key UNIQUE (code),
    CONSTRAINT units_active_period_check CHECK (active_until IS NULL OR active_from IS NULL OR active_until >= active_from),
    CONSTRAINT units_not_own_parent_check CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX units_parent_id_idx ON units (parent_id);

CREATE TABLE participants (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    nip           TEXT NOT NULL CHECK (nip ~ '^[0-9]{18}$' AND substr(nip, 15, 4) <> '0000' AND substr(nip, 16, 3) <> '000'),
    full_name     TEXT NOT NULL CHECK (char_length(full_name) BETWEEN 1 AND 200),
    sex           TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    employee_type TEXT NOT NULL CHECK (employee_type IN ('pns', 'pppk')),
    grade         TEXT CHECK (grade IN ('I/a', 'I/b', 'I/c', 'I/d', 'II/a', 'II/b', 'II/c', 'II/d',
                                        'III/a', 'III/b', 'III/c', 'III/d', 'IV/a', 'IV/b', 'IV/c', 'IV/d', 'IV/e')),
    position      TEXT CHECK (char_length(position) BETWEEN 1 AND 200),
    unit_id       UUID NOT NULL REFERENCES units (id),
    email         TEXT CHECK (char_length(email) BETWEEN 3 AND 254),
    phone         TEXT CHECK (char_length(phone) BETWEEN 3 AND 32),
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT participants_nip_key UNIQUE (nip),
    -- the 15th digit of a NIP is the sex digit: 1 male, 2 female
    CONSTRAINT participants_nip_sex_check CHECK (substr(nip, 15, 1) = CASE sex WHEN 'male' THEN '1' ELSE '2' END)
);
CREATE INDEX participants_unit_id_idx ON participants (unit_id, id);

CREATE TABLE users (
    id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    username       TEXT NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'organizer', 'unit_operator', 'facilitator', 'participant')),
    display_name   TEXT CHECK (char_length(display_name) BETWEEN 1 AND 200),
    unit_id        UUID REFERENCES units (id),
    participant_id UUID REFERENCES participants (id),
    is_active      BOOLEAN NOT NULL DEFAULT TRUE,
    token_version  INTEGER NOT NULL DEFAULT 1,
    version        INTEGER NOT NULL DEFAULT 1,
    last_login_at  TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_participant_id_key UNIQUE (participant_id),
    CONSTRAINT users_operator_has_unit_check CHECK (role <> 'unit_operator' OR unit_id IS NOT NULL)
);
CREATE INDEX users_role_idx ON users (role, username, id);
CREATE INDEX users_created_at_idx ON users (created_at, id);
CREATE INDEX users_unit_id_idx ON users (unit_id);

-- Opaque refresh tokens: only a SHA-256 of the token is stored. Tokens of one login form a family; presenting a
-- token that was already rotated revokes the whole family (reuse detection).
CREATE TABLE refresh_tokens (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   UUID NOT NULL,
    token_hash  BYTEA NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
