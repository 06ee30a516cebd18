-- Webhook signing secrets encrypted at rest, so that a dump of the database alone reveals none.
--
-- The application seals each secret with XChaCha20-Poly1305 under the key of WEBHOOK_SECRET_KEY
-- (`webhooks::secrets`): `secret_ciphertext` (with its tag), a random 24-byte `secret_nonce`, and the id of the key
-- (`secret_key_id`) so that keys can rotate (retired keys still open what they sealed; `bimtek-api
-- reencrypt-webhook-secrets` seals everything under the current key).
--
-- SQL cannot encrypt: a subscription written before this migration keeps its secret, renamed `legacy_secret`, until
-- the application seals it, at start (every instance, after the migrations, before it serves) or with the command.
-- Afterwards `legacy_secret` is NULL in every row; new rows never have one.
ALTER TABLE webhook_subscriptions RENAME COLUMN secret TO legacy_secret;
ALTER TABLE webhook_subscriptions ALTER COLUMN legacy_secret DROP NOT NULL;
ALTER TABLE webhook_subscriptions
    ADD COLUMN secret_ciphertext BYTEA CHECK (octet_length(secret_ciphertext) BETWEEN 17 AND 1000),
    ADD COLUMN secret_nonce      BYTEA CHECK (octet_length(secret_nonce) = 24),
    ADD COLUMN secret_key_id     TEXT CHECK (secret_key_id ~ '^[A-Za-z0-9._-]{1,32}$'),
    ADD CONSTRAINT webhook_subscriptions_sealed_whole CHECK (
        (secret_ciphertext IS NULL) = (secret_nonce IS NULL) AND (secret_nonce IS NULL) = (secret_key_id IS NULL)),
    ADD CONSTRAINT webhook_subscriptions_one_secret CHECK ((legacy_secret IS NULL) <> (secret_ciphertext IS NULL));
CREATE INDEX webhook_subscriptions_legacy_secret_idx ON webhook_subscriptions (id) WHERE legacy_secret IS NOT NULL;
