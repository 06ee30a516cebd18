//! Enrollment rules: nomination, approval up to the capacity and the per-unit quotas, the waitlist, withdrawal with
//! promotion of the first waitlisted officer, all under the event's row lock so concurrent decisions never put
//! more than `capacity` officers in.
//!
//! Who sees an enrollment: the event's managers (admin, its organizers), the operator of the officer's unit, the
//! facilitators of a session of the event (approved enrollments only) and the officer. Everybody else gets 404.
//!
//! Writes to `enrollments` fire triggers that append `enrollment.*` to the audit log and the change feed, queue
//! `enrollment.changed` webhook deliveries (a new enrollment, a status or version change) and mark the event's
//! snapshots stale; replacing the `event_unit_quotas` appends `event_unit_quota.*` to the audit log only
//! (migrations 000008, 000009, 000011; an UPDATE does it once per statement since 000020).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::auth::tokens::random_token;
use crate::db;
use crate::domain::enums::{EnrollmentStatus, EventStatus};
use crate::domain::page::{ListRequest, Page};
use crate::domain::role::Role;
use crate::domain::sort::EnrollmentSort;
use crate::error::{ApiError, FieldError};
use crate::repo::access as access_repo;
use crate::repo::enrollments::{
    self as repo, EnrollmentChanges, EnrollmentScope, EnrollmentView, EventState, NewEnrollmentRow,
};
use crate::service::{DbPool, Input, Permit, access};

pub use crate::repo::enrollments::EnrollmentFilter;

/// How the caller relates to an enrollment; decides what they see and may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Admin or organizer of the event.
    Manager,
    /// Operator of the officer's unit.
    UnitOperator,
    /// Facilitator of a session of the event (approved enrollments only).
    Facilitator,
    /// The officer themself.
    Own,
}

/// An enrollment as the caller may see it.
#[derive(Debug, Clone)]
pub struct Enrollment {
    pub id: Uuid,
    pub event_id: Uuid,
    pub participant_id: Uuid,
    /// `None` after the officer's data was erased.
    pub participant_name: Option<String>,
    pub unit_id: Uuid,
    pub status: EnrollmentStatus,
    /// Shown to managers and the officer only.
    pub check_in_code: Option<String>,
    pub nominated_by: Option<Uuid>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    /// 1-based place on the waitlist; `None` unless waitlisted.
    pub waitlist_position: Option<i64>,
    pub note: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Enrollment {
    fn new(view: EnrollmentView, waitlist_position: Option<i64>, viewer: Viewer) -> Self {
        let row = view.enrollment;
        let code_visible = matches!(viewer, Viewer::Manager | Viewer::Own);
        Self {
            id: row.id,
            event_id: row.event_id,
            participant_id: row.participant_id,
            participant_name: view.erased_at.is_none().then_some(view.full_name),
            unit_id: view.unit_id,
            status: row.status,
            check_in_code: code_visible.then_some(row.check_in_code),
            nominated_by: row.nominated_by,
            decided_by: row.decided_by,
            decided_at: row.decided_at,
            waitlist_position,
            note: row.note,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A request for a page of an event's enrollments; without a sort, the service picks the order.
pub type EnrollmentList = ListRequest<EnrollmentFilter, Option<EnrollmentSort>>;

/// A checked nomination.
#[derive(Debug, Clone)]
pub struct Nomination {
    pub participant_id: Uuid,
    pub note: Option<String>,
}

/// A checked quota list: (unit, quota), units distinct.
pub type Quotas = Vec<(Uuid, i32)>;

/// A quota of one unit with the number of its officers approved so far.
#[derive(Debug, Clone)]
pub struct QuotaState {
    pub unit_id: Uuid,
    pub unit_code: String,
    pub quota: i32,
    pub approved: i64,
}

/// Whether the event no longer takes enrollment changes.
fn is_closed(event: &EventState) -> bool {
    event.status.is_final() || event.archived_at.is_some()
}

fn not_found() -> ApiError {
    ApiError::not_found("Enrollment")
}

fn closed() -> ApiError {
    ApiError::conflict(
        "enrollment_closed",
        "The event no longer takes enrollment changes (it is completed, cancelled or archived).",
    )
}

fn transition_not_allowed(from: EnrollmentStatus, action: &str) -> ApiError {
    ApiError::conflict(
        "transition_not_allowed",
        format!("An enrollment in status `{from}` cannot be {action}."),
    )
}

/// Whether the caller leads a session of the event.
fn facilitates_event(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
) -> Result<bool, ApiError> {
    Ok(user.role == Role::Facilitator
        && access_repo::leads_a_session_of_event(conn, event_id, user.id)?)
}

pub(crate) fn viewer_of(
    conn: &mut PgConnection,
    user: &AuthUser,
    view: &EnrollmentView,
) -> Result<Option<Viewer>, ApiError> {
    let enrollment = &view.enrollment;
    if access::manages_event(conn, user, enrollment.event_id)? {
        return Ok(Some(Viewer::Manager));
    }
    Ok(match user.role {
        Role::UnitOperator if user.unit_id == Some(view.unit_id) => Some(Viewer::UnitOperator),
        Role::Participant if user.participant_id == Some(enrollment.participant_id) => {
            Some(Viewer::Own)
        }
        Role::Facilitator
            if enrollment.status == EnrollmentStatus::Approved
                && facilitates_event(conn, user, enrollment.event_id)? =>
        {
            Some(Viewer::Facilitator)
        }
        _ => None,
    })
}

/// The enrollment and how the caller relates to it; 404 when the caller may not see it.
fn load_visible(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
) -> Result<(EnrollmentView, Viewer), ApiError> {
    let view = repo::find_view(conn, id)?.ok_or_else(not_found)?;
    // A draft event is hidden from all but its managers, and so is everything below it.
    let event_id = view.enrollment.event_id;
    if let Some(event) = repo::event_state(conn, event_id)?
        && access::hides_draft(conn, user, event_id, event.status.as_str())?
    {
        return Err(not_found());
    }
    match viewer_of(conn, user, &view)? {
        Some(viewer) => Ok((view, viewer)),
        None => Err(not_found()),
    }
}

/// Managers, the operator of the officer's unit and the officer may withdraw and annotate an enrollment.
fn may_act_for_officer(viewer: Viewer) -> bool {
    matches!(viewer, Viewer::Manager | Viewer::UnitOperator | Viewer::Own)
}

fn waitlist_position(
    conn: &mut PgConnection,
    view: &EnrollmentView,
) -> Result<Option<i64>, ApiError> {
    if view.enrollment.status != EnrollmentStatus::Waitlisted {
        return Ok(None);
    }
    let list = repo::waitlist(conn, view.enrollment.event_id)?;
    Ok(position_in(&list, view.enrollment.id))
}

fn position_in(list: &[(Uuid, Uuid)], id: Uuid) -> Option<i64> {
    list.iter()
        .position(|(e, _)| *e == id)
        .and_then(|i| i64::try_from(i + 1).ok())
}

/// Re-reads an enrollment after a change and shapes it for the caller.
fn shown(conn: &mut PgConnection, id: Uuid, viewer: Viewer) -> Result<Enrollment, ApiError> {
    let view = repo::find_view(conn, id)?.ok_or_else(not_found)?;
    let waitlist_position = waitlist_position(conn, &view)?;
    Ok(Enrollment::new(view, waitlist_position, viewer))
}

/// One enrollment, when the caller may see it (404 otherwise).
pub async fn get(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<Enrollment, ApiError> {
    let user = user.clone();
    db::read(pool, move |conn| {
        let (_, viewer) = load_visible(conn, &user, id)?;
        shown(conn, id, viewer)
    })
    .await
}

/// Nominates an officer. The caller's right is checked before the input is opened; the officer's unit decides the
/// rest (an operator nominates only officers of their unit, a participant only themself). A withdrawn or rejected
/// enrollment is reused: it goes back to `nominated` with its version increased.
pub async fn nominate(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    input: Input<Nomination>,
) -> Result<Enrollment, ApiError> {
    let actor = user.clone();
    let enrollment = db::run(pool, move |conn| {
        insert_nomination(conn, &actor, event_id, input)
    })
    .await?;
    tracing::info!(enrollment.id = %enrollment.id, event.id = %event_id, actor.id = %user.id, "officer nominated");
    Ok(enrollment)
}

fn insert_nomination(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    input: Input<Nomination>,
) -> Result<Enrollment, ApiError> {
    let event = repo::event_state(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    if access::hides_draft(conn, user, event_id, event.status.as_str())? {
        return Err(ApiError::not_found("Event"));
    }
    let manager = access::manages_event(conn, user, event_id)?;
    if !manager && !matches!(user.role, Role::UnitOperator | Role::Participant) {
        return Err(ApiError::forbidden());
    }
    let input = input.open(&Permit::granted())?;
    let viewer = match user.role {
        _ if manager => Viewer::Manager,
        Role::UnitOperator => Viewer::UnitOperator,
        _ => Viewer::Own,
    };
    let id = conn.transaction(|conn| nominate_one(conn, user, manager, &event, &input))?;
    shown(conn, id, viewer)
}

/// One nomination, inside the caller's transaction (a bulk nomination runs many in one): the officer's unit
/// decides whether the caller may nominate them (`manager`: the caller manages the event), then the enrollment is
/// created or a withdrawn or rejected one reused. Returns the enrollment's id.
pub(crate) fn nominate_one(
    conn: &mut PgConnection,
    user: &AuthUser,
    manager: bool,
    event: &EventState,
    input: &Nomination,
) -> Result<Uuid, ApiError> {
    let event_id = event.id;
    let participant = repo::participant_state(conn, input.participant_id)?.ok_or_else(|| {
        ApiError::field(
            "participant_id",
            "unknown_reference",
            "no participant has this id",
        )
    })?;
    let allowed = manager
        || match user.role {
            Role::UnitOperator => user.unit_id == Some(participant.unit_id),
            Role::Participant => user.participant_id == Some(participant.id),
            _ => false,
        };
    if !allowed {
        return Err(ApiError::forbidden());
    }
    if participant.erased_at.is_some() || participant.archived_at.is_some() {
        return Err(ApiError::field(
            "participant_id",
            "not_nominable",
            "this officer is archived or erased and cannot be nominated",
        ));
    }
    if !matches!(event.status, EventStatus::Draft | EventStatus::Published)
        || event.archived_at.is_some()
    {
        return Err(ApiError::conflict(
            "enrollment_closed",
            "Officers can be nominated only while the event is `draft` or `published`.",
        ));
    }
    match repo::lock_by_event_participant(conn, event_id, participant.id)? {
        Some(existing)
            if matches!(
                existing.status,
                EnrollmentStatus::Withdrawn | EnrollmentStatus::Rejected
            ) =>
        {
            let changes = EnrollmentChanges {
                status: Some(EnrollmentStatus::Nominated),
                nominated_by: Some(Some(user.id)),
                decided_by: Some(None),
                decided_at: Some(None),
                waitlisted_at: Some(None),
                note: Some(input.note.clone()),
            };
            repo::update(conn, existing.id, &changes)?;
            Ok(existing.id)
        }
        Some(_) => Err(already_enrolled()),
        None => {
            let row = NewEnrollmentRow {
                id: Uuid::new_v4(),
                event_id,
                participant_id: participant.id,
                status: EnrollmentStatus::Nominated,
                check_in_code: random_token(12),
                nominated_by: Some(user.id),
                note: input.note.clone(),
            };
            repo::insert(conn, &row).map_err(|e| match e {
                DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, ref info)
                    if info.constraint_name() == Some("enrollments_participant_id_key") =>
                {
                    already_enrolled()
                }
                other => ApiError::from(other),
            })
        }
    }
}

/// A refusal of one row of a bulk request, or a failure of the whole request.
pub(crate) enum EnrollmentRowError {
    Row(Vec<FieldError>),
    Request(ApiError),
}

/// What a single call's refusal is as the errors of one bulk row (`field` names the row's key): validation and
/// conflicts keep their codes, 403 and 404 become `forbidden` and `unknown_reference` of the key; anything else
/// (a database failure) is a failure of the whole request.
pub(crate) fn row_errors(error: ApiError, field: &str) -> EnrollmentRowError {
    use EnrollmentRowError::{Request, Row};
    match error {
        ApiError::Validation(errors) => Row(errors),
        ApiError::Conflict {
            code,
            detail,
            errors,
        } if errors.is_empty() => Row(vec![FieldError::new(field, code, detail)]),
        ApiError::Conflict { errors, .. } => Row(errors),
        ApiError::Forbidden { .. } => Row(vec![FieldError::new(
            field,
            "forbidden",
            "your role does not allow this for this officer",
        )]),
        ApiError::NotFound { .. } => Row(vec![FieldError::new(
            field,
            "unknown_reference",
            "names nothing of this event that you may see",
        )]),
        other => Request(other),
    }
}

fn already_enrolled() -> ApiError {
    ApiError::Conflict {
        code: "already_enrolled",
        detail: "This officer is already enrolled in the event.".into(),
        errors: vec![FieldError::new(
            "participant_id",
            "already_enrolled",
            "is already enrolled in this event",
        )],
    }
}

/// Changes the note of an enrollment (managers, the operator of the officer's unit, the officer).
pub async fn update_note(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    note: Input<Option<Option<String>>>,
) -> Result<Enrollment, ApiError> {
    let actor = user.clone();
    db::run(pool, move |conn| {
        apply_note(conn, &actor, id, expected_version, note)
    })
    .await
}

fn apply_note(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    note: Input<Option<Option<String>>>,
) -> Result<Enrollment, ApiError> {
    let (_, viewer) = load_visible(conn, user, id)?;
    if !may_act_for_officer(viewer) {
        return Err(ApiError::forbidden());
    }
    let note = note.open(&Permit::granted())?;
    conn.transaction(|conn| {
        let current = repo::lock(conn, id)?.ok_or_else(not_found)?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let changes = EnrollmentChanges {
            note,
            ..EnrollmentChanges::default()
        };
        repo::update(conn, id, &changes)?;
        Ok(())
    })?;
    shown(conn, id, viewer)
}

/// Approves an enrollment when a seat is free (capacity and the unit's quota), or puts it on the waitlist.
/// Event managers only. The event row is locked while the approved officers are counted.
pub async fn approve(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<Enrollment, ApiError> {
    let actor = user.clone();
    db::run(pool, move |conn| {
        decide_approval(conn, &actor, id, expected_version)
    })
    .await
}

fn decide_approval(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<Enrollment, ApiError> {
    let (view, _) = load_visible(conn, user, id)?;
    let event_id = view.enrollment.event_id;
    access::require_event_manager(conn, user, event_id)?;
    conn.transaction(|conn| {
        let event = repo::lock_event(conn, event_id)?.ok_or_else(not_found)?;
        approve_locked(conn, user, &event, id, view.unit_id, expected_version)
    })?;
    shown(conn, id, Viewer::Manager)
}

/// Approves an enrollment of `event` when a seat is free (capacity and the unit's quota), else waitlists it;
/// the caller holds the event's row lock and has checked that the user manages the event. Returns the new status.
pub(crate) fn approve_locked(
    conn: &mut PgConnection,
    user: &AuthUser,
    event: &EventState,
    id: Uuid,
    unit_id: Uuid,
    expected_version: Option<i32>,
) -> Result<EnrollmentStatus, ApiError> {
    let event_id = event.id;
    let current = repo::lock(conn, id)?.ok_or_else(not_found)?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(ApiError::PreconditionFailed);
    }
    check_approvable(event, &current)?;
    let fits = Seats::for_unit(conn, event, unit_id)?.take(unit_id);
    let changes = approval_changes(user, &current, fits, Utc::now());
    repo::update(conn, id, &changes)?;
    tracing::info!(enrollment.id = %id, event.id = %event_id, approved = fits, "enrollment decided");
    Ok(changes.status.unwrap_or(current.status))
}

/// Whether an enrollment may be approved now: it is nominated or waitlisted, and the event still takes changes.
pub(crate) fn check_approvable(
    event: &EventState,
    current: &repo::EnrollmentRow,
) -> Result<(), ApiError> {
    if !matches!(
        current.status,
        EnrollmentStatus::Nominated | EnrollmentStatus::Waitlisted
    ) {
        return Err(transition_not_allowed(current.status, "approved"));
    }
    if is_closed(event) {
        return Err(closed());
    }
    Ok(())
}

/// What an approval writes: approved when the officer `fits` ([`Seats::take`]), else waitlisted (an officer
/// already waiting keeps their place).
pub(crate) fn approval_changes(
    user: &AuthUser,
    current: &repo::EnrollmentRow,
    fits: bool,
    now: DateTime<Utc>,
) -> EnrollmentChanges {
    EnrollmentChanges {
        status: Some(if fits {
            EnrollmentStatus::Approved
        } else {
            EnrollmentStatus::Waitlisted
        }),
        decided_by: Some(Some(user.id)),
        decided_at: Some(Some(now)),
        waitlisted_at: Some(if fits {
            None
        } else {
            Some(current.waitlisted_at.unwrap_or(now))
        }),
        ..EnrollmentChanges::default()
    }
}

/// The seats approvals may still take, counted under the event's lock: the event's free places and what is
/// left of each unit's quota. The rule of the single approval and of the bulk: an officer fits while the event
/// has a free place and their unit, if it has a quota, has one left.
pub(crate) struct Seats {
    free: i64,
    quota_left: std::collections::HashMap<Uuid, i64>,
}

impl Seats {
    /// The seats that matter to one officer of `unit_id`.
    pub(crate) fn for_unit(
        conn: &mut PgConnection,
        event: &EventState,
        unit_id: Uuid,
    ) -> Result<Self, ApiError> {
        let free = i64::from(event.capacity) - repo::count_approved(conn, event.id)?;
        let mut quota_left = std::collections::HashMap::new();
        if free > 0
            && let Some(quota) = repo::quota_of(conn, event.id, unit_id)?
        {
            let used = repo::count_approved_of_unit(conn, event.id, unit_id)?;
            quota_left.insert(unit_id, i64::from(quota) - used);
        }
        Ok(Self { free, quota_left })
    }

    /// The seats of the whole event, for many approvals in a row (three queries whatever their number).
    pub(crate) fn for_event(conn: &mut PgConnection, event: &EventState) -> Result<Self, ApiError> {
        let free = i64::from(event.capacity) - repo::count_approved(conn, event.id)?;
        let used: std::collections::HashMap<Uuid, i64> = repo::approved_per_unit(conn, event.id)?
            .into_iter()
            .collect();
        let quota_left = repo::quotas(conn, event.id)?
            .into_iter()
            .map(|(unit, _, quota)| {
                (
                    unit,
                    i64::from(quota) - used.get(&unit).copied().unwrap_or(0),
                )
            })
            .collect();
        Ok(Self { free, quota_left })
    }

    /// Takes a seat for an officer of `unit_id` if one is free: whether they fit.
    pub(crate) fn take(&mut self, unit_id: Uuid) -> bool {
        let unit_free = self.quota_left.get(&unit_id).is_none_or(|left| *left > 0);
        if self.free <= 0 || !unit_free {
            return false;
        }
        self.free -= 1;
        if let Some(left) = self.quota_left.get_mut(&unit_id) {
            *left -= 1;
        }
        true
    }
}

/// Rejects a nominated or waitlisted enrollment. Event managers only.
pub async fn reject(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<Enrollment, ApiError> {
    let actor = user.clone();
    db::run(pool, move |conn| {
        decide_rejection(conn, &actor, id, expected_version)
    })
    .await
}

fn decide_rejection(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<Enrollment, ApiError> {
    let (view, _) = load_visible(conn, user, id)?;
    let event_id = view.enrollment.event_id;
    access::require_event_manager(conn, user, event_id)?;
    conn.transaction(|conn| {
        let event = repo::lock_event(conn, event_id)?.ok_or_else(not_found)?;
        reject_locked(conn, user, &event, id, expected_version)
    })?;
    shown(conn, id, Viewer::Manager)
}

/// Rejects a nominated or waitlisted enrollment of `event`; the caller holds the event's row lock and has checked
/// that the user manages the event.
pub(crate) fn reject_locked(
    conn: &mut PgConnection,
    user: &AuthUser,
    event: &EventState,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let current = repo::lock(conn, id)?.ok_or_else(not_found)?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(ApiError::PreconditionFailed);
    }
    let status = current.status;
    if !matches!(
        status,
        EnrollmentStatus::Nominated | EnrollmentStatus::Waitlisted
    ) {
        return Err(transition_not_allowed(status, "rejected"));
    }
    if is_closed(event) {
        return Err(closed());
    }
    let changes = EnrollmentChanges {
        status: Some(EnrollmentStatus::Rejected),
        decided_by: Some(Some(user.id)),
        decided_at: Some(Some(Utc::now())),
        waitlisted_at: Some(None),
        ..EnrollmentChanges::default()
    };
    repo::update(conn, id, &changes)?;
    Ok(())
}

/// Withdraws an enrollment (managers, the operator of the officer's unit, the officer). When an approved officer
/// withdraws, the freed seat goes in the same transaction to the first waitlisted officer who fits the capacity
/// and their unit's quota.
pub async fn withdraw(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<Enrollment, ApiError> {
    let actor = user.clone();
    let enrollment = db::run(pool, move |conn| {
        apply_withdrawal(conn, &actor, id, expected_version)
    })
    .await?;
    tracing::info!(enrollment.id = %id, event.id = %enrollment.event_id, actor.id = %user.id, "enrollment withdrawn");
    Ok(enrollment)
}

fn apply_withdrawal(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<Enrollment, ApiError> {
    let (view, viewer) = load_visible(conn, user, id)?;
    if !may_act_for_officer(viewer) {
        return Err(ApiError::forbidden());
    }
    let event_id = view.enrollment.event_id;
    conn.transaction(|conn| {
        let event = repo::lock_event(conn, event_id)?.ok_or_else(not_found)?;
        withdraw_locked(conn, &event, id, expected_version)
    })?;
    shown(conn, id, viewer)
}

/// Withdraws an enrollment of `event` and, when it was approved, gives the freed seat to the waitlist; the caller
/// holds the event's row lock and has checked that the user may act for the officer.
pub(crate) fn withdraw_locked(
    conn: &mut PgConnection,
    event: &EventState,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let current = repo::lock(conn, id)?.ok_or_else(not_found)?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(ApiError::PreconditionFailed);
    }
    let status = current.status;
    if !matches!(
        status,
        EnrollmentStatus::Nominated | EnrollmentStatus::Approved | EnrollmentStatus::Waitlisted
    ) {
        return Err(transition_not_allowed(status, "withdrawn"));
    }
    if is_closed(event) {
        return Err(closed());
    }
    let changes = EnrollmentChanges {
        status: Some(EnrollmentStatus::Withdrawn),
        waitlisted_at: Some(None),
        ..EnrollmentChanges::default()
    };
    repo::update(conn, id, &changes)?;
    if status == EnrollmentStatus::Approved {
        promote(conn, event)?;
    }
    Ok(())
}

/// Fills free seats from the waitlist, in its order, skipping officers whose unit's quota is full. Runs under the
/// event's row lock.
fn promote(conn: &mut PgConnection, event: &EventState) -> Result<(), ApiError> {
    let mut approved = repo::count_approved(conn, event.id)?;
    let capacity = i64::from(event.capacity);
    if approved >= capacity {
        return Ok(());
    }
    let quotas: HashMap<Uuid, i64> = repo::quotas(conn, event.id)?
        .into_iter()
        .map(|(unit, _, quota)| (unit, i64::from(quota)))
        .collect();
    let mut per_unit: HashMap<Uuid, i64> = repo::approved_per_unit(conn, event.id)?
        .into_iter()
        .collect();
    for (enrollment_id, unit) in repo::waitlist(conn, event.id)? {
        if approved >= capacity {
            break;
        }
        let taken = per_unit.get(&unit).copied().unwrap_or(0);
        if quotas.get(&unit).is_some_and(|quota| taken >= *quota) {
            continue;
        }
        let changes = EnrollmentChanges {
            status: Some(EnrollmentStatus::Approved),
            decided_at: Some(Some(Utc::now())),
            waitlisted_at: Some(None),
            ..EnrollmentChanges::default()
        };
        repo::update(conn, enrollment_id, &changes)?;
        tracing::info!(enrollment.id = %enrollment_id, event.id = %event.id, "promoted from the waitlist");
        approved += 1;
        per_unit.insert(unit, taken + 1);
    }
    Ok(())
}

/// The enrollments of an event the caller may see: managers all, a unit operator their unit's officers, a
/// facilitator of the event the approved ones, a participant their own. Others: 403. The query is checked first
/// (400), as the request itself; what the caller may see needs the event, read with the list.
pub async fn list(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    request: Input<EnrollmentList>,
) -> Result<Page<Enrollment>, ApiError> {
    let request = request.open(&Permit::granted())?;
    let user = user.clone();
    db::read(pool, move |conn| {
        list_visible(conn, &user, event_id, &request)
    })
    .await
}

fn list_visible(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    request: &EnrollmentList,
) -> Result<Page<Enrollment>, ApiError> {
    let event = repo::event_state(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    if access::hides_draft(conn, user, event_id, event.status.as_str())? {
        return Err(ApiError::not_found("Event"));
    }
    let mut scope = EnrollmentScope::default();
    let viewer = if access::manages_event(conn, user, event_id)? {
        Viewer::Manager
    } else {
        match user.role {
            Role::UnitOperator => {
                scope.unit_id = Some(user.unit_id.unwrap_or_else(Uuid::nil));
                Viewer::UnitOperator
            }
            Role::Participant => {
                scope.participant_id = Some(user.participant_id.unwrap_or_else(Uuid::nil));
                Viewer::Own
            }
            Role::Facilitator if facilitates_event(conn, user, event_id)? => {
                scope.status = Some(EnrollmentStatus::Approved);
                Viewer::Facilitator
            }
            _ => return Err(ApiError::forbidden()),
        }
    };
    // Without a sort, the waitlisted enrollments come in the order of the waitlist (first to be promoted first).
    let waitlist_order = request.filter.status == Some(EnrollmentStatus::Waitlisted);
    let (rows, total) = repo::list(conn, event_id, scope, request, waitlist_order)?;
    let waitlist = if rows
        .iter()
        .any(|r| r.enrollment.status == EnrollmentStatus::Waitlisted)
    {
        repo::waitlist(conn, event_id)?
    } else {
        Vec::new()
    };
    let items = rows
        .into_iter()
        .map(|view| {
            let position = if view.enrollment.status == EnrollmentStatus::Waitlisted {
                position_in(&waitlist, view.enrollment.id)
            } else {
                None
            };
            Enrollment::new(view, position, viewer)
        })
        .collect();
    Ok(Page::new(items, total, request.page))
}

fn quota_states(conn: &mut PgConnection, event_id: Uuid) -> Result<Vec<QuotaState>, ApiError> {
    let approved: HashMap<Uuid, i64> = repo::approved_per_unit(conn, event_id)?
        .into_iter()
        .collect();
    Ok(repo::quotas(conn, event_id)?
        .into_iter()
        .map(|(unit_id, unit_code, quota)| QuotaState {
            approved: approved.get(&unit_id).copied().unwrap_or(0),
            unit_id,
            unit_code,
            quota,
        })
        .collect())
}

/// The per-unit quotas of an event: for its managers and for unit operators.
pub async fn quotas(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
) -> Result<Vec<QuotaState>, ApiError> {
    let user = user.clone();
    db::read(pool, move |conn| {
        let event =
            repo::event_state(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
        if access::hides_draft(conn, &user, event_id, event.status.as_str())? {
            return Err(ApiError::not_found("Event"));
        }
        if user.role != Role::UnitOperator && !access::manages_event(conn, &user, event_id)? {
            return Err(ApiError::forbidden());
        }
        quota_states(conn, event_id)
    })
    .await
}

/// Replaces the per-unit quotas of an event at once. Event managers only; not on completed or cancelled events.
/// Officers already approved stay approved when a quota shrinks: quotas bind later approvals.
pub async fn replace_quotas(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    quotas: Input<Quotas>,
) -> Result<Vec<QuotaState>, ApiError> {
    let actor = user.clone();
    db::run(pool, move |conn| {
        write_quotas(conn, &actor, event_id, quotas)
    })
    .await
}

fn write_quotas(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    quotas: Input<Quotas>,
) -> Result<Vec<QuotaState>, ApiError> {
    repo::event_state(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    access::require_event_manager(conn, user, event_id)?;
    let quotas = quotas.open(&Permit::granted())?;
    conn.transaction(|conn| {
        let event = repo::lock_event(conn, event_id)?
            .ok_or_else(|| ApiError::not_found("Event"))?;
        let ids: Vec<Uuid> = quotas.iter().map(|(unit, _)| *unit).collect();
        let existing = repo::existing_units(conn, &ids)?;
        let errors: Vec<FieldError> = quotas
            .iter()
            .enumerate()
            .filter(|(_, (unit, _))| !existing.contains(unit))
            .map(|(i, _)| {
                FieldError::new(
                    format!("[{i}].unit_id"),
                    "unknown_reference",
                    "no unit has this id",
                )
            })
            .collect();
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        if is_closed(&event) {
            return Err(ApiError::conflict(
                "event_not_editable",
                "The quotas of a completed, cancelled or archived event cannot change.",
            ));
        }
        repo::replace_quotas(conn, event_id, &quotas)?;
        tracing::info!(event.id = %event_id, actor.id = %user.id, units = quotas.len(), "quotas replaced");
        quota_states(conn, event_id)
    })
}
