//! Results of an event's officers: attendance, JP, scores, gains and the outcome (the rule is
//! `domain::result`, with the event's threshold and pass score).
//!
//! Who sees what, as the attendance summary: the event's managers and the facilitators of its sessions see every
//! officer; a unit operator their unit's officers; a participant their own line; others 403. A draft event is
//! 404 for everybody but its managers.

use crate::service::ReadInput;

use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::enums::Outcome;
use crate::domain::page::{Page, PageRequest};
use crate::domain::result::{gain, normalized_gain};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo::access as access_repo;
use crate::repo::attendance::Scope;
use crate::repo::results::{self as repo, PageStart, ResultFilter, ResultRow};
use crate::service::{DbPool, Input, Permit, access, snapshots};

fn event_not_found() -> ApiError {
    ApiError::not_found("Event")
}

/// Checks that the event exists and is not a draft hidden from the caller (404 otherwise).
pub fn visible_event(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
) -> Result<(), ApiError> {
    let status = access_repo::event_status(conn, event_id)?.ok_or_else(event_not_found)?;
    if access::hides_draft(conn, user, event_id, &status)? {
        return Err(event_not_found());
    }
    Ok(())
}

/// What part of an event's officers the caller may read: everything (managers, facilitators of the event), a
/// unit's or one officer's lines; 404 for a draft hidden from the caller, 403 for everybody else.
pub fn read_access(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
) -> Result<(Scope, Permit), ApiError> {
    visible_event(conn, user, event_id)?;
    let scope = if access::manages_event(conn, user, event_id)? {
        Scope::default()
    } else {
        match user.role {
            Role::Facilitator
                if access_repo::leads_a_session_of_event(conn, event_id, user.id)? =>
            {
                Scope::default()
            }
            Role::UnitOperator => Scope {
                unit_id: Some(user.unit_id.unwrap_or_else(Uuid::nil)),
                participant_id: None,
            },
            Role::Participant => Scope {
                unit_id: None,
                participant_id: Some(user.participant_id.unwrap_or_else(Uuid::nil)),
            },
            _ => return Err(ApiError::forbidden()),
        }
    };
    Ok((scope, Permit::granted()))
}

/// Which results to list.
#[derive(Debug, Clone, Copy)]
pub struct ResultQuery {
    /// Only officers of this unit.
    pub unit_id: Option<Uuid>,
    /// Only officers with this outcome.
    pub outcome: Option<Outcome>,
    pub page: PageRequest,
}

/// The result of one officer in an event, as the service shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficerResult {
    pub enrollment_id: Uuid,
    pub participant_id: Uuid,
    /// `None` after the officer's data was erased.
    pub participant_name: Option<String>,
    pub unit_id: Uuid,
    pub sessions_total: i64,
    pub sessions_attended: i64,
    /// Percent, one decimal.
    pub attendance_rate: f64,
    pub jp_earned: i64,
    /// `jp_earned` x the event's JP length.
    pub minutes_earned: i64,
    pub pre_score: Option<f64>,
    pub post_score: Option<f64>,
    pub gain: Option<f64>,
    pub normalized_gain: Option<f64>,
    pub practical_score: Option<f64>,
    /// By `domain::result::ResultInputs::outcome`.
    pub outcome: Outcome,
}

impl From<ResultRow> for OfficerResult {
    fn from(r: ResultRow) -> Self {
        Self {
            outcome: r.inputs().outcome(),
            gain: gain(r.pre_score, r.post_score),
            normalized_gain: normalized_gain(r.pre_score, r.post_score),
            enrollment_id: r.enrollment_id,
            participant_id: r.participant_id,
            participant_name: r.erased_at.is_none().then_some(r.full_name),
            unit_id: r.unit_id,
            sessions_total: r.sessions_total,
            sessions_attended: r.sessions_attended,
            attendance_rate: r.attendance_rate,
            jp_earned: r.jp_earned,
            minutes_earned: r.jp_earned * r.jp_minutes,
            pre_score: r.pre_score,
            post_score: r.post_score,
            practical_score: r.practical_score,
        }
    }
}

/// A page of the results of an event's approved officers, as the caller may see them.
pub async fn list(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    query: Input<ResultQuery>,
) -> Result<Page<OfficerResult>, ApiError> {
    let user = user.clone();
    let query = ReadInput::new(query);
    db::read(pool, move |conn| {
        let (scope, permit) = read_access(conn, &user, event_id)?;
        let query = query.open(&permit)?;
        let filter = ResultFilter {
            scope,
            unit_id: query.unit_id,
            outcome: query.outcome,
        };
        Ok(page(conn, event_id, &filter, query.page)?.map(OfficerResult::from))
    })
    .await
}

fn page(
    conn: &mut PgConnection,
    event_id: Uuid,
    filter: &ResultFilter,
    page: PageRequest,
) -> Result<Page<ResultRow>, ApiError> {
    // from the event's results snapshot; computed here only when a refresh raced writes
    let fetch = |conn: &mut PgConnection, limit: i64, offset: i64| -> Result<_, ApiError> {
        match snapshots::results_page(conn, event_id, filter, limit, offset)? {
            Some(rows) => Ok(rows),
            None => Ok(repo::for_event(
                conn,
                event_id,
                filter,
                limit,
                PageStart::Offset(offset),
            )?),
        }
    };
    let rows = fetch(conn, page.limit, page.offset)?;
    let total = match rows.first() {
        Some(row) => row.total,
        // past the last line the window count is not there: count the lines
        None if page.offset > 0 => fetch(conn, 1, 0)?.first().map_or(0, |r| r.total),
        None => 0,
    };
    Ok(Page::new(rows, total, page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(attended: i64, pre: Option<f64>, post: Option<f64>) -> ResultRow {
        ResultRow {
            enrollment_id: Uuid::nil(),
            participant_id: Uuid::nil(),
            full_name: "Dewi Lestari".to_owned(),
            name_search: "dewi lestari".to_owned(),
            nip: None,
            erased_at: None,
            unit_id: Uuid::nil(),
            unit_name: "Lapas".to_owned(),
            sessions_total: 5,
            sessions_attended: attended,
            attendance_rate: attended as f64 * 20.0,
            jp_earned: attended * 2,
            jp_minutes: 45,
            pre_score: pre,
            post_score: post,
            practical_score: Some(88.0),
            attendance_threshold: 80.0,
            pass_score: 70.0,
            // what SQL said is not what is shown: the rule is applied again
            outcome: Outcome::NotCompleted,
            total: 1,
        }
    }

    #[test]
    fn a_result_carries_the_outcome_the_gains_and_the_minutes() {
        let r = OfficerResult::from(row(4, Some(40.0), Some(70.0)));
        assert_eq!(r.outcome, Outcome::Certificate);
        assert_eq!((r.gain, r.normalized_gain), (Some(30.0), Some(0.5)));
        assert_eq!((r.jp_earned, r.minutes_earned), (8, 360));
        assert_eq!(r.participant_name.as_deref(), Some("Dewi Lestari"));
        let r = OfficerResult::from(row(5, Some(50.0), Some(60.0)));
        assert_eq!(r.outcome, Outcome::AttendanceLetter);
        assert_eq!((r.gain, r.normalized_gain), (Some(10.0), Some(0.2)));
        let r = OfficerResult::from(row(3, None, Some(95.0)));
        assert_eq!(r.outcome, Outcome::NotCompleted);
        assert_eq!((r.gain, r.normalized_gain), (None, None));
    }

    #[test]
    fn an_erased_officer_has_no_name() {
        let mut erased = row(5, None, None);
        erased.erased_at = Some(chrono::Utc::now());
        assert_eq!(OfficerResult::from(erased).participant_name, None);
    }
}
