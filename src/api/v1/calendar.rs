//! `/api/v1/me/calendar-token`, `/api/v1/calendar/{token}.ics` and `/api/v1/events/{id}/calendar.ics`: calendar
//! feeds (RFC 5545) of sessions, for a calendar application to subscribe to.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, delete, get, post, web};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(issue_calendar_token)
        .service(revoke_calendar_token)
        .service(private_feed)
        .service(event_feed);
}

/// A calendar feed's token and address. The token is shown this once; whoever has the address reads the feed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"token": "mF3q9Zk1xTq0b2vL8yNw4cR7pJd6hS5aE1uG0iK3oYs",
    "url": "https://bimtek.example.go.id/api/v1/calendar/mF3q9Zk1xTq0b2vL8yNw4cR7pJd6hS5aE1uG0iK3oYs.ics"}))]
pub struct CalendarTokenResponse {
    pub token: String,
    /// Subscribe to this address in a calendar application (Google Calendar: "From URL"; Outlook: "Subscribe from
    /// web"; Apple Calendar: "New Calendar Subscription").
    pub url: String,
}

/// The text of a feed, with its strong `ETag` (a hash of the text) and its cache policy.
fn ics(text: String, cache_control: &'static str, file_name: &str) -> HttpResponse {
    let digest = Sha256::digest(text.as_bytes());
    let tag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/calendar; charset=utf-8"))
        .insert_header((header::ETAG, format!("\"{tag}\"")))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{file_name}\""),
        ))
        .body(text)
}

/// Issue (or rotate) my calendar feed
///
/// Issues a random token for the caller's private calendar feed and answers it once with the feed's address; an
/// earlier token stops working at once (the way to revoke an address that was shared by mistake). The feed holds
/// the sessions the caller leads as facilitator, those of the events they organize and, for an officer, those of
/// the events they are approved in. Stored as a hash only. Any signed-in account; not service accounts.
#[utoipa::path(
    tag = "sessions",
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The token and the feed's address.", body = CalendarTokenResponse)
    )
)]
#[post("/me/calendar-token")]
pub async fn issue_calendar_token(
    user: AuthUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = service::calendar::issue_token(&state.pool, &user).await?;
    let url = format!(
        "{}/api/v1/calendar/{token}.ics",
        state.settings.public_base_url.trim_end_matches('/')
    );
    Ok(HttpResponse::build(StatusCode::CREATED).json(CalendarTokenResponse { token, url }))
}

/// Revoke my calendar feed
///
/// The feed's address stops working (404). Nothing to revoke: 204 as well.
#[utoipa::path(
    tag = "sessions",
    security(("bearer_auth" = [])),
    responses((status = 204, description = "Revoked."))
)]
#[delete("/me/calendar-token")]
pub async fn revoke_calendar_token(
    user: AuthUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    service::calendar::revoke_token(&state.pool, &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A private calendar feed
///
/// The feed of `POST /api/v1/me/calendar-token` (RFC 5545, `text/calendar`), opened by its token alone: one VEVENT
/// per session, with a stable `UID`, `DTSTAMP`, a `SEQUENCE` that grows with each change of the session or its
/// event, `STATUS:CANCELLED` once the event is cancelled, the times in `Asia/Jakarta` (with its `VTIMEZONE`), the
/// place, and in the description the JP and the check-in window; no NIP, name or contact. `ETag` and 304;
/// `Cache-Control: private, max-age=300`. An unknown, rotated or revoked token: 404, whether it ever existed or not.
#[utoipa::path(
    tag = "sessions",
    params(("token" = String, Path, description = "The feed's token", example = "mF3q9Zk1xTq0b2vL8yNw4cR7pJd6hS5aE1uG0iK3oYs",
        min_length = 43, max_length = 43, pattern = "^[A-Za-z0-9_-]{43}$")),
    responses(
        (status = 200, description = "The feed.", content_type = "text/calendar; charset=utf-8", body = String,
            headers(("ETag" = String, description = "A hash of the feed"))),
        (status = 404, response = responses::NotFound),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[get("/calendar/{token}.ics")]
pub async fn private_feed(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let text = service::calendar::feed(&state.pool, token.into_inner()).await?;
    Ok(ics(text, "private, max-age=300", "jadwal-bimtek.ics"))
}

/// An event's calendar feed
///
/// The sessions of an event that is not a draft (a draft or an unknown event: 404), as the private feeds give them.
/// Public, no token; `ETag` and 304; `Cache-Control: public, max-age=300`.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path, description = "The event id")),
    responses(
        (status = 200, description = "The feed.", content_type = "text/calendar; charset=utf-8", body = String,
            headers(("ETag" = String, description = "A hash of the feed"))),
        (status = 404, response = responses::NotFound),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[get("/events/{id}/calendar.ics")]
pub async fn event_feed(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let text = service::calendar::event_feed(&state.pool, id.into_inner()).await?;
    Ok(ics(text, "public, max-age=300", "jadwal-kegiatan.ics"))
}
