//! `/api/v1/events/{id}/scores`: the score sheet of an event and direct score entry (paper tests, the practical
//! assessment).

use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::{ApiQuery, JsonBody};
use crate::api::v1::double_option;
use crate::auth::AuthUser;
use crate::domain::enums::{ScoreKind, ScoreSource};
use crate::domain::page::Page;
use crate::domain::result::{has_two_decimals_at_most, round2};
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::scores::{ScoreInput, ScoreLine, ScoreValue};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_scores).service(put_scores);
}

/// The most rows one `PUT` of scores may carry.
const ITEMS_MAX: usize = 500;

/// One score of an officer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"score": 85.5, "source": "manual", "recorded_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
    "updated_at": "2025-08-02T08:00:00Z"}))]
pub struct ScoreCell {
    /// 0-100, at most two decimals.
    pub score: f64,
    /// `instrument` (an answered test, scored from its key) or `manual` (entered here).
    pub source: ScoreSource,
    /// Who entered it (for a test: who submitted the answers).
    pub recorded_by: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
}

impl From<ScoreValue> for ScoreCell {
    fn from(v: ScoreValue) -> Self {
        Self {
            score: v.score,
            source: v.source,
            recorded_by: v.recorded_by,
            updated_at: v.updated_at,
        }
    }
}

/// An approved officer of the event and their scores (null where none is recorded).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
    "participant_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
    "participant_name": "Dewi Lestari",
    "pre_test": {"score": 55.0, "source": "instrument", "recorded_by": null, "updated_at": "2025-08-02T01:30:00Z"},
    "post_test": {"score": 85.5, "source": "manual", "recorded_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
        "updated_at": "2025-08-02T08:00:00Z"},
    "practical": null
}))]
pub struct ScoreSheetLine {
    pub enrollment_id: Uuid,
    pub participant_id: Uuid,
    /// Null after the officer's data was erased.
    pub participant_name: Option<String>,
    pub pre_test: Option<ScoreCell>,
    pub post_test: Option<ScoreCell>,
    /// The practical (simulation) assessment.
    pub practical: Option<ScoreCell>,
}

impl From<ScoreLine> for ScoreSheetLine {
    fn from(l: ScoreLine) -> Self {
        Self {
            enrollment_id: l.enrollment_id,
            participant_id: l.participant_id,
            participant_name: l.participant_name,
            pre_test: l.pre_test.map(ScoreCell::from),
            post_test: l.post_test.map(ScoreCell::from),
            practical: l.practical.map(ScoreCell::from),
        }
    }
}

/// Paging of the score sheet.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScoresQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
}

/// One score to write.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b", "kind": "practical", "score": 87.5}))]
pub struct ScoreItemInput {
    /// An approved enrollment of the event.
    pub enrollment_id: Uuid,
    /// `pre_test`, `post_test` or `practical` (facilitators: only `practical`).
    #[schema(value_type = ScoreKind)]
    pub kind: String,
    /// 0-100 with at most two decimals; `null` clears a manually entered score.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>, required = true, minimum = 0, maximum = 100)]
    pub score: Option<Option<f64>>,
}

/// Scores to write, all-or-nothing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [
    {"enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b", "kind": "pre_test", "score": 55},
    {"enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b", "kind": "post_test", "score": 85.5},
    {"enrollment_id": "6b4d0f1f-8e8c-4a6f-8b1c-2d3e4f5a6b7c", "kind": "practical", "score": null}
]}))]
pub struct PutScoresRequest {
    /// At most 500 rows (a body is at most 64 KiB), each enrollment and kind at most once.
    #[schema(max_items = 500)]
    pub items: Vec<ScoreItemInput>,
}

impl PutScoresRequest {
    fn parse(self) -> Result<Vec<ScoreInput>, ApiError> {
        if self.items.len() > ITEMS_MAX {
            return Err(ApiError::field(
                "items",
                "too_long",
                format!("at most {ITEMS_MAX} rows per request"),
            ));
        }
        let mut errors = Vec::new();
        let mut out = Vec::with_capacity(self.items.len());
        for (i, item) in self.items.into_iter().enumerate() {
            let kind = ScoreKind::parse(&item.kind);
            if kind.is_none() {
                errors.push(FieldError::new(
                    format!("items[{i}].kind"),
                    "invalid_value",
                    "must be one of pre_test, post_test, practical",
                ));
            }
            let score = match item.score {
                None => {
                    errors.push(FieldError::new(
                        format!("items[{i}].score"),
                        "required",
                        "is required (null clears the score)",
                    ));
                    None
                }
                Some(Some(s)) if !(0.0..=100.0).contains(&s) => {
                    errors.push(FieldError::new(
                        format!("items[{i}].score"),
                        "out_of_range",
                        "must be between 0 and 100",
                    ));
                    None
                }
                Some(Some(s)) if !has_two_decimals_at_most(s) => {
                    errors.push(FieldError::new(
                        format!("items[{i}].score"),
                        "too_precise",
                        "must have at most two decimals",
                    ));
                    None
                }
                Some(score) => Some(score.map(round2)),
            };
            if let (Some(kind), Some(score)) = (kind, score) {
                out.push(ScoreInput {
                    enrollment_id: item.enrollment_id,
                    kind,
                    score,
                });
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// The lines of the officers named in a `PUT`, in the order first named.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{
    "enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
    "participant_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
    "participant_name": "Dewi Lestari",
    "pre_test": {"score": 55.0, "source": "manual", "recorded_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
        "updated_at": "2025-08-02T08:00:00Z"},
    "post_test": null,
    "practical": null
}]}))]
pub struct RecordedScores {
    pub items: Vec<ScoreSheetLine>,
}

/// Read an event's scores
///
/// One line per approved officer of the event (by name) with the pre-test, post-test and practical score, each
/// with its source (`instrument`: an answered test; `manual`: entered), who recorded it and when. The event's
/// managers and the facilitators of its sessions see every officer; a unit operator their unit's officers; a
/// participant their own line; others 403. A draft event is 404 except for its managers.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "The event id"), ScoresQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of the score sheet.", body = Page<ScoreSheetLine>),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}/scores")]
pub async fn get_scores(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<ScoresQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = super::page_of(query.0.limit, query.0.offset);
    let sheet = service::scores::sheet(&state.pool, &user, id.into_inner(), page.into()).await?;
    Ok(HttpResponse::Ok().json(sheet.map(ScoreSheetLine::from)))
}

/// Enter scores
///
/// Writes paper-test and practical scores, all-or-nothing (at most 500 rows, 422 `items` otherwise). Every row
/// is checked first and every bad one named: `items[i].kind` (unknown), `items[i].score` (`required`,
/// `out_of_range` outside 0-100, `too_precise` beyond two decimals, `from_instrument` when clearing a score of an
/// answered test), `items[i].enrollment_id` (`not_enrolled`: no approved enrollment of this event) and `items[i]`
/// (`duplicate` enrollment and kind); nothing is written unless all are valid. A value replaces the score (source
/// `manual`); `null` removes it. Every change is written to the audit log (`score.set` / `score.clear`, old and
/// new value, who) in the same transaction; a row that changes nothing writes nothing. For the event's managers
/// (every kind) and the facilitators of its sessions (only `practical`; another kind: 403). Not while the event
/// is `draft` or `cancelled` (409 `scores_closed`).
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "The event id")),
    request_body = PutScoresRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The lines of the officers named.", body = RecordedScores),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[put("/events/{id}/scores")]
pub async fn put_scores(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonBody<PutScoresRequest>,
) -> Result<HttpResponse, ApiError> {
    let items = body.into_inner().and_then(PutScoresRequest::parse);
    let lines = service::scores::record(&state.pool, &user, id.into_inner(), items.into()).await?;
    Ok(HttpResponse::Ok().json(RecordedScores {
        items: lines.into_iter().map(ScoreSheetLine::from).collect(),
    }))
}
