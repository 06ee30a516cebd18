//! Authorization rules shared by the training resources (deny by default). Each function answers for one kind
//! of object; handlers call them through the services, never decide themselves.
//!
//! - `admin`: everything.
//! - `organizer`: the events they organise (listed in `event_organizers`), with their sessions, enrollments and
//!   attendance; may create events (and becomes their organizer).
//! - `unit_operator`: the officers of their own unit; nominates them.
//! - `facilitator`: the sessions they lead and the attendance of those sessions; the officers (masked) and the
//!   results of the events where they lead a session, and the practical scores they enter there.
//! - `participant`: their own record, enrollments and attendance.

use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo::access;

/// Admins, and organizers of this event.
pub fn manages_event(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
) -> Result<bool, ApiError> {
    Ok(match user.role {
        Role::Admin => true,
        Role::Organizer => access::is_event_organizer(conn, event_id, user.id)?,
        _ => false,
    })
}

pub fn require_event_manager(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
) -> Result<(), ApiError> {
    if manages_event(conn, user, event_id)? {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// Event managers, and the facilitators who lead this session.
pub fn may_record_attendance(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    session_id: Uuid,
) -> Result<bool, ApiError> {
    Ok(match user.role {
        Role::Facilitator => access::leads_session(conn, session_id, user.id)?,
        _ => manages_event(conn, user, event_id)?,
    })
}

/// Whether the caller may see an officer's full NIP and contacts: admins, organizers, the operator of the
/// officer's unit, and the officer.
pub fn sees_personal_details(
    user: &AuthUser,
    participant_id: Uuid,
    participant_unit: Uuid,
) -> bool {
    match user.role {
        Role::Admin | Role::Organizer => true,
        Role::UnitOperator => user.unit_id == Some(participant_unit),
        Role::Participant => user.participant_id == Some(participant_id),
        Role::Facilitator => false,
    }
}

/// Whether a draft event must stay hidden from the caller: a draft exists only for its managers, so for everybody
/// else the event and everything below it (sessions, enrollments, quotas, attendance) is 404, as if unknown.
pub fn hides_draft(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    event_status: &str,
) -> Result<bool, ApiError> {
    Ok(
        event_status == crate::domain::enums::EventStatus::Draft.as_str()
            && !manages_event(conn, user, event_id)?,
    )
}
