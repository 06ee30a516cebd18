-- Documents the office prints and files (issue 15).

-- The letterhead (kop surat) of printed documents: one default (unit_id NULL, the Kanwil's) and one per host unit
-- that has its own. `heading` are the bold centred lines (ministry, directorate general, office), `contact` the
-- small lines under them (address, phone, e-mail, website). The logo is an optional PNG or JPEG, checked by its
-- magic bytes in the service. Changes are audited by the service (`letterhead.set`): no trigger, so the logo's
-- bytes never land in the audit log.
CREATE TABLE letterheads (
    id UUID PRIMARY KEY,
    unit_id UUID UNIQUE REFERENCES units (id) ON DELETE CASCADE,
    heading TEXT[] NOT NULL CHECK (cardinality(heading) BETWEEN 1 AND 5),
    contact TEXT[] NOT NULL DEFAULT '{}' CHECK (cardinality(contact) <= 4),
    logo BYTEA CHECK (octet_length(logo) <= 524288),
    logo_type TEXT CHECK (logo_type IN ('image/png', 'image/jpeg')),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT letterheads_logo_typed CHECK ((logo IS NULL) = (logo_type IS NULL))
);
-- At most one default.
CREATE UNIQUE INDEX letterheads_one_default ON letterheads ((true)) WHERE unit_id IS NULL;

-- The official who signs an event's certificates (title/jabatan, name, NIP, place of signing); the program's is
-- the default of its events. `signed_electronically`: the certificate carries the note that it was signed
-- electronically instead of room for a wet signature and stamp.
ALTER TABLE programs
    ADD COLUMN signatory_title TEXT CHECK (char_length(signatory_title) BETWEEN 1 AND 200),
    ADD COLUMN signatory_name TEXT CHECK (char_length(signatory_name) BETWEEN 1 AND 200),
    ADD COLUMN signatory_nip TEXT CHECK (signatory_nip ~ '^[0-9]{18}$'),
    ADD COLUMN signatory_place TEXT CHECK (char_length(signatory_place) BETWEEN 1 AND 100),
    ADD COLUMN signed_electronically BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE events
    ADD COLUMN signatory_title TEXT CHECK (char_length(signatory_title) BETWEEN 1 AND 200),
    ADD COLUMN signatory_name TEXT CHECK (char_length(signatory_name) BETWEEN 1 AND 200),
    ADD COLUMN signatory_nip TEXT CHECK (signatory_nip ~ '^[0-9]{18}$'),
    ADD COLUMN signatory_place TEXT CHECK (char_length(signatory_place) BETWEEN 1 AND 100),
    ADD COLUMN signed_electronically BOOLEAN;

-- A certificate keeps what it was issued with: the issue date chosen at issuance (its number's {year} follows
-- it) and the signatory of that moment, so a reprint shows the same document.
ALTER TABLE certificates
    ADD COLUMN issued_on DATE,
    ADD COLUMN signatory_title TEXT,
    ADD COLUMN signatory_name TEXT,
    ADD COLUMN signatory_nip TEXT,
    ADD COLUMN signatory_place TEXT,
    ADD COLUMN signed_electronically BOOLEAN NOT NULL DEFAULT false;
-- The backfill is bookkeeping, not a change of any certificate: no audit or feed rows for it.
ALTER TABLE certificates DISABLE TRIGGER USER;
UPDATE certificates SET issued_on = (issued_at AT TIME ZONE 'Asia/Jakarta')::date;
ALTER TABLE certificates ENABLE TRIGGER USER;
ALTER TABLE certificates
    ALTER COLUMN issued_on SET NOT NULL,
    ALTER COLUMN issued_on SET DEFAULT (now() AT TIME ZONE 'Asia/Jakarta')::date;
