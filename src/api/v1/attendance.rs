//! `/api/v1/sessions/{id}/attendance`, `/api/v1/sessions/{id}/check-in`, `/api/v1/events/{id}/attendance-summary`
//! and `/api/v1/participants/{id}/attendance`: attendance (presensi) per session and per officer.

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::{ApiQuery, JsonBody};
use crate::auth::AuthUser;
use crate::domain::enums::{AttendanceMethod, AttendanceStatus};
use crate::domain::page::Page;
use crate::domain::sort::{AttendanceSort, RecordSort};
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::attendance::{
    AttendanceRecord, CheckInResult, OfficerSummary, RecordFilter, RecordInput, RecordList,
    SheetLine, SheetList,
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_session_attendance)
        .service(put_session_attendance)
        .service(check_in)
        .service(attendance_summary)
        .service(participant_attendance);
}

/// The most lines one `PUT` may carry.
const RECORDS_MAX: usize = 500;
/// The longest note of a record, in characters.
const NOTE_MAX: usize = 500;

/// One line of a session's attendance list: an approved officer and their record (all record fields null until
/// one is taken).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
    "participant_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
    "participant_name": "Dewi Lestari",
    "status": "late",
    "method": "code",
    "checked_in_at": "2025-08-04T00:20:00Z",
    "note": null,
    "recorded_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
    "updated_at": "2025-08-04T00:20:00Z"
}))]
pub struct AttendanceLine {
    pub enrollment_id: Uuid,
    pub participant_id: Uuid,
    /// Null after the officer's data was erased.
    pub participant_name: Option<String>,
    /// Null while nothing is recorded.
    pub status: Option<AttendanceStatus>,
    pub method: Option<AttendanceMethod>,
    /// When the officer checked in with their code.
    pub checked_in_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    /// The user who recorded the line (or whose device took the check-in).
    pub recorded_by: Option<Uuid>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<SheetLine> for AttendanceLine {
    fn from(line: SheetLine) -> Self {
        Self {
            enrollment_id: line.enrollment_id,
            participant_id: line.participant_id,
            participant_name: line.participant_name,
            status: line.status,
            method: line.method,
            checked_in_at: line.checked_in_at,
            note: line.note,
            recorded_by: line.recorded_by,
            updated_at: line.updated_at,
        }
    }
}

/// Paging and order of a session's attendance list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SheetQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Sort order (by name, case and accents ignored); `-` means descending; ties are broken by enrollment id.
    #[param(inline)]
    pub sort: Option<AttendanceSort>,
}

impl SheetQuery {
    fn parse(self) -> Result<SheetList, ApiError> {
        Ok(SheetList {
            filter: (),
            sort: self.sort.unwrap_or(AttendanceSort::ParticipantName),
            page: super::page_of(self.limit, self.offset)?,
        })
    }
}

/// One line of an attendance list to write.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "participant_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
    "status": "sick",
    "note": "Surat keterangan dokter"
}))]
pub struct AttendanceRecordInput {
    /// An officer with an approved enrollment in the session's event.
    pub participant_id: Uuid,
    /// `present` (hadir), `late` (terlambat), `excused` (izin), `sick` (sakit) or `absent` (alpa).
    #[schema(value_type = AttendanceStatus)]
    pub status: String,
    /// Up to 500 characters.
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// The attendance of a session, or part of it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"records": [
    {"participant_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a", "status": "present"},
    {"participant_id": "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b", "status": "sick", "note": "Surat keterangan dokter"}
]}))]
pub struct PutAttendanceRequest {
    /// At most 500 lines, each officer at most once.
    #[schema(max_items = 500)]
    pub records: Vec<AttendanceRecordInput>,
}

impl PutAttendanceRequest {
    fn parse(self) -> Result<Vec<RecordInput>, ApiError> {
        if self.records.len() > RECORDS_MAX {
            return Err(ApiError::field(
                "records",
                "too_long",
                format!("at most {RECORDS_MAX} records per request"),
            ));
        }
        let mut errors = Vec::new();
        let mut out = Vec::with_capacity(self.records.len());
        for (i, r) in self.records.into_iter().enumerate() {
            let status = AttendanceStatus::parse(&r.status);
            if status.is_none() {
                errors.push(FieldError::new(
                    format!("records[{i}].status"),
                    "invalid_value",
                    "must be one of present, late, excused, sick, absent",
                ));
            }
            let note = text::optional(&format!("records[{i}].note"), r.note.as_deref(), NOTE_MAX)
                .map_err(|e| errors.push(e))
                .ok()
                .flatten();
            if let Some(status) = status {
                out.push(RecordInput {
                    participant_id: r.participant_id,
                    status,
                    note,
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

/// The lines written by a `PUT`, in the order sent.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{
    "enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
    "participant_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
    "participant_name": "Dewi Lestari",
    "status": "present",
    "method": "manual",
    "checked_in_at": null,
    "note": null,
    "recorded_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
    "updated_at": "2025-08-04T01:00:00Z"
}]}))]
pub struct RecordedAttendance {
    pub items: Vec<AttendanceLine>,
}

/// A check-in code, as shown to the officer in their enrollment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "q3Vh8kPz2mXa1bCd"}))]
pub struct CheckInRequest {
    #[schema(min_length = 1, max_length = 64)]
    pub code: String,
}

impl CheckInRequest {
    fn parse(self) -> Result<String, ApiError> {
        match self.code.chars().count() {
            1..=64 => Ok(self.code),
            _ => Err(ApiError::field(
                "code",
                "invalid_length",
                "must be 1-64 characters",
            )),
        }
    }
}

/// The result of a check-in.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckInResultCode {
    /// Recorded now (`present`, or `late` after the first 15 minutes).
    CheckedIn,
    /// The officer was already recorded as present or late for this session.
    AlreadyCheckedIn,
    /// The code belongs to an enrollment that is not approved, or of another event (or, for a participant-role
    /// caller, to someone else).
    NotEnrolled,
    /// The event is not `ongoing`, or it is earlier than 30 minutes before the start or later than the end.
    SessionNotOpen,
    /// No enrollment has this code.
    InvalidCode,
}

impl From<CheckInResult> for CheckInResultCode {
    fn from(r: CheckInResult) -> Self {
        match r {
            CheckInResult::CheckedIn => Self::CheckedIn,
            CheckInResult::AlreadyCheckedIn => Self::AlreadyCheckedIn,
            CheckInResult::NotEnrolled => Self::NotEnrolled,
            CheckInResult::SessionNotOpen => Self::SessionNotOpen,
            CheckInResult::InvalidCode => Self::InvalidCode,
        }
    }
}

/// The answer to a check-in: a result code, and the officer's line when they are checked in.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"result": "checked_in", "attendance": {
    "enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
    "participant_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
    "participant_name": "Dewi Lestari",
    "status": "present",
    "method": "code",
    "checked_in_at": "2025-08-04T00:05:00Z",
    "note": null,
    "recorded_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
    "updated_at": "2025-08-04T00:05:00Z"
}}))]
pub struct CheckInResponse {
    pub result: CheckInResultCode,
    /// Present for `checked_in` and `already_checked_in`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub attendance: Option<AttendanceLine>,
}

/// One officer's attendance in an event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "participant_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
    "participant_name": "Dewi Lestari",
    "sessions_total": 6,
    "sessions_attended": 5,
    "attendance_rate": 83.3,
    "jp_earned": 10
}))]
pub struct SummaryLine {
    pub participant_id: Uuid,
    /// Null after the officer's data was erased.
    pub participant_name: Option<String>,
    /// Sessions of the event.
    pub sessions_total: i64,
    /// Sessions attended (`present` or `late`).
    pub sessions_attended: i64,
    /// `sessions_attended / sessions_total` in percent, one decimal (0 when the event has no sessions).
    pub attendance_rate: f64,
    /// The JP of the attended sessions.
    pub jp_earned: i64,
}

impl From<OfficerSummary> for SummaryLine {
    fn from(s: OfficerSummary) -> Self {
        Self {
            participant_id: s.participant_id,
            participant_name: s.participant_name,
            sessions_total: s.sessions_total,
            sessions_attended: s.sessions_attended,
            attendance_rate: s.attendance_rate,
            jp_earned: s.jp_earned,
        }
    }
}

/// Paging of the summary.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
}

/// One attendance record of an officer, with its session and event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
    "session_id": "3b4c5d6e-7f8a-4b9c-8d0e-1f2a3b4c5d6e",
    "session_title": "Morning meeting",
    "starts_at": "2025-08-04T00:00:00Z",
    "event_id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "event_title": "Orientasi Lapangan PM Rehabilitasi Sosial",
    "enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
    "status": "present",
    "method": "code",
    "checked_in_at": "2025-08-04T00:05:00Z",
    "note": null,
    "recorded_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
    "version": 1,
    "updated_at": "2025-08-04T00:05:00Z"
}))]
pub struct ParticipantAttendanceRecord {
    pub id: Uuid,
    pub session_id: Uuid,
    pub session_title: String,
    pub starts_at: DateTime<Utc>,
    pub event_id: Uuid,
    pub event_title: String,
    pub enrollment_id: Uuid,
    pub status: AttendanceStatus,
    pub method: AttendanceMethod,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub recorded_by: Option<Uuid>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<AttendanceRecord> for ParticipantAttendanceRecord {
    fn from(r: AttendanceRecord) -> Self {
        Self {
            id: r.id,
            session_id: r.session_id,
            session_title: r.session_title,
            starts_at: r.starts_at,
            event_id: r.event_id,
            event_title: r.event_title,
            enrollment_id: r.enrollment_id,
            status: r.status,
            method: r.method,
            checked_in_at: r.checked_in_at,
            note: r.note,
            recorded_by: r.recorded_by,
            version: r.version,
            updated_at: r.updated_at,
        }
    }
}

/// Filters, paging and order of an officer's attendance records.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ParticipantAttendanceQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only records of this event.
    pub event_id: Option<Uuid>,
    /// Sort by the session's start (default `starts_at`); `-` means descending; ties are broken by id.
    #[param(inline)]
    pub sort: Option<RecordSort>,
}

impl ParticipantAttendanceQuery {
    fn parse(self) -> Result<RecordList, ApiError> {
        Ok(RecordList {
            filter: RecordFilter {
                event_id: self.event_id,
            },
            sort: self.sort.unwrap_or(RecordSort::StartsAt),
            page: super::page_of(self.limit, self.offset)?,
        })
    }
}

/// Read a session's attendance
///
/// One line per approved enrollment of the session's event, with its record (status null while nothing is
/// recorded). The event's managers and the facilitators of THIS session see every line (a facilitator of the
/// event's other sessions: 403); a unit operator the lines of their unit's officers; a participant their own
/// line. Others: 403.
#[utoipa::path(
    tag = "attendance",
    params(("id" = Uuid, Path, description = "The session id"), SheetQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of the attendance list.", body = Page<AttendanceLine>),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/sessions/{id}/attendance")]
pub async fn get_session_attendance(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<SheetQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = query.0.parse().into();
    let page = service::attendance::sheet(&state.pool, &user, id.into_inner(), request).await?;
    Ok(HttpResponse::Ok().json(page.map(AttendanceLine::from)))
}

/// Record a session's attendance
///
/// Writes the attendance of the listed officers (at most 500 lines, 422 `records` otherwise), all-or-nothing:
/// every line is checked first (`records[i].participant_id`: `not_enrolled` without an approved enrollment in
/// the event, `duplicate` when listed twice; `records[i].status`: an unknown value) and nothing is written unless
/// all are valid. A line replaces the officer's record of the session (method `manual`, `recorded_by` the caller,
/// its version increased; the time of an earlier check-in is kept); officers not listed keep theirs. For the
/// event's managers and the facilitators of THIS session (another session's facilitator: 403). Allowed while the
/// event is `ongoing` or `completed` (corrections after the fact); otherwise 409 `attendance_closed`.
#[utoipa::path(
    tag = "attendance",
    params(("id" = Uuid, Path, description = "The session id")),
    request_body = PutAttendanceRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The written lines, in the order sent.", body = RecordedAttendance),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[put("/sessions/{id}/attendance")]
pub async fn put_session_attendance(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonBody<PutAttendanceRequest>,
) -> Result<HttpResponse, ApiError> {
    let records = body.into_inner().and_then(PutAttendanceRequest::parse);
    let lines =
        service::attendance::record(&state.pool, &user, id.into_inner(), records.into()).await?;
    Ok(HttpResponse::Ok().json(RecordedAttendance {
        items: lines.into_iter().map(AttendanceLine::from).collect(),
    }))
}

/// Check in with a code
///
/// Records the officer whose enrollment has this check-in code as attending the session (method `code`):
/// `present`, or `late` when later than 15 minutes after the start. Any authenticated caller may present a code
/// (the officer's own device, a kiosk, a facilitator's device): the code is the credential; but a caller with the
/// `participant` role may only check in themself. Always 200 with a `result`: `checked_in`,
/// `already_checked_in`, `not_enrolled` (the code's enrollment is not approved, belongs to another event, or to
/// someone else than a participant caller), `session_not_open` (the event is not `ongoing`, or it is earlier than
/// 30 minutes before the start or after the end) or `invalid_code` (no such code). A manual `absent`, `sick` or
/// `excused` gives way to a check-in.
#[utoipa::path(
    tag = "attendance",
    params(("id" = Uuid, Path, description = "The session id")),
    request_body = CheckInRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The result of the check-in.", body = CheckInResponse),
        (status = 404, response = responses::NotFound),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/sessions/{id}/check-in")]
pub async fn check_in(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonBody<CheckInRequest>,
) -> Result<HttpResponse, ApiError> {
    let code = body.into_inner().and_then(CheckInRequest::parse);
    let check_in =
        service::attendance::check_in(&state.pool, &user, id.into_inner(), code.into()).await?;
    let attendance = match check_in.result {
        CheckInResult::CheckedIn | CheckInResult::AlreadyCheckedIn => {
            check_in.line.map(AttendanceLine::from)
        }
        _ => None,
    };
    Ok(HttpResponse::Ok().json(CheckInResponse {
        result: check_in.result.into(),
        attendance,
    }))
}

/// Read an event's attendance summary
///
/// Per approved officer of the event: the number of the event's sessions, the sessions attended (`present` or
/// `late`), the attendance rate in percent (one decimal) and the JP earned (the JP of the attended sessions), by
/// name. The event's managers see every officer; a facilitator of the event's sessions every officer, counted
/// over the sessions they lead only; a unit operator their unit's officers; a participant their own line.
/// Others: 403.
#[utoipa::path(
    tag = "attendance",
    params(("id" = Uuid, Path, description = "The event id"), SummaryQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of the summary.", body = Page<SummaryLine>),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}/attendance-summary")]
pub async fn attendance_summary(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = super::page_of(query.0.limit, query.0.offset);
    let page =
        service::attendance::summary(&state.pool, &user, id.into_inner(), page.into()).await?;
    Ok(HttpResponse::Ok().json(page.map(SummaryLine::from)))
}

/// Read an officer's attendance records
///
/// The attendance records of one officer across events, optionally of one event, by the session's start. For the
/// officer, the operator of their unit and admins; an organizer sees the records of the events they organize.
/// Others: 403.
#[utoipa::path(
    tag = "attendance",
    params(("id" = Uuid, Path, description = "The participant id"), ParticipantAttendanceQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of attendance records.", body = Page<ParticipantAttendanceRecord>),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/participants/{id}/attendance")]
pub async fn participant_attendance(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<ParticipantAttendanceQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = query.0.parse().into();
    let page =
        service::attendance::of_participant(&state.pool, &user, id.into_inner(), request).await?;
    Ok(HttpResponse::Ok().json(page.map(ParticipantAttendanceRecord::from)))
}
