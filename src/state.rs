//! What every handler can reach: the pool, the token keys, the settings.

use crate::auth::AuthCache;
use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::db::DbPool;
use crate::metrics::Metrics;
use crate::ratelimit::LoginLimiter;

pub struct AppState {
    pub pool: DbPool,
    pub jwt: JwtKeys,
    pub auth_cache: AuthCache,
    pub settings: Settings,
    pub login_limiter: LoginLimiter,
    pub metrics: std::sync::Arc<Metrics>,
}
