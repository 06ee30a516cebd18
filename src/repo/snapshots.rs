//! Snapshots of an event's report and of its officers' results (migration `000011_event_snapshots` describes the
//! protocol): the lookups a reader makes first, the three steps of a refresh, and the page of results read from the
//! stored lines.

use chrono::{DateTime, Utc};
use diesel::dsl::{count_star, exists};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bytea, Integer, Jsonb, Nullable, Text, Uuid as SqlUuid};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::enums::Outcome;
use crate::repo::results::{RESULT_COLUMNS, ResultFilter, ResultRow};
use crate::schema::{event_result_rows, event_snapshots};

/// The format of what a snapshot stores: the report's JSON shape (`EventReportResponse`) and the meaning of a
/// stored result line. Bump it with every change to either; a snapshot stored with another version (by an older
/// build before a deploy, or a newer one beside it) is stale and recomputed by its next reader.
pub const FORMAT_VERSION: i32 = 2;

/// What a snapshot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The event report as the API serves it.
    Report,
    /// The result line of every approved officer.
    Results,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Report, Kind::Results];

    pub fn as_str(self) -> &'static str {
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

/// A snapshot row that is valid: not stale, and its stored figures are of its current generation.
macro_rules! valid_snapshot {
    ($event_id:expr, $kind:expr) => {
        event_snapshots::table
            .filter(event_snapshots::event_id.eq($event_id))
            .filter(event_snapshots::kind.eq($kind))
            .filter(event_snapshots::stale.eq(false))
            .filter(event_snapshots::ready_generation.eq(event_snapshots::generation.nullable()))
            .filter(event_snapshots::format_version.eq(FORMAT_VERSION))
    };
}

/// The stored report of an event, if it is still valid.
pub fn valid_report(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Option<Vec<u8>>> {
    valid_snapshot!(event_id, Kind::Report.as_str())
        .select(event_snapshots::body)
        .first::<Option<Vec<u8>>>(conn)
        .optional()
        .map(Option::flatten)
}

/// Whether another reader is refreshing the event's snapshot of `kind` right now: step 1 done, nothing stored
/// yet, nothing marked stale since, and its time not up.
pub fn refresh_under_way(conn: &mut PgConnection, event_id: Uuid, kind: Kind) -> QueryResult<bool> {
    diesel::select(exists(
        event_snapshots::table
            .filter(event_snapshots::event_id.eq(event_id))
            .filter(event_snapshots::kind.eq(kind.as_str()))
            .filter(event_snapshots::stale.eq(false))
            .filter(
                event_snapshots::ready_generation
                    .is_null()
                    .or(event_snapshots::ready_generation
                        .ne(event_snapshots::generation.nullable())),
            )
            .filter(event_snapshots::refreshing_until.gt(diesel::dsl::now)),
    ))
    .get_result(conn)
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
        "UPDATE event_snapshots SET ready_generation = generation, body = $3, refreshed_at = now(),
                refreshing_until = NULL, format_version = $4
         WHERE event_id = $1 AND kind = 'report' AND generation = $2 AND NOT stale",
    )
    .bind::<SqlUuid, _>(event_id)
    .bind::<BigInt, _>(refresh.generation)
    .bind::<Bytea, _>(body)
    .bind::<Integer, _>(FORMAT_VERSION)
    .execute(conn)
    .map(|n| n == 1)
}

/// Step 3 for the results, inside the caller's transaction: takes the snapshot row (a write arriving now waits
/// for the commit, then marks it stale), and if the refresh is still current makes the event's stored lines
/// `rows` (every line of the event, in the order of the list): lines that changed are updated, others left as
/// they are (a check-in changes one line of 500), lines of officers no longer approved deleted. Returns whether
/// it stored.
pub fn store_results(
    conn: &mut PgConnection,
    event_id: Uuid,
    refresh: Refresh,
    rows: &[ResultRow],
) -> QueryResult<bool> {
    /// A line as stored: the row and its position in the list.
    #[derive(Serialize)]
    struct Stored<'a> {
        position: usize,
        #[serde(flatten)]
        row: &'a ResultRow,
    }
    let current = diesel::sql_query(
        "UPDATE event_snapshots SET ready_generation = generation, refreshed_at = now(), refreshing_until = NULL,
                line_count = $3, format_version = $4
         WHERE event_id = $1 AND kind = 'results' AND generation = $2 AND NOT stale",
    )
    .bind::<SqlUuid, _>(event_id)
    .bind::<BigInt, _>(refresh.generation)
    .bind::<BigInt, _>(rows.len() as i64)
    .bind::<Integer, _>(FORMAT_VERSION)
    .execute(conn)?;
    if current != 1 {
        return Ok(false);
    }
    let updates = RESULT_COLUMNS
        .split(", ")
        .filter(|c| *c != "enrollment_id")
        .map(|c| format!("{c} = EXCLUDED.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let lines: Vec<Stored> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| Stored {
            position: i + 1,
            row,
        })
        .collect();
    let lines = serde_json::to_value(&lines)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::sql_query(format!(
        "WITH new AS (SELECT * FROM jsonb_populate_recordset(NULL::event_result_rows, $2)),
              gone AS (DELETE FROM event_result_rows r
                       WHERE r.event_id = $1 AND NOT EXISTS (SELECT 1 FROM new WHERE new.enrollment_id = r.enrollment_id))
         INSERT INTO event_result_rows AS r (event_id, position, {RESULT_COLUMNS})
         SELECT $1, position, {RESULT_COLUMNS} FROM new
         ON CONFLICT (event_id, enrollment_id) DO UPDATE SET position = EXCLUDED.position, {updates}
         WHERE (r.*) IS DISTINCT FROM (EXCLUDED.*)"
    ))
    .bind::<SqlUuid, _>(event_id)
    .bind::<Jsonb, _>(lines)
    .execute(conn)?;
    Ok(true)
}

/// A stored result line, as `event_result_rows` holds it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = event_result_rows)]
#[diesel(check_for_backend(diesel::pg::Pg))]
struct Line {
    enrollment_id: Uuid,
    participant_id: Uuid,
    full_name: String,
    name_search: String,
    nip: Option<String>,
    erased_at: Option<DateTime<Utc>>,
    unit_id: Uuid,
    unit_name: String,
    sessions_total: i64,
    sessions_attended: i64,
    attendance_rate: f64,
    jp_earned: i64,
    jp_minutes: i64,
    pre_score: Option<f64>,
    post_score: Option<f64>,
    practical_score: Option<f64>,
    attendance_threshold: f64,
    pass_score: f64,
    outcome: Outcome,
}

impl Line {
    fn into_row(self, total: i64) -> ResultRow {
        ResultRow {
            enrollment_id: self.enrollment_id,
            participant_id: self.participant_id,
            full_name: self.full_name,
            name_search: self.name_search,
            nip: self.nip,
            erased_at: self.erased_at,
            unit_id: self.unit_id,
            unit_name: self.unit_name,
            sessions_total: self.sessions_total,
            sessions_attended: self.sessions_attended,
            attendance_rate: self.attendance_rate,
            jp_earned: self.jp_earned,
            jp_minutes: self.jp_minutes,
            pre_score: self.pre_score,
            post_score: self.post_score,
            practical_score: self.practical_score,
            attendance_threshold: self.attendance_threshold,
            pass_score: self.pass_score,
            outcome: self.outcome,
            total,
        }
    }
}

/// The stored lines of an event that the filter lets through.
fn filtered<'a, ST: 'a>(
    query: event_result_rows::BoxedQuery<'a, Pg, ST>,
    event_id: Uuid,
    filter: &ResultFilter,
) -> event_result_rows::BoxedQuery<'a, Pg, ST> {
    let mut query = query.filter(event_result_rows::event_id.eq(event_id));
    for unit in [filter.scope.unit_id, filter.unit_id].into_iter().flatten() {
        query = query.filter(event_result_rows::unit_id.eq(unit));
    }
    if let Some(participant) = filter.scope.participant_id {
        query = query.filter(event_result_rows::participant_id.eq(participant));
    }
    if let Some(outcome) = filter.outcome {
        query = query.filter(event_result_rows::outcome.eq(outcome));
    }
    query
}

/// A page of the stored results of an event, ordered by name then enrollment, as the filter allows, each with
/// the number of lines the filter lets through as `total`; `None` when the stored lines are not valid. One
/// snapshot for all of it; without a filter the page is a range of positions and the total is stored, so a page
/// costs the same in an event of 2,000 officers as in one of 500.
pub fn results_page(
    conn: &mut PgConnection,
    event_id: Uuid,
    filter: &ResultFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<Option<Vec<ResultRow>>> {
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(|conn| {
            let Some(line_count) = valid_snapshot!(event_id, Kind::Results.as_str())
                .select(event_snapshots::line_count)
                .first::<Option<i64>>(conn)
                .optional()?
            else {
                return Ok(None);
            };
            let unfiltered = filter.scope.unit_id.is_none()
                && filter.scope.participant_id.is_none()
                && filter.unit_id.is_none()
                && filter.outcome.is_none();
            let query = filtered(
                event_result_rows::table
                    .select(Line::as_select())
                    .into_boxed(),
                event_id,
                filter,
            )
            .order(event_result_rows::position)
            .limit(limit);
            let lines: Vec<Line> = if unfiltered {
                query
                    .filter(event_result_rows::position.gt(offset))
                    .load(conn)?
            } else {
                query.offset(offset).load(conn)?
            };
            let total = match line_count {
                Some(count) if unfiltered => count,
                _ if lines.is_empty() && offset == 0 => 0,
                _ => filtered(
                    event_result_rows::table.select(count_star()).into_boxed(),
                    event_id,
                    filter,
                )
                .get_result(conn)?,
            };
            Ok(Some(lines.into_iter().map(|l| l.into_row(total)).collect()))
        })
}
