//! Snapshots of an event's report and of its officers' results (migration `000011_event_snapshots` describes the
//! protocol): the lookups a reader makes first, the three steps of a refresh, and the page of results read from the
//! stored lines.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Bytea, Jsonb, Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::repo::results::{RESULT_COLUMNS, ResultFilter, ResultRow};

/// What a snapshot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The event report as the API serves it.
    Report,
    /// The result line of every approved officer.
    Results,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Report => "report",
            Kind::Results => "results",
        }
    }
}

/// A refresh under way: the generation it may store.
#[derive(Debug, Clone, Copy)]
pub struct Refresh {
    pub generation: i64,
}

#[derive(QueryableByName)]
struct BodyRow {
    #[diesel(sql_type = Bytea)]
    body: Vec<u8>,
}

#[derive(QueryableByName)]
struct BoolRow {
    #[diesel(sql_type = Bool)]
    value: bool,
}

/// The condition of a valid snapshot, on `event_snapshots`.
const VALID: &str = "NOT stale AND ready_generation = generation";

/// The stored report of an event, if it is still valid.
pub fn valid_report(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Option<Vec<u8>>> {
    diesel::sql_query(format!(
        "SELECT body FROM event_snapshots WHERE event_id = $1 AND kind = 'report' AND {VALID} AND body IS NOT NULL"
    ))
    .bind::<SqlUuid, _>(event_id)
    .get_result::<BodyRow>(conn)
    .optional()
    .map(|row| row.map(|r| r.body))
}

/// Whether the stored results of an event are valid.
pub fn results_valid(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<bool> {
    diesel::sql_query(format!(
        "SELECT EXISTS (SELECT 1 FROM event_snapshots
                        WHERE event_id = $1 AND kind = 'results' AND {VALID}) AS value"
    ))
    .bind::<SqlUuid, _>(event_id)
    .get_result::<BoolRow>(conn)
    .map(|r| r.value)
}

/// Step 1 of a refresh, in a transaction of its own (the caller's, whose commit releases the event's refresh
/// lock): a new generation, not stale, once every write in flight on the event has finished; `None` when writes
/// kept the lock for 200 ms (compute without storing then).
pub fn begin_refresh(
    conn: &mut PgConnection,
    event_id: Uuid,
    kind: Kind,
) -> QueryResult<Option<Refresh>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Nullable<BigInt>)]
        generation: Option<i64>,
    }
    diesel::sql_query("SELECT snapshot_begin_refresh($1, $2) AS generation")
        .bind::<SqlUuid, _>(event_id)
        .bind::<Text, _>(kind.as_str())
        .get_result::<Row>(conn)
        .map(|r| r.generation.map(|generation| Refresh { generation }))
}

/// Step 3 for the report: stores `body` if the refresh's generation is still current and nothing marked the
/// snapshot stale since step 1. Returns whether it stored.
pub fn store_report(
    conn: &mut PgConnection,
    event_id: Uuid,
    refresh: Refresh,
    body: &[u8],
) -> QueryResult<bool> {
    diesel::sql_query(
        "UPDATE event_snapshots SET ready_generation = generation, body = $3, refreshed_at = now()
         WHERE event_id = $1 AND kind = 'report' AND generation = $2 AND NOT stale",
    )
    .bind::<SqlUuid, _>(event_id)
    .bind::<BigInt, _>(refresh.generation)
    .bind::<Bytea, _>(body)
    .execute(conn)
    .map(|n| n == 1)
}

/// Step 3 for the results, inside the caller's transaction: takes the snapshot row (a write arriving now waits
/// for the commit, then marks it stale), and if the refresh is still current replaces the event's lines with
/// `rows` (a JSON array of [`ResultRow`]s). Returns whether it stored.
pub fn store_results(
    conn: &mut PgConnection,
    event_id: Uuid,
    refresh: Refresh,
    rows: &serde_json::Value,
) -> QueryResult<bool> {
    let current = diesel::sql_query(
        "UPDATE event_snapshots SET ready_generation = generation, refreshed_at = now()
         WHERE event_id = $1 AND kind = 'results' AND generation = $2 AND NOT stale",
    )
    .bind::<SqlUuid, _>(event_id)
    .bind::<BigInt, _>(refresh.generation)
    .execute(conn)?;
    if current != 1 {
        return Ok(false);
    }
    diesel::sql_query("DELETE FROM event_result_rows WHERE event_id = $1")
        .bind::<SqlUuid, _>(event_id)
        .execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO event_result_rows (event_id, {RESULT_COLUMNS})
         SELECT $1, {RESULT_COLUMNS} FROM jsonb_populate_recordset(NULL::event_result_rows, $2)"
    ))
    .bind::<SqlUuid, _>(event_id)
    .bind::<Jsonb, _>(rows)
    .execute(conn)?;
    Ok(true)
}

/// A page of the stored results of an event, ordered by name then enrollment, as the filter allows; empty when the
/// stored lines are not valid (ask [`results_valid`] then). `total` is the number of lines matching the filter.
pub fn results_page(
    conn: &mut PgConnection,
    event_id: Uuid,
    filter: &ResultFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<ResultRow>> {
    diesel::sql_query(format!(
        "SELECT {RESULT_COLUMNS}, count(*) OVER () AS total
         FROM event_result_rows
         WHERE event_id = $1
           AND EXISTS (SELECT 1 FROM event_snapshots WHERE event_id = $1 AND kind = 'results' AND {VALID})
           AND ($2::uuid IS NULL OR unit_id = $2)
           AND ($3::uuid IS NULL OR participant_id = $3)
           AND ($4::uuid IS NULL OR unit_id = $4)
           AND ($5::text IS NULL OR outcome = $5)
         ORDER BY name_search, enrollment_id
         LIMIT $6 OFFSET $7"
    ))
    .bind::<SqlUuid, _>(event_id)
    .bind::<Nullable<SqlUuid>, _>(filter.scope.unit_id)
    .bind::<Nullable<SqlUuid>, _>(filter.scope.participant_id)
    .bind::<Nullable<SqlUuid>, _>(filter.unit_id)
    .bind::<Nullable<Text>, _>(filter.outcome)
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(offset)
    .load(conn)
}
