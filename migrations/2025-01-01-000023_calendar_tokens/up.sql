-- Private calendar feeds: one random token per account (`POST /me/calendar-token`), stored as its SHA-256 only.
-- The feed URL carries the token, so it opens without another credential; rotating replaces the row, an erasure
-- of the officer deletes it. No trigger: `service::calendar` writes the audit entries (never the token).
CREATE TABLE calendar_tokens (
    user_id    UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
