//! `/api/v1/events/{id}/sessions` and `/api/v1/sessions/{id}`: the sessions of an event.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::extract::{ApiQuery, IfMatch, JsonBody};
use crate::api::v1::{double_option, not_null};
use crate::auth::AuthUser;
use crate::domain::page::{Page, PageRequest};
use crate::domain::sort::SessionSort;
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::sessions::{
    MAX_FACILITATORS, NewSession, Session, SessionFilter, SessionList, SessionPatch,
};
use crate::state::AppState;

/// A session of an event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "9d2f7a3e-1b4c-4e8a-b6d0-2f3e4a5b6c7d",
    "event_id": "5b7e2c1a-8f0d-4e43-9a57-0c2d9a1e6b11",
    "kind": "morning_meeting",
    "title": "Morning meeting with the rehabilitation team",
    "starts_at": "2025-08-02T01:00:00Z",
    "ends_at": "2025-08-02T02:30:00Z",
    "location": "Aula Lapas Narkotika Kelas IIA Kasongan",
    "facilitator_ids": ["3a1e9c7b-5d2f-4b8a-9e6c-1f0d2e3c4b5a"],
    "jp": 2,
    "version": 1,
    "created_at": "2025-07-20T03:00:00Z",
    "updated_at": "2025-07-20T03:00:00Z"
}))]
pub struct SessionResponse {
    pub id: Uuid,
    pub event_id: Uuid,
    /// A code of the session kinds table (see the request schema).
    pub kind: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    /// The users who lead the session.
    pub facilitator_ids: Vec<Uuid>,
    /// Training hours (jam pelajaran) the session is worth.
    pub jp: i16,
    /// Increases with every change; sent as `ETag`, expected in `If-Match`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Session> for SessionResponse {
    fn from(s: Session) -> Self {
        Self {
            id: s.id,
            event_id: s.event_id,
            kind: s.kind,
            title: s.title,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            location: s.location,
            facilitator_ids: s.facilitator_ids,
            jp: s.jp,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A new session of an event.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "morning_meeting",
    "title": "Morning meeting with the rehabilitation team",
    "starts_at": "2025-08-02T08:00:00+07:00",
    "ends_at": "2025-08-02T09:30:00+07:00",
    "location": "Aula Lapas Narkotika Kelas IIA Kasongan",
    "facilitator_ids": ["3a1e9c7b-5d2f-4b8a-9e6c-1f0d2e3c4b5a"]
}))]
pub struct CreateSessionRequest {
    /// A code of the session kinds lookup table (extensible without a new API version). Currently: `opening`,
    /// `closing`, `presentation` (paparan), `morning_meeting`, `seminar`, `static_group`, `encounter_group`,
    /// `group_therapy`, `simulation`, `discussion`, `field_visit`, `pre_test`, `post_test`, `evaluation`,
    /// `other`. An unknown code is refused with 422 listing the allowed ones.
    #[schema(pattern = "^[a-z][a-z0-9_]{1,39}$", min_length = 2, max_length = 40)]
    pub kind: String,
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// RFC 3339; its day in WIB (UTC+7) must lie within the event's dates.
    pub starts_at: DateTime<Utc>,
    /// RFC 3339; after `starts_at`, and within the event's dates (WIB).
    pub ends_at: DateTime<Utc>,
    #[schema(max_length = 300)]
    pub location: Option<String>,
    /// Users with the role `facilitator`, `organizer` or `admin`, none of whom may lead an overlapping session
    /// (409 `facilitator_busy`).
    #[schema(max_items = 20)]
    pub facilitator_ids: Option<Vec<Uuid>>,
    /// Training hours; when absent, floor(duration in minutes / the event's `jp_minutes`).
    #[schema(minimum = 0, maximum = 100)]
    pub jp: Option<i64>,
}

fn check_kind_syntax(kind: &str, errors: &mut Vec<FieldError>) {
    let mut chars = kind.chars();
    let ok = (2..=40).contains(&kind.len())
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        errors.push(FieldError::new(
            "kind",
            "invalid_format",
            "must be a session kind code such as `seminar`",
        ));
    }
}

fn check_facilitators(ids: &[Uuid], errors: &mut Vec<FieldError>) {
    if ids.len() > MAX_FACILITATORS {
        errors.push(FieldError::new(
            "facilitator_ids",
            "too_long",
            format!("at most {MAX_FACILITATORS} facilitators"),
        ));
    }
}

fn check_jp(value: i64, errors: &mut Vec<FieldError>) -> Option<i16> {
    match i16::try_from(value) {
        Ok(jp) if (0..=100).contains(&jp) => Some(jp),
        _ => {
            errors.push(FieldError::new(
                "jp",
                "out_of_range",
                "must be between 0 and 100",
            ));
            None
        }
    }
}

fn check_times(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, errors: &mut Vec<FieldError>) {
    if ends_at <= starts_at {
        errors.push(FieldError::new(
            "ends_at",
            "out_of_range",
            "must be after starts_at",
        ));
    }
}

impl CreateSessionRequest {
    fn parse(self) -> Result<NewSession, ApiError> {
        let mut errors = Vec::new();
        check_kind_syntax(&self.kind, &mut errors);
        let title = text::required("title", &self.title, 300).map_err(|e| errors.push(e));
        let location =
            text::optional("location", self.location.as_deref(), 300).map_err(|e| errors.push(e));
        check_times(self.starts_at, self.ends_at, &mut errors);
        let facilitator_ids = self.facilitator_ids.unwrap_or_default();
        check_facilitators(&facilitator_ids, &mut errors);
        let jp = self.jp.and_then(|jp| check_jp(jp, &mut errors));
        match (title, location) {
            (Ok(title), Ok(location)) if errors.is_empty() => Ok(NewSession {
                kind: self.kind,
                title,
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                location,
                facilitator_ids,
                jp,
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// A JSON merge patch of a session: send only the fields to change; `null` clears `location`. `id`, `event_id`,
/// `version` and timestamps are read-only. When `starts_at` or `ends_at` change and `jp` is not sent, the JP is
/// derived again from the new duration.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"location": "Ruang Kunjungan", "ends_at": "2025-08-02T10:00:00+07:00"}))]
pub struct UpdateSessionRequest {
    /// A code of the session kinds table (see the create request).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, pattern = "^[a-z][a-z0-9_]{1,39}$", min_length = 2, max_length = 40)]
    pub kind: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 300)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = DateTime<Utc>)]
    pub starts_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = DateTime<Utc>)]
    pub ends_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 300)]
    pub location: Option<Option<String>>,
    /// Replaces the facilitators.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Vec<Uuid>, max_items = 20)]
    pub facilitator_ids: Option<Option<Vec<Uuid>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = i64, minimum = 0, maximum = 100)]
    pub jp: Option<Option<i64>>,
}

impl UpdateSessionRequest {
    fn parse(self) -> Result<SessionPatch, ApiError> {
        let mut errors = Vec::new();
        let kind = not_null("kind", self.kind, &mut errors);
        if let Some(kind) = &kind {
            check_kind_syntax(kind, &mut errors);
        }
        let title = not_null("title", self.title, &mut errors).and_then(|t| {
            text::required("title", &t, 300)
                .map_err(|e| errors.push(e))
                .ok()
        });
        let starts_at = not_null("starts_at", self.starts_at, &mut errors);
        let ends_at = not_null("ends_at", self.ends_at, &mut errors);
        if let (Some(s), Some(e)) = (starts_at, ends_at) {
            check_times(s, e, &mut errors);
        }
        let location = match self.location {
            Some(Some(l)) => text::optional("location", Some(&l), 300)
                .map(Some)
                .unwrap_or_else(|e| {
                    errors.push(e);
                    None
                }),
            other => other,
        };
        let facilitator_ids = not_null("facilitator_ids", self.facilitator_ids, &mut errors);
        if let Some(ids) = &facilitator_ids {
            check_facilitators(ids, &mut errors);
        }
        let jp = not_null("jp", self.jp, &mut errors).and_then(|jp| check_jp(jp, &mut errors));
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(SessionPatch {
            kind,
            title,
            starts_at,
            ends_at,
            location,
            facilitator_ids,
            jp,
        })
    }
}

/// Filters and paging of the session list of an event.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListSessionsQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only sessions of this kind.
    #[param(pattern = "^[a-z][a-z0-9_]{1,39}$", min_length = 2, max_length = 40)]
    pub kind: Option<String>,
    /// Sort order; `-` means descending. Ties are broken by id.
    #[param(inline)]
    pub sort: Option<SessionSort>,
    /// Only records changed at or after this time (RFC 3339, e.g. `2025-08-01T00:00:00Z`): an incremental sync.
    /// Deletions and erasures do not show here; the change feed (`GET /api/v1/changes`) has them.
    pub updated_since: Option<DateTime<Utc>>,
}

impl ListSessionsQuery {
    fn parse(self) -> Result<SessionList, ApiError> {
        let mut errors = Vec::new();
        let page = PageRequest::parse(self.limit, self.offset, &mut errors);
        if let Some(kind) = &self.kind {
            check_kind_syntax(kind, &mut errors);
        }
        let filter = SessionFilter {
            kind: self.kind,
            updated_since: self.updated_since,
        };
        let sort = self.sort.unwrap_or_default();
        super::checked_query(SessionList { filter, sort, page }, errors)
    }
}

fn session_response(session: Session, status: StatusCode) -> HttpResponse {
    let body = SessionResponse::from(session);
    super::versioned(status, "sessions", body.id, body.version, body)
}

/// List the sessions of an event
///
/// The event's sessions in time order (`starts_at`, then id), with their facilitators and JP. Session schedules
/// are not personal data: any authenticated user may read those of a published, ongoing, completed or cancelled
/// event; those of a draft only the event's organizers and administrators (404 for everybody else).
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The event id"), ListSessionsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of sessions.", body = Page<SessionResponse>),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}/sessions")]
pub async fn list_sessions(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<ListSessionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = query.0.parse().into();
    let page = service::sessions::list(&state.pool, &user, id.into_inner(), request).await?;
    Ok(HttpResponse::Ok().json(page.map(SessionResponse::from)))
}

/// Add a session to an event
///
/// `kind` is a code of the session kinds table; `starts_at < ends_at`, both within the event's dates taken as
/// days in WIB (UTC+7) (422 `outside_event_dates`); facilitators must have the role `facilitator`, `organizer` or
/// `admin` and may not lead another overlapping session, of any event (409 `facilitator_busy`; sessions of
/// cancelled events do not count; back-to-back sessions are fine). Without `jp`, the JP is floor(duration in
/// minutes / the event's `jp_minutes`). Sessions of completed or cancelled events cannot be added (409
/// `event_not_editable`). Administrators and the event's organizers only.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The event id")),
    request_body = CreateSessionRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; `Location` names the new session.", body = SessionResponse,
            headers(("Location" = String, description = "The URL of the new session"), ("ETag" = String, description = "The version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/events/{id}/sessions")]
pub async fn create_session(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonBody<CreateSessionRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(CreateSessionRequest::parse);
    let session =
        service::sessions::create(&state.pool, &user, id.into_inner(), input.into()).await?;
    Ok(session_response(session, StatusCode::CREATED))
}

/// Read a session
///
/// Readable by whoever may read its event's sessions (drafts: only the event's organizers and administrators;
/// 404 for everybody else). The `ETag` header carries the version for a later `If-Match`.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The session id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The session.", body = SessionResponse,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/sessions/{id}")]
pub async fn get_session(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let session = service::sessions::get(&state.pool, &user, id.into_inner()).await?;
    Ok(session_response(session, StatusCode::OK))
}

/// Change a session
///
/// A JSON merge patch (`application/merge-patch+json` or `application/json`) of `kind`, `title`, `starts_at`,
/// `ends_at`, `location`, `facilitator_ids` and `jp`, under the rules of creation. When the times change and `jp`
/// is not sent, the JP is derived again. Sessions of completed or cancelled events cannot be changed (409
/// `event_not_editable`). With `If-Match: "<version>"` the change applies only to that version (412 otherwise).
/// Administrators and the event's organizers only.
#[utoipa::path(
    tag = "sessions",
    params(
        ("id" = Uuid, Path, description = "The session id"),
        IfMatch
    ),
    request_body(content = UpdateSessionRequest, content_type = "application/merge-patch+json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The changed session.", body = SessionResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[patch("/sessions/{id}")]
pub async fn update_session(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateSessionRequest>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().and_then(UpdateSessionRequest::parse);
    let session = service::sessions::update(
        &state.pool,
        &user,
        id.into_inner(),
        if_match.0,
        patch.into(),
    )
    .await?;
    Ok(session_response(session, StatusCode::OK))
}

/// Delete a session
///
/// Deletes a session without attendance records (204); one with attendance answers 409 `in_use`. Sessions of
/// completed or cancelled events cannot be deleted (409 `event_not_editable`). Honours `If-Match`.
/// Administrators and the event's organizers only.
#[utoipa::path(
    tag = "sessions",
    params(
        ("id" = Uuid, Path, description = "The session id"),
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
#[delete("/sessions/{id}")]
pub async fn delete_session(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service::sessions::delete(&state.pool, &user, id.into_inner(), if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_sessions)
        .service(create_session)
        .service(get_session)
        .service(update_session)
        .service(delete_session);
}
