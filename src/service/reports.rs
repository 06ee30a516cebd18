//! Reports: one event (for its managers), a program across its events (admins and organizers), and a unit's
//! officers over a year (admins, and the unit's own operator). Every figure is aggregated in SQL
//! (`repo::reports`); this module decides who may read what and puts the blocks together.

use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo::events::{self as events_repo, EventRow};
use crate::repo::reports::{
    self as repo, Comment, InstrumentSummary, Learning, LikertCount, ProgramEvent,
    SessionAttendance, StatusCount, TargetMean, UnitAttendance, UnitTraining,
};
use crate::service::results::visible_event;
use crate::service::{access, snapshots};

/// The most comments an event report carries (the evaluation export has them all).
pub const COMMENTS_MAX: i64 = 200;

/// The figures of an event report.
#[derive(Debug, Clone)]
pub struct EventReport {
    pub event: EventRow,
    pub enrollment_counts: Vec<StatusCount>,
    pub sessions: Vec<SessionAttendance>,
    /// The first line (unit null) is the whole event.
    pub units: Vec<UnitAttendance>,
    pub learning: Learning,
    pub instruments: Vec<InstrumentSummary>,
    pub likert: Vec<LikertCount>,
    pub facilitator_means: Vec<TargetMean>,
    pub comments: Vec<Comment>,
}

/// The report of an event as `render` serializes it, for its managers (others: 403; a draft hidden from them:
/// 404). Served from the event's report snapshot while no change touched what it shows (`service::snapshots`).
pub fn event<F>(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    render: F,
) -> Result<Vec<u8>, ApiError>
where
    F: Fn(EventReport) -> Result<Vec<u8>, ApiError>,
{
    visible_event(conn, user, event_id)?;
    access::require_event_manager(conn, user, event_id)?;
    snapshots::report(conn, event_id, |conn| {
        render(compute_event(conn, event_id)?)
    })
}

/// Every figure of an event's report, read now.
fn compute_event(conn: &mut PgConnection, event_id: Uuid) -> Result<EventReport, ApiError> {
    let event = events_repo::find(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    Ok(EventReport {
        event,
        enrollment_counts: repo::enrollment_counts(conn, event_id)?,
        sessions: repo::attendance_per_session(conn, event_id)?,
        units: repo::attendance_per_unit(conn, event_id)?,
        learning: repo::learning(conn, event_id)?,
        instruments: repo::evaluation_instruments(conn, event_id)?,
        likert: repo::likert(conn, event_id)?,
        facilitator_means: repo::facilitator_means(conn, event_id)?,
        comments: repo::comments(conn, event_id, COMMENTS_MAX)?,
    })
}

/// A program and its events with their figures.
#[derive(Debug, Clone)]
pub struct ProgramReport {
    pub program_id: Uuid,
    pub name: String,
    pub year: i32,
    pub events: Vec<ProgramEvent>,
}

/// The report of a program: admins (with draft events) and organizers (without).
pub fn program(
    conn: &mut PgConnection,
    user: &AuthUser,
    program_id: Uuid,
) -> Result<ProgramReport, ApiError> {
    if !matches!(user.role, Role::Admin | Role::Organizer) {
        return Err(ApiError::forbidden());
    }
    let (name, year) =
        repo::program(conn, program_id)?.ok_or_else(|| ApiError::not_found("Program"))?;
    let events = repo::program_events(conn, program_id, user.role == Role::Admin)?;
    Ok(ProgramReport {
        program_id,
        name,
        year,
        events,
    })
}

/// The report of a unit's officers for a year: admins, and the operator of that unit.
pub fn unit(
    conn: &mut PgConnection,
    user: &AuthUser,
    unit_id: Uuid,
    year: i32,
) -> Result<Vec<UnitTraining>, ApiError> {
    if !repo::unit_exists(conn, unit_id)? {
        return Err(ApiError::not_found("Unit"));
    }
    match user.role {
        Role::Admin => {}
        Role::UnitOperator if user.unit_id == Some(unit_id) => {}
        _ => return Err(ApiError::forbidden()),
    }
    Ok(repo::unit_year(conn, unit_id, year)?)
}
