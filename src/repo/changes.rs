//! The `changes` table (the change feed), written by the `track_row` trigger of migration 000008.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use uuid::Uuid;

use crate::schema::{change_feed_horizon, changes};

/// Declares a closed vocabulary of a text column of `changes` (written by the trigger), with `as_str` and `parse`.
macro_rules! feed_vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        crate::domain::enums::text_column!($name);
    };
}

feed_vocabulary! {
    /// What happened to a resource (`changes.op`).
    Operation { Created = "created", Updated = "updated", Deleted = "deleted", Erased = "erased" }
}

feed_vocabulary! {
    /// The kind of resource that changed (`changes.resource_type`).
    ResourceKind {
        Unit = "unit",
        Participant = "participant",
        Event = "event",
        Session = "session",
        Enrollment = "enrollment",
        Attendance = "attendance",
        Result = "result",
        Certificate = "certificate",
        CompetencyRecord = "competency_record",
    }
}

/// One row of `changes`, decoded by position (a feed page holds up to 1,001 of them).
#[derive(Debug, Clone, Queryable)]
pub struct ChangeRow {
    pub id: i64,
    pub txid: i64,
    pub resource_type: ResourceKind,
    pub resource_id: Uuid,
    pub op: Operation,
    pub at: DateTime<Utc>,
}

/// Up to `limit` changes after the position `(txid, id)`, in transaction order, of transactions that have ended
/// (older than this snapshot's xmin, so nothing can commit before them any more). One index range scan on
/// `changes (txid, id)`; diesel's DSL has no row comparison, hence the SQL fragments.
pub fn after(
    conn: &mut PgConnection,
    txid: i64,
    id: i64,
    limit: i64,
) -> QueryResult<Vec<ChangeRow>> {
    changes::table
        .filter(
            sql::<Bool>("(changes.txid, changes.id) > (")
                .bind::<BigInt, _>(txid)
                .sql(", ")
                .bind::<BigInt, _>(id)
                .sql(")"),
        )
        .filter(sql::<Bool>(
            "changes.txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
        ))
        .order((changes::txid, changes::id))
        .limit(limit)
        .select((
            changes::id,
            changes::txid,
            changes::resource_type,
            changes::resource_id,
            changes::op,
            changes::at,
        ))
        .load(conn)
}

/// The last position deleted by retention (`(0, 0)` while nothing was): a cursor behind it may have missed changes.
pub fn horizon(conn: &mut PgConnection) -> QueryResult<(i64, i64)> {
    change_feed_horizon::table
        .select((change_feed_horizon::txid, change_feed_horizon::id))
        .first(conn)
}

/// Deletes up to `batch` changes older than `retention_days`, oldest position first, and moves the horizon to the
/// last position deleted, in one statement (one transaction). Returns how many were deleted.
pub fn prune(conn: &mut PgConnection, retention_days: i32, batch: i64) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Pruned {
        #[diesel(sql_type = BigInt)]
        deleted: i64,
    }
    let pruned: Pruned = diesel::sql_query(
        "WITH gone AS (
             DELETE FROM changes WHERE id IN (
                 SELECT id FROM changes WHERE at < now() - make_interval(days => $1)
                 ORDER BY txid, id LIMIT $2)
             RETURNING txid, id),
         last AS (SELECT txid, id FROM gone ORDER BY txid DESC, id DESC LIMIT 1),
         moved AS (
             UPDATE change_feed_horizon h SET txid = last.txid, id = last.id, pruned_at = now()
             FROM last WHERE (last.txid, last.id) > (h.txid, h.id)
             RETURNING 1)
         SELECT (SELECT count(*) FROM gone) AS deleted",
    )
    .bind::<diesel::sql_types::Integer, _>(retention_days)
    .bind::<BigInt, _>(batch)
    .get_result(conn)?;
    Ok(pruned.deleted)
}
