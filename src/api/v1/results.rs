//! `/api/v1/events/{id}/scores`, `/api/v1/events/{id}/results`, `/api/v1/events/{id}/report`,
//! `/api/v1/programs/{id}/report` and `/api/v1/units/{id}/report`: direct score entry, the results of each
//! officer, and the reports (Kirkpatrick levels 1-3) of an event, a program and a unit.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::{ApiQuery, JsonBody};
use crate::api::v1::double_option;
use crate::auth::AuthUser;
use crate::db;
use crate::domain::enums::{EventStatus, InstrumentKind, Outcome, ScoreKind, ScoreSource};
use crate::domain::page::{Page, PageRequest};
use crate::domain::result::{
    KirkpatrickLevel, gain, has_two_decimals_at_most, normalized_gain, round2,
};
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::repo::reports::{LikertCount, UnitTraining};
use crate::repo::results::ResultRow;
use crate::repo::scores::ScoreRow;
use crate::service;
use crate::service::reports::{EventReport, ProgramReport};
use crate::service::scores::{ScoreInput, ScoreLine};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_scores)
        .service(put_scores)
        .service(get_results)
        .service(get_event_report)
        .service(get_program_report)
        .service(get_unit_report);
}

/// The most rows one `PUT` of scores may carry.
const ITEMS_MAX: usize = 500;

fn invalid_query(errors: Vec<FieldError>) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_query",
        detail: "A query parameter has an invalid value.".to_owned(),
        errors,
    }
}

fn page_of(limit: Option<i64>, offset: Option<i64>) -> Result<PageRequest, ApiError> {
    let mut errors = Vec::new();
    let page = PageRequest::parse(limit, offset, &mut errors);
    if errors.is_empty() {
        Ok(page)
    } else {
        Err(invalid_query(errors))
    }
}

fn parse_enum<T>(
    value: &str,
    parse: fn(&str) -> Option<T>,
    what: &'static str,
) -> Result<T, ApiError> {
    parse(value).ok_or_else(|| ApiError::internal_msg(what))
}

/// Percent with one decimal, `None` without a denominator.
fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

// ---------------------------------------------------------------------------------------------------- scores

/// One score of an officer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"score": 85.5, "source": "manual", "recorded_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
    "updated_at": "2025-08-02T08:00:00Z"}))]
pub struct ScoreCell {
    /// 0-100, at most two decimals.
    pub score: f64,
    /// `instrument` (an answered test, scored from its key) or `manual` (entered here).
    pub source: ScoreSource,
    /// Who entered it (for a test: who submitted the answers).
    pub recorded_by: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<&ScoreRow> for ScoreCell {
    type Error = ApiError;
    fn try_from(row: &ScoreRow) -> Result<Self, ApiError> {
        Ok(Self {
            score: row.score,
            source: parse_enum(&row.source, ScoreSource::parse, "unknown score source")?,
            recorded_by: row.recorded_by,
            updated_at: row.updated_at,
        })
    }
}

/// An approved officer of the event and their scores (null where none is recorded).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
    "participant_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
    "participant_name": "Dewi Lestari",
    "pre_test": {"score": 55.0, "source": "instrument", "recorded_by": null, "updated_at": "2025-08-02T01:30:00Z"},
    "post_test": {"score": 85.5, "source": "manual", "recorded_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
        "updated_at": "2025-08-02T08:00:00Z"},
    "practical": null
}))]
pub struct ScoreSheetLine {
    pub enrollment_id: Uuid,
    pub participant_id: Uuid,
    /// Null after the officer's data was erased.
    pub participant_name: Option<String>,
    pub pre_test: Option<ScoreCell>,
    pub post_test: Option<ScoreCell>,
    /// The practical (simulation) assessment.
    pub practical: Option<ScoreCell>,
}

impl TryFrom<ScoreLine> for ScoreSheetLine {
    type Error = ApiError;
    fn try_from(l: ScoreLine) -> Result<Self, ApiError> {
        let cell = |kind: ScoreKind| -> Result<Option<ScoreCell>, ApiError> {
            l.scores
                .iter()
                .find(|s| s.kind == kind.as_str())
                .map(ScoreCell::try_from)
                .transpose()
        };
        Ok(Self {
            pre_test: cell(ScoreKind::PreTest)?,
            post_test: cell(ScoreKind::PostTest)?,
            practical: cell(ScoreKind::Practical)?,
            enrollment_id: l.line.enrollment_id,
            participant_id: l.line.participant_id,
            participant_name: l.line.erased_at.is_none().then_some(l.line.full_name),
        })
    }
}

fn sheet_lines(lines: Vec<ScoreLine>) -> Result<Vec<ScoreSheetLine>, ApiError> {
    lines.into_iter().map(ScoreSheetLine::try_from).collect()
}

/// Paging of the score sheet.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScoresQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
}

/// One score to write.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b", "kind": "practical", "score": 87.5}))]
pub struct ScoreItemInput {
    /// An approved enrollment of the event.
    pub enrollment_id: Uuid,
    /// `pre_test`, `post_test` or `practical` (facilitators: only `practical`).
    #[schema(value_type = ScoreKind)]
    pub kind: String,
    /// 0-100 with at most two decimals; `null` clears a manually entered score.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>, required = true, minimum = 0, maximum = 100)]
    pub score: Option<Option<f64>>,
}

/// Scores to write, all-or-nothing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [
    {"enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b", "kind": "pre_test", "score": 55},
    {"enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b", "kind": "post_test", "score": 85.5},
    {"enrollment_id": "6b4d0f1f-8e8c-4a6f-8b1c-2d3e4f5a6b7c", "kind": "practical", "score": null}
]}))]
pub struct PutScoresRequest {
    /// At most 500 rows (a body is at most 64 KiB), each enrollment and kind at most once.
    #[schema(max_items = 500)]
    pub items: Vec<ScoreItemInput>,
}

impl PutScoresRequest {
    fn parse(self) -> Result<Vec<ScoreInput>, ApiError> {
        if self.items.len() > ITEMS_MAX {
            return Err(ApiError::field(
                "items",
                "too_long",
                format!("at most {ITEMS_MAX} rows per request"),
            ));
        }
        let mut errors = Vec::new();
        let mut out = Vec::with_capacity(self.items.len());
        for (i, item) in self.items.into_iter().enumerate() {
            let kind = ScoreKind::parse(&item.kind);
            if kind.is_none() {
                errors.push(FieldError::new(
                    format!("items[{i}].kind"),
                    "invalid_value",
                    "must be one of pre_test, post_test, practical",
                ));
            }
            let score = match item.score {
                None => {
                    errors.push(FieldError::new(
                        format!("items[{i}].score"),
                        "required",
                        "is required (null clears the score)",
                    ));
                    None
                }
                Some(Some(s)) if !(0.0..=100.0).contains(&s) => {
                    errors.push(FieldError::new(
                        format!("items[{i}].score"),
                        "out_of_range",
                        "must be between 0 and 100",
                    ));
                    None
                }
                Some(Some(s)) if !has_two_decimals_at_most(s) => {
                    errors.push(FieldError::new(
                        format!("items[{i}].score"),
                        "too_precise",
                        "must have at most two decimals",
                    ));
                    None
                }
                Some(score) => Some(score.map(round2)),
            };
            if let (Some(kind), Some(score)) = (kind, score) {
                out.push(ScoreInput {
                    enrollment_id: item.enrollment_id,
                    kind,
                    score,
                });
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// The lines of the officers named in a `PUT`, in the order first named.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{
    "enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
    "participant_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
    "participant_name": "Dewi Lestari",
    "pre_test": {"score": 55.0, "source": "manual", "recorded_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
        "updated_at": "2025-08-02T08:00:00Z"},
    "post_test": null,
    "practical": null
}]}))]
pub struct RecordedScores {
    pub items: Vec<ScoreSheetLine>,
}

/// Read an event's scores
///
/// One line per approved officer of the event (by name) with the pre-test, post-test and practical score, each
/// with its source (`instrument`: an answered test; `manual`: entered), who recorded it and when. The event's
/// managers and the facilitators of its sessions see every officer; a unit operator their unit's officers; a
/// participant their own line; others 403. A draft event is 404 except for its managers.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "The event id"), ScoresQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of the score sheet.", body = Page<ScoreSheetLine>),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}/scores")]
pub async fn get_scores(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<ScoresQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page_of(query.0.limit, query.0.offset)?;
    let event_id = id.into_inner();
    let rows = db::read(&state.pool, move |conn| {
        service::scores::sheet(conn, &user, event_id, page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: sheet_lines(rows.items)?,
        total: rows.total,
        limit: rows.limit,
        offset: rows.offset,
    }))
}

/// Enter scores
///
/// Writes paper-test and practical scores, all-or-nothing (at most 500 rows, 422 `items` otherwise). Every row
/// is checked first and every bad one named: `items[i].kind` (unknown), `items[i].score` (`required`,
/// `out_of_range` outside 0-100, `too_precise` beyond two decimals, `from_instrument` when clearing a score of an
/// answered test), `items[i].enrollment_id` (`not_enrolled`: no approved enrollment of this event) and `items[i]`
/// (`duplicate` enrollment and kind); nothing is written unless all are valid. A value replaces the score (source
/// `manual`); `null` removes it. Every change is written to the audit log (`score.set` / `score.clear`, old and
/// new value, who) in the same transaction; a row that changes nothing writes nothing. For the event's managers
/// (every kind) and the facilitators of its sessions (only `practical`; another kind: 403). Not while the event
/// is `draft` or `cancelled` (409 `scores_closed`).
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "The event id")),
    request_body = PutScoresRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The lines of the officers named.", body = RecordedScores),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[put("/events/{id}/scores")]
pub async fn put_scores(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonBody<PutScoresRequest>,
) -> Result<HttpResponse, ApiError> {
    let event_id = id.into_inner();
    let lines = db::run(&state.pool, move |conn| {
        service::scores::record(conn, &user, event_id, move || body.into_inner()?.parse())
    })
    .await?;
    Ok(HttpResponse::Ok().json(RecordedScores {
        items: sheet_lines(lines)?,
    }))
}

// --------------------------------------------------------------------------------------------------- results

/// An officer, as results and reports show them.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a", "name": "Dewi Lestari"}))]
pub struct ParticipantRef {
    pub id: Uuid,
    /// Null after the officer's data was erased.
    pub name: Option<String>,
}

/// The result of one officer in an event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
    "participant": {"id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a", "name": "Dewi Lestari"},
    "unit_id": "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",
    "sessions_total": 6, "sessions_attended": 5, "attendance_rate": 83.3,
    "jp_earned": 10, "minutes_earned": 450,
    "pre_score": 55.0, "post_score": 85.5, "gain": 30.5, "normalized_gain": 0.6778,
    "practical_score": 90.0, "outcome": "certificate"
}))]
pub struct ResultLine {
    pub enrollment_id: Uuid,
    pub participant: ParticipantRef,
    pub unit_id: Uuid,
    /// Sessions of the event.
    pub sessions_total: i64,
    /// Sessions attended (`present` or `late`).
    pub sessions_attended: i64,
    /// Percent, one decimal (0 when the event has no sessions).
    pub attendance_rate: f64,
    /// JP of the attended sessions.
    pub jp_earned: i64,
    /// `jp_earned` x the event's `jp_minutes`.
    pub minutes_earned: i64,
    pub pre_score: Option<f64>,
    pub post_score: Option<f64>,
    /// `post_score - pre_score`, when both exist.
    pub gain: Option<f64>,
    /// `(post - pre) / (100 - pre)` (Hake), when both exist and pre is below 100; four decimals.
    pub normalized_gain: Option<f64>,
    /// The practical (simulation) assessment.
    pub practical_score: Option<f64>,
    /// `certificate` (sertifikat: attendance >= the event's threshold and post score >= its pass score),
    /// `attendance_letter` (surat keterangan: threshold met only) or `not_completed`.
    pub outcome: Outcome,
}

impl From<ResultRow> for ResultLine {
    fn from(r: ResultRow) -> Self {
        Self {
            outcome: r.inputs().outcome(),
            gain: gain(r.pre_score, r.post_score),
            normalized_gain: normalized_gain(r.pre_score, r.post_score),
            enrollment_id: r.enrollment_id,
            participant: ParticipantRef {
                id: r.participant_id,
                name: r.erased_at.is_none().then_some(r.full_name),
            },
            unit_id: r.unit_id,
            sessions_total: r.sessions_total,
            sessions_attended: r.sessions_attended,
            attendance_rate: r.attendance_rate,
            jp_earned: r.jp_earned,
            minutes_earned: r.jp_earned * r.jp_minutes,
            pre_score: r.pre_score,
            post_score: r.post_score,
            practical_score: r.practical_score,
        }
    }
}

/// Filters and paging of the results.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only officers with this outcome.
    #[param(inline)]
    pub outcome: Option<Outcome>,
    /// Only officers of this unit.
    pub unit_id: Option<Uuid>,
}

/// Read an event's results
///
/// Per approved officer (by name): sessions attended and the attendance rate, JP earned (and minutes), pre and
/// post score, gain and normalized gain, practical score, and the outcome by the event's own rules
/// (`attendance_threshold`, `pass_score`; a pass score of 0 means no test is needed). Filter by `outcome` and
/// `unit_id`. The event's managers and the facilitators of its sessions see every officer; a unit operator their
/// unit's officers; a participant their own line; others 403. A draft event is 404 except for its managers.
/// Always current, served like the report from a snapshot that the first read after a change recomputes.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "The event id"), ResultsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of results.", body = Page<ResultLine>),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}/results")]
pub async fn get_results(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let page = page_of(q.limit, q.offset)?;
    let event_id = id.into_inner();
    let (unit_id, outcome) = (q.unit_id, q.outcome.map(Outcome::as_str));
    let rows = db::read(&state.pool, move |conn| {
        service::results::list(conn, &user, event_id, unit_id, outcome, page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(rows.map(ResultLine::from)))
}

// ---------------------------------------------------------------------------------------------- event report

/// The event the report is about, with its rules.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "title": "Orientasi Lapangan PM Rehabilitasi Sosial", "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02", "attendance_threshold": 80, "pass_score": 70, "jp_minutes": 45}))]
pub struct ReportEvent {
    pub id: Uuid,
    pub title: String,
    pub status: EventStatus,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Percent of sessions an officer must attend.
    pub attendance_threshold: i16,
    /// Post-test score needed to pass (0: no test).
    pub pass_score: i16,
    /// Minutes of one JP.
    pub jp_minutes: i16,
}

/// Enrollments by state.
#[derive(Debug, Default, Serialize, ToSchema)]
#[schema(example = json!({"nominated": 0, "approved": 30, "rejected": 2, "waitlisted": 0, "withdrawn": 1, "total": 33}))]
pub struct EnrollmentCounts {
    pub nominated: i64,
    pub approved: i64,
    pub rejected: i64,
    pub waitlisted: i64,
    pub withdrawn: i64,
    pub total: i64,
}

/// Attendance of one session among the approved officers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"session_id": "3b4c5d6e-7f8a-4b9c-8d0e-1f2a3b4c5d6e", "title": "Morning meeting", "kind": "morning_meeting", "starts_at": "2025-08-02T00:00:00Z", "jp": 2, "present": 27, "late": 1, "excused": 1, "sick": 0, "absent": 1, "unrecorded": 0, "rate": 93.3}))]
pub struct SessionAttendanceLine {
    pub session_id: Uuid,
    pub title: String,
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub jp: i64,
    pub present: i64,
    pub late: i64,
    pub excused: i64,
    pub sick: i64,
    pub absent: i64,
    /// Approved officers with nothing recorded.
    pub unrecorded: i64,
    /// Percent of the approved officers present or late, one decimal.
    pub rate: f64,
}

/// Attendance of one unit's approved officers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"unit_id": "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", "unit_name": "Lapas Narkotika Kelas IIA Kasongan", "officers": 5, "attended": 28, "rate": 93.3}))]
pub struct UnitAttendanceLine {
    pub unit_id: Uuid,
    pub unit_name: String,
    pub officers: i64,
    /// Sessions attended, summed over the officers.
    pub attended: i64,
    /// Percent of officer-sessions attended, one decimal.
    pub rate: f64,
}

/// Attendance overall, per session and per unit.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"officers": 30, "sessions_total": 6, "rate": 91.7, "per_session": [], "per_unit": []}))]
pub struct AttendanceBlock {
    /// Approved officers.
    pub officers: i64,
    pub sessions_total: i64,
    /// Percent of officer-sessions attended (present or late), one decimal.
    pub rate: f64,
    pub per_session: Vec<SessionAttendanceLine>,
    pub per_unit: Vec<UnitAttendanceLine>,
}

/// How many scores of a kind exist, and their mean (two decimals).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"n": 29, "mean": 81.9}))]
pub struct ScoreStats {
    pub n: i64,
    pub mean: Option<f64>,
}

/// Level 2 (pembelajaran): pre-test, post-test, gains, pass rate and the practical assessment.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"level": "level_2_learning", "level_label": "Level 2 - Pembelajaran", "pre_test": {"n": 30, "mean": 54.2}, "post_test": {"n": 29, "mean": 81.9}, "paired_n": 29, "mean_gain": 27.4, "mean_normalized_gain": 0.6012, "passed": 26, "pass_rate": 89.7, "practical": {"n": 30, "mean": 84.0}}))]
pub struct LearningBlock {
    pub level: KirkpatrickLevel,
    /// The level in Indonesian.
    pub level_label: String,
    pub pre_test: ScoreStats,
    pub post_test: ScoreStats,
    /// Officers with both a pre and a post score.
    pub paired_n: i64,
    /// Mean of `post - pre` over the paired officers.
    pub mean_gain: Option<f64>,
    /// Mean of the officers' normalized gains `(post - pre) / (100 - pre)` (pre below 100), four decimals.
    pub mean_normalized_gain: Option<f64>,
    /// Officers whose post score reaches the pass score.
    pub passed: i64,
    /// `passed / post_test.n` in percent, one decimal.
    pub pass_rate: Option<f64>,
    pub practical: ScoreStats,
}

/// Officers by outcome.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"certificate": 26, "attendance_letter": 3, "not_completed": 1}))]
pub struct OutcomeCounts {
    pub certificate: i64,
    pub attendance_letter: i64,
    pub not_completed: i64,
}

/// How many answers gave one scale value.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"value": 4.0, "count": 12}))]
pub struct ValueCount {
    pub value: f64,
    pub count: i64,
}

/// A Likert question: answers, mean (two decimals) and the count of each scale value.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"question_id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", "position": 1, "prompt": "Materi sesuai kebutuhan", "scale": 5, "n": 30, "mean": 4.3, "distribution": [{"value": 1.0, "count": 0}, {"value": 2.0, "count": 1}, {"value": 3.0, "count": 2}, {"value": 4.0, "count": 12}, {"value": 5.0, "count": 15}]}))]
pub struct LikertQuestion {
    pub question_id: Uuid,
    pub position: i32,
    pub prompt: String,
    /// 4 or 5, as the question states it.
    pub scale: Option<i32>,
    pub n: i64,
    pub mean: Option<f64>,
    /// Every value of the scale (1..scale), with 0 where nobody chose it.
    pub distribution: Vec<ValueCount>,
}

/// An evaluation instrument and the summaries of its Likert questions.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"instrument_id": "6d7e8f9a-0b1c-4d2e-8f3a-4b5c6d7e8f9a", "kind": "event_evaluation", "title": "Evaluasi Penyelenggaraan", "anonymous": true, "session_id": null, "facilitator_id": null, "responses": 30, "questions": []}))]
pub struct InstrumentBlock {
    pub instrument_id: Uuid,
    pub kind: InstrumentKind,
    pub title: String,
    pub anonymous: bool,
    /// Facilitator evaluations: the session and facilitator rated.
    pub session_id: Option<Uuid>,
    pub facilitator_id: Option<Uuid>,
    pub responses: i64,
    pub questions: Vec<LikertQuestion>,
}

/// The mean Likert answer of the facilitator evaluations of one facilitator or one session.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10", "name": "Tim Rehabilitasi Lapas Kasongan", "responses": 28, "n": 112, "mean": 3.6}))]
pub struct TargetMeanLine {
    /// The facilitator's user id, or the session id.
    pub id: Uuid,
    /// The facilitator's display name, or the session title.
    pub name: Option<String>,
    pub responses: i64,
    /// Likert answers counted.
    pub n: i64,
    pub mean: Option<f64>,
}

/// Level 1 (reaksi): evaluasi penyelenggaraan and evaluasi narasumber.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"level": "level_1_reaction", "level_label": "Level 1 - Reaksi", "instruments": [], "per_facilitator": [], "per_session": []}))]
pub struct ReactionBlock {
    pub level: KirkpatrickLevel,
    pub level_label: String,
    pub instruments: Vec<InstrumentBlock>,
    pub per_facilitator: Vec<TargetMeanLine>,
    pub per_session: Vec<TargetMeanLine>,
}

/// Level 3 (perilaku): evaluasi pasca pelatihan, by alumni and supervisors.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"level": "level_3_behavior", "level_label": "Level 3 - Perilaku", "instruments": []}))]
pub struct BehaviorBlock {
    pub level: KirkpatrickLevel,
    pub level_label: String,
    pub instruments: Vec<InstrumentBlock>,
}

/// A free-text answer of an evaluation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"instrument_id": "6d7e8f9a-0b1c-4d2e-8f3a-4b5c6d7e8f9a", "kind": "event_evaluation", "level": "level_1_reaction", "question_id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", "prompt": "Saran", "text": "Simulasi kelompok terapi sangat bermanfaat", "participant_id": null}))]
pub struct CommentLine {
    pub instrument_id: Uuid,
    pub kind: InstrumentKind,
    pub level: KirkpatrickLevel,
    pub question_id: Uuid,
    pub prompt: String,
    pub text: String,
    /// The officer who wrote it; always null where the instrument is anonymous.
    pub participant_id: Option<Uuid>,
}

/// Free-text comments of the evaluations (the first 200; the evaluation export has them all).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"total": 1, "items": [{"instrument_id": "6d7e8f9a-0b1c-4d2e-8f3a-4b5c6d7e8f9a", "kind": "event_evaluation", "level": "level_1_reaction", "question_id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", "prompt": "Saran", "text": "Simulasi kelompok terapi sangat bermanfaat", "participant_id": null}]}))]
pub struct CommentsBlock {
    pub total: i64,
    pub items: Vec<CommentLine>,
}

/// The report of an event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "event": {"id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "title": "Orientasi Lapangan PM Rehabilitasi Sosial",
        "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02", "attendance_threshold": 80,
        "pass_score": 70, "jp_minutes": 45},
    "enrollments": {"nominated": 0, "approved": 30, "rejected": 2, "waitlisted": 0, "withdrawn": 1, "total": 33},
    "attendance": {"officers": 30, "sessions_total": 6, "rate": 91.7, "per_session": [], "per_unit": []},
    "learning": {"level": "level_2_learning", "level_label": "Level 2 - Pembelajaran",
        "pre_test": {"n": 30, "mean": 54.2}, "post_test": {"n": 29, "mean": 81.9}, "paired_n": 29,
        "mean_gain": 27.4, "mean_normalized_gain": 0.6012, "passed": 26, "pass_rate": 89.7,
        "practical": {"n": 30, "mean": 84.0}},
    "outcomes": {"certificate": 26, "attendance_letter": 3, "not_completed": 1},
    "reaction": {"level": "level_1_reaction", "level_label": "Level 1 - Reaksi", "instruments": [],
        "per_facilitator": [], "per_session": []},
    "behavior": {"level": "level_3_behavior", "level_label": "Level 3 - Perilaku", "instruments": []},
    "comments": {"total": 0, "items": []}
}))]
pub struct EventReportResponse {
    pub event: ReportEvent,
    pub enrollments: EnrollmentCounts,
    pub attendance: AttendanceBlock,
    pub learning: LearningBlock,
    pub outcomes: OutcomeCounts,
    pub reaction: ReactionBlock,
    pub behavior: BehaviorBlock,
    pub comments: CommentsBlock,
}

fn mean2(value: Option<f64>) -> Option<f64> {
    value.map(round2)
}

fn likert_questions(rows: &[LikertCount], instrument_id: Uuid) -> Vec<LikertQuestion> {
    let mut questions: Vec<LikertQuestion> = Vec::new();
    let mut counts: BTreeMap<(usize, i64), i64> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.instrument_id == instrument_id) {
        if questions
            .last()
            .is_none_or(|q| q.question_id != row.question_id)
        {
            questions.push(LikertQuestion {
                question_id: row.question_id,
                position: row.position,
                prompt: row.prompt.clone(),
                scale: row.scale,
                n: row.n,
                mean: mean2(row.mean),
                distribution: Vec::new(),
            });
        }
        if let Some(value) = row.value {
            // Likert values are whole numbers; keyed by hundredths to stay exact.
            counts.insert(
                (questions.len() - 1, (value * 100.0).round() as i64),
                row.count,
            );
        }
    }
    for (i, q) in questions.iter_mut().enumerate() {
        let mut values: Vec<i64> = (1..=i64::from(q.scale.unwrap_or(0).clamp(0, 10)))
            .map(|v| v * 100)
            .collect();
        for (_, v) in counts.keys().filter(|(qi, _)| *qi == i) {
            if !values.contains(v) {
                values.push(*v);
            }
        }
        values.sort_unstable();
        q.distribution = values
            .into_iter()
            .map(|v| ValueCount {
                value: v as f64 / 100.0,
                count: counts.get(&(i, v)).copied().unwrap_or(0),
            })
            .collect();
    }
    questions
}

impl TryFrom<EventReport> for EventReportResponse {
    type Error = ApiError;
    fn try_from(r: EventReport) -> Result<Self, ApiError> {
        let mut enrollments = EnrollmentCounts::default();
        for c in &r.enrollment_counts {
            match c.status.as_str() {
                "nominated" => enrollments.nominated = c.n,
                "approved" => enrollments.approved = c.n,
                "rejected" => enrollments.rejected = c.n,
                "waitlisted" => enrollments.waitlisted = c.n,
                "withdrawn" => enrollments.withdrawn = c.n,
                _ => {}
            }
            enrollments.total += c.n;
        }
        let overall = r.units.iter().find(|u| u.unit_id.is_none());
        let sessions_total = r.sessions.len() as i64;
        let attendance = AttendanceBlock {
            officers: r.learning.officers,
            sessions_total,
            rate: overall.map_or(0.0, |o| o.rate),
            per_session: r
                .sessions
                .iter()
                .map(|s| SessionAttendanceLine {
                    session_id: s.session_id,
                    title: s.title.clone(),
                    kind: s.kind.clone(),
                    starts_at: s.starts_at,
                    jp: s.jp,
                    present: s.present,
                    late: s.late,
                    excused: s.excused,
                    sick: s.sick,
                    absent: s.absent,
                    unrecorded: s.officers - (s.present + s.late + s.excused + s.sick + s.absent),
                    rate: s.rate,
                })
                .collect(),
            per_unit: r
                .units
                .iter()
                .filter_map(|u| {
                    Some(UnitAttendanceLine {
                        unit_id: u.unit_id?,
                        unit_name: u.unit_name.clone().unwrap_or_default(),
                        officers: u.officers,
                        attended: u.attended,
                        rate: u.rate,
                    })
                })
                .collect(),
        };
        let l = &r.learning;
        let learning = LearningBlock {
            level: KirkpatrickLevel::Learning,
            level_label: KirkpatrickLevel::Learning.label().to_owned(),
            pre_test: ScoreStats {
                n: l.pre_n,
                mean: mean2(l.pre_mean),
            },
            post_test: ScoreStats {
                n: l.post_n,
                mean: mean2(l.post_mean),
            },
            paired_n: l.paired_n,
            mean_gain: mean2(l.mean_gain),
            mean_normalized_gain: l
                .mean_normalized_gain
                .map(|g| (g * 10_000.0).round() / 10_000.0),
            passed: l.passed,
            pass_rate: percent(l.passed, l.post_n),
            practical: ScoreStats {
                n: l.practical_n,
                mean: mean2(l.practical_mean),
            },
        };
        let outcomes = OutcomeCounts {
            certificate: l.certificate,
            attendance_letter: l.attendance_letter,
            not_completed: l.not_completed,
        };
        let mut reaction_instruments = Vec::new();
        let mut behavior_instruments = Vec::new();
        for i in &r.instruments {
            let kind = parse_enum(&i.kind, InstrumentKind::parse, "unknown instrument kind")?;
            let block = InstrumentBlock {
                instrument_id: i.instrument_id,
                kind,
                title: i.title.clone(),
                anonymous: i.anonymous,
                session_id: i.session_id,
                facilitator_id: i.facilitator_id,
                responses: i.responses,
                questions: likert_questions(&r.likert, i.instrument_id),
            };
            match KirkpatrickLevel::of_instrument(kind) {
                KirkpatrickLevel::Behavior => behavior_instruments.push(block),
                _ => reaction_instruments.push(block),
            }
        }
        let target = |by_session: bool| -> Vec<TargetMeanLine> {
            r.facilitator_means
                .iter()
                .filter(|t| t.by_session == by_session)
                .filter_map(|t| {
                    Some(TargetMeanLine {
                        id: t.target_id?,
                        name: t.name.clone(),
                        responses: t.responses,
                        n: t.n,
                        mean: mean2(t.mean),
                    })
                })
                .collect()
        };
        let comments = CommentsBlock {
            total: r.comments.first().map_or(0, |c| c.total),
            items: r
                .comments
                .iter()
                .map(|c| {
                    let kind =
                        parse_enum(&c.kind, InstrumentKind::parse, "unknown instrument kind")?;
                    Ok(CommentLine {
                        instrument_id: c.instrument_id,
                        kind,
                        level: KirkpatrickLevel::of_instrument(kind),
                        question_id: c.question_id,
                        prompt: c.prompt.clone(),
                        text: c.text.clone(),
                        participant_id: c.participant_id,
                    })
                })
                .collect::<Result<_, ApiError>>()?,
        };
        let e = &r.event;
        Ok(Self {
            event: ReportEvent {
                id: e.id,
                title: e.title.clone(),
                status: e.status,
                starts_on: e.starts_on,
                ends_on: e.ends_on,
                attendance_threshold: e.attendance_threshold,
                pass_score: e.pass_score,
                jp_minutes: e.jp_minutes,
            },
            enrollments,
            attendance,
            learning,
            outcomes,
            reaction: ReactionBlock {
                level: KirkpatrickLevel::Reaction,
                level_label: KirkpatrickLevel::Reaction.label().to_owned(),
                instruments: reaction_instruments,
                per_facilitator: target(false),
                per_session: target(true),
            },
            behavior: BehaviorBlock {
                level: KirkpatrickLevel::Behavior,
                level_label: KirkpatrickLevel::Behavior.label().to_owned(),
                instruments: behavior_instruments,
            },
            comments,
        })
    }
}

/// Read an event's report
///
/// The aggregates of an event, each block named by its Kirkpatrick level where it has one: enrollments by state;
/// attendance overall, per session and per unit; level 2 (`learning`): pre and post means, mean gain, mean
/// normalized gain, pass rate, practical mean; the outcomes; level 1 (`reaction`): per Likert question of the
/// event and facilitator evaluations the mean, n and distribution, and the means per facilitator and per session;
/// level 3 (`behavior`): the same for the follow-up questionnaires; and the free-text comments (never with a
/// name; without the officer where the instrument is anonymous). For the event's managers; others 403 (404 for a
/// draft).
///
/// Always current: the figures are kept as a snapshot that every change to the event's enrollments, sessions,
/// attendance, scores, instruments or answers (and to its officers', units' and facilitators' names) marks stale;
/// the first read after a change recomputes it (tens of milliseconds for 500 officers), later reads cost a lookup.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "The event id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The report.", body = EventReportResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}/report")]
pub async fn get_event_report(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let event_id = id.into_inner();
    let body = db::read(&state.pool, move |conn| {
        service::reports::event(conn, &user, event_id, |report| {
            serde_json::to_vec(&EventReportResponse::try_from(report)?).map_err(ApiError::internal)
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body))
}

// ------------------------------------------------------------------------------------------ program report

/// One event of a program with its figures.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"event_id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "title": "Orientasi Lapangan", "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02", "enrollments": 33, "approved": 30, "certificate": 26, "attendance_letter": 3, "not_completed": 1, "completion_rate": 96.7, "mean_attendance_rate": 91.7, "certificates_issued": 29, "certificate_rate": 96.7}))]
pub struct ProgramEventLine {
    pub event_id: Uuid,
    pub title: String,
    pub status: EventStatus,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Enrollments in any state.
    pub enrollments: i64,
    pub approved: i64,
    pub certificate: i64,
    pub attendance_letter: i64,
    pub not_completed: i64,
    /// `(certificate + attendance_letter) / approved` in percent, one decimal.
    pub completion_rate: Option<f64>,
    /// Mean attendance rate of the approved officers, one decimal.
    pub mean_attendance_rate: Option<f64>,
    /// Certificates and letters issued and not revoked.
    pub certificates_issued: i64,
    /// `certificates_issued / approved` in percent, one decimal.
    pub certificate_rate: Option<f64>,
}

/// Sums over a program's events.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"events": 1, "approved": 30, "completed": 29, "certificates_issued": 29, "completion_rate": 96.7, "certificate_rate": 96.7}))]
pub struct ProgramTotals {
    pub events: i64,
    pub approved: i64,
    pub completed: i64,
    pub certificates_issued: i64,
    pub completion_rate: Option<f64>,
    pub certificate_rate: Option<f64>,
}

/// The program a report is about.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "4a7b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", "name": "PM Rehabilitasi Sosial", "year": 2025}))]
pub struct ReportProgram {
    pub id: Uuid,
    pub name: String,
    pub year: i32,
}

/// The report of a program across its events.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "program": {"id": "4a7b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", "name": "PM Rehabilitasi Sosial", "year": 2025},
    "events": [{"event_id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "title": "Orientasi Lapangan",
        "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02", "enrollments": 33,
        "approved": 30, "certificate": 26, "attendance_letter": 3, "not_completed": 1, "completion_rate": 96.7,
        "mean_attendance_rate": 91.7, "certificates_issued": 29, "certificate_rate": 96.7}],
    "totals": {"events": 1, "approved": 30, "completed": 29, "certificates_issued": 29, "completion_rate": 96.7,
        "certificate_rate": 96.7}
}))]
pub struct ProgramReportResponse {
    pub program: ReportProgram,
    pub events: Vec<ProgramEventLine>,
    pub totals: ProgramTotals,
}

impl TryFrom<ProgramReport> for ProgramReportResponse {
    type Error = ApiError;
    fn try_from(r: ProgramReport) -> Result<Self, ApiError> {
        let mut events = Vec::with_capacity(r.events.len());
        let (mut approved, mut completed, mut issued) = (0, 0, 0);
        for e in r.events {
            let done = e.certificate + e.attendance_letter;
            approved += e.approved;
            completed += done;
            issued += e.certificates_issued;
            events.push(ProgramEventLine {
                status: parse_enum(&e.status, EventStatus::parse, "unknown event status")?,
                completion_rate: percent(done, e.approved),
                certificate_rate: percent(e.certificates_issued, e.approved),
                mean_attendance_rate: e.mean_attendance_rate.map(|m| (m * 10.0).round() / 10.0),
                event_id: e.event_id,
                title: e.title,
                starts_on: e.starts_on,
                ends_on: e.ends_on,
                enrollments: e.enrollments,
                approved: e.approved,
                certificate: e.certificate,
                attendance_letter: e.attendance_letter,
                not_completed: e.not_completed,
                certificates_issued: e.certificates_issued,
            });
        }
        Ok(Self {
            program: ReportProgram {
                id: r.program_id,
                name: r.name,
                year: r.year,
            },
            totals: ProgramTotals {
                events: events.len() as i64,
                approved,
                completed,
                certificates_issued: issued,
                completion_rate: percent(completed, approved),
                certificate_rate: percent(issued, approved),
            },
            events,
        })
    }
}

/// Read a program's report
///
/// The events of a program (by start date) with their enrollments, approved officers, outcomes, completion rate
/// (certificate or attendance letter), mean attendance rate, and the certificates issued (not revoked) and their
/// rate; and the totals. For admins (draft events included) and organizers (without drafts); others 403.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "The program id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The report.", body = ProgramReportResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/programs/{id}/report")]
pub async fn get_program_report(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let program_id = id.into_inner();
    let report = db::read(&state.pool, move |conn| {
        service::reports::program(conn, &user, program_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ProgramReportResponse::try_from(report)?))
}

// --------------------------------------------------------------------------------------------- unit report

/// One training of an officer in the year.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"event_id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "title": "Orientasi Lapangan", "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02", "outcome": "certificate", "attendance_rate": 83.3, "post_score": 85.5, "jp_earned": 10}))]
pub struct UnitTrainingLine {
    pub event_id: Uuid,
    pub title: String,
    /// `ongoing` (the outcome may still change) or `completed`.
    pub status: EventStatus,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub outcome: Outcome,
    pub attendance_rate: f64,
    pub post_score: Option<f64>,
    pub jp_earned: i64,
}

/// An officer of the unit and their trainings of the year.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"participant": {"id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a", "name": "Dewi Lestari"}, "jp_total": 10, "minutes_total": 450, "trainings_completed": 1, "trainings": []}))]
pub struct UnitOfficerLine {
    pub participant: ParticipantRef,
    /// JP earned in the year's trainings.
    pub jp_total: i64,
    /// The same in minutes (each event's JP length).
    pub minutes_total: i64,
    /// Trainings with outcome `certificate` or `attendance_letter`.
    pub trainings_completed: i64,
    pub trainings: Vec<UnitTrainingLine>,
}

/// Sums over the unit's officers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"officers": 12, "officers_trained": 5, "jp_total": 50}))]
pub struct UnitTotals {
    pub officers: i64,
    /// Officers with at least one training in the year.
    pub officers_trained: i64,
    pub jp_total: i64,
}

/// The report of a unit's officers for a year.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "unit_id": "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", "year": 2025,
    "officers": [{"participant": {"id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a", "name": "Dewi Lestari"},
        "jp_total": 10, "minutes_total": 450, "trainings_completed": 1,
        "trainings": [{"event_id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "title": "Orientasi Lapangan",
            "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02", "outcome": "certificate",
            "attendance_rate": 83.3, "post_score": 85.5, "jp_earned": 10}]}],
    "totals": {"officers": 1, "officers_trained": 1, "jp_total": 10}
}))]
pub struct UnitReportResponse {
    pub unit_id: Uuid,
    pub year: i32,
    pub officers: Vec<UnitOfficerLine>,
    pub totals: UnitTotals,
}

fn unit_report(
    unit_id: Uuid,
    year: i32,
    rows: Vec<UnitTraining>,
) -> Result<UnitReportResponse, ApiError> {
    let mut officers: Vec<UnitOfficerLine> = Vec::new();
    for row in rows {
        if officers
            .last()
            .is_none_or(|o| o.participant.id != row.participant_id)
        {
            officers.push(UnitOfficerLine {
                participant: ParticipantRef {
                    id: row.participant_id,
                    name: row.erased_at.is_none().then(|| row.full_name.clone()),
                },
                jp_total: row.jp_total,
                minutes_total: row.minutes_total,
                trainings_completed: 0,
                trainings: Vec::new(),
            });
        }
        let (Some(event_id), Some(officer)) = (row.event_id, officers.last_mut()) else {
            continue;
        };
        let outcome = parse_enum(
            row.outcome.as_deref().unwrap_or(""),
            Outcome::parse,
            "unknown outcome",
        )?;
        if outcome != Outcome::NotCompleted {
            officer.trainings_completed += 1;
        }
        officer.trainings.push(UnitTrainingLine {
            event_id,
            title: row.title.unwrap_or_default(),
            status: parse_enum(
                row.status.as_deref().unwrap_or(""),
                EventStatus::parse,
                "unknown event status",
            )?,
            starts_on: row.starts_on.unwrap_or_default(),
            ends_on: row.ends_on.unwrap_or_default(),
            outcome,
            attendance_rate: row.attendance_rate.unwrap_or(0.0),
            post_score: row.post_score,
            jp_earned: row.jp_earned.unwrap_or(0),
        });
    }
    let totals = UnitTotals {
        officers: officers.len() as i64,
        officers_trained: officers.iter().filter(|o| !o.trainings.is_empty()).count() as i64,
        jp_total: officers.iter().map(|o| o.jp_total).sum(),
    };
    Ok(UnitReportResponse {
        unit_id,
        year,
        officers,
        totals,
    })
}

/// The year of a unit report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitReportQuery {
    /// The year of the events' start dates, 2000-2100; default the current year.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

/// Read a unit's training report
///
/// The officers of a unit (by name; archived officers only when they trained that year) with the trainings of
/// the year (events starting that year that are `ongoing` or `completed`): outcome, attendance rate, post score
/// and JP; per officer the JP total (and minutes) and the trainings completed. For admins and the unit's own
/// operator; others 403.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "The unit id"), UnitReportQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The report.", body = UnitReportResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/units/{id}/report")]
pub async fn get_unit_report(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<UnitReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = query.0.year.unwrap_or_else(|| Utc::now().year());
    if !(2000..=2100).contains(&year) {
        return Err(invalid_query(vec![FieldError::new(
            "year",
            "out_of_range",
            "must be between 2000 and 2100",
        )]));
    }
    let unit_id = id.into_inner();
    let rows = db::read(&state.pool, move |conn| {
        service::reports::unit(conn, &user, unit_id, year)
    })
    .await?;
    Ok(HttpResponse::Ok().json(unit_report(unit_id, year, rows)?))
}
