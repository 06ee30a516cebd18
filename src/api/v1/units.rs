//! `/api/v1/units`: the Kanwil and its technical units (UPT). Everyone signed in reads; administrators write.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::{ApiQuery, IfMatch, JsonBody};
use crate::api::v1::{double_option, not_null};
use crate::auth::AuthUser;
use crate::domain::enums::{UnitClass, UnitType};
use crate::domain::page::{Page, PageRequest};
use crate::domain::sort::UnitSort;
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::units::{
    NewUnit, Unit, UnitFilter, UnitInput, UnitList, UnitPatch, parse_bounded, parse_code,
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_units)
        .service(create_unit)
        .service(get_unit)
        .service(update_unit)
        .service(delete_unit);
}

/// A unit: the Kanwil (regional office) or a UPT (Lapas, LPP, LPKA, Rutan, Bapas, Rupbasan, Pos Bapas).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "code": "LAPAS-KASONGAN",
    "name": "Lapas Narkotika Kelas IIA Kasongan",
    "type": "lapas",
    "class": "IIA",
    "parent_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "external_code": "WPLK.17",
    "active_from": "2010-01-01",
    "active_until": null,
    "archived_at": null,
    "version": 1,
    "created_at": "2025-07-20T03:00:00Z",
    "updated_at": "2025-07-20T03:00:00Z"
}))]
pub struct UnitResponse {
    pub id: Uuid,
    /// Unique code, upper case.
    pub code: String,
    pub name: String,
    /// The kind of unit.
    #[serde(rename = "type")]
    pub unit_type: UnitType,
    /// The class (kelas) of a UPT.
    pub class: Option<UnitClass>,
    /// The Kanwil a UPT belongs to, or the Bapas of a Pos Bapas.
    pub parent_id: Option<Uuid>,
    /// The code of the unit in the corrections information system.
    pub external_code: Option<String>,
    /// First day the unit is active (inclusive); `null` means since always.
    pub active_from: Option<NaiveDate>,
    /// Last day the unit is active (inclusive); `null` means still active.
    pub active_until: Option<NaiveDate>,
    /// When the unit was archived; archived units are hidden from lists unless `include_archived=true`.
    pub archived_at: Option<DateTime<Utc>>,
    /// Increases with every change; sent as `ETag`, expected in `If-Match`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Unit> for UnitResponse {
    fn from(row: Unit) -> Self {
        Self {
            unit_type: row.unit_type,
            class: row.class,
            id: row.id,
            code: row.code,
            name: row.name,
            parent_id: row.parent_id,
            external_code: row.external_code,
            active_from: row.active_from,
            active_until: row.active_until,
            archived_at: row.archived_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// Records the error of a field check and keeps its value when there is none.
fn keep<T>(result: Result<T, FieldError>, errors: &mut Vec<FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// A new unit.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "code": "pos-bapas-sampit",
    "name": "Pos Bapas Sampit",
    "type": "pos_bapas",
    "parent_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "external_code": "WPLK.21.1",
    "active_from": "2024-01-01"
}))]
pub struct CreateUnitRequest {
    /// Unique; 1-32 letters, digits, `.`, `_`, `-`, starting with a letter or digit. Stored in upper case.
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
    )]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The kind of unit.
    #[serde(rename = "type")]
    pub unit_type: UnitType,
    pub class: Option<UnitClass>,
    /// Required for a `pos_bapas` (a unit of type `bapas`); not allowed for a `kanwil`; optional for other UPTs
    /// (a unit of type `kanwil`).
    pub parent_id: Option<Uuid>,
    /// The code in the corrections information system.
    #[schema(min_length = 1, max_length = 64)]
    pub external_code: Option<String>,
    pub active_from: Option<NaiveDate>,
    /// On or after `active_from`.
    pub active_until: Option<NaiveDate>,
}

impl CreateUnitRequest {
    fn parse(self) -> Result<NewUnit, ApiError> {
        service::units::check_new(UnitInput {
            code: self.code,
            name: self.name,
            unit_type: self.unit_type,
            class: self.class,
            parent_id: self.parent_id,
            external_code: self.external_code,
            active_from: self.active_from,
            active_until: self.active_until,
        })
        .map_err(ApiError::validation)
    }
}

/// A JSON merge patch of a unit: send only the fields to change; `null` clears a nullable field.
/// `archived: true` archives the unit, `archived: false` restores it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Lapas Kelas IIA Palangka Raya", "class": "IIA", "archived": false}))]
pub struct UpdateUnitRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    pub code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option", rename = "type")]
    #[schema(value_type = UnitType)]
    pub unit_type: Option<Option<UnitType>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<UnitClass>, nullable)]
    pub class: Option<Option<UnitClass>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub parent_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, min_length = 1, max_length = 64)]
    pub external_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub active_from: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub active_until: Option<Option<NaiveDate>>,
    /// `true` archives the unit (sets `archived_at`), `false` restores it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = bool)]
    pub archived: Option<Option<bool>>,
}

impl UpdateUnitRequest {
    fn parse(self) -> Result<UnitPatch, ApiError> {
        let mut errors = Vec::new();
        let code = not_null("code", self.code, &mut errors)
            .and_then(|c| keep(parse_code("code", &c), &mut errors));
        let name = not_null("name", self.name, &mut errors)
            .and_then(|n| keep(text::required("name", &n, 200), &mut errors));
        let unit_type = not_null("type", self.unit_type, &mut errors);
        let archived = not_null("archived", self.archived, &mut errors);
        let external_code = match self.external_code {
            Some(Some(c)) => keep(parse_bounded("external_code", &c, 64), &mut errors).map(Some),
            other => other,
        };
        if let (Some(Some(from)), Some(Some(until))) = (self.active_from, self.active_until) {
            errors.extend(service::units::period_error(Some(from), Some(until)));
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(UnitPatch {
            code,
            name,
            unit_type,
            class: self.class,
            parent_id: self.parent_id,
            external_code,
            active_from: self.active_from,
            active_until: self.active_until,
            archived,
        })
    }
}

/// Filters and paging of the unit list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUnitsQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only units of this type.
    #[serde(rename = "type")]
    pub unit_type: Option<UnitType>,
    /// Only the direct children of this unit.
    pub parent_id: Option<Uuid>,
    /// Case-insensitive substring of the code or name (`%` and `_` match literally).
    #[param(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub q: Option<String>,
    /// Only the unit with exactly this external code (its code in the corrections information system; unique, so
    /// the page holds at most one unit).
    #[param(min_length = 1, max_length = 64)]
    pub external_code: Option<String>,
    /// Only units active on this day (`active_from` <= day <= `active_until`, open ends included).
    pub active_on: Option<NaiveDate>,
    /// Include archived units (default `false`).
    #[param(default = false)]
    pub include_archived: Option<bool>,
    /// Sort order; `-` means descending. Ties are broken by id.
    #[param(inline)]
    pub sort: Option<UnitSort>,
    /// Only records changed at or after this time (RFC 3339, e.g. `2025-08-01T00:00:00Z`): an incremental sync.
    /// Deletions and erasures do not show here; the change feed (`GET /api/v1/changes`) has them.
    pub updated_since: Option<DateTime<Utc>>,
}

impl ListUnitsQuery {
    fn parse(self) -> Result<UnitList, ApiError> {
        let mut errors = Vec::new();
        let page = PageRequest::parse(self.limit, self.offset, &mut errors);
        let q = super::search_query(self.q, &mut errors);
        let external_code = self
            .external_code
            .and_then(|c| keep(parse_bounded("external_code", &c, 64), &mut errors));
        let filter = UnitFilter {
            unit_type: self.unit_type,
            parent_id: self.parent_id,
            q,
            external_code,
            active_on: self.active_on,
            include_archived: self.include_archived.unwrap_or(false),
            updated_since: self.updated_since,
        };
        let sort = self.sort.unwrap_or_default();
        super::checked_query(UnitList { filter, sort, page }, errors)
    }
}

fn unit_response(unit: Unit, status: StatusCode) -> HttpResponse {
    let body = UnitResponse::from(unit);
    super::versioned(status, "units", body.id, body.version, body)
}

/// List units
///
/// Pages through the units, filtered by type, parent, a search text, the external code (exact) or the day they are
/// active on. Archived units
/// are left out unless `include_archived=true`. Every signed-in role may read units.
#[utoipa::path(
    tag = "units",
    params(ListUnitsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of units.", body = Page<UnitResponse>)
    )
)]
#[get("/units")]
pub async fn list_units(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListUnitsQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::units::list(&state.pool, &user, query.0.parse().into()).await?;
    Ok(HttpResponse::Ok().json(page.map(UnitResponse::from)))
}

/// Create a unit
///
/// Creates a Kanwil or a UPT. The code is upper-cased and must be unique, and so must `external_code` when given
/// (409 `already_exists` naming the field otherwise). A `pos_bapas` needs a
/// `parent_id` naming a `bapas`; a `kanwil` has no parent; other UPTs may name their `kanwil` as parent.
/// Administrators only.
#[utoipa::path(
    tag = "units",
    request_body = CreateUnitRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; `Location` names the new unit.", body = UnitResponse,
            headers(("Location" = String, description = "The URL of the new unit"), ("ETag" = String, description = "The version"))),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/units")]
pub async fn create_unit(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<CreateUnitRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(CreateUnitRequest::parse);
    let unit = service::units::create(&state.pool, &user, input.into()).await?;
    Ok(unit_response(unit, StatusCode::CREATED))
}

/// Read a unit
///
/// Any signed-in role may read a unit, archived ones included. The `ETag` header carries the version for a later
/// `If-Match`.
#[utoipa::path(
    tag = "units",
    params(("id" = Uuid, Path, description = "The unit id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The unit.", body = UnitResponse,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/units/{id}")]
pub async fn get_unit(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let unit = service::units::get(&state.pool, &user, id.into_inner()).await?;
    Ok(unit_response(unit, StatusCode::OK))
}

/// Change a unit
///
/// A JSON merge patch (`application/merge-patch+json` or `application/json`) of `code`, `name`, `type`, `class`,
/// `parent_id`, `external_code`, `active_from`, `active_until` and `archived` (`true` archives the unit, `false`
/// restores it). Read-only fields (`id`, `version`, `archived_at`, timestamps) are refused with 422. The hierarchy
/// rules are checked on the result: a `type` change must suit the unit's parent and children, and a unit cannot
/// become its own ancestor. A `code` or `external_code` another unit has answers 409 `already_exists` naming the
/// field. With `If-Match: "<version>"` the change applies only to that version (412 otherwise). Administrators
/// only.
#[utoipa::path(
    tag = "units",
    params(
        ("id" = Uuid, Path, description = "The unit id"),
        IfMatch
    ),
    request_body(content = UpdateUnitRequest, content_type = "application/merge-patch+json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The changed unit.", body = UnitResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[patch("/units/{id}")]
pub async fn update_unit(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateUnitRequest>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().and_then(UpdateUnitRequest::parse);
    let unit = service::units::update(
        &state.pool,
        &user,
        id.into_inner(),
        if_match.0,
        patch.into(),
    )
    .await?;
    Ok(unit_response(unit, StatusCode::OK))
}

/// Delete a unit
///
/// Deletes a unit that nothing refers to. A unit with participants, user accounts, events, event quotas or child
/// units is not deleted: the answer is 409 `in_use`, and the unit can be archived instead with
/// `PATCH {"archived": true}`. Honours `If-Match`. Administrators only.
#[utoipa::path(
    tag = "units",
    params(
        ("id" = Uuid, Path, description = "The unit id"),
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
#[delete("/units/{id}")]
pub async fn delete_unit(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service::units::delete(&state.pool, &user, id.into_inner(), if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
