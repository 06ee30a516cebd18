//! Deletions of the retention policy (`service::retention`): audit entries, access events, webhook deliveries and
//! refresh tokens past their periods. Each call deletes at most `batch` rows in one statement (its own
//! transaction), oldest first; the maintenance round repeats it until fewer come back.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer};

/// The audit actions that are access events (reads of personal data written by `service::audit_log::access` and
/// the exports), not records of changes: `<resource>.<something>_read` and `export.<kind>`.
pub const ACCESS_EVENT_ACTIONS: &str = "(action LIKE '%\\_read' OR action LIKE 'export.%')";

#[derive(QueryableByName)]
struct Deleted {
    #[diesel(sql_type = BigInt)]
    deleted: i64,
}

fn delete_batch(
    conn: &mut PgConnection,
    table: &str,
    key: &str,
    condition: &str,
    order: &str,
    days: i32,
    batch: i64,
) -> QueryResult<i64> {
    let deleted: Deleted = diesel::sql_query(format!(
        "WITH gone AS (DELETE FROM {table} WHERE {key} IN ( \
             SELECT {key} FROM {table} WHERE {condition} ORDER BY {order} LIMIT $2) RETURNING 1) \
         SELECT count(*) AS deleted FROM gone"
    ))
    .bind::<Integer, _>(days)
    .bind::<BigInt, _>(batch)
    .get_result(conn)?;
    Ok(deleted.deleted)
}

/// Audit entries (not access events) older than `days`, erased officers' entries alike.
pub fn prune_audit_log(conn: &mut PgConnection, days: i32, batch: i64) -> QueryResult<i64> {
    delete_batch(
        conn,
        "audit_log",
        "id",
        &format!("at < now() - make_interval(days => $1) AND NOT {ACCESS_EVENT_ACTIONS}"),
        "at, id",
        days,
        batch,
    )
}

/// Access events older than `days`.
pub fn prune_access_events(conn: &mut PgConnection, days: i32, batch: i64) -> QueryResult<i64> {
    delete_batch(
        conn,
        "audit_log",
        "id",
        &format!("at < now() - make_interval(days => $1) AND {ACCESS_EVENT_ACTIONS}"),
        "at, id",
        days,
        batch,
    )
}

/// Delivered and failed webhook deliveries created more than `days` ago; pending ones stay, whatever their age.
pub fn prune_webhook_deliveries(
    conn: &mut PgConnection,
    days: i32,
    batch: i64,
) -> QueryResult<i64> {
    delete_batch(
        conn,
        "webhook_deliveries",
        "id",
        "status IN ('delivered', 'failed') AND created_at < now() - make_interval(days => $1)",
        "created_at, id",
        days,
        batch,
    )
}

/// Refresh tokens that expired more than `days` ago (used and revoked ones included: an expired token is refused
/// whatever else is true of it).
pub fn prune_refresh_tokens(conn: &mut PgConnection, days: i32, batch: i64) -> QueryResult<i64> {
    delete_batch(
        conn,
        "refresh_tokens",
        "id",
        "expires_at < now() - make_interval(days => $1)",
        "expires_at, id",
        days,
        batch,
    )
}
