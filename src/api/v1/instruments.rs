//! `/api/v1/events/{id}/instruments` and `/api/v1/instruments/{id}`: tests and questionnaires of an event (the
//! answers to them are in [`super::responses`]).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::extract::{ApiQuery, IfMatch, JsonBody};
use crate::api::v1::{double_option, not_null};
use crate::auth::AuthUser;
use crate::domain::enums::{InstrumentKind, InstrumentStatus, QuestionType, RespondentKind};
use crate::domain::page::Page;
use crate::domain::questions::{QuestionInput, SettingsInput};
use crate::domain::sort::InstrumentSort;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::instruments::{
    InstrumentFilter, InstrumentList, InstrumentPatch, InstrumentView, NewInstrument, QuestionView,
};
use crate::state::AppState;

/// A question as shown. For everybody but the event's managers the options carry no `correct` and no `points`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0b7d4c1e-2f3a-4b5c-8d6e-7f8091a2b3c4",
    "position": 1,
    "type": "likert",
    "prompt": "Materi disampaikan dengan jelas",
    "required": true,
    "settings": {"scale": 5, "labels": ["Sangat kurang", "Kurang", "Cukup", "Baik", "Sangat baik"]},
    "points": 0
}))]
pub struct QuestionResponse {
    pub id: Uuid,
    /// 1 for the first question.
    pub position: i32,
    #[serde(rename = "type")]
    pub question_type: QuestionType,
    pub prompt: String,
    pub required: bool,
    pub settings: SettingsInput,
    /// Tests: the most this question can earn (0 for questions that are not scored).
    pub points: f64,
}

impl From<QuestionView> for QuestionResponse {
    fn from(q: QuestionView) -> Self {
        Self {
            id: q.id,
            position: q.position,
            question_type: q.question_type,
            prompt: q.prompt,
            required: q.required,
            settings: q.settings,
            points: q.points,
        }
    }
}

/// A test or questionnaire of an event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "6c2d1e0f-3a4b-4c5d-9e6f-7a8b9c0d1e2f",
    "event_id": "5b7e2c1a-8f0d-4e43-9a57-0c2d9a1e6b11",
    "kind": "event_evaluation",
    "title": "Evaluasi penyelenggaraan",
    "description": null,
    "status": "open",
    "opens_at": null,
    "closes_at": "2025-08-03T00:00:00Z",
    "anonymous": true,
    "session_id": null,
    "facilitator_id": null,
    "due_on": null,
    "respondent_kinds": ["participant"],
    "template_id": null,
    "questions": [{
        "id": "0b7d4c1e-2f3a-4b5c-8d6e-7f8091a2b3c4", "position": 1, "type": "likert",
        "prompt": "Materi disampaikan dengan jelas", "required": true,
        "settings": {"scale": 5, "labels": ["Sangat kurang", "Kurang", "Cukup", "Baik", "Sangat baik"]}, "points": 0
    }],
    "version": 2,
    "created_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
    "created_at": "2025-07-28T03:00:00Z",
    "updated_at": "2025-08-02T01:00:00Z"
}))]
pub struct InstrumentResponse {
    pub id: Uuid,
    pub event_id: Uuid,
    /// `pre_test`, `post_test` (level 2), `event_evaluation` (evaluasi penyelenggaraan, level 1),
    /// `facilitator_evaluation` (evaluasi narasumber, level 1), `follow_up` (evaluasi pasca pelatihan, level 3).
    pub kind: InstrumentKind,
    pub title: String,
    pub description: Option<String>,
    /// `draft` (only its managers see it), `open` (accepting responses), `closed`.
    pub status: InstrumentStatus,
    /// While open, responses are accepted from this instant (null: no lower bound).
    pub opens_at: Option<DateTime<Utc>>,
    /// While open, responses are accepted until this instant (null: no upper bound).
    pub closes_at: Option<DateTime<Utc>>,
    /// Evaluations only: no output links an answer to an officer.
    pub anonymous: bool,
    /// Facilitator evaluations: the session evaluated.
    pub session_id: Option<Uuid>,
    /// Facilitator evaluations: the facilitator (narasumber) evaluated, a facilitator of the session.
    pub facilitator_id: Option<Uuid>,
    /// Follow-ups: the date by which it should be answered.
    pub due_on: Option<NaiveDate>,
    /// Who answers: `participant` for every kind but follow-ups, which list `alumnus` and/or `supervisor`.
    pub respondent_kinds: Vec<RespondentKind>,
    /// The template it was copied from, if any.
    pub template_id: Option<Uuid>,
    /// In order.
    pub questions: Vec<QuestionResponse>,
    /// Increases with every change; sent as `ETag`, expected in `If-Match`.
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<InstrumentView> for InstrumentResponse {
    fn from(v: InstrumentView) -> Self {
        Self {
            id: v.id,
            event_id: v.event_id,
            kind: v.kind,
            title: v.title,
            description: v.description,
            status: v.status,
            opens_at: v.opens_at,
            closes_at: v.closes_at,
            anonymous: v.anonymous,
            session_id: v.session_id,
            facilitator_id: v.facilitator_id,
            due_on: v.due_on,
            respondent_kinds: v.respondent_kinds,
            template_id: v.template_id,
            questions: v
                .questions
                .into_iter()
                .map(QuestionResponse::from)
                .collect(),
            version: v.version,
            created_by: v.created_by,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

fn instrument_response(view: InstrumentView, status: StatusCode) -> HttpResponse {
    let body = InstrumentResponse::from(view);
    super::versioned(status, "instruments", body.id, body.version, body)
}

/// A new instrument: with its questions, or copied from a template (`template_id`), in which case the fields
/// sent override the template's (`kind` may be left out for the template's own, or name any kind its questions
/// fit: the pre-test's template makes the post-test).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "pre_test",
    "title": "Pre-test PM Rehabilitasi Sosial",
    "closes_at": "2025-08-02T02:00:00Z",
    "questions": [{
        "type": "single_choice",
        "prompt": "Kegiatan yang membuka hari dalam metode TC adalah ...",
        "settings": {"options": [
            {"key": "a", "label": "Morning meeting", "correct": true, "points": 1},
            {"key": "b", "label": "Seminar"}
        ]}
    }]
}))]
pub struct CreateInstrumentRequest {
    /// Required unless `template_id` is sent.
    pub kind: Option<InstrumentKind>,
    /// Copy this template (its title, description, anonymity and questions, unless sent here).
    pub template_id: Option<Uuid>,
    /// 1-300 characters; required unless copied from a template.
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[schema(max_length = 4000)]
    pub description: Option<String>,
    /// Evaluations only (default false).
    pub anonymous: Option<bool>,
    pub opens_at: Option<DateTime<Utc>>,
    /// After `opens_at`.
    pub closes_at: Option<DateTime<Utc>>,
    /// Facilitator evaluations (required there): a session of this event.
    pub session_id: Option<Uuid>,
    /// Facilitator evaluations (required there): a facilitator of that session.
    pub facilitator_id: Option<Uuid>,
    /// Follow-ups only.
    pub due_on: Option<NaiveDate>,
    /// Follow-ups: `alumnus`, `supervisor` or both (the default). Others are answered by participants.
    #[schema(max_items = 3)]
    pub respondent_kinds: Option<Vec<RespondentKind>>,
    /// 1-200 questions in order; required unless copied from a template.
    #[schema(min_items = 1, max_items = 200)]
    pub questions: Option<Vec<QuestionInput>>,
}

impl From<CreateInstrumentRequest> for NewInstrument {
    fn from(r: CreateInstrumentRequest) -> Self {
        NewInstrument {
            kind: r.kind,
            template_id: r.template_id,
            title: r.title,
            description: r.description,
            anonymous: r.anonymous,
            opens_at: r.opens_at,
            closes_at: r.closes_at,
            session_id: r.session_id,
            facilitator_id: r.facilitator_id,
            due_on: r.due_on,
            respondent_kinds: r.respondent_kinds,
            questions: r.questions,
        }
    }
}

/// A JSON merge patch of an instrument: send only what changes; `null` clears `description`, `opens_at`,
/// `closes_at`, `session_id`, `facilitator_id` and `due_on`. `kind`, `event_id`, `version` and the timestamps
/// are read-only.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "open", "closes_at": "2025-08-02T03:00:00Z"}))]
pub struct UpdateInstrumentRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 300)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 4000)]
    pub description: Option<Option<String>>,
    /// `draft -> open -> closed`; `closed -> open` reopens.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = InstrumentStatus)]
    pub status: Option<Option<InstrumentStatus>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>, nullable)]
    pub opens_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>, nullable)]
    pub closes_at: Option<Option<DateTime<Utc>>>,
    /// Not once the instrument has responses.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = bool)]
    pub anonymous: Option<Option<bool>>,
    /// Not once the instrument has responses.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub session_id: Option<Option<Uuid>>,
    /// Not once the instrument has responses.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub facilitator_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub due_on: Option<Option<NaiveDate>>,
    /// Follow-ups; not once the instrument has responses.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Vec<RespondentKind>, max_items = 3)]
    pub respondent_kinds: Option<Option<Vec<RespondentKind>>>,
    /// Replaces all questions; only while the instrument is a draft without responses (409 `questions_locked`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Vec<QuestionInput>, min_items = 1, max_items = 200)]
    pub questions: Option<Option<Vec<QuestionInput>>>,
}

impl UpdateInstrumentRequest {
    fn parse(self) -> Result<InstrumentPatch, ApiError> {
        let mut errors = Vec::new();
        let patch = InstrumentPatch {
            title: not_null("title", self.title, &mut errors),
            description: self.description,
            status: not_null("status", self.status, &mut errors),
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            anonymous: not_null("anonymous", self.anonymous, &mut errors),
            session_id: self.session_id,
            facilitator_id: self.facilitator_id,
            due_on: self.due_on,
            respondent_kinds: not_null("respondent_kinds", self.respondent_kinds, &mut errors),
            questions: not_null("questions", self.questions, &mut errors),
        };
        if errors.is_empty() {
            Ok(patch)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// Filters, paging and order of an event's instruments.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListInstrumentsQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only instruments of this kind.
    #[param(inline)]
    pub kind: Option<InstrumentKind>,
    /// Only instruments in this status.
    #[param(inline)]
    pub status: Option<InstrumentStatus>,
    /// Sort order (default `created_at`); `-` means descending; ties are broken by id.
    #[param(inline)]
    pub sort: Option<InstrumentSort>,
}

impl ListInstrumentsQuery {
    fn parse(self, event_id: Uuid) -> Result<InstrumentList, ApiError> {
        let page = super::page_of(self.limit, self.offset)?;
        let filter = InstrumentFilter {
            event_id,
            kind: self.kind,
            status: self.status,
            without_drafts: true,
        };
        let sort = self.sort.unwrap_or(InstrumentSort::CreatedAt);
        Ok(InstrumentList { filter, sort, page })
    }
}

/// List an event's instruments
///
/// The tests and questionnaires of an event with their questions, by creation (or title). The event's managers
/// see all of them with the answer key; the event's approved officers, the facilitators of its sessions and the
/// operators of units with an approved officer in it see those that are not drafts, without the key (options
/// carry no `correct` and no `points`). Others: 403; a draft event: 404 for everybody but its managers.
#[utoipa::path(
    tag = "instruments",
    params(("id" = Uuid, Path, description = "The event id"), ListInstrumentsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of instruments.", body = Page<InstrumentResponse>),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}/instruments")]
pub async fn list_instruments(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<ListInstrumentsQuery>,
) -> Result<HttpResponse, ApiError> {
    let event_id = id.into_inner();
    let request = query.0.parse(event_id);
    let page = service::instruments::list(&state.pool, &user, event_id, request.into()).await?;
    Ok(HttpResponse::Ok().json(page.map(InstrumentResponse::from)))
}

/// Add an instrument to an event
///
/// Creates a test or questionnaire as a `draft`, with its questions or copied from a template (`template_id`;
/// the fields sent override the template's, and `kind` may differ from the template's when its questions fit
/// the new kind: the pre-test's template makes the post-test; misfits are listed under `template_id[i]...`). Questions: `likert` (`scale` 4 or 5 and as many `labels`),
/// `single_choice` / `multiple_choice` (2-50 `options` with a unique `key`; in tests `correct` options carry
/// `points`, default 1, and every choice question needs one; a test's multiple-choice question is scored all or
/// nothing, or with `partial_credit: true` each correct option chosen earns its points and each wrong one costs
/// the mean points of the correct ones, never below 0), `number` (`min`, `max`), `text` (`max_length`
/// up to 10000, default 2000); `required` defaults to true. A test needs a scored question. `anonymous`:
/// evaluations only; `session_id` + `facilitator_id`: facilitator evaluations only, and required there (a session
/// of this event, a facilitator of that session); `due_on` and `respondent_kinds`: follow-ups only. Every problem
/// is listed at once, with paths such as `questions[2].settings.options`. Instruments of a completed or
/// cancelled event cannot be created (409 `event_not_editable`), except follow-ups and evaluations of a completed
/// event within `FOLLOW_UP_WINDOW_MONTHS` (12 by default) after its last day (409 `follow_up_window_closed`
/// naming the window's last day, afterwards).
/// Administrators and the event's organizers only.
#[utoipa::path(
    tag = "instruments",
    params(("id" = Uuid, Path, description = "The event id")),
    request_body = CreateInstrumentRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; `Location` names the new instrument.", body = InstrumentResponse,
            headers(("Location" = String, description = "The URL of the new instrument"), ("ETag" = String, description = "The version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::InstrumentConflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/events/{id}/instruments")]
pub async fn create_instrument(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonBody<CreateInstrumentRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().map(NewInstrument::from);
    let view = service::instruments::create(
        &state.pool,
        &user,
        id.into_inner(),
        input.into(),
        state.settings.follow_up_window,
    )
    .await?;
    Ok(instrument_response(view, StatusCode::CREATED))
}

/// Read an instrument
///
/// With its questions in order. The event's managers see the answer key; the event's approved officers, the
/// facilitators of its sessions and the operators of units with an approved officer in it read it without the
/// key once it is no longer a draft. Drafts, and instruments of draft events, are 404 for everybody but the
/// event's managers; others get 403. The `ETag` header carries the version for a later `If-Match`.
#[utoipa::path(
    tag = "instruments",
    params(("id" = Uuid, Path, description = "The instrument id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The instrument.", body = InstrumentResponse,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/instruments/{id}")]
pub async fn get_instrument(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let view = service::instruments::get(&state.pool, &user, id.into_inner()).await?;
    Ok(instrument_response(view, StatusCode::OK))
}

/// Change an instrument
///
/// A JSON merge patch of `title`, `description`, `opens_at`, `closes_at`, `anonymous`, `session_id`,
/// `facilitator_id`, `due_on`, `respondent_kinds`, `status` and `questions`, under the rules of creation.
/// `status` goes `draft -> open -> closed`, and `closed -> open` reopens (409 `invalid_transition` otherwise).
/// `questions` replaces all questions, only while the instrument is a draft without responses (409
/// `questions_locked`); once it has responses its anonymity, target and respondents are fixed (409
/// `has_responses`). Instruments of a completed or cancelled event can only be closed (409
/// `event_not_editable`), except follow-ups and evaluations of a completed event within the window after it
/// (409 `follow_up_window_closed` afterwards). With `If-Match: "<version>"` the change applies
/// only to that version (412 otherwise). Administrators and the event's organizers only.
#[utoipa::path(
    tag = "instruments",
    params(
        ("id" = Uuid, Path, description = "The instrument id"),
        IfMatch
    ),
    request_body(content = UpdateInstrumentRequest, content_type = "application/merge-patch+json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The changed instrument.", body = InstrumentResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::InstrumentConflict),
        (status = 412, response = responses::PreconditionFailed),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[patch("/instruments/{id}")]
pub async fn update_instrument(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateInstrumentRequest>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().and_then(UpdateInstrumentRequest::parse);
    let view = service::instruments::update(
        &state.pool,
        &user,
        id.into_inner(),
        if_match.0,
        patch.into(),
        state.settings.follow_up_window,
    )
    .await?;
    Ok(instrument_response(view, StatusCode::OK))
}

/// Delete an instrument
///
/// Deletes an instrument nobody has answered (204); one with responses answers 409 `has_responses` (close it
/// instead). Instruments of a completed or cancelled event cannot be deleted (409 `event_not_editable`), except
/// follow-ups and evaluations of a completed event within the window after it (409 `follow_up_window_closed`). Honours `If-Match`. Administrators and the event's organizers only.
#[utoipa::path(
    tag = "instruments",
    params(
        ("id" = Uuid, Path, description = "The instrument id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::InstrumentConflict),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[delete("/instruments/{id}")]
pub async fn delete_instrument(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service::instruments::delete(
        &state.pool,
        &user,
        id.into_inner(),
        if_match.0,
        state.settings.follow_up_window,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_instruments)
        .service(create_instrument)
        .service(get_instrument)
        .service(update_instrument)
        .service(delete_instrument);
}
