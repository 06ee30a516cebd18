//! Calendar tokens (`calendar_tokens`, stored as SHA-256) and the sessions of the feeds.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Int2, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

use crate::schema::calendar_tokens;

/// Issues or replaces the token of an account.
pub fn put_token(conn: &mut PgConnection, user_id: Uuid, token_hash: &str) -> QueryResult<usize> {
    diesel::insert_into(calendar_tokens::table)
        .values((
            calendar_tokens::user_id.eq(user_id),
            calendar_tokens::token_hash.eq(token_hash),
        ))
        .on_conflict(calendar_tokens::user_id)
        .do_update()
        .set((
            calendar_tokens::token_hash.eq(token_hash),
            calendar_tokens::created_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
}

pub fn delete_token(conn: &mut PgConnection, user_id: Uuid) -> QueryResult<usize> {
    diesel::delete(calendar_tokens::table.find(user_id)).execute(conn)
}

/// The tokens of the accounts of an officer (an erasure).
pub fn delete_tokens_of_participant(
    conn: &mut PgConnection,
    participant_id: Uuid,
) -> QueryResult<usize> {
    use crate::schema::users;
    diesel::delete(
        calendar_tokens::table.filter(
            calendar_tokens::user_id.eq_any(
                users::table
                    .filter(users::participant_id.eq(participant_id))
                    .select(users::id),
            ),
        ),
    )
    .execute(conn)
}

/// The active account holding this token, and its officer.
pub fn holder(
    conn: &mut PgConnection,
    token_hash: &str,
) -> QueryResult<Option<(Uuid, Option<Uuid>)>> {
    use crate::schema::users;
    calendar_tokens::table
        .inner_join(users::table)
        .filter(calendar_tokens::token_hash.eq(token_hash))
        .filter(users::is_active.eq(true))
        .select((users::id, users::participant_id))
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, QueryableByName)]
pub struct FeedRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub event_title: String,
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub ends_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub location: String,
    #[diesel(sql_type = Int2)]
    pub jp: i16,
    #[diesel(sql_type = Bool)]
    pub cancelled: bool,
    #[diesel(sql_type = Integer)]
    pub sequence: i32,
    #[diesel(sql_type = Timestamptz)]
    pub changed_at: DateTime<Utc>,
}

const FEED_COLUMNS: &str = "s.id, s.title, x.title AS event_title, s.starts_at, s.ends_at,
    coalesce(s.location, h.name) AS location, s.jp, x.status = 'cancelled' AS cancelled,
    (s.version - 1) + (x.version - 1) AS sequence, greatest(s.updated_at, x.updated_at) AS changed_at
    FROM sessions s JOIN events x ON x.id = s.event_id JOIN units h ON h.id = x.host_unit_id";

/// The sessions of an account's feed (events that are not drafts): those the account leads as facilitator, those
/// of the events it organizes, and those of the events its officer (`participant_id`) is approved in.
pub fn sessions_of(
    conn: &mut PgConnection,
    user_id: Uuid,
    participant_id: Option<Uuid>,
) -> QueryResult<Vec<FeedRow>> {
    diesel::sql_query(format!(
        "SELECT {FEED_COLUMNS}
         WHERE x.status <> 'draft' AND (
               s.id IN (SELECT session_id FROM session_facilitators WHERE user_id = $1)
            OR x.id IN (SELECT event_id FROM event_organizers WHERE user_id = $1)
            OR x.id IN (SELECT event_id FROM enrollments WHERE participant_id = $2 AND status = 'approved'))
         ORDER BY s.starts_at, s.id"
    ))
    .bind::<SqlUuid, _>(user_id)
    .bind::<Nullable<SqlUuid>, _>(participant_id)
    .load(conn)
}

/// The sessions of an event, and whether the event may be shown (not a draft); `None` for an unknown event.
pub fn sessions_of_event(
    conn: &mut PgConnection,
    event_id: Uuid,
) -> QueryResult<Option<(String, Vec<FeedRow>)>> {
    use crate::schema::events;
    let event: Option<(String, String)> = events::table
        .find(event_id)
        .select((events::title, events::status))
        .first(conn)
        .optional()?;
    let Some((title, status)) = event else {
        return Ok(None);
    };
    if status == "draft" {
        return Ok(None);
    }
    let rows = diesel::sql_query(format!(
        "SELECT {FEED_COLUMNS} WHERE x.id = $1 ORDER BY s.starts_at, s.id"
    ))
    .bind::<SqlUuid, _>(event_id)
    .load(conn)?;
    Ok(Some((title, rows)))
}
