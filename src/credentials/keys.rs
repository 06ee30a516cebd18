//! The issuer's signing keys: generation, their public JWK, and signing a VC-JWT.
//!
//! Two algorithms: RS256 (RSA-2048, PKCS#1 v1.5 with SHA-256), which Open Badges 3.0 requires every verifier to
//! support, and EdDSA (Ed25519), smaller and faster. Both signatures are deterministic, so the same claims signed
//! with the same key give the same token (the status lists' `ETag` relies on it). Keys are made with RustCrypto's
//! `rsa` and `ed25519-dalek`, the crates `jsonwebtoken` signs with.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand::RngCore;
use serde_json::{Value, json};

/// The bits of a generated RSA modulus.
pub const RSA_BITS: usize = 2048;

/// A signing algorithm the service offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlg {
    Rs256,
    EdDsa,
}

impl KeyAlg {
    pub const ALL: [KeyAlg; 2] = [KeyAlg::Rs256, KeyAlg::EdDsa];

    /// The JOSE name (`alg`), as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::EdDsa => "EdDSA",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    fn jose(self) -> Algorithm {
        match self {
            Self::Rs256 => Algorithm::RS256,
            Self::EdDsa => Algorithm::EdDSA,
        }
    }
}

/// A newly generated key pair: its id, its public JWK and its private key (DER: PKCS#1 for RSA, PKCS#8 for
/// Ed25519), which the caller seals before storing.
pub struct GeneratedKey {
    pub kid: String,
    pub alg: KeyAlg,
    pub public_jwk: Value,
    pub private_der: Vec<u8>,
}

impl std::fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// Why a key could not be generated or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("RSA key generation failed: {0}")]
    Rsa(#[from] rsa::Error),
    #[error("the key cannot be encoded: {0}")]
    Encoding(String),
    #[error("signing failed: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

/// A key id: the algorithm, the day and 8 random hex digits (`rs256-20261202-9f3a61c0`).
fn new_kid(alg: KeyAlg, now: DateTime<Utc>) -> String {
    let mut random = [0u8; 4];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{hex}",
        alg.as_str().to_ascii_lowercase(),
        now.format("%Y%m%d")
    )
}

/// Generates a key pair of `alg` (RSA-2048 takes a fraction of a second optimised, longer in a debug build).
pub fn generate(alg: KeyAlg, now: DateTime<Utc>) -> Result<GeneratedKey, KeyError> {
    let kid = new_kid(alg, now);
    match alg {
        KeyAlg::Rs256 => {
            use rsa::pkcs1::EncodeRsaPrivateKey;
            use rsa::traits::PublicKeyParts;
            let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, RSA_BITS)?;
            let public = private.to_public_key();
            let der = private
                .to_pkcs1_der()
                .map_err(|e| KeyError::Encoding(e.to_string()))?;
            Ok(GeneratedKey {
                public_jwk: json!({
                    "kty": "RSA",
                    "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
                    "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
                    "alg": alg.as_str(),
                    "use": "sig",
                    "kid": kid,
                }),
                kid,
                alg,
                private_der: der.as_bytes().to_vec(),
            })
        }
        KeyAlg::EdDsa => {
            use ed25519_dalek::pkcs8::EncodePrivateKey;
            let mut seed = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut seed);
            let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
            let der = signing
                .to_pkcs8_der()
                .map_err(|e| KeyError::Encoding(e.to_string()))?;
            Ok(GeneratedKey {
                public_jwk: json!({
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": URL_SAFE_NO_PAD.encode(signing.verifying_key().to_bytes()),
                    "alg": alg.as_str(),
                    "use": "sig",
                    "kid": kid,
                }),
                kid,
                alg,
                private_der: der.as_bytes().to_vec(),
            })
        }
    }
}

/// An opened private key, ready to sign. `Debug` shows the id only.
pub struct SigningKey {
    pub kid: String,
    pub alg: KeyAlg,
    der: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    pub fn new(kid: String, alg: KeyAlg, der: Vec<u8>) -> Self {
        Self { kid, alg, der }
    }

    /// Signs `claims` as a compact JWS with the header `{"alg", "typ": "JWT", "kid"}`; `kid_uri` is the key's id
    /// as published in the JWKS (a URI that names the key set and the key).
    pub fn sign(&self, kid_uri: &str, claims: &Value) -> Result<String, KeyError> {
        let mut header = Header::new(self.alg.jose());
        header.typ = Some("JWT".to_owned());
        header.kid = Some(kid_uri.to_owned());
        let key = match self.alg {
            KeyAlg::Rs256 => EncodingKey::from_rsa_der(&self.der),
            KeyAlg::EdDsa => EncodingKey::from_ed_der(&self.der),
        };
        Ok(jsonwebtoken::encode(&header, claims, &key)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation, jwk::Jwk};

    fn verify(token: &str, jwk: &Value, alg: Algorithm) -> Value {
        let jwk: Jwk = serde_json::from_value(jwk.clone()).unwrap_or_else(|e| panic!("{e}"));
        let key = DecodingKey::from_jwk(&jwk).unwrap_or_else(|e| panic!("{e}"));
        let mut validation = Validation::new(alg);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<Value>(token, &key, &validation)
            .unwrap_or_else(|e| panic!("{e}"))
            .claims
    }

    #[test]
    fn both_algorithms_sign_what_their_public_jwk_verifies_and_sign_deterministically() {
        let claims = json!({"iss": "https://bimtek.example/api/v1/issuers/LPN-KSG", "n": 1});
        for alg in KeyAlg::ALL {
            let generated = generate(alg, Utc::now()).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                generated
                    .kid
                    .starts_with(&alg.as_str().to_ascii_lowercase())
            );
            assert_eq!(generated.public_jwk["kid"], generated.kid.as_str());
            let key = SigningKey::new(generated.kid.clone(), alg, generated.private_der.clone());
            let token = key
                .sign("https://x/.well-known/jwks.json#k", &claims)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(verify(&token, &generated.public_jwk, alg.jose()), claims);
            let again = key
                .sign("https://x/.well-known/jwks.json#k", &claims)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(token, again, "{alg:?} signatures are deterministic");
            let other = generate(alg, Utc::now()).unwrap_or_else(|e| panic!("{e}"));
            let jwk: Jwk =
                serde_json::from_value(other.public_jwk.clone()).unwrap_or_else(|e| panic!("{e}"));
            let mut validation = Validation::new(alg.jose());
            validation.required_spec_claims.clear();
            assert!(
                jsonwebtoken::decode::<Value>(
                    &token,
                    &DecodingKey::from_jwk(&jwk).unwrap_or_else(|e| panic!("{e}")),
                    &validation
                )
                .is_err(),
                "another key does not verify it"
            );
        }
    }

    #[test]
    fn the_public_jwk_holds_no_private_member() {
        for alg in KeyAlg::ALL {
            let generated = generate(alg, Utc::now()).unwrap_or_else(|e| panic!("{e}"));
            let members: Vec<&String> = generated
                .public_jwk
                .as_object()
                .map(|o| o.keys().collect())
                .unwrap_or_default();
            for private in ["d", "p", "q", "dp", "dq", "qi"] {
                assert!(!members.iter().any(|m| m.as_str() == private), "{alg:?}");
            }
        }
    }
}
