//! Bulk nominations and decisions: up to [`BULK_MAX`] officers of one event in one request, each row with the
//! rules of its single call (`service::enrollments`: who may nominate whom, capacity, unit quotas, the waitlist,
//! promotion after a withdrawal), in one transaction under the event's row lock, so a bulk and any single calls on
//! the same event never put more than `capacity` officers in.
//!
//! Modes, as in the imports: `all_or_nothing` writes nothing when any row fails (422 `bulk_rejected` with every
//! row's result), `best_effort` writes the rows that pass (each in a savepoint) and reports the others. A row
//! fails with what the single call would answer, as field errors of that row (`forbidden`, `unknown_reference`,
//! `already_enrolled`, `transition_not_allowed`, ...); a caller who manages not the event and may act on none of
//! the rows is refused whole (403), as by the single calls. The answers carry ids and statuses only, no names.
//!
//! A bulk of approvals only by a manager of the event is judged in memory (the enrollments locked in one query, the
//! seats counted once, the single approval's rules applied row by row in order) and written in one statement
//! (`approve_all`); decisions that include withdrawals, or come from operators and officers, go row by row.
//!
//! Writes to `enrollments` fire triggers that append one `enrollment.*` audit entry per changed row and the
//! change feed, queue `enrollment.changed` webhook deliveries and mark the event's snapshots stale (migrations
//! 000008, 000009, 000011; for UPDATEs once per statement since 000020, the snapshots' since 000024, which also
//! compares the audit diff column by column): a bulk of 500 is 500 entries, as 500 single calls would be.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::enums::{EnrollmentStatus, EventStatus};
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use crate::repo::enrollments as repo;
use crate::service::enrollments::{
    self, EnrollmentRowError, Nomination, Seats, Viewer, approval_changes, approve_locked,
    check_approvable, nominate_one, reject_locked, viewer_of, withdraw_locked,
};
use crate::service::imports::ImportMode as BulkMode;
use crate::service::{DbPool, Input, Permit, access};

/// The most rows one bulk request may carry.
pub const BULK_MAX: usize = 500;

/// What a decision row asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Approve,
    Reject,
    Withdraw,
}

/// One checked decision row.
#[derive(Debug, Clone)]
pub struct Decision {
    pub enrollment_id: Uuid,
    pub action: Action,
}

/// What became of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    Nominated,
    Approved,
    Waitlisted,
    Rejected,
    Withdrawn,
    Error,
}

/// The result of one row: the enrollment it wrote (or would have written, in a rejected `all_or_nothing`
/// request: then `written` is false everywhere).
#[derive(Debug, Clone)]
pub struct BulkRow {
    pub row: usize,
    pub status: RowStatus,
    pub enrollment_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
    pub errors: Vec<FieldError>,
}

/// The rows' results; `rejected` when an `all_or_nothing` request had a failing row and nothing was written.
#[derive(Debug, Clone)]
pub struct BulkOutcome {
    pub mode: BulkMode,
    pub rows: Vec<BulkRow>,
    pub rejected: bool,
}

impl BulkOutcome {
    /// The number of rows per status, in the order of [`RowStatus`].
    pub fn counts(&self) -> [usize; 6] {
        let mut counts = [0; 6];
        for row in &self.rows {
            counts[row.status as usize] += 1;
        }
        counts
    }

    /// Every row error with its row in the field name (`[3].participant_id`).
    pub fn field_errors(&self) -> Vec<FieldError> {
        self.rows
            .iter()
            .flat_map(|r| {
                r.errors.iter().map(move |e| {
                    let mut e = e.clone();
                    e.field = if e.field.is_empty() {
                        format!("[{}]", r.row)
                    } else {
                        format!("[{}].{}", r.row, e.field)
                    };
                    e
                })
            })
            .collect()
    }
}

/// Why the bulk transaction ends early: a rejected `all_or_nothing` (rolled back, answered with its rows) or a
/// failure of the whole request.
enum Stop {
    Rejected(Vec<BulkRow>),
    Failed(ApiError),
}

impl From<diesel::result::Error> for Stop {
    fn from(e: diesel::result::Error) -> Self {
        Stop::Failed(e.into())
    }
}

impl From<ApiError> for Stop {
    fn from(e: ApiError) -> Self {
        Stop::Failed(e)
    }
}

fn finish(mode: BulkMode, result: Result<Vec<BulkRow>, Stop>) -> Result<BulkOutcome, ApiError> {
    match result {
        Ok(rows) => Ok(BulkOutcome {
            mode,
            rows,
            rejected: false,
        }),
        Err(Stop::Rejected(rows)) => Ok(BulkOutcome {
            mode,
            rows,
            rejected: true,
        }),
        Err(Stop::Failed(e)) => Err(e),
    }
}

fn open_for_changes(event: &repo::EventState) -> Result<(), ApiError> {
    if event.status.is_final() || event.archived_at.is_some() {
        return Err(ApiError::conflict(
            "enrollment_closed",
            "The event no longer takes enrollment changes (it is completed, cancelled or archived).",
        ));
    }
    Ok(())
}

/// The checks of both bulk calls before their rows: 404 for an unknown event or a draft hidden from the caller,
/// 403 for a role that may not take part (the event's managers, unit operators and participants may); whether
/// the caller manages the event.
fn bulk_caller(
    conn: &mut PgConnection,
    actor: &AuthUser,
    event_id: Uuid,
) -> Result<bool, ApiError> {
    let event = repo::event_state(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    if access::hides_draft(conn, actor, event_id, event.status.as_str())? {
        return Err(ApiError::not_found("Event"));
    }
    let manager = access::manages_event(conn, actor, event_id)?;
    if !manager && !matches!(actor.role, Role::UnitOperator | Role::Participant) {
        return Err(ApiError::forbidden());
    }
    Ok(manager)
}

/// The `duplicate` error of row `row` when `id` was already named by an earlier row (which `seen` keeps).
fn repeated(
    seen: &mut std::collections::HashMap<Uuid, usize>,
    id: Uuid,
    row: usize,
    field: &str,
    what: &str,
) -> Option<FieldError> {
    let first = *seen.entry(id).or_insert(row);
    (first != row).then(|| {
        FieldError::new(
            field,
            "duplicate",
            format!("this {what} is already in row {first}"),
        )
    })
}

/// Runs one row in a savepoint: its result, or the field errors of a refusal (a failure of another kind ends the
/// whole request).
fn row<T>(
    conn: &mut PgConnection,
    field: &str,
    run: impl FnOnce(&mut PgConnection) -> Result<T, ApiError>,
) -> Result<Result<T, Vec<FieldError>>, ApiError> {
    match conn.transaction(run) {
        Ok(value) => Ok(Ok(value)),
        Err(error) => match enrollments::row_errors(error, field) {
            EnrollmentRowError::Row(errors) => Ok(Err(errors)),
            EnrollmentRowError::Request(error) => Err(error),
        },
    }
}

/// Nominates many officers for an event: who may nominate whom as in `POST /events/{id}/enrollments`, each
/// officer at most once in the request (`duplicate`).
pub async fn nominate(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    mode: BulkMode,
    input: Input<Vec<Nomination>>,
) -> Result<BulkOutcome, ApiError> {
    let actor = user.clone();
    let outcome = db::run(pool, move |conn| {
        let manager = bulk_caller(conn, &actor, event_id)?;
        let nominations = input.open(&Permit::granted())?;
        let result = conn.transaction(|conn| -> Result<Vec<BulkRow>, Stop> {
            let event =
                repo::lock_event(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
            if !matches!(event.status, EventStatus::Draft | EventStatus::Published)
                || event.archived_at.is_some()
            {
                return Err(Stop::Failed(ApiError::conflict(
                    "enrollment_closed",
                    "Officers can be nominated only while the event is `draft` or `published`.",
                )));
            }
            let mut rows = Vec::with_capacity(nominations.len());
            let mut seen = std::collections::HashMap::new();
            for (i, nomination) in nominations.iter().enumerate() {
                let mut result = BulkRow {
                    row: i,
                    status: RowStatus::Error,
                    enrollment_id: None,
                    participant_id: Some(nomination.participant_id),
                    errors: Vec::new(),
                };
                if let Some(error) = repeated(
                    &mut seen,
                    nomination.participant_id,
                    i,
                    "participant_id",
                    "officer",
                ) {
                    result.errors.push(error);
                } else {
                    match row(conn, "participant_id", |conn| {
                        nominate_one(conn, &actor, manager, &event, nomination)
                    })? {
                        Ok(id) => {
                            result.status = RowStatus::Nominated;
                            result.enrollment_id = Some(id);
                        }
                        Err(errors) => result.errors = errors,
                    }
                }
                rows.push(result);
            }
            refuse_if_none_allowed(manager, &rows)?;
            reject_if_any_failed(mode, rows)
        });
        // Rolled back: the enrollments the rows would have made do not exist.
        let result = result.map_err(|stop| match stop {
            Stop::Rejected(mut rows) => {
                rows.iter_mut().for_each(|r| r.enrollment_id = None);
                Stop::Rejected(rows)
            }
            other => other,
        });
        finish(mode, result)
    })
    .await?;
    tracing::info!(event.id = %event_id, actor.id = %user.id, rows = outcome.rows.len(),
        rejected = outcome.rejected, "bulk nomination");
    Ok(outcome)
}

/// Approves, rejects or withdraws many enrollments of one event, in the order given (a withdrawal frees a seat
/// for the rows after it and for the waitlist). Approvals and rejections need the event's managers; a
/// withdrawal also the operator of the officer's unit or the officer, as the single call.
pub async fn decide(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    mode: BulkMode,
    input: Input<Vec<Decision>>,
) -> Result<BulkOutcome, ApiError> {
    let actor = user.clone();
    let outcome = db::run(pool, move |conn| {
        let manager = bulk_caller(conn, &actor, event_id)?;
        let decisions = input.open(&Permit::granted())?;
        let result = conn.transaction(|conn| -> Result<Vec<BulkRow>, Stop> {
            let event =
                repo::lock_event(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
            open_for_changes(&event)?;
            if manager && decisions.iter().all(|d| d.action == Action::Approve) {
                return approve_all(conn, &actor, &event, &decisions, mode);
            }
            let mut rows = Vec::with_capacity(decisions.len());
            let mut seen = std::collections::HashMap::new();
            for (i, decision) in decisions.iter().enumerate() {
                let mut result = BulkRow {
                    row: i,
                    status: RowStatus::Error,
                    enrollment_id: Some(decision.enrollment_id),
                    participant_id: None,
                    errors: Vec::new(),
                };
                if let Some(error) = repeated(
                    &mut seen,
                    decision.enrollment_id,
                    i,
                    "enrollment_id",
                    "enrollment",
                ) {
                    result.errors.push(error);
                    rows.push(result);
                    continue;
                }
                let outcome = row(conn, "enrollment_id", |conn| {
                    let view = repo::find_view(conn, decision.enrollment_id)?
                        .filter(|v| v.enrollment.event_id == event_id)
                        .ok_or_else(|| ApiError::not_found("Enrollment"))?;
                    let participant_id = view.enrollment.participant_id;
                    let may = match (decision.action, viewer_of(conn, &actor, &view)?) {
                        (_, Some(Viewer::Manager)) => true,
                        (Action::Withdraw, Some(Viewer::UnitOperator | Viewer::Own)) => true,
                        (_, Some(Viewer::UnitOperator | Viewer::Own)) => false,
                        // Those who do not see the enrollment learn nothing about it.
                        _ => return Err(ApiError::not_found("Enrollment")),
                    };
                    if !may {
                        return Err(ApiError::forbidden());
                    }
                    let status = match decision.action {
                        Action::Approve => approve_locked(
                            conn,
                            &actor,
                            &event,
                            decision.enrollment_id,
                            view.unit_id,
                            None,
                        )?,
                        Action::Reject => {
                            reject_locked(conn, &actor, &event, decision.enrollment_id, None)?;
                            EnrollmentStatus::Rejected
                        }
                        Action::Withdraw => {
                            withdraw_locked(conn, &event, decision.enrollment_id, None)?;
                            EnrollmentStatus::Withdrawn
                        }
                    };
                    Ok((participant_id, status))
                })?;
                match outcome {
                    Ok((participant_id, status)) => {
                        result.participant_id = Some(participant_id);
                        result.status = match status {
                            EnrollmentStatus::Approved => RowStatus::Approved,
                            EnrollmentStatus::Waitlisted => RowStatus::Waitlisted,
                            EnrollmentStatus::Rejected => RowStatus::Rejected,
                            _ => RowStatus::Withdrawn,
                        };
                    }
                    Err(errors) => result.errors = errors,
                }
                rows.push(result);
            }
            refuse_if_none_allowed(manager, &rows)?;
            reject_if_any_failed(mode, rows)
        });
        finish(mode, result)
    })
    .await?;
    tracing::info!(event.id = %event_id, actor.id = %user.id, rows = outcome.rows.len(),
        rejected = outcome.rejected, "bulk enrollment decisions");
    Ok(outcome)
}

/// Approvals only, by a manager of the event (the common bulk: "approve these 500"). The rows are judged in
/// order with the rules of the single approval (`enrollments::check_approvable`, `Seats::take`,
/// `enrollments::approval_changes`) against the enrollments locked in one query and the seats counted once, and
/// written in one statement: the results of the row-by-row path, without a lookup, a count and a savepoint per
/// row. Withdrawals (which free seats and promote the waitlist) and callers who are not managers take the
/// row-by-row path.
fn approve_all(
    conn: &mut PgConnection,
    actor: &AuthUser,
    event: &repo::EventState,
    decisions: &[Decision],
    mode: BulkMode,
) -> Result<Vec<BulkRow>, Stop> {
    let ids: Vec<Uuid> = decisions.iter().map(|d| d.enrollment_id).collect();
    let locked: std::collections::HashMap<Uuid, (repo::EnrollmentRow, Uuid)> =
        repo::lock_in_event(conn, event.id, &ids)?
            .into_iter()
            .map(|(row, unit)| (row.id, (row, unit)))
            .collect();
    let mut seats = Seats::for_event(conn, event)?;
    let now = chrono::Utc::now();
    let mut decided = Vec::with_capacity(decisions.len());
    let mut rows = Vec::with_capacity(decisions.len());
    let mut seen = std::collections::HashMap::new();
    for (i, decision) in decisions.iter().enumerate() {
        let mut result = BulkRow {
            row: i,
            status: RowStatus::Error,
            enrollment_id: Some(decision.enrollment_id),
            participant_id: None,
            errors: Vec::new(),
        };
        if let Some(error) = repeated(
            &mut seen,
            decision.enrollment_id,
            i,
            "enrollment_id",
            "enrollment",
        ) {
            result.errors.push(error);
            rows.push(result);
            continue;
        }
        let judged = match locked.get(&decision.enrollment_id) {
            None => Err(ApiError::not_found("Enrollment")),
            Some((current, unit)) => {
                check_approvable(event, current).map(|()| (current, seats.take(*unit)))
            }
        };
        match judged {
            Ok((current, fits)) => {
                let changes = approval_changes(actor, current, fits, now);
                decided.push(repo::Decided {
                    id: current.id,
                    status: changes.status.unwrap_or(current.status),
                    waitlisted_at: changes.waitlisted_at.flatten(),
                });
                result.status = if fits {
                    RowStatus::Approved
                } else {
                    RowStatus::Waitlisted
                };
                result.participant_id = Some(current.participant_id);
            }
            Err(error) => match enrollments::row_errors(error, "enrollment_id") {
                EnrollmentRowError::Row(errors) => result.errors = errors,
                EnrollmentRowError::Request(error) => return Err(Stop::Failed(error)),
            },
        }
        rows.push(result);
    }
    let rows = reject_if_any_failed(mode, rows)?;
    repo::decide_many(conn, actor.id, now, &decided)?;
    Ok(rows)
}

/// A caller who does not manage the event and may act on none of the rows (every row `forbidden` or
/// `unknown_reference`) is refused as the single call would refuse them (403), so that a bulk tells no more than
/// the single calls do.
fn refuse_if_none_allowed(manager: bool, rows: &[BulkRow]) -> Result<(), Stop> {
    let refused = |r: &BulkRow| {
        r.errors
            .iter()
            .any(|e| matches!(e.code.as_ref(), "forbidden" | "unknown_reference"))
    };
    if !manager && rows.iter().all(refused) {
        return Err(Stop::Failed(ApiError::forbidden()));
    }
    Ok(())
}

/// `all_or_nothing` with a failing row: roll everything back and answer the rows.
fn reject_if_any_failed(mode: BulkMode, rows: Vec<BulkRow>) -> Result<Vec<BulkRow>, Stop> {
    if mode == BulkMode::AllOrNothing && rows.iter().any(|r| r.status == RowStatus::Error) {
        Err(Stop::Rejected(rows))
    } else {
        Ok(rows)
    }
}
