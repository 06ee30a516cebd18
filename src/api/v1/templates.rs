//! `/api/v1/instrument-templates` and `/api/v1/instrument-templates/{id}`: reusable instruments, copied into an
//! event with `POST /api/v1/events/{id}/instruments` and `template_id`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::extract::{ApiQuery, IfMatch, JsonBody};
use crate::api::v1::{double_option, not_null};
use crate::auth::AuthUser;
use crate::domain::enums::InstrumentKind;
use crate::domain::page::Page;
use crate::domain::questions::QuestionInput;
use crate::domain::sort::TemplateSort;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::instruments::{
    NewTemplate, TemplateFilter, TemplateList, TemplatePatch, TemplateView,
};
use crate::state::AppState;

/// A reusable instrument.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "4f3e2d1c-0b9a-4c8d-9e7f-6a5b4c3d2e1f",
    "name": "Evaluasi penyelenggaraan standar",
    "kind": "event_evaluation",
    "title": "Evaluasi penyelenggaraan",
    "description": null,
    "anonymous": true,
    "questions": [{"type": "likert", "prompt": "Materi disampaikan dengan jelas", "required": true,
        "settings": {"scale": 5, "labels": ["Sangat kurang", "Kurang", "Cukup", "Baik", "Sangat baik"]}}],
    "version": 1,
    "created_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
    "created_at": "2025-07-01T03:00:00Z",
    "updated_at": "2025-07-01T03:00:00Z"
}))]
pub struct TemplateResponse {
    pub id: Uuid,
    /// Unique.
    pub name: String,
    pub kind: InstrumentKind,
    /// The title an instrument copied from it gets.
    pub title: String,
    pub description: Option<String>,
    pub anonymous: bool,
    /// The questions in order, in the shape they are sent (with the answer key of tests).
    pub questions: Vec<QuestionInput>,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TemplateView> for TemplateResponse {
    fn from(t: TemplateView) -> Self {
        Self {
            id: t.id,
            name: t.name,
            kind: t.kind,
            title: t.title,
            description: t.description,
            anonymous: t.anonymous,
            questions: t.questions,
            version: t.version,
            created_by: t.created_by,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

fn template_response(template: TemplateView, status: StatusCode) -> HttpResponse {
    let body = TemplateResponse::from(template);
    super::versioned(status, "instrument-templates", body.id, body.version, body)
}

/// A new template: from its fields, or saved from an instrument (`from_instrument_id`, whose kind, title,
/// description, anonymity and questions it takes; `title`, `description` and `anonymous` may override them).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Evaluasi penyelenggaraan standar",
    "kind": "event_evaluation",
    "title": "Evaluasi penyelenggaraan",
    "anonymous": true,
    "questions": [{"type": "likert", "prompt": "Materi disampaikan dengan jelas",
        "settings": {"scale": 5, "labels": ["Sangat kurang", "Kurang", "Cukup", "Baik", "Sangat baik"]}}]
}))]
pub struct CreateTemplateRequest {
    /// 1-200 characters, unique (409 `already_exists`).
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Save this instrument (of an event the caller manages) as a template.
    pub from_instrument_id: Option<Uuid>,
    /// Required unless `from_instrument_id` is sent (then not allowed).
    pub kind: Option<InstrumentKind>,
    /// Required unless `from_instrument_id` is sent.
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[schema(max_length = 4000)]
    pub description: Option<String>,
    /// Evaluations only (default false).
    pub anonymous: Option<bool>,
    /// 1-200 questions, as for an instrument; required unless `from_instrument_id` is sent (then not allowed).
    #[schema(min_items = 1, max_items = 200)]
    pub questions: Option<Vec<QuestionInput>>,
}

impl From<CreateTemplateRequest> for NewTemplate {
    fn from(r: CreateTemplateRequest) -> Self {
        NewTemplate {
            name: Some(r.name),
            from_instrument_id: r.from_instrument_id,
            kind: r.kind,
            title: r.title,
            description: r.description,
            anonymous: r.anonymous,
            questions: r.questions,
        }
    }
}

/// A JSON merge patch of a template; `null` clears `description`. Changing `kind` checks the questions again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Evaluasi penyelenggaraan 2025"}))]
pub struct UpdateTemplateRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = InstrumentKind)]
    pub kind: Option<Option<InstrumentKind>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 300)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 4000)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = bool)]
    pub anonymous: Option<Option<bool>>,
    /// Replaces all questions.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Vec<QuestionInput>, min_items = 1, max_items = 200)]
    pub questions: Option<Option<Vec<QuestionInput>>>,
}

impl UpdateTemplateRequest {
    fn parse(self) -> Result<TemplatePatch, ApiError> {
        let mut errors = Vec::new();
        let patch = TemplatePatch {
            name: not_null("name", self.name, &mut errors),
            kind: not_null("kind", self.kind, &mut errors),
            title: not_null("title", self.title, &mut errors),
            description: self.description,
            anonymous: not_null("anonymous", self.anonymous, &mut errors),
            questions: not_null("questions", self.questions, &mut errors),
        };
        if errors.is_empty() {
            Ok(patch)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// Filters, paging and order of the template list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListTemplatesQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only templates of this kind.
    #[param(inline)]
    pub kind: Option<InstrumentKind>,
    /// Sort order (default `name`); `-` means descending; ties are broken by id.
    #[param(inline)]
    pub sort: Option<TemplateSort>,
}

impl ListTemplatesQuery {
    fn parse(self) -> Result<TemplateList, ApiError> {
        let page = super::page_of(self.limit, self.offset)?;
        let filter = TemplateFilter { kind: self.kind };
        let sort = self.sort.unwrap_or(TemplateSort::Name);
        Ok(TemplateList { filter, sort, page })
    }
}

/// List instrument templates
///
/// The reusable instruments, by name (or creation), with their questions and answer keys. Administrators and
/// organizers only.
#[utoipa::path(
    tag = "templates",
    params(ListTemplatesQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of templates.", body = Page<TemplateResponse>)
    )
)]
#[get("/instrument-templates")]
pub async fn list_templates(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListTemplatesQuery>,
) -> Result<HttpResponse, ApiError> {
    let page =
        service::instruments::list_templates(&state.pool, &user, query.0.parse().into()).await?;
    Ok(HttpResponse::Ok().json(page.map(TemplateResponse::from)))
}

/// Create an instrument template
///
/// From its fields (`name`, `kind`, `title`, `questions`, optional `description`, `anonymous`: the questions are
/// checked as for an instrument of that kind, every problem at once), or saved from an instrument of an event the
/// caller manages (`from_instrument_id`, with optional `title`, `description` and `anonymous` overrides; `kind`
/// and `questions` then come from the instrument). Names are unique (409 `already_exists`). Administrators and
/// organizers only.
#[utoipa::path(
    tag = "templates",
    request_body = CreateTemplateRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; `Location` names the new template.", body = TemplateResponse,
            headers(("Location" = String, description = "The URL of the new template"), ("ETag" = String, description = "The version"))),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/instrument-templates")]
pub async fn create_template(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<CreateTemplateRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().map(NewTemplate::from);
    let template = service::instruments::create_template(&state.pool, &user, input.into()).await?;
    Ok(template_response(template, StatusCode::CREATED))
}

/// Read an instrument template
///
/// With its questions and answer key. Administrators and organizers only. The `ETag` header carries the version.
#[utoipa::path(
    tag = "templates",
    params(("id" = Uuid, Path, description = "The template id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The template.", body = TemplateResponse,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/instrument-templates/{id}")]
pub async fn get_template(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let template = service::instruments::get_template(&state.pool, &user, id.into_inner()).await?;
    Ok(template_response(template, StatusCode::OK))
}

/// Change an instrument template
///
/// A JSON merge patch of `name`, `kind`, `title`, `description`, `anonymous` and `questions`; the questions are
/// checked again against the (new) kind. Instruments already copied from it do not change. Honours `If-Match`
/// (412). The administrators and the organizer who created the template only.
#[utoipa::path(
    tag = "templates",
    params(
        ("id" = Uuid, Path, description = "The template id"),
        IfMatch
    ),
    request_body(content = UpdateTemplateRequest, content_type = "application/merge-patch+json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The changed template.", body = TemplateResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[patch("/instrument-templates/{id}")]
pub async fn update_template(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateTemplateRequest>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().and_then(UpdateTemplateRequest::parse);
    let template = service::instruments::update_template(
        &state.pool,
        &user,
        id.into_inner(),
        if_match.0,
        patch.into(),
    )
    .await?;
    Ok(template_response(template, StatusCode::OK))
}

/// Delete an instrument template
///
/// Instruments copied from it keep their questions (their `template_id` becomes null). Honours `If-Match` (412).
/// The administrators and the organizer who created the template only.
#[utoipa::path(
    tag = "templates",
    params(
        ("id" = Uuid, Path, description = "The template id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, response = responses::NotFound),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[delete("/instrument-templates/{id}")]
pub async fn delete_template(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service::instruments::delete_template(&state.pool, &user, id.into_inner(), if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_templates)
        .service(create_template)
        .service(get_template)
        .service(update_template)
        .service(delete_template);
}
