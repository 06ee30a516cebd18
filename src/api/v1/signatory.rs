//! `/api/v1/events/{id}/signatory` and `/api/v1/programs/{id}/signatory`: who signs an event's certificates (the
//! program's signatory is the default of its events, field by field).

use actix_web::{HttpResponse, put, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::JsonBody;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::signatory::Signatory;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(set_event_signatory)
        .service(set_program_signatory);
}

/// Who signs certificates. It replaces the stored signatory whole: an absent or null field is cleared (then the
/// program's applies to an event; a field set nowhere prints as a dotted line to fill in by hand).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Kepala Kantor Wilayah Direktorat Jenderal Pemasyarakatan Kalimantan Tengah",
    "name": "I Putu Murdiana",
    "nip": "197001011990031001",
    "place": "Palangka Raya",
    "signed_electronically": false
}))]
pub struct SignatoryRequest {
    /// The official's title (jabatan), 1-200 characters.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub title: Option<String>,
    /// 1-200 characters.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// 18 digits.
    #[serde(default)]
    #[schema(pattern = "^[0-9]{18}$")]
    pub nip: Option<String>,
    /// Where it is signed, printed before the issue date (`Palangka Raya, 4 Agustus 2025`), 1-100 characters.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub place: Option<String>,
    /// `true`: the certificates carry the note that they were signed electronically (verifiable by their QR
    /// code) instead of room for a wet signature and stamp. Null on an event: as its program (default false).
    #[serde(default)]
    pub signed_electronically: Option<bool>,
}

impl SignatoryRequest {
    fn parse(self) -> Result<Signatory, ApiError> {
        service::signatory::check(
            self.title.as_deref(),
            self.name.as_deref(),
            self.nip.as_deref(),
            self.place.as_deref(),
            self.signed_electronically,
        )
    }
}

/// The stored signatory.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "title": "Kepala Kantor Wilayah Direktorat Jenderal Pemasyarakatan Kalimantan Tengah",
    "name": "I Putu Murdiana",
    "nip": "197001011990031001",
    "place": "Palangka Raya",
    "signed_electronically": null
}))]
pub struct SignatoryResponse {
    pub title: Option<String>,
    pub name: Option<String>,
    pub nip: Option<String>,
    pub place: Option<String>,
    pub signed_electronically: Option<bool>,
}

impl From<Signatory> for SignatoryResponse {
    fn from(s: Signatory) -> Self {
        Self {
            title: s.title,
            name: s.name,
            nip: s.nip,
            place: s.place,
            signed_electronically: s.signed_electronically,
        }
    }
}

/// Set an event's signatory
///
/// Who signs the event's certificates; the program's signatory fills the fields left empty. Certificates keep
/// the signatory of the moment they are issued. The event's managers (admins, its organizers).
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "The event id")),
    request_body(content = SignatoryRequest, content_type = "application/json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The event's stored signatory.", body = SignatoryResponse),
        (status = 404, response = responses::NotFound),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[put("/events/{id}/signatory")]
pub async fn set_event_signatory(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonBody<SignatoryRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(SignatoryRequest::parse);
    let stored =
        service::signatory::set_for_event(&state.pool, &user, id.into_inner(), input.into())
            .await?;
    Ok(HttpResponse::Ok().json(SignatoryResponse::from(stored)))
}

/// Set a program's signatory
///
/// The default signatory of the program's events. Administrators and organizers.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "The program id")),
    request_body(content = SignatoryRequest, content_type = "application/json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The program's stored signatory.", body = SignatoryResponse),
        (status = 404, response = responses::NotFound),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[put("/programs/{id}/signatory")]
pub async fn set_program_signatory(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonBody<SignatoryRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(SignatoryRequest::parse);
    let stored =
        service::signatory::set_for_program(&state.pool, &user, id.into_inner(), input.into())
            .await?;
    Ok(HttpResponse::Ok().json(SignatoryResponse::from(stored)))
}
