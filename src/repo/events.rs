//! The `events` table with its organizers, and the counts shown with an event (sessions, approved enrollments).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::exists;
use diesel::pg::Pg;
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::enums::{EnrollmentStatus, EventKind, EventStatus};
use crate::domain::page::ListRequest;
use crate::domain::role::Role;
use crate::domain::sort::EventSort;
use crate::schema::{enrollments, event_organizers, events, programs, sessions, units, users};

diesel::define_sql_function! {
    /// SQL `lower(text)`: the title search uses the `lower(title)` trigram index.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events, check_for_backend(diesel::pg::Pg))]
pub struct EventRow {
    pub id: Uuid,
    pub title: String,
    pub kind: EventKind,
    pub program_id: Option<Uuid>,
    pub host_unit_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub capacity: i32,
    pub attendance_threshold: i16,
    pub pass_score: i16,
    pub jp_minutes: i16,
    pub legal_basis: Option<String>,
    pub description: Option<String>,
    pub status: EventStatus,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

/// An event with what is shown alongside it.
#[derive(Debug, Clone)]
pub struct EventView {
    pub row: EventRow,
    pub organizer_ids: Vec<Uuid>,
    pub session_count: i64,
    pub approved_count: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = events)]
pub struct NewEventRow {
    pub id: Uuid,
    pub title: String,
    pub kind: EventKind,
    pub program_id: Option<Uuid>,
    pub host_unit_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub capacity: i32,
    pub attendance_threshold: i16,
    pub pass_score: i16,
    pub jp_minutes: i16,
    pub legal_basis: Option<String>,
    pub description: Option<String>,
    pub created_by: Option<Uuid>,
}

/// A partial update; `None` leaves a column as it is, `Some(None)` clears a nullable one.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = events)]
pub struct EventChanges {
    pub title: Option<String>,
    pub kind: Option<EventKind>,
    pub program_id: Option<Option<Uuid>>,
    pub host_unit_id: Option<Uuid>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub capacity: Option<i32>,
    pub attendance_threshold: Option<i16>,
    pub pass_score: Option<i16>,
    pub jp_minutes: Option<i16>,
    pub legal_basis: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub status: Option<EventStatus>,
    pub archived_at: Option<Option<DateTime<Utc>>>,
}

impl EventChanges {
    /// True when the changeset would set no column (diesel refuses an empty `SET`).
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.kind.is_none()
            && self.program_id.is_none()
            && self.host_unit_id.is_none()
            && self.starts_on.is_none()
            && self.ends_on.is_none()
            && self.capacity.is_none()
            && self.attendance_threshold.is_none()
            && self.pass_score.is_none()
            && self.jp_minutes.is_none()
            && self.legal_basis.is_none()
            && self.description.is_none()
            && self.status.is_none()
            && self.archived_at.is_none()
    }
}

/// Which events a caller may see in lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Everything (administrators).
    All,
    /// Non-draft events, and the drafts this user organises.
    NonDraftOrOrganizedBy(Uuid),
    /// Non-draft events only.
    NonDraft,
}

/// The filters of the event list a caller asks for (what the caller may see is a [`Visibility`] of its own).
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub status: Option<EventStatus>,
    pub kind: Option<EventKind>,
    pub program_id: Option<Uuid>,
    pub host_unit_id: Option<Uuid>,
    pub starts_from: Option<NaiveDate>,
    pub starts_to: Option<NaiveDate>,
    /// Search text (a case-insensitive substring of the title).
    pub q: Option<String>,
    pub include_archived: bool,
    /// `updated_at >= updated_since`
    pub updated_since: Option<DateTime<Utc>>,
}

fn filtered(visibility: Visibility, filter: &EventFilter) -> events::BoxedQuery<'_, Pg> {
    let mut query = events::table.into_boxed();
    match visibility {
        Visibility::All => {}
        Visibility::NonDraft => query = query.filter(events::status.ne(EventStatus::Draft)),
        Visibility::NonDraftOrOrganizedBy(user_id) => {
            query = query.filter(
                events::status.ne(EventStatus::Draft).or(exists(
                    event_organizers::table
                        .filter(event_organizers::event_id.eq(events::id))
                        .filter(event_organizers::user_id.eq(user_id)),
                )),
            );
        }
    }
    if let Some(status) = filter.status {
        query = query.filter(events::status.eq(status));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(events::kind.eq(kind));
    }
    if let Some(id) = filter.program_id {
        query = query.filter(events::program_id.eq(id));
    }
    if let Some(id) = filter.host_unit_id {
        query = query.filter(events::host_unit_id.eq(id));
    }
    if let Some(from) = filter.starts_from {
        query = query.filter(events::starts_on.ge(from));
    }
    if let Some(to) = filter.starts_to {
        query = query.filter(events::starts_on.le(to));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(events::updated_at.ge(since));
    }
    if let Some(q) = &filter.q {
        query = query.filter(lower(events::title).like(super::like_pattern(&q.to_lowercase())));
    }
    if !filter.include_archived {
        query = query.filter(events::archived_at.is_null());
    }
    query
}

/// The number of sessions of the event of the outer query.
#[diesel::dsl::auto_type]
fn session_count_expr() -> _ {
    sessions::table
        .filter(sessions::event_id.eq(events::id))
        .count()
        .single_value()
}

/// The number of approved enrollments of the event of the outer query.
#[diesel::dsl::auto_type]
fn approved_count_expr() -> _ {
    enrollments::table
        .filter(enrollments::event_id.eq(events::id))
        // A literal: `auto_type` reads the argument's type off the expression (the column is typed text).
        .filter(enrollments::status.eq("approved"))
        .count()
        .single_value()
}

type CountedRow = (EventRow, Option<i64>, Option<i64>);

fn with_organizers(conn: &mut PgConnection, rows: Vec<CountedRow>) -> QueryResult<Vec<EventView>> {
    let ids: Vec<Uuid> = rows.iter().map(|(row, _, _)| row.id).collect();
    let mut organizers: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let pairs: Vec<(Uuid, Uuid)> = event_organizers::table
        .filter(event_organizers::event_id.eq_any(&ids))
        .select((event_organizers::event_id, event_organizers::user_id))
        .order((event_organizers::event_id, event_organizers::user_id))
        .load(conn)?;
    for (event_id, user_id) in pairs {
        organizers.entry(event_id).or_default().push(user_id);
    }
    Ok(rows
        .into_iter()
        .map(|(row, sessions, approved)| EventView {
            organizer_ids: organizers.remove(&row.id).unwrap_or_default(),
            session_count: sessions.unwrap_or(0),
            approved_count: approved.unwrap_or(0),
            row,
        })
        .collect())
}

/// A page of events with their counts (computed in the same query) and organizers (one more query).
pub fn list(
    conn: &mut PgConnection,
    visibility: Visibility,
    request: &ListRequest<EventFilter, EventSort>,
) -> QueryResult<(Vec<EventView>, i64)> {
    let filter = &request.filter;
    let total = filtered(visibility, filter).count().get_result(conn)?;
    let query = filtered(visibility, filter).select((
        EventRow::as_select(),
        session_count_expr(),
        approved_count_expr(),
    ));
    let query = match request.sort {
        EventSort::StartsOn => query.order((events::starts_on.asc(), events::id.asc())),
        EventSort::StartsOnDesc => query.order((events::starts_on.desc(), events::id.desc())),
        EventSort::Title => query.order((events::title.asc(), events::id.asc())),
        EventSort::TitleDesc => query.order((events::title.desc(), events::id.desc())),
        EventSort::CreatedAt => query.order((events::created_at.asc(), events::id.asc())),
        EventSort::CreatedAtDesc => query.order((events::created_at.desc(), events::id.desc())),
    };
    let rows: Vec<CountedRow> = query
        .limit(request.page.limit)
        .offset(request.page.offset)
        .load(conn)?;
    Ok((with_organizers(conn, rows)?, total))
}

/// One event with its counts and organizers.
pub fn find_view(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<EventView>> {
    let row: Option<CountedRow> = events::table
        .find(id)
        .select((
            EventRow::as_select(),
            session_count_expr(),
            approved_count_expr(),
        ))
        .first(conn)
        .optional()?;
    match row {
        Some(row) => Ok(with_organizers(conn, vec![row])?.pop()),
        None => Ok(None),
    }
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<EventRow>> {
    events::table
        .find(id)
        .select(EventRow::as_select())
        .first(conn)
        .optional()
}

/// Locks the event row against every concurrent write (changes, transitions, approvals) until the transaction ends.
pub fn find_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<EventRow>> {
    events::table
        .find(id)
        .select(EventRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Locks the event row against changes (dates, status) while its sessions are written; session writes of the same
/// event may proceed side by side.
pub fn find_for_share(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<EventRow>> {
    events::table
        .find(id)
        .select(EventRow::as_select())
        .for_share()
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut PgConnection, row: &NewEventRow) -> QueryResult<EventRow> {
    diesel::insert_into(events::table)
        .values(row)
        .returning(EventRow::as_returning())
        .get_result(conn)
}

/// Applies `changes`, bumping `version` and `updated_at`.
pub fn update(conn: &mut PgConnection, id: Uuid, changes: &EventChanges) -> QueryResult<EventRow> {
    if changes.is_empty() {
        return diesel::update(events::table.find(id))
            .set((
                events::version.eq(events::version + 1),
                events::updated_at.eq(diesel::dsl::now),
            ))
            .returning(EventRow::as_returning())
            .get_result(conn);
    }
    diesel::update(events::table.find(id))
        .set((
            changes,
            events::version.eq(events::version + 1),
            events::updated_at.eq(diesel::dsl::now),
        ))
        .returning(EventRow::as_returning())
        .get_result(conn)
}

/// Replaces the organizers of an event.
pub fn set_organizers(
    conn: &mut PgConnection,
    event_id: Uuid,
    user_ids: &[Uuid],
) -> QueryResult<()> {
    diesel::delete(event_organizers::table.filter(event_organizers::event_id.eq(event_id)))
        .execute(conn)?;
    let rows: Vec<_> = user_ids
        .iter()
        .map(|user_id| {
            (
                event_organizers::event_id.eq(event_id),
                event_organizers::user_id.eq(*user_id),
            )
        })
        .collect();
    diesel::insert_into(event_organizers::table)
        .values(&rows)
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(events::table.find(id)).execute(conn)
}

pub fn session_count(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<i64> {
    sessions::table
        .filter(sessions::event_id.eq(event_id))
        .count()
        .get_result(conn)
}

pub fn approved_count(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<i64> {
    enrollments::table
        .filter(enrollments::event_id.eq(event_id))
        .filter(enrollments::status.eq(EnrollmentStatus::Approved))
        .count()
        .get_result(conn)
}

pub fn has_enrollments(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<bool> {
    diesel::select(exists(
        enrollments::table.filter(enrollments::event_id.eq(event_id)),
    ))
    .get_result(conn)
}

/// Whether a session of the event lies (partly) outside `[window_start, window_end]`.
pub fn has_sessions_outside(
    conn: &mut PgConnection,
    event_id: Uuid,
    window_start: DateTime<Utc>,
    window_end: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::select(exists(
        sessions::table
            .filter(sessions::event_id.eq(event_id))
            .filter(
                sessions::starts_at
                    .lt(window_start)
                    .or(sessions::ends_at.gt(window_end)),
            ),
    ))
    .get_result(conn)
}

pub fn unit_exists(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(exists(units::table.find(id))).get_result(conn)
}

pub fn program_exists(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(exists(programs::table.find(id))).get_result(conn)
}

/// The roles of the given users that exist, as (id, role).
pub fn user_roles(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<(Uuid, Role)>> {
    users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::role))
        .load(conn)
}
