//! The login limits shared by every instance (see migration 000010): the in-memory limiter of
//! `crate::ratelimit` turns floods away in each process; these counts in PostgreSQL make the same limits hold when
//! several instances serve behind one address. Both answer 429 with `Retry-After`.
//!
//! - Address: every login, refresh and client-credentials attempt is a hit; beyond
//!   `LOGIN_MAX_ATTEMPTS_PER_ADDRESS` in a minute the address is refused.
//! - Account (a normalised username, or `client:<id>`): every failure is a hit and a success clears them; with
//!   `LOGIN_MAX_FAILURES_PER_ACCOUNT` failures in the minute, further attempts are refused until it ends.

use std::net::IpAddr;

use diesel::PgConnection;
use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::error::ApiError;
use crate::repo::throttle as repo;

const ADDRESS: &str = "address";
const ACCOUNT: &str = "account";

fn key(value: &str) -> Vec<u8> {
    Sha256::digest(value.as_bytes()).to_vec()
}

fn refused(scope: &'static str, retry_after: i64) -> ApiError {
    tracing::warn!(
        rate_limit.scope = scope,
        rate_limit.shared = true,
        "login attempts throttled"
    );
    ApiError::TooManyRequests {
        retry_after: u64::try_from(retry_after).unwrap_or(1).max(1),
    }
}

/// The limits, from `LOGIN_MAX_ATTEMPTS_PER_ADDRESS` and `LOGIN_MAX_FAILURES_PER_ACCOUNT`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub attempts_per_address: u32,
    pub failures_per_account: u32,
}

impl Limits {
    pub fn of(settings: &Settings) -> Self {
        Self {
            attempts_per_address: settings.login_max_attempts_per_address,
            failures_per_account: settings.login_max_failures_per_account,
        }
    }
}

/// Before credentials are checked: counts the attempt of `address` and refuses it (429) when the address, or
/// `account` when given, is over its limit across all instances.
pub fn admit(
    conn: &mut PgConnection,
    limits: Limits,
    address: IpAddr,
    account: Option<&str>,
) -> Result<(), ApiError> {
    let window = repo::hit(conn, ADDRESS, &key(&address.to_string()))?;
    if u32::try_from(window.hits).unwrap_or(u32::MAX) > limits.attempts_per_address {
        return Err(refused(ADDRESS, window.retry_after));
    }
    if let Some(account) = account
        && let Some(window) = repo::current(conn, ACCOUNT, &key(account))?
        && u32::try_from(window.hits).unwrap_or(u32::MAX) >= limits.failures_per_account
    {
        return Err(refused(ACCOUNT, window.retry_after));
    }
    Ok(())
}

/// A failed attempt for `account`.
pub fn failed(conn: &mut PgConnection, account: &str) -> Result<(), ApiError> {
    repo::hit(conn, ACCOUNT, &key(account))?;
    Ok(())
}

/// A successful attempt for `account`: its failures are forgotten.
pub fn succeeded(conn: &mut PgConnection, account: &str) -> Result<(), ApiError> {
    repo::clear(conn, ACCOUNT, &key(account))?;
    Ok(())
}
