ALTER TABLE idempotency_keys
    DROP COLUMN erased_at,
    DROP COLUMN effect_at;
