//! `/api/v1/events/{id}/results`: the result of each officer of an event (attendance, JP, scores, gains and the
//! outcome by the event's own rules).

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::ApiQuery;
use crate::auth::AuthUser;
use crate::domain::enums::Outcome;
use crate::domain::page::Page;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::reports::ParticipantRef;
use crate::service::results::{OfficerResult, ResultQuery};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_results);
}

/// The result of one officer in an event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
    "participant": {"id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a", "full_name": "Dewi Lestari"},
    "unit_id": "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",
    "sessions_total": 6, "sessions_attended": 5, "attendance_rate": 83.3,
    "jp_earned": 10, "minutes_earned": 450,
    "pre_score": 55.0, "post_score": 85.5, "gain": 30.5, "normalized_gain": 0.6778,
    "practical_score": 90.0, "outcome": "certificate"
}))]
pub struct ResultLine {
    pub enrollment_id: Uuid,
    pub participant: ParticipantRef,
    pub unit_id: Uuid,
    /// Sessions of the event.
    pub sessions_total: i64,
    /// Sessions attended (`present` or `late`).
    pub sessions_attended: i64,
    /// Percent, one decimal (0 when the event has no sessions).
    pub attendance_rate: f64,
    /// JP of the attended sessions.
    pub jp_earned: i64,
    /// `jp_earned` x the event's `jp_minutes`.
    pub minutes_earned: i64,
    pub pre_score: Option<f64>,
    pub post_score: Option<f64>,
    /// `post_score - pre_score`, when both exist.
    pub gain: Option<f64>,
    /// `(post - pre) / (100 - pre)` (Hake), when both exist and pre is below 100; four decimals.
    pub normalized_gain: Option<f64>,
    /// The practical (simulation) assessment.
    pub practical_score: Option<f64>,
    /// `certificate` (sertifikat: attendance >= the event's threshold and post score >= its pass score),
    /// `attendance_letter` (surat keterangan: threshold met only) or `not_completed`.
    pub outcome: Outcome,
}

impl From<OfficerResult> for ResultLine {
    fn from(r: OfficerResult) -> Self {
        Self {
            enrollment_id: r.enrollment_id,
            participant: ParticipantRef {
                id: r.participant_id,
                full_name: r.participant_name,
            },
            unit_id: r.unit_id,
            sessions_total: r.sessions_total,
            sessions_attended: r.sessions_attended,
            attendance_rate: r.attendance_rate,
            jp_earned: r.jp_earned,
            minutes_earned: r.minutes_earned,
            pre_score: r.pre_score,
            post_score: r.post_score,
            gain: r.gain,
            normalized_gain: r.normalized_gain,
            practical_score: r.practical_score,
            outcome: r.outcome,
        }
    }
}

/// Filters and paging of the results.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only officers with this outcome.
    #[param(inline)]
    pub outcome: Option<Outcome>,
    /// Only officers of this unit.
    pub unit_id: Option<Uuid>,
}

impl ResultsQuery {
    fn parse(self) -> Result<ResultQuery, ApiError> {
        Ok(ResultQuery {
            page: super::page_of(self.limit, self.offset)?,
            unit_id: self.unit_id,
            outcome: self.outcome,
        })
    }
}

/// Read an event's results
///
/// Per approved officer (by name): sessions attended and the attendance rate, JP earned (and minutes), pre and
/// post score, gain and normalized gain, practical score, and the outcome by the event's own rules
/// (`attendance_threshold`, `pass_score`; a pass score of 0 means no test is needed). Filter by `outcome` and
/// `unit_id`. The event's managers and the facilitators of its sessions see every officer; a unit operator their
/// unit's officers; a participant their own line; others 403. A draft event is 404 except for its managers.
/// Always current, served like the report from a snapshot that the first read after a change recomputes.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "The event id"), ResultsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of results.", body = Page<ResultLine>),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}/results")]
pub async fn get_results(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = query.0.parse();
    let page = service::results::list(&state.pool, &user, id.into_inner(), request.into()).await?;
    Ok(HttpResponse::Ok().json(page.map(ResultLine::from)))
}
