//! `/api/v1/events`: training events (Bimtek) and their lifecycle.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::extract::{ApiQuery, IfMatch, JsonBody};
use crate::auth::AuthUser;
use crate::domain::enums::{EventKind, EventStatus};
use crate::domain::page::{Page, PageRequest};
use crate::domain::sort::EventSort;
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::events::{Event, EventFilter, EventList, Transition};
use crate::state::AppState;

mod requests;

pub use requests::{CreateEventRequest, UpdateEventRequest};

/// A training event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "5b7e2c1a-8f0d-4e43-9a57-0c2d9a1e6b11",
    "title": "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial",
    "kind": "orientation",
    "program_id": "2c9a0e4b-7d1f-4b6e-8a3c-5f0e1d2c3b4a",
    "host_unit_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "starts_on": "2025-08-02",
    "ends_on": "2025-08-02",
    "capacity": 40,
    "attendance_threshold": 80,
    "pass_score": 70,
    "jp_minutes": 45,
    "legal_basis": "W.16-UM.01.01-1234",
    "description": "Field orientation at Lapas Narkotika Kelas IIA Kasongan and closing of the PM track.",
    "status": "published",
    "organizer_ids": ["b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10"],
    "session_count": 6,
    "approved_count": 32,
    "archived_at": null,
    "version": 3,
    "created_at": "2025-07-20T03:00:00Z",
    "updated_at": "2025-07-25T03:00:00Z"
}))]
pub struct EventResponse {
    pub id: Uuid,
    pub title: String,
    pub kind: EventKind,
    /// The program (training track) the event belongs to.
    pub program_id: Option<Uuid>,
    /// The unit that hosts the event (the venue UPT).
    pub host_unit_id: Uuid,
    /// First day (WIB).
    pub starts_on: NaiveDate,
    /// Last day (WIB).
    pub ends_on: NaiveDate,
    /// Most officers that can be approved.
    pub capacity: i32,
    /// Attendance (percent of sessions) needed for a certificate or letter of attendance.
    pub attendance_threshold: i16,
    /// Score (0-100) needed to pass.
    pub pass_score: i16,
    /// Minutes of one JP (jam pelajaran), used to derive the JP of sessions.
    pub jp_minutes: i16,
    /// The letter number of the assignment (surat tugas).
    pub legal_basis: Option<String>,
    pub description: Option<String>,
    /// Changed only through the transition endpoints.
    pub status: EventStatus,
    /// The organizers (users) who manage the event.
    pub organizer_ids: Vec<Uuid>,
    /// How many sessions the event has.
    pub session_count: i64,
    /// How many enrollments are approved.
    pub approved_count: i64,
    /// When the event was archived (hidden from lists unless `include_archived=true`).
    pub archived_at: Option<DateTime<Utc>>,
    /// Increases with every change; sent as `ETag`, expected in `If-Match`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Event> for EventResponse {
    fn from(e: Event) -> Self {
        Self {
            id: e.id,
            title: e.title,
            kind: e.kind,
            program_id: e.program_id,
            host_unit_id: e.host_unit_id,
            starts_on: e.starts_on,
            ends_on: e.ends_on,
            capacity: e.capacity,
            attendance_threshold: e.attendance_threshold,
            pass_score: e.pass_score,
            jp_minutes: e.jp_minutes,
            legal_basis: e.legal_basis,
            description: e.description,
            status: e.status,
            organizer_ids: e.organizer_ids,
            session_count: e.session_count,
            approved_count: e.approved_count,
            archived_at: e.archived_at,
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// Filters and paging of the event list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListEventsQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only events in this state.
    pub status: Option<EventStatus>,
    /// Only events of this kind.
    pub kind: Option<EventKind>,
    /// Only events of this program.
    pub program_id: Option<Uuid>,
    /// Only events hosted by this unit.
    pub host_unit_id: Option<Uuid>,
    /// Only events that start on or after this day.
    pub starts_from: Option<NaiveDate>,
    /// Only events that start on or before this day.
    pub starts_to: Option<NaiveDate>,
    /// Case-insensitive substring of the title.
    #[param(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub q: Option<String>,
    /// Include archived events (default: hidden).
    #[param(default = false)]
    pub include_archived: Option<bool>,
    /// Sort order; `-` means descending. Ties are broken by id.
    #[param(inline)]
    pub sort: Option<EventSort>,
    /// Only records changed at or after this time (RFC 3339, e.g. `2025-08-01T00:00:00Z`): an incremental sync.
    /// Deletions and erasures do not show here; the change feed (`GET /api/v1/changes`) has them.
    pub updated_since: Option<DateTime<Utc>>,
}

impl ListEventsQuery {
    fn parse(self) -> Result<EventList, ApiError> {
        let mut errors = Vec::new();
        let page = PageRequest::parse(self.limit, self.offset, &mut errors);
        let q = super::search_query(self.q, &mut errors);
        if let (Some(from), Some(to)) = (self.starts_from, self.starts_to)
            && to < from
        {
            errors.push(FieldError::new(
                "starts_to",
                "out_of_range",
                "must not be before starts_from",
            ));
        }
        let filter = EventFilter {
            status: self.status,
            kind: self.kind,
            program_id: self.program_id,
            host_unit_id: self.host_unit_id,
            starts_from: self.starts_from,
            starts_to: self.starts_to,
            q,
            include_archived: self.include_archived.unwrap_or(false),
            updated_since: self.updated_since,
        };
        let sort = self.sort.unwrap_or_default();
        super::checked_query(EventList { filter, sort, page }, errors)
    }
}

fn event_response(event: Event, status: StatusCode) -> HttpResponse {
    let body = EventResponse::from(event);
    super::versioned(status, "events", body.id, body.version, body)
}

/// List events
///
/// Pages through the events the caller may see, filtered by state, kind, program, host unit, start date or a
/// title search. Every authenticated user sees published, ongoing, completed and cancelled events; drafts are
/// listed only for administrators and the draft's organizers. Archived events are hidden unless
/// `include_archived=true`.
#[utoipa::path(
    tag = "events",
    params(ListEventsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of events.", body = Page<EventResponse>)
    )
)]
#[get("/events")]
pub async fn list_events(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListEventsQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::events::list(&state.pool, &user, query.0.parse().into()).await?;
    Ok(HttpResponse::Ok().json(page.map(EventResponse::from)))
}

/// Create an event
///
/// Creates a `draft` event. The host unit and the program must exist; `ends_on` may not be before `starts_on`.
/// `attendance_threshold` (80), `pass_score` (70) and `jp_minutes` (45) have defaults. The caller becomes an
/// organizer of the event; administrators may name further organizers in `organizer_ids`. Administrators and
/// organizers only.
#[utoipa::path(
    tag = "events",
    request_body = CreateEventRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; `Location` names the new event.", body = EventResponse,
            headers(("Location" = String, description = "The URL of the new event"), ("ETag" = String, description = "The version"))),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/events")]
pub async fn create_event(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<CreateEventRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(CreateEventRequest::parse);
    let event = service::events::create(&state.pool, &user, input.into()).await?;
    Ok(event_response(event, StatusCode::CREATED))
}

/// Read an event
///
/// Any authenticated user may read a published, ongoing, completed or cancelled event; a draft only its
/// organizers and administrators (404 for everybody else). The `ETag` header carries the version for a later
/// `If-Match`.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path, description = "The event id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The event.", body = EventResponse,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}")]
pub async fn get_event(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let event = service::events::get(&state.pool, &user, id.into_inner()).await?;
    Ok(event_response(event, StatusCode::OK))
}

/// Change an event
///
/// A JSON merge patch (`application/merge-patch+json` or `application/json`) of the writable fields. `status`,
/// `id`, `version`, `session_count`, `approved_count` and timestamps are refused with 422 (`unknown_field`).
/// Completed and cancelled events cannot be changed (409 `event_not_editable`) except for `archived`, which only
/// they accept (409 `event_not_final` otherwise). New dates must keep every session inside them (409
/// `sessions_outside_dates`); the capacity cannot go below the approved enrollments (409
/// `capacity_below_approved`). `organizer_ids` replaces the organizers and is for administrators only. With
/// `If-Match: "<version>"` the change applies only to that version (412 otherwise). Administrators and the
/// event's organizers only.
#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "The event id"),
        IfMatch
    ),
    request_body(content = UpdateEventRequest, content_type = "application/merge-patch+json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The changed event.", body = EventResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[patch("/events/{id}")]
pub async fn update_event(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateEventRequest>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().and_then(UpdateEventRequest::parse);
    let event = service::events::update(
        &state.pool,
        &user,
        id.into_inner(),
        if_match.0,
        patch.into(),
    )
    .await?;
    Ok(event_response(event, StatusCode::OK))
}

/// Delete an event
///
/// Only a `draft` without sessions and enrollments is deleted (204); any other event answers 409 `in_use`:
/// cancel it instead, and archive it (`PATCH {"archived": true}`) once it is cancelled or completed. Honours
/// `If-Match`. Administrators and the event's organizers only.
#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "The event id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[delete("/events/{id}")]
pub async fn delete_event(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service::events::delete(&state.pool, &user, id.into_inner(), if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn transition(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: Uuid,
    transition: Transition,
) -> Result<HttpResponse, ApiError> {
    let event = service::events::transition(&state.pool, &user, id, if_match.0, transition).await?;
    Ok(event_response(event, StatusCode::OK))
}

/// Publish an event
///
/// `draft` -> `published`: the event becomes visible to everyone and open for nominations. It needs at least one
/// session (409 `event_has_no_sessions`); from any other state 409 `transition_not_allowed`. Honours `If-Match`.
/// Administrators and the event's organizers only.
#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "The event id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The published event.", body = EventResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[post("/events/{id}/publish")]
pub async fn publish_event(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    transition(user, state, if_match, id.into_inner(), Transition::Publish).await
}

/// Start an event
///
/// `published` -> `ongoing`, from the event's first day (`starts_on`, a day in WIB, UTC+7) on: earlier it answers
/// 409 `event_not_started_yet`, naming the day. An event recorded after the fact is started the same way, on any
/// later day. From any other state 409 `transition_not_allowed`. Honours `If-Match`. Administrators and the event's
/// organizers only.
#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "The event id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The ongoing event.", body = EventResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::TransitionConflict),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[post("/events/{id}/start")]
pub async fn start_event(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    transition(user, state, if_match, id.into_inner(), Transition::Start).await
}

/// Complete an event
///
/// `ongoing` -> `completed`: the event becomes final (read-only, archivable). Allowed from the event's last day
/// (`ends_on`, a day in WIB, UTC+7) on: earlier it answers 409 `event_not_ended_yet`, naming the day; an event
/// recorded after the fact is completed the same way, on any later day. It needs at least one session (409
/// `event_has_no_sessions`); from any other state 409 `transition_not_allowed`. Honours `If-Match`.
/// Administrators and the event's organizers only.
#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "The event id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The completed event.", body = EventResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::TransitionConflict),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[post("/events/{id}/complete")]
pub async fn complete_event(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    transition(user, state, if_match, id.into_inner(), Transition::Complete).await
}

/// Cancel an event
///
/// `draft`, `published` or `ongoing` -> `cancelled`: the event becomes final (read-only, archivable). A completed
/// or cancelled event answers 409 `transition_not_allowed`. Honours `If-Match`. Administrators and the event's
/// organizers only.
#[utoipa::path(
    tag = "events",
    params(
        ("id" = Uuid, Path, description = "The event id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The cancelled event.", body = EventResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[post("/events/{id}/cancel")]
pub async fn cancel_event(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    transition(user, state, if_match, id.into_inner(), Transition::Cancel).await
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_events)
        .service(create_event)
        .service(get_event)
        .service(update_event)
        .service(delete_event)
        .service(publish_event)
        .service(start_event)
        .service(complete_event)
        .service(cancel_event);
}
