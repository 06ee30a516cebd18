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

use std::borrow::Cow;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use diesel::Connection;
use diesel::pg::PgConnection;
use serde_json::json;
use uuid::Uuid;

use crate::auth::jwt::JwtKeys;
use crate::auth::scopes::{Scope, Scopes};
use crate::auth::tokens;
use crate::auth::{AuthCache, AuthUser};
use crate::db;
use crate::domain::page::{ListRequest, Page};
use crate::domain::role::Role;
use crate::domain::sort::ClientSort;
use crate::error::ApiError;
use crate::ratelimit::LoginLimiter;
use crate::repo::audit::{self, NewAuditEntry};
use crate::repo::clients::{self, ClientChanges, ClientRow, NewClientRow};
use crate::service::throttle;
use crate::service::{DbPool, Input, Permit, allow};

pub use crate::repo::clients::ClientFilter;

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

/// A service account as the service shows it (never its secret hash).
#[derive(Debug, Clone)]
pub struct Client {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub scopes: Scopes,
    pub is_active: bool,
    pub secret_rotated_at: DateTime<Utc>,
    pub last_token_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ClientRow> for Client {
    fn from(row: ClientRow) -> Self {
        Self {
            scopes: scopes_of(&row),
            id: row.id,
            name: row.name,
            description: row.description,
            is_active: row.is_active,
            secret_rotated_at: row.secret_rotated_at,
            last_token_at: row.last_token_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A client with the secret that was just generated for it (shown once).
#[derive(Debug)]
pub struct WithSecret {
    pub client: Client,
    pub secret: String,
}

/// A request for a page of clients.
pub type ClientList = ListRequest<ClientFilter, ClientSort>;

/// Service accounts are managed by administrators only.
fn authorize(user: &AuthUser) -> Result<Permit, ApiError> {
    allow(user, &[Role::Admin])
}

/// The scopes of a stored client. Words the vocabulary no longer has are dropped (they grant nothing).
fn scopes_of(row: &ClientRow) -> Scopes {
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
        participant_ids: Vec::new(),
        changes,
        request_id: None,
    }
}

/// Registers a client and its technical user in one transaction; the secret is returned once (and never logged).
pub async fn create(
    pool: &DbPool,
    actor: &AuthUser,
    input: Input<NewClient>,
) -> Result<WithSecret, ApiError> {
    let input = input.open(&authorize(actor)?)?;
    let audit_actor = actor.clone();
    let created = db::run(pool, move |conn| insert(conn, &audit_actor, input)).await?;
    tracing::info!(client.id = %created.client.id, actor.id = %actor.id, "client registered");
    Ok(created)
}

fn insert(
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
    Ok(WithSecret {
        client: Client::from(client),
        secret,
    })
}

fn find(conn: &mut PgConnection, id: Uuid) -> Result<ClientRow, ApiError> {
    clients::find(conn, id)?.ok_or_else(|| ApiError::not_found("Client"))
}

pub async fn get(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<Client, ApiError> {
    let _permit = authorize(user)?;
    db::read(pool, move |conn| find(conn, id).map(Client::from)).await
}

pub async fn list(
    pool: &DbPool,
    user: &AuthUser,
    request: Input<ClientList>,
) -> Result<Page<Client>, ApiError> {
    let request = request.open(&authorize(user)?)?;
    db::read(pool, move |conn| {
        let (rows, total) = clients::list(conn, &request)?;
        Ok(Page::new(rows, total, request.page).map(Client::from))
    })
    .await
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
        let current = find(conn, id)?;
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
        let current = find(conn, id)?;
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
    Ok(WithSecret {
        client: Client::from(client),
        secret,
    })
}

/// Changes a client (see [`update_in`]); `cache` (this process's) forgets the cached client at once.
pub async fn update(
    pool: &DbPool,
    cache: &AuthCache,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    patch: Input<ClientPatch>,
) -> Result<Client, ApiError> {
    let patch = patch.open(&authorize(actor)?)?;
    let changed = change(pool, cache, actor, id, expected_version, patch).await?;
    tracing::info!(client.id = %id, actor.id = %actor.id, "client changed");
    Ok(changed)
}

async fn change(
    pool: &DbPool,
    cache: &AuthCache,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    patch: ClientPatch,
) -> Result<Client, ApiError> {
    let actor = actor.clone();
    let row = db::run(pool, move |conn| {
        update_in(conn, &actor, id, expected_version, patch)
    })
    .await?;
    cache.invalidate(id);
    Ok(Client::from(row))
}

/// Deactivates a client (clients are never erased: the audit log and the records their technical user wrote refer
/// to them). Reactivate with `PATCH {"is_active": true}`.
pub async fn deactivate(
    pool: &DbPool,
    cache: &AuthCache,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let _permit = authorize(actor)?;
    let patch = ClientPatch {
        is_active: Some(false),
        ..ClientPatch::default()
    };
    change(pool, cache, actor, id, expected_version, patch).await?;
    tracing::info!(client.id = %id, actor.id = %actor.id, "client deactivated");
    Ok(())
}

/// Rotates a client's secret (see [`rotate_secret_in`]); `cache` forgets the cached client at once.
pub async fn rotate_secret(
    pool: &DbPool,
    cache: &AuthCache,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<WithSecret, ApiError> {
    let _permit = authorize(actor)?;
    let audit_actor = actor.clone();
    let out = db::run(pool, move |conn| {
        rotate_secret_in(conn, &audit_actor, id, expected_version)
    })
    .await?;
    cache.invalidate(id);
    tracing::info!(client.id = %id, actor.id = %actor.id, "client secret rotated");
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
fn authenticate(
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

/// A token request of the client-credentials grant, as the handler read it.
#[derive(Debug)]
pub struct TokenRequest {
    pub client_id: String,
    pub secret: String,
    /// The space-delimited scopes asked for; all of the client's when absent.
    pub scope: Option<String>,
}

/// A token request refused with an RFC 6749 error (`invalid_client` or `invalid_scope`).
#[derive(Debug)]
pub struct TokenRefusal {
    pub error: &'static str,
    pub description: Cow<'static, str>,
}

impl TokenRefusal {
    fn invalid_client() -> Self {
        Self {
            error: "invalid_client",
            description: Cow::Borrowed("Client authentication failed."),
        }
    }

    fn invalid_scope(description: impl Into<Cow<'static, str>>) -> Self {
        Self {
            error: "invalid_scope",
            description: description.into(),
        }
    }
}

/// An access token issued to a client.
#[derive(Debug)]
pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: i64,
    pub scopes: Scopes,
}

/// What the token grant needs besides the request: the pool, the keys, the per-process and the shared throttles.
pub struct TokenIssuer<'a> {
    pub pool: &'a DbPool,
    pub jwt: &'a JwtKeys,
    pub limiter: &'a LoginLimiter,
    pub limits: throttle::Limits,
}

/// The client-credentials grant: throttles (per client id, like logins per account), authenticates the client,
/// checks the scopes asked for against the client's, and issues a token. A refusal is an RFC 6749 error, not a
/// problem; throttling and server failures are `Err`.
pub async fn grant_token(
    issuer: TokenIssuer<'_>,
    address: IpAddr,
    request: TokenRequest,
) -> Result<Result<IssuedToken, TokenRefusal>, ApiError> {
    // Failures are counted per client id (a malformed id counts for all malformed ones), like logins per account.
    let throttle_key = match Uuid::parse_str(&request.client_id) {
        Ok(id) => format!("client:{id}"),
        Err(_) => "client:?".to_owned(),
    };
    let delay = issuer.limiter.check_account(&throttle_key)?;
    if !delay.is_zero() {
        actix_web::rt::time::sleep(delay).await;
    }
    let shared_key = throttle_key.clone();
    let limits = issuer.limits;
    let outcome = db::run(issuer.pool, move |conn| {
        throttle::admit(conn, limits, address, Some(&shared_key))?;
        let Some(client) = authenticate(conn, &request.client_id, &request.secret)? else {
            throttle::failed(conn, address, &shared_key)?;
            return Ok(Err(TokenRefusal::invalid_client()));
        };
        throttle::succeeded(conn, &shared_key)?;
        let allowed = scopes_of(&client);
        let granted = match request.scope.as_deref() {
            None => allowed.clone(),
            Some(words) => match Scopes::parse_space_delimited(words) {
                Ok(s) if !s.is_empty() => s,
                Ok(_) => allowed.clone(),
                Err(word) => {
                    let word: String = word.chars().take(50).collect();
                    return Ok(Err(TokenRefusal::invalid_scope(format!(
                        "`{word}` is not a scope of this service."
                    ))));
                }
            },
        };
        if let Some(missing) = granted.iter().find(|s: &Scope| !allowed.contains(*s)) {
            return Ok(Err(TokenRefusal::invalid_scope(format!(
                "The client may not be granted the scope `{missing}`."
            ))));
        }
        if granted.is_empty() {
            return Ok(Err(TokenRefusal::invalid_scope(
                "The client has no scope that can be granted.",
            )));
        }
        clients::touch_last_token(conn, client.id)?;
        Ok(Ok((client.id, client.token_version, granted)))
    })
    .await?;
    match outcome {
        Err(refusal) => {
            tracing::info!(
                auth.outcome = "failure",
                oauth.error = refusal.error,
                "token refused"
            );
            Ok(Err(refusal))
        }
        Ok((id, token_version, granted)) => {
            let access_token = issuer.jwt.issue_client(id, &granted, token_version)?;
            issuer.limiter.succeeded(&throttle_key);
            tracing::info!(auth.outcome = "success", client.id = %id, "client token issued");
            Ok(Ok(IssuedToken {
                access_token,
                expires_in: issuer.jwt.client_ttl_seconds(),
                scopes: granted,
            }))
        }
    }
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
