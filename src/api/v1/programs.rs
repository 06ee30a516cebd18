//! `/api/v1/programs`: training tracks that group events. Everyone signed in reads; admins and organizers write.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::{ApiQuery, IfMatch, JsonBody};
use crate::api::v1::{double_option, not_null};
use crate::auth::AuthUser;
use crate::domain::page::{Page, PageRequest};
use crate::domain::sort::ProgramSort;
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::programs::{NewProgram, Program, ProgramFilter, ProgramList, ProgramPatch};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_programs)
        .service(create_program)
        .service(get_program)
        .service(update_program)
        .service(delete_program);
}

const MIN_YEAR: i32 = 2000;
const MAX_YEAR: i32 = 2100;

/// A program: a training track grouping events, e.g. "PM Rehabilitasi Sosial" of 2025.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "4a7b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
    "name": "PM Rehabilitasi Sosial",
    "year": 2025,
    "description": "Program Manager Rehabilitasi Sosial bagi narapidana pengguna narkotika",
    "event_count": 2,
    "archived_at": null,
    "version": 1,
    "created_at": "2025-07-20T03:00:00Z",
    "updated_at": "2025-07-20T03:00:00Z"
}))]
pub struct ProgramResponse {
    pub id: Uuid,
    pub name: String,
    pub year: i32,
    pub description: Option<String>,
    /// How many events belong to the program.
    pub event_count: i64,
    /// When the program was archived; archived programs are hidden from lists unless `include_archived=true`.
    pub archived_at: Option<DateTime<Utc>>,
    /// Increases with every change; sent as `ETag`, expected in `If-Match`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Program> for ProgramResponse {
    fn from(p: Program) -> Self {
        Self {
            id: p.id,
            name: p.name,
            year: p.year,
            description: p.description,
            event_count: p.event_count,
            archived_at: p.archived_at,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

fn parse_year(year: i32) -> Result<i32, FieldError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(year)
    } else {
        Err(FieldError::new(
            "year",
            "out_of_range",
            format!("must be between {MIN_YEAR} and {MAX_YEAR}"),
        ))
    }
}

/// Records the error of a field check and keeps its value when there is none.
fn keep<T>(result: Result<T, FieldError>, errors: &mut Vec<FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// A new program.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "PM Rehabilitasi Sosial",
    "year": 2025,
    "description": "Program Manager Rehabilitasi Sosial bagi narapidana pengguna narkotika"
}))]
pub struct CreateProgramRequest {
    /// Unique together with `year`.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    /// Free text; an empty text is stored as `null`.
    #[schema(max_length = 4000)]
    pub description: Option<String>,
}

impl CreateProgramRequest {
    fn parse(self) -> Result<NewProgram, ApiError> {
        let mut errors = Vec::new();
        let name = keep(text::required("name", &self.name, 200), &mut errors);
        let year = keep(parse_year(self.year), &mut errors);
        let description = keep(
            text::optional("description", self.description.as_deref(), 4000),
            &mut errors,
        );
        match (name, year, description) {
            (Some(name), Some(year), Some(description)) if errors.is_empty() => Ok(NewProgram {
                name,
                year,
                description,
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// A JSON merge patch of a program: send only the fields to change; `null` clears `description`.
/// `archived: true` archives the program, `archived: false` restores it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Angkatan I", "archived": false}))]
pub struct UpdateProgramRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = i32, minimum = 2000, maximum = 2100)]
    pub year: Option<Option<i32>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 4000)]
    pub description: Option<Option<String>>,
    /// `true` archives the program (sets `archived_at`), `false` restores it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = bool)]
    pub archived: Option<Option<bool>>,
}

impl UpdateProgramRequest {
    fn parse(self) -> Result<ProgramPatch, ApiError> {
        let mut errors = Vec::new();
        let name = not_null("name", self.name, &mut errors)
            .and_then(|n| keep(text::required("name", &n, 200), &mut errors));
        let year =
            not_null("year", self.year, &mut errors).and_then(|y| keep(parse_year(y), &mut errors));
        let archived = not_null("archived", self.archived, &mut errors);
        let description = match self.description {
            Some(Some(d)) => keep(text::optional("description", Some(&d), 4000), &mut errors),
            other => other,
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(ProgramPatch {
            name,
            year,
            description,
            archived,
        })
    }
}

/// Filters and paging of the program list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListProgramsQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only programs of this year.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// Case-insensitive substring of the name (`%` and `_` match literally).
    #[param(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub q: Option<String>,
    /// Include archived programs (default `false`).
    #[param(default = false)]
    pub include_archived: Option<bool>,
    /// Sort order; `-` means descending. Ties are broken by id (`year` sorts by year, then name, then id).
    #[param(inline)]
    pub sort: Option<ProgramSort>,
}

impl ListProgramsQuery {
    fn parse(self) -> Result<ProgramList, ApiError> {
        let mut errors = Vec::new();
        let page = PageRequest::parse(self.limit, self.offset, &mut errors);
        if let Some(year) = self.year {
            errors.extend(parse_year(year).err());
        }
        let q = super::search_query(self.q, &mut errors);
        let filter = ProgramFilter {
            year: self.year,
            q,
            include_archived: self.include_archived.unwrap_or(false),
        };
        let sort = self.sort.unwrap_or_default();
        super::checked_query(ProgramList { filter, sort, page }, errors)
    }
}

fn program_response(program: Program, status: StatusCode) -> HttpResponse {
    let body = ProgramResponse::from(program);
    super::versioned(status, "programs", body.id, body.version, body)
}

/// List programs
///
/// Pages through the programs, filtered by year or a search text, each with the number of its events. Archived
/// programs are left out unless `include_archived=true`. Every signed-in role may read programs.
#[utoipa::path(
    tag = "programs",
    params(ListProgramsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of programs.", body = Page<ProgramResponse>)
    )
)]
#[get("/programs")]
pub async fn list_programs(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListProgramsQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::programs::list(&state.pool, &user, query.0.parse().into()).await?;
    Ok(HttpResponse::Ok().json(page.map(ProgramResponse::from)))
}

/// Create a program
///
/// Creates a training track. The pair (`name`, `year`) must be unique (409 otherwise). Administrators and
/// organizers.
#[utoipa::path(
    tag = "programs",
    request_body = CreateProgramRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; `Location` names the new program.", body = ProgramResponse,
            headers(("Location" = String, description = "The URL of the new program"), ("ETag" = String, description = "The version"))),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/programs")]
pub async fn create_program(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<CreateProgramRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(CreateProgramRequest::parse);
    let program = service::programs::create(&state.pool, &user, input.into()).await?;
    Ok(program_response(program, StatusCode::CREATED))
}

/// Read a program
///
/// Any signed-in role may read a program, archived ones included, with the number of its events. The `ETag`
/// header carries the version for a later `If-Match`.
#[utoipa::path(
    tag = "programs",
    params(("id" = Uuid, Path, description = "The program id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The program.", body = ProgramResponse,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/programs/{id}")]
pub async fn get_program(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let program = service::programs::get(&state.pool, &user, id.into_inner()).await?;
    Ok(program_response(program, StatusCode::OK))
}

/// Change a program
///
/// A JSON merge patch (`application/merge-patch+json` or `application/json`) of `name`, `year`, `description`
/// and `archived` (`true` archives the program, `false` restores it). Read-only fields (`id`, `version`,
/// `event_count`, `archived_at`, timestamps) are refused with 422. With `If-Match: "<version>"` the change applies
/// only to that version (412 otherwise). Administrators and organizers.
#[utoipa::path(
    tag = "programs",
    params(
        ("id" = Uuid, Path, description = "The program id"),
        IfMatch
    ),
    request_body(content = UpdateProgramRequest, content_type = "application/merge-patch+json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The changed program.", body = ProgramResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[patch("/programs/{id}")]
pub async fn update_program(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateProgramRequest>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().and_then(UpdateProgramRequest::parse);
    let program = service::programs::update(
        &state.pool,
        &user,
        id.into_inner(),
        if_match.0,
        patch.into(),
    )
    .await?;
    Ok(program_response(program, StatusCode::OK))
}

/// Delete a program
///
/// Deletes a program without events. A program with events is not deleted: the answer is 409 `in_use`, and the
/// program can be archived instead with `PATCH {"archived": true}`. Honours `If-Match`. Administrators and
/// organizers.
#[utoipa::path(
    tag = "programs",
    params(
        ("id" = Uuid, Path, description = "The program id"),
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
#[delete("/programs/{id}")]
pub async fn delete_program(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service::programs::delete(&state.pool, &user, id.into_inner(), if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
