//! The aggregate queries of the reports: one event (enrollments, attendance per session and per unit, scores and
//! outcomes, Likert summaries, facilitator and session means, comments), a program's events, and a unit's officers
//! over a year. A handful of queries per report, none per officer; the per-officer figures come from
//! `repo::results::results_ctes`.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{
    BigInt, Bool, Date, Double, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use uuid::Uuid;

use crate::domain::enums::{
    EnrollmentStatus, EventStatus, InstrumentKind, Outcome, QuestionType, RespondentKind,
};
use crate::repo::results::{officer_results_ctes, results_ctes};
use crate::schema::events;

/// The instrument kinds whose Likert questions and comments the event report summarises.
const EVALUATION_KINDS: &str = "('event_evaluation', 'facilitator_evaluation', 'follow_up')";

/// The scale (4 or 5) of a Likert question `q`, from its settings.
const LIKERT_SCALE: &str = "CASE WHEN jsonb_typeof(q.settings -> 'scale') = 'number' THEN (q.settings ->> 'scale')::numeric::int END";

/// Over Likert answers `a` of instruments `i`: the sums and counts of Kirkpatrick levels 1 (the evaluations) and 3
/// (the follow-ups), as the columns of [`LevelFigures`].
const LEVEL_SUMS: &str = "count(a.value_number) FILTER (WHERE i.kind <> 'follow_up') AS reaction_n, \
     sum(a.value_number) FILTER (WHERE i.kind <> 'follow_up') AS reaction_sum, \
     count(a.value_number) FILTER (WHERE i.kind = 'follow_up') AS behavior_n, \
     sum(a.value_number) FILTER (WHERE i.kind = 'follow_up') AS behavior_sum";

/// The event a report is about, with its rules.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events, check_for_backend(diesel::pg::Pg))]
pub struct ReportEventRow {
    pub id: Uuid,
    pub title: String,
    pub status: EventStatus,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub attendance_threshold: i16,
    pub pass_score: i16,
    pub jp_minutes: i16,
}

pub fn event(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Option<ReportEventRow>> {
    events::table
        .find(event_id)
        .select(ReportEventRow::as_select())
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, QueryableByName)]
pub struct StatusCount {
    #[diesel(sql_type = Text)]
    pub status: EnrollmentStatus,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

pub fn enrollment_counts(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Vec<StatusCount>> {
    diesel::sql_query(
        "SELECT status, count(*) AS n FROM enrollments WHERE event_id = $1 GROUP BY status ORDER BY status",
    )
    .bind::<SqlUuid, _>(event_id)
    .load(conn)
}

/// Attendance of one session among the approved officers.
#[derive(Debug, Clone, QueryableByName)]
pub struct SessionAttendance {
    #[diesel(sql_type = SqlUuid)]
    pub session_id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    pub jp: i64,
    #[diesel(sql_type = BigInt)]
    pub officers: i64,
    #[diesel(sql_type = BigInt)]
    pub present: i64,
    #[diesel(sql_type = BigInt)]
    pub late: i64,
    #[diesel(sql_type = BigInt)]
    pub excused: i64,
    #[diesel(sql_type = BigInt)]
    pub sick: i64,
    #[diesel(sql_type = BigInt)]
    pub absent: i64,
    /// Percent of the approved officers present or late, one decimal.
    #[diesel(sql_type = Double)]
    pub rate: f64,
}

pub fn attendance_per_session(
    conn: &mut PgConnection,
    event_id: Uuid,
) -> QueryResult<Vec<SessionAttendance>> {
    diesel::sql_query(
        "WITH appr AS (SELECT count(*) AS n FROM enrollments WHERE event_id = $1 AND status = 'approved'),
         a AS (
             SELECT a.session_id, a.status
             FROM attendance a
             JOIN enrollments e ON e.id = a.enrollment_id AND e.status = 'approved'
             WHERE e.event_id = $1)
         SELECT s.id AS session_id, s.title, s.kind, s.starts_at, s.jp::int8 AS jp, appr.n AS officers,
                count(*) FILTER (WHERE a.status = 'present') AS present,
                count(*) FILTER (WHERE a.status = 'late') AS late,
                count(*) FILTER (WHERE a.status = 'excused') AS excused,
                count(*) FILTER (WHERE a.status = 'sick') AS sick,
                count(*) FILTER (WHERE a.status = 'absent') AS absent,
                CASE WHEN appr.n = 0 THEN 0::float8
                     ELSE round(count(*) FILTER (WHERE a.status IN ('present', 'late')) * 1000.0 / appr.n)::float8 / 10
                END AS rate
         FROM sessions s
         CROSS JOIN appr
         LEFT JOIN a ON a.session_id = s.id
         WHERE s.event_id = $1
         GROUP BY s.id, appr.n
         ORDER BY s.starts_at, s.id",
    )
    .bind::<SqlUuid, _>(event_id)
    .load(conn)
}

/// Attendance of a unit's approved officers (`unit_id` null: all officers of the event).
#[derive(Debug, Clone, QueryableByName)]
pub struct UnitAttendance {
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub unit_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub unit_name: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub officers: i64,
    #[diesel(sql_type = BigInt)]
    pub attended: i64,
    /// Officers x sessions.
    #[diesel(sql_type = BigInt)]
    pub possible: i64,
    /// `attended / possible` in percent, one decimal.
    #[diesel(sql_type = Double)]
    pub rate: f64,
}

pub fn attendance_per_unit(
    conn: &mut PgConnection,
    event_id: Uuid,
) -> QueryResult<Vec<UnitAttendance>> {
    diesel::sql_query(format!(
        "WITH {}
         SELECT unit_id, unit_name, count(*) AS officers,
                coalesce(sum(sessions_attended), 0)::int8 AS attended,
                coalesce(sum(sessions_total), 0)::int8 AS possible,
                CASE WHEN coalesce(sum(sessions_total), 0) = 0 THEN 0::float8
                     ELSE round(sum(sessions_attended) * 1000.0 / sum(sessions_total))::float8 / 10 END AS rate
         FROM o
         GROUP BY GROUPING SETS ((unit_id, unit_name), ())
         ORDER BY unit_name NULLS FIRST, unit_id",
        results_ctes("id = $1")
    ))
    .bind::<SqlUuid, _>(event_id)
    .load(conn)
}

/// Scores, gains and outcomes of an event's approved officers.
#[derive(Debug, Clone, QueryableByName)]
pub struct Learning {
    #[diesel(sql_type = BigInt)]
    pub officers: i64,
    #[diesel(sql_type = BigInt)]
    pub pre_n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub pre_mean: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub post_n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub post_mean: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub paired_n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean_gain: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean_normalized_gain: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub passed: i64,
    #[diesel(sql_type = BigInt)]
    pub practical_n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub practical_mean: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub certificate: i64,
    #[diesel(sql_type = BigInt)]
    pub attendance_letter: i64,
    #[diesel(sql_type = BigInt)]
    pub not_completed: i64,
}

pub fn learning(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Learning> {
    diesel::sql_query(format!(
        "WITH {}
         SELECT count(*) AS officers,
                count(pre_score) AS pre_n, avg(pre_score) AS pre_mean,
                count(post_score) AS post_n, avg(post_score) AS post_mean,
                count(*) FILTER (WHERE pre_score IS NOT NULL AND post_score IS NOT NULL) AS paired_n,
                avg(post_score - pre_score) AS mean_gain,
                avg((post_score - pre_score) / (100 - pre_score)) FILTER (WHERE pre_score < 100) AS mean_normalized_gain,
                count(*) FILTER (WHERE post_score >= pass_score) AS passed,
                count(practical_score) AS practical_n, avg(practical_score) AS practical_mean,
                count(*) FILTER (WHERE outcome = 'certificate') AS certificate,
                count(*) FILTER (WHERE outcome = 'attendance_letter') AS attendance_letter,
                count(*) FILTER (WHERE outcome = 'not_completed') AS not_completed
         FROM o",
        results_ctes("id = $1")
    ))
    .bind::<SqlUuid, _>(event_id)
    .get_result(conn)
}

/// An evaluation instrument of the event and how many responses it has.
#[derive(Debug, Clone, QueryableByName)]
pub struct InstrumentSummary {
    #[diesel(sql_type = SqlUuid)]
    pub instrument_id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: InstrumentKind,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Bool)]
    pub anonymous: bool,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub session_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub facilitator_id: Option<Uuid>,
    #[diesel(sql_type = BigInt)]
    pub responses: i64,
}

pub fn evaluation_instruments(
    conn: &mut PgConnection,
    event_id: Uuid,
) -> QueryResult<Vec<InstrumentSummary>> {
    diesel::sql_query(format!(
        "SELECT i.id AS instrument_id, i.kind, i.title, i.anonymous, i.session_id, i.facilitator_id,
                (SELECT count(*) FROM responses r WHERE r.instrument_id = i.id) AS responses
         FROM instruments i
         WHERE i.event_id = $1 AND i.kind IN {EVALUATION_KINDS}
         ORDER BY i.created_at, i.id"
    ))
    .bind::<SqlUuid, _>(event_id)
    .load(conn)
}

/// One value of a Likert question's distribution, with the question's n and mean (`value` null: no answers yet).
#[derive(Debug, Clone, QueryableByName)]
pub struct LikertCount {
    #[diesel(sql_type = SqlUuid)]
    pub instrument_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub question_id: Uuid,
    #[diesel(sql_type = Integer)]
    pub position: i32,
    #[diesel(sql_type = Text)]
    pub prompt: String,
    #[diesel(sql_type = Nullable<Integer>)]
    pub scale: Option<i32>,
    #[diesel(sql_type = Nullable<Double>)]
    pub value: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean: Option<f64>,
}

pub fn likert(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Vec<LikertCount>> {
    diesel::sql_query(format!(
        "WITH c AS (
             SELECT i.id AS instrument_id, i.created_at, q.id AS question_id, q.position, q.prompt,
                    {LIKERT_SCALE} AS scale,
                    a.value_number AS value, count(a.response_id) AS count
             FROM instruments i
             JOIN questions q ON q.instrument_id = i.id AND q.question_type = 'likert'
             LEFT JOIN answers a ON a.question_id = q.id AND a.value_number IS NOT NULL
             WHERE i.event_id = $1 AND i.kind IN {EVALUATION_KINDS}
             GROUP BY i.id, q.id, a.value_number)
         SELECT instrument_id, question_id, position, prompt, scale, value, count,
                sum(count) OVER (PARTITION BY question_id)::int8 AS n,
                sum(value * count) OVER (PARTITION BY question_id)
                    / nullif(sum(count) OVER (PARTITION BY question_id), 0) AS mean
         FROM c
         ORDER BY created_at, instrument_id, position, question_id, value"
    ))
    .bind::<SqlUuid, _>(event_id)
    .load(conn)
}

/// The Likert distributions of the follow-ups, per respondent kind (alumnus, supervisor): the rows of [`likert`]
/// for each kind that answered.
#[derive(Debug, Clone, QueryableByName)]
pub struct RespondentLikertCount {
    #[diesel(sql_type = Text)]
    pub respondent_kind: RespondentKind,
    #[diesel(sql_type = BigInt)]
    pub responses: i64,
    #[diesel(embed)]
    pub count: LikertCount,
}

pub fn likert_by_respondent(
    conn: &mut PgConnection,
    event_id: Uuid,
) -> QueryResult<Vec<RespondentLikertCount>> {
    diesel::sql_query(format!(
        "WITH kinds AS (
             SELECT r.instrument_id, r.respondent_kind, count(*) AS responses
             FROM responses r JOIN instruments i ON i.id = r.instrument_id
             WHERE i.event_id = $1 AND i.kind = 'follow_up'
             GROUP BY r.instrument_id, r.respondent_kind),
         c AS (
             SELECT k.respondent_kind, k.responses, i.id AS instrument_id, i.created_at, q.id AS question_id,
                    q.position, q.prompt,
                    {LIKERT_SCALE} AS scale,
                    a.value_number AS value, count(a.response_id) AS count
             FROM kinds k
             JOIN instruments i ON i.id = k.instrument_id
             JOIN questions q ON q.instrument_id = i.id AND q.question_type = 'likert'
             LEFT JOIN (SELECT a.*, r.respondent_kind FROM answers a JOIN responses r ON r.id = a.response_id
                        WHERE a.value_number IS NOT NULL) a
                    ON a.question_id = q.id AND a.respondent_kind = k.respondent_kind
             GROUP BY k.respondent_kind, k.responses, i.id, q.id, a.value_number)
         SELECT respondent_kind, responses, instrument_id, question_id, position, prompt, scale, value, count,
                sum(count) OVER (PARTITION BY respondent_kind, question_id)::int8 AS n,
                sum(value * count) OVER (PARTITION BY respondent_kind, question_id)
                    / nullif(sum(count) OVER (PARTITION BY respondent_kind, question_id), 0) AS mean
         FROM c
         ORDER BY created_at, instrument_id, respondent_kind, position, question_id, value"
    ))
    .bind::<SqlUuid, _>(event_id)
    .load(conn)
}

/// A choice or number question of an evaluation, with its settings (the options and their labels) and how many
/// responses answered it.
#[derive(Debug, Clone, QueryableByName)]
pub struct EvaluationQuestion {
    #[diesel(sql_type = SqlUuid)]
    pub instrument_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub question_id: Uuid,
    #[diesel(sql_type = Integer)]
    pub position: i32,
    #[diesel(sql_type = Text)]
    pub prompt: String,
    #[diesel(sql_type = Text)]
    pub question_type: QuestionType,
    #[diesel(sql_type = Text)]
    pub settings: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    /// Number questions: the statistics of the answers (null without answers).
    #[diesel(sql_type = Nullable<Double>)]
    pub mean: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub median: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub min: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub max: Option<f64>,
}

pub fn evaluation_questions(
    conn: &mut PgConnection,
    event_id: Uuid,
) -> QueryResult<Vec<EvaluationQuestion>> {
    diesel::sql_query(format!(
        "SELECT i.id AS instrument_id, q.id AS question_id, q.position, q.prompt, q.question_type,
                q.settings::text AS settings,
                count(a.response_id) FILTER (WHERE a.value_number IS NOT NULL
                                                OR cardinality(a.value_options) > 0) AS n,
                avg(a.value_number) AS mean,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY a.value_number) AS median,
                min(a.value_number) AS min, max(a.value_number) AS max
         FROM instruments i
         JOIN questions q ON q.instrument_id = i.id
              AND q.question_type IN ('single_choice', 'multiple_choice', 'number')
         LEFT JOIN answers a ON a.question_id = q.id
         WHERE i.event_id = $1 AND i.kind IN {EVALUATION_KINDS}
         GROUP BY i.id, i.created_at, q.id
         ORDER BY i.created_at, i.id, q.position, q.id"
    ))
    .bind::<SqlUuid, _>(event_id)
    .load(conn)
}

/// How often each option of a choice question of an evaluation was chosen (options nobody chose are absent).
#[derive(Debug, Clone, QueryableByName)]
pub struct OptionChosen {
    #[diesel(sql_type = SqlUuid)]
    pub question_id: Uuid,
    #[diesel(sql_type = Text)]
    pub option_key: String,
    #[diesel(sql_type = BigInt)]
    pub count: i64,
}

pub fn options_chosen(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Vec<OptionChosen>> {
    diesel::sql_query(format!(
        "SELECT q.id AS question_id, o.key AS option_key, count(*) AS count
         FROM instruments i
         JOIN questions q ON q.instrument_id = i.id
              AND q.question_type IN ('single_choice', 'multiple_choice')
         JOIN answers a ON a.question_id = q.id
         CROSS JOIN LATERAL unnest(a.value_options) AS o(key)
         WHERE i.event_id = $1 AND i.kind IN {EVALUATION_KINDS} AND o.key IS NOT NULL
         GROUP BY q.id, o.key
         ORDER BY q.id, o.key"
    ))
    .bind::<SqlUuid, _>(event_id)
    .load(conn)
}

/// The mean Likert answer of the facilitator evaluations of one facilitator (`by_session` false) or one session.
#[derive(Debug, Clone, QueryableByName)]
pub struct TargetMean {
    #[diesel(sql_type = Bool)]
    pub by_session: bool,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub target_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub name: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub responses: i64,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean: Option<f64>,
}

pub fn facilitator_means(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Vec<TargetMean>> {
    diesel::sql_query(
        "SELECT grouping(i.session_id) = 0 AS by_session,
                coalesce(i.session_id, i.facilitator_id) AS target_id,
                CASE WHEN grouping(i.session_id) = 0 THEN min(s.title)
                     ELSE min(coalesce(u.display_name, u.username)) END AS name,
                count(DISTINCT a.response_id) AS responses,
                count(a.value_number) AS n,
                avg(a.value_number) AS mean
         FROM instruments i
         JOIN sessions s ON s.id = i.session_id
         JOIN users u ON u.id = i.facilitator_id
         JOIN questions q ON q.instrument_id = i.id AND q.question_type = 'likert'
         LEFT JOIN answers a ON a.question_id = q.id AND a.value_number IS NOT NULL
         WHERE i.event_id = $1 AND i.kind = 'facilitator_evaluation'
         GROUP BY GROUPING SETS ((i.facilitator_id), (i.session_id))
         ORDER BY 1, 3, 2",
    )
    .bind::<SqlUuid, _>(event_id)
    .load(conn)
}

/// A free-text answer of an evaluation; `participant_id` only where the instrument is not anonymous.
#[derive(Debug, Clone, QueryableByName)]
pub struct Comment {
    #[diesel(sql_type = SqlUuid)]
    pub instrument_id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: InstrumentKind,
    #[diesel(sql_type = SqlUuid)]
    pub question_id: Uuid,
    #[diesel(sql_type = Text)]
    pub prompt: String,
    #[diesel(sql_type = Text)]
    pub text: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub participant_id: Option<Uuid>,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

pub fn comments(conn: &mut PgConnection, event_id: Uuid, limit: i64) -> QueryResult<Vec<Comment>> {
    diesel::sql_query(format!(
        "SELECT i.id AS instrument_id, i.kind, q.id AS question_id, q.prompt, a.value_text AS text,
                CASE WHEN i.anonymous THEN NULL ELSE e.participant_id END AS participant_id,
                count(*) OVER () AS total
         FROM instruments i
         JOIN questions q ON q.instrument_id = i.id AND q.question_type = 'text'
         JOIN answers a ON a.question_id = q.id AND btrim(coalesce(a.value_text, '')) <> ''
         JOIN responses r ON r.id = a.response_id
         LEFT JOIN enrollments e ON e.id = r.enrollment_id AND NOT i.anonymous
         WHERE i.event_id = $1 AND i.kind IN {EVALUATION_KINDS}
         ORDER BY i.created_at, i.id, q.position, a.response_id
         LIMIT $2"
    ))
    .bind::<SqlUuid, _>(event_id)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// One event of a program with its figures.
#[derive(Debug, Clone, QueryableByName)]
pub struct ProgramEvent {
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub status: EventStatus,
    #[diesel(sql_type = Date)]
    pub starts_on: NaiveDate,
    #[diesel(sql_type = Date)]
    pub ends_on: NaiveDate,
    #[diesel(sql_type = BigInt)]
    pub enrollments: i64,
    #[diesel(sql_type = BigInt)]
    pub approved: i64,
    #[diesel(sql_type = BigInt)]
    pub certificate: i64,
    #[diesel(sql_type = BigInt)]
    pub attendance_letter: i64,
    #[diesel(sql_type = BigInt)]
    pub not_completed: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean_attendance_rate: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub certificates_issued: i64,
    #[diesel(embed)]
    pub levels: LevelFigures,
}

/// The Kirkpatrick figures of one event as sums and counts, so that several events add up: level 1 the Likert
/// answers of its event and facilitator evaluations, level 2 the paired pre/post gains and the post-tests passed,
/// level 3 the Likert answers of its follow-ups.
#[derive(Debug, Clone, Default, QueryableByName)]
pub struct LevelFigures {
    #[diesel(sql_type = BigInt)]
    pub reaction_n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub reaction_sum: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub paired_n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub gain_sum: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub post_n: i64,
    #[diesel(sql_type = BigInt)]
    pub passed: i64,
    #[diesel(sql_type = BigInt)]
    pub behavior_n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub behavior_sum: Option<f64>,
}

/// The events of a program (drafts only when `with_drafts`), by start date.
pub fn program_events(
    conn: &mut PgConnection,
    program_id: Uuid,
    with_drafts: bool,
) -> QueryResult<Vec<ProgramEvent>> {
    diesel::sql_query(format!(
        "WITH {},
         ag AS (
             SELECT event_id, count(*) AS approved,
                    count(*) FILTER (WHERE outcome = 'certificate') AS certificate,
                    count(*) FILTER (WHERE outcome = 'attendance_letter') AS attendance_letter,
                    count(*) FILTER (WHERE outcome = 'not_completed') AS not_completed,
                    avg(attendance_rate) AS mean_attendance_rate,
                    count(*) FILTER (WHERE pre_score IS NOT NULL AND post_score IS NOT NULL) AS paired_n,
                    sum(post_score - pre_score) AS gain_sum,
                    count(post_score) AS post_n,
                    count(*) FILTER (WHERE post_score >= pass_score) AS passed
             FROM o GROUP BY event_id),
         lk AS (
             SELECT i.event_id,
                    {LEVEL_SUMS}
             FROM ev
             JOIN instruments i ON i.event_id = ev.id AND i.kind IN {EVALUATION_KINDS}
             JOIN questions q ON q.instrument_id = i.id AND q.question_type = 'likert'
             JOIN answers a ON a.question_id = q.id AND a.value_number IS NOT NULL
             GROUP BY i.event_id),
         en AS (SELECT e.event_id, count(*) AS n FROM ev JOIN enrollments e ON e.event_id = ev.id GROUP BY e.event_id),
         ce AS (
             SELECT c.event_id, count(*) AS n FROM ev JOIN certificates c ON c.event_id = ev.id
             WHERE c.revoked_at IS NULL GROUP BY c.event_id)
         SELECT x.id AS event_id, x.title, x.status, x.starts_on, x.ends_on,
                coalesce(en.n, 0) AS enrollments, coalesce(ag.approved, 0) AS approved,
                coalesce(ag.certificate, 0) AS certificate,
                coalesce(ag.attendance_letter, 0) AS attendance_letter,
                coalesce(ag.not_completed, 0) AS not_completed,
                ag.mean_attendance_rate,
                coalesce(ce.n, 0) AS certificates_issued,
                coalesce(lk.reaction_n, 0) AS reaction_n, lk.reaction_sum,
                coalesce(ag.paired_n, 0) AS paired_n, ag.gain_sum,
                coalesce(ag.post_n, 0) AS post_n, coalesce(ag.passed, 0) AS passed,
                coalesce(lk.behavior_n, 0) AS behavior_n, lk.behavior_sum
         FROM ev
         JOIN events x ON x.id = ev.id
         LEFT JOIN ag ON ag.event_id = ev.id
         LEFT JOIN lk ON lk.event_id = ev.id
         LEFT JOIN en ON en.event_id = ev.id
         LEFT JOIN ce ON ce.event_id = ev.id
         ORDER BY x.starts_on, x.id",
        results_ctes("program_id = $1 AND ($2 OR status <> 'draft')")
    ))
    .bind::<SqlUuid, _>(program_id)
    .bind::<Bool, _>(with_drafts)
    .load(conn)
}

/// An officer of a unit and one training of the year (`event_id` null: none that year).
#[derive(Debug, Clone, QueryableByName)]
pub struct UnitTraining {
    #[diesel(sql_type = SqlUuid)]
    pub participant_id: Uuid,
    #[diesel(sql_type = Text)]
    pub full_name: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub erased_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub event_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub title: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub status: Option<EventStatus>,
    #[diesel(sql_type = Nullable<Date>)]
    pub starts_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    pub ends_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome: Option<Outcome>,
    #[diesel(sql_type = Nullable<Double>)]
    pub attendance_rate: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub post_score: Option<f64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub jp_earned: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub jp_total: i64,
    #[diesel(sql_type = BigInt)]
    pub minutes_total: i64,
}

/// The officers of a unit (archived ones only when they trained that year) with the trainings of `year` (events
/// starting that year that are ongoing or completed), by name then start date.
pub fn unit_year(
    conn: &mut PgConnection,
    unit_id: Uuid,
    year: i32,
) -> QueryResult<Vec<UnitTraining>> {
    diesel::sql_query(format!(
        "WITH {},
         t AS (
             SELECT o.*, x.title, x.status, x.starts_on, x.ends_on
             FROM o JOIN events x ON x.id = o.event_id
             WHERE o.unit_id = $1)
         SELECT p.id AS participant_id, p.full_name, p.erased_at, t.event_id, t.title, t.status, t.starts_on,
                t.ends_on, t.outcome, t.attendance_rate, t.post_score, t.jp_earned,
                coalesce(sum(t.jp_earned) OVER (PARTITION BY p.id), 0)::int8 AS jp_total,
                coalesce(sum(t.jp_earned * t.jp_minutes) OVER (PARTITION BY p.id), 0)::int8 AS minutes_total
         FROM participants p
         LEFT JOIN t ON t.participant_id = p.id
         WHERE p.unit_id = $1 AND (p.archived_at IS NULL OR t.event_id IS NOT NULL)
         ORDER BY p.name_search, p.id, t.starts_on, t.event_id",
        officer_results_ctes(
            "starts_on >= make_date($2, 1, 1) AND starts_on < make_date($2 + 1, 1, 1) \
             AND status IN ('ongoing', 'completed')",
            "p.unit_id = $1"
        )
    ))
    .bind::<SqlUuid, _>(unit_id)
    .bind::<Integer, _>(year)
    .load(conn)
}

/// The Kirkpatrick figures of a unit's officers in the trainings of `year` (those of [`unit_year`]): level 2 their
/// scores, levels 1 and 3 the Likert answers of the responses that name their enrollments (their own non-anonymous
/// evaluations, and the follow-ups by them and by their supervisors; anonymous answers name no officer, so no unit).
pub fn unit_levels(conn: &mut PgConnection, unit_id: Uuid, year: i32) -> QueryResult<LevelFigures> {
    diesel::sql_query(format!(
        "WITH {},
         mine AS (SELECT * FROM o WHERE unit_id = $1),
         l2 AS (
             SELECT count(*) FILTER (WHERE pre_score IS NOT NULL AND post_score IS NOT NULL) AS paired_n,
                    sum(post_score - pre_score) AS gain_sum,
                    count(post_score) AS post_n,
                    count(*) FILTER (WHERE post_score >= pass_score) AS passed
             FROM mine),
         lk AS (
             SELECT {LEVEL_SUMS}
             FROM mine m
             JOIN responses r ON r.enrollment_id = m.enrollment_id
             JOIN instruments i ON i.id = r.instrument_id AND i.kind IN {EVALUATION_KINDS}
             JOIN questions q ON q.instrument_id = i.id AND q.question_type = 'likert'
             JOIN answers a ON a.response_id = r.id AND a.question_id = q.id AND a.value_number IS NOT NULL)
         SELECT lk.reaction_n, lk.reaction_sum, l2.paired_n, l2.gain_sum, l2.post_n, l2.passed,
                lk.behavior_n, lk.behavior_sum
         FROM l2 CROSS JOIN lk",
        officer_results_ctes(
            "starts_on >= make_date($2, 1, 1) AND starts_on < make_date($2 + 1, 1, 1) \
             AND status IN ('ongoing', 'completed')",
            "p.unit_id = $1"
        )
    ))
    .bind::<SqlUuid, _>(unit_id)
    .bind::<Integer, _>(year)
    .get_result(conn)
}

pub fn unit_exists(conn: &mut PgConnection, unit_id: Uuid) -> QueryResult<bool> {
    use crate::schema::units;
    diesel::select(diesel::dsl::exists(units::table.find(unit_id))).get_result(conn)
}

/// The program's name and year, if it exists.
pub fn program(conn: &mut PgConnection, program_id: Uuid) -> QueryResult<Option<(String, i32)>> {
    use crate::schema::programs;
    programs::table
        .find(program_id)
        .select((programs::name, programs::year))
        .first(conn)
        .optional()
}
