//! Attendance rules: the list of a session (one line per approved enrollment), writing a whole list at once
//! (all-or-nothing), check-in with an enrollment's code, and the per-officer summary of an event.
//!
//! Who sees what: the event's managers see everything of the event; a facilitator only the sessions they lead
//! (a session's list only when they lead it, the event's summary counted over their sessions); a unit operator
//! the lines of their unit's officers; a participant their own lines. Writing a list: the event's managers and
//! the facilitators of THAT session.
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
use crate::db;
use crate::domain::enums::{AttendanceMethod, AttendanceStatus, EnrollmentStatus, EventStatus};
use crate::domain::page::{ListRequest, Page, PageRequest};
use crate::domain::role::Role;
use crate::domain::sort::{AttendanceSort, RecordSort};
use crate::error::{ApiError, FieldError};
use crate::repo::access as access_repo;
use crate::repo::attendance::{
    self as repo, NewAttendanceRow, ParticipantRecord, Scope, SessionState, SheetRow, SummaryRow,
};
use crate::service::{DbPool, Input, Permit, access};

pub use crate::repo::attendance::RecordFilter;

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

/// One line of a session's attendance list: an approved officer and their record (the record's fields `None`
/// until one is taken).
#[derive(Debug, Clone)]
pub struct SheetLine {
    pub enrollment_id: Uuid,
    pub participant_id: Uuid,
    /// `None` after the officer's data was erased.
    pub participant_name: Option<String>,
    pub status: Option<AttendanceStatus>,
    pub method: Option<AttendanceMethod>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub recorded_by: Option<Uuid>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<SheetRow> for SheetLine {
    fn from(row: SheetRow) -> Self {
        Self {
            enrollment_id: row.enrollment_id,
            participant_id: row.participant_id,
            participant_name: row.erased_at.is_none().then_some(row.full_name),
            status: row.status,
            method: row.method,
            checked_in_at: row.checked_in_at,
            note: row.note,
            recorded_by: row.recorded_by,
            updated_at: row.updated_at,
        }
    }
}

/// One officer's attendance in an event.
#[derive(Debug, Clone)]
pub struct OfficerSummary {
    pub participant_id: Uuid,
    /// `None` after the officer's data was erased.
    pub participant_name: Option<String>,
    pub sessions_total: i64,
    pub sessions_attended: i64,
    /// In percent, one decimal.
    pub attendance_rate: f64,
    pub jp_earned: i64,
}

impl From<SummaryRow> for OfficerSummary {
    fn from(row: SummaryRow) -> Self {
        Self {
            participant_id: row.participant_id,
            participant_name: row.erased_at.is_none().then_some(row.full_name),
            sessions_total: row.sessions_total,
            sessions_attended: row.sessions_attended,
            attendance_rate: row.attendance_rate,
            jp_earned: row.jp_earned,
        }
    }
}

/// One attendance record of an officer, with its session and event.
#[derive(Debug, Clone)]
pub struct AttendanceRecord {
    pub id: Uuid,
    pub session_id: Uuid,
    pub session_title: String,
    pub starts_at: DateTime<Utc>,
    pub event_id: Uuid,
    pub event_title: String,
    pub enrollment_id: Uuid,
    pub status: AttendanceStatus,
    pub method: AttendanceMethod,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub recorded_by: Option<Uuid>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<ParticipantRecord> for AttendanceRecord {
    fn from(r: ParticipantRecord) -> Self {
        Self {
            id: r.id,
            session_id: r.session_id,
            session_title: r.session_title,
            starts_at: r.starts_at,
            event_id: r.event_id,
            event_title: r.event_title,
            enrollment_id: r.enrollment_id,
            status: r.status,
            method: r.method,
            checked_in_at: r.checked_in_at,
            note: r.note,
            recorded_by: r.recorded_by,
            version: r.version,
            updated_at: r.updated_at,
        }
    }
}

/// A request for a page of a session's attendance list (nothing to filter).
pub type SheetList = ListRequest<(), AttendanceSort>;
/// A request for a page of an officer's attendance records.
pub type RecordList = ListRequest<RecordFilter, RecordSort>;

/// The outcome of a check-in, with the officer's line when they are checked in.
#[derive(Debug, Clone)]
pub struct CheckIn {
    pub result: CheckInResult,
    pub line: Option<SheetLine>,
}

fn session_not_found() -> ApiError {
    ApiError::not_found("Session")
}

fn load_session(conn: &mut PgConnection, session_id: Uuid) -> Result<SessionState, ApiError> {
    repo::session_state(conn, session_id)?.ok_or_else(session_not_found)
}

/// What part of an event's attendance the caller may read, and over which sessions: everything (managers), the
/// sessions a facilitator leads (`Some(user)`: 403 when they lead none of the event), a unit's or one officer's
/// lines; 403 for everybody else.
pub(crate) fn read_scope(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
) -> Result<(Scope, Option<Uuid>), ApiError> {
    if access::manages_event(conn, user, event_id)? {
        return Ok((Scope::default(), None));
    }
    match user.role {
        Role::Facilitator if access_repo::leads_a_session_of_event(conn, event_id, user.id)? => {
            Ok((Scope::default(), Some(user.id)))
        }
        Role::UnitOperator => Ok((
            Scope {
                unit_id: Some(user.unit_id.unwrap_or_else(Uuid::nil)),
                participant_id: None,
            },
            None,
        )),
        Role::Participant => Ok((
            Scope {
                unit_id: None,
                participant_id: Some(user.participant_id.unwrap_or_else(Uuid::nil)),
            },
            None,
        )),
        _ => Err(ApiError::forbidden()),
    }
}

/// A session's attendance list as the caller may see it. The query is checked first (400), as the request
/// itself; what the caller may see needs the event, read with the list.
pub async fn sheet(
    pool: &DbPool,
    user: &AuthUser,
    session_id: Uuid,
    request: Input<SheetList>,
) -> Result<Page<SheetLine>, ApiError> {
    let request = request.open(&Permit::granted())?;
    let user = user.clone();
    db::read(pool, move |conn| {
        let session = load_session(conn, session_id)?;
        if access::hides_draft(conn, &user, session.event_id, session.event_status.as_str())? {
            return Err(session_not_found());
        }
        let (scope, led_by) = read_scope(conn, &user, session.event_id)?;
        // A facilitator reads the list of a session they lead, not of the event's other sessions.
        if led_by.is_some() && !access_repo::leads_session(conn, session_id, user.id)? {
            return Err(ApiError::forbidden());
        }
        let (rows, total) = repo::sheet(conn, session_id, session.event_id, scope, &request)?;
        Ok(Page::new(rows, total, request.page).map(SheetLine::from))
    })
    .await
}

/// Writes a session's list all-or-nothing: every line is checked first (an approved enrollment in the event, at
/// most once in the list); only when all are valid are they written, in one transaction. The caller must manage
/// the event or lead this session; the event must be `ongoing` or `completed` (corrections after the fact).
pub async fn record(
    pool: &DbPool,
    user: &AuthUser,
    session_id: Uuid,
    records: Input<Vec<RecordInput>>,
) -> Result<Vec<SheetLine>, ApiError> {
    let actor = user.clone();
    db::run(pool, move |conn| {
        write_records(conn, &actor, session_id, records)
    })
    .await
}

fn write_records(
    conn: &mut PgConnection,
    user: &AuthUser,
    session_id: Uuid,
    records: Input<Vec<RecordInput>>,
) -> Result<Vec<SheetLine>, ApiError> {
    let session = load_session(conn, session_id)?;
    if !access::may_record_attendance(conn, user, session.event_id, session_id)? {
        return Err(ApiError::forbidden());
    }
    let records = records.open(&Permit::granted())?;
    let enrollment_ids = conn.transaction(|conn| {
        let status =
            repo::lock_event_status(conn, session.event_id)?.ok_or_else(session_not_found)?;
        if !matches!(status, EventStatus::Ongoing | EventStatus::Completed) {
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
                    status: r.status,
                    method: AttendanceMethod::Manual,
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
        .map(SheetLine::from)
        .collect())
}

fn is_open(session: &SessionState, now: DateTime<Utc>) -> bool {
    session.event_status == EventStatus::Ongoing
        && now >= session.starts_at - Duration::minutes(CHECK_IN_OPENS_BEFORE_MINUTES)
        && now <= session.ends_at
}

/// Checks an officer in with their enrollment's code. Any authenticated caller may present a code (the officer's
/// own device, a kiosk, a facilitator's device): the code is the credential. A participant-role caller may only
/// check in their own enrollment (`not_enrolled` otherwise).
pub async fn check_in(
    pool: &DbPool,
    user: &AuthUser,
    session_id: Uuid,
    code: Input<String>,
) -> Result<CheckIn, ApiError> {
    let actor = user.clone();
    db::run(pool, move |conn| {
        take_check_in(conn, &actor, session_id, code)
    })
    .await
}

fn take_check_in(
    conn: &mut PgConnection,
    user: &AuthUser,
    session_id: Uuid,
    code: Input<String>,
) -> Result<CheckIn, ApiError> {
    let session = load_session(conn, session_id)?;
    // The code is the credential: any signed-in caller may present one.
    let code = code.open(&Permit::granted())?;
    let Some(owner) = repo::find_by_code(conn, &code)? else {
        tracing::info!(session.id = %session_id, actor.id = %user.id, "check-in with an unknown code");
        return Ok(CheckIn {
            result: CheckInResult::InvalidCode,
            line: None,
        });
    };
    let foreign =
        user.role == Role::Participant && user.participant_id != Some(owner.participant_id);
    if owner.event_id != session.event_id || owner.status != EnrollmentStatus::Approved || foreign {
        return Ok(CheckIn {
            result: CheckInResult::NotEnrolled,
            line: None,
        });
    }
    let now = Utc::now();
    if !is_open(&session, now) {
        return Ok(CheckIn {
            result: CheckInResult::SessionNotOpen,
            line: None,
        });
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
        status,
        method: AttendanceMethod::Code,
        checked_in_at: Some(now),
        note: None,
        recorded_by: Some(user.id),
    };
    let result = conn.transaction(|conn| {
        if repo::insert_if_absent(conn, &row)? {
            return Ok::<_, ApiError>(CheckInResult::CheckedIn);
        }
        let current = repo::lock_status(conn, session_id, owner.enrollment_id)?;
        if current.is_some_and(AttendanceStatus::attended) {
            return Ok(CheckInResult::AlreadyCheckedIn);
        }
        // An earlier manual `absent`, `sick` or `excused` gives way to the officer's arrival.
        repo::record_check_in(conn, &row)?;
        Ok(CheckInResult::CheckedIn)
    })?;
    tracing::info!(session.id = %session_id, enrollment.id = %owner.enrollment_id, actor.id = %user.id, result = result.as_str(), "check-in");
    let line = repo::sheet_rows(conn, session_id, &[owner.enrollment_id])?
        .into_iter()
        .next()
        .map(SheetLine::from);
    Ok(CheckIn { result, line })
}

/// The attendance summary of an event's approved officers, as the caller may see it (a facilitator: counted over
/// the sessions they lead).
pub async fn summary(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    page: Input<PageRequest>,
) -> Result<Page<OfficerSummary>, ApiError> {
    let page = page.open(&Permit::granted())?;
    let user = user.clone();
    db::read(pool, move |conn| summary_page(conn, &user, event_id, page)).await
}

fn summary_page(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    page: PageRequest,
) -> Result<Page<OfficerSummary>, ApiError> {
    let status =
        access_repo::event_status(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    if access::hides_draft(conn, user, event_id, &status)? {
        return Err(ApiError::not_found("Event"));
    }
    let (scope, led_by) = read_scope(conn, user, event_id)?;
    let rows = repo::summary(conn, event_id, scope, led_by, page.limit, page.offset)?;
    let total = match rows.first() {
        Some(row) => row.total,
        // past the last line the window count is not there: count the lines
        None if page.offset > 0 => repo::summary(conn, event_id, scope, led_by, 1, 0)?
            .first()
            .map_or(0, |r| r.total),
        None => 0,
    };
    Ok(Page::new(rows, total, page).map(OfficerSummary::from))
}

/// The attendance records of one officer across events: for the officer, the operator of their unit and admins
/// (everything), and organizers (the events they organize). Others: 403.
pub async fn of_participant(
    pool: &DbPool,
    user: &AuthUser,
    participant_id: Uuid,
    request: Input<RecordList>,
) -> Result<Page<AttendanceRecord>, ApiError> {
    let request = request.open(&Permit::granted())?;
    let user = user.clone();
    db::read(pool, move |conn| {
        let unit = access_repo::participant_unit(conn, participant_id)?
            .ok_or_else(|| ApiError::not_found("Participant"))?;
        let organizer = match user.role {
            Role::Admin => None,
            Role::Participant if user.participant_id == Some(participant_id) => None,
            Role::UnitOperator if user.unit_id == Some(unit) => None,
            Role::Organizer => Some(user.id),
            _ => return Err(ApiError::forbidden()),
        };
        let (rows, total) = repo::participant_records(conn, participant_id, organizer, &request)?;
        Ok(Page::new(rows, total, request.page).map(AttendanceRecord::from))
    })
    .await
}
