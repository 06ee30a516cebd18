//! Training events: creation, visibility, changes, the lifecycle and deletion.
//!
//! Lifecycle: `draft -> published -> ongoing -> completed`, `cancelled` from any state before `completed`.
//! Starting waits for the event's first day and completing for its last (WIB; `domain::lifecycle`).
//! Completed and cancelled events are final: the one change allowed on them is archiving.
//!
//! Writes to `events` fire triggers that append `event.*` to the audit log and the change feed and mark the event's
//! snapshots stale; writes to `event_organizers` append `event_organizer.*` to the audit log only (migrations
//! 000008, 000011). Deleting a draft event cascades to its organizers, quotas and instruments, whose triggers fire
//! too.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use diesel::Connection;
use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::certificate::wib_date;
use crate::domain::enums::{EventKind, EventStatus};
use crate::domain::lifecycle::{self, DatedStep};
use crate::domain::page::{ListRequest, Page};
use crate::domain::role::Role;
use crate::domain::sort::EventSort;
use crate::error::{ApiError, FieldError};
use crate::repo::events::{self, EventChanges, EventRow, EventView, NewEventRow, Visibility};
use crate::service::access;
use crate::service::{DbPool, Input, Permit, allow};

pub use crate::repo::events::EventFilter;

/// Most organizers an event may list.
pub const MAX_ORGANIZERS: usize = 50;

/// A checked request to create an event.
#[derive(Debug)]
pub struct NewEvent {
    pub title: String,
    pub kind: EventKind,
    pub program_id: Option<Uuid>,
    pub host_unit_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub capacity: i32,
    pub attendance_threshold: i16,
    pub pass_score: i16,
    pub jp_minutes: i16,
    pub legal_basis: Option<String>,
    pub description: Option<String>,
    pub organizer_ids: Option<Vec<Uuid>>,
}

/// A checked partial update. `None` leaves a field unchanged; `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct EventPatch {
    pub title: Option<String>,
    pub kind: Option<EventKind>,
    pub program_id: Option<Option<Uuid>>,
    pub host_unit_id: Option<Uuid>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub capacity: Option<i32>,
    pub attendance_threshold: Option<i16>,
    pub pass_score: Option<i16>,
    pub jp_minutes: Option<i16>,
    pub legal_basis: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub organizer_ids: Option<Vec<Uuid>>,
    pub archived: Option<bool>,
}

impl EventPatch {
    /// True when the patch changes something other than `archived`.
    fn edits_content(&self) -> bool {
        self.title.is_some()
            || self.kind.is_some()
            || self.program_id.is_some()
            || self.host_unit_id.is_some()
            || self.starts_on.is_some()
            || self.ends_on.is_some()
            || self.capacity.is_some()
            || self.attendance_threshold.is_some()
            || self.pass_score.is_some()
            || self.jp_minutes.is_some()
            || self.legal_basis.is_some()
            || self.description.is_some()
            || self.organizer_ids.is_some()
    }
}

/// A lifecycle transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Publish,
    Start,
    Complete,
    Cancel,
}

impl Transition {
    fn target(self) -> EventStatus {
        match self {
            Transition::Publish => EventStatus::Published,
            Transition::Start => EventStatus::Ongoing,
            Transition::Complete => EventStatus::Completed,
            Transition::Cancel => EventStatus::Cancelled,
        }
    }

    /// The day of the event the transition waits for, if any (`domain::lifecycle`).
    fn dated_step(self) -> Option<DatedStep> {
        match self {
            Transition::Start => Some(DatedStep::Start),
            Transition::Complete => Some(DatedStep::Complete),
            Transition::Publish | Transition::Cancel => None,
        }
    }

    fn allowed_from(self, from: EventStatus) -> bool {
        match self {
            Transition::Publish => from == EventStatus::Draft,
            Transition::Start => from == EventStatus::Published,
            Transition::Complete => from == EventStatus::Ongoing,
            Transition::Cancel => !from.is_final(),
        }
    }
}

/// The instants that bound an event's dates, which are days in WIB (UTC+7, Central Kalimantan): from `starts_on`
/// 00:00 WIB up to the midnight (WIB) that ends
/// `ends_on`. A session lies inside the event when `window.0 <= starts_at` and `ends_at <= window.1`.
pub fn session_window(starts_on: NaiveDate, ends_on: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let offset = Duration::hours(7);
    let start = starts_on.and_time(NaiveTime::MIN).and_utc() - offset;
    let end = ends_on.and_time(NaiveTime::MIN).and_utc() + Duration::days(1) - offset;
    (start, end)
}

/// The status of an event row (kept for the services that read events inside their own transactions).
pub fn status_of(row: &EventRow) -> Result<EventStatus, ApiError> {
    Ok(row.status)
}

/// Whether the caller may see the event at all: drafts only for its managers.
pub fn visible(conn: &mut PgConnection, user: &AuthUser, row: &EventRow) -> Result<bool, ApiError> {
    if row.status != EventStatus::Draft {
        return Ok(true);
    }
    access::manages_event(conn, user, row.id)
}

fn visibility(user: &AuthUser) -> Visibility {
    match user.role {
        Role::Admin => Visibility::All,
        Role::Organizer => Visibility::NonDraftOrOrganizedBy(user.id),
        Role::UnitOperator | Role::Facilitator | Role::Participant => Visibility::NonDraft,
    }
}

/// An event as the service shows it, with its organizers and counts.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: Uuid,
    pub title: String,
    pub kind: EventKind,
    pub program_id: Option<Uuid>,
    pub host_unit_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub capacity: i32,
    pub attendance_threshold: i16,
    pub pass_score: i16,
    pub jp_minutes: i16,
    pub legal_basis: Option<String>,
    pub description: Option<String>,
    pub status: EventStatus,
    pub organizer_ids: Vec<Uuid>,
    pub session_count: i64,
    pub approved_count: i64,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<EventView> for Event {
    fn from(view: EventView) -> Self {
        let row = view.row;
        Self {
            id: row.id,
            title: row.title,
            kind: row.kind,
            program_id: row.program_id,
            host_unit_id: row.host_unit_id,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            capacity: row.capacity,
            attendance_threshold: row.attendance_threshold,
            pass_score: row.pass_score,
            jp_minutes: row.jp_minutes,
            legal_basis: row.legal_basis,
            description: row.description,
            status: row.status,
            organizer_ids: view.organizer_ids,
            session_count: view.session_count,
            approved_count: view.approved_count,
            archived_at: row.archived_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A request for a page of events (the service adds what the caller may see).
pub type EventList = ListRequest<EventFilter, EventSort>;

/// Administrators and organizers write events (which ones: the organizers of each, checked on the event).
fn authorize_write(user: &AuthUser) -> Result<Permit, ApiError> {
    allow(user, &[Role::Admin, Role::Organizer])
}

/// A page of the events the caller may see: every signed-in role reads events; drafts only their managers.
pub async fn list(
    pool: &DbPool,
    user: &AuthUser,
    request: Input<EventList>,
) -> Result<Page<Event>, ApiError> {
    let request = request.open(&Permit::granted())?;
    let visibility = visibility(user);
    db::read(pool, move |conn| {
        let (rows, total) = events::list(conn, visibility, &request)?;
        Ok(Page::new(rows, total, request.page).map(Event::from))
    })
    .await
}

/// One event, when the caller may see it (a draft of someone else's is 404).
pub async fn get(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<Event, ApiError> {
    let user = user.clone();
    db::read(pool, move |conn| {
        let view = events::find_view(conn, id)?.ok_or_else(|| ApiError::not_found("Event"))?;
        if !visible(conn, &user, &view.row)? {
            return Err(ApiError::not_found("Event"));
        }
        Ok(Event::from(view))
    })
    .await
}

fn view(conn: &mut PgConnection, id: Uuid) -> Result<Event, ApiError> {
    events::find_view(conn, id)?
        .map(Event::from)
        .ok_or_else(|| ApiError::not_found("Event"))
}

/// Checks that the referenced unit, program and organizer accounts exist (and the organizers may organise),
/// appending one error per offending field.
fn check_references(
    conn: &mut PgConnection,
    host_unit_id: Option<Uuid>,
    program_id: Option<Uuid>,
    organizer_ids: Option<&[Uuid]>,
    errors: &mut Vec<FieldError>,
) -> Result<(), ApiError> {
    if let Some(id) = host_unit_id
        && !events::unit_exists(conn, id)?
    {
        errors.push(FieldError::new(
            "host_unit_id",
            "unknown_reference",
            "no unit has this id",
        ));
    }
    if let Some(id) = program_id
        && !events::program_exists(conn, id)?
    {
        errors.push(FieldError::new(
            "program_id",
            "unknown_reference",
            "no program has this id",
        ));
    }
    if let Some(ids) = organizer_ids {
        let found = events::user_roles(conn, ids)?;
        let mut unknown = Vec::new();
        let mut wrong_role = Vec::new();
        for id in ids {
            match found.iter().find(|(user_id, _)| user_id == id) {
                None => unknown.push(id.to_string()),
                Some((_, role)) if !matches!(role, Role::Organizer | Role::Admin) => {
                    wrong_role.push(id.to_string());
                }
                Some(_) => {}
            }
        }
        if !unknown.is_empty() {
            errors.push(FieldError::new(
                "organizer_ids",
                "unknown_reference",
                format!("no user has the id {}", unknown.join(", ")),
            ));
        }
        if !wrong_role.is_empty() {
            errors.push(FieldError::new(
                "organizer_ids",
                "invalid_role",
                format!(
                    "only users with the role organizer or admin can organise an event: {}",
                    wrong_role.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn only_admins_set_organizers() -> ApiError {
    ApiError::Forbidden {
        code: "forbidden",
        detail: "Only administrators may set organizer_ids.".into(),
    }
}

/// Creates a draft event; the creator becomes one of its organizers.
pub async fn create(
    pool: &DbPool,
    user: &AuthUser,
    input: Input<NewEvent>,
) -> Result<Event, ApiError> {
    let input = input.open(&authorize_write(user)?)?;
    if input.organizer_ids.is_some() && user.role != Role::Admin {
        return Err(only_admins_set_organizers());
    }
    let creator = user.id;
    let event = db::run(pool, move |conn| insert(conn, creator, input)).await?;
    tracing::info!(event.id = %event.id, actor.id = %user.id, "event created");
    Ok(event)
}

fn insert(conn: &mut PgConnection, creator: Uuid, input: NewEvent) -> Result<Event, ApiError> {
    conn.transaction(|conn| {
        let mut errors = Vec::new();
        check_references(
            conn,
            Some(input.host_unit_id),
            input.program_id,
            input.organizer_ids.as_deref(),
            &mut errors,
        )?;
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let row = events::insert(
            conn,
            &NewEventRow {
                id: Uuid::new_v4(),
                title: input.title,
                kind: input.kind,
                program_id: input.program_id,
                host_unit_id: input.host_unit_id,
                starts_on: input.starts_on,
                ends_on: input.ends_on,
                capacity: input.capacity,
                attendance_threshold: input.attendance_threshold,
                pass_score: input.pass_score,
                jp_minutes: input.jp_minutes,
                legal_basis: input.legal_basis,
                description: input.description,
                created_by: Some(creator),
            },
        )?;
        let mut organizers = input.organizer_ids.unwrap_or_default();
        organizers.push(creator);
        organizers.sort();
        organizers.dedup();
        events::set_organizers(conn, row.id, &organizers)?;
        view(conn, row.id)
    })
}

/// Locks the event and checks that the caller manages it: the permit of the writes to one event.
fn lock_managed(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
) -> Result<(EventRow, Permit), ApiError> {
    let row = events::find_for_update(conn, id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    access::require_event_manager(conn, user, id)?;
    Ok((row, Permit::granted()))
}

fn check_version(row: &EventRow, expected: Option<i32>) -> Result<(), ApiError> {
    if expected.is_some_and(|v| v != row.version) {
        Err(ApiError::PreconditionFailed)
    } else {
        Ok(())
    }
}

fn not_editable(status: EventStatus) -> ApiError {
    ApiError::conflict(
        "event_not_editable",
        format!("The event is {status}: it can no longer be changed (only archived)."),
    )
}

/// Applies a merge patch. The patch is opened only after the caller was found to manage the event, so that
/// nobody else learns anything from validation errors.
pub async fn update(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
    patch: Input<EventPatch>,
) -> Result<Event, ApiError> {
    let _role = authorize_write(user)?;
    let actor = user.clone();
    let event = db::run(pool, move |conn| apply(conn, &actor, id, expected, patch)).await?;
    tracing::info!(event.id = %id, actor.id = %user.id, "event changed");
    Ok(event)
}

fn apply(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
    patch: Input<EventPatch>,
) -> Result<Event, ApiError> {
    conn.transaction(|conn| {
        let (current, permit) = lock_managed(conn, user, id)?;
        let status = current.status;
        let patch = patch.open(&permit)?;
        if patch.organizer_ids.is_some() && user.role != Role::Admin {
            return Err(only_admins_set_organizers());
        }
        check_version(&current, expected)?;
        if status.is_final() && patch.edits_content() {
            return Err(not_editable(status));
        }
        if patch.archived.is_some() && !status.is_final() {
            return Err(ApiError::conflict(
                "event_not_final",
                format!(
                    "The event is {status}: only completed or cancelled events can be archived; cancel it first."
                ),
            ));
        }

        let mut errors = Vec::new();
        let starts_on = patch.starts_on.unwrap_or(current.starts_on);
        let ends_on = patch.ends_on.unwrap_or(current.ends_on);
        if (patch.starts_on.is_some() || patch.ends_on.is_some()) && ends_on < starts_on {
            let field = if patch.ends_on.is_some() {
                "ends_on"
            } else {
                "starts_on"
            };
            errors.push(FieldError::new(
                field,
                "out_of_range",
                format!("ends_on ({ends_on}) must not be before starts_on ({starts_on})"),
            ));
        }
        check_references(
            conn,
            patch.host_unit_id,
            patch.program_id.flatten(),
            patch.organizer_ids.as_deref(),
            &mut errors,
        )?;
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }

        if let Some(capacity) = patch.capacity {
            let approved = events::approved_count(conn, id)?;
            if i64::from(capacity) < approved {
                return Err(ApiError::conflict(
                    "capacity_below_approved",
                    format!(
                        "The capacity cannot be {capacity}: {approved} enrollments are already approved."
                    ),
                ));
            }
        }
        if patch.starts_on.is_some() || patch.ends_on.is_some() {
            let (from, until) = session_window(starts_on, ends_on);
            if events::has_sessions_outside(conn, id, from, until)? {
                return Err(ApiError::conflict(
                    "sessions_outside_dates",
                    format!(
                        "Some sessions of the event lie outside {starts_on}..{ends_on} (WIB); move or delete them first."
                    ),
                ));
            }
        }

        let archived_at = match patch.archived {
            Some(true) if current.archived_at.is_none() => Some(Some(Utc::now())),
            Some(false) if current.archived_at.is_some() => Some(None),
            _ => None,
        };
        let changes = EventChanges {
            title: patch.title,
            kind: patch.kind,
            program_id: patch.program_id,
            host_unit_id: patch.host_unit_id,
            starts_on: patch.starts_on,
            ends_on: patch.ends_on,
            capacity: patch.capacity,
            attendance_threshold: patch.attendance_threshold,
            pass_score: patch.pass_score,
            jp_minutes: patch.jp_minutes,
            legal_basis: patch.legal_basis,
            description: patch.description,
            status: None,
            archived_at,
        };
        events::update(conn, id, &changes)?;
        if let Some(mut organizers) = patch.organizer_ids {
            organizers.sort();
            organizers.dedup();
            events::set_organizers(conn, id, &organizers)?;
        }
        view(conn, id)
    })
}

/// Moves the event along its lifecycle, checking the rules of the transition.
pub async fn transition(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
    transition: Transition,
) -> Result<Event, ApiError> {
    let _role = authorize_write(user)?;
    let actor = user.clone();
    let event = db::run(pool, move |conn| {
        apply_transition(conn, &actor, id, expected, transition)
    })
    .await?;
    tracing::info!(event.id = %id, actor.id = %user.id, event.status = %event.status, "event transition");
    Ok(event)
}

fn apply_transition(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
    transition: Transition,
) -> Result<Event, ApiError> {
    conn.transaction(|conn| {
        let (current, _permit) = lock_managed(conn, user, id)?;
        let status = current.status;
        check_version(&current, expected)?;
        let target = transition.target();
        if !transition.allowed_from(status) {
            return Err(ApiError::conflict(
                "transition_not_allowed",
                format!("An event cannot go from {status} to {target}."),
            ));
        }
        if let Some(step) = transition.dated_step() {
            let today = wib_date(Utc::now());
            lifecycle::check(step, current.starts_on, current.ends_on, today).map_err(|early| {
                ApiError::Conflict {
                    code: early.code(),
                    detail: early.detail().into(),
                    errors: vec![early.field_error()],
                }
            })?;
        }
        if matches!(transition, Transition::Publish | Transition::Complete)
            && events::session_count(conn, id)? == 0
        {
            return Err(ApiError::conflict(
                "event_has_no_sessions",
                format!("The event has no sessions: add at least one before it can be {target}."),
            ));
        }
        let changes = EventChanges {
            status: Some(target),
            ..EventChanges::default()
        };
        events::update(conn, id, &changes)?;
        view(conn, id)
    })
}

/// Deletes a draft event that nothing refers to yet (no sessions, no enrollments).
pub async fn delete(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
) -> Result<(), ApiError> {
    let _role = authorize_write(user)?;
    let actor = user.clone();
    db::run(pool, move |conn| remove(conn, &actor, id, expected)).await?;
    tracing::info!(event.id = %id, actor.id = %user.id, "event deleted");
    Ok(())
}

fn remove(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
) -> Result<(), ApiError> {
    conn.transaction(|conn| {
        let (current, _permit) = lock_managed(conn, user, id)?;
        check_version(&current, expected)?;
        let in_use = current.status != EventStatus::Draft
            || events::session_count(conn, id)? > 0
            || events::has_enrollments(conn, id)?;
        if in_use {
            return Err(ApiError::conflict(
                "in_use",
                "Only a draft event without sessions and enrollments can be deleted; cancel the event instead, \
                 and archive it once it is cancelled or completed.",
            ));
        }
        events::delete(conn, id)?;
        Ok(())
    })
}
