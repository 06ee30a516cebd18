//! Attendance rules: the list of a session (one line per approved enrollment), writing a whole list at once
//! (all-or-nothing), check-in with an enrollment's code, and the per-officer summary of an event.
//!
//! Who sees what: the event's managers and the facilitators of its sessions see everything of the event; a unit
//! operator the lines of their unit's officers; a participant their own lines. Writing a list: the event's
//! managers and the facilitators of THAT session.
//!
//! Writes to `attendance` (a whole list, a check-in) fire triggers that append `attendance.*` to the audit log and
//! the change feed, queue `attendance.recorded` webhook deliveries (a new line or a changed status) and mark the
//! event's snapshots stale (migrations 000008, 000009, 000011).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::enums::{AttendanceMethod, AttendanceStatus, EnrollmentStatus, EventStatus};
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use crate::repo::access as access_repo;
use crate::repo::attendance::{
    self as repo, NewAttendanceRow, ParticipantRecord, RecordOrder, Scope, SessionState,
    SheetOrder, SheetRow, SummaryRow,
};
use crate::service::access;

/// Check-in opens this long before a session starts.
pub const CHECK_IN_OPENS_BEFORE_MINUTES: i64 = 30;
/// Checking in later than this after the start records `late`.
pub const LATE_AFTER_MINUTES: i64 = 15;

/// One line of a list to write: an officer and their status.
#[derive(Debug, Clone)]
pub struct RecordInput {
    pub participant_id: Uuid,
    pub status: AttendanceStatus,
    pub note: Option<String>,
}

/// The outcome of a check-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckInResult {
    CheckedIn,
    AlreadyCheckedIn,
    NotEnrolled,
    SessionNotOpen,
    InvalidCode,
}

impl CheckInResult {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CheckedIn => "checked_in",
            Self::AlreadyCheckedIn => "already_checked_in",
            Self::NotEnrolled => "not_enrolled",
            Self::SessionNotOpen => "session_not_open",
            Self::InvalidCode => "invalid_code",
        }
    }
}

fn session_not_found() -> ApiError {
    ApiError::not_found("Session")
}

fn load_session(conn: &mut PgConnection, session_id: Uuid) -> Result<SessionState, ApiError> {
    repo::session_state(conn, session_id)?.ok_or_else(session_not_found)
}

/// What part of an event's attendance the caller may read: everything (managers, facilitators of the event),
/// a unit's or one officer's lines; 403 for everybody else.
fn read_scope(conn: &mut PgConnection, user: &AuthUser, event_id: Uuid) -> Result<Scope, ApiError> {
    if access::manages_event(conn, user, event_id)? {
        return Ok(Scope::default());
    }
    match user.role {
        Role::Facilitator if access_repo::leads_a_session_of_event(conn, event_id, user.id)? => {
            Ok(Scope::default())
        }
        Role::UnitOperator => Ok(Scope {
            unit_id: Some(user.unit_id.unwrap_or_else(Uuid::nil)),
            participant_id: None,
        }),
        Role::Participant => Ok(Scope {
            unit_id: None,
            participant_id: Some(user.participant_id.unwrap_or_else(Uuid::nil)),
        }),
        _ => Err(ApiError::forbidden()),
    }
}

/// A session's attendance list as the caller may see it.
pub fn sheet(
    conn: &mut PgConnection,
    user: &AuthUser,
    session_id: Uuid,
    order: SheetOrder,
    page: PageRequest,
) -> Result<Page<SheetRow>, ApiError> {
    let session = load_session(conn, session_id)?;
    if access::hides_draft(conn, user, session.event_id, &session.event_status)? {
        return Err(session_not_found());
    }
    let scope = read_scope(conn, user, session.event_id)?;
    let (rows, total) = repo::sheet(
        conn,
        session_id,
        session.event_id,
        scope,
        order,
        page.limit,
        page.offset,
    )?;
    Ok(Page::new(rows, total, page))
}

/// Writes a session's list all-or-nothing: every line is checked first (an approved enrollment in the event, at
/// most once in the list); only when all are valid are they written, in one transaction. The caller must manage
/// the event or lead this session; the event must be `ongoing` or `completed` (corrections after the fact).
pub fn record(
    conn: &mut PgConnection,
    user: &AuthUser,
    session_id: Uuid,
    parse: impl FnOnce() -> Result<Vec<RecordInput>, ApiError>,
) -> Result<Vec<SheetRow>, ApiError> {
    let session = load_session(conn, session_id)?;
    if !access::may_record_attendance(conn, user, session.event_id, session_id)? {
        return Err(ApiError::forbidden());
    }
    let records = parse()?;
    let enrollment_ids = conn.transaction(|conn| {
        let status =
            repo::lock_event_status(conn, session.event_id)?.ok_or_else(session_not_found)?;
        if !matches!(
            EventStatus::parse(&status),
            Some(EventStatus::Ongoing | EventStatus::Completed)
        ) {
            return Err(ApiError::conflict(
                "attendance_closed",
                "Attendance is recorded only while the event is `ongoing` or `completed`.",
            ));
        }
        let ids: Vec<Uuid> = records.iter().map(|r| r.participant_id).collect();
        let enrolled: HashMap<Uuid, Uuid> =
            repo::approved_enrollments(conn, session.event_id, &ids)?
                .into_iter()
                .collect();
        let mut errors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut rows = Vec::with_capacity(records.len());
        for (i, r) in records.iter().enumerate() {
            if !seen.insert(r.participant_id) {
                errors.push(FieldError::new(
                    format!("records[{i}].participant_id"),
                    "duplicate",
                    "this officer appears more than once in the list",
                ));
                continue;
            }
            match enrolled.get(&r.participant_id) {
                Some(enrollment_id) => rows.push(NewAttendanceRow {
                    id: Uuid::new_v4(),
                    session_id,
                    enrollment_id: *enrollment_id,
                    participant_id: r.participant_id,
                    status: r.status.as_str().to_owned(),
                    method: AttendanceMethod::Manual.as_str().to_owned(),
                    checked_in_at: None,
                    note: r.note.clone(),
                    recorded_by: Some(user.id),
                }),
                None => errors.push(FieldError::new(
                    format!("records[{i}].participant_id"),
                    "not_enrolled",
                    "this officer has no approved enrollment in the event",
                )),
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        repo::upsert_manual(conn, &rows)?;
        Ok(rows.iter().map(|r| r.enrollment_id).collect::<Vec<_>>())
    })?;
    tracing::info!(session.id = %session_id, actor.id = %user.id, records = enrollment_ids.len(), "attendance recorded");
    let mut lines: HashMap<Uuid, SheetRow> = repo::sheet_rows(conn, session_id, &enrollment_ids)?
        .into_iter()
        .map(|r| (r.enrollment_id, r))
        .collect();
    Ok(enrollment_ids
        .iter()
        .filter_map(|id| lines.remove(id))
        .collect())
}

fn is_open(session: &SessionState, now: DateTime<Utc>) -> bool {
    session.event_status == EventStatus::Ongoing.as_str()
        && now >= session.starts_at - Duration::minutes(CHECK_IN_OPENS_BEFORE_MINUTES)
        && now <= session.ends_at
}

/// Checks an officer in with their enrollment's code. Any authenticated caller may present a code (the officer's
/// own device, a kiosk, a facilitator's device): the code is the credential. A participant-role caller may only
/// check in their own enrollment (`not_enrolled` otherwise).
pub fn check_in(
    conn: &mut PgConnection,
    user: &AuthUser,
    session_id: Uuid,
    parse: impl FnOnce() -> Result<String, ApiError>,
) -> Result<(CheckInResult, Option<SheetRow>), ApiError> {
    let session = load_session(conn, session_id)?;
    let code = parse()?;
    let Some(owner) = repo::find_by_code(conn, &code)? else {
        tracing::info!(session.id = %session_id, actor.id = %user.id, "check-in with an unknown code");
        return Ok((CheckInResult::InvalidCode, None));
    };
    let foreign =
        user.role == Role::Participant && user.participant_id != Some(owner.participant_id);
    if owner.event_id != session.event_id
        || owner.status != EnrollmentStatus::Approved.as_str()
        || foreign
    {
        return Ok((CheckInResult::NotEnrolled, None));
    }
    let now = Utc::now();
    if !is_open(&session, now) {
        return Ok((CheckInResult::SessionNotOpen, None));
    }
    let status = if now > session.starts_at + Duration::minutes(LATE_AFTER_MINUTES) {
        AttendanceStatus::Late
    } else {
        AttendanceStatus::Present
    };
    let row = NewAttendanceRow {
        id: Uuid::new_v4(),
        session_id,
        enrollment_id: owner.enrollment_id,
        participant_id: owner.participant_id,
        status: status.as_str().to_owned(),
        method: AttendanceMethod::Code.as_str().to_owned(),
        checked_in_at: Some(now),
        note: None,
        recorded_by: Some(user.id),
    };
    let result = conn.transaction(|conn| {
        if repo::insert_if_absent(conn, &row)? {
            return Ok::<_, ApiError>(CheckInResult::CheckedIn);
        }
        let current = repo::lock_status(conn, session_id, owner.enrollment_id)?;
        if current
            .as_deref()
            .and_then(AttendanceStatus::parse)
            .is_some_and(AttendanceStatus::attended)
        {
            return Ok(CheckInResult::AlreadyCheckedIn);
        }
        // An earlier manual `absent`, `sick` or `excused` gives way to the officer's arrival.
        repo::record_check_in(conn, &row)?;
        Ok(CheckInResult::CheckedIn)
    })?;
    tracing::info!(session.id = %session_id, enrollment.id = %owner.enrollment_id, actor.id = %user.id, result = result.as_str(), "check-in");
    let line = repo::sheet_rows(conn, session_id, &[owner.enrollment_id])?
        .into_iter()
        .next();
    Ok((result, line))
}

/// The attendance summary of an event's approved officers, as the caller may see it.
pub fn summary(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    page: PageRequest,
) -> Result<Page<SummaryRow>, ApiError> {
    let status =
        access_repo::event_status(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    if access::hides_draft(conn, user, event_id, &status)? {
        return Err(ApiError::not_found("Event"));
    }
    let scope = read_scope(conn, user, event_id)?;
    let rows = repo::summary(conn, event_id, scope, page.limit, page.offset)?;
    let total = match rows.first() {
        Some(row) => row.total,
        // past the last line the window count is not there: count the lines
        None if page.offset > 0 => repo::summary(conn, event_id, scope, 1, 0)?
            .first()
            .map_or(0, |r| r.total),
        None => 0,
    };
    Ok(Page::new(rows, total, page))
}

/// The attendance records of one officer across events: for the officer, the operator of their unit and admins
/// (everything), and organizers (the events they organize). Others: 403.
pub fn of_participant(
    conn: &mut PgConnection,
    user: &AuthUser,
    participant_id: Uuid,
    event_id: Option<Uuid>,
    order: RecordOrder,
    page: PageRequest,
) -> Result<Page<ParticipantRecord>, ApiError> {
    let unit = access_repo::participant_unit(conn, participant_id)?
        .ok_or_else(|| ApiError::not_found("Participant"))?;
    let organizer = match user.role {
        Role::Admin => None,
        Role::Participant if user.participant_id == Some(participant_id) => None,
        Role::UnitOperator if user.unit_id == Some(unit) => None,
        Role::Organizer => Some(user.id),
        _ => return Err(ApiError::forbidden()),
    };
    let (rows, total) = repo::participant_records(
        conn,
        participant_id,
        event_id,
        organizer,
        order,
        page.limit,
        page.offset,
    )?;
    Ok(Page::new(rows, total, page))
}
