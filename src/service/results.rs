//! Results of an event's officers: attendance, JP, scores, gains and the outcome (the rule is
//! `domain::result`, with the event's threshold and pass score).
//!
//! Who sees what, as the attendance summary: the event's managers and the facilitators of its sessions see every
//! officer; a unit operator their unit's officers; a participant their own line; others 403. A draft event is
//! 404 for everybody but its managers.

use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo::access as access_repo;
use crate::repo::attendance::Scope;
use crate::repo::results::{self as repo, PageStart, ResultFilter, ResultRow};
use crate::service::{access, snapshots};

fn event_not_found() -> ApiError {
    ApiError::not_found("Event")
}

/// The event's status after checking that it exists and is not a draft hidden from the caller.
pub fn visible_event(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
) -> Result<String, ApiError> {
    let status = access_repo::event_status(conn, event_id)?.ok_or_else(event_not_found)?;
    if access::hides_draft(conn, user, event_id, &status)? {
        return Err(event_not_found());
    }
    Ok(status)
}

/// What part of an event's officers the caller may read: everything (managers, facilitators of the event), a
/// unit's or one officer's lines; 403 for everybody else.
pub fn read_scope(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
) -> Result<Scope, ApiError> {
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

/// A page of the results of an event's approved officers, as the caller may see them.
pub fn list(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    unit_id: Option<Uuid>,
    outcome: Option<&'static str>,
    page: PageRequest,
) -> Result<Page<ResultRow>, ApiError> {
    visible_event(conn, user, event_id)?;
    let filter = ResultFilter {
        scope: read_scope(conn, user, event_id)?,
        unit_id,
        outcome,
    };
    // from the event's results snapshot; computed here only when a refresh raced writes
    let fetch = |conn: &mut PgConnection, limit: i64, offset: i64| -> Result<_, ApiError> {
        match snapshots::results_page(conn, event_id, &filter, limit, offset)? {
            Some(rows) => Ok(rows),
            None => Ok(repo::for_event(
                conn,
                event_id,
                &filter,
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
