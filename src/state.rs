//! What every handler can reach: the pool, the token keys, the settings.

use crate::auth::AuthCache;
use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::db::DbPool;
use crate::metrics::Metrics;
use crate::ratelimit::LoginLimiter;
use crate::service::audit_log::AccessLog;
use crate::service::changes::CursorKeys;

pub struct AppState {
    pub pool: DbPool,
    pub jwt: JwtKeys,
    pub auth_cache: AuthCache,
    pub settings: Settings,
    pub login_limiter: LoginLimiter,
    pub metrics: std::sync::Arc<Metrics>,
    /// Access events (reads of personal data) waiting to be written to the audit log.
    pub access_log: std::sync::Arc<AccessLog>,
    /// Signs and checks the change-feed cursors.
    pub cursor_keys: CursorKeys,
    /// The fonts printed documents embed, loaded at start-up.
    pub fonts: std::sync::Arc<crate::documents::Fonts>,
}
