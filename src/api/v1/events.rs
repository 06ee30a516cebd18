//! `/api/v1/events`: training events (Bimtek) and their lifecycle.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::extract::{ApiQuery, IfMatch, JsonBody};
use crate::api::v1::{double_option, not_null};
use crate::auth::AuthUser;
use crate::db;
use crate::domain::enums::{EventKind, EventStatus};
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::domain::sort::EventSort;
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::repo::events::{EventFilter, EventOrder, EventView, Visibility};
use crate::service;
use crate::service::events::{EventPatch, MAX_ORGANIZERS, NewEvent, Transition};
use crate::state::AppState;

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

impl TryFrom<EventView> for EventResponse {
    type Error = ApiError;
    fn try_from(view: EventView) -> Result<Self, ApiError> {
        let row = view.row;
        Ok(Self {
            kind: EventKind::parse(&row.kind)
                .ok_or_else(|| ApiError::internal_msg("unknown event kind"))?,
            status: EventStatus::parse(&row.status)
                .ok_or_else(|| ApiError::internal_msg("unknown event status"))?,
            id: row.id,
            title: row.title,
            program_id: row.program_id,
            host_unit_id: row.host_unit_id,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            capacity: row.capacity,
            attendance_threshold: row.attendance_threshold,
            pass_score: row.pass_score,
            jp_minutes: row.jp_minutes,
            legal_basis: row.legal_basis,
            description: row.description,
            organizer_ids: view.organizer_ids,
            session_count: view.session_count,
            approved_count: view.approved_count,
            archived_at: row.archived_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A new event. It starts as a `draft`; the caller becomes one of its organizers.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial",
    "kind": "orientation",
    "program_id": "2c9a0e4b-7d1f-4b6e-8a3c-5f0e1d2c3b4a",
    "host_unit_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "starts_on": "2025-08-02",
    "ends_on": "2025-08-02",
    "capacity": 40,
    "legal_basis": "W.16-UM.01.01-1234"
}))]
pub struct CreateEventRequest {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    pub kind: EventKind,
    /// An existing program.
    pub program_id: Option<Uuid>,
    /// An existing unit.
    pub host_unit_id: Uuid,
    /// First day (WIB).
    pub starts_on: NaiveDate,
    /// Last day (WIB); not before `starts_on`.
    pub ends_on: NaiveDate,
    #[schema(minimum = 1, maximum = 10000)]
    pub capacity: i64,
    /// Percent of sessions attended needed for a certificate.
    #[schema(minimum = 0, maximum = 100, default = 80)]
    pub attendance_threshold: Option<i64>,
    #[schema(minimum = 0, maximum = 100, default = 70)]
    pub pass_score: Option<i64>,
    /// Minutes of one JP.
    #[schema(minimum = 1, maximum = 240, default = 45)]
    pub jp_minutes: Option<i64>,
    /// The letter number of the assignment.
    #[schema(max_length = 300)]
    pub legal_basis: Option<String>,
    #[schema(max_length = 4000)]
    pub description: Option<String>,
    /// Users with the role `organizer` or `admin`; administrators only. The caller is always added.
    #[schema(max_items = 50)]
    pub organizer_ids: Option<Vec<Uuid>>,
}

fn in_range<T>(field: &str, value: i64, min: i64, max: i64, errors: &mut Vec<FieldError>) -> T
where
    T: TryFrom<i64> + Default,
{
    if (min..=max).contains(&value)
        && let Ok(v) = T::try_from(value)
    {
        return v;
    }
    errors.push(FieldError::new(
        field,
        "out_of_range",
        format!("must be between {min} and {max}"),
    ));
    T::default()
}

fn check_organizers(ids: &[Uuid], errors: &mut Vec<FieldError>) {
    if ids.len() > MAX_ORGANIZERS {
        errors.push(FieldError::new(
            "organizer_ids",
            "too_long",
            format!("at most {MAX_ORGANIZERS} organizers"),
        ));
    }
}

fn dates_in_order(starts_on: NaiveDate, ends_on: NaiveDate, errors: &mut Vec<FieldError>) {
    if ends_on < starts_on {
        errors.push(FieldError::new(
            "ends_on",
            "out_of_range",
            format!("must not be before starts_on ({starts_on})"),
        ));
    }
}

impl CreateEventRequest {
    fn parse(self) -> Result<NewEvent, ApiError> {
        let mut errors = Vec::new();
        let title = text::required("title", &self.title, 300).map_err(|e| errors.push(e));
        let legal_basis = text::optional("legal_basis", self.legal_basis.as_deref(), 300)
            .map_err(|e| errors.push(e));
        let description = text::optional("description", self.description.as_deref(), 4000)
            .map_err(|e| errors.push(e));
        dates_in_order(self.starts_on, self.ends_on, &mut errors);
        let capacity = in_range("capacity", self.capacity, 1, 10_000, &mut errors);
        let attendance_threshold = in_range(
            "attendance_threshold",
            self.attendance_threshold.unwrap_or(80),
            0,
            100,
            &mut errors,
        );
        let pass_score = in_range(
            "pass_score",
            self.pass_score.unwrap_or(70),
            0,
            100,
            &mut errors,
        );
        let jp_minutes = in_range(
            "jp_minutes",
            self.jp_minutes.unwrap_or(45),
            1,
            240,
            &mut errors,
        );
        if let Some(ids) = &self.organizer_ids {
            check_organizers(ids, &mut errors);
        }
        match (title, legal_basis, description) {
            (Ok(title), Ok(legal_basis), Ok(description)) if errors.is_empty() => Ok(NewEvent {
                title,
                kind: self.kind,
                program_id: self.program_id,
                host_unit_id: self.host_unit_id,
                starts_on: self.starts_on,
                ends_on: self.ends_on,
                capacity,
                attendance_threshold,
                pass_score,
                jp_minutes,
                legal_basis,
                description,
                organizer_ids: self.organizer_ids,
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// A JSON merge patch of an event: send only the fields to change; `null` clears a nullable field. `status` is
/// changed through the transition endpoints; `id`, `version`, the counts and timestamps are read-only.
/// `archived` is the one change allowed on a completed or cancelled event, and only there.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capacity": 45, "legal_basis": "W.16-UM.01.01-1234"}))]
pub struct UpdateEventRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 300)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = EventKind)]
    pub kind: Option<Option<EventKind>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub program_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Uuid)]
    pub host_unit_id: Option<Option<Uuid>>,
    /// Every session must stay inside the dates (409 `sessions_outside_dates`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = NaiveDate)]
    pub starts_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = NaiveDate)]
    pub ends_on: Option<Option<NaiveDate>>,
    /// Not below the number of approved enrollments (409 `capacity_below_approved`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = i64, minimum = 1, maximum = 10000)]
    pub capacity: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 100)]
    pub attendance_threshold: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = i64, minimum = 0, maximum = 100)]
    pub pass_score: Option<Option<i64>>,
    /// Changing it does not change the JP already stored on sessions.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = i64, minimum = 1, maximum = 240)]
    pub jp_minutes: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 300)]
    pub legal_basis: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 4000)]
    pub description: Option<Option<String>>,
    /// Replaces the organizers; administrators only.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Vec<Uuid>, max_items = 50)]
    pub organizer_ids: Option<Option<Vec<Uuid>>>,
    /// Archive (`true`) or restore (`false`) a completed or cancelled event.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = bool)]
    pub archived: Option<Option<bool>>,
}

fn optional_text(
    field: &str,
    value: Option<Option<String>>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<Option<String>> {
    match value {
        Some(Some(v)) => match text::optional(field, Some(&v), max) {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(e);
                None
            }
        },
        other => other,
    }
}

impl UpdateEventRequest {
    fn parse(self) -> Result<EventPatch, ApiError> {
        let mut errors = Vec::new();
        let title = not_null("title", self.title, &mut errors).and_then(|t| {
            text::required("title", &t, 300)
                .map_err(|e| errors.push(e))
                .ok()
        });
        let kind = not_null("kind", self.kind, &mut errors);
        let host_unit_id = not_null("host_unit_id", self.host_unit_id, &mut errors);
        let starts_on = not_null("starts_on", self.starts_on, &mut errors);
        let ends_on = not_null("ends_on", self.ends_on, &mut errors);
        if let (Some(s), Some(e)) = (starts_on, ends_on) {
            dates_in_order(s, e, &mut errors);
        }
        let capacity = not_null("capacity", self.capacity, &mut errors)
            .map(|v| in_range("capacity", v, 1, 10_000, &mut errors));
        let attendance_threshold = not_null(
            "attendance_threshold",
            self.attendance_threshold,
            &mut errors,
        )
        .map(|v| in_range("attendance_threshold", v, 0, 100, &mut errors));
        let pass_score = not_null("pass_score", self.pass_score, &mut errors)
            .map(|v| in_range("pass_score", v, 0, 100, &mut errors));
        let jp_minutes = not_null("jp_minutes", self.jp_minutes, &mut errors)
            .map(|v| in_range("jp_minutes", v, 1, 240, &mut errors));
        let legal_basis = optional_text("legal_basis", self.legal_basis, 300, &mut errors);
        let description = optional_text("description", self.description, 4000, &mut errors);
        let organizer_ids = not_null("organizer_ids", self.organizer_ids, &mut errors);
        if let Some(ids) = &organizer_ids {
            check_organizers(ids, &mut errors);
        }
        let archived = not_null("archived", self.archived, &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(EventPatch {
            title,
            kind,
            program_id: self.program_id,
            host_unit_id,
            starts_on,
            ends_on,
            capacity,
            attendance_threshold,
            pass_score,
            jp_minutes,
            legal_basis,
            description,
            organizer_ids,
            archived,
        })
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
    fn parse(self) -> Result<(EventFilter, EventOrder, PageRequest), ApiError> {
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
        if !errors.is_empty() {
            return Err(ApiError::BadRequest {
                code: "invalid_query",
                detail: "A query parameter has an invalid value.".to_owned(),
                errors,
            });
        }
        let order = match self.sort.unwrap_or_default() {
            EventSort::StartsOn => EventOrder::StartsOn,
            EventSort::StartsOnDesc => EventOrder::StartsOnDesc,
            EventSort::Title => EventOrder::Title,
            EventSort::TitleDesc => EventOrder::TitleDesc,
            EventSort::CreatedAt => EventOrder::CreatedAt,
            EventSort::CreatedAtDesc => EventOrder::CreatedAtDesc,
        };
        let filter = EventFilter {
            // Replaced by the service with what the caller may see.
            visibility: Visibility::NonDraft,
            status: self.status.map(|s| s.as_str().to_owned()),
            kind: self.kind.map(|k| k.as_str().to_owned()),
            program_id: self.program_id,
            host_unit_id: self.host_unit_id,
            starts_from: self.starts_from,
            starts_to: self.starts_to,
            q: q.map(|q| q.to_lowercase()),
            include_archived: self.include_archived.unwrap_or(false),
            updated_since: self.updated_since,
        };
        Ok((filter, order, page))
    }
}

fn event_response(view: EventView, status: StatusCode) -> Result<HttpResponse, ApiError> {
    let body = EventResponse::try_from(view)?;
    Ok(super::versioned(
        status,
        "events",
        body.id,
        body.version,
        body,
    ))
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
    let (filter, order, page) = query.0.parse()?;
    let rows = db::read(&state.pool, move |conn| {
        service::events::list(conn, &user, &filter, order, page)
    })
    .await?;
    let mut items = Vec::with_capacity(rows.items.len());
    for row in rows.items {
        items.push(EventResponse::try_from(row)?);
    }
    Ok(HttpResponse::Ok().json(Page {
        items,
        total: rows.total,
        limit: rows.limit,
        offset: rows.offset,
    }))
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
    user.require(&[Role::Admin, Role::Organizer])?;
    let input = body.into_inner()?.parse()?;
    let actor = user.clone();
    let view = db::run(&state.pool, move |conn| {
        service::events::create(conn, &actor, input)
    })
    .await?;
    tracing::info!(event.id = %view.row.id, actor.id = %user.id, "event created");
    event_response(view, StatusCode::CREATED)
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
    let id = id.into_inner();
    let view = db::read(&state.pool, move |conn| {
        service::events::get(conn, &user, id)
    })
    .await?;
    event_response(view, StatusCode::OK)
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
    user.require(&[Role::Admin, Role::Organizer])?;
    let expected = if_match.0;
    let id = id.into_inner();
    let actor = user.clone();
    let view = db::run(&state.pool, move |conn| {
        service::events::update(conn, &actor, id, expected, move || {
            body.into_inner()?.parse()
        })
    })
    .await?;
    tracing::info!(event.id = %id, actor.id = %user.id, "event changed");
    event_response(view, StatusCode::OK)
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
    user.require(&[Role::Admin, Role::Organizer])?;
    let expected = if_match.0;
    let id = id.into_inner();
    let actor = user.clone();
    db::run(&state.pool, move |conn| {
        service::events::delete(conn, &actor, id, expected)
    })
    .await?;
    tracing::info!(event.id = %id, actor.id = %user.id, "event deleted");
    Ok(HttpResponse::NoContent().finish())
}

async fn transition(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: Uuid,
    transition: Transition,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Admin, Role::Organizer])?;
    let expected = if_match.0;
    let actor = user.clone();
    let view = db::run(&state.pool, move |conn| {
        service::events::transition(conn, &actor, id, expected, transition)
    })
    .await?;
    tracing::info!(event.id = %id, actor.id = %user.id, event.status = %view.row.status, "event transition");
    event_response(view, StatusCode::OK)
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
/// `published` -> `ongoing`, on the first day. From any other state 409 `transition_not_allowed`. Honours
/// `If-Match`. Administrators and the event's organizers only.
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
        (status = 409, response = responses::Conflict),
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
/// `ongoing` -> `completed`: the event becomes final (read-only, archivable). It needs at least one session (409
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
        (status = 409, response = responses::Conflict),
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
