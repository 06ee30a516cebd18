//! The login limits shared by every instance (see migration 000010): the in-memory limiter of
//! `crate::ratelimit` turns floods away in each process; these counts in PostgreSQL make the same limits hold when
//! several instances serve behind one address. Both answer 429 with `Retry-After`.
//!
//! The rule, written here only (`admit`, `failed`, `succeeded`):
//!
//! - Address, failures: every failed login or client authentication is a hit; with
//!   `LOGIN_MAX_FAILURES_PER_ADDRESS` failures in the minute (20 by default), further logins and token requests
//!   from the address are refused until it ends, the right password included (else a 200 would confirm a guess).
//!   A success does not clear them: one valid account must not reset its address's guessing budget. Successful
//!   logins do not count, so a training room of officers behind one NAT logs in together.
//! - Address, every attempt: every login, refresh and client-credentials attempt is a hit; beyond
//!   `LOGIN_MAX_ATTEMPTS_PER_ADDRESS` in a minute (600 by default) the address is refused. A ceiling on the load
//!   one address causes, failed or not; a refresh checks no guessable secret and meets only this limit.
//! - Account (a normalised username, or `client:<id>`): every failure is a hit and a success clears them; with
//!   `LOGIN_MAX_FAILURES_PER_ACCOUNT` failures in the minute, further attempts are refused until it ends.
//!
//! The in-memory limiter holds the ceiling per address and the failures per account; the failures per address
//! are counted here only (a failure is known after the password check, and the shared count decides anyway).

use std::net::IpAddr;

use diesel::PgConnection;
use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::error::ApiError;
use crate::repo::throttle as repo;

const ADDRESS: &str = "address";
const ADDRESS_FAILURE: &str = "address_failure";
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

/// The limits, from `LOGIN_MAX_ATTEMPTS_PER_ADDRESS`, `LOGIN_MAX_FAILURES_PER_ADDRESS` and
/// `LOGIN_MAX_FAILURES_PER_ACCOUNT`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub attempts_per_address: u32,
    pub failures_per_address: u32,
    pub failures_per_account: u32,
}

impl Limits {
    pub fn of(settings: &Settings) -> Self {
        Self {
            attempts_per_address: settings.login_max_attempts_per_address,
            failures_per_address: settings.login_max_failures_per_address,
            failures_per_account: settings.login_max_failures_per_account,
        }
    }
}

fn hits(window: &repo::Window) -> u32 {
    u32::try_from(window.hits).unwrap_or(u32::MAX)
}

/// Before credentials are checked: counts the attempt of `address` and refuses it (429) when the address is over
/// its ceiling of attempts, or, when `account` is given (a password or client secret is about to be checked), when
/// the address or the account has used up its failures, across all instances. A refresh passes `None`.
pub fn admit(
    conn: &mut PgConnection,
    limits: Limits,
    address: IpAddr,
    account: Option<&str>,
) -> Result<(), ApiError> {
    let address = key(&address.to_string());
    let window = repo::hit(conn, ADDRESS, &address)?;
    if hits(&window) > limits.attempts_per_address {
        return Err(refused(ADDRESS, window.retry_after));
    }
    let Some(account) = account else {
        return Ok(());
    };
    if let Some(window) = repo::current(conn, ADDRESS_FAILURE, &address)?
        && hits(&window) >= limits.failures_per_address
    {
        return Err(refused(ADDRESS_FAILURE, window.retry_after));
    }
    if let Some(window) = repo::current(conn, ACCOUNT, &key(account))?
        && hits(&window) >= limits.failures_per_account
    {
        return Err(refused(ACCOUNT, window.retry_after));
    }
    Ok(())
}

/// A failed attempt for `account` from `address`: a failure of both.
pub fn failed(conn: &mut PgConnection, address: IpAddr, account: &str) -> Result<(), ApiError> {
    repo::hit(conn, ADDRESS_FAILURE, &key(&address.to_string()))?;
    repo::hit(conn, ACCOUNT, &key(account))?;
    Ok(())
}

/// A successful attempt for `account`: its failures are forgotten (its address's are not).
pub fn succeeded(conn: &mut PgConnection, account: &str) -> Result<(), ApiError> {
    repo::clear(conn, ACCOUNT, &key(account))?;
    Ok(())
}
