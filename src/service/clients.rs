//! Service accounts (OAuth 2.0 clients of the client-credentials grant): registration, changes, secret rotation,
//! deactivation, and the client authentication and token issue of `POST /api/v1/auth/token`.
//!
//! Secrets are 256 random bits from the OS generator, shown once, stored as their SHA-256. A slow password hash
//! (argon2) protects low-entropy secrets against guessing after a database leak; a 256-bit random secret cannot be
//! guessed either way, and a fast hash keeps the token endpoint cheap (no CPU to burn for an attacker hammering it).
//! The comparison of hashes takes constant time, and an unknown client costs the same work as a wrong secret.
//!
//! Each client acts through a technical user (an administrator without a password, hidden from `/users`), so the
//! foreign keys that record who did something (`recorded_by`, `nominated_by`, ...) keep working.
//!
//! A client's technical user is a `users` row: creating, deactivating or reactivating it appends `user.*` to the
//! audit log (migration 000008). The `clients` table has no trigger: this module writes the `client.*` entries
//! itself.

use diesel::Connection;
use diesel::pg::PgConnection;
use serde_json::json;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::auth::jwt::JwtKeys;
use crate::auth::scopes::Scopes;
use crate::auth::tokens;
use crate::db;
use crate::domain::page::{Page, PageRequest};
use crate::error::ApiError;
use crate::repo::audit::{self, NewAuditEntry};
use crate::repo::clients::{
    self, ClientChanges, ClientFilter, ClientOrder, ClientRow, NewClientRow,
};
use crate::state::AppState;

/// The prefix of every client secret, so that secret scanners (and people) recognise one.
pub const SECRET_PREFIX: &str = "bimtek_cs_";

/// A checked request to register a client.
#[derive(Debug)]
pub struct NewClient {
    pub name: String,
    pub description: Option<String>,
    pub scopes: Scopes,
}

/// A checked partial update. `None` leaves a field unchanged; `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct ClientPatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub scopes: Option<Scopes>,
    pub is_active: Option<bool>,
}

/// A client row with the secret that was just generated for it (shown once).
#[derive(Debug)]
pub struct WithSecret {
    pub client: ClientRow,
    pub secret: String,
}

/// The scopes of a stored client. Words the vocabulary no longer has are dropped (they grant nothing).
pub fn scopes_of(row: &ClientRow) -> Scopes {
    Scopes::new(
        row.scope_words()
            .filter_map(crate::auth::scopes::Scope::parse),
    )
}

fn scope_words(scopes: &Scopes) -> Vec<String> {
    scopes.iter().map(|s| s.as_str().to_owned()).collect()
}

fn new_secret() -> (String, Vec<u8>) {
    let secret = format!("{SECRET_PREFIX}{}", tokens::random_token(32));
    let hash = tokens::hash_token(&secret);
    (secret, hash)
}

fn audit_entry(
    actor: &AuthUser,
    action: &str,
    id: Uuid,
    changes: serde_json::Value,
) -> NewAuditEntry {
    NewAuditEntry {
        actor_user_id: Some(actor.id),
        actor_client_id: actor.client_id,
        actor_role: Some(actor.role.as_str().to_owned()),
        action: action.to_owned(),
        resource_type: "client".to_owned(),
        resource_id: Some(id),
        participant_id: None,
        changes,
        request_id: None,
    }
}

/// Registers a client and its technical user in one transaction; the secret is returned once.
pub fn create(
    conn: &mut PgConnection,
    actor: &AuthUser,
    input: NewClient,
) -> Result<WithSecret, ApiError> {
    let (secret, secret_hash) = new_secret();
    let id = Uuid::new_v4();
    let user_id = Uuid::new_v4();
    let row = NewClientRow {
        id,
        user_id,
        name: input.name,
        description: input.description,
        scopes: scope_words(&input.scopes),
        secret_hash,
        created_by: Some(actor.id),
    };
    let client = conn.transaction(|conn| {
        clients::insert_service_user(conn, user_id, &format!("svc-{}", id.simple()))?;
        let client = clients::insert(conn, &row)?;
        audit::record(
            conn,
            &[audit_entry(
                actor,
                "client.created",
                id,
                json!({"name": {"old": null, "new": client.name},
                       "scopes": {"old": null, "new": row.scopes}}),
            )],
        )?;
        Ok::<_, ApiError>(client)
    })?;
    Ok(WithSecret { client, secret })
}

pub fn get(conn: &mut PgConnection, id: Uuid) -> Result<ClientRow, ApiError> {
    clients::find(conn, id)?.ok_or_else(|| ApiError::not_found("Client"))
}

pub fn list(
    conn: &mut PgConnection,
    filter: &ClientFilter,
    order: ClientOrder,
    page: PageRequest,
) -> Result<Page<ClientRow>, ApiError> {
    let (rows, total) = clients::list(conn, filter, order, page.limit, page.offset)?;
    Ok(Page::new(rows, total, page))
}

/// Applies a patch under optimistic concurrency. A change of scopes or a deactivation revokes every token of the
/// client at once (its token version moves), in the same transaction.
fn update_in(
    conn: &mut PgConnection,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    patch: ClientPatch,
) -> Result<ClientRow, ApiError> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let current_scopes = scopes_of(&current);
        let scopes_change = patch.scopes.as_ref().filter(|s| **s != current_scopes);
        let deactivates = patch.is_active == Some(false) && current.is_active;
        let revoke = scopes_change.is_some() || deactivates;
        let changes = ClientChanges {
            name: patch.name.clone(),
            description: patch.description.clone(),
            scopes: patch.scopes.as_ref().map(scope_words),
            is_active: patch.is_active,
            ..ClientChanges::default()
        };
        let updated = clients::update(conn, id, Some(current.version), &changes, revoke)?
            .ok_or(ApiError::PreconditionFailed)?;
        if let Some(active) = patch.is_active {
            clients::set_service_user_active(conn, updated.user_id, active)?;
        }
        let mut diff = serde_json::Map::new();
        if updated.name != current.name {
            diff.insert(
                "name".into(),
                audit::change(current.name, updated.name.clone()),
            );
        }
        if updated.description != current.description {
            diff.insert(
                "description".into(),
                audit::change(current.description, updated.description.clone()),
            );
        }
        if let Some(new) = scopes_change {
            diff.insert(
                "scopes".into(),
                audit::change(scope_words(&current_scopes), scope_words(new)),
            );
        }
        if updated.is_active != current.is_active {
            diff.insert(
                "is_active".into(),
                audit::change(current.is_active, updated.is_active),
            );
        }
        if !diff.is_empty() {
            let action = if deactivates {
                "client.deactivated"
            } else {
                "client.updated"
            };
            audit::record(
                conn,
                &[audit_entry(
                    actor,
                    action,
                    id,
                    serde_json::Value::Object(diff),
                )],
            )?;
        }
        Ok(updated)
    })
}

/// Replaces the secret (the old one stops working at once, and so do the tokens obtained with it).
fn rotate_secret_in(
    conn: &mut PgConnection,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<WithSecret, ApiError> {
    let (secret, secret_hash) = new_secret();
    let client = conn.transaction(|conn| {
        let current = get(conn, id)?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let changes = ClientChanges {
            secret_hash: Some(secret_hash),
            secret_rotated_at: Some(chrono::Utc::now()),
            ..ClientChanges::default()
        };
        let updated = clients::update(conn, id, Some(current.version), &changes, true)?
            .ok_or(ApiError::PreconditionFailed)?;
        audit::record(
            conn,
            &[audit_entry(actor, "client.secret_rotated", id, json!({}))],
        )?;
        Ok::<_, ApiError>(updated)
    })?;
    Ok(WithSecret { client, secret })
}

/// Changes a client (see [`update_in`]); this process forgets the cached client at once.
pub async fn update(
    state: &AppState,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    patch: ClientPatch,
) -> Result<ClientRow, ApiError> {
    let actor = actor.clone();
    let row = db::run(&state.pool, move |conn| {
        update_in(conn, &actor, id, expected_version, patch)
    })
    .await?;
    state.auth_cache.invalidate(id);
    Ok(row)
}

/// Deactivates a client (clients are never erased: the audit log and the records their technical user wrote refer
/// to them). Reactivate with `PATCH {"is_active": true}`.
pub async fn deactivate(
    state: &AppState,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let patch = ClientPatch {
        is_active: Some(false),
        ..ClientPatch::default()
    };
    update(state, actor, id, expected_version, patch)
        .await
        .map(|_| ())
}

/// Rotates a client's secret (see [`rotate_secret_in`]); this process forgets the cached client at once.
pub async fn rotate_secret(
    state: &AppState,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<WithSecret, ApiError> {
    let actor = actor.clone();
    let out = db::run(&state.pool, move |conn| {
        rotate_secret_in(conn, &actor, id, expected_version)
    })
    .await?;
    state.auth_cache.invalidate(id);
    Ok(out)
}

/// Compares two byte strings in time that depends on their length only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a
        .iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| acc | std::hint::black_box(x ^ y));
    std::hint::black_box(diff) == 0
}

/// Authenticates a client by id and secret. An unknown or malformed id, a wrong secret and an inactive client all
/// answer `None`, after the same work (one lookup by primary key, one SHA-256, one constant-time comparison).
pub fn authenticate(
    conn: &mut PgConnection,
    client_id: &str,
    secret: &str,
) -> Result<Option<ClientRow>, ApiError> {
    let presented = tokens::hash_token(secret);
    let id = Uuid::parse_str(client_id).unwrap_or(Uuid::nil());
    let row = clients::find(conn, id)?;
    let stored = row
        .as_ref()
        .map_or_else(|| vec![0u8; 32], |r| r.secret_hash.clone());
    let matches = constant_time_eq(&presented, &stored);
    Ok(row.filter(|r| matches && r.is_active))
}

/// Issues an access token for an authenticated client with the granted scopes, and records when it did.
pub fn issue_token(
    keys: &JwtKeys,
    conn: &mut PgConnection,
    client: &ClientRow,
    granted: &Scopes,
) -> Result<String, ApiError> {
    let token = keys.issue_client(client.id, granted, client.token_version)?;
    clients::touch_last_token(conn, client.id)?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_256_bit_random_and_stored_as_sha256() {
        let (a, hash_a) = new_secret();
        let (b, _) = new_secret();
        assert_ne!(a, b);
        assert!(a.starts_with(SECRET_PREFIX));
        assert_eq!(a.len(), SECRET_PREFIX.len() + 43);
        assert_eq!(hash_a, tokens::hash_token(&a));
        assert_eq!(hash_a.len(), 32);
    }

    #[test]
    fn constant_time_comparison_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
