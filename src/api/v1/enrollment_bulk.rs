//! `POST /api/v1/events/{id}/enrollments/bulk` and `/events/{id}/enrollments/decisions`: nominations and
//! decisions for up to 500 officers in one request, with a result per row (`service::enrollment_bulk`).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::{ApiQuery, JsonBody};
use crate::api::v1::enrollments::NominateRequest;
use crate::api::v1::imports::ImportModeParam;
use crate::auth::AuthUser;
use crate::error::{ApiError, FieldError, PROBLEM_JSON};
use crate::openapi as responses;
use crate::service;
use crate::service::enrollment_bulk::{Action, BULK_MAX, BulkOutcome, Decision, RowStatus};
use crate::service::imports::ImportMode;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(bulk_nominate).service(bulk_decide);
}

/// The query of a bulk request.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BulkQuery {
    /// `all_or_nothing` (default: any failing row writes nothing) or `best_effort` (the passing rows are written).
    #[param(inline)]
    pub mode: Option<ImportModeParam>,
}

impl BulkQuery {
    pub(crate) fn mode(&self) -> ImportMode {
        match self.mode.unwrap_or_default() {
            ImportModeParam::AllOrNothing => ImportMode::AllOrNothing,
            ImportModeParam::BestEffort => ImportMode::BestEffort,
        }
    }
}

/// Up to 500 nominations.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"nominations": [
    {"participant_id": "5eed0000-0000-4000-8000-00000000a001"},
    {"participant_id": "5eed0000-0000-4000-8000-00000000a002", "note": "Wali pemasyarakatan"}
]}))]
pub struct BulkNominationRequest {
    /// 1 to 500 officers, each at most once.
    #[schema(min_items = 1, max_items = 500)]
    pub nominations: Vec<NominateRequest>,
}

/// What a decision row asks for.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    Approve,
    Reject,
    Withdraw,
}

/// One decision.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b", "action": "approve"}))]
pub struct DecisionItem {
    /// An enrollment of this event.
    pub enrollment_id: Uuid,
    pub action: BulkAction,
}

/// Up to 500 decisions, applied in order.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decisions": [
    {"enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b", "action": "approve"},
    {"enrollment_id": "6b4d0f1f-8e8c-4a6f-8b1c-2d3e4f5a6b7c", "action": "reject"}
]}))]
pub struct BulkDecisionRequest {
    /// 1 to 500 decisions, each enrollment at most once.
    #[schema(min_items = 1, max_items = 500)]
    pub decisions: Vec<DecisionItem>,
}

fn check_rows(field: &str, len: usize) -> Result<(), ApiError> {
    if len == 0 || len > BULK_MAX {
        return Err(ApiError::field(
            field,
            if len == 0 { "too_short" } else { "too_long" },
            format!("must hold 1 to {BULK_MAX} rows"),
        ));
    }
    Ok(())
}

impl BulkNominationRequest {
    fn parse(self) -> Result<Vec<service::enrollments::Nomination>, ApiError> {
        check_rows("nominations", self.nominations.len())?;
        let mut errors = Vec::new();
        let mut out = Vec::with_capacity(self.nominations.len());
        for (i, item) in self.nominations.into_iter().enumerate() {
            match item.parse() {
                Ok(n) => out.push(n),
                Err(ApiError::Validation(list)) => errors.extend(list.into_iter().map(|mut e| {
                    e.field = format!("nominations[{i}].{}", e.field);
                    e
                })),
                Err(other) => return Err(other),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

impl BulkDecisionRequest {
    fn parse(self) -> Result<Vec<Decision>, ApiError> {
        check_rows("decisions", self.decisions.len())?;
        Ok(self
            .decisions
            .into_iter()
            .map(|d| Decision {
                enrollment_id: d.enrollment_id,
                action: match d.action {
                    BulkAction::Approve => Action::Approve,
                    BulkAction::Reject => Action::Reject,
                    BulkAction::Withdraw => Action::Withdraw,
                },
            })
            .collect())
    }
}

/// What became of a row.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkRowStatus {
    Nominated,
    Approved,
    Waitlisted,
    Rejected,
    Withdrawn,
    Error,
}

/// The result of one row.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"row": 0, "status": "approved",
    "enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
    "participant_id": "5eed0000-0000-4000-8000-00000000a001", "errors": []}))]
pub struct BulkRowResult {
    /// The row's position in the request, from 0.
    pub row: usize,
    pub status: BulkRowStatus,
    /// The enrollment the row wrote or names; null for a nomination that failed or was not written (a rejected
    /// `all_or_nothing` request).
    pub enrollment_id: Option<Uuid>,
    /// The officer; null when a decision row names no enrollment the caller may see.
    pub participant_id: Option<Uuid>,
    /// Every error of an `error` row; empty otherwise.
    pub errors: Vec<FieldError>,
}

/// The number of rows per status.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"nominated": 0, "approved": 28, "waitlisted": 2, "rejected": 1, "withdrawn": 0, "error": 0}))]
pub struct BulkSummary {
    pub nominated: usize,
    pub approved: usize,
    pub waitlisted: usize,
    pub rejected: usize,
    pub withdrawn: usize,
    pub error: usize,
}

/// The result of a bulk request that was written.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "mode": "best_effort",
    "summary": {"nominated": 0, "approved": 1, "waitlisted": 1, "rejected": 0, "withdrawn": 0, "error": 1},
    "rows": [
        {"row": 0, "status": "approved", "enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
            "participant_id": "5eed0000-0000-4000-8000-00000000a001", "errors": []},
        {"row": 1, "status": "waitlisted", "enrollment_id": "6b4d0f1f-8e8c-4a6f-8b1c-2d3e4f5a6b7c",
            "participant_id": "5eed0000-0000-4000-8000-00000000a002", "errors": []},
        {"row": 2, "status": "error", "enrollment_id": "7c5e1a2a-9f9d-4b7a-9c2d-3e4f5a6b7c8d", "participant_id": null,
            "errors": [{"field": "enrollment_id", "code": "transition_not_allowed",
                "message": "An enrollment in status `rejected` cannot be approved."}]}
    ]
}))]
pub struct BulkResult {
    pub mode: ImportModeParam,
    pub summary: BulkSummary,
    /// One result per row, in request order.
    pub rows: Vec<BulkRowResult>,
}

/// 422 of an `all_or_nothing` bulk request with a failing row: every row error as `[row].field`, plus each row's
/// result (what the passing rows would have become). Nothing was written.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:bimtek-api:problem:bulk_rejected",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "1 of 2 rows failed; nothing was written.",
    "code": "bulk_rejected",
    "errors": [{"field": "[1].participant_id", "code": "already_enrolled", "message": "is already enrolled in this event"}],
    "mode": "all_or_nothing",
    "summary": {"nominated": 1, "approved": 0, "waitlisted": 0, "rejected": 0, "withdrawn": 0, "error": 1},
    "rows": [
        {"row": 0, "status": "nominated", "enrollment_id": null, "participant_id": "5eed0000-0000-4000-8000-00000000a001", "errors": []},
        {"row": 1, "status": "error", "enrollment_id": null, "participant_id": "5eed0000-0000-4000-8000-00000000a002",
            "errors": [{"field": "participant_id", "code": "already_enrolled", "message": "is already enrolled in this event"}]}
    ]
}))]
pub struct BulkRejected {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// `bulk_rejected`.
    pub code: String,
    pub errors: Vec<FieldError>,
    pub mode: ImportModeParam,
    pub summary: BulkSummary,
    pub rows: Vec<BulkRowResult>,
}

fn answer(outcome: BulkOutcome) -> HttpResponse {
    let [nominated, approved, waitlisted, rejected, withdrawn, error] = outcome.counts();
    let summary = BulkSummary {
        nominated,
        approved,
        waitlisted,
        rejected,
        withdrawn,
        error,
    };
    let errors = outcome.field_errors();
    let total = outcome.rows.len();
    let mode = match outcome.mode {
        ImportMode::AllOrNothing => ImportModeParam::AllOrNothing,
        ImportMode::BestEffort => ImportModeParam::BestEffort,
    };
    let rows = outcome
        .rows
        .into_iter()
        .map(|r| BulkRowResult {
            row: r.row,
            status: match r.status {
                RowStatus::Nominated => BulkRowStatus::Nominated,
                RowStatus::Approved => BulkRowStatus::Approved,
                RowStatus::Waitlisted => BulkRowStatus::Waitlisted,
                RowStatus::Rejected => BulkRowStatus::Rejected,
                RowStatus::Withdrawn => BulkRowStatus::Withdrawn,
                RowStatus::Error => BulkRowStatus::Error,
            },
            enrollment_id: r.enrollment_id,
            participant_id: r.participant_id,
            errors: r.errors,
        })
        .collect();
    if outcome.rejected {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
            .json(BulkRejected {
                type_: "urn:bimtek-api:problem:bulk_rejected".to_owned(),
                title: status.canonical_reason().unwrap_or("Error").to_owned(),
                status: status.as_u16(),
                detail: format!("{error} of {total} rows failed; nothing was written."),
                code: "bulk_rejected".to_owned(),
                errors,
                mode,
                summary,
                rows,
            });
    }
    HttpResponse::Ok().json(BulkResult {
        mode,
        summary,
        rows,
    })
}

/// Nominate many officers
///
/// Nominates up to 500 officers for the event in one transaction, each row with the rules of
/// `POST /events/{id}/enrollments`: admins and the event's organizers nominate anyone, a unit operator officers of
/// their own unit (other rows fail with `forbidden`), a participant themself; an officer already enrolled fails
/// with `already_enrolled`, a withdrawn or rejected enrollment is reused. `mode=all_or_nothing` (default): any
/// failing row, and nothing is written (422 `bulk_rejected` with every row's result); `mode=best_effort`: the
/// passing rows are written and the failing ones reported (200). Send an `Idempotency-Key` to retry safely.
/// The event must be `draft` or `published` (409 `enrollment_closed`).
#[utoipa::path(
    tag = "enrollments",
    params(("id" = Uuid, Path, description = "The event id"), BulkQuery),
    request_body = BulkNominationRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The rows' results.", body = BulkResult),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, description = "A failing row of an `all_or_nothing` request (`bulk_rejected`, nothing \
            written), or a malformed body (`validation_failed`).", body = BulkRejected,
            content_type = "application/problem+json")
    )
)]
#[post("/events/{id}/enrollments/bulk")]
pub async fn bulk_nominate(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<BulkQuery>,
    body: JsonBody<BulkNominationRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(BulkNominationRequest::parse);
    let outcome = service::enrollment_bulk::nominate(
        &state.pool,
        &user,
        id.into_inner(),
        query.0.mode(),
        input.into(),
    )
    .await?;
    Ok(answer(outcome))
}

/// Decide many enrollments
///
/// Approves, rejects or withdraws up to 500 enrollments of the event in one transaction, in the order given, each
/// row with the rules of its single call: approvals fill free seats within `capacity` and the unit quotas, the
/// rest go on the waitlist (`waitlisted`, not an error); a withdrawal of an approved officer gives the seat to the
/// waitlist. Approvals and rejections are for the event's managers; a withdrawal also for the operator of the
/// officer's unit and the officer. A row naming an enrollment of another event or one the caller may not see
/// fails with `unknown_reference`. Modes as for the bulk nomination. Concurrent bulk and single decisions are
/// serialized on the event: never more than `capacity` officers approved.
#[utoipa::path(
    tag = "enrollments",
    params(("id" = Uuid, Path, description = "The event id"), BulkQuery),
    request_body = BulkDecisionRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The rows' results.", body = BulkResult),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, description = "A failing row of an `all_or_nothing` request (`bulk_rejected`, nothing \
            written), or a malformed body (`validation_failed`).", body = BulkRejected,
            content_type = "application/problem+json")
    )
)]
#[post("/events/{id}/enrollments/decisions")]
pub async fn bulk_decide(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<BulkQuery>,
    body: JsonBody<BulkDecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(BulkDecisionRequest::parse);
    let outcome = service::enrollment_bulk::decide(
        &state.pool,
        &user,
        id.into_inner(),
        query.0.mode(),
        input.into(),
    )
    .await?;
    Ok(answer(outcome))
}
