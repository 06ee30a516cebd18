//! Training events: creation, visibility, changes, the lifecycle and deletion.
//!
//! Lifecycle: `draft -> published -> ongoing -> completed`, `cancelled` from any state before `completed`.
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
use crate::domain::enums::{EventKind, EventStatus};
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use crate::repo::events::{
    self, EventChanges, EventFilter, EventOrder, EventRow, EventView, NewEventRow, Visibility,
};
use crate::service::access;

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

pub fn status_of(row: &EventRow) -> Result<EventStatus, ApiError> {
    EventStatus::parse(&row.status).ok_or_else(|| ApiError::internal_msg("unknown event status"))
}

/// Whether the caller may see the event at all: drafts only for its managers.
pub fn visible(conn: &mut PgConnection, user: &AuthUser, row: &EventRow) -> Result<bool, ApiError> {
    if row.status != EventStatus::Draft.as_str() {
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

/// A page of the events the caller may see.
pub fn list(
    conn: &mut PgConnection,
    user: &AuthUser,
    filter: &EventFilter,
    order: EventOrder,
    page: PageRequest,
) -> Result<Page<EventView>, ApiError> {
    let filter = EventFilter {
        visibility: visibility(user),
        ..filter.clone()
    };
    let (rows, total) = events::list(conn, &filter, order, page.limit, page.offset)?;
    Ok(Page::new(rows, total, page))
}

/// One event, when the caller may see it (a draft of someone else's is 404).
pub fn get(conn: &mut PgConnection, user: &AuthUser, id: Uuid) -> Result<EventView, ApiError> {
    let view = events::find_view(conn, id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    if !visible(conn, user, &view.row)? {
        return Err(ApiError::not_found("Event"));
    }
    Ok(view)
}

fn view(conn: &mut PgConnection, id: Uuid) -> Result<EventView, ApiError> {
    events::find_view(conn, id)?.ok_or_else(|| ApiError::not_found("Event"))
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
                Some((_, role)) if role != "organizer" && role != "admin" => {
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
pub fn create(
    conn: &mut PgConnection,
    user: &AuthUser,
    input: NewEvent,
) -> Result<EventView, ApiError> {
    user.require(&[Role::Admin, Role::Organizer])?;
    if input.organizer_ids.is_some() && user.role != Role::Admin {
        return Err(only_admins_set_organizers());
    }
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
                kind: input.kind.as_str().to_owned(),
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
                created_by: Some(user.id),
            },
        )?;
        let mut organizers = input.organizer_ids.unwrap_or_default();
        organizers.push(user.id);
        organizers.sort();
        organizers.dedup();
        events::set_organizers(conn, row.id, &organizers)?;
        view(conn, row.id)
    })
}

/// Locks the event, checks that the caller manages it and that `If-Match` names its version.
fn lock_managed(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
) -> Result<(EventRow, EventStatus), ApiError> {
    let row = events::find_for_update(conn, id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    access::require_event_manager(conn, user, id)?;
    let status = status_of(&row)?;
    Ok((row, status))
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

/// Applies a merge patch. `parse` reads the request body; it runs only after the caller was found to manage the
/// event, so that nobody else learns anything from validation errors.
pub fn update(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
    parse: impl FnOnce() -> Result<EventPatch, ApiError>,
) -> Result<EventView, ApiError> {
    conn.transaction(|conn| {
        let (current, status) = lock_managed(conn, user, id)?;
        let patch = parse()?;
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
            kind: patch.kind.map(|k| k.as_str().to_owned()),
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
pub fn transition(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
    transition: Transition,
) -> Result<EventView, ApiError> {
    conn.transaction(|conn| {
        let (current, status) = lock_managed(conn, user, id)?;
        check_version(&current, expected)?;
        let target = transition.target();
        if !transition.allowed_from(status) {
            return Err(ApiError::conflict(
                "transition_not_allowed",
                format!("An event cannot go from {status} to {target}."),
            ));
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
            status: Some(target.as_str().to_owned()),
            ..EventChanges::default()
        };
        events::update(conn, id, &changes)?;
        view(conn, id)
    })
}

/// Deletes a draft event that nothing refers to yet (no sessions, no enrollments).
pub fn delete(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
) -> Result<(), ApiError> {
    conn.transaction(|conn| {
        let (current, status) = lock_managed(conn, user, id)?;
        check_version(&current, expected)?;
        let in_use = status != EventStatus::Draft
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
