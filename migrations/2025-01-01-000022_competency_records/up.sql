-- Training records from elsewhere (riwayat pengembangan kompetensi): what an officer did outside this service
-- (a course, a seminar, e-learning, coaching, ...), entered by the officer or their unit's operator and verified or
-- rejected by the operator. Only verified records count in the JP ledger.

-- The forms of development (Peraturan LAN 10/2018): a lookup table, as session kinds are.
CREATE TABLE development_forms (
    code       TEXT PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    label_id   TEXT NOT NULL,
    label_en   TEXT NOT NULL,
    classical  BOOLEAN NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0
);
INSERT INTO development_forms (code, label_id, label_en, classical, sort_order) VALUES
    ('pelatihan',            'Pelatihan',                        'Training',                       true,  10),
    ('bimtek',               'Bimbingan teknis',                 'Technical guidance',             true,  20),
    ('seminar',              'Seminar',                          'Seminar',                        true,  30),
    ('konferensi',           'Konferensi',                       'Conference',                     true,  40),
    ('sarasehan',            'Sarasehan',                        'Sarasehan',                      true,  50),
    ('workshop',             'Workshop/lokakarya',               'Workshop',                       true,  60),
    ('kursus',               'Kursus',                           'Course',                         true,  70),
    ('penataran',            'Penataran',                        'Upgrading course',               true,  80),
    ('sosialisasi',          'Sosialisasi',                      'Dissemination',                  true,  90),
    ('pendidikan',           'Jalur pendidikan',                 'Formal education',               true, 100),
    ('e_learning',           'E-learning',                       'E-learning',                     false, 110),
    ('pelatihan_jarak_jauh', 'Pelatihan jarak jauh',             'Distance training',              false, 120),
    ('coaching',             'Coaching',                         'Coaching',                       false, 130),
    ('mentoring',            'Mentoring',                        'Mentoring',                      false, 140),
    ('detasering',           'Detasering',                       'Secondment',                     false, 150),
    ('alam_terbuka',         'Pembelajaran alam terbuka',        'Outdoor learning',               false, 160),
    ('patok_banding',        'Patok banding',                    'Benchmarking',                   false, 170),
    ('pertukaran',           'Pertukaran PNS dengan swasta',     'Exchange with the private sector', false, 180),
    ('belajar_mandiri',      'Belajar mandiri',                  'Self-study',                     false, 190),
    ('komunitas_belajar',    'Komunitas belajar',                'Learning community',             false, 200),
    ('magang',               'Magang/praktik kerja',             'Internship',                     false, 210);

CREATE TABLE competency_records (
    id                 UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    participant_id     UUID NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    title              TEXT NOT NULL,
    institution        TEXT NOT NULL,
    form               TEXT NOT NULL REFERENCES development_forms (code),
    starts_on          DATE NOT NULL,
    ends_on            DATE NOT NULL CHECK (ends_on >= starts_on),
    jp                 INTEGER NOT NULL CHECK (jp BETWEEN 1 AND 1000),
    certificate_number TEXT,
    status             TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'rejected')),
    rejection_reason   TEXT,
    decided_by         UUID REFERENCES users (id) ON DELETE SET NULL,
    decided_at         TIMESTAMPTZ,
    -- the scan's type, size and digest (its bytes are in competency_record_scans, out of the audit log)
    scan_media_type    TEXT CHECK (scan_media_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    scan_bytes         INTEGER,
    scan_sha256        TEXT,
    created_by         UUID REFERENCES users (id) ON DELETE SET NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'rejected') = (rejection_reason IS NOT NULL))
);
CREATE INDEX competency_records_participant_idx ON competency_records (participant_id, ends_on, id);

CREATE TABLE competency_record_scans (
    record_id UUID PRIMARY KEY REFERENCES competency_records (id) ON DELETE CASCADE,
    content   BYTEA NOT NULL CHECK (octet_length(content) BETWEEN 1 AND 2097152)
);

-- In the change feed and the audit log.
CREATE TRIGGER track_row AFTER INSERT OR UPDATE OR DELETE ON competency_records
    FOR EACH ROW EXECUTE FUNCTION track_row('competency_record', 'id', 'competency_record');

-- A record says what an officer did: its texts go with an erasure (the rows themselves are deleted by it).
CREATE OR REPLACE FUNCTION audit_personal_keys() RETURNS TEXT[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ARRAY['nip', 'full_name', 'email', 'phone', 'position', 'holder_name', 'display_name',
                       'username', 'note', 'title', 'institution', 'certificate_number', 'rejection_reason',
                       'scan_sha256'] $$;

CREATE FUNCTION webhook_competency_records() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r RECORD := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    data JSONB := jsonb_build_object('competency_record_id', r.id, 'participant_id', r.participant_id,
                                     'status', r.status);
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM webhook_enqueue('competency_record.created', data);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM webhook_enqueue('competency_record.deleted', data);
    ELSIF NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'verified' THEN
        PERFORM webhook_enqueue('competency_record.verified', data);
    ELSIF NEW.status IS DISTINCT FROM OLD.status AND NEW.status = 'rejected' THEN
        PERFORM webhook_enqueue('competency_record.rejected', data);
    ELSIF NEW.version IS DISTINCT FROM OLD.version THEN
        PERFORM webhook_enqueue('competency_record.updated', data);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER competency_records_webhooks AFTER INSERT OR UPDATE OR DELETE ON competency_records
    FOR EACH ROW EXECUTE FUNCTION webhook_competency_records();
