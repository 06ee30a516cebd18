//! Readiness: whether the service can reach its database.

use crate::db;
use crate::error::ApiError;
use crate::repo;
use crate::service::DbPool;

/// `Ok` when a query reaches the database; 503 otherwise (any database failure here means "not ready", never a
/// 500).
pub async fn ready(pool: &DbPool) -> Result<(), ApiError> {
    db::read(pool, |conn| {
        repo::ping(conn)
            .map_err(ApiError::from)
            .map_err(|e| match e {
                ApiError::Internal(_) => ApiError::Unavailable { retry_after: 2 },
                other => other,
            })
    })
    .await
}
