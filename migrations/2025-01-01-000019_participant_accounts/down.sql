ALTER TABLE users
    DROP CONSTRAINT users_activation_pair_check,
    DROP COLUMN activation_expires_at,
    DROP COLUMN activation_code_hash;
