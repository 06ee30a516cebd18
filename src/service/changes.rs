//! The change feed: what changed, in transaction order, from an opaque cursor.
//!
//! Rows are written by the `track_row` trigger (migration 000008) with the id of their transaction. A page holds
//! the rows after the cursor position `(txid, id)` of transactions older than the reading snapshot's `xmin`:
//! those transactions have ended, so no row can still appear before a position once a page went past it. A
//! poller therefore never misses nor repeats a change, however many writers are busy; the price is that a
//! change shows up only once every transaction older than it has ended (usually milliseconds).
//!
//! The cursor is the position, base64url-encoded with an HMAC-SHA256 tag (key derived from the JWT secret), so
//! a client cannot forge or edit one: a tampered or foreign cursor is 400 `invalid_cursor`.
//!
//! Retention: the worker's maintenance round deletes changes older than `CHANGES_RETENTION_DAYS` and records the
//! last position it deleted (the horizon). A cursor behind the horizon is refused with 410 `cursor_expired`
//! rather than answered with a page that silently lacks the deleted changes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use crate::repo::changes as repo;
use crate::service::{DbPool, Input, allow};

pub use crate::repo::changes::{Operation, ResourceKind};

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

const CURSOR_VERSION: u8 = 1;
const TAG_LEN: usize = 16;
const KEY_CONTEXT: &[u8] = b"bimtek-api change-feed cursor v1";

/// A position in the feed: the last change a client has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub txid: i64,
    pub id: i64,
}

/// Signs and checks cursors. Built from the JWT secrets: the current one signs, every configured one verifies
/// (a key rotation keeps the clients' cursors valid while the previous secret is configured).
pub struct CursorKeys {
    keys: Vec<[u8; 32]>,
}

type HmacSha256 = Hmac<Sha256>;

/// An HMAC-SHA256 keyed with `key`. HMAC accepts keys of any length, so the fallback is never taken.
fn mac(key: &[u8]) -> HmacSha256 {
    <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSha256 as Mac>::new(&Default::default()))
}

fn derive(secret: &[u8]) -> [u8; 32] {
    // A separate key per purpose: the cursor tag is never a valid token signature and vice versa.
    let mut mac = mac(secret);
    mac.update(KEY_CONTEXT);
    mac.finalize().into_bytes().into()
}

impl CursorKeys {
    /// `secrets[0]` signs; all verify.
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a [u8]>) -> Self {
        Self {
            keys: secrets.into_iter().map(derive).collect(),
        }
    }

    fn tag(key: &[u8; 32], payload: &[u8]) -> [u8; TAG_LEN] {
        let mut mac = mac(key);
        mac.update(payload);
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&full[..TAG_LEN]);
        tag
    }

    pub fn encode(&self, position: Position) -> String {
        let mut bytes = Vec::with_capacity(17 + TAG_LEN);
        bytes.push(CURSOR_VERSION);
        bytes.extend_from_slice(&position.txid.to_be_bytes());
        bytes.extend_from_slice(&position.id.to_be_bytes());
        if let Some(key) = self.keys.first() {
            let tag = Self::tag(key, &bytes);
            bytes.extend_from_slice(&tag);
        }
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The position of a cursor; `None` when it is malformed, tampered with or signed with an unknown key.
    pub fn decode(&self, cursor: &str) -> Option<Position> {
        if cursor.len() > 64 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
        if bytes.len() != 17 + TAG_LEN || bytes[0] != CURSOR_VERSION {
            return None;
        }
        let (payload, tag) = bytes.split_at(17);
        let genuine = self.keys.iter().any(|key| {
            let mut mac = mac(key);
            mac.update(payload);
            mac.verify_truncated_left(tag).is_ok()
        });
        if !genuine {
            return None;
        }
        let txid = i64::from_be_bytes(payload[1..9].try_into().ok()?);
        let id = i64::from_be_bytes(payload[9..17].try_into().ok()?);
        (txid >= 0 && id >= 0).then_some(Position { txid, id })
    }
}

/// One change.
#[derive(Debug, Clone)]
pub struct Change {
    pub resource_type: ResourceKind,
    pub resource_id: Uuid,
    pub op: Operation,
    pub changed_at: DateTime<Utc>,
}

/// A page of the feed.
#[derive(Debug, Clone)]
pub struct ChangePage {
    pub items: Vec<Change>,
    /// Where the next poll continues (the `since` given, when nothing new arrived).
    pub next: Position,
    pub has_more: bool,
}

/// A checked poll: from which position, and how many changes at most.
#[derive(Debug, Clone, Copy)]
pub struct ChangesRequest {
    pub since: Position,
    pub limit: i64,
}

/// Checks `limit`: 1-1000, default 100.
pub fn parse_limit(limit: Option<i64>, errors: &mut Vec<FieldError>) -> i64 {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.push(FieldError::new(
            "limit",
            "out_of_range",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    limit.clamp(1, MAX_LIMIT)
}

/// The cursor as sent: 400 `invalid_cursor` when it is not one this service issued.
pub fn parse_cursor(keys: &CursorKeys, since: Option<&str>) -> Result<Position, ApiError> {
    match since {
        None => Ok(Position::default()),
        Some(cursor) => keys.decode(cursor).ok_or_else(|| ApiError::BadRequest {
            code: "invalid_cursor",
            detail: "The cursor is not one this service issued (tampered with, truncated or from another \
                     installation). Start again without `since`, or use a `next_cursor` as returned."
                .to_owned(),
            errors: vec![FieldError::new(
                "since",
                "invalid_cursor",
                "must be a next_cursor returned by this endpoint",
            )],
        }),
    }
}

/// The changes after `since`, at most `limit`. A cursor behind the retention horizon is 410 `cursor_expired`
/// (changes it never saw may have been deleted); without a cursor the feed starts at the oldest change kept.
/// Administrators (and service accounts with the scope) read the feed.
pub async fn page(
    pool: &DbPool,
    user: &AuthUser,
    request: Input<ChangesRequest>,
) -> Result<ChangePage, ApiError> {
    let ChangesRequest { since, limit } = request.open(&allow(user, &[Role::Admin])?)?;
    db::read(pool, move |conn| read_page(conn, since, limit)).await
}

fn read_page(conn: &mut PgConnection, since: Position, limit: i64) -> Result<ChangePage, ApiError> {
    let (horizon_txid, horizon_id) = repo::horizon(conn)?;
    if (since.txid, since.id) < (horizon_txid, horizon_id) && since != Position::default() {
        return Err(ApiError::Gone {
            code: "cursor_expired",
            detail: "Changes after this cursor were deleted by the feed's retention \
                     (CHANGES_RETENTION_DAYS): resynchronise from the lists, then poll again without `since`."
                .into(),
        });
    }
    let mut rows = repo::after(conn, since.txid, since.id, limit + 1)?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = rows.last().map_or(since, |row| Position {
        txid: row.txid,
        id: row.id,
    });
    Ok(ChangePage {
        items: rows
            .into_iter()
            .map(|row| Change {
                resource_type: row.resource_type,
                resource_id: row.resource_id,
                op: row.op,
                changed_at: row.at,
            })
            .collect(),
        next,
        has_more,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> CursorKeys {
        CursorKeys::new([b"a secret long enough for the tests, 32+ bytes".as_slice()])
    }

    #[test]
    fn a_cursor_round_trips() {
        let position = Position {
            txid: 1_234_567,
            id: 42,
        };
        let cursor = keys().encode(position);
        assert_eq!(keys().decode(&cursor), Some(position));
        assert!(
            cursor
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }

    #[test]
    fn a_tampered_or_foreign_cursor_is_refused() {
        let cursor = keys().encode(Position { txid: 7, id: 8 });
        let mut bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
        bytes[16] ^= 1;
        assert_eq!(keys().decode(&URL_SAFE_NO_PAD.encode(&bytes)), None);
        let other = CursorKeys::new([b"another secret of another installation!!".as_slice()]);
        assert_eq!(other.decode(&cursor), None);
        for garbage in [
            "",
            "abc",
            "!!!!",
            &"A".repeat(200),
            &cursor[..cursor.len() - 1],
        ] {
            assert_eq!(keys().decode(garbage), None, "{garbage}");
        }
    }

    #[test]
    fn a_previous_secret_still_verifies() {
        let old = keys().encode(Position { txid: 1, id: 2 });
        let rotated = CursorKeys::new([
            b"the new secret after a rotation, long enough".as_slice(),
            b"a secret long enough for the tests, 32+ bytes".as_slice(),
        ]);
        assert_eq!(rotated.decode(&old), Some(Position { txid: 1, id: 2 }));
    }

    #[test]
    fn limits_are_checked() {
        let mut errors = Vec::new();
        assert_eq!(parse_limit(None, &mut errors), 100);
        assert_eq!(parse_limit(Some(1000), &mut errors), 1000);
        assert!(errors.is_empty());
        parse_limit(Some(1001), &mut errors);
        parse_limit(Some(0), &mut errors);
        assert_eq!(errors.len(), 2);
    }
}
