//! `/api/v1/changes`: the change feed, for clients that keep their own copy in sync by polling.

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::ApiQuery;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::changes::{ChangesRequest, Operation, ResourceKind};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_changes);
}

/// The kind of a change. `erased`: an officer's personal data was erased (UU PDP) — drop it from your copy;
/// `deleted`: the resource is gone.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Created,
    Updated,
    Deleted,
    Erased,
}

/// The kind of resource that changed. `result` is the result of an enrollment (its id is the enrollment id): it
/// changes with any pre-test, post-test or practical score.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeResource {
    Unit,
    Participant,
    Event,
    Session,
    Enrollment,
    Attendance,
    Result,
    Certificate,
    CompetencyRecord,
}

/// One change: which resource, and how. Fetch the resource itself for its data (a `deleted` or `erased` one is
/// gone or emptied). No personal data is part of the feed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "resource_type": "participant",
    "resource_id": "5b0e7a52-8f1e-4d8e-9a57-1f5b3c2d9e01",
    "op": "updated",
    "changed_at": "2025-08-02T01:00:00Z"
}))]
pub struct ChangeItem {
    pub resource_type: ChangeResource,
    pub resource_id: Uuid,
    pub op: ChangeOp,
    /// When the changing transaction started (within one transaction all changes share it).
    pub changed_at: DateTime<Utc>,
}

/// A page of the change feed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "items": [
        {"resource_type": "participant", "resource_id": "5b0e7a52-8f1e-4d8e-9a57-1f5b3c2d9e01", "op": "created",
         "changed_at": "2025-08-02T01:00:00Z"},
        {"resource_type": "enrollment", "resource_id": "8d3f0c1e-2b4a-4c6d-9e8f-0a1b2c3d4e5f", "op": "updated",
         "changed_at": "2025-08-02T01:00:05Z"}
    ],
    "next_cursor": "AQAAAAAAAATSAAAAAAAAACrXq4Hq8l6m3lFeWJzV1x2a",
    "has_more": false
}))]
pub struct ChangePageResponse {
    /// The changes after `since`, in transaction order.
    pub items: Vec<ChangeItem>,
    /// Pass as `since` in the next poll. Equal to the `since` sent when nothing new arrived. Opaque: do not build
    /// or edit it.
    pub next_cursor: String,
    /// True when more changes are already waiting: poll again at once instead of after your interval.
    pub has_more: bool,
}

impl ChangeResource {
    fn as_str(self) -> &'static str {
        match self {
            Self::Unit => "unit",
            Self::Participant => "participant",
            Self::Event => "event",
            Self::Session => "session",
            Self::Enrollment => "enrollment",
            Self::Attendance => "attendance",
            Self::Result => "result",
            Self::Certificate => "certificate",
            Self::CompetencyRecord => "competency_record",
        }
    }
}

impl ChangeOp {
    fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
            Self::Erased => "erased",
        }
    }
}

impl ChangePageResponse {
    /// The JSON serde writes for this page (a test holds them equal), written directly: a page has up to 1,000
    /// items of fixed shape, none of whose strings needs escaping (names, UUIDs, RFC 3339 times, a base64url
    /// cursor), and serde_json's escaping of every key and value was a fifth of the page's cost.
    fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.items.len() * 144);
        out.extend_from_slice(b"{\"items\":[");
        let mut uuid = Uuid::encode_buffer();
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"resource_type\":\"");
            out.extend_from_slice(item.resource_type.as_str().as_bytes());
            out.extend_from_slice(b"\",\"resource_id\":\"");
            out.extend_from_slice(
                item.resource_id
                    .hyphenated()
                    .encode_lower(&mut uuid)
                    .as_bytes(),
            );
            out.extend_from_slice(b"\",\"op\":\"");
            out.extend_from_slice(item.op.as_str().as_bytes());
            out.extend_from_slice(b"\",\"changed_at\":\"");
            out.extend_from_slice(
                item.changed_at
                    .to_rfc3339_opts(SecondsFormat::AutoSi, true)
                    .as_bytes(),
            );
            out.extend_from_slice(b"\"}");
        }
        out.extend_from_slice(b"],\"next_cursor\":\"");
        out.extend_from_slice(self.next_cursor.as_bytes());
        out.extend_from_slice(b"\",\"has_more\":");
        out.extend_from_slice(if self.has_more { b"true" } else { b"false" });
        out.push(b'}');
        out
    }
}

/// The position to continue from, and the page size.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// A `next_cursor` from an earlier page. Without it the feed starts at the oldest change kept.
    #[param(max_length = 64, pattern = "^[A-Za-z0-9_-]+$")]
    pub since: Option<String>,
    /// Page size, 1-1000.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<i64>,
}

impl From<Operation> for ChangeOp {
    fn from(op: Operation) -> Self {
        match op {
            Operation::Created => Self::Created,
            Operation::Updated => Self::Updated,
            Operation::Deleted => Self::Deleted,
            Operation::Erased => Self::Erased,
        }
    }
}

impl From<ResourceKind> for ChangeResource {
    fn from(kind: ResourceKind) -> Self {
        match kind {
            ResourceKind::Unit => Self::Unit,
            ResourceKind::Participant => Self::Participant,
            ResourceKind::Event => Self::Event,
            ResourceKind::Session => Self::Session,
            ResourceKind::Enrollment => Self::Enrollment,
            ResourceKind::Attendance => Self::Attendance,
            ResourceKind::Result => Self::Result,
            ResourceKind::Certificate => Self::Certificate,
            ResourceKind::CompetencyRecord => Self::CompetencyRecord,
        }
    }
}

impl ChangesQuery {
    /// The limit first (400 `invalid_query`), then the cursor (400 `invalid_cursor`).
    fn parse(self, keys: &service::changes::CursorKeys) -> Result<ChangesRequest, ApiError> {
        let mut errors = Vec::new();
        let limit = service::changes::parse_limit(self.limit, &mut errors);
        super::checked_query(limit, errors)?;
        let since = service::changes::parse_cursor(keys, self.since.as_deref())?;
        Ok(ChangesRequest { since, limit })
    }
}

/// Poll the change feed
///
/// Every create, update and delete of units, participants, events, sessions, enrollments, attendance, results
/// and certificates, oldest first, from an opaque cursor. Start without `since`, store `next_cursor`, and pass it
/// as `since` in the next poll; while `has_more` is true, poll again at once. Deletions appear as `deleted` and
/// erasures of an officer's personal data as `erased` (tombstones: remove the data from your copy).
///
/// **Order and completeness.** Changes are ordered by their transaction, in *transaction order* (the order in
/// which PostgreSQL assigned the writing transactions their ids), then by the order within it. A change is
/// served only once every transaction that started before it has committed or rolled back, so no change can
/// still appear behind a cursor you hold: a poller never misses or sees a change twice, even with many writers
/// at once. The price is a small delay: a change appears when the transactions older than it have ended
/// (usually milliseconds; as long as the longest transaction running).
///
/// The feed says *what* changed, never the data: read the resource (or the list with `updated_since`) for it.
/// A tampered or foreign cursor is 400 `invalid_cursor`.
///
/// **Retention.** Changes are kept for `CHANGES_RETENTION_DAYS` (90 by default). A cursor older than that may
/// have missed changes that were deleted since: it gets 410 `cursor_expired` (never a page with a silent gap).
/// Then resynchronise from the lists and start again without `since`; without `since` the feed starts at the
/// oldest change it still keeps. Poll at least once within the retention to keep a cursor valid.
#[utoipa::path(
    tag = "changes",
    params(ChangesQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The changes after the cursor, and where to continue.", body = ChangePageResponse),
        (status = 410, response = responses::Gone)
    )
)]
#[get("/changes")]
pub async fn list_changes(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ChangesQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = query.0.parse(&state.cursor_keys);
    let page = service::changes::page(&state.pool, &user, request.into()).await?;
    let items = page
        .items
        .into_iter()
        .map(|change| ChangeItem {
            resource_type: change.resource_type.into(),
            resource_id: change.resource_id,
            op: change.op.into(),
            changed_at: change.changed_at,
        })
        .collect();
    let page = ChangePageResponse {
        items,
        next_cursor: state.cursor_keys.encode(page.next),
        has_more: page.has_more,
    };
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(page.to_json()))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_page_is_written_as_serde_writes_it() {
        let at = Utc.with_ymd_and_hms(2025, 8, 2, 1, 0, 0).unwrap();
        let resources = [
            ChangeResource::Unit,
            ChangeResource::Participant,
            ChangeResource::Event,
            ChangeResource::Session,
            ChangeResource::Enrollment,
            ChangeResource::Attendance,
            ChangeResource::Result,
            ChangeResource::Certificate,
        ];
        let ops = [
            ChangeOp::Created,
            ChangeOp::Updated,
            ChangeOp::Deleted,
            ChangeOp::Erased,
        ];
        let items: Vec<ChangeItem> = resources
            .iter()
            .enumerate()
            .map(|(i, &resource_type)| ChangeItem {
                resource_type,
                resource_id: Uuid::from_u128(0x5b0e_7a52_8f1e_4d8e_9a57_1f5b_3c2d_9e01 + i as u128),
                op: ops[i % ops.len()],
                changed_at: at + chrono::Duration::microseconds(123_457 * i as i64),
            })
            .collect();
        for (items, has_more) in [(items, true), (Vec::new(), false)] {
            let page = ChangePageResponse {
                items,
                next_cursor: "AQAAAAAAAATSAAAAAAAAACrXq4Hq8l6m3lFeWJzV1x2a".to_owned(),
                has_more,
            };
            assert_eq!(
                String::from_utf8(page.to_json()).unwrap(),
                serde_json::to_string(&page).unwrap()
            );
        }
    }
}
