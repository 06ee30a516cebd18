//! `/api/v1/letterhead` (the default, the Kanwil's) and `/api/v1/units/{id}/letterhead` (a host unit's own): the
//! letterhead (kop surat) printed on certificates and attendance lists. Administrators set them; administrators
//! and organizers read them.

use actix_web::http::header;
use actix_web::{HttpResponse, get, put, web};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::{IfMatch, JsonBody, etag};
use crate::auth::AuthUser;
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::letterhead::{Letterhead, NewLetterhead, Scope, Source};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_default_letterhead)
        .service(set_default_letterhead)
        .service(get_unit_letterhead)
        .service(set_unit_letterhead);
}

/// Where a letterhead comes from: `unit` (the unit's own), `default` (the Kanwil's, set by an administrator) or
/// `builtin` (none stored: the built-in Kanwil lines).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LetterheadSource {
    Unit,
    Default,
    Builtin,
}

/// A letterhead.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "unit_id": null,
    "source": "default",
    "heading": [
        "KEMENTERIAN IMIGRASI DAN PEMASYARAKATAN REPUBLIK INDONESIA",
        "DIREKTORAT JENDERAL PEMASYARAKATAN",
        "KANTOR WILAYAH DIREKTORAT JENDERAL PEMASYARAKATAN KALIMANTAN TENGAH"
    ],
    "contact": ["Jalan Tjilik Riwut Km. 1,5 Palangka Raya 73112", "Laman: kalteng.ditjenpas.go.id"],
    "logo": null,
    "logo_type": null,
    "version": 1
}))]
pub struct LetterheadResponse {
    /// The unit asked for (null: the default).
    pub unit_id: Option<Uuid>,
    pub source: LetterheadSource,
    /// Bold centred lines: ministry, directorate general, office (the last printed largest).
    pub heading: Vec<String>,
    /// Small lines under them: address, phone, e-mail, website.
    pub contact: Vec<String>,
    /// The logo, base64 (standard alphabet), or null.
    pub logo: Option<String>,
    /// `image/png` or `image/jpeg`, or null.
    pub logo_type: Option<String>,
    /// The stored version (0 for the built-in letterhead), sent as `ETag` and expected in `If-Match`.
    pub version: i32,
}

impl From<Letterhead> for LetterheadResponse {
    fn from(l: Letterhead) -> Self {
        Self {
            unit_id: l.unit_id,
            source: match l.source {
                Source::Unit => LetterheadSource::Unit,
                Source::Default => LetterheadSource::Default,
                Source::Builtin => LetterheadSource::Builtin,
            },
            heading: l.heading,
            contact: l.contact,
            logo_type: l.logo.as_ref().map(|logo| logo.kind.mime().to_owned()),
            logo: l
                .logo
                .map(|logo| base64::engine::general_purpose::STANDARD.encode(logo.bytes)),
            version: l.version,
        }
    }
}

/// One line of a letterhead in the spec: 1-150 characters, not blank, without control characters (the server
/// trims it). The body holds plain strings; this type only names their schema.
pub struct LetterheadLine;

impl utoipa::PartialSchema for LetterheadLine {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(150))
            .pattern(Some(
                r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$",
            ))
            .examples([serde_json::json!("DIREKTORAT JENDERAL PEMASYARAKATAN")])
            .into()
    }
}

impl ToSchema for LetterheadLine {}

/// A letterhead to store (it replaces the stored one whole).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "heading": [
        "KEMENTERIAN IMIGRASI DAN PEMASYARAKATAN REPUBLIK INDONESIA",
        "DIREKTORAT JENDERAL PEMASYARAKATAN",
        "KANTOR WILAYAH DIREKTORAT JENDERAL PEMASYARAKATAN KALIMANTAN TENGAH"
    ],
    "contact": ["Jalan Tjilik Riwut Km. 1,5 Palangka Raya 73112", "Laman: kalteng.ditjenpas.go.id"],
    "logo": null
}))]
pub struct LetterheadRequest {
    /// 1-5 lines of 1-150 characters.
    #[schema(min_items = 1, max_items = 5, value_type = Vec<LetterheadLine>)]
    pub heading: Vec<String>,
    /// 0-4 lines of 1-150 characters.
    #[serde(default)]
    #[schema(max_items = 4, value_type = Vec<LetterheadLine>)]
    pub contact: Vec<String>,
    /// A PNG or JPEG (recognised by its bytes, at most 40 KiB, at most 2000 pixels a side), base64 (standard
    /// alphabet, padded); null or absent: no logo.
    #[serde(default)]
    #[schema(
        max_length = 54616,
        pattern = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
    )]
    pub logo: Option<String>,
}

/// Base64 as the schema's pattern states it (standard alphabet, padded): every string of the pattern decodes,
/// also one whose last character carries non-zero unused bits (as some encoders leave them).
const LOGO_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

impl LetterheadRequest {
    fn parse(self) -> Result<NewLetterhead, ApiError> {
        let logo = match self.logo {
            None => None,
            Some(text) => Some(LOGO_BASE64.decode(text.trim()).map_err(|_| {
                ApiError::validation(vec![FieldError::new(
                    "logo",
                    "invalid_format",
                    "must be base64 (standard alphabet, padded)",
                )])
            })?),
        };
        service::letterhead::check(self.heading, self.contact, logo)
    }
}

fn respond(letterhead: Letterhead) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    if letterhead.version > 0 {
        response.insert_header((header::ETAG, etag(letterhead.version)));
    }
    response.json(LetterheadResponse::from(letterhead))
}

/// Read the default letterhead
///
/// The Kanwil's letterhead, printed by every host unit without its own (`source` `default`), or the built-in
/// lines when none is stored (`builtin`, version 0). Administrators and organizers.
#[utoipa::path(
    tag = "documents",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The default letterhead.", body = LetterheadResponse)
    )
)]
#[get("/letterhead")]
pub async fn get_default_letterhead(
    user: AuthUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let letterhead = service::letterhead::get(&state.pool, &user, Scope::Default).await?;
    Ok(respond(letterhead))
}

/// Set the default letterhead
///
/// Replaces the Kanwil's letterhead: its heading lines, contact lines and optional logo (base64 PNG or JPEG, at
/// most 40 KiB). Every offending field is named in a 422. Honours `If-Match`. Administrators only.
#[utoipa::path(
    tag = "documents",
    params(IfMatch),
    request_body(content = LetterheadRequest, content_type = "application/json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The stored letterhead.", body = LetterheadResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 412, response = responses::PreconditionFailed),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[put("/letterhead")]
pub async fn set_default_letterhead(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    body: JsonBody<LetterheadRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(LetterheadRequest::parse);
    let letterhead =
        service::letterhead::set(&state.pool, &user, Scope::Default, if_match.0, input.into())
            .await?;
    Ok(respond(letterhead))
}

/// Read a unit's letterhead
///
/// The letterhead the unit's documents print: its own (`source` `unit`), else the default (`default`), else the
/// built-in one (`builtin`). Administrators and organizers.
#[utoipa::path(
    tag = "documents",
    params(("id" = Uuid, Path, description = "The unit id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The unit's letterhead.", body = LetterheadResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/units/{id}/letterhead")]
pub async fn get_unit_letterhead(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let scope = Scope::Unit(id.into_inner());
    let letterhead = service::letterhead::get(&state.pool, &user, scope).await?;
    Ok(respond(letterhead))
}

/// Set a unit's letterhead
///
/// Gives a host unit a letterhead of its own (as the default's body). `If-Match` names the version of the unit's
/// own letterhead. Administrators only.
#[utoipa::path(
    tag = "documents",
    params(("id" = Uuid, Path, description = "The unit id"), IfMatch),
    request_body(content = LetterheadRequest, content_type = "application/json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The unit's stored letterhead.", body = LetterheadResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 412, response = responses::PreconditionFailed),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[put("/units/{id}/letterhead")]
pub async fn set_unit_letterhead(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<LetterheadRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(LetterheadRequest::parse);
    let scope = Scope::Unit(id.into_inner());
    let letterhead =
        service::letterhead::set(&state.pool, &user, scope, if_match.0, input.into()).await?;
    Ok(respond(letterhead))
}
