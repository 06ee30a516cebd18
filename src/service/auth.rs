//! Login, refresh-token rotation with reuse detection (and a short grace window for concurrent refreshes), and
//! logout.
//!
//! Its writes leave no trace in the audit log or the change feed: `refresh_tokens` has no trigger, and a login's
//! `last_login_at` on `users` is a bookkeeping column that `track_row` ignores (migration 000008).

use std::borrow::Cow;
use std::net::IpAddr;

use chrono::Utc;
use diesel::Connection;
use diesel::pg::PgConnection;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use crate::auth::jwt::JwtKeys;
use crate::auth::{password, tokens};
use crate::config::JwtKey;
use crate::db;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::ratelimit::LoginLimiter;
use crate::repo::refresh_tokens::{self, NewRefreshToken};
use crate::repo::users;
use crate::service::DbPool;
use crate::service::throttle;

/// What issuing user tokens needs: the pool, the signing keys, the throttles and the refresh tokens' lifetime.
pub struct Issuer<'a> {
    pub pool: &'a DbPool,
    pub jwt: &'a JwtKeys,
    pub limiter: &'a LoginLimiter,
    pub limits: throttle::Limits,
    pub refresh_ttl: std::time::Duration,
    /// How long a spent refresh token still answers its successor (0: never).
    pub refresh_grace: std::time::Duration,
    /// The secret that derives successor tokens ([`tokens::successor_token`]), then the previous ones, which
    /// still recognise successors derived before a key rotation.
    pub current_key: &'a JwtKey,
    pub previous_keys: &'a [JwtKey],
}

impl Issuer<'_> {
    fn successor_secrets(&self) -> Vec<SecretString> {
        std::iter::once(self.current_key)
            .chain(self.previous_keys)
            .map(|k| k.secret.clone())
            .collect()
    }
}

/// Checked login credentials.
#[derive(Debug)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// A new access token and the refresh token that can replace it.
#[derive(Debug)]
pub struct TokenPair {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: String,
    pub refresh_expires_in: i64,
}

fn invalid_credentials() -> ApiError {
    ApiError::Unauthorized {
        code: "invalid_credentials",
        detail: Cow::Borrowed("The username or password is incorrect, or the account is inactive."),
        invalid_token: false,
    }
}

fn invalid_refresh(code: &'static str) -> ApiError {
    ApiError::Unauthorized {
        code,
        detail: Cow::Borrowed("The refresh token is invalid, expired or revoked; log in again."),
        invalid_token: false,
    }
}

/// Checks a username (or an officer's NIP) and password and issues a token pair. A wrong password, an unknown user and an inactive
/// account give the same answer in about the same time. The account's throttle (see `crate::ratelimit`) is
/// keyed by the normalised username whether or not the account exists, so that it tells nothing either.
///
/// `address` is the client's (see `LoginLimiter::client_address`): its attempts and the account's failures are
/// also counted in PostgreSQL, so that the limits hold across instances (`service::throttle`).
pub async fn login(
    issuer: Issuer<'_>,
    address: IpAddr,
    credentials: Credentials,
) -> Result<TokenPair, ApiError> {
    let Credentials { username, password } = credentials;
    let lookup = username.trim().to_lowercase();
    let delay = issuer.limiter.check_account(&lookup)?;
    if !delay.is_zero() {
        actix_web::rt::time::sleep(delay).await;
    }
    let account = lookup.clone();
    let limits = issuer.limits;
    let user = db::run(issuer.pool, move |conn| {
        throttle::admit(conn, limits, address, Some(&lookup))?;
        Ok(account_for_login(conn, &lookup)?)
    })
    .await?;
    let verified = actix_web::web::block(move || match user {
        Some(user) => password::verify(&user.password_hash, &password).then_some(user),
        None => {
            password::verify_dummy(&password);
            None
        }
    })
    .await?;
    let user = match verified {
        // The technical user of a service account never logs in (it has no password anyway).
        Some(user) if user.is_active && !user.service_account => user,
        _ => {
            tracing::info!(auth.outcome = "failure", "login refused");
            db::run(issuer.pool, move |conn| {
                throttle::failed(conn, address, &account)
            })
            .await?;
            return Err(invalid_credentials());
        }
    };
    let pair = signed_in(&issuer, user.id, user.role, user.token_version, account).await?;
    tracing::info!(auth.outcome = "success", user.id = %user.id, "login");
    Ok(pair)
}

/// The token pair of a login that passed its check (a password, or an activation code): a new refresh-token
/// family, the last login time, and the account's failures cleared (`account` is its throttle key).
pub(crate) async fn signed_in(
    issuer: &Issuer<'_>,
    user_id: Uuid,
    role: Role,
    token_version: i32,
    account: String,
) -> Result<TokenPair, ApiError> {
    issuer.limiter.succeeded(&account);
    let refresh_ttl = issuer.refresh_ttl;
    let access_token = issuer.jwt.issue(user_id, role, token_version)?;
    let refresh_token = db::run(issuer.pool, move |conn| {
        conn.transaction(|conn| {
            let token = store_refresh_token(conn, user_id, Uuid::new_v4(), refresh_ttl)?;
            users::touch_last_login(conn, user_id)?;
            throttle::succeeded(conn, &account)?;
            Ok::<_, ApiError>(token)
        })
    })
    .await?;
    Ok(TokenPair {
        access_token,
        expires_in: issuer.jwt.ttl_seconds(),
        refresh_token,
        refresh_expires_in: refresh_ttl.as_secs() as i64,
    })
}

/// The account a login names: by its username, or, for an officer, by their NIP (18 digits that are no
/// account's username name the participant account of the officer holding that NIP).
fn account_for_login(
    conn: &mut PgConnection,
    lookup: &str,
) -> diesel::QueryResult<Option<users::UserRow>> {
    if let Some(user) = users::find_by_username(conn, lookup)? {
        return Ok(Some(user));
    }
    if lookup.len() == 18 && lookup.bytes().all(|b| b.is_ascii_digit()) {
        return users::find_by_participant_nip(conn, lookup);
    }
    Ok(None)
}

fn store_refresh_token(
    conn: &mut PgConnection,
    user_id: Uuid,
    family_id: Uuid,
    ttl: std::time::Duration,
) -> Result<String, ApiError> {
    insert_refresh_token(conn, tokens::random_token(32), user_id, family_id, ttl)
}

fn insert_refresh_token(
    conn: &mut PgConnection,
    token: String,
    user_id: Uuid,
    family_id: Uuid,
    ttl: std::time::Duration,
) -> Result<String, ApiError> {
    let expires_at = Utc::now()
        + chrono::Duration::from_std(ttl).map_err(|_| ApiError::internal_msg("refresh ttl"))?;
    refresh_tokens::insert(
        conn,
        &NewRefreshToken {
            user_id,
            family_id,
            token_hash: tokens::hash_token(&token),
            expires_at,
        },
    )?;
    Ok(token)
}

/// A refreshed login: the account the new access token is for, and the new refresh token.
struct Rotated {
    user_id: Uuid,
    role: Role,
    token_version: i32,
    refresh_token: String,
    refresh_expires_in: i64,
}

enum RefreshOutcome {
    Rotated(Rotated),
    Refused(&'static str),
}

/// Rotates a refresh token: the presented token is spent and a new pair is issued in the same family. A token
/// that was already spent is a sign of theft: the whole family is revoked, for the thief and the owner alike.
/// Except within the grace window (`REFRESH_REUSE_GRACE_SECONDS`) after its rotation: two tabs of one browser
/// that refresh with the same token at the same moment both get the successor it was rotated into (the row lock
/// orders them; the second finds the first's successor). Refreshes count against the per-address ceiling of
/// attempts, not against its failures (`service::throttle`).
pub async fn refresh(
    issuer: Issuer<'_>,
    address: IpAddr,
    presented: String,
) -> Result<TokenPair, ApiError> {
    let limits = issuer.limits;
    let rules = Rotation {
        ttl: issuer.refresh_ttl,
        grace: chrono::Duration::from_std(issuer.refresh_grace)
            .map_err(|_| ApiError::internal_msg("refresh grace"))?,
        secrets: issuer.successor_secrets(),
    };
    let outcome = db::run(issuer.pool, move |conn| {
        throttle::admit(conn, limits, address, None)?;
        rotate(conn, &rules, &presented)
    })
    .await?;
    match outcome {
        RefreshOutcome::Refused(code) => Err(invalid_refresh(code)),
        RefreshOutcome::Rotated(rotated) => Ok(TokenPair {
            access_token: issuer
                .jwt
                .issue(rotated.user_id, rotated.role, rotated.token_version)?,
            expires_in: issuer.jwt.ttl_seconds(),
            refresh_token: rotated.refresh_token,
            refresh_expires_in: rotated.refresh_expires_in,
        }),
    }
}

/// What a rotation needs: the new token's lifetime, the grace window, and the successor secrets (current first).
struct Rotation {
    ttl: std::time::Duration,
    grace: chrono::Duration,
    secrets: Vec<SecretString>,
}

/// The live successor of a token spent within the grace window: the token the rotation derived from it, or, when
/// that one was rotated within the window as well (a third refresh), its own successor, and so on.
fn successor_within_grace(
    conn: &mut PgConnection,
    rules: &Rotation,
    spent: &refresh_tokens::RefreshTokenRow,
    presented: &str,
) -> Result<Option<(String, refresh_tokens::RefreshTokenRow)>, ApiError> {
    let now = Utc::now();
    let within = |at: Option<chrono::DateTime<Utc>>| {
        at.is_some_and(|at| rules.grace > chrono::Duration::zero() && now - at < rules.grace)
    };
    if !within(spent.used_at) {
        return Ok(None);
    }
    let mut current = presented.to_owned();
    // A chain longer than this within a few seconds is not two tabs.
    for _ in 0..8 {
        let mut found = None;
        for secret in &rules.secrets {
            let token = tokens::successor_token(secret.expose_secret().as_bytes(), &current);
            if let Some(row) = refresh_tokens::find_for_update(conn, &tokens::hash_token(&token))? {
                found = Some((token, row));
                break;
            }
        }
        let Some((token, row)) = found else {
            return Ok(None);
        };
        if row.family_id != spent.family_id || row.revoked_at.is_some() || row.expires_at < now {
            return Ok(None);
        }
        if row.used_at.is_none() {
            return Ok(Some((token, row)));
        }
        if !within(row.used_at) {
            return Ok(None);
        }
        current = token;
    }
    Ok(None)
}

fn rotate(
    conn: &mut PgConnection,
    rules: &Rotation,
    presented: &str,
) -> Result<RefreshOutcome, ApiError> {
    let hash = tokens::hash_token(presented);
    // The transaction commits a revocation even when the answer is a refusal.
    conn.transaction(|conn| {
        let Some(row) = refresh_tokens::find_for_update(conn, &hash)? else {
            return Ok::<_, ApiError>(RefreshOutcome::Refused("invalid_refresh_token"));
        };
        if row.revoked_at.is_some() {
            return Ok(RefreshOutcome::Refused("invalid_refresh_token"));
        }
        if row.used_at.is_some() {
            if let Some((token, successor)) = successor_within_grace(conn, rules, &row, presented)? {
                return match users::find(conn, row.user_id)? {
                    Some(user) if user.is_active => {
                        tracing::info!(
                            user.id = %user.id,
                            "spent refresh token presented within the grace window: answered its successor"
                        );
                        Ok(RefreshOutcome::Rotated(Rotated {
                            user_id: user.id,
                            role: user.role,
                            token_version: user.token_version,
                            refresh_token: token,
                            refresh_expires_in: (successor.expires_at - Utc::now())
                                .num_seconds()
                                .max(0),
                        }))
                    }
                    _ => {
                        refresh_tokens::revoke_family(conn, row.family_id)?;
                        Ok(RefreshOutcome::Refused("invalid_refresh_token"))
                    }
                };
            }
            refresh_tokens::revoke_family(conn, row.family_id)?;
            tracing::warn!(user.id = %row.user_id, "refresh token reused: family revoked");
            return Ok(RefreshOutcome::Refused("refresh_token_reused"));
        }
        if row.expires_at < Utc::now() {
            return Ok(RefreshOutcome::Refused("invalid_refresh_token"));
        }
        let user = match users::find(conn, row.user_id)? {
            Some(user) if user.is_active => user,
            _ => {
                refresh_tokens::revoke_family(conn, row.family_id)?;
                return Ok(RefreshOutcome::Refused("invalid_refresh_token"));
            }
        };
        refresh_tokens::mark_used(conn, row.id)?;
        // Derived, not random: a refresh with this token within the grace window must find it again.
        let successor = match rules.secrets.first() {
            Some(secret) => tokens::successor_token(secret.expose_secret().as_bytes(), presented),
            None => tokens::random_token(32),
        };
        let refresh_token =
            insert_refresh_token(conn, successor, user.id, row.family_id, rules.ttl)?;
        Ok(RefreshOutcome::Rotated(Rotated {
            user_id: user.id,
            role: user.role,
            token_version: user.token_version,
            refresh_token,
            refresh_expires_in: rules.ttl.as_secs() as i64,
        }))
    })
}

/// Revokes the family of a refresh token. Unknown tokens are ignored: logout always succeeds.
pub async fn logout(pool: &DbPool, presented: String) -> Result<(), ApiError> {
    db::run(pool, move |conn| {
        let hash = tokens::hash_token(&presented);
        if let Some(family) = refresh_tokens::find_family_by_hash(conn, &hash)? {
            refresh_tokens::revoke_family(conn, family)?;
        }
        Ok(())
    })
    .await
}
