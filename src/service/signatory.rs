//! The signatory of certificates: per event (its organizers and admins set it) with the program's as the default
//! (admins and organizers set it). Issuing copies the signatory of that moment onto each certificate
//! (`service::certificates`), field by field the event's, else the program's.
//!
//! Writes to `events` fire `track_row` (`event.updated` in the audit log and the change feed) and
//! `snapshots_mark_event` (the event's snapshots stale); writes to `programs` fire `track_row` (`program.updated`,
//! audit only) (migrations 000008, 000011).

use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::role::Role;
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::repo::access as access_repo;
use crate::repo::signatories::{self as repo, SignatoryValues};
use crate::service::{DbPool, Input, Permit, access, allow};

/// A checked signatory; absent fields print as dotted lines to fill in by hand.
pub type Signatory = SignatoryValues;

/// Checks a signatory; every offending field is named.
pub fn check(
    title: Option<&str>,
    name: Option<&str>,
    nip: Option<&str>,
    place: Option<&str>,
    signed_electronically: Option<bool>,
) -> Result<Signatory, ApiError> {
    let mut errors = Vec::new();
    let mut take = |result: Result<Option<String>, FieldError>| match result {
        Ok(value) => value,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let title = take(text::optional("title", title, 200));
    let name = take(text::optional("name", name, 200));
    let place = take(text::optional("place", place, 100));
    // As the schema's pattern says: 18 digits, nothing trimmed; null (or absent) for none.
    let nip = take(match nip {
        None => Ok(None),
        Some(n) if n.len() == 18 && n.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(n.to_owned())),
        Some(_) => Err(FieldError::new(
            "nip",
            "invalid_format",
            "must be exactly 18 digits (or null for none)",
        )),
    });
    if errors.is_empty() {
        Ok(Signatory {
            title,
            name,
            nip,
            place,
            signed_electronically,
        })
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Sets the signatory of an event: its managers (admins, its organizers); 404 for an unknown event or a draft
/// hidden from the caller.
pub async fn set_for_event(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    input: Input<Signatory>,
) -> Result<Signatory, ApiError> {
    let actor = user.clone();
    let stored = db::run(pool, move |conn| {
        let status = access_repo::event_status(conn, event_id)?
            .ok_or_else(|| ApiError::not_found("Event"))?;
        if access::hides_draft(conn, &actor, event_id, &status)? {
            return Err(ApiError::not_found("Event"));
        }
        if !access::manages_event(conn, &actor, event_id)? {
            return Err(ApiError::forbidden());
        }
        let signatory = input.open(&Permit::granted())?;
        repo::set_event(conn, event_id, &signatory)?.ok_or_else(|| ApiError::not_found("Event"))
    })
    .await?;
    tracing::info!(event.id = %event_id, actor.id = %user.id, "event signatory set");
    Ok(stored)
}

/// Sets the signatory of a program, the default of its events: admins and organizers.
pub async fn set_for_program(
    pool: &DbPool,
    user: &AuthUser,
    program_id: Uuid,
    input: Input<Signatory>,
) -> Result<Signatory, ApiError> {
    let signatory = input.open(&allow(user, &[Role::Admin, Role::Organizer])?)?;
    let stored = db::run(pool, move |conn| {
        repo::set_program(conn, program_id, &signatory)?
            .ok_or_else(|| ApiError::not_found("Program"))
    })
    .await?;
    tracing::info!(program.id = %program_id, actor.id = %user.id, "program signatory set");
    Ok(stored)
}
