//! An officer's year: their transcript (every training of this service and every record from elsewhere, newest
//! first) and their JP ledger against the civil-service rule (`domain::jp`). Reads only; no trigger is involved.
//!
//! Who: the officer themself, the operator of the officer's unit and administrators; an organizer sees the
//! trainings of the events they organize in the transcript (no records from elsewhere), and no ledger (a part of a
//! year is not a year). Others: 403; an unknown officer: 404.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::enums::{CertificateKind, EnrollmentStatus, EventKind, EventStatus, Outcome};
use crate::domain::jp::{self, JpRule, JpRules, LedgerStatus};
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo::access as access_repo;
use crate::repo::competency_records as records_repo;
use crate::repo::trainings as repo;
use crate::service::competency_records::Record;
use crate::service::{DbPool, Input, Permit};

/// One training of an officer: the enrollment, the event, the results when approved, the certificate when issued.
#[derive(Debug, Clone)]
pub struct Training {
    pub enrollment_id: Uuid,
    pub enrollment_status: EnrollmentStatus,
    pub event_id: Uuid,
    pub title: String,
    pub kind: EventKind,
    pub event_status: EventStatus,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub host_unit_name: String,
    pub attendance_rate: Option<f64>,
    pub jp_earned: Option<i64>,
    pub outcome: Option<Outcome>,
    pub certificate_id: Option<Uuid>,
    pub certificate_kind: Option<CertificateKind>,
    pub certificate_number: Option<String>,
    pub verification_code: Option<String>,
    pub certificate_revoked_at: Option<DateTime<Utc>>,
}

impl From<repo::TrainingRow> for Training {
    fn from(r: repo::TrainingRow) -> Self {
        Self {
            enrollment_id: r.enrollment_id,
            enrollment_status: r.enrollment_status,
            event_id: r.event_id,
            title: r.title,
            kind: r.kind,
            event_status: r.event_status,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            host_unit_name: r.host_unit_name,
            attendance_rate: r.attendance_rate,
            jp_earned: r.jp_earned,
            outcome: r.outcome,
            certificate_id: r.certificate_id,
            certificate_kind: r.certificate_kind,
            certificate_number: r.certificate_number,
            verification_code: r.verification_code,
            certificate_revoked_at: r.certificate_revoked_at,
        }
    }
}

/// One line of a transcript: a training of this service or a training record from elsewhere.
#[derive(Debug, Clone)]
pub enum TranscriptEntry {
    Training(Training),
    Record(Record),
}

impl TranscriptEntry {
    /// The transcript's order, newest first: by first day, then last day, then id (the event's or the record's).
    fn order_key(&self) -> (NaiveDate, NaiveDate, Uuid) {
        match self {
            Self::Training(t) => (t.starts_on, t.ends_on, t.event_id),
            Self::Record(r) => (r.starts_on, r.ends_on, r.id),
        }
    }
}

/// The transcript asked for: a page, optionally one year (of the trainings' last days).
#[derive(Debug, Clone, Copy)]
pub struct TranscriptRequest {
    pub year: Option<i32>,
    pub page: PageRequest,
}

/// Who may read the officer's trainings: `Ok(None)` all of them, `Ok(Some(user))` those of the events `user`
/// organizes (only when `organizers` is true).
pub(crate) fn reader(
    conn: &mut diesel::PgConnection,
    user: &AuthUser,
    participant_id: Uuid,
    organizers: bool,
) -> Result<Option<Uuid>, ApiError> {
    let unit = access_repo::participant_unit(conn, participant_id)?
        .ok_or_else(|| ApiError::not_found("Participant"))?;
    match user.role {
        Role::Admin => Ok(None),
        Role::Participant if user.participant_id == Some(participant_id) => Ok(None),
        Role::UnitOperator if user.unit_id == Some(unit) => Ok(None),
        Role::Organizer if organizers => Ok(Some(user.id)),
        _ => Err(ApiError::forbidden()),
    }
}

/// The officer linked to the caller's account (`/me/...`): 404 for an account that is not an officer's.
pub fn own_officer(user: &AuthUser) -> Result<Uuid, ApiError> {
    user.participant_id.ok_or_else(|| ApiError::NotFound {
        code: "no_officer",
        detail: "This account is not linked to an officer, so it has no trainings of its own."
            .into(),
    })
}

/// The trainings of an officer and their records from elsewhere (in every status), newest first. An officer's
/// lines are few (tens in a career), and the results of all their events are computed for any page: the two lists
/// are read whole, merged and paged here.
pub async fn transcript(
    pool: &DbPool,
    user: &AuthUser,
    participant_id: Uuid,
    request: Input<TranscriptRequest>,
) -> Result<Page<TranscriptEntry>, ApiError> {
    let request = request.open(&Permit::granted())?;
    let user = user.clone();
    db::read(pool, move |conn| {
        let organizer = reader(conn, &user, participant_id, true)?;
        let mut entries: Vec<TranscriptEntry> = repo::of_participant(
            conn,
            participant_id,
            organizer,
            request.year,
            PageRequest::ALL,
        )?
        .0
        .into_iter()
        .map(|row| TranscriptEntry::Training(row.into()))
        .collect();
        if organizer.is_none() {
            entries.extend(
                records_repo::of_participant(conn, participant_id, request.year, None)?
                    .into_iter()
                    .map(|row| TranscriptEntry::Record(row.into())),
            );
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.order_key()));
        Ok(Page::of_all(entries, request.page))
    })
    .await
}

/// An officer's year against the JP rule of their employment type.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub participant_id: Uuid,
    pub year: i32,
    /// The trainings that count (`domain::jp::counts`), oldest first.
    pub entries: Vec<Training>,
    /// The verified records from elsewhere ending in the year, oldest first.
    pub records: Vec<Record>,
    pub total_jp: i64,
    pub rule: JpRule,
    pub status: LedgerStatus,
    pub shortfall: i64,
}

/// The current year in WIB (UTC+7): the default year of the ledger.
pub fn current_year() -> i32 {
    (chrono::Utc::now() + chrono::Duration::hours(7)).year()
}

/// The JP ledger of an officer for `year`.
pub async fn ledger(
    pool: &DbPool,
    user: &AuthUser,
    participant_id: Uuid,
    year: Input<i32>,
    rules: JpRules,
) -> Result<Ledger, ApiError> {
    let year = year.open(&Permit::granted())?;
    let user = user.clone();
    db::read(pool, move |conn| {
        reader(conn, &user, participant_id, false)?;
        let (employee_type, _) = repo::officer(conn, participant_id)?
            .ok_or_else(|| ApiError::not_found("Participant"))?;
        let mut entries: Vec<Training> = repo::of_year(conn, participant_id, year)?
            .into_iter()
            .filter(|t| jp::counts(t.event_status, t.outcome))
            .map(Training::from)
            .collect();
        entries.reverse();
        let mut records: Vec<Record> =
            records_repo::of_participant(conn, participant_id, Some(year), None)?
                .into_iter()
                .filter(|r| jp::record_counts(r.status))
                .map(Into::into)
                .collect();
        records.reverse();
        let total_jp = entries.iter().filter_map(|t| t.jp_earned).sum::<i64>()
            + records.iter().map(|r| i64::from(r.jp)).sum::<i64>();
        let rule = rules.for_officer(employee_type);
        let (status, shortfall) = jp::judge(total_jp, &rule);
        Ok(Ledger {
            participant_id,
            year,
            entries,
            records,
            total_jp,
            rule,
            status,
            shortfall,
        })
    })
    .await
}
