//! The OpenAPI document: information, security scheme and shared problem responses. Paths and schemas come from
//! the handlers registered in `api::routes`, through utoipa-actix-web: no second list of paths exists.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::error::Problem;

pub const BEARER: &str = "bearer_auth";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "bimtek-api",
        description = "REST API for the technical-guidance trainings (Bimtek) of the regional corrections office \
(Kanwil Ditjenpas) of Central Kalimantan: the officers who take part, training events and their sessions, \
attendance and evaluations.\n\n\
**Authentication.** `POST /api/v1/auth/login` returns a short-lived access token (JWT) and a refresh token. \
Send the access token as `Authorization: Bearer <token>`; in Swagger UI, paste it into **Authorize**. \
Before it expires, trade the refresh token for a new pair at `POST /api/v1/auth/refresh`.\n\n\
**Errors.** Every error is an RFC 9457 `application/problem+json` document with a stable `code`; validation \
errors (422) list every offending field in `errors[]`.\n\n\
**Lists** take `limit` (1-100, default 20) and `offset` and answer `{items, total, limit, offset}`.\n\n\
**Concurrency.** Mutable resources carry a `version`; `GET` sends it as `ETag`, and `PATCH`/`DELETE` with \
`If-Match` answer 412 when it is stale. A `GET` with `If-None-Match` naming the current `ETag` (weak comparison, \
`*` matches) answers 304 without a body; every answer is `Cache-Control: no-store`.",
        version = "1.0.0",
        license(name = "MIT")
    ),
    modifiers(&Security),
    components(responses(
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        PreconditionFailed,
        PayloadTooLarge,
        UnsupportedMediaType,
        ValidationFailed,
        TooManyRequests,
        ServiceUnavailable,
        InternalError
    )),
    tags(
        (name = "health", description = "Liveness and readiness probes."),
        (name = "auth", description = "Login, token refresh and logout."),
        (name = "users", description = "User accounts and roles (administrators only)."),
        (name = "units", description = "The Kanwil and its technical units (UPT: Lapas, Rutan, Bapas, ...)."),
        (name = "participants", description = "Officers (pegawai) who take part in trainings. Personal data: the full NIP and contacts are shown only to those entitled."),
        (name = "programs", description = "Training tracks that group events, e.g. PM Rehabilitasi Sosial 2025."),
        (name = "events", description = "Training events (Bimtek) and their lifecycle draft -> published -> ongoing -> completed (or cancelled)."),
        (name = "sessions", description = "Sessions of an event (morning meeting, seminar, group therapy, ...) with facilitators and JP."),
        (name = "enrollments", description = "Nomination, approval up to capacity, waitlist and withdrawal of officers in an event."),
        (name = "attendance", description = "Attendance (presensi) per session: lists taken by facilitators, and check-in with a code.")
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from `POST /api/v1/auth/login` (valid for 15 minutes by default).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The request cannot be read: malformed JSON, or a bad path or query value.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:malformed_json", "title": "Bad Request", "status": 400,
        "detail": "The request body is not valid JSON (line 1, column 9).", "code": "malformed_json"})
)]
#[allow(dead_code)]
pub struct BadRequest(Problem);

/// No valid bearer token. The `WWW-Authenticate` header says `Bearer`, with `error="invalid_token"` when a token
/// was sent but refused.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"bimtek-api\"`, with `error=\"invalid_token\"` for a refused token")),
    example = json!({"type": "urn:bimtek-api:problem:invalid_token", "title": "Unauthorized", "status": 401,
        "detail": "The access token is invalid, expired or revoked.", "code": "invalid_token"})
)]
#[allow(dead_code)]
pub struct Unauthorized(Problem);

/// The token is valid but the caller's role or ownership does not allow the operation.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:forbidden", "title": "Forbidden", "status": 403,
        "detail": "Your role does not allow this operation.", "code": "forbidden"})
)]
#[allow(dead_code)]
pub struct Forbidden(Problem);

/// No such resource (or one the caller may not know of).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:not_found", "title": "Not Found", "status": 404,
        "detail": "User not found.", "code": "not_found"})
)]
#[allow(dead_code)]
pub struct NotFound(Problem);

/// The request conflicts with the current state, e.g. a username that is taken.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:already_exists", "title": "Conflict", "status": 409,
        "detail": "A resource with this username already exists.", "code": "already_exists",
        "errors": [{"field": "username", "code": "already_exists", "message": "is already taken"}]})
)]
#[allow(dead_code)]
pub struct Conflict(Problem);

/// `If-Match` does not name the current version: read the resource again.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:precondition_failed", "title": "Precondition Failed",
        "status": 412, "detail": "The resource has changed since you read it: If-Match does not name its current version. Read it again and retry.",
        "code": "precondition_failed"})
)]
#[allow(dead_code)]
pub struct PreconditionFailed(Problem);

/// The body is larger than the limit (64 KiB by default).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:payload_too_large", "title": "Payload Too Large",
        "status": 413, "detail": "The request body is larger than the limit of 65536 bytes.", "code": "payload_too_large"})
)]
#[allow(dead_code)]
pub struct PayloadTooLarge(Problem);

/// The body must be `application/json`.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:unsupported_media_type", "title": "Unsupported Media Type",
        "status": 415, "detail": "The request body must be sent as application/json.", "code": "unsupported_media_type"})
)]
#[allow(dead_code)]
pub struct UnsupportedMediaType(Problem);

/// The input is invalid; `errors[]` lists every offending field.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:validation_failed", "title": "Unprocessable Entity",
        "status": 422, "detail": "The request has 2 invalid fields.", "code": "validation_failed",
        "errors": [
            {"field": "password", "code": "too_short", "message": "must be at least 12 characters"},
            {"field": "role", "code": "invalid_value", "message": "unknown variant `root`, expected one of `admin`, `organizer`, `unit_operator`, `facilitator`, `participant`"}
        ]})
)]
#[allow(dead_code)]
pub struct ValidationFailed(Problem);

/// Too many requests; wait for `Retry-After` seconds.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds to wait before retrying")),
    example = json!({"type": "urn:bimtek-api:problem:too_many_requests", "title": "Too Many Requests",
        "status": 429, "detail": "Too many requests; retry after 30 seconds.", "code": "too_many_requests"})
)]
#[allow(dead_code)]
pub struct TooManyRequests(Problem);

/// The database is unreachable or every connection is busy; retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds to wait before retrying")),
    example = json!({"type": "urn:bimtek-api:problem:service_unavailable", "title": "Service Unavailable",
        "status": 503, "detail": "The service cannot reach its database right now; retry after 2 seconds.",
        "code": "service_unavailable"})
)]
#[allow(dead_code)]
pub struct ServiceUnavailable(Problem);

/// An unexpected error; the body carries no internal detail (the log has it, under the `X-Request-Id`).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:internal_error", "title": "Internal Server Error",
        "status": 500, "detail": "An unexpected error occurred. It has been logged.", "code": "internal_error"})
)]
#[allow(dead_code)]
pub struct InternalError(Problem);
