//! Login, refresh-token rotation with reuse detection, and logout.
//!
//! Its writes leave no trace in the audit log or the change feed: `refresh_tokens` has no trigger, and a login's
//! `last_login_at` on `users` is a bookkeeping column that `track_row` ignores (migration 000008).

use std::borrow::Cow;
use std::net::IpAddr;

use chrono::Utc;
use diesel::Connection;
use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::jwt::JwtKeys;
use crate::auth::{password, tokens};
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

/// Checks a username and password and issues a token pair. A wrong password, an unknown user and an inactive
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
        Ok(users::find_by_username(conn, &lookup)?)
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
            db::run(issuer.pool, move |conn| throttle::failed(conn, &account)).await?;
            return Err(invalid_credentials());
        }
    };
    issuer.limiter.succeeded(&account);
    let refresh_ttl = issuer.refresh_ttl;
    let access_token = issuer.jwt.issue(user.id, user.role, user.token_version)?;
    let user_id = user.id;
    let refresh_token = db::run(issuer.pool, move |conn| {
        conn.transaction(|conn| {
            let token = store_refresh_token(conn, user_id, Uuid::new_v4(), refresh_ttl)?;
            users::touch_last_login(conn, user_id)?;
            throttle::succeeded(conn, &account)?;
            Ok::<_, ApiError>(token)
        })
    })
    .await?;
    let pair = TokenPair {
        access_token,
        expires_in: issuer.jwt.ttl_seconds(),
        refresh_token,
        refresh_expires_in: refresh_ttl.as_secs() as i64,
    };
    tracing::info!(auth.outcome = "success", user.id = %user.id, "login");
    Ok(pair)
}

fn store_refresh_token(
    conn: &mut PgConnection,
    user_id: Uuid,
    family_id: Uuid,
    ttl: std::time::Duration,
) -> Result<String, ApiError> {
    let token = tokens::random_token(32);
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
}

enum RefreshOutcome {
    Rotated(Rotated),
    Refused(&'static str),
}

/// Rotates a refresh token: the presented token is spent and a new pair is issued in the same family. A token
/// that was already spent is a sign of theft: the whole family is revoked, for the thief and the owner alike.
/// Refreshes count against the per-address limit of logins.
pub async fn refresh(
    issuer: Issuer<'_>,
    address: IpAddr,
    presented: String,
) -> Result<TokenPair, ApiError> {
    let limits = issuer.limits;
    let ttl = issuer.refresh_ttl;
    let outcome = db::run(issuer.pool, move |conn| {
        throttle::admit(conn, limits, address, None)?;
        rotate(conn, ttl, &presented)
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
            refresh_expires_in: ttl.as_secs() as i64,
        }),
    }
}

fn rotate(
    conn: &mut PgConnection,
    refresh_ttl: std::time::Duration,
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
        let refresh_token = store_refresh_token(conn, user.id, row.family_id, refresh_ttl)?;
        Ok(RefreshOutcome::Rotated(Rotated {
            user_id: user.id,
            role: user.role,
            token_version: user.token_version,
            refresh_token,
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
