//! Access tokens: HS256 JWTs with the algorithm pinned, `iss`, `aud`, `sub`, `exp` and `iat` required, the header
//! `typ` fixed to `at+jwt` (RFC 9068) and a `kid` that selects the key, so keys can be rotated.

use std::collections::HashMap;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::Settings;
use crate::domain::role::Role;
use crate::error::ApiError;

pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";
const MAX_TOKEN_BYTES: usize = 4096;

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub role: String,
    /// The user's token version when the token was issued; a bump revokes every older token.
    pub tv: i32,
}

/// What a verified token says about its bearer.
#[derive(Debug, Clone, Copy)]
pub struct VerifiedToken {
    pub user_id: Uuid,
    pub token_version: i32,
}

/// The signing key, every key that may verify, and the validation rules.
pub struct JwtKeys {
    kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
}

impl JwtKeys {
    pub fn from_settings(settings: &Settings) -> Self {
        let current = &settings.jwt_current;
        let mut decoding = HashMap::new();
        decoding.insert(
            current.kid.clone(),
            DecodingKey::from_secret(current.secret.expose_secret().as_bytes()),
        );
        for key in &settings.jwt_previous {
            decoding.insert(
                key.kid.clone(),
                DecodingKey::from_secret(key.secret.expose_secret().as_bytes()),
            );
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.set_issuer(&[settings.jwt_issuer.as_str()]);
        validation.set_audience(&[settings.jwt_audience.as_str()]);
        validation.leeway = 30;
        validation.validate_nbf = true;
        Self {
            kid: current.kid.clone(),
            encoding: EncodingKey::from_secret(current.secret.expose_secret().as_bytes()),
            decoding,
            validation,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            ttl: settings.access_token_ttl,
        }
    }

    /// The lifetime of an access token in seconds.
    pub fn ttl_seconds(&self) -> i64 {
        self.ttl.as_secs() as i64
    }

    /// Signs an access token for a user.
    pub fn issue(&self, user_id: Uuid, role: Role, token_version: i32) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
        header.kid = Some(self.kid.clone());
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_string(),
            exp: now + self.ttl_seconds(),
            iat: now,
            jti: Uuid::new_v4().to_string(),
            role: role.as_str().to_owned(),
            tv: token_version,
        };
        jsonwebtoken::encode(&header, &claims, &self.encoding)
            .map_err(|_| ApiError::internal_msg("signing an access token failed"))
    }

    /// Verifies an access token. Every failure is the same `invalid_token` error: the client learns nothing about
    /// which check failed.
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, ApiError> {
        if token.is_empty() || token.len() > MAX_TOKEN_BYTES {
            return Err(ApiError::invalid_token());
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| ApiError::invalid_token())?;
        if header.alg != Algorithm::HS256 || header.typ.as_deref() != Some(ACCESS_TOKEN_TYPE) {
            return Err(ApiError::invalid_token());
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.decoding.get(kid))
            .ok_or_else(ApiError::invalid_token)?;
        let data = jsonwebtoken::decode::<AccessClaims>(token, key, &self.validation)
            .map_err(|_| ApiError::invalid_token())?;
        let claims = data.claims;
        // jsonwebtoken does not check `iat`: a token issued in the future is forged or from a broken clock.
        if claims.iat > chrono::Utc::now().timestamp() + 30 {
            return Err(ApiError::invalid_token());
        }
        let user_id = Uuid::parse_str(&claims.sub).map_err(|_| ApiError::invalid_token())?;
        Ok(VerifiedToken {
            user_id,
            token_version: claims.tv,
        })
    }

    /// Signs and verifies one token, so a build without a working crypto backend fails at start, not at login.
    pub fn self_test(&self) -> Result<(), ApiError> {
        let id = Uuid::new_v4();
        let token = self.issue(id, Role::Participant, 1)?;
        match self.verify(&token) {
            Ok(v) if v.user_id == id => Ok(()),
            _ => Err(ApiError::internal_msg("JWT self-test failed")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap as Map;

    fn keys(secret: &str) -> JwtKeys {
        let map: Map<&str, String> = [
            ("DATABASE_URL", "postgres://x/y".to_owned()),
            ("JWT_SECRET", secret.to_owned()),
        ]
        .into_iter()
        .collect();
        let settings = Settings::from_lookup(|k| map.get(k).cloned());
        match settings {
            Ok(s) => JwtKeys::from_settings(&s),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_token_round_trips_and_the_crypto_backend_works() {
        let k = keys("an-HS256-secret-of-at-least-32-bytes!!");
        assert!(k.self_test().is_ok());
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let a = keys("an-HS256-secret-of-at-least-32-bytes!!");
        let b = keys("another-HS256-secret-of-32-bytes-or-more");
        let token = a.issue(Uuid::new_v4(), Role::Admin, 1);
        assert!(token.is_ok_and(|t| b.verify(&t).is_err()));
    }

    #[test]
    fn garbage_is_refused() {
        let k = keys("an-HS256-secret-of-at-least-32-bytes!!");
        for t in ["", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", &"x".repeat(5000)] {
            assert!(k.verify(t).is_err(), "{t}");
        }
    }
}
