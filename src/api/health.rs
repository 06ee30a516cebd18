//! Liveness and readiness probes.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::service;
use crate::state::AppState;

/// The state of the service.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct HealthStatus {
    /// Always `ok` when the service answers.
    pub status: &'static str,
}

/// Liveness
///
/// Answers 200 while the process serves HTTP, whatever the state of the database. For a container's liveness
/// probe: a failure means "restart me".
#[utoipa::path(tag = "health", responses((status = 200, description = "The process is alive.", body = HealthStatus)))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(HealthStatus { status: "ok" })
}

/// Readiness
///
/// Answers 200 when the service can reach its database, 503 (with `Retry-After`) while it cannot. It recovers by
/// itself when the database comes back. For a load balancer's readiness probe.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "The database is reachable.", body = HealthStatus),
        (status = 503, response = crate::openapi::ServiceUnavailable),
        (status = 500, response = crate::openapi::InternalError)
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    service::health::ready(&state.pool).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(HealthStatus { status: "ok" }))
}
