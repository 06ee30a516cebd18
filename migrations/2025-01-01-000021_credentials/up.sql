-- Open Badges 3.0 credentials (issue 16): the issuer's signing keys, the revocation status lists and each
-- certificate's place in one.
--
-- `signing_keys`: one current key per algorithm (RS256, EdDSA); a rotation retires it (`retired_at`), and a retired
-- key stays published in the JWKS so that the credentials it signed still verify. The private key is sealed with
-- XChaCha20-Poly1305 under the configured secret key (WEBHOOK_SECRET_KEY, as the webhook secrets), the key id as
-- associated data; no endpoint returns it.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY CHECK (kid ~ '^[A-Za-z0-9._-]{1,64}$'),
    alg TEXT NOT NULL CHECK (alg IN ('RS256', 'EdDSA')),
    public_jwk JSONB NOT NULL,
    private_ciphertext BYTEA NOT NULL,
    private_nonce BYTEA NOT NULL,
    secret_key_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    retired_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX signing_keys_current_per_alg ON signing_keys (alg) WHERE retired_at IS NULL;

-- A Bitstring Status List (W3C, 2025) of one issuing unit: `size` bits (131,072 = 16 KB, the spec's minimum). The
-- bits are not stored: bit i is 1 when the certificate holding index i is revoked or its holder's data was
-- erased, so a revocation or an erasure sets it in its own transaction.
CREATE TABLE status_lists (
    n SERIAL PRIMARY KEY,
    unit_id UUID NOT NULL REFERENCES units (id),
    purpose TEXT NOT NULL DEFAULT 'revocation' CHECK (purpose = 'revocation'),
    size INT NOT NULL DEFAULT 131072 CHECK (size >= 131072 AND size % 8 = 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX status_lists_unit ON status_lists (unit_id, n);

-- A certificate's credential: an opaque subject id (never the officer's id), the salt of the NIP's identityHash,
-- and its index in a status list, drawn at random among the free ones. No trigger: the certificate's own audit
-- entries and change feed cover what a credential says.
CREATE TABLE certificate_credentials (
    certificate_id UUID PRIMARY KEY REFERENCES certificates (id) ON DELETE CASCADE,
    subject_id UUID NOT NULL UNIQUE,
    identity_salt TEXT NOT NULL,
    status_list INT NOT NULL REFERENCES status_lists (n),
    status_index INT NOT NULL CHECK (status_index >= 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (status_list, status_index)
);
