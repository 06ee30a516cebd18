//! The PostgreSQL pool, the embedded migrations, and `run`: the one way handlers reach the database.
//!
//! Checkout and queries both block, so both happen inside `web::block`, with the request's span carried into the
//! blocking thread. The pool does not ping on checkout (that round trip costs about 40% of a one-row read);
//! instead a connection that failed with a connection-level error is marked broken and dropped on return.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::web;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, R2D2Connection};
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::Settings;
use crate::context::{self, RequestContext};
use crate::error::ApiError;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A pooled PostgreSQL connection that remembers whether it lost its server.
pub struct Conn {
    inner: PgConnection,
    broken: bool,
}

impl Deref for Conn {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.inner
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.inner
    }
}

/// An r2d2 manager for [`Conn`].
#[derive(Debug)]
pub struct Manager {
    url: String,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Conn, r2d2::Error> {
        PgConnection::establish(&self.url)
            .map(|inner| Conn {
                inner,
                broken: false,
            })
            .map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), r2d2::Error> {
        conn.inner.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.broken || std::thread::panicking() || conn.inner.is_broken()
    }
}

pub type DbPool = r2d2::Pool<Manager>;

/// Adds libpq options that keep a dead server from hanging a connect: a connect timeout and TCP keepalives.
fn with_connect_options(url: &str) -> String {
    let mut url = url.to_owned();
    for (key, value) in [
        ("connect_timeout", "2"),
        ("keepalives_idle", "30"),
        ("application_name", "bimtek-api"),
        // Prepared statements keep their generic plan: with LIMIT/OFFSET as parameters the planner otherwise
        // judges the generic plan costlier and re-plans every list query (half of PostgreSQL's CPU under load).
        ("options", "-c%20plan_cache_mode%3Dforce_generic_plan"),
    ] {
        if !url.contains(&format!("{key}=")) {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(key);
            url.push('=');
            url.push_str(value);
        }
    }
    url
}

/// Builds the pool without waiting for the database: the service starts, and `/health/ready` says when it is usable.
pub fn build_pool(settings: &Settings) -> DbPool {
    let manager = Manager {
        url: with_connect_options(settings.database_url()),
    };
    r2d2::Pool::builder()
        .max_size(settings.db_pool_size)
        .min_idle(Some(settings.db_pool_size.min(2)))
        .test_on_check_out(false)
        .connection_timeout(settings.db_pool_timeout)
        .idle_timeout(Some(Duration::from_secs(300)))
        .max_lifetime(Some(Duration::from_secs(1800)))
        .build_unchecked(manager)
}

/// Runs the pending migrations under an advisory lock, so that several instances starting at once take turns.
pub fn run_migrations(conn: &mut PgConnection) -> Result<usize, ApiError> {
    const LOCK_KEY: i64 = 0x6269_6d74_656b; // "bimtek"
    diesel::sql_query(format!("SELECT pg_advisory_lock({LOCK_KEY})")).execute(conn)?;
    let result = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|applied| applied.len())
        .map_err(ApiError::Internal);
    diesel::sql_query(format!("SELECT pg_advisory_unlock({LOCK_KEY})")).execute(conn)?;
    result
}

/// Hands the request's actor and id to the audit triggers: one statement setting the session variables the
/// triggers read (`current_setting('bimtek.actor_user_id', true)`, ...). Empty strings when absent, so that a
/// pooled connection never carries an earlier request's actor into a write.
fn set_session_context(
    conn: &mut PgConnection,
    context: Option<&RequestContext>,
) -> Result<(), ApiError> {
    use diesel::sql_types::Text;
    let actor = context.and_then(|c| c.actor.as_ref());
    let text = |id: Option<uuid::Uuid>| id.map(|id| id.to_string()).unwrap_or_default();
    diesel::sql_query(
        "SELECT set_config('bimtek.actor_user_id', $1, false), set_config('bimtek.actor_client_id', $2, false), \
                set_config('bimtek.actor_role', $3, false), set_config('bimtek.request_id', $4, false)",
    )
    .bind::<Text, _>(text(actor.and_then(|a| a.user_id)))
    .bind::<Text, _>(text(actor.and_then(|a| a.client_id)))
    .bind::<Text, _>(
        actor
            .and_then(|a| a.role)
            .map(|r| r.as_str())
            .unwrap_or_default(),
    )
    .bind::<Text, _>(
        context
            .and_then(|c| c.request_id.as_deref())
            .unwrap_or_default(),
    )
    .execute(conn)?;
    Ok(())
}

/// Requests of this process waiting for a pooled connection right now (the `bimtek_db_pool_waiting` gauge).
static WAITING: AtomicU64 = AtomicU64::new(0);

/// How many requests are waiting for a pooled connection.
pub fn waiting() -> u64 {
    WAITING.load(Ordering::Relaxed)
}

/// A connection from the pool, counted in [`waiting`] while the checkout blocks (up to the checkout timeout).
fn checkout(pool: &DbPool) -> Result<r2d2::PooledConnection<Manager>, r2d2::PoolError> {
    struct Waiting;
    impl Drop for Waiting {
        fn drop(&mut self) {
            WAITING.fetch_sub(1, Ordering::Relaxed);
        }
    }
    WAITING.fetch_add(1, Ordering::Relaxed);
    let _waiting = Waiting;
    pool.get()
}

/// Runs `f` on a pooled connection in the blocking thread pool. Writes go through here: no retry. The request
/// context (actor, request id) is set on the connection first, for the audit log.
///
/// In a request that holds an `Idempotency-Key` (the context's `idempotency`), `f` runs inside one transaction
/// that also marks the key as having taken effect (`repo::idempotency::mark_effect`), so the effect and its key
/// are one commit: a crash after it never lets a retry repeat the effect. The service's own transactions become
/// savepoints of it; an error from `f` rolls all of it back. When the request lost its key (its lease ran out and
/// a retry took the key over), the effect is rolled back with 409 `idempotency_request_in_flight`.
pub async fn run<F, T>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    let context = context::current();
    web::block(move || {
        let _entered = span.enter();
        let mut conn = checkout(&pool)?;
        let claim = context.as_ref().and_then(|c| c.idempotency.clone());
        let result = set_session_context(&mut conn, context.as_ref());
        let _context = context::enter_blocking(context);
        let result = result.and_then(|()| match claim {
            None => f(&mut conn),
            Some(claim) => conn.transaction(|conn| {
                let out = f(conn)?;
                let marked = crate::repo::idempotency::mark_effect(
                    conn,
                    &claim.caller,
                    &claim.key,
                    claim.lock_token,
                )?;
                if marked == 0 {
                    return Err(ApiError::conflict(
                        "idempotency_request_in_flight",
                        "Another request took over this Idempotency-Key; this one was rolled back.",
                    ));
                }
                Ok(out)
            }),
        });
        mark_if_lost(&mut conn, &result);
        result
    })
    .await?
}

/// Like [`run`] for reads (no session context: reads fire no audit trigger): when the pooled connection turns out to be dead (the database restarted since it was
/// opened), the read is retried once on a fresh connection instead of failing the request.
pub async fn read<F, T>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: Fn(&mut PgConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    let context = context::current();
    web::block(move || {
        let _entered = span.enter();
        let _context = context::enter_blocking(context);
        let mut conn = checkout(&pool)?;
        let result = f(&mut conn);
        if !mark_if_lost(&mut conn, &result) {
            return result;
        }
        drop(conn);
        tracing::info!("retrying a read on a fresh connection after a lost connection");
        let mut conn = checkout(&pool)?;
        let result = f(&mut conn);
        mark_if_lost(&mut conn, &result);
        result
    })
    .await?
}

/// Marks the connection broken when the result says the server is gone. An unexpected error (500) could also hide
/// a dead connection under an unfamiliar message: then one ping decides (errors are rare, the ping is cheap).
fn mark_if_lost<T>(
    conn: &mut r2d2::PooledConnection<Manager>,
    result: &Result<T, ApiError>,
) -> bool {
    let lost = match result {
        Err(ApiError::Unavailable { .. }) => true,
        Err(ApiError::Internal(_)) => conn.inner.ping().is_err(),
        _ => false,
    };
    if lost {
        conn.broken = true;
    }
    lost
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_options_are_added_once() {
        let url = with_connect_options("postgres://u@h/db");
        assert_eq!(
            url,
            "postgres://u@h/db?connect_timeout=2&keepalives_idle=30&application_name=bimtek-api\
             &options=-c%20plan_cache_mode%3Dforce_generic_plan"
        );
        let url = with_connect_options("postgres://u@h/db?connect_timeout=5");
        assert!(url.starts_with("postgres://u@h/db?connect_timeout=5&keepalives_idle=30"));
    }
}
