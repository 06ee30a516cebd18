//! `AuthUser`: the authenticated caller, extracted from `Authorization: Bearer <jwt>`.
//!
//! The signature and claims are checked synchronously, so a missing or forged token fails before any other
//! extractor of the handler; then the account is confirmed active with the token's version current
//! (deactivation, a password or role change revoke older tokens), from a short-lived cache or one indexed lookup.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use crate::db;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo;
use crate::state::AppState;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: Uuid,
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
}

impl AuthUser {
    /// Allows the call only for the listed roles (deny by default): 403 otherwise.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// The bearer token of a request: `None` when there is no `Authorization` header or it is not `Bearer`.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// What the per-request check needs of an account, as read from `users`.
#[derive(Debug, Clone)]
struct Account {
    role: Role,
    unit_id: Option<Uuid>,
    participant_id: Option<Uuid>,
    is_active: bool,
    token_version: i32,
    fetched: Instant,
}

/// A short-lived per-process cache of the accounts behind recent tokens, so an authenticated request costs no
/// extra database round trip. Changes made through this process invalidate their entry at once; changes made
/// elsewhere (another instance, the CLI) take effect within the time to live (`AUTH_CACHE_SECONDS`, 0 disables).
pub struct AuthCache {
    ttl: Duration,
    entries: RwLock<HashMap<Uuid, Account>>,
}

impl AuthCache {
    const MAX_ENTRIES: usize = 10_000;

    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    fn get(&self, id: Uuid) -> Option<Account> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.read().ok()?;
        entries
            .get(&id)
            .filter(|a| a.fetched.elapsed() < self.ttl)
            .cloned()
    }

    fn put(&self, id: Uuid, account: Account) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= Self::MAX_ENTRIES {
                entries.retain(|_, a| a.fetched.elapsed() < self.ttl);
                if entries.len() >= Self::MAX_ENTRIES {
                    entries.clear();
                }
            }
            entries.insert(id, account);
        }
    }

    /// Forgets an account: the next request with its token reads it from the database again.
    pub fn invalidate(&self, id: Uuid) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(&id);
        }
    }
}

fn admit(account: &Account, user_id: Uuid, token_version: i32) -> Result<AuthUser, ApiError> {
    if account.is_active && account.token_version == token_version {
        Ok(AuthUser {
            id: user_id,
            role: account.role,
            unit_id: account.unit_id,
            participant_id: account.participant_id,
        })
    } else {
        Err(ApiError::invalid_token())
    }
}

/// Records the caller in the request context, for the audit log (the client slot is for service accounts).
fn record_actor(user: &AuthUser) {
    crate::context::set_actor(crate::context::Actor {
        user_id: Some(user.id),
        client_id: None,
        role: Some(user.role),
    });
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let verified = match (&state, bearer_token(req)) {
            (None, _) => Err(ApiError::internal_msg("application state missing")),
            (_, None) => Err(ApiError::missing_token()),
            (Some(state), Some(token)) => state.jwt.verify(token),
        };
        Box::pin(async move {
            let verified = verified?;
            let state = state.ok_or_else(|| ApiError::internal_msg("application state missing"))?;
            let id = verified.user_id;
            // A token newer than the cached account (changed elsewhere since) is checked against the database.
            if let Some(account) = state.auth_cache.get(id)
                && account.token_version >= verified.token_version
            {
                return admit(&account, id, verified.token_version).inspect(record_actor);
            }
            let row = db::read(&state.pool, move |conn| {
                Ok(repo::users::find_auth(conn, id)?)
            })
            .await?;
            let Some(row) = row else {
                return Err(ApiError::invalid_token());
            };
            let account = Account {
                role: Role::parse(&row.role)
                    .ok_or_else(|| ApiError::internal_msg("unknown role in the database"))?,
                unit_id: row.unit_id,
                participant_id: row.participant_id,
                is_active: row.is_active,
                token_version: row.token_version,
                fetched: Instant::now(),
            };
            state.auth_cache.put(id, account.clone());
            admit(&account, id, verified.token_version).inspect(record_actor)
        })
    }
}
