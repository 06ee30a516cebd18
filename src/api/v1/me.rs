//! `/api/v1/me`: the caller.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::service;
use crate::state::AppState;

/// A unit, by id, code and name.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0f8fad5b-d9cb-469f-a165-70867728950e", "code": "KANWIL-KALTENG",
    "name": "Kantor Wilayah Direktorat Jenderal Pemasyarakatan Kalimantan Tengah"}))]
pub struct UnitRef {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// The participant (officer) record linked to an account.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "full_name": "Agus Setiawan"}))]
pub struct ParticipantRef {
    pub id: Uuid,
    pub full_name: String,
}

/// The authenticated caller.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
    "username": "admin",
    "display_name": "Admin Kanwil (demo)",
    "role": "admin",
    "unit": {"id": "0f8fad5b-d9cb-469f-a165-70867728950e", "code": "KANWIL-KALTENG",
        "name": "Kantor Wilayah Direktorat Jenderal Pemasyarakatan Kalimantan Tengah"},
    "participant": null
}))]
pub struct MeResponse {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    /// The unit of the account: for a `unit_operator`, the unit whose officers they manage.
    pub unit: Option<UnitRef>,
    /// For a `participant` account: the officer record it belongs to.
    pub participant: Option<ParticipantRef>,
}

/// Who am I
///
/// The authenticated caller: account, role, unit and linked participant record. Frontends call it after login to
/// decide what to show.
#[utoipa::path(
    tag = "auth",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The caller.", body = MeResponse)
    )
)]
#[get("/me")]
pub async fn me(user: AuthUser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let id = user.id;
    let (row, unit, participant) =
        db::read(&state.pool, move |conn| service::users::me(conn, id)).await?;
    let role = Role::parse(&row.role).ok_or_else(|| ApiError::internal_msg("unknown role"))?;
    Ok(HttpResponse::Ok().json(MeResponse {
        id: row.id,
        username: row.username,
        display_name: row.display_name,
        role,
        unit: unit.map(|(id, code, name)| UnitRef { id, code, name }),
        participant: participant.map(|(id, full_name)| ParticipantRef { id, full_name }),
    }))
}
