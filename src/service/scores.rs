//! Direct score entry (paper tests, the practical assessment) and the score sheet of an event.
//!
//! Reading: as the results (`service::results::read_scope`). Writing: the event's managers (every kind), and the
//! facilitators of the event's sessions (only `practical`: they assess the simulation, DOMAIN.md); not while the
//! event is a draft or cancelled. A write is all-or-nothing, every bad row is named, and every change (old ->
//! new) goes to the audit log in the same transaction; unchanged values write nothing.

use std::collections::{HashMap, HashSet};

use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::enums::{EventStatus, ScoreKind, ScoreSource};
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use crate::repo::access as access_repo;
use crate::repo::audit::{self, NewAuditEntry};
use crate::repo::scores::{self as repo, ScoreRow, SheetLine};
use crate::service::access;
use crate::service::results::{read_scope, visible_event};

/// One row of a write: `score` `None` clears the score.
#[derive(Debug, Clone)]
pub struct ScoreInput {
    pub enrollment_id: Uuid,
    pub kind: ScoreKind,
    pub score: Option<f64>,
}

/// An officer's line of the score sheet: their scores by kind.
#[derive(Debug, Clone)]
pub struct ScoreLine {
    pub line: SheetLine,
    pub scores: Vec<ScoreRow>,
}

fn attach(conn: &mut PgConnection, lines: Vec<SheetLine>) -> Result<Vec<ScoreLine>, ApiError> {
    let ids: Vec<Uuid> = lines.iter().map(|l| l.enrollment_id).collect();
    let mut by_enrollment: HashMap<Uuid, Vec<ScoreRow>> = HashMap::new();
    for row in repo::of_enrollments(conn, &ids)? {
        by_enrollment
            .entry(row.enrollment_id)
            .or_default()
            .push(row);
    }
    Ok(lines
        .into_iter()
        .map(|line| ScoreLine {
            scores: by_enrollment
                .remove(&line.enrollment_id)
                .unwrap_or_default(),
            line,
        })
        .collect())
}

/// A page of the score sheet of an event (one line per approved officer, by name).
pub fn sheet(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    page: PageRequest,
) -> Result<Page<ScoreLine>, ApiError> {
    visible_event(conn, user, event_id)?;
    let scope = read_scope(conn, user, event_id)?;
    let lines = repo::sheet(conn, event_id, scope, page.limit, page.offset)?;
    let total = match lines.first() {
        Some(line) => line.total,
        None if page.offset > 0 => repo::sheet(conn, event_id, scope, 1, 0)?
            .first()
            .map_or(0, |l| l.total),
        None => 0,
    };
    Ok(Page::new(attach(conn, lines)?, total, page))
}

/// Whether the caller may write scores of the event, and if so whether only `practical` ones.
fn writer(conn: &mut PgConnection, user: &AuthUser, event_id: Uuid) -> Result<bool, ApiError> {
    if access::manages_event(conn, user, event_id)? {
        return Ok(false);
    }
    if user.role == Role::Facilitator
        && access_repo::leads_a_session_of_event(conn, event_id, user.id)?
    {
        return Ok(true);
    }
    Err(ApiError::forbidden())
}

/// Writes the rows all-or-nothing and returns the lines of the officers named, in the order first named.
pub fn record(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    parse: impl FnOnce() -> Result<Vec<ScoreInput>, ApiError>,
) -> Result<Vec<ScoreLine>, ApiError> {
    visible_event(conn, user, event_id)?;
    let practical_only = writer(conn, user, event_id)?;
    let items = parse()?;
    if practical_only && items.iter().any(|i| i.kind != ScoreKind::Practical) {
        return Err(ApiError::Forbidden {
            code: "forbidden",
            detail: "Facilitators enter only practical scores.".into(),
        });
    }
    let changed = conn.transaction(|conn| {
        let status = crate::repo::attendance::lock_event_status(conn, event_id)?
            .ok_or_else(|| ApiError::not_found("Event"))?;
        if matches!(
            Some(status),
            Some(EventStatus::Draft | EventStatus::Cancelled) | None
        ) {
            return Err(ApiError::conflict(
                "scores_closed",
                "Scores are entered once the event is published, and not in a cancelled event.",
            ));
        }
        repo::lock_event_scores(conn, event_id)?;
        let ids: Vec<Uuid> = items.iter().map(|i| i.enrollment_id).collect();
        let enrolled: HashMap<Uuid, Uuid> = repo::approved_in_event(conn, event_id, &ids)?
            .into_iter()
            .collect();
        let current: HashMap<(Uuid, String), ScoreRow> = repo::lock_of_enrollments(conn, &ids)?
            .into_iter()
            .map(|r| ((r.enrollment_id, r.kind.clone()), r))
            .collect();
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (i, item) in items.iter().enumerate() {
            if !seen.insert((item.enrollment_id, item.kind)) {
                errors.push(FieldError::new(
                    format!("items[{i}]"),
                    "duplicate",
                    "this enrollment and kind appear more than once in the list",
                ));
                continue;
            }
            if !enrolled.contains_key(&item.enrollment_id) {
                errors.push(FieldError::new(
                    format!("items[{i}].enrollment_id"),
                    "not_enrolled",
                    "no approved enrollment of this event has this id",
                ));
                continue;
            }
            let old = current.get(&(item.enrollment_id, item.kind.as_str().to_owned()));
            if item.score.is_none()
                && old.is_some_and(|o| o.source == ScoreSource::Instrument.as_str())
            {
                errors.push(FieldError::new(
                    format!("items[{i}].score"),
                    "from_instrument",
                    "a score from an answered test cannot be cleared; enter a value to replace it",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let mut entries = Vec::new();
        for item in &items {
            let kind = item.kind.as_str();
            let old = current.get(&(item.enrollment_id, kind.to_owned()));
            let old_score = old.map(|o| o.score);
            if old_score == item.score {
                continue;
            }
            match item.score {
                Some(score) => repo::upsert_manual(conn, item.enrollment_id, kind, score, user.id)?,
                None => repo::delete(conn, item.enrollment_id, kind)?,
            };
            entries.push(NewAuditEntry {
                actor_user_id: Some(user.id),
                actor_client_id: None,
                actor_role: Some(user.role.as_str().to_owned()),
                action: if item.score.is_some() { "score.set" } else { "score.clear" }.to_owned(),
                resource_type: "score".to_owned(),
                resource_id: Some(item.enrollment_id),
                participant_id: enrolled.get(&item.enrollment_id).copied(),
                changes: json!({
                    kind: audit::change(old_score, item.score),
                    "source": audit::change(old.map(|o| o.source.clone()), item.score.map(|_| "manual")),
                }),
                request_id: None,
            });
        }
        audit::record(conn, &entries)?;
        Ok::<_, ApiError>(entries.len())
    })?;
    tracing::info!(event.id = %event_id, actor.id = %user.id, rows = items.len(), changed, "scores recorded");
    let mut order = Vec::new();
    for item in &items {
        if !order.contains(&item.enrollment_id) {
            order.push(item.enrollment_id);
        }
    }
    let named = repo::sheet_lines(conn, &order)?;
    let mut lines: HashMap<Uuid, ScoreLine> = attach(conn, named)?
        .into_iter()
        .map(|l| (l.line.enrollment_id, l))
        .collect();
    Ok(order.iter().filter_map(|id| lines.remove(id)).collect())
}
