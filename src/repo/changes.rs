//! The `changes` table (the change feed), written by the `track_row` trigger of migration 000008.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};
use uuid::Uuid;

#[derive(Debug, Clone, QueryableByName)]
pub struct ChangeRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub txid: i64,
    #[diesel(sql_type = Text)]
    pub resource_type: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub resource_id: Uuid,
    #[diesel(sql_type = Text)]
    pub op: String,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
}

/// Up to `limit` changes after the position `(txid, id)`, in transaction order, of transactions that have ended
/// (older than this snapshot's xmin, so nothing can commit before them any more). One index range scan on
/// `changes (txid, id)`; diesel's DSL has no row comparison, hence SQL.
pub fn after(
    conn: &mut PgConnection,
    txid: i64,
    id: i64,
    limit: i64,
) -> QueryResult<Vec<ChangeRow>> {
    diesel::sql_query(
        "SELECT id, txid, resource_type, resource_id, op, at FROM changes \
         WHERE (txid, id) > ($1, $2) \
           AND txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint \
         ORDER BY txid, id LIMIT $3",
    )
    .bind::<BigInt, _>(txid)
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(limit)
    .load(conn)
}
