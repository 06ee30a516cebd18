//! Direct score entry (paper tests, the practical assessment) and the score sheet of an event.
//!
//! Reading: as the results (`service::results::read_scope`). Writing: the event's managers (every kind), and the
//! facilitators of the event's sessions (only `practical`: they assess the simulation, DOMAIN.md); not while the
//! event is a draft or cancelled. A write is all-or-nothing, every bad row is named, and every change (old ->
//! new) goes to the audit log in the same transaction; unchanged values write nothing.
//!
//! Writes to `scores` fire triggers that write the audit log's one entry per change, `score.set` or `score.clear`
//! (the changed columns, and the score under its kind: `{"pre_test": {"old": .., "new": ..}}`), append `result`
//! to the change feed, queue `result.changed` webhook deliveries (unless an update keeps score and source) and
//! mark the event's snapshots stale (migrations 000008, 000009, 000011, 000015). This module writes no audit entry
//! of its own.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::enums::{EventStatus, ScoreKind, ScoreSource};
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use crate::repo::access as access_repo;
use crate::repo::scores::{self as repo, ScoreRow, SheetLine};
use crate::service::ReadInput;
use crate::service::results::{read_access, visible_event};
use crate::service::{DbPool, Input, Permit, access};

/// One row of a write: `score` `None` clears the score.
#[derive(Debug, Clone)]
pub struct ScoreInput {
    pub enrollment_id: Uuid,
    pub kind: ScoreKind,
    pub score: Option<f64>,
}

/// One recorded score.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreValue {
    pub score: f64,
    pub source: ScoreSource,
    pub recorded_by: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
}

/// An officer's line of the score sheet: their score of each kind, if any.
#[derive(Debug, Clone)]
pub struct ScoreLine {
    pub enrollment_id: Uuid,
    pub participant_id: Uuid,
    /// `None` after the officer's data was erased.
    pub participant_name: Option<String>,
    pub pre_test: Option<ScoreValue>,
    pub post_test: Option<ScoreValue>,
    pub practical: Option<ScoreValue>,
}

impl ScoreLine {
    fn new(line: SheetLine, scores: &[ScoreRow]) -> Self {
        let of = |kind: ScoreKind| {
            scores.iter().find(|s| s.kind == kind).map(|s| ScoreValue {
                score: s.score,
                source: s.source,
                recorded_by: s.recorded_by,
                updated_at: s.updated_at,
            })
        };
        Self {
            pre_test: of(ScoreKind::PreTest),
            post_test: of(ScoreKind::PostTest),
            practical: of(ScoreKind::Practical),
            enrollment_id: line.enrollment_id,
            participant_id: line.participant_id,
            participant_name: line.erased_at.is_none().then_some(line.full_name),
        }
    }
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
        .map(|line| {
            let scores = by_enrollment
                .remove(&line.enrollment_id)
                .unwrap_or_default();
            ScoreLine::new(line, &scores)
        })
        .collect())
}

/// A page of the score sheet of an event (one line per approved officer, by name), as the caller may read it
/// (`service::results::read_access`).
pub async fn sheet(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    page: Input<PageRequest>,
) -> Result<Page<ScoreLine>, ApiError> {
    let user = user.clone();
    let page = ReadInput::new(page);
    db::read(pool, move |conn| {
        let (scope, permit) = read_access(conn, &user, event_id)?;
        let page = page.open(&permit)?;
        let lines = repo::sheet(conn, event_id, scope, page.limit, page.offset)?;
        let total = match lines.first() {
            Some(line) => line.total,
            None if page.offset > 0 => repo::sheet(conn, event_id, scope, 1, 0)?
                .first()
                .map_or(0, |l| l.total),
            None => 0,
        };
        Ok(Page::new(attach(conn, lines)?, total, page))
    })
    .await
}

/// Whether the caller may write scores of the event, and if so whether only `practical` ones.
fn writer(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
) -> Result<(bool, Permit), ApiError> {
    if access::manages_event(conn, user, event_id)? {
        return Ok((false, Permit::granted()));
    }
    if user.role == Role::Facilitator
        && access_repo::leads_a_session_of_event(conn, event_id, user.id)?
    {
        return Ok((true, Permit::granted()));
    }
    Err(ApiError::forbidden())
}

/// Writes the rows all-or-nothing and returns the lines of the officers named, in the order first named.
pub async fn record(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    items: Input<Vec<ScoreInput>>,
) -> Result<Vec<ScoreLine>, ApiError> {
    let user = user.clone();
    db::run(pool, move |conn| {
        visible_event(conn, &user, event_id)?;
        let (practical_only, permit) = writer(conn, &user, event_id)?;
        let items = items.open(&permit)?;
        write(conn, &user, event_id, practical_only, &items)
    })
    .await
}

fn write(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    practical_only: bool,
    items: &[ScoreInput],
) -> Result<Vec<ScoreLine>, ApiError> {
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
        let current: HashMap<(Uuid, ScoreKind), ScoreRow> = repo::lock_of_enrollments(conn, &ids)?
            .into_iter()
            .map(|r| ((r.enrollment_id, r.kind), r))
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
            let old = current.get(&(item.enrollment_id, item.kind));
            if item.score.is_none() && old.is_some_and(|o| o.source == ScoreSource::Instrument) {
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
        let mut changed = 0;
        for item in items {
            let old_score = current
                .get(&(item.enrollment_id, item.kind))
                .map(|o| o.score);
            if old_score == item.score {
                continue;
            }
            // The `track_row` trigger writes the audit entry (`score.set` / `score.clear`).
            match item.score {
                Some(score) => {
                    repo::upsert_manual(conn, item.enrollment_id, item.kind, score, user.id)?
                }
                None => repo::delete(conn, item.enrollment_id, item.kind)?,
            };
            changed += 1;
        }
        Ok::<_, ApiError>(changed)
    })?;
    tracing::info!(event.id = %event_id, actor.id = %user.id, rows = items.len(), changed, "scores recorded");
    let mut order = Vec::new();
    for item in items {
        if !order.contains(&item.enrollment_id) {
            order.push(item.enrollment_id);
        }
    }
    let named = repo::sheet_lines(conn, &order)?;
    let mut lines: HashMap<Uuid, ScoreLine> = attach(conn, named)?
        .into_iter()
        .map(|l| (l.enrollment_id, l))
        .collect();
    Ok(order.iter().filter_map(|id| lines.remove(id)).collect())
}
