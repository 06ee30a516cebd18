//! The `idempotency_keys` table: claiming a key (with a lease), marking its effect committed (in the effect's
//! transaction), completing it with the response, releasing it, and scrubbing stored answers on an erasure.

use diesel::prelude::*;
use diesel::sql_types::{Bytea, Integer, Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::schema::idempotency_keys;

/// How long a completed key replays its response.
pub const KEY_LIFETIME_HOURS: i32 = 24;

/// A key as stored, for the request that found it taken.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct StoredKey {
    pub fingerprint: Vec<u8>,
    pub locked_until: Option<chrono::DateTime<chrono::Utc>>,
    pub response_status: Option<i16>,
    pub response_headers: Option<serde_json::Value>,
    pub response_body: Option<Vec<u8>>,
    /// When the request's effect committed (set in the effect's transaction); a key with an effect never runs
    /// again.
    pub effect_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What claiming a key found.
#[derive(Debug)]
pub enum Claim {
    /// The key is this request's now (new, expired, or its previous holder's lease ran out).
    Claimed,
    /// Another request holds or completed the key.
    Taken(StoredKey),
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    #[allow(dead_code)]
    claimed: bool,
}

/// Claims `(caller, key)` for a request with this fingerprint: inserts it in flight, or takes over a key that
/// expired (older than 24 hours) or whose in-flight holder's lease ran out before its effect committed (same
/// request only). Otherwise returns the stored key. One statement, so concurrent requests with one key see exactly one winner.
pub fn claim(
    conn: &mut PgConnection,
    caller: &str,
    key: &str,
    fingerprint: &[u8],
    lease_seconds: i32,
    lock_token: Uuid,
) -> QueryResult<Claim> {
    // A key deleted between the insert and the read (released by a 5xx, or cleaned up) is claimed again.
    for _ in 0..3 {
        let claimed = diesel::sql_query(
            "INSERT INTO idempotency_keys AS k (caller, key, fingerprint, lock_token, locked_until) \
             VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::float8)) \
             ON CONFLICT (caller, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, \
                 lock_token = EXCLUDED.lock_token, locked_until = EXCLUDED.locked_until, \
                 response_status = NULL, response_headers = NULL, response_body = NULL, \
                 created_at = now(), completed_at = NULL, effect_at = NULL, erased_at = NULL \
             WHERE k.created_at < now() - make_interval(hours => $6) \
                OR (k.response_status IS NULL AND k.locked_until < now() AND k.effect_at IS NULL \
                    AND k.fingerprint = EXCLUDED.fingerprint) \
             RETURNING true AS claimed",
        )
        .bind::<Text, _>(caller)
        .bind::<Text, _>(key)
        .bind::<Bytea, _>(fingerprint)
        .bind::<SqlUuid, _>(lock_token)
        .bind::<Integer, _>(lease_seconds)
        .bind::<Integer, _>(KEY_LIFETIME_HOURS)
        .get_results::<Claimed>(conn)?;
        if !claimed.is_empty() {
            return Ok(Claim::Claimed);
        }
        let stored = idempotency_keys::table
            .find((caller, key))
            .select(StoredKey::as_select())
            .first(conn)
            .optional()?;
        if let Some(stored) = stored {
            return Ok(Claim::Taken(stored));
        }
    }
    Err(diesel::result::Error::RollbackTransaction)
}

/// Marks the key held by this request as having taken effect: called inside the effect's transaction (by
/// `db::run`), so the mark commits with the effect or not at all. It also locks the key row until that commit, so
/// no other request can take the key over in between. 0 rows: this request no longer holds the key (its lease ran
/// out and another request took it over): the caller rolls its effect back.
pub fn mark_effect(
    conn: &mut PgConnection,
    caller: &str,
    key: &str,
    lock_token: Uuid,
) -> QueryResult<usize> {
    diesel::update(
        idempotency_keys::table
            .find((caller, key))
            .filter(idempotency_keys::lock_token.eq(lock_token))
            .filter(idempotency_keys::response_status.is_null()),
    )
    .set(idempotency_keys::effect_at.eq(diesel::dsl::now))
    .execute(conn)
}

/// Replaces every stored answer that contains one of `needles` (byte strings: an erased officer's id and personal
/// values as they appear in JSON) with `status`, `headers` and `body` (a problem document), and marks it erased.
/// The key stays taken, so a retry does not run its request again. A sequential scan of at most 24 hours of keys,
/// for a rare operation.
pub fn scrub_answers_containing(
    conn: &mut PgConnection,
    needles: &[Vec<u8>],
    status: i16,
    headers: &serde_json::Value,
    body: &[u8],
) -> QueryResult<usize> {
    use diesel::sql_types::{Array, Jsonb, SmallInt};
    if needles.is_empty() {
        return Ok(0);
    }
    diesel::sql_query(
        "UPDATE idempotency_keys k SET response_status = $2, response_headers = $3, response_body = $4, \
                erased_at = now() \
         WHERE k.response_body IS NOT NULL AND k.erased_at IS NULL \
           AND EXISTS (SELECT 1 FROM unnest($1::bytea[]) AS n(needle) \
                       WHERE position(n.needle IN k.response_body) > 0)",
    )
    .bind::<Array<Bytea>, _>(needles)
    .bind::<SmallInt, _>(status)
    .bind::<Jsonb, _>(headers)
    .bind::<Bytea, _>(body)
    .execute(conn)
}

/// Stores the response of the request that holds the key; the key then replays it.
pub fn complete(
    conn: &mut PgConnection,
    caller: &str,
    key: &str,
    lock_token: Uuid,
    status: i16,
    headers: &serde_json::Value,
    body: &[u8],
) -> QueryResult<usize> {
    diesel::update(
        idempotency_keys::table
            .find((caller, key))
            .filter(idempotency_keys::lock_token.eq(lock_token)),
    )
    .set((
        idempotency_keys::response_status.eq(status),
        idempotency_keys::response_headers.eq(headers),
        idempotency_keys::response_body.eq(body),
        idempotency_keys::locked_until.eq(None::<chrono::DateTime<chrono::Utc>>),
        idempotency_keys::completed_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
}

/// Forgets a key held by this request (its answer was a server error): the client may retry with it.
pub fn release(
    conn: &mut PgConnection,
    caller: &str,
    key: &str,
    lock_token: Uuid,
) -> QueryResult<usize> {
    diesel::delete(
        idempotency_keys::table
            .find((caller, key))
            .filter(idempotency_keys::lock_token.eq(lock_token)),
    )
    .execute(conn)
}

/// Deletes keys older than their lifetime (the worker calls this now and then).
pub fn delete_expired(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)",
    )
    .bind::<Integer, _>(KEY_LIFETIME_HOURS)
    .execute(conn)
}
