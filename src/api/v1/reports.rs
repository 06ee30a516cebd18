//! `/api/v1/events/{id}/report`, `/api/v1/programs/{id}/report` and `/api/v1/units/{id}/report`: the reports
//! (Kirkpatrick levels 1-3) of an event, a program and a unit. The service shapes them; their types are
//! `service::reports`'s, documented here as they are served.

use actix_web::{HttpResponse, get, web};
use chrono::{Datelike, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::ApiQuery;
use crate::auth::AuthUser;
use crate::domain::result::report_year;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::reports::{EventReportResponse, ProgramReportResponse, UnitReportResponse};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_event_report)
        .service(get_program_report)
        .service(get_unit_report);
}

/// Read an event's report
///
/// The aggregates of an event, each block named by its Kirkpatrick level where it has one: enrollments by state;
/// attendance overall, per session and per unit; level 2 (`learning`): pre and post means, mean gain, mean
/// normalized gain, pass rate, practical mean; the outcomes; level 1 (`reaction`): for the event and facilitator
/// evaluations, every question by type (Likert: mean, n and the distribution over the scale; single and multiple
/// choice: n and how often each option was chosen; number: n, mean, median, min and max), and the Likert means
/// per facilitator and per session; level 3 (`behavior`): the same for the follow-ups, whose Likert questions are
/// also split by respondent (`by_respondent`: the alumni, then their supervisors); and the free-text answers as
/// comments (never with a name; without the officer where the instrument is anonymous). For the event's managers; others 403 (404 for a
/// draft).
///
/// Always current: the figures are kept as a snapshot that every change to the event's enrollments, sessions,
/// attendance, scores, instruments or answers (and to its officers', units' and facilitators' names) marks stale;
/// the first read after a change recomputes it (tens of milliseconds for 500 officers), later reads cost a lookup.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "The event id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The report.", body = EventReportResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}/report")]
pub async fn get_event_report(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let body = service::reports::event(&state.pool, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body))
}

/// Read a program's report
///
/// The events of a program (by start date) with their enrollments, approved officers, outcomes, completion rate
/// (certificate or attendance letter), mean attendance rate, and the certificates issued (not revoked) and their
/// rate; the Kirkpatrick levels of each event and across them (`levels`: level 1 the mean Likert answer of the
/// event and facilitator evaluations, level 2 the mean pre/post gain and the post-test pass rate, level 3 the mean
/// Likert answer of the follow-ups, each with its counts); and the totals. For admins (draft events included) and
/// organizers (without drafts); others 403.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "The program id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The report.", body = ProgramReportResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/programs/{id}/report")]
pub async fn get_program_report(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let report = service::reports::program(&state.pool, &user, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The year of a unit report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitReportQuery {
    /// The year of the events' start dates, 2000-2100; default the current year.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

/// Read a unit's training report
///
/// The officers of a unit (by name; archived officers only when they trained that year) with the trainings of
/// the year (events starting that year that are `ongoing` or `completed`): outcome, attendance rate, post score
/// and JP; per officer the JP total (and minutes) and the trainings completed; and the Kirkpatrick levels of the
/// unit's officers in those trainings (`levels`: level 2 their scores, levels 1 and 3 the Likert answers that
/// name them; anonymous evaluations name nobody and are not counted). For admins and the unit's own operator;
/// others 403.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "The unit id"), UnitReportQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The report.", body = UnitReportResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/units/{id}/report")]
pub async fn get_unit_report(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<UnitReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let year =
        report_year(query.0.year, Utc::now().year()).map_err(|e| super::invalid_query(vec![e]));
    let report = service::reports::unit(&state.pool, &user, id.into_inner(), year.into()).await?;
    Ok(HttpResponse::Ok().json(report))
}
