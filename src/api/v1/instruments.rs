//! `/api/v1/events/{id}/instruments`, `/api/v1/instruments/{id}`, `/api/v1/instruments/{id}/responses` and
//! `/api/v1/responses/{id}`: tests and questionnaires of an event, and the answers to them.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::extract::{ApiQuery, IfMatch, JsonBody};
use crate::api::v1::{double_option, not_null};
use crate::auth::AuthUser;
use crate::db;
use crate::domain::enums::{InstrumentKind, InstrumentStatus, QuestionType, RespondentKind};
use crate::domain::page::{Page, PageRequest};
use crate::domain::questions::{AnswerInput, QuestionInput, SettingsInput, answer_json};
use crate::domain::sort::{InstrumentSort, ResponseSort};
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::repo::instruments::{InstrumentFilter, InstrumentOrder, QuestionRow};
use crate::repo::responses::{AnswerView, ResponseOrder};
use crate::service;
use crate::service::instruments::{InstrumentPatch, InstrumentView, NewInstrument};
use crate::service::responses::{ResponseView, Submission};
use crate::state::AppState;

/// The most answers one submission may carry.
const ANSWERS_MAX: usize = 500;

fn invalid_query(errors: Vec<FieldError>) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_query",
        detail: "A query parameter has an invalid value.".to_owned(),
        errors,
    }
}

fn page_of(limit: Option<i64>, offset: Option<i64>) -> Result<PageRequest, ApiError> {
    let mut errors = Vec::new();
    let page = PageRequest::parse(limit, offset, &mut errors);
    if errors.is_empty() {
        Ok(page)
    } else {
        Err(invalid_query(errors))
    }
}

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

fn question_response(q: QuestionRow, with_key: bool) -> Result<QuestionResponse, ApiError> {
    let mut settings: SettingsInput =
        serde_json::from_value(q.settings).map_err(ApiError::internal)?;
    if !with_key && let Some(options) = settings.options.as_mut() {
        for option in options {
            option.correct = None;
            option.points = None;
        }
    }
    Ok(QuestionResponse {
        id: q.id,
        position: q.position,
        question_type: QuestionType::parse(&q.question_type)
            .ok_or_else(|| ApiError::internal_msg("unknown question type"))?,
        prompt: q.prompt,
        required: q.required,
        settings,
        points: q.points,
    })
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

fn parse_enum<T>(value: &str, parse: fn(&str) -> Option<T>) -> Result<T, ApiError> {
    parse(value).ok_or_else(|| ApiError::internal_msg("unknown stored value"))
}

impl TryFrom<InstrumentView> for InstrumentResponse {
    type Error = ApiError;
    fn try_from(view: InstrumentView) -> Result<Self, ApiError> {
        let row = view.row;
        let questions = view
            .questions
            .into_iter()
            .map(|q| question_response(q, view.with_key))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            kind: parse_enum(&row.kind, InstrumentKind::parse)?,
            status: parse_enum(&row.status, InstrumentStatus::parse)?,
            respondent_kinds: row
                .respondent_kinds
                .iter()
                .flatten()
                .map(|k| parse_enum(k, RespondentKind::parse))
                .collect::<Result<_, _>>()?,
            id: row.id,
            event_id: row.event_id,
            title: row.title,
            description: row.description,
            opens_at: row.opens_at,
            closes_at: row.closes_at,
            anonymous: row.anonymous,
            session_id: row.session_id,
            facilitator_id: row.facilitator_id,
            due_on: row.due_on,
            template_id: row.template_id,
            questions,
            version: row.version,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

fn instrument_response(view: InstrumentView, status: StatusCode) -> Result<HttpResponse, ApiError> {
    let body = InstrumentResponse::try_from(view)?;
    Ok(super::versioned(
        status,
        "instruments",
        body.id,
        body.version,
        body,
    ))
}

/// A new instrument: with its questions, or copied from a template (`template_id`), in which case the fields
/// sent override the template's (`kind` may be left out; if sent it must be the template's).
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
    let q = query.0;
    let page = page_of(q.limit, q.offset)?;
    let order = match q.sort {
        None | Some(InstrumentSort::CreatedAt) => InstrumentOrder::CreatedAt,
        Some(InstrumentSort::CreatedAtDesc) => InstrumentOrder::CreatedAtDesc,
        Some(InstrumentSort::Title) => InstrumentOrder::Title,
        Some(InstrumentSort::TitleDesc) => InstrumentOrder::TitleDesc,
    };
    let filter = InstrumentFilter {
        event_id: id.into_inner(),
        kind: q.kind.map(|k| k.as_str().to_owned()),
        status: q.status.map(|s| s.as_str().to_owned()),
        without_drafts: true,
    };
    let rows = db::read(&state.pool, move |conn| {
        service::instruments::list(conn, &user, filter.clone(), order, page)
    })
    .await?;
    let mut items = Vec::with_capacity(rows.items.len());
    for view in rows.items {
        items.push(InstrumentResponse::try_from(view)?);
    }
    Ok(HttpResponse::Ok().json(Page {
        items,
        total: rows.total,
        limit: rows.limit,
        offset: rows.offset,
    }))
}

/// Add an instrument to an event
///
/// Creates a test or questionnaire as a `draft`, with its questions or copied from a template (`template_id`;
/// the fields sent override the template's). Questions: `likert` (`scale` 4 or 5 and as many `labels`),
/// `single_choice` / `multiple_choice` (2-50 `options` with a unique `key`; in tests `correct` options carry
/// `points`, default 1, and every choice question needs one), `number` (`min`, `max`), `text` (`max_length`
/// up to 10000, default 2000); `required` defaults to true. A test needs a scored question. `anonymous`:
/// evaluations only; `session_id` + `facilitator_id`: facilitator evaluations only, and required there (a session
/// of this event, a facilitator of that session); `due_on` and `respondent_kinds`: follow-ups only. Every problem
/// is listed at once, with paths such as `questions[2].settings.options`. Instruments of a completed or
/// cancelled event cannot be created (409 `event_not_editable`), except follow-ups of a completed event.
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
        (status = 409, response = responses::Conflict),
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
    let event_id = id.into_inner();
    let actor = user.clone();
    let view = db::run(&state.pool, move |conn| {
        service::instruments::create(conn, &actor, event_id, move || {
            body.into_inner().map(NewInstrument::from)
        })
    })
    .await?;
    tracing::info!(instrument.id = %view.row.id, event.id = %event_id, actor.id = %user.id, "instrument created");
    instrument_response(view, StatusCode::CREATED)
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
    let id = id.into_inner();
    let view = db::read(&state.pool, move |conn| {
        service::instruments::get(conn, &user, id)
    })
    .await?;
    instrument_response(view, StatusCode::OK)
}

/// Change an instrument
///
/// A JSON merge patch of `title`, `description`, `opens_at`, `closes_at`, `anonymous`, `session_id`,
/// `facilitator_id`, `due_on`, `respondent_kinds`, `status` and `questions`, under the rules of creation.
/// `status` goes `draft -> open -> closed`, and `closed -> open` reopens (409 `invalid_transition` otherwise).
/// `questions` replaces all questions, only while the instrument is a draft without responses (409
/// `questions_locked`); once it has responses its anonymity, target and respondents are fixed (409
/// `has_responses`). Instruments of a completed or cancelled event can only be closed (409
/// `event_not_editable`), except follow-ups of a completed event. With `If-Match: "<version>"` the change applies
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
        (status = 409, response = responses::Conflict),
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
    let expected = if_match.0;
    let id = id.into_inner();
    let actor = user.clone();
    let view = db::run(&state.pool, move |conn| {
        service::instruments::update(conn, &actor, id, expected, move || {
            body.into_inner()?.parse()
        })
    })
    .await?;
    tracing::info!(instrument.id = %id, actor.id = %user.id, "instrument changed");
    instrument_response(view, StatusCode::OK)
}

/// Delete an instrument
///
/// Deletes an instrument nobody has answered (204); one with responses answers 409 `has_responses` (close it
/// instead). Instruments of a completed or cancelled event cannot be deleted (409 `event_not_editable`), except
/// follow-ups of a completed event. Honours `If-Match`. Administrators and the event's organizers only.
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
        (status = 409, response = responses::Conflict),
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
    let expected = if_match.0;
    let id = id.into_inner();
    let actor = user.clone();
    db::run(&state.pool, move |conn| {
        service::instruments::delete(conn, &actor, id, expected)
    })
    .await?;
    tracing::info!(instrument.id = %id, actor.id = %user.id, "instrument deleted");
    Ok(HttpResponse::NoContent().finish())
}

// --- responses

/// One respondent's answers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"answers": [
    {"question_id": "0b7d4c1e-2f3a-4b5c-8d6e-7f8091a2b3c4", "value": "a"},
    {"question_id": "1c8e5d2f-3a4b-4c6d-9e7f-8091a2b3c4d5", "value": 4}
]}))]
pub struct SubmitResponseRequest {
    /// At most 500, each question at most once; unanswered optional questions may be left out (or `null`).
    #[schema(max_items = 500)]
    pub answers: Vec<AnswerInput>,
    /// Follow-ups only: `alumnus` (default for a participant account) or `supervisor` (default for everybody
    /// else). Others are answered as `participant`.
    pub respondent_kind: Option<RespondentKind>,
    /// Supervisor responses: the alumnus's enrollment in the event. Officers answer for their own enrollment and
    /// leave it out.
    pub enrollment_id: Option<Uuid>,
}

impl SubmitResponseRequest {
    fn parse(self) -> Result<Submission, ApiError> {
        if self.answers.len() > ANSWERS_MAX {
            return Err(ApiError::field(
                "answers",
                "too_long",
                format!("at most {ANSWERS_MAX} answers"),
            ));
        }
        Ok(Submission {
            answers: self.answers,
            respondent_kind: self.respondent_kind,
            enrollment_id: self.enrollment_id,
        })
    }
}

/// One stored answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"question_id": "0b7d4c1e-2f3a-4b5c-8d6e-7f8091a2b3c4", "value": "a", "points": 1}))]
pub struct AnswerResponse {
    pub question_id: Uuid,
    /// As sent: a number (`likert`, `number`), an option key (`single_choice`), option keys
    /// (`multiple_choice`) or a string (`text`).
    #[schema(value_type = Object)]
    pub value: Value,
    /// Tests, for the event's managers only: what the answer earned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<f64>,
}

/// A stored response. For anonymous instruments `enrollment_id`, `participant_id`, `participant_name`,
/// `submitted_by` and `submitted_at` are always null: nothing links the answers to an officer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
    "instrument_id": "6c2d1e0f-3a4b-4c5d-9e6f-7a8b9c0d1e2f",
    "respondent_kind": "participant",
    "enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
    "participant_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
    "participant_name": "Dewi Lestari",
    "submitted_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
    "submitted_at": "2025-08-02T01:10:00Z",
    "score": 75.0,
    "answers": [{"question_id": "0b7d4c1e-2f3a-4b5c-8d6e-7f8091a2b3c4", "value": "a"}]
}))]
pub struct ResponseResponse {
    pub id: Uuid,
    pub instrument_id: Uuid,
    /// `participant`, or at follow-up `alumnus` / `supervisor`.
    pub respondent_kind: RespondentKind,
    /// The enrollment answered for (null when anonymous).
    pub enrollment_id: Option<Uuid>,
    /// The officer answered for (null when anonymous).
    pub participant_id: Option<Uuid>,
    /// Null when anonymous or after the officer's data was erased.
    pub participant_name: Option<String>,
    /// The account that submitted (null when anonymous).
    pub submitted_by: Option<Uuid>,
    /// Null when anonymous.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Tests: 0-100 from the answer key, 2 decimals.
    pub score: Option<f64>,
    /// In question order; unanswered questions are left out.
    pub answers: Vec<AnswerResponse>,
}

fn answer_response(a: AnswerView, show_points: bool) -> Result<AnswerResponse, ApiError> {
    let question_type = parse_enum(&a.question_type, QuestionType::parse)?;
    let options: Option<Vec<String>> = a.value_options.map(|o| o.into_iter().flatten().collect());
    Ok(AnswerResponse {
        question_id: a.question_id,
        value: answer_json(
            question_type,
            a.value_number,
            options.as_deref(),
            a.value_text.as_deref(),
        ),
        points: if show_points { a.points } else { None },
    })
}

impl TryFrom<ResponseView> for ResponseResponse {
    type Error = ApiError;
    fn try_from(view: ResponseView) -> Result<Self, ApiError> {
        let row = view.row;
        let answers = view
            .answers
            .into_iter()
            .map(|a| answer_response(a, view.show_points))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            id: row.id,
            instrument_id: row.instrument_id,
            respondent_kind: parse_enum(&row.respondent_kind, RespondentKind::parse)?,
            enrollment_id: row.enrollment_id,
            participant_id: view.officer.as_ref().map(|o| o.participant_id),
            participant_name: view.officer.and_then(|o| o.name),
            submitted_by: row.submitted_by,
            submitted_at: row.submitted_at,
            score: row.score,
            answers,
        })
    }
}

/// Paging and order of an instrument's responses.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListResponsesQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// By submission time (default `submitted_at`); anonymous responses have none and come last, in an order
    /// that says nothing about when they were given; ties are broken by id.
    #[param(inline)]
    pub sort: Option<ResponseSort>,
}

/// Submit a response
///
/// One respondent's answers, checked against the questions: every invalid answer is listed at once in
/// `errors[]` (`answers[i].question_id`: `unknown_question`, `duplicate`; `answers[i].value`: `invalid_type`,
/// `out_of_range`, `too_long`, `invalid_option`; `questions[k]`: `required`) and nothing is written. Tests are
/// scored from the key (0-100, 2 decimals) and the score becomes the officer's `pre_test` / `post_test` score,
/// unless a manual score of that kind exists. One submission per respondent: a second answers 409
/// `already_submitted`, also when both arrive at once. Only while the instrument is `open`, inside
/// `opens_at`..`closes_at`, and the event is `published` or `ongoing` (tests), also `completed` (evaluations),
/// or `completed` (follow-ups): otherwise 409 `instrument_closed`. Who: officers with an approved enrollment in
/// the event (403 `not_enrolled` for others); at follow-up the alumnus for their own enrollment, and the
/// supervisor's answers (`respondent_kind: supervisor` with the alumnus's `enrollment_id`; supervisors have no
/// account) entered by the operator of the alumnus's unit, an organizer of the event or an administrator.
/// Anonymous instruments store nothing that links the answers to the officer.
#[utoipa::path(
    tag = "responses",
    params(("id" = Uuid, Path, description = "The instrument id")),
    request_body = SubmitResponseRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Stored; `Location` names the response.", body = ResponseResponse,
            headers(("Location" = String, description = "The URL of the response"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/instruments/{id}/responses")]
pub async fn submit_response(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonBody<SubmitResponseRequest>,
) -> Result<HttpResponse, ApiError> {
    let instrument_id = id.into_inner();
    let view = db::run(&state.pool, move |conn| {
        service::responses::submit(conn, &user, instrument_id, move || {
            body.into_inner()?.parse()
        })
    })
    .await?;
    let body = ResponseResponse::try_from(view)?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/responses/{}", body.id)))
        .json(body))
}

/// List an instrument's responses
///
/// The event's managers see every response (anonymous ones without anything that links them to an officer:
/// no enrollment, participant, user or time) with what each test answer earned; an officer of the event sees
/// their own (not the supervisor's about them, nor anonymous ones, which nothing links to them). Others: 403.
/// Drafts, and instruments of draft events, are 404 for everybody but the event's managers.
#[utoipa::path(
    tag = "responses",
    params(("id" = Uuid, Path, description = "The instrument id"), ListResponsesQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of responses.", body = Page<ResponseResponse>),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/instruments/{id}/responses")]
pub async fn list_responses(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<ListResponsesQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = page_of(query.0.limit, query.0.offset)?;
    let order = match query.0.sort {
        None | Some(ResponseSort::SubmittedAt) => ResponseOrder::SubmittedAt,
        Some(ResponseSort::SubmittedAtDesc) => ResponseOrder::SubmittedAtDesc,
    };
    let instrument_id = id.into_inner();
    let rows = db::read(&state.pool, move |conn| {
        service::responses::list(conn, &user, instrument_id, order, page)
    })
    .await?;
    let mut items = Vec::with_capacity(rows.items.len());
    for view in rows.items {
        items.push(ResponseResponse::try_from(view)?);
    }
    Ok(HttpResponse::Ok().json(Page {
        items,
        total: rows.total,
        limit: rows.limit,
        offset: rows.offset,
    }))
}

/// Read a response
///
/// For the event's managers (with what each test answer earned), and for the officer it is about (their own
/// `participant` or `alumnus` response). Everybody else gets 404: the API does not admit that it exists.
#[utoipa::path(
    tag = "responses",
    params(("id" = Uuid, Path, description = "The response id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The response.", body = ResponseResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/responses/{id}")]
pub async fn get_response(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = db::read(&state.pool, move |conn| {
        service::responses::get(conn, &user, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(ResponseResponse::try_from(view)?))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_instruments)
        .service(create_instrument)
        .service(get_instrument)
        .service(update_instrument)
        .service(delete_instrument)
        .service(list_responses)
        .service(submit_response)
        .service(get_response);
}
