//! The retention policy, enforced by the maintenance round of the webhook worker (every `MAINTENANCE_INTERVAL_SECONDS`
//! in every instance; rounds of several instances may overlap, each deletes different rows or nothing):
//!
//! | what | kept | setting |
//! | --- | --- | --- |
//! | change feed | 90 days | `CHANGES_RETENTION_DAYS` |
//! | audit log (changes) | 5 years | `AUDIT_LOG_RETENTION_DAYS` |
//! | access events (`*_read`, `export.*` audit entries) | 2 years | `ACCESS_EVENT_RETENTION_DAYS` |
//! | webhook deliveries (delivered or failed) | 30 days | `WEBHOOK_DELIVERY_RETENTION_DAYS` |
//! | refresh tokens | 14 days after expiry | `REFRESH_TOKEN_RETENTION_DAYS` |
//! | idempotency keys | 24 hours (the replay window) | fixed |
//! | login throttle windows | 1 minute (the window) | fixed |
//!
//! `0` keeps the rows of a day-based period forever. The deletions do not touch audited tables' triggers: the
//! tables pruned here (`changes`, `audit_log`, `webhook_deliveries`, `refresh_tokens`, `idempotency_keys`,
//! `login_throttle`) have none. Audit entries of erased officers carry `[erased]` values and are deleted with the
//! others when their period ends, not before.

use diesel::PgConnection;
use diesel::QueryResult;

use crate::config::Settings;
use crate::repo;

/// Rows deleted per statement; a round repeats a deletion until fewer come back, so no transaction grows large.
pub const PRUNE_BATCH: i64 = 10_000;

/// The periods, in days (`0`: keep forever; for refresh tokens: days after expiry, `0` deletes them once
/// expired).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub changes_days: u32,
    pub audit_log_days: u32,
    pub access_event_days: u32,
    pub webhook_delivery_days: u32,
    pub refresh_token_days: u32,
}

impl Retention {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            changes_days: settings.changes_retention_days,
            audit_log_days: settings.audit_log_retention_days,
            access_event_days: settings.access_event_retention_days,
            webhook_delivery_days: settings.webhook_delivery_retention_days,
            refresh_token_days: settings.refresh_token_retention_days,
        }
    }
}

/// What one round deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub idempotency_keys: usize,
    pub throttle_windows: usize,
    pub changes: i64,
    pub audit_entries: i64,
    pub access_events: i64,
    pub webhook_deliveries: i64,
    pub refresh_tokens: i64,
}

fn days(days: u32) -> i32 {
    i32::try_from(days).unwrap_or(i32::MAX)
}

/// Repeats `prune` until a statement deletes fewer than [`PRUNE_BATCH`] rows; the total.
fn until_done(
    conn: &mut PgConnection,
    mut prune: impl FnMut(&mut PgConnection) -> QueryResult<i64>,
) -> QueryResult<i64> {
    let mut total = 0;
    loop {
        let deleted = prune(conn)?;
        total += deleted;
        if deleted < PRUNE_BATCH {
            return Ok(total);
        }
    }
}

/// One maintenance round: deletes everything past its period (see the module comment). The worker calls it; so
/// can a test. Each deletion is its own statement, outside any transaction.
pub fn run(conn: &mut PgConnection, retention: &Retention) -> QueryResult<Pruned> {
    let mut pruned = Pruned {
        idempotency_keys: repo::idempotency::delete_expired(conn)?,
        throttle_windows: repo::throttle::delete_stale(conn)?,
        ..Pruned::default()
    };
    if retention.changes_days > 0 {
        let d = days(retention.changes_days);
        pruned.changes = until_done(conn, |c| repo::changes::prune(c, d, PRUNE_BATCH))?;
    }
    if retention.audit_log_days > 0 {
        let d = days(retention.audit_log_days);
        pruned.audit_entries = until_done(conn, |c| {
            repo::retention::prune_audit_log(c, d, PRUNE_BATCH)
        })?;
    }
    if retention.access_event_days > 0 {
        let d = days(retention.access_event_days);
        pruned.access_events = until_done(conn, |c| {
            repo::retention::prune_access_events(c, d, PRUNE_BATCH)
        })?;
    }
    if retention.webhook_delivery_days > 0 {
        let d = days(retention.webhook_delivery_days);
        pruned.webhook_deliveries = until_done(conn, |c| {
            repo::retention::prune_webhook_deliveries(c, d, PRUNE_BATCH)
        })?;
    }
    let d = days(retention.refresh_token_days);
    pruned.refresh_tokens = until_done(conn, |c| {
        repo::retention::prune_refresh_tokens(c, d, PRUNE_BATCH)
    })?;
    Ok(pruned)
}
