-- SQL cannot decrypt the sealed secrets: going back is refused while a subscription holds one (delete those
-- subscriptions, or go back before any was sealed).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM webhook_subscriptions WHERE secret_ciphertext IS NOT NULL) THEN
        RAISE EXCEPTION 'webhook signing secrets are encrypted and SQL cannot decrypt them: delete those subscriptions before reverting migration 000013';
    END IF;
END
$$;
DROP INDEX webhook_subscriptions_legacy_secret_idx;
ALTER TABLE webhook_subscriptions
    DROP CONSTRAINT webhook_subscriptions_one_secret,
    DROP CONSTRAINT webhook_subscriptions_sealed_whole,
    DROP COLUMN secret_key_id,
    DROP COLUMN secret_nonce,
    DROP COLUMN secret_ciphertext;
ALTER TABLE webhook_subscriptions ALTER COLUMN legacy_secret SET NOT NULL;
ALTER TABLE webhook_subscriptions RENAME COLUMN legacy_secret TO secret;
