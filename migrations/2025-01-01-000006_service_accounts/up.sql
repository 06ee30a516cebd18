-- Service accounts (OAuth 2.0 clients of the client-credentials grant) and their technical users.
--
-- Each client acts through a technical row in `users` (`service_account`), so that every existing foreign key to
-- `users` (recorded_by, nominated_by, created_by, ...) keeps working for writes made by a client. Such a user has
-- the role `admin`, no password (the hash is not a PHC string, so no password ever verifies), cannot log in, is
-- hidden from `/api/v1/users`, and is limited by its client's scopes on every request.

ALTER TABLE users ADD COLUMN service_account BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD CONSTRAINT users_service_account_check
    CHECK (NOT service_account OR (role = 'admin' AND unit_id IS NULL AND participant_id IS NULL));

CREATE TABLE clients (
    id                UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    -- the technical user the client acts as
    user_id           UUID NOT NULL REFERENCES users (id),
    name              TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    description       TEXT CHECK (char_length(description) BETWEEN 1 AND 1000),
    -- the closed vocabulary is checked by the service (src/auth/scopes.rs); here only the shape
    scopes            TEXT[] NOT NULL CHECK (cardinality(scopes) BETWEEN 1 AND 64 AND array_position(scopes, NULL) IS NULL),
    -- SHA-256 of the secret (256 random bits): the secret itself is shown once and never stored
    secret_hash       BYTEA NOT NULL CHECK (octet_length(secret_hash) = 32),
    is_active         BOOLEAN NOT NULL DEFAULT TRUE,
    -- bumped by a deactivation, a new secret or a change of scopes: every older access token stops working
    token_version     INTEGER NOT NULL DEFAULT 1,
    version           INTEGER NOT NULL DEFAULT 1,
    secret_rotated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_token_at     TIMESTAMPTZ,
    created_by        UUID REFERENCES users (id),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT clients_user_id_key UNIQUE (user_id),
    CONSTRAINT clients_name_key UNIQUE (name)
);
CREATE INDEX clients_created_at_idx ON clients (created_at, id);

-- The audit log already has the column; now it can refer to the client.
ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_client_id_fkey
    FOREIGN KEY (actor_client_id) REFERENCES clients (id);
CREATE INDEX audit_log_actor_client_idx ON audit_log (actor_client_id, id) WHERE actor_client_id IS NOT NULL;
