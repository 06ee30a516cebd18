//! Results of an event's approved officers in one aggregate query: attendance (present or late count), JP
//! earned, the pre, post and practical scores, and the event's rules. The outcome shown is decided by
//! `domain::result` from these figures; the query also computes it (`outcome`, [`OUTCOME_SQL`]), with the same
//! rule on the same rounded figures, so that lists can be filtered by it and reports can count it in SQL (a test
//! checks the two agree over a grid of figures).
//!
//! [`results_ctes`] is the shared core: the per-officer figures of a set of events, as common table expressions
//! ending in `o` (one row per approved enrollment, with `outcome`). The event report, the program and unit reports
//! and the CSV exports all read it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::enums::{EventStatus, Outcome};
use crate::domain::result::ResultInputs;
use crate::repo::attendance::Scope;

/// The common table expressions of the per-officer results of the events matching `event_filter` (a condition on
/// `events`, written by this module only, with bind parameters). The last one, `o`, has one row per approved
/// enrollment: `event_id, enrollment_id, participant_id, full_name, name_search, nip, erased_at, unit_id,
/// unit_name, sessions_total, sessions_attended, attendance_rate, jp_earned, pre_score, post_score,
/// practical_score, attendance_threshold, pass_score, jp_minutes, outcome`.
///
/// The outcome is [`OUTCOME_SQL`].
pub fn results_ctes(event_filter: &str) -> String {
    officer_ctes(
        event_filter,
        "SELECT e.event_id, e.id AS enrollment_id, e.participant_id, p.full_name, p.name_search, p.nip,
                p.erased_at, p.unit_id
         FROM ev
         JOIN enrollments e ON e.event_id = ev.id AND e.status = 'approved'
         JOIN participants p ON p.id = e.participant_id",
        // every officer of the events: attendance is read session by session
        "SELECT a.enrollment_id, count(*) AS attended, sum(s.jp) AS jp
         FROM ev
         JOIN sessions s ON s.event_id = ev.id
         JOIN attendance a ON a.session_id = s.id AND a.status IN ('present', 'late')
         GROUP BY a.enrollment_id",
    )
}

/// [`results_ctes`] restricted to some officers of the events: `officer_filter` is a condition on the enrollment `e`
/// and the participant `p` (`e.participant_id = $1`, `p.unit_id = $1`, with bind parameters, written by the
/// repositories only). Their attendance is read enrollment by enrollment, so an officer's ledger or a unit's list
/// costs what their own rows cost, not what every officer of their events costs; each row is the one
/// [`results_ctes`] gives for that enrollment.
pub fn officer_results_ctes(event_filter: &str, officer_filter: &str) -> String {
    officer_ctes(
        event_filter,
        &format!(
            "SELECT e.event_id, e.id AS enrollment_id, e.participant_id, p.full_name, p.name_search, p.nip,
                    p.erased_at, p.unit_id
             FROM ev
             JOIN enrollments e ON e.event_id = ev.id AND e.status = 'approved'
             JOIN participants p ON p.id = e.participant_id
             WHERE {officer_filter}"
        ),
        "SELECT a.enrollment_id, count(*) AS attended, sum(s.jp) AS jp
         FROM base
         JOIN attendance a ON a.enrollment_id = base.enrollment_id AND a.status IN ('present', 'late')
         JOIN sessions s ON s.id = a.session_id
         GROUP BY a.enrollment_id",
    )
}

/// Whose result lines [`figures`] reads.
#[derive(Debug, Clone, Copy)]
pub enum Officers {
    One(Uuid),
    Unit(Uuid),
    All,
}

impl Officers {
    /// The officer's id or the unit's (bound as `$1`), and the condition on the participant `p` over it.
    fn condition(self) -> (Option<Uuid>, &'static str) {
        match self {
            Officers::One(id) => (Some(id), "p.id = $1"),
            Officers::Unit(id) => (Some(id), "p.unit_id = $1"),
            Officers::All => (None, "$1::uuid IS NULL"),
        }
    }

    /// A condition on the stored result line `r`: it is one of these officers'.
    fn stored_lines(self) -> &'static str {
        match self {
            Officers::One(_) => "r.participant_id = $1",
            Officers::Unit(_) => {
                "r.participant_id = ANY (ARRAY(SELECT id FROM participants WHERE unit_id = $1))"
            }
            Officers::All => "$1::uuid IS NULL",
        }
    }

    /// A condition on the event `x`: an approved enrollment of these officers is in it.
    fn in_event(self) -> &'static str {
        match self {
            Officers::One(_) => {
                "x.id IN (SELECT event_id FROM enrollments WHERE participant_id = $1 AND status = 'approved')"
            }
            Officers::Unit(_) => {
                "EXISTS (SELECT 1 FROM enrollments e JOIN participants q ON q.id = e.participant_id
                         WHERE e.event_id = x.id AND e.status = 'approved' AND q.unit_id = $1)"
            }
            Officers::All => {
                "$1::uuid IS NULL AND EXISTS (SELECT 1 FROM enrollments e WHERE e.event_id = x.id AND e.status = 'approved')"
            }
        }
    }
}

/// A condition on the event `x` over the bind `$2` (a year or null): it is not a draft, and ends in the year.
const EVENTS_OF_YEAR: &str = "x.status <> 'draft' AND ($2::int4 IS NULL OR (x.ends_on >= make_date($2, 1, 1) \
     AND x.ends_on < make_date($2 + 1, 1, 1)))";

/// A condition on the event `x`: its stored result lines are valid.
fn lines_valid() -> String {
    format!(
        "EXISTS (SELECT 1 FROM event_snapshots s WHERE s.event_id = x.id AND s.kind = 'results' AND NOT s.stale
                 AND s.ready_generation = s.generation AND s.format_version = {})",
        crate::repo::snapshots::FORMAT_VERSION
    )
}

/// The events that are not drafts, ending in `year` (any year when `None`), with an approved enrollment of
/// `officers`, whose stored result lines are not valid: those [`figures`] computes, and the ones a reader over many
/// events refreshes first (`service::snapshots::refresh_results_of`). By last day.
pub fn stale_events(
    conn: &mut PgConnection,
    officers: Officers,
    year: Option<i32>,
) -> QueryResult<Vec<Uuid>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let (who, _) = officers.condition();
    let ids: Vec<Id> = diesel::sql_query(format!(
        "SELECT x.id FROM events x WHERE {EVENTS_OF_YEAR} AND NOT {} AND {} ORDER BY x.ends_on, x.id",
        lines_valid(),
        officers.in_event()
    ))
    .bind::<Nullable<SqlUuid>, _>(who)
    .bind::<Nullable<diesel::sql_types::Integer>, _>(year)
    .load(conn)?;
    Ok(ids.into_iter().map(|i| i.id).collect())
}

/// One officer's figures in one event, as the lists over many events need them.
#[derive(Debug, Clone, QueryableByName)]
pub struct LineFigures {
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub event_status: EventStatus,
    #[diesel(sql_type = SqlUuid)]
    pub enrollment_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub participant_id: Uuid,
    #[diesel(sql_type = Double)]
    pub attendance_rate: f64,
    #[diesel(sql_type = BigInt)]
    pub jp_earned: i64,
    /// As [`OUTCOME_SQL`] computes it.
    #[diesel(sql_type = Text)]
    pub outcome: Outcome,
}

/// The figures of every approved enrollment of `officers` in the events that are not drafts and end in `year` (any
/// year when `None`): read from the events' stored result lines where they are valid, and computed by
/// [`officer_results_ctes`] for these officers alone in the others. All on one snapshot (a read-only REPEATABLE
/// READ transaction), so every event is either read or computed, never both or neither. Once the lines are valid (a
/// results page or a compliance read refreshed them), an officer's year or a unit's costs an index read of stored
/// lines instead of an aggregation over attendance, and small queries that plan in microseconds.
pub fn figures(
    conn: &mut PgConnection,
    officers: Officers,
    year: Option<i32>,
) -> QueryResult<Vec<LineFigures>> {
    let (who, condition) = officers.condition();
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(|conn| {
            let stale = stale_events(conn, officers, year)?;
            // Two small materialized sets joined by hash: the valid events of the year (an officer's alone for
            // one officer), and the officers' stored lines by the officer index. Planned as one join, PostgreSQL
            // drove it from the events and read every line of the year (75,000 for one unit of 500 officers).
            let restrict = match officers {
                Officers::One(_) => format!("AND {}", officers.in_event()),
                Officers::Unit(_) | Officers::All => String::new(),
            };
            let mut lines: Vec<LineFigures> = diesel::sql_query(format!(
                "WITH valid AS MATERIALIZED (
                     SELECT x.id, x.status FROM events x WHERE {EVENTS_OF_YEAR} AND {} {restrict}),
                 mine AS MATERIALIZED (
                     SELECT r.event_id, r.enrollment_id, r.participant_id, r.attendance_rate, r.jp_earned, r.outcome
                     FROM event_result_rows r WHERE {})
                 SELECT m.event_id, v.status AS event_status, m.enrollment_id, m.participant_id, m.attendance_rate,
                        m.jp_earned, m.outcome
                 FROM mine m JOIN valid v ON v.id = m.event_id",
                lines_valid(),
                officers.stored_lines()
            ))
            .bind::<Nullable<SqlUuid>, _>(who)
            .bind::<Nullable<diesel::sql_types::Integer>, _>(year)
            .load(conn)?;
            if !stale.is_empty() {
                let computed: Vec<LineFigures> = diesel::sql_query(format!(
                    "WITH {}
                     SELECT o.event_id, x.status AS event_status, o.enrollment_id, o.participant_id,
                            o.attendance_rate, o.jp_earned, o.outcome
                     FROM o JOIN events x ON x.id = o.event_id",
                    officer_results_ctes("id = ANY($2)", condition)
                ))
                .bind::<Nullable<SqlUuid>, _>(who)
                .bind::<diesel::sql_types::Array<SqlUuid>, _>(&stale)
                .load(conn)?;
                lines.extend(computed);
            }
            Ok(lines)
        })
}

/// The outcome rule of `domain::result::ResultInputs::outcome` in SQL, over the columns `attendance_rate`,
/// `attendance_threshold`, `post_score` and `pass_score` (float8): `not_completed` below the event's attendance
/// threshold, else `certificate` when the event needs no test (pass score 0) or the post score reaches the pass
/// score, else `attendance_letter`. The query computes it so that lists can be filtered by it and reports can count
/// it in SQL; the test `outcome_rule` evaluates this expression over a grid of rates, thresholds and scores
/// against PostgreSQL and checks that it agrees with the Rust rule everywhere.
pub const OUTCOME_SQL: &str = "CASE WHEN attendance_rate < attendance_threshold THEN 'not_completed' \
     WHEN pass_score <= 0 OR post_score >= pass_score THEN 'certificate' \
     ELSE 'attendance_letter' END";

/// The results CTEs over the officers `base` selects (a query over `ev` yielding `event_id, enrollment_id,
/// participant_id, full_name, name_search, nip, erased_at, unit_id`), with attendance counted by `att`.
fn officer_ctes(event_filter: &str, base: &str, att: &str) -> String {
    format!(
        "ev AS (SELECT id, attendance_threshold::float8 AS threshold, pass_score::float8 AS pass_score, jp_minutes
                FROM events WHERE {event_filter}),
         base AS ({base}),
         total AS (SELECT s.event_id, count(*) AS n FROM ev JOIN sessions s ON s.event_id = ev.id GROUP BY s.event_id),
         att AS ({att}),
         sc AS (
             SELECT sc.enrollment_id,
                    max(sc.score) FILTER (WHERE sc.kind = 'pre_test') AS pre_score,
                    max(sc.score) FILTER (WHERE sc.kind = 'post_test') AS post_score,
                    max(sc.score) FILTER (WHERE sc.kind = 'practical') AS practical_score
             FROM base
             JOIN scores sc ON sc.enrollment_id = base.enrollment_id
             GROUP BY sc.enrollment_id),
         r AS (
             SELECT b.event_id, b.enrollment_id, b.participant_id, b.full_name, b.name_search, b.nip,
                    b.erased_at, b.unit_id, u.name AS unit_name,
                    coalesce(total.n, 0) AS sessions_total,
                    coalesce(att.attended, 0) AS sessions_attended,
                    CASE WHEN coalesce(total.n, 0) = 0 THEN 0::float8
                         ELSE round(coalesce(att.attended, 0) * 1000.0 / total.n)::float8 / 10 END AS attendance_rate,
                    coalesce(att.jp, 0)::int8 AS jp_earned,
                    sc.pre_score, sc.post_score, sc.practical_score,
                    ev.threshold AS attendance_threshold, ev.pass_score, ev.jp_minutes::int8 AS jp_minutes
             FROM base b
             JOIN ev ON ev.id = b.event_id
             JOIN units u ON u.id = b.unit_id
             LEFT JOIN total ON total.event_id = ev.id
             LEFT JOIN att ON att.enrollment_id = b.enrollment_id
             LEFT JOIN sc ON sc.enrollment_id = b.enrollment_id),
         o AS (SELECT r.*, {OUTCOME_SQL} AS outcome FROM r)"
    )
}

/// Serialized (with the names of its columns) when stored as a snapshot line (`repo::snapshots`).
#[derive(Debug, Clone, QueryableByName, Serialize)]
pub struct ResultRow {
    #[diesel(sql_type = SqlUuid)]
    pub enrollment_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub participant_id: Uuid,
    #[diesel(sql_type = Text)]
    pub full_name: String,
    /// The sort key (for keyset pages).
    #[diesel(sql_type = Text)]
    pub name_search: String,
    /// Null after an erasure.
    #[diesel(sql_type = Nullable<Text>)]
    pub nip: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub erased_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = SqlUuid)]
    pub unit_id: Uuid,
    #[diesel(sql_type = Text)]
    pub unit_name: String,
    #[diesel(sql_type = BigInt)]
    pub sessions_total: i64,
    #[diesel(sql_type = BigInt)]
    pub sessions_attended: i64,
    /// Percent with one decimal.
    #[diesel(sql_type = Double)]
    pub attendance_rate: f64,
    #[diesel(sql_type = BigInt)]
    pub jp_earned: i64,
    /// Minutes of one JP in this event.
    #[diesel(sql_type = BigInt)]
    pub jp_minutes: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub pre_score: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub post_score: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub practical_score: Option<f64>,
    #[diesel(sql_type = Double)]
    pub attendance_threshold: f64,
    #[diesel(sql_type = Double)]
    pub pass_score: f64,
    /// The outcome as SQL computed it (for filters); the API shows `inputs().outcome()`.
    #[diesel(sql_type = Text)]
    pub outcome: Outcome,
    /// Lines before paging.
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

impl ResultRow {
    pub fn inputs(&self) -> ResultInputs {
        ResultInputs {
            attendance_rate: self.attendance_rate,
            attendance_threshold: self.attendance_threshold,
            post_score: self.post_score,
            pass_score: self.pass_score,
        }
    }
}

/// Filters of the results list.
#[derive(Debug, Clone, Default)]
pub struct ResultFilter {
    /// Who the caller may see.
    pub scope: Scope,
    /// Only officers of this unit.
    pub unit_id: Option<Uuid>,
    /// Only this outcome.
    pub outcome: Option<Outcome>,
}

/// Where a page starts: offset paging for the API, or after a key (name, enrollment) for the exports.
#[derive(Debug, Clone)]
pub enum PageStart {
    Offset(i64),
    After(Option<(String, Uuid)>),
}

/// The results of an event's approved officers, ordered by name then enrollment, as the filter allows.
///
/// Without an outcome filter the page of officers is chosen first (an index walk over the event's enrollments) and
/// the figures are computed for that page only, so a page costs about the same in an event of 2,000 officers as
/// in one of 500; the total is a separate count. Filtering by outcome needs every officer's figures first.
pub fn for_event(
    conn: &mut PgConnection,
    event_id: Uuid,
    filter: &ResultFilter,
    limit: i64,
    start: PageStart,
) -> QueryResult<Vec<ResultRow>> {
    let (offset, after) = match start {
        PageStart::Offset(offset) => (offset, None),
        PageStart::After(after) => (0, after),
    };
    let (after_name, after_id) = after.unzip();
    // $2 the caller's unit, $3 the caller as officer, $4 the unit filter, $5 the outcome, $6/$7 the keyset start
    let officers = "FROM enrollments e
         JOIN participants p ON p.id = e.participant_id
         WHERE e.event_id = $1 AND e.status = 'approved'
           AND ($2::uuid IS NULL OR p.unit_id = $2)
           AND ($3::uuid IS NULL OR e.participant_id = $3)
           AND ($4::uuid IS NULL OR p.unit_id = $4)";
    let sql = if filter.outcome.is_none() {
        let ctes = officer_ctes(
            "id = $1",
            &format!(
                "SELECT e.event_id, e.id AS enrollment_id, e.participant_id, p.full_name, p.name_search, p.nip,
                        p.erased_at, p.unit_id
                 {officers}
                   AND $5::text IS NULL
                   AND ($6::text IS NULL OR (p.name_search, e.id) > ($6, $7::uuid))
                 ORDER BY p.name_search, e.id
                 LIMIT $8 OFFSET $9"
            ),
            // only the page's officers: attendance is read by enrollment
            "SELECT a.enrollment_id, count(*) AS attended, sum(s.jp) AS jp
             FROM base
             JOIN attendance a ON a.enrollment_id = base.enrollment_id AND a.status IN ('present', 'late')
             JOIN sessions s ON s.id = a.session_id
             GROUP BY a.enrollment_id",
        );
        format!(
            "WITH {ctes}
             SELECT {RESULT_COLUMNS}, (SELECT count(*) {officers}) AS total
             FROM o
             ORDER BY name_search, enrollment_id"
        )
    } else {
        format!(
            "WITH {}
             SELECT {RESULT_COLUMNS}, count(*) OVER () AS total
             FROM o
             WHERE ($2::uuid IS NULL OR unit_id = $2)
               AND ($3::uuid IS NULL OR participant_id = $3)
               AND ($4::uuid IS NULL OR unit_id = $4)
               AND ($5::text IS NULL OR outcome = $5)
               AND ($6::text IS NULL OR (name_search, enrollment_id) > ($6, $7::uuid))
             ORDER BY name_search, enrollment_id
             LIMIT $8 OFFSET $9",
            results_ctes("id = $1")
        )
    };
    diesel::sql_query(sql)
        .bind::<SqlUuid, _>(event_id)
        .bind::<Nullable<SqlUuid>, _>(filter.scope.unit_id)
        .bind::<Nullable<SqlUuid>, _>(filter.scope.participant_id)
        .bind::<Nullable<SqlUuid>, _>(filter.unit_id)
        .bind::<Nullable<Text>, _>(filter.outcome)
        .bind::<Nullable<Text>, _>(after_name)
        .bind::<Nullable<SqlUuid>, _>(after_id)
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(offset)
        .load(conn)
}

/// Every approved officer's results of an event, by name then enrollment (the lines of a results snapshot).
pub fn all_for_event(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Vec<ResultRow>> {
    diesel::sql_query(format!(
        "WITH {}
         SELECT {RESULT_COLUMNS}, count(*) OVER () AS total
         FROM o
         ORDER BY name_search, enrollment_id",
        results_ctes("id = $1")
    ))
    .bind::<SqlUuid, _>(event_id)
    .load(conn)
}

/// The columns of a [`ResultRow`] but its total, as `o` has them.
pub(crate) const RESULT_COLUMNS: &str = "enrollment_id, participant_id, full_name, name_search, nip, erased_at, unit_id, \
     unit_name, sessions_total, sessions_attended, attendance_rate, jp_earned, jp_minutes, pre_score, post_score, \
     practical_score, attendance_threshold, pass_score, outcome";
