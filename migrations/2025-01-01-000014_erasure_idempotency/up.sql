-- Idempotency keys and data protection (issue 14).
--
-- `effect_at`: set by the effect's own transaction (`db::run` of a keyed request marks the key it holds before the
-- commit), so the effect and its key commit together. A key whose effect committed is never run again, even when
-- the server died before it stored the answer (then a retry gets 409 `idempotency_answer_lost`).
--
-- `erased_at`: the stored answer named an officer whose personal data was erased since; the erasure's transaction
-- replaced the answer with a 410 problem (`idempotency_key_erased`), so no stored answer returns erased values.
ALTER TABLE idempotency_keys
    ADD COLUMN effect_at TIMESTAMPTZ,
    ADD COLUMN erased_at TIMESTAMPTZ;
