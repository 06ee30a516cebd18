//! `AuthUser`: the authenticated caller, extracted from `Authorization: Bearer <jwt>`.
//!
//! The signature and claims are checked synchronously, so a missing or forged token fails before any other
//! extractor of the handler; then the account is confirmed active with the token's version current
//! (deactivation, a password or role change revoke older tokens), from a short-lived cache or one indexed lookup.
//!
//! A service-account token (client-credentials grant) is then checked against the scope table
//! (`crate::auth::scopes`): the matched route template and method must be open to clients and the token must hold
//! the scope they need, or the answer is 403 `insufficient_scope`. This happens here, once for every handler that
//! takes an `AuthUser`, so no handler can forget it. Within its scopes a client acts as its technical user, an
//! administrator.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use std::borrow::Cow;

use crate::auth::jwt::Subject;
use crate::auth::scopes::{self, Scopes};
use crate::db;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo;
use crate::state::AppState;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user; for a service account, its technical user.
    pub id: Uuid,
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
    /// The service account (OAuth client) behind the request, if the token is a client token.
    pub client_id: Option<Uuid>,
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

/// What the per-request check needs of an account, as read from `users` (or `clients` and their users).
#[derive(Debug, Clone)]
struct Account {
    user_id: Uuid,
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
    /// By subject id and kind (`true`: a service account), so a token of one kind never finds the other's entry.
    entries: RwLock<HashMap<(Uuid, bool), Account>>,
}

impl AuthCache {
    const MAX_ENTRIES: usize = 10_000;

    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    fn get(&self, key: (Uuid, bool)) -> Option<Account> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.read().ok()?;
        entries
            .get(&key)
            .filter(|a| a.fetched.elapsed() < self.ttl)
            .cloned()
    }

    fn put(&self, key: (Uuid, bool), account: Account) {
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
            entries.insert(key, account);
        }
    }

    /// Forgets an account (a user or a service account): the next request with its token reads it from the
    /// database again.
    pub fn invalidate(&self, id: Uuid) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(&(id, false));
            entries.remove(&(id, true));
        }
    }
}

fn admit(
    account: &Account,
    client_id: Option<Uuid>,
    token_version: i32,
) -> Result<AuthUser, ApiError> {
    if account.is_active && account.token_version == token_version {
        Ok(AuthUser {
            id: account.user_id,
            role: account.role,
            unit_id: account.unit_id,
            participant_id: account.participant_id,
            client_id,
        })
    } else {
        Err(ApiError::invalid_token())
    }
}

/// Records the caller in the request context, for the audit log (the client slot is for service accounts).
fn record_actor(user: &AuthUser) {
    crate::context::set_actor(crate::context::Actor {
        user_id: Some(user.id),
        client_id: user.client_id,
        role: Some(user.role),
    });
}

/// The operation of a request as the scope table names it: the method and the matched route template.
struct Operation {
    method: String,
    route: Option<String>,
}

fn insufficient_scope(detail: String) -> ApiError {
    ApiError::Forbidden {
        code: "insufficient_scope",
        detail: Cow::Owned(detail),
    }
}

/// Deny by default: a client token passes only for an operation of the scope table whose scope it holds.
fn check_scope(operation: &Operation, scopes: &Scopes) -> Result<(), ApiError> {
    let required = operation
        .route
        .as_deref()
        .and_then(|route| scopes::required(&operation.method, route));
    match required {
        Some(scope) if scopes.contains(scope) => Ok(()),
        Some(scope) => Err(insufficient_scope(format!(
            "This operation needs the scope `{scope}`, which the token does not have."
        ))),
        None => Err(insufficient_scope(
            "This operation is not open to service accounts.".to_owned(),
        )),
    }
}

/// Reads the account behind a token from the cache or the database.
async fn account(
    state: &AppState,
    subject: &Subject,
    min_version: i32,
) -> Result<Account, ApiError> {
    let (id, key) = match subject {
        Subject::User(id) => (*id, (*id, false)),
        Subject::Client(id, _) => (*id, (*id, true)),
    };
    // A token newer than the cached account (changed elsewhere since) is checked against the database.
    if let Some(account) = state.auth_cache.get(key)
        && account.token_version >= min_version
    {
        return Ok(account);
    }
    let account = match subject {
        Subject::User(_) => {
            let row = db::read(&state.pool, move |conn| {
                Ok(repo::users::find_auth(conn, id)?)
            })
            .await?;
            // A service account's technical user has no user tokens: one that claims to be it is refused.
            let Some(row) = row.filter(|r| !r.service_account) else {
                return Err(ApiError::invalid_token());
            };
            Account {
                user_id: id,
                role: row.role,
                unit_id: row.unit_id,
                participant_id: row.participant_id,
                is_active: row.is_active,
                token_version: row.token_version,
                fetched: Instant::now(),
            }
        }
        Subject::Client(..) => {
            let row = db::read(&state.pool, move |conn| {
                Ok(repo::clients::find_auth(conn, id)?)
            })
            .await?;
            let Some(row) = row else {
                return Err(ApiError::invalid_token());
            };
            Account {
                user_id: row.user_id,
                role: Role::Admin,
                unit_id: None,
                participant_id: None,
                is_active: row.is_active,
                token_version: row.token_version,
                fetched: Instant::now(),
            }
        }
    };
    state.auth_cache.put(key, account.clone());
    Ok(account)
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let verified = match (&state, bearer_token(req)) {
            (None, _) => Err(ApiError::internal_msg("application state missing")),
            // Which one would count is anyone's guess (a proxy may read the first, another the last).
            _ if req.headers().get_all(header::AUTHORIZATION).count() > 1 => {
                Err(ApiError::BadRequest {
                    code: "multiple_authorization_headers",
                    detail: "The request has more than one Authorization header; send exactly one."
                        .to_owned(),
                    errors: Vec::new(),
                })
            }
            (_, None) => Err(ApiError::missing_token()),
            (Some(state), Some(token)) => state.jwt.verify(token),
        };
        let operation = Operation {
            method: req.method().as_str().to_owned(),
            route: req.match_pattern(),
        };
        Box::pin(async move {
            let verified = verified?;
            let state = state.ok_or_else(|| ApiError::internal_msg("application state missing"))?;
            let account = account(&state, &verified.subject, verified.token_version).await?;
            let user = match &verified.subject {
                Subject::User(_) => admit(&account, None, verified.token_version),
                Subject::Client(client_id, scopes) => {
                    let user = admit(&account, Some(*client_id), verified.token_version)?;
                    // A revoked token is 401 above; a valid one outside its scopes is 403 here.
                    check_scope(&operation, scopes)?;
                    Ok(user)
                }
            }?;
            record_actor(&user);
            Ok(user)
        })
    }
}
