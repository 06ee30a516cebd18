//! Calendar feeds: a private feed per account (the sessions it leads, those of the events it organizes and those of
//! the events its officer is approved in) behind a random token, and a public feed per event that is not a draft.
//! The feeds themselves are `domain::calendar`'s. No trigger is involved: the token (stored as its SHA-256 in
//! `calendar_tokens`, migration 000023) is issued, rotated and revoked here, each recorded in the audit log
//! (`calendar_token.issued`, `calendar_token.revoked`) without the token. An erasure of the officer deletes the
//! tokens of their accounts (`service::participants::erase`).
//!
//! An unknown or rotated token is 404, the same answer as for a token that never existed.

use serde_json::json;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::auth::tokens::{hash_token, random_token};
use crate::db;
use crate::domain::calendar::{CheckInWindow, FeedSession, render};
use crate::error::ApiError;
use crate::repo::audit::{self, NewAuditEntry};
use crate::repo::calendar::{self as repo, FeedRow};
use crate::service::DbPool;
use crate::service::attendance::{CHECK_IN_OPENS_BEFORE_MINUTES, LATE_AFTER_MINUTES};

const WINDOW: CheckInWindow = CheckInWindow {
    opens_before_minutes: CHECK_IN_OPENS_BEFORE_MINUTES,
    late_after_minutes: LATE_AFTER_MINUTES,
};

fn stored(token: &str) -> String {
    hash_token(token)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn entry(user: &AuthUser, action: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor_user_id: Some(user.id),
        actor_client_id: user.client_id,
        actor_role: Some(user.role.as_str().to_owned()),
        action: action.to_owned(),
        resource_type: "user".to_owned(),
        resource_id: Some(user.id),
        participant_id: user.participant_id,
        changes: json!({}),
        participant_ids: Vec::new(),
        request_id: crate::context::current().and_then(|c| c.request_id),
    }
}

/// Issues the caller's feed token, replacing (and so revoking) an earlier one. Returned once.
pub async fn issue_token(pool: &DbPool, user: &AuthUser) -> Result<String, ApiError> {
    let user = user.clone();
    let token = random_token(32);
    let hash = stored(&token);
    db::run(pool, move |conn| {
        use diesel::Connection;
        conn.transaction(|conn| {
            repo::put_token(conn, user.id, &hash)?;
            audit::record(conn, &[entry(&user, "calendar_token.issued")])?;
            Ok(())
        })
    })
    .await?;
    Ok(token)
}

/// Revokes the caller's feed token (none: nothing to do).
pub async fn revoke_token(pool: &DbPool, user: &AuthUser) -> Result<(), ApiError> {
    let user = user.clone();
    db::run(pool, move |conn| {
        use diesel::Connection;
        conn.transaction(|conn| {
            if repo::delete_token(conn, user.id)? > 0 {
                audit::record(conn, &[entry(&user, "calendar_token.revoked")])?;
            }
            Ok(())
        })
    })
    .await
}

fn sessions(rows: Vec<FeedRow>) -> Vec<FeedSession> {
    rows.into_iter()
        .map(|r| FeedSession {
            id: r.id,
            title: r.title,
            event_title: r.event_title,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            location: r.location,
            jp: r.jp,
            cancelled: r.cancelled,
            sequence: u32::try_from(r.sequence).unwrap_or(0),
            changed_at: r.changed_at,
        })
        .collect()
}

fn unknown() -> ApiError {
    ApiError::not_found("Calendar")
}

/// The private feed a token opens.
pub async fn feed(pool: &DbPool, token: String) -> Result<String, ApiError> {
    let hash = stored(&token);
    let rows = db::read(pool, move |conn| {
        let (user_id, participant_id) = repo::holder(conn, &hash)?.ok_or_else(unknown)?;
        Ok(repo::sessions_of(conn, user_id, participant_id)?)
    })
    .await?;
    Ok(render("Jadwal Bimtek", &sessions(rows), WINDOW))
}

/// The public feed of an event that is not a draft (a draft or an unknown event: 404).
pub async fn event_feed(pool: &DbPool, event_id: Uuid) -> Result<String, ApiError> {
    let (title, rows) = db::read(pool, move |conn| {
        repo::sessions_of_event(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))
    })
    .await?;
    Ok(render(&title, &sessions(rows), WINDOW))
}
