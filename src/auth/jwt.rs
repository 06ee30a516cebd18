//! Access tokens: HS256 JWTs with the algorithm pinned, `iss`, `aud`, `sub`, `exp` and `iat` required, the header
//! `typ` fixed to `at+jwt` (RFC 9068) and a `kid` that selects the key, so keys can be rotated.
//!
//! Two kinds share the keys but not the audience: user tokens (`aud` = `JWT_AUDIENCE`, `sub` = the user, a `role`)
//! and service-account tokens of the client-credentials grant (`aud` = `JWT_CLIENT_AUDIENCE`, `sub` and `client_id`
//! = the client, a `scope`). The audience decides how a token is read, so one kind never passes for the other.

use std::collections::HashMap;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::scopes::Scopes;
use crate::config::Settings;
use crate::domain::role::Role;
use crate::error::ApiError;

pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";
const MAX_TOKEN_BYTES: usize = 4096;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    /// The role of a user token; absent from client tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The client of a service-account token (RFC 9068); absent from user tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The granted scopes of a service-account token, space-delimited; absent from user tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The user's (or client's) token version when the token was issued; a bump revokes every older token.
    pub tv: i32,
}

/// Who a verified token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A user account, by id.
    User(Uuid),
    /// A service account, by client id, with the scopes granted to this token.
    Client(Uuid, Scopes),
}

/// What a verified token says about its bearer.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub subject: Subject,
    pub token_version: i32,
}

impl VerifiedToken {
    /// The id the token names: the user's or the client's.
    pub fn subject_id(&self) -> Uuid {
        match &self.subject {
            Subject::User(id) | Subject::Client(id, _) => *id,
        }
    }
}

/// The signing key, every key that may verify, and the validation rules.
pub struct JwtKeys {
    kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    validation: Validation,
    issuer: String,
    audience: String,
    client_audience: String,
    ttl: Duration,
    client_ttl: Duration,
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
        validation.set_audience(&[
            settings.jwt_audience.as_str(),
            settings.jwt_client_audience.as_str(),
        ]);
        validation.leeway = 30;
        validation.validate_nbf = true;
        Self {
            kid: current.kid.clone(),
            encoding: EncodingKey::from_secret(current.secret.expose_secret().as_bytes()),
            decoding,
            validation,
            issuer: settings.jwt_issuer.clone(),
            audience: settings.jwt_audience.clone(),
            client_audience: settings.jwt_client_audience.clone(),
            ttl: settings.access_token_ttl,
            client_ttl: settings.client_token_ttl,
        }
    }

    /// The lifetime of a service-account token in seconds.
    pub fn client_ttl_seconds(&self) -> i64 {
        self.client_ttl.as_secs() as i64
    }

    fn sign(&self, claims: &AccessClaims) -> Result<String, ApiError> {
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|_| ApiError::internal_msg("signing an access token failed"))
    }

    /// Signs an access token for a service account with the granted scopes (client-credentials grant).
    pub fn issue_client(
        &self,
        client_id: Uuid,
        scopes: &Scopes,
        token_version: i32,
    ) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        self.sign(&AccessClaims {
            iss: self.issuer.clone(),
            aud: self.client_audience.clone(),
            sub: client_id.to_string(),
            exp: now + self.client_ttl_seconds(),
            iat: now,
            jti: Uuid::new_v4().to_string(),
            role: None,
            client_id: Some(client_id.to_string()),
            scope: Some(scopes.to_space_delimited()),
            tv: token_version,
        })
    }

    /// The lifetime of an access token in seconds.
    pub fn ttl_seconds(&self) -> i64 {
        self.ttl.as_secs() as i64
    }

    /// Signs an access token for a user.
    pub fn issue(&self, user_id: Uuid, role: Role, token_version: i32) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        self.sign(&AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_string(),
            exp: now + self.ttl_seconds(),
            iat: now,
            jti: Uuid::new_v4().to_string(),
            role: Some(role.as_str().to_owned()),
            client_id: None,
            scope: None,
            tv: token_version,
        })
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
        let id = Uuid::parse_str(&claims.sub).map_err(|_| ApiError::invalid_token())?;
        // The audience says what kind of token this is; the kind's own claims must be there, the other's absent.
        let subject = if claims.aud == self.audience {
            if claims.role.is_none() || claims.scope.is_some() || claims.client_id.is_some() {
                return Err(ApiError::invalid_token());
            }
            Subject::User(id)
        } else if claims.aud == self.client_audience {
            let scopes = claims
                .scope
                .as_deref()
                .and_then(|s| Scopes::parse_space_delimited(s).ok())
                .filter(|s| !s.is_empty())
                .ok_or_else(ApiError::invalid_token)?;
            if claims.role.is_some() || claims.client_id.as_deref() != Some(claims.sub.as_str()) {
                return Err(ApiError::invalid_token());
            }
            Subject::Client(id, scopes)
        } else {
            return Err(ApiError::invalid_token());
        };
        Ok(VerifiedToken {
            subject,
            token_version: claims.tv,
        })
    }

    /// Signs and verifies one token, so a build without a working crypto backend fails at start, not at login.
    pub fn self_test(&self) -> Result<(), ApiError> {
        let id = Uuid::new_v4();
        let token = self.issue(id, Role::Participant, 1)?;
        match self.verify(&token) {
            Ok(v) if v.subject == Subject::User(id) => Ok(()),
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
            (
                "WEBHOOK_SECRET_KEY",
                "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=".to_owned(),
            ),
            ("PUBLIC_BASE_URL", "https://bimtek.example.go.id".to_owned()),
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
    fn client_tokens_carry_their_scopes_and_are_told_apart_from_user_tokens() {
        use crate::auth::scopes::Scope;
        let k = keys("an-HS256-secret-of-at-least-32-bytes!!");
        let id = Uuid::new_v4();
        let scopes = Scopes::new([Scope::UnitsRead, Scope::EventsRead]);
        let token = k.issue_client(id, &scopes, 3);
        let verified = token.as_deref().map(|t| k.verify(t));
        assert!(matches!(
            verified,
            Ok(Ok(VerifiedToken { subject: Subject::Client(c, ref s), token_version: 3 })) if c == id && *s == scopes
        ));
        let user = k.issue(id, Role::Admin, 1);
        assert!(matches!(
            user.as_deref().map(|t| k.verify(t)),
            Ok(Ok(VerifiedToken { subject: Subject::User(u), .. })) if u == id
        ));
    }

    #[test]
    fn a_client_token_with_a_role_or_without_scopes_is_refused() {
        let k = keys("an-HS256-secret-of-at-least-32-bytes!!");
        let now = chrono::Utc::now().timestamp();
        let id = Uuid::new_v4().to_string();
        let base = AccessClaims {
            iss: "bimtek-api".to_owned(),
            aud: "bimtek-api-m2m".to_owned(),
            sub: id.clone(),
            exp: now + 60,
            iat: now,
            jti: "j".to_owned(),
            role: None,
            client_id: Some(id.clone()),
            scope: Some("units:read".to_owned()),
            tv: 1,
        };
        assert!(k.sign(&base).is_ok_and(|t| k.verify(&t).is_ok()));
        let with_role = AccessClaims {
            role: Some("admin".to_owned()),
            ..base.clone()
        };
        let no_scope = AccessClaims {
            scope: Some(String::new()),
            ..base.clone()
        };
        let unknown_scope = AccessClaims {
            scope: Some("root".to_owned()),
            ..base.clone()
        };
        let user_with_scope = AccessClaims {
            aud: "bimtek-api".to_owned(),
            role: Some("admin".to_owned()),
            ..base.clone()
        };
        for claims in [with_role, no_scope, unknown_scope, user_with_scope] {
            assert!(k.sign(&claims).is_ok_and(|t| k.verify(&t).is_err()));
        }
    }

    #[test]
    fn garbage_is_refused() {
        let k = keys("an-HS256-secret-of-at-least-32-bytes!!");
        for t in ["", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", &"x".repeat(5000)] {
            assert!(k.verify(t).is_err(), "{t}");
        }
    }
}
