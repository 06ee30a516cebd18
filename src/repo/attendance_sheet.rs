//! What the daftar hadir prints: the event and its host, its sessions, the approved officers with their rank,
//! position and unit, the recorded statuses, and the organizers who may sign it.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::enums::{AttendanceStatus, EnrollmentStatus, EventStatus, Grade};
use crate::schema::{
    attendance, enrollments, event_organizers, events, participants, sessions, units, users,
};

/// The event as the sheet heads it.
#[derive(Debug, Clone, Queryable)]
pub struct EventHead {
    pub id: Uuid,
    pub title: String,
    pub status: EventStatus,
    pub starts_on: NaiveDate,
    pub host_unit_id: Uuid,
    pub host_unit_name: String,
}

/// A session as the sheet heads it.
#[derive(Debug, Clone, Queryable)]
pub struct SessionHead {
    pub id: Uuid,
    pub event_id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
}

/// An approved officer of the event.
#[derive(Debug, Clone, Queryable)]
pub struct OfficerRow {
    pub enrollment_id: Uuid,
    pub participant_id: Uuid,
    pub full_name: String,
    pub erased_at: Option<DateTime<Utc>>,
    pub nip: Option<String>,
    pub grade: Option<Grade>,
    pub position: Option<String>,
    pub unit_name: String,
}

/// An organizer of the event: their display name, and the name and NIP of the officer the account belongs to.
#[derive(Debug, Clone, Queryable)]
pub struct OrganizerRow {
    pub user_id: Uuid,
    pub display_name: Option<String>,
    pub officer_name: Option<String>,
    pub officer_nip: Option<String>,
}

pub fn event_head(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Option<EventHead>> {
    events::table
        .inner_join(units::table)
        .filter(events::id.eq(event_id))
        .select((
            events::id,
            events::title,
            events::status,
            events::starts_on,
            units::id,
            units::name,
        ))
        .first(conn)
        .optional()
}

pub fn session_head(conn: &mut PgConnection, session_id: Uuid) -> QueryResult<Option<SessionHead>> {
    sessions::table
        .find(session_id)
        .select((
            sessions::id,
            sessions::event_id,
            sessions::title,
            sessions::starts_at,
            sessions::ends_at,
            sessions::location,
        ))
        .first(conn)
        .optional()
}

/// The event's sessions in the order they run.
pub fn sessions_of(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Vec<SessionHead>> {
    sessions::table
        .filter(sessions::event_id.eq(event_id))
        .order((sessions::starts_at.asc(), sessions::id.asc()))
        .select((
            sessions::id,
            sessions::event_id,
            sessions::title,
            sessions::starts_at,
            sessions::ends_at,
            sessions::location,
        ))
        .load(conn)
}

/// The approved officers of the event, by name (case and accents ignored), then enrollment.
pub fn officers(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Vec<OfficerRow>> {
    enrollments::table
        .inner_join(participants::table.inner_join(units::table))
        .filter(enrollments::event_id.eq(event_id))
        .filter(enrollments::status.eq(EnrollmentStatus::Approved))
        .order((participants::name_search.asc(), enrollments::id.asc()))
        .select((
            enrollments::id,
            participants::id,
            participants::full_name,
            participants::erased_at,
            participants::nip,
            participants::grade,
            participants::position,
            units::name,
        ))
        .load(conn)
}

/// The recorded statuses of these sessions, as (session, enrollment, status).
pub fn statuses(
    conn: &mut PgConnection,
    session_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, Uuid, AttendanceStatus)>> {
    attendance::table
        .filter(attendance::session_id.eq_any(session_ids))
        .select((
            attendance::session_id,
            attendance::enrollment_id,
            attendance::status,
        ))
        .load(conn)
}

/// The organizers of the event, by display name then id.
pub fn organizers(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Vec<OrganizerRow>> {
    event_organizers::table
        .inner_join(users::table.left_join(participants::table))
        .filter(event_organizers::event_id.eq(event_id))
        .filter(users::is_active)
        .order((users::display_name.asc().nulls_last(), users::id.asc()))
        .select((
            users::id,
            users::display_name,
            participants::full_name.nullable(),
            participants::nip.nullable(),
        ))
        .load(conn)
}
