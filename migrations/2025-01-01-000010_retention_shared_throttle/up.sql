-- Retention of the change feed, and the login throttle shared by every instance.

-- Retention of the change feed: the maintenance round of the worker deletes changes older than
-- CHANGES_RETENTION_DAYS and moves the horizon to the last position it deleted. A cursor behind the horizon may
-- have missed deleted changes: the feed answers it with 410 `cursor_expired` (resynchronise from the lists),
-- never with a silent gap.
CREATE TABLE change_feed_horizon (
    singleton  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    txid       BIGINT NOT NULL DEFAULT 0,
    id         BIGINT NOT NULL DEFAULT 0,
    pruned_at  TIMESTAMPTZ
);
INSERT INTO change_feed_horizon DEFAULT VALUES;
CREATE INDEX changes_at_idx ON changes (at);

-- Login throttling shared by every instance: per client address every login, refresh and token attempt, per
-- account (a username or a client id) the failures since its last success, in fixed one-minute windows. Each
-- instance keeps its own in-memory limiter in front (it turns floods away before they reach the database); this
-- table makes the limits hold across replicas. Keys are SHA-256 hashes (no username or address is stored).
-- UNLOGGED: a crash forgets the counts, which only lifts a throttle early.
CREATE UNLOGGED TABLE login_throttle (
    scope        TEXT NOT NULL CHECK (scope IN ('account', 'address')),
    key_hash     BYTEA NOT NULL,
    hits         INTEGER NOT NULL CHECK (hits > 0),
    window_start TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key_hash)
);
