//! The `sessions` table with its facilitators, and the `session_kinds` lookup table.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::exists;
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::enums::EventStatus;
use crate::domain::page::ListRequest;
use crate::domain::role::Role;
use crate::domain::sort::SessionSort;
use crate::schema::{attendance, events, session_facilitators, session_kinds, sessions, users};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct SessionRow {
    pub id: Uuid,
    pub event_id: Uuid,
    pub kind: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    pub jp: i16,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A session with its facilitators.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub row: SessionRow,
    pub facilitator_ids: Vec<Uuid>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSessionRow {
    pub id: Uuid,
    pub event_id: Uuid,
    pub kind: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<String>,
    pub jp: i16,
}

/// A partial update; `None` leaves a column as it is, `Some(None)` clears a nullable one.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = sessions)]
pub struct SessionChanges {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub location: Option<Option<String>>,
    pub jp: Option<i16>,
}

/// The filters of an event's session list.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    pub kind: Option<String>,
    /// `updated_at >= updated_since`
    pub updated_since: Option<DateTime<Utc>>,
}

fn with_facilitators(
    conn: &mut PgConnection,
    rows: Vec<SessionRow>,
) -> QueryResult<Vec<SessionView>> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let pairs: Vec<(Uuid, Uuid)> = session_facilitators::table
        .filter(session_facilitators::session_id.eq_any(&ids))
        .select((
            session_facilitators::session_id,
            session_facilitators::user_id,
        ))
        .order((
            session_facilitators::session_id,
            session_facilitators::user_id,
        ))
        .load(conn)?;
    let mut facilitators: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (session_id, user_id) in pairs {
        facilitators.entry(session_id).or_default().push(user_id);
    }
    Ok(rows
        .into_iter()
        .map(|row| SessionView {
            facilitator_ids: facilitators.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

fn filtered(event_id: Uuid, filter: &SessionFilter) -> sessions::BoxedQuery<'_, diesel::pg::Pg> {
    let mut query = sessions::table
        .filter(sessions::event_id.eq(event_id))
        .into_boxed();
    if let Some(kind) = &filter.kind {
        query = query.filter(sessions::kind.eq(kind));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(sessions::updated_at.ge(since));
    }
    query
}

/// A page of an event's sessions with their facilitators.
pub fn list(
    conn: &mut PgConnection,
    event_id: Uuid,
    request: &ListRequest<SessionFilter, SessionSort>,
) -> QueryResult<(Vec<SessionView>, i64)> {
    let filter = &request.filter;
    let total = filtered(event_id, filter).count().get_result(conn)?;
    let query = filtered(event_id, filter).select(SessionRow::as_select());
    let query = match request.sort {
        SessionSort::StartsAt => query.order((sessions::starts_at.asc(), sessions::id.asc())),
        SessionSort::StartsAtDesc => query.order((sessions::starts_at.desc(), sessions::id.desc())),
    };
    let rows = query
        .limit(request.page.limit)
        .offset(request.page.offset)
        .load(conn)?;
    Ok((with_facilitators(conn, rows)?, total))
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn find_view(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<SessionView>> {
    match find(conn, id)? {
        Some(row) => Ok(with_facilitators(conn, vec![row])?.pop()),
        None => Ok(None),
    }
}

pub fn insert(conn: &mut PgConnection, row: &NewSessionRow) -> QueryResult<SessionRow> {
    diesel::insert_into(sessions::table)
        .values(row)
        .returning(SessionRow::as_returning())
        .get_result(conn)
}

/// Applies `changes`, bumping `version` and `updated_at`.
pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &SessionChanges,
) -> QueryResult<SessionRow> {
    let empty = changes.kind.is_none()
        && changes.title.is_none()
        && changes.starts_at.is_none()
        && changes.ends_at.is_none()
        && changes.location.is_none()
        && changes.jp.is_none();
    if empty {
        return diesel::update(sessions::table.find(id))
            .set((
                sessions::version.eq(sessions::version + 1),
                sessions::updated_at.eq(diesel::dsl::now),
            ))
            .returning(SessionRow::as_returning())
            .get_result(conn);
    }
    diesel::update(sessions::table.find(id))
        .set((
            changes,
            sessions::version.eq(sessions::version + 1),
            sessions::updated_at.eq(diesel::dsl::now),
        ))
        .returning(SessionRow::as_returning())
        .get_result(conn)
}

/// Replaces the facilitators of a session.
pub fn set_facilitators(
    conn: &mut PgConnection,
    session_id: Uuid,
    user_ids: &[Uuid],
) -> QueryResult<()> {
    diesel::delete(
        session_facilitators::table.filter(session_facilitators::session_id.eq(session_id)),
    )
    .execute(conn)?;
    let rows: Vec<_> = user_ids
        .iter()
        .map(|user_id| {
            (
                session_facilitators::session_id.eq(session_id),
                session_facilitators::user_id.eq(*user_id),
            )
        })
        .collect();
    diesel::insert_into(session_facilitators::table)
        .values(&rows)
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(id)).execute(conn)
}

pub fn has_attendance(conn: &mut PgConnection, session_id: Uuid) -> QueryResult<bool> {
    diesel::select(exists(
        attendance::table.filter(attendance::session_id.eq(session_id)),
    ))
    .get_result(conn)
}

/// A row of the `session_kinds` lookup table.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = session_kinds)]
pub struct SessionKindRow {
    pub code: String,
    pub label_id: String,
    pub label_en: String,
    pub sort_order: i32,
}

/// The session kinds with their labels, in their display order.
pub fn kinds(conn: &mut PgConnection) -> QueryResult<Vec<SessionKindRow>> {
    session_kinds::table
        .select(SessionKindRow::as_select())
        .order((session_kinds::sort_order, session_kinds::code))
        .load(conn)
}

/// The session kind codes, in their display order.
pub fn kind_codes(conn: &mut PgConnection) -> QueryResult<Vec<String>> {
    session_kinds::table
        .select(session_kinds::code)
        .order((session_kinds::sort_order, session_kinds::code))
        .load(conn)
}

/// Locks the users rows of the given ids (in id order, so that concurrent writers cannot deadlock) and returns
/// (id, role) of those that exist. Held until the transaction ends: two writes that check the same facilitator
/// for overlaps take turns.
pub fn lock_users(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<(Uuid, Role)>> {
    users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::role))
        .order(users::id)
        .for_update()
        .load(conn)
}

/// The first of `user_ids` (in id order) who leads a session of a non-cancelled event that overlaps
/// `[starts_at, ends_at)`, other than `except`, with that session's id.
pub fn busy_facilitator(
    conn: &mut PgConnection,
    user_ids: &[Uuid],
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    except: Option<Uuid>,
) -> QueryResult<Option<(Uuid, Uuid)>> {
    let mut query = session_facilitators::table
        .inner_join(sessions::table.inner_join(events::table))
        .filter(session_facilitators::user_id.eq_any(user_ids))
        .filter(sessions::starts_at.lt(ends_at))
        .filter(sessions::ends_at.gt(starts_at))
        .filter(events::status.ne(EventStatus::Cancelled))
        .select((session_facilitators::user_id, sessions::id))
        .order((
            session_facilitators::user_id,
            sessions::starts_at,
            sessions::id,
        ))
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(sessions::id.ne(id));
    }
    query.first(conn).optional()
}
