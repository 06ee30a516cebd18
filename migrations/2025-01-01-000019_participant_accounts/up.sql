-- Participant accounts issued in bulk by a unit's operator (issue 18): an account waits for its officer with a
-- one-time activation code. Only a SHA-256 of the code (salted with the account id) is stored, with its expiry;
-- issuing a new code replaces the old one, activating clears both. The columns sit on `users`, so the existing
-- `track_row` trigger records each issue and each activation as a `user.*` audit entry, the code's hash shown as
-- "[redacted]" (its column name ends in `_hash`, see `audit_secret_key`).
ALTER TABLE users
    ADD COLUMN activation_code_hash BYTEA,
    ADD COLUMN activation_expires_at TIMESTAMPTZ,
    ADD CONSTRAINT users_activation_pair_check
        CHECK ((activation_code_hash IS NULL) = (activation_expires_at IS NULL));
