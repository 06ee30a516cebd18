-- Idempotency keys: one row per (caller, key). A row without a response is in flight and leased until
-- `locked_until`; a completed row replays its stored response for 24 hours.
CREATE TABLE idempotency_keys (
    -- the authenticated subject: `user:<uuid>` (or another subject kind such as a service account)
    caller           TEXT NOT NULL CHECK (char_length(caller) BETWEEN 1 AND 200),
    key              TEXT NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
    -- SHA-256 of method, path with query, and body
    fingerprint      BYTEA NOT NULL CHECK (octet_length(fingerprint) = 32),
    -- who holds the lease: only the request that claimed the key completes or releases it
    lock_token       UUID NOT NULL,
    locked_until     TIMESTAMPTZ,
    response_status  SMALLINT CHECK (response_status BETWEEN 100 AND 499),
    response_headers JSONB,
    response_body    BYTEA,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    completed_at     TIMESTAMPTZ,
    PRIMARY KEY (caller, key),
    CONSTRAINT idempotency_keys_state_check CHECK (
        (response_status IS NULL AND locked_until IS NOT NULL)
        OR (response_status IS NOT NULL AND response_headers IS NOT NULL AND response_body IS NOT NULL))
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);

-- Webhook subscriptions. The secret is kept as given: the worker needs it to sign (HMAC), so it cannot be
-- hashed; it is shown once on creation and never returned again.
CREATE TABLE webhook_subscriptions (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    url         TEXT NOT NULL CHECK (char_length(url) BETWEEN 8 AND 2000),
    event_types TEXT[] NOT NULL CHECK (cardinality(event_types) >= 1),
    secret      TEXT NOT NULL CHECK (char_length(secret) BETWEEN 32 AND 200),
    description TEXT CHECK (char_length(description) <= 500),
    active      BOOLEAN NOT NULL DEFAULT true,
    created_by  UUID REFERENCES users (id) ON DELETE SET NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX webhook_subscriptions_created_idx ON webhook_subscriptions (created_at, id);

-- The outbox and delivery log: one row per event and subscription, written by triggers in the transaction of
-- the change. The worker claims due rows with FOR UPDATE SKIP LOCKED and a lease (`locked_until`).
CREATE TABLE webhook_deliveries (
    id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    subscription_id  UUID NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    -- the event: the same id for every subscription and every attempt (the `Webhook-Id` header)
    event_id         UUID NOT NULL,
    event_type       TEXT NOT NULL,
    payload          JSONB NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    locked_until     TIMESTAMPTZ,
    lock_token       UUID,
    last_attempt_at  TIMESTAMPTZ,
    last_status_code INTEGER,
    last_error       TEXT CHECK (char_length(last_error) <= 500),
    delivered_at     TIMESTAMPTZ,
    -- a manual redelivery points at the delivery it repeats
    redelivery_of    UUID REFERENCES webhook_deliveries (id) ON DELETE SET NULL,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, created_at DESC, id);

-- Writes one delivery per active subscription that listens to the event type. The payload is a thin event:
-- ids and statuses only, never names, NIPs or contacts.
CREATE FUNCTION webhook_enqueue(event_type TEXT, data JSONB) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    event_id UUID := gen_random_uuid();
BEGIN
    INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, payload)
    SELECT s.id, event_id, event_type,
           jsonb_build_object(
               'id', event_id,
               'type', event_type,
               'occurred_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               'data', data)
      FROM webhook_subscriptions s
     WHERE s.active AND event_type = ANY (s.event_types);
END;
$$;

CREATE FUNCTION webhook_participants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM webhook_enqueue('participant.created',
            jsonb_build_object('participant_id', NEW.id, 'unit_id', NEW.unit_id));
    ELSIF NEW.erased_at IS NOT NULL AND OLD.erased_at IS NULL THEN
        PERFORM webhook_enqueue('participant.erased', jsonb_build_object('participant_id', NEW.id));
    ELSIF NEW.version IS DISTINCT FROM OLD.version OR NEW.archived_at IS DISTINCT FROM OLD.archived_at
          OR NEW.unit_id IS DISTINCT FROM OLD.unit_id THEN
        PERFORM webhook_enqueue('participant.updated',
            jsonb_build_object('participant_id', NEW.id, 'unit_id', NEW.unit_id, 'version', NEW.version,
                               'archived', NEW.archived_at IS NOT NULL));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER participants_webhooks AFTER INSERT OR UPDATE ON participants
    FOR EACH ROW EXECUTE FUNCTION webhook_participants();

CREATE FUNCTION webhook_enrollments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM webhook_enqueue('enrollment.changed',
            jsonb_build_object('enrollment_id', OLD.id, 'event_id', OLD.event_id,
                               'participant_id', OLD.participant_id, 'status', NULL,
                               'previous_status', OLD.status, 'deleted', true));
    ELSIF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.version IS DISTINCT FROM OLD.version THEN
        PERFORM webhook_enqueue('enrollment.changed',
            jsonb_build_object('enrollment_id', NEW.id, 'event_id', NEW.event_id,
                               'participant_id', NEW.participant_id, 'status', NEW.status,
                               'previous_status', CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END,
                               'version', NEW.version));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER enrollments_webhooks AFTER INSERT OR UPDATE OR DELETE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION webhook_enrollments();

CREATE FUNCTION webhook_attendance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
        PERFORM webhook_enqueue('attendance.recorded',
            jsonb_build_object('attendance_id', NEW.id, 'session_id', NEW.session_id,
                               'enrollment_id', NEW.enrollment_id, 'participant_id', NEW.participant_id,
                               'status', NEW.status, 'method', NEW.method));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER attendance_webhooks AFTER INSERT OR UPDATE ON attendance
    FOR EACH ROW EXECUTE FUNCTION webhook_attendance();

-- For an anonymous instrument the response has no enrollment, and the event carries none either.
CREATE FUNCTION webhook_responses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM webhook_enqueue('evaluation.submitted',
        jsonb_build_object('response_id', NEW.id, 'instrument_id', NEW.instrument_id,
                           'event_id', (SELECT i.event_id FROM instruments i WHERE i.id = NEW.instrument_id),
                           'enrollment_id', NEW.enrollment_id, 'respondent_kind', NEW.respondent_kind));
    RETURN NULL;
END;
$$;
CREATE TRIGGER responses_webhooks AFTER INSERT ON responses
    FOR EACH ROW EXECUTE FUNCTION webhook_responses();

CREATE FUNCTION webhook_scores() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r scores;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    IF TG_OP = 'UPDATE' AND NEW.score IS NOT DISTINCT FROM OLD.score AND NEW.source IS NOT DISTINCT FROM OLD.source THEN
        RETURN NULL;
    END IF;
    PERFORM webhook_enqueue('result.changed',
        jsonb_build_object('enrollment_id', r.enrollment_id, 'kind', r.kind,
                           'event_id', e.event_id, 'participant_id', e.participant_id,
                           'deleted', TG_OP = 'DELETE'))
      FROM enrollments e WHERE e.id = r.enrollment_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER scores_webhooks AFTER INSERT OR UPDATE OR DELETE ON scores
    FOR EACH ROW EXECUTE FUNCTION webhook_scores();

CREATE FUNCTION webhook_certificates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM webhook_enqueue('certificate.issued',
            jsonb_build_object('certificate_id', NEW.id, 'event_id', NEW.event_id,
                               'enrollment_id', NEW.enrollment_id, 'participant_id', NEW.participant_id,
                               'kind', NEW.kind));
    ELSIF NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL THEN
        PERFORM webhook_enqueue('certificate.revoked',
            jsonb_build_object('certificate_id', NEW.id, 'event_id', NEW.event_id,
                               'enrollment_id', NEW.enrollment_id, 'participant_id', NEW.participant_id,
                               'kind', NEW.kind));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER certificates_webhooks AFTER INSERT OR UPDATE ON certificates
    FOR EACH ROW EXECUTE FUNCTION webhook_certificates();
