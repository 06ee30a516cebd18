//! `login_throttle`: the login limits every instance shares (fixed one-minute windows per hashed key).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Integer, Text};

/// The hits of a key in its current window, and the seconds until the window ends.
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct Window {
    #[diesel(sql_type = Integer)]
    pub hits: i32,
    #[diesel(sql_type = BigInt)]
    pub retry_after: i64,
}

/// Counts one hit of `key_hash` in `scope` (a new window when the last one is over) and returns the window.
pub fn hit(conn: &mut PgConnection, scope: &str, key_hash: &[u8]) -> QueryResult<Window> {
    diesel::sql_query(
        "INSERT INTO login_throttle AS t (scope, key_hash, hits, window_start) VALUES ($1, $2, 1, now())
         ON CONFLICT (scope, key_hash) DO UPDATE SET
             hits = CASE WHEN t.window_start <= now() - interval '1 minute' THEN 1 ELSE t.hits + 1 END,
             window_start = CASE WHEN t.window_start <= now() - interval '1 minute' THEN now()
                                 ELSE t.window_start END
         RETURNING hits,
                   greatest(1, ceil(extract(epoch FROM window_start + interval '1 minute' - now())))::int8
                       AS retry_after",
    )
    .bind::<Text, _>(scope)
    .bind::<Binary, _>(key_hash)
    .get_result(conn)
}

/// The current window of `key_hash` in `scope`, if one is running.
pub fn current(
    conn: &mut PgConnection,
    scope: &str,
    key_hash: &[u8],
) -> QueryResult<Option<Window>> {
    diesel::sql_query(
        "SELECT hits,
                greatest(1, ceil(extract(epoch FROM window_start + interval '1 minute' - now())))::int8
                    AS retry_after
         FROM login_throttle
         WHERE scope = $1 AND key_hash = $2 AND window_start > now() - interval '1 minute'",
    )
    .bind::<Text, _>(scope)
    .bind::<Binary, _>(key_hash)
    .get_result(conn)
    .optional()
}

/// Forgets `key_hash` in `scope` (a successful login clears its account's failures).
pub fn clear(conn: &mut PgConnection, scope: &str, key_hash: &[u8]) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM login_throttle WHERE scope = $1 AND key_hash = $2")
        .bind::<Text, _>(scope)
        .bind::<Binary, _>(key_hash)
        .execute(conn)
}

/// Deletes the windows that ended (the worker's maintenance round).
pub fn delete_stale(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM login_throttle WHERE window_start <= now() - interval '1 minute'",
    )
    .execute(conn)
}
