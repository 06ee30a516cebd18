//! `/api/v1/instruments/{id}/responses` and `/api/v1/responses/{id}`: the answers to an event's tests and
//! questionnaires.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::{ApiQuery, JsonBody};
use crate::auth::AuthUser;
use crate::domain::enums::RespondentKind;
use crate::domain::page::Page;
use crate::domain::questions::AnswerInput;
use crate::domain::sort::ResponseSort;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::responses::{
    AnswerView, ResponseFilter, ResponseList, ResponseView, Submission,
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_responses)
        .service(submit_response)
        .service(get_response);
}

/// The most answers one submission may carry.
const ANSWERS_MAX: usize = 500;

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
    #[schema(value_type = crate::domain::questions::AnswerValueSchema)]
    pub value: Value,
    /// Tests, for the event's managers only: what the answer earned.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
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

impl From<AnswerView> for AnswerResponse {
    fn from(a: AnswerView) -> Self {
        Self {
            question_id: a.question_id,
            value: a.value,
            points: a.points,
        }
    }
}

impl From<ResponseView> for ResponseResponse {
    fn from(v: ResponseView) -> Self {
        Self {
            id: v.id,
            instrument_id: v.instrument_id,
            respondent_kind: v.respondent_kind,
            enrollment_id: v.enrollment_id,
            participant_id: v.officer.as_ref().map(|o| o.participant_id),
            participant_name: v.officer.and_then(|o| o.name),
            submitted_by: v.submitted_by,
            submitted_at: v.submitted_at,
            score: v.score,
            answers: v.answers.into_iter().map(AnswerResponse::from).collect(),
        }
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

impl ListResponsesQuery {
    fn parse(self, instrument_id: Uuid) -> Result<ResponseList, ApiError> {
        let page = super::page_of(self.limit, self.offset)?;
        let sort = self.sort.unwrap_or(ResponseSort::SubmittedAt);
        let filter = ResponseFilter { instrument_id };
        Ok(ResponseList { filter, sort, page })
    }
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
/// or `completed` (follow-ups): otherwise 409 `instrument_closed`; after completion only within
/// `FOLLOW_UP_WINDOW_MONTHS` (12 by default) after the event's last day (409 `follow_up_window_closed` naming it). Who: officers with an approved enrollment in
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
    let input = body.into_inner().and_then(SubmitResponseRequest::parse);
    let view = service::responses::submit(
        &state.pool,
        &user,
        id.into_inner(),
        input.into(),
        state.settings.follow_up_window,
    )
    .await?;
    let body = ResponseResponse::from(view);
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
    let instrument_id = id.into_inner();
    let request = query.0.parse(instrument_id);
    let page = service::responses::list(&state.pool, &user, instrument_id, request.into()).await?;
    Ok(HttpResponse::Ok().json(page.map(ResponseResponse::from)))
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
    let view = service::responses::get(&state.pool, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ResponseResponse::from(view)))
}
