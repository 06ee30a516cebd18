//! `/api/v1/events/{id}/enrollments`, `/api/v1/enrollments/{id}` and its transitions, and
//! `/api/v1/events/{id}/quotas`: nomination, approval up to capacity, the waitlist and withdrawal.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::{ApiQuery, IfMatch, JsonBody};
use crate::api::v1::double_option;
use crate::auth::AuthUser;
use crate::domain::enums::EnrollmentStatus;
use crate::domain::page::Page;
use crate::domain::sort::EnrollmentSort;
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::enrollments::{
    Enrollment, EnrollmentFilter, EnrollmentList, Nomination, QuotaState, Quotas,
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_enrollments)
        .service(nominate)
        .service(get_enrollment)
        .service(update_enrollment)
        .service(approve_enrollment)
        .service(reject_enrollment)
        .service(withdraw_enrollment)
        .service(get_quotas)
        .service(put_quotas);
}

/// The longest note of an enrollment, in characters.
const NOTE_MAX: usize = 1000;
/// The most quota rows one `PUT` may carry.
const QUOTAS_MAX: usize = 1000;

/// The enrollment of an officer in an event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
    "event_id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "participant_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
    "participant_name": "Dewi Lestari",
    "unit_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "status": "waitlisted",
    "check_in_code": "q3Vh8kPz2mXa1bCd",
    "nominated_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
    "decided_by": "c4a2d2ef-4d66-4f1f-8b64-5a2d7a2a3b21",
    "decided_at": "2025-08-01T02:00:00Z",
    "waitlist_position": 2,
    "note": "Wali pemasyarakatan",
    "version": 2,
    "created_at": "2025-07-28T03:00:00Z",
    "updated_at": "2025-08-01T02:00:00Z"
}))]
pub struct EnrollmentResponse {
    pub id: Uuid,
    pub event_id: Uuid,
    pub participant_id: Uuid,
    /// The officer's name (read-only convenience); null after the officer's data was erased.
    pub participant_name: Option<String>,
    /// The officer's unit.
    pub unit_id: Uuid,
    /// Changed only through the transition endpoints (approve, reject, withdraw).
    pub status: EnrollmentStatus,
    /// The officer's secret check-in code: shown to the event's managers and to the officer themself only,
    /// null for everybody else.
    pub check_in_code: Option<String>,
    pub nominated_by: Option<Uuid>,
    /// Who approved, waitlisted or rejected the enrollment.
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    /// 1-based place on the waitlist; null unless `waitlisted`.
    pub waitlist_position: Option<i64>,
    pub note: Option<String>,
    /// Increases with every change; sent as `ETag`, expected in `If-Match`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Enrollment> for EnrollmentResponse {
    fn from(e: Enrollment) -> Self {
        Self {
            id: e.id,
            event_id: e.event_id,
            participant_id: e.participant_id,
            participant_name: e.participant_name,
            unit_id: e.unit_id,
            status: e.status,
            check_in_code: e.check_in_code,
            nominated_by: e.nominated_by,
            decided_by: e.decided_by,
            decided_at: e.decided_at,
            waitlist_position: e.waitlist_position,
            note: e.note,
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// A nomination of an officer for an event.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "participant_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
    "note": "Wali pemasyarakatan"
}))]
pub struct NominateRequest {
    /// The officer to nominate.
    pub participant_id: Uuid,
    /// Up to 1000 characters.
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

impl NominateRequest {
    pub(super) fn parse(self) -> Result<Nomination, ApiError> {
        let note = text::optional("note", self.note.as_deref(), NOTE_MAX)
            .map_err(|e| ApiError::validation(vec![e]))?;
        Ok(Nomination {
            participant_id: self.participant_id,
            note,
        })
    }
}

/// A JSON merge patch of an enrollment: only `note` may be written (`null` clears it). The status changes only
/// through the transition endpoints.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "Berangkat bersama rombongan Lapas Sampit"}))]
pub struct UpdateEnrollmentRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 1000)]
    pub note: Option<Option<String>>,
}

impl UpdateEnrollmentRequest {
    fn parse(self) -> Result<Option<Option<String>>, ApiError> {
        match self.note {
            Some(Some(note)) => text::optional("note", Some(&note), NOTE_MAX)
                .map(Some)
                .map_err(|e| ApiError::validation(vec![e])),
            other => Ok(other),
        }
    }
}

/// Filters and paging of an event's enrollments.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListEnrollmentsQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only enrollments in this status.
    #[param(inline)]
    pub status: Option<EnrollmentStatus>,
    /// Only officers of this unit.
    pub unit_id: Option<Uuid>,
    /// Sort order; `-` means descending; ties are broken by id. Default `created_at`; with `status=waitlisted`
    /// and no `sort`, the waitlist order (first to be promoted first). `status` sorts by the status name, and
    /// waitlisted enrollments in waitlist order.
    #[param(inline)]
    pub sort: Option<EnrollmentSort>,
    /// Only records changed at or after this time (RFC 3339, e.g. `2025-08-01T00:00:00Z`): an incremental sync.
    /// Deletions and erasures do not show here; the change feed (`GET /api/v1/changes`) has them.
    pub updated_since: Option<DateTime<Utc>>,
}

impl ListEnrollmentsQuery {
    fn parse(self) -> Result<EnrollmentList, ApiError> {
        let page = super::page_of(self.limit, self.offset)?;
        let filter = EnrollmentFilter {
            status: self.status,
            unit_id: self.unit_id,
            updated_since: self.updated_since,
        };
        Ok(EnrollmentList {
            filter,
            sort: self.sort,
            page,
        })
    }
}

/// The quota of one unit in an event.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "quota": 3}))]
pub struct QuotaItem {
    pub unit_id: Uuid,
    /// At most this many officers of the unit are approved; 0-10000.
    #[schema(minimum = 0, maximum = 10000)]
    pub quota: i64,
}

fn parse_quotas(items: Vec<QuotaItem>) -> Result<Quotas, ApiError> {
    if items.len() > QUOTAS_MAX {
        return Err(ApiError::field(
            "",
            "too_long",
            format!("at most {QUOTAS_MAX} quotas"),
        ));
    }
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        if out.iter().any(|(unit, _)| *unit == item.unit_id) {
            errors.push(FieldError::new(
                format!("[{i}].unit_id"),
                "duplicate",
                "this unit appears more than once",
            ));
        }
        match i32::try_from(item.quota) {
            Ok(q) if (0..=10000).contains(&q) => out.push((item.unit_id, q)),
            _ => errors.push(FieldError::new(
                format!("[{i}].quota"),
                "out_of_range",
                "must be between 0 and 10000",
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// The quota of one unit with the number of its officers approved so far.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "unit_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "unit_code": "LAPAS-SAMPIT",
    "quota": 3,
    "approved": 2
}))]
pub struct QuotaResponse {
    pub unit_id: Uuid,
    pub unit_code: String,
    pub quota: i32,
    /// Officers of the unit approved in the event (read-only).
    pub approved: i64,
}

/// An event's unit quotas, by unit code (a whole list, not paged: at most one per unit).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{
    "unit_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "unit_code": "LAPAS-SAMPIT",
    "quota": 3,
    "approved": 2
}]}))]
pub struct QuotaList {
    pub items: Vec<QuotaResponse>,
}

impl QuotaList {
    fn of(quotas: Vec<QuotaState>) -> Self {
        Self {
            items: quotas.into_iter().map(QuotaResponse::from).collect(),
        }
    }
}

impl From<QuotaState> for QuotaResponse {
    fn from(q: QuotaState) -> Self {
        Self {
            unit_id: q.unit_id,
            unit_code: q.unit_code,
            quota: q.quota,
            approved: q.approved,
        }
    }
}

fn enrollment_response(enrollment: Enrollment, status: StatusCode) -> HttpResponse {
    let body = EnrollmentResponse::from(enrollment);
    super::versioned(status, "enrollments", body.id, body.version, body)
}

/// List an event's enrollments
///
/// Pages through the enrollments of an event, filtered by status or unit. The list holds what the caller may
/// see: the event's managers (admin, its organizers) everything, a unit operator the officers of their unit, a
/// facilitator of a session of the event the approved officers, a participant their own enrollment. Check-in
/// codes are shown to managers and to the officer only. Other callers get 403.
#[utoipa::path(
    tag = "enrollments",
    params(("id" = Uuid, Path, description = "The event id"), ListEnrollmentsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of enrollments.", body = Page<EnrollmentResponse>),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}/enrollments")]
pub async fn list_enrollments(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<ListEnrollmentsQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = query.0.parse().into();
    let page = service::enrollments::list(&state.pool, &user, id.into_inner(), request).await?;
    Ok(HttpResponse::Ok().json(page.map(EnrollmentResponse::from)))
}

/// Nominate an officer
///
/// Nominates an officer (`participant_id`) for the event; the enrollment starts as `nominated` with a fresh,
/// unguessable check-in code. Admins and the event's organizers nominate anyone; a unit operator only officers
/// of their own unit (403 otherwise); a participant only themself. Nominations are taken while the event is
/// `draft` or `published` (409 `enrollment_closed` otherwise). An officer is enrolled at most once per event (409
/// `already_enrolled`); a withdrawn or rejected enrollment is reused instead: it goes back to `nominated` with
/// its version increased (and its check-in code kept). Archived or erased officers cannot be nominated (422).
#[utoipa::path(
    tag = "enrollments",
    params(("id" = Uuid, Path, description = "The event id")),
    request_body = NominateRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Nominated; `Location` names the enrollment.", body = EnrollmentResponse,
            headers(("Location" = String, description = "The URL of the enrollment"), ("ETag" = String, description = "The version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/events/{id}/enrollments")]
pub async fn nominate(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonBody<NominateRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(NominateRequest::parse);
    let enrollment =
        service::enrollments::nominate(&state.pool, &user, id.into_inner(), input.into()).await?;
    Ok(enrollment_response(enrollment, StatusCode::CREATED))
}

/// Read an enrollment
///
/// For the event's managers, the operator of the officer's unit, facilitators of the event (approved enrollments)
/// and the officer; 404 for everybody else. The `ETag` header carries the version for a later `If-Match`.
#[utoipa::path(
    tag = "enrollments",
    params(("id" = Uuid, Path, description = "The enrollment id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The enrollment.", body = EnrollmentResponse,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/enrollments/{id}")]
pub async fn get_enrollment(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let enrollment = service::enrollments::get(&state.pool, &user, id.into_inner()).await?;
    Ok(enrollment_response(enrollment, StatusCode::OK))
}

/// Change an enrollment's note
///
/// A JSON merge patch with `note` only (`null` clears it); every other field (`status`, `participant_id`,
/// `version`, ...) is refused with 422. For the event's managers, the operator of the officer's unit and the
/// officer. With `If-Match: "<version>"` the change applies only to that version (412 otherwise).
#[utoipa::path(
    tag = "enrollments",
    params(
        ("id" = Uuid, Path, description = "The enrollment id"),
        IfMatch
    ),
    request_body(content = UpdateEnrollmentRequest, content_type = "application/merge-patch+json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The changed enrollment.", body = EnrollmentResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 412, response = responses::PreconditionFailed),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[patch("/enrollments/{id}")]
pub async fn update_enrollment(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateEnrollmentRequest>,
) -> Result<HttpResponse, ApiError> {
    let note = body.into_inner().and_then(UpdateEnrollmentRequest::parse);
    let enrollment = service::enrollments::update_note(
        &state.pool,
        &user,
        id.into_inner(),
        if_match.0,
        note.into(),
    )
    .await?;
    Ok(enrollment_response(enrollment, StatusCode::OK))
}

/// Approve an enrollment
///
/// Approves a `nominated` or `waitlisted` enrollment when the event has a free seat (fewer approved officers than
/// `capacity`) and the officer's unit is under its quota, if it has one; otherwise the enrollment goes on the
/// waitlist (200 with `status: waitlisted` and its `waitlist_position`: a documented outcome, not an error).
/// Concurrent approvals are serialized on the event, so no more than `capacity` officers are ever approved.
/// Other states: 409 `transition_not_allowed`; a completed or cancelled event: 409 `enrollment_closed`. Event
/// managers only. Honours `If-Match`.
#[utoipa::path(
    tag = "enrollments",
    params(
        ("id" = Uuid, Path, description = "The enrollment id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The enrollment, approved or waitlisted.", body = EnrollmentResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[post("/enrollments/{id}/approve")]
pub async fn approve_enrollment(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let enrollment =
        service::enrollments::approve(&state.pool, &user, id.into_inner(), if_match.0).await?;
    Ok(enrollment_response(enrollment, StatusCode::OK))
}

/// Reject an enrollment
///
/// Rejects a `nominated` or `waitlisted` enrollment (409 `transition_not_allowed` from any other state). The
/// officer may be nominated again later. Event managers only. Honours `If-Match`.
#[utoipa::path(
    tag = "enrollments",
    params(
        ("id" = Uuid, Path, description = "The enrollment id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The rejected enrollment.", body = EnrollmentResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[post("/enrollments/{id}/reject")]
pub async fn reject_enrollment(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let enrollment =
        service::enrollments::reject(&state.pool, &user, id.into_inner(), if_match.0).await?;
    Ok(enrollment_response(enrollment, StatusCode::OK))
}

/// Withdraw an enrollment
///
/// Withdraws a `nominated`, `approved` or `waitlisted` enrollment (409 `transition_not_allowed` otherwise). When
/// an approved officer withdraws, the freed seat goes, in the same transaction, to the first waitlisted officer
/// (oldest on the waitlist) who fits the capacity and their unit's quota. For the event's managers, the operator
/// of the officer's unit and the officer. Honours `If-Match`.
#[utoipa::path(
    tag = "enrollments",
    params(
        ("id" = Uuid, Path, description = "The enrollment id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The withdrawn enrollment.", body = EnrollmentResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[post("/enrollments/{id}/withdraw")]
pub async fn withdraw_enrollment(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let enrollment =
        service::enrollments::withdraw(&state.pool, &user, id.into_inner(), if_match.0).await?;
    Ok(enrollment_response(enrollment, StatusCode::OK))
}

/// Read an event's unit quotas
///
/// The per-unit quotas of the event (at most `quota` officers of the unit are approved), with the number of each
/// unit's officers approved so far, by unit code. Units without a quota are bound by the capacity only. For the
/// event's managers and unit operators.
#[utoipa::path(
    tag = "enrollments",
    params(("id" = Uuid, Path, description = "The event id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The quotas.", body = QuotaList),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}/quotas")]
pub async fn get_quotas(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let quotas = service::enrollments::quotas(&state.pool, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(QuotaList::of(quotas)))
}

/// Replace an event's unit quotas
///
/// Replaces all per-unit quotas of the event at once with the list sent (`[]` removes them all): each unit at
/// most once (422 `[i].unit_id` `duplicate`), an existing unit (422 `unknown_reference`), a quota of 0-10000.
/// Officers already approved stay approved when a quota shrinks; quotas bind later approvals and promotions.
/// Event managers only; not on completed or cancelled events (409 `event_not_editable`).
#[utoipa::path(
    tag = "enrollments",
    params(("id" = Uuid, Path, description = "The event id")),
    request_body = Vec<QuotaItem>,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The new quotas.", body = QuotaList),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[put("/events/{id}/quotas")]
pub async fn put_quotas(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonBody<Vec<QuotaItem>>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(parse_quotas);
    let quotas =
        service::enrollments::replace_quotas(&state.pool, &user, id.into_inner(), input.into())
            .await?;
    Ok(HttpResponse::Ok().json(QuotaList::of(quotas)))
}
