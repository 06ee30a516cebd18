//! `/api/v1/me`: the caller.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::service;
use crate::service::reports::ParticipantRef;
use crate::service::users::Me;
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

impl From<Me> for MeResponse {
    fn from(view: Me) -> Self {
        Self {
            id: view.user.id,
            username: view.user.username,
            display_name: view.user.display_name,
            role: view.user.role,
            unit: view.unit.map(|u| UnitRef {
                id: u.id,
                code: u.code,
                name: u.name,
            }),
            participant: view.participant.map(|p| ParticipantRef {
                id: p.id,
                full_name: Some(p.full_name),
            }),
        }
    }
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
    let view = service::users::me(&state.pool, &user).await?;
    Ok(HttpResponse::Ok().json(MeResponse::from(view)))
}
