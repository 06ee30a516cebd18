//! Sessions of an event: kinds from the lookup table, times inside the event's dates, facilitators who cannot be
//! in two places at once, and JP given or derived from the duration.
//!
//! Writes to `sessions` fire triggers that append `session.*` to the audit log and the change feed and mark the
//! event's snapshots stale; writes to `session_facilitators` append `session_facilitator.*` to the audit log only
//! (migrations 000008, 000011). Deleting a session cascades to its facilitators and instruments, whose triggers
//! fire too.

use chrono::{DateTime, Utc};
use diesel::Connection;
use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::page::{ListRequest, Page};
use crate::domain::role::Role;
use crate::domain::sort::SessionSort;
use crate::error::{ApiError, FieldError};
use crate::repo::events::{self, EventRow};
use crate::repo::sessions::{self, NewSessionRow, SessionChanges, SessionRow, SessionView};
use crate::service::events::{session_window, visible};
use crate::service::{DbPool, Input, Permit, access, allow};

pub use crate::repo::sessions::SessionFilter;

/// Most facilitators a session may have.
pub const MAX_FACILITATORS: usize = 20;

/// A checked request to create a session (syntax only; the kind and facilitators are checked against the
/// database by the service).
#[derive(Debug)]
pub struct NewSession {
    pub kind: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    pub facilitator_ids: Vec<Uuid>,
    /// `None`: derived from the duration and the event's `jp_minutes`.
    pub jp: Option<i16>,
}

/// A checked partial update. `None` leaves a field unchanged; `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct SessionPatch {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub location: Option<Option<String>>,
    pub facilitator_ids: Option<Vec<Uuid>>,
    pub jp: Option<i16>,
}

/// JP of a session: whole `jp_minutes` periods in its duration.
pub fn derived_jp(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, jp_minutes: i16) -> i64 {
    let minutes = (ends_at - starts_at).num_minutes().max(0);
    minutes / i64::from(jp_minutes.max(1))
}

/// A session as the service shows it, with its facilitators.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: Uuid,
    pub event_id: Uuid,
    pub kind: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    pub facilitator_ids: Vec<Uuid>,
    pub jp: i16,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SessionView> for Session {
    fn from(view: SessionView) -> Self {
        let row = view.row;
        Self {
            id: row.id,
            event_id: row.event_id,
            kind: row.kind,
            title: row.title,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            location: row.location,
            facilitator_ids: view.facilitator_ids,
            jp: row.jp,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A request for a page of an event's sessions.
pub type SessionList = ListRequest<SessionFilter, SessionSort>;

/// Administrators and organizers write sessions (which ones: the organizers of the event, checked on it).
fn authorize_write(user: &AuthUser) -> Result<Permit, ApiError> {
    allow(user, &[Role::Admin, Role::Organizer])
}

/// Session schedules are not personal data: every signed-in role reads those of the events it may see.
fn authorize_read(_user: &AuthUser) -> Permit {
    Permit::granted()
}

fn event_of(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
) -> Result<EventRow, ApiError> {
    let event = events::find(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    if !visible(conn, user, &event)? {
        return Err(ApiError::not_found("Event"));
    }
    Ok(event)
}

/// A page of the sessions of an event the caller may see (drafts: only its managers).
pub async fn list(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    request: Input<SessionList>,
) -> Result<Page<Session>, ApiError> {
    let request = request.open(&authorize_read(user))?;
    let user = user.clone();
    db::read(pool, move |conn| {
        event_of(conn, &user, event_id)?;
        let (rows, total) = sessions::list(conn, event_id, &request)?;
        Ok(Page::new(rows, total, request.page).map(Session::from))
    })
    .await
}

/// One session, when the caller may see its event.
pub async fn get(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<Session, ApiError> {
    let _permit = authorize_read(user);
    let user = user.clone();
    db::read(pool, move |conn| {
        let view = sessions::find_view(conn, id)?.ok_or_else(|| ApiError::not_found("Session"))?;
        let event =
            events::find(conn, view.row.event_id)?.ok_or_else(|| ApiError::not_found("Session"))?;
        if !visible(conn, &user, &event)? {
            return Err(ApiError::not_found("Session"));
        }
        Ok(Session::from(view))
    })
    .await
}

/// Locks the event against changes of its dates and status and checks that the caller manages it (the permit of
/// the session writes).
fn lock_managed_event(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
) -> Result<(EventRow, Permit), ApiError> {
    let event =
        events::find_for_share(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    access::require_event_manager(conn, user, event_id)?;
    Ok((event, Permit::granted()))
}

/// 409 when the event is final: its sessions no longer change.
fn check_editable(event: &EventRow) -> Result<(), ApiError> {
    let status = event.status;
    if status.is_final() {
        return Err(ApiError::conflict(
            "event_not_editable",
            format!("The event is {status}: its sessions can no longer be changed."),
        ));
    }
    Ok(())
}

/// The full, checked state of a session about to be written.
struct Checked {
    kind: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    jp: i16,
}

/// Checks the kind, the facilitators (locking their accounts; their roles when `check_roles`), the times against the event's dates and the JP;
/// every offending field is reported at once. Then checks that no facilitator is busy elsewhere.
#[allow(clippy::too_many_arguments)]
fn check(
    conn: &mut PgConnection,
    event: &EventRow,
    session_id: Option<Uuid>,
    kind: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    facilitator_ids: &[Uuid],
    check_roles: bool,
    jp: Option<i16>,
) -> Result<Checked, ApiError> {
    let mut errors = Vec::new();
    let kinds = sessions::kind_codes(conn)?;
    if !kinds.contains(&kind) {
        errors.push(FieldError::new(
            "kind",
            "invalid_value",
            format!("must be one of: {}", kinds.join(", ")),
        ));
    }
    // Locked before the overlap check, in id order: concurrent writes for the same facilitator take turns.
    let found = sessions::lock_users(conn, facilitator_ids)?;
    let mut unknown = Vec::new();
    let mut wrong_role = Vec::new();
    for id in facilitator_ids.iter().filter(|_| check_roles) {
        match found.iter().find(|(user_id, _)| user_id == id) {
            None => unknown.push(id.to_string()),
            Some((_, role))
                if !matches!(role, Role::Facilitator | Role::Organizer | Role::Admin) =>
            {
                wrong_role.push(id.to_string());
            }
            Some(_) => {}
        }
    }
    if !unknown.is_empty() {
        errors.push(FieldError::new(
            "facilitator_ids",
            "unknown_reference",
            format!("no user has the id {}", unknown.join(", ")),
        ));
    }
    if !wrong_role.is_empty() {
        errors.push(FieldError::new(
            "facilitator_ids",
            "invalid_role",
            format!(
                "only users with the role facilitator, organizer or admin can lead a session: {}",
                wrong_role.join(", ")
            ),
        ));
    }
    if ends_at <= starts_at {
        errors.push(FieldError::new(
            "ends_at",
            "out_of_range",
            "must be after starts_at",
        ));
    }
    let (from, until) = session_window(event.starts_on, event.ends_on);
    let dates = format!(
        "must lie within the event's dates {}..{} (WIB, UTC+7)",
        event.starts_on, event.ends_on
    );
    if starts_at < from || starts_at >= until {
        errors.push(FieldError::new(
            "starts_at",
            "outside_event_dates",
            dates.clone(),
        ));
    }
    if ends_at <= from || ends_at > until {
        errors.push(FieldError::new("ends_at", "outside_event_dates", dates));
    }
    let jp = match jp {
        Some(jp) => jp,
        None => {
            let derived = derived_jp(starts_at, ends_at, event.jp_minutes);
            match i16::try_from(derived) {
                Ok(jp) if jp <= 100 => jp,
                _ => {
                    errors.push(FieldError::new(
                        "jp",
                        "out_of_range",
                        format!("derived from the duration it would be {derived}, more than 100: send jp"),
                    ));
                    0
                }
            }
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if let Some((user_id, other)) =
        sessions::busy_facilitator(conn, facilitator_ids, starts_at, ends_at, session_id)?
    {
        return Err(ApiError::Conflict {
            code: "facilitator_busy",
            detail: format!(
                "Facilitator {user_id} already leads session {other}, which overlaps this one."
            )
            .into(),
            errors: vec![FieldError::new(
                "facilitator_ids",
                "facilitator_busy",
                format!("{user_id} leads an overlapping session"),
            )],
        });
    }
    Ok(Checked {
        kind,
        starts_at,
        ends_at,
        jp,
    })
}

fn unique(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids.dedup();
    ids
}

fn view(conn: &mut PgConnection, id: Uuid) -> Result<SessionView, ApiError> {
    sessions::find_view(conn, id)?.ok_or_else(|| ApiError::not_found("Session"))
}

fn shown(conn: &mut PgConnection, id: Uuid) -> Result<Session, ApiError> {
    view(conn, id).map(Session::from)
}

/// Adds a session to an event. The input is opened only after the caller was found to manage the event.
pub async fn create(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    input: Input<NewSession>,
) -> Result<Session, ApiError> {
    let _role = authorize_write(user)?;
    let actor = user.clone();
    let session = db::run(pool, move |conn| insert(conn, &actor, event_id, input)).await?;
    tracing::info!(session.id = %session.id, event.id = %event_id, actor.id = %user.id, "session created");
    Ok(session)
}

fn insert(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    input: Input<NewSession>,
) -> Result<Session, ApiError> {
    conn.transaction(|conn| {
        let (event, permit) = lock_managed_event(conn, user, event_id)?;
        check_editable(&event)?;
        let input = input.open(&permit)?;
        let facilitators = unique(input.facilitator_ids);
        let checked = check(
            conn,
            &event,
            None,
            input.kind,
            input.starts_at,
            input.ends_at,
            &facilitators,
            true,
            input.jp,
        )?;
        let row = sessions::insert(
            conn,
            &NewSessionRow {
                id: Uuid::new_v4(),
                event_id,
                kind: checked.kind,
                title: input.title,
                starts_at: checked.starts_at,
                ends_at: checked.ends_at,
                location: input.location,
                jp: checked.jp,
            },
        )?;
        sessions::set_facilitators(conn, row.id, &facilitators)?;
        shown(conn, row.id)
    })
}

/// Locks a session after its event (always in this order) and checks that the caller manages the event.
fn lock_session(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
) -> Result<(EventRow, SessionRow, Permit), ApiError> {
    let plain = sessions::find(conn, id)?.ok_or_else(|| ApiError::not_found("Session"))?;
    let (event, permit) = lock_managed_event(conn, user, plain.event_id)?;
    let row = sessions::find_for_update(conn, id)?.ok_or_else(|| ApiError::not_found("Session"))?;
    Ok((event, row, permit))
}

/// Applies a merge patch. When the times change and `jp` is not sent, the JP is derived again.
pub async fn update(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
    patch: Input<SessionPatch>,
) -> Result<Session, ApiError> {
    let _role = authorize_write(user)?;
    let actor = user.clone();
    let session = db::run(pool, move |conn| apply(conn, &actor, id, expected, patch)).await?;
    tracing::info!(session.id = %id, actor.id = %user.id, "session changed");
    Ok(session)
}

fn apply(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
    patch: Input<SessionPatch>,
) -> Result<Session, ApiError> {
    conn.transaction(|conn| {
        let (event, current, permit) = lock_session(conn, user, id)?;
        check_editable(&event)?;
        let patch = patch.open(&permit)?;
        if expected.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let times_change = patch.starts_at.is_some() || patch.ends_at.is_some();
        let facilitators = patch.facilitator_ids.map(unique);
        let current_facilitators = view(conn, id)?.facilitator_ids;
        let jp = match patch.jp {
            Some(jp) => Some(jp),
            None if times_change => None,
            None => Some(current.jp),
        };
        let checked = check(
            conn,
            &event,
            Some(id),
            patch.kind.clone().unwrap_or(current.kind),
            patch.starts_at.unwrap_or(current.starts_at),
            patch.ends_at.unwrap_or(current.ends_at),
            facilitators.as_deref().unwrap_or(&current_facilitators),
            facilitators.is_some(),
            jp,
        )?;
        let changes = SessionChanges {
            kind: patch.kind.map(|_| checked.kind),
            title: patch.title,
            starts_at: patch.starts_at,
            ends_at: patch.ends_at,
            location: patch.location,
            jp: (checked.jp != current.jp).then_some(checked.jp),
        };
        sessions::update(conn, id, &changes)?;
        if let Some(ids) = facilitators {
            sessions::set_facilitators(conn, id, &ids)?;
        }
        shown(conn, id)
    })
}

/// Deletes a session that has no attendance yet.
pub async fn delete(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
) -> Result<(), ApiError> {
    let _role = authorize_write(user)?;
    let actor = user.clone();
    db::run(pool, move |conn| remove(conn, &actor, id, expected)).await?;
    tracing::info!(session.id = %id, actor.id = %user.id, "session deleted");
    Ok(())
}

fn remove(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
) -> Result<(), ApiError> {
    conn.transaction(|conn| {
        let (event, current, _permit) = lock_session(conn, user, id)?;
        check_editable(&event)?;
        if expected.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        if sessions::has_attendance(conn, id)? {
            return Err(ApiError::conflict(
                "in_use",
                "The session has attendance records and cannot be deleted.",
            ));
        }
        sessions::delete(conn, id)?;
        Ok(())
    })
}
