//! `/api/v1/audit-log`: who changed what, and when (administrators).

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::ApiQuery;
use crate::auth::AuthUser;
use crate::domain::page::{Page, PageRequest};
use crate::error::{ApiError, FieldError};
use crate::service;
use crate::service::audit_log::{AuditEntry, AuditFilter, AuditList};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_audit_log);
}

/// Who acted: a user with their role, or a service account (`client_id`). All null for work done outside a
/// request (command line, seeding, migrations).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"user_id": "3f1c8a6e-0b7d-4d2a-9c51-7e2b9f0a4d13", "client_id": null, "role": "facilitator"}))]
pub struct AuditActor {
    pub user_id: Option<Uuid>,
    /// The service account, for machine-to-machine calls.
    pub client_id: Option<Uuid>,
    /// The role the actor had at the time.
    pub role: Option<String>,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1042,
    "at": "2025-08-02T06:15:00Z",
    "actor": {"user_id": "3f1c8a6e-0b7d-4d2a-9c51-7e2b9f0a4d13", "client_id": null, "role": "facilitator"},
    "action": "score.set",
    "resource_type": "score",
    "resource_id": "8d3f0c1e-2b4a-4c6d-9e8f-0a1b2c3d4e5f",
    "participant_id": "5b0e7a52-8f1e-4d8e-9a57-1f5b3c2d9e01",
    "participant_ids": [],
    "changes": {"practical": {"old": 72.5, "new": 80.0}, "score": {"old": 72.5, "new": 80.0}},
    "request_id": "6c1f2e0a-7b3d-4e59-8a10-2f4c6d8e0b1a"
}))]
pub struct AuditEntryResponse {
    /// Increases with every entry: newer entries have larger ids.
    pub id: i64,
    /// When the writing transaction started.
    pub at: DateTime<Utc>,
    pub actor: AuditActor,
    /// `<resource>.created|updated|deleted`, `participant.erased`, `score.set|clear`, `certificate.issue|revoke`,
    /// or an access event such as `participant.nip_read` or `export.attendance`.
    pub action: String,
    /// E.g. `participant`, `enrollment`, `attendance`, `score`, `certificate`, `user`. Link tables name their
    /// parent: `event_organizer` and `event_unit_quota` carry the event id, `session_facilitator` the session id,
    /// `score` the enrollment id.
    pub resource_type: String,
    pub resource_id: Option<Uuid>,
    /// The officer the entry is about, when there is one.
    pub participant_id: Option<Uuid>,
    /// Access events: every officer whose full NIP the answer showed (a list page, an export, an import's row
    /// report); empty for writes. `participant_id` of the filter matches these too.
    pub participant_ids: Vec<Uuid>,
    /// The changed fields, `{"field": {"old": .., "new": ..}}`. Credentials read `"[redacted]"`; personal values of
    /// an erased officer read `"[erased]"`; bookkeeping fields (`version`, `updated_at`, ...) are left out.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    /// The `X-Request-Id` of the request that made the change.
    pub request_id: Option<String>,
}

impl From<AuditEntry> for AuditEntryResponse {
    fn from(row: AuditEntry) -> Self {
        Self {
            id: row.id,
            at: row.at,
            actor: AuditActor {
                user_id: row.actor_user_id,
                client_id: row.actor_client_id,
                role: row.actor_role,
            },
            action: row.action,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            participant_id: row.participant_id,
            participant_ids: row.participant_ids,
            changes: row.changes,
            request_id: row.request_id,
        }
    }
}

/// Filters and paging of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditLogQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Entries to skip (or page with `before`).
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Keyset paging: only entries with an id below this one (pass the last id of the previous page).
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// Only entries of this resource type, e.g. `score`.
    #[param(min_length = 1, max_length = 50)]
    pub resource_type: Option<String>,
    /// Only entries of this resource.
    pub resource_id: Option<Uuid>,
    /// Only entries about this officer (also access events whose `participant_ids` name them).
    pub participant_id: Option<Uuid>,
    /// Only entries by this user.
    pub actor_user_id: Option<Uuid>,
    /// Only entries by this service account.
    pub actor_client_id: Option<Uuid>,
    /// Only this action, e.g. `score.set` or `participant.nip_read`.
    #[param(min_length = 1, max_length = 100)]
    pub action: Option<String>,
    /// Only entries at or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Only entries before this time (RFC 3339).
    pub to: Option<DateTime<Utc>>,
}

fn text_filter(
    field: &str,
    value: Option<String>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = value?;
    if value.is_empty() || value.chars().count() > max || value.contains('\0') {
        errors.push(FieldError::new(
            field,
            "invalid_value",
            format!("must be 1-{max} characters"),
        ));
        return None;
    }
    Some(value)
}

impl AuditLogQuery {
    fn parse(self) -> Result<AuditList, ApiError> {
        let mut errors = Vec::new();
        let page = PageRequest::parse(self.limit, self.offset, &mut errors);
        if self.before.is_some_and(|b| b < 1) {
            errors.push(FieldError::new(
                "before",
                "out_of_range",
                "must be at least 1",
            ));
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            errors.push(FieldError::new(
                "to",
                "out_of_range",
                "must not be before `from`",
            ));
        }
        let resource_type = text_filter("resource_type", self.resource_type, 50, &mut errors);
        let action = text_filter("action", self.action, 100, &mut errors);
        let filter = AuditFilter {
            resource_type,
            resource_id: self.resource_id,
            participant_id: self.participant_id,
            actor_user_id: self.actor_user_id,
            actor_client_id: self.actor_client_id,
            action,
            from: self.from,
            to: self.to,
            before: self.before,
        };
        super::checked_query(
            AuditList {
                filter,
                sort: (),
                page,
            },
            errors,
        )
    }
}

/// Read the audit log
///
/// Who changed what, and when: one entry per created, changed or deleted record (written in the same transaction
/// as the change, by the database, so no write path can skip it), with the actor, their role, the request id and
/// the changed fields with old and new values. Answers "who changed this officer's score, and when?" with
/// `resource_type=score&participant_id=<officer>`.
///
/// Reads of personal data are recorded too, as access events: `participant.nip_read` for every answer that shows
/// full NIPs to someone other than the officer (a record, a list page, an import's row report: one entry per
/// answer, naming its officers in `participant_ids`), and `export.<kind>` for a CSV export. They are buffered and written within about
/// a second (at once beyond 500 waiting), so the read itself stays fast: a just-made read may take a second to
/// appear.
///
/// Newest first. Page with `limit`/`offset`, or with `before=<last id>` for stable pages while entries keep
/// arriving. When an officer's personal data is erased, their personal values in the log are replaced by
/// `"[erased]"`. Administrators only.
#[utoipa::path(
    tag = "audit-log",
    params(AuditLogQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of audit entries, newest first.", body = Page<AuditEntryResponse>)
    )
)]
#[get("/audit-log")]
pub async fn list_audit_log(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<AuditLogQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::audit_log::list(&state.pool, &user, query.0.parse().into()).await?;
    Ok(HttpResponse::Ok().json(page.map(AuditEntryResponse::from)))
}
