//! The `programs` table: training tracks that group events.

use chrono::{DateTime, Utc};
use diesel::dsl::exists;
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::page::ListRequest;
use crate::domain::sort::ProgramSort;
use crate::schema::{events, programs};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = programs, check_for_backend(diesel::pg::Pg))]
pub struct ProgramRow {
    pub id: Uuid,
    pub name: String,
    pub year: i32,
    pub description: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

/// A program with the number of its events.
#[derive(Debug, Clone)]
pub struct ProgramWithCount {
    pub program: ProgramRow,
    pub event_count: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = programs)]
pub struct NewProgramRow {
    pub id: Uuid,
    pub name: String,
    pub year: i32,
    pub description: Option<String>,
}

/// A partial update; `None` leaves a column as it is, `Some(None)` clears a nullable one.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = programs)]
pub struct ProgramChanges {
    pub name: Option<String>,
    pub year: Option<i32>,
    pub description: Option<Option<String>>,
    pub archived_at: Option<Option<DateTime<Utc>>>,
}

#[derive(Debug, Clone, Default)]
pub struct ProgramFilter {
    pub year: Option<i32>,
    pub q: Option<String>,
    pub include_archived: bool,
}

/// The number of events of the program in the outer query, as a correlated subquery (one query for a whole page).
macro_rules! event_count {
    () => {
        events::table
            .filter(events::program_id.eq(programs::id.nullable()))
            .count()
            .single_value()
    };
}

fn with_count(row: (ProgramRow, Option<i64>)) -> ProgramWithCount {
    ProgramWithCount {
        program: row.0,
        event_count: row.1.unwrap_or(0),
    }
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ProgramWithCount>> {
    programs::table
        .find(id)
        .select((ProgramRow::as_select(), event_count!()))
        .first::<(ProgramRow, Option<i64>)>(conn)
        .optional()
        .map(|row| row.map(with_count))
}

/// Reads and locks the row for a change (`FOR UPDATE`).
pub fn find_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ProgramRow>> {
    programs::table
        .find(id)
        .select(ProgramRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn has_events(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(exists(events::table.filter(events::program_id.eq(id)))).get_result(conn)
}

pub fn insert(conn: &mut PgConnection, row: &NewProgramRow) -> QueryResult<ProgramRow> {
    diesel::insert_into(programs::table)
        .values(row)
        .returning(ProgramRow::as_returning())
        .get_result(conn)
}

/// Applies `changes`, bumping `version` and `updated_at`. `None` when the row is gone.
pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &ProgramChanges,
) -> QueryResult<Option<ProgramRow>> {
    diesel::update(programs::table.find(id))
        .set((
            changes,
            programs::version.eq(programs::version + 1),
            programs::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ProgramRow::as_returning())
        .get_result(conn)
        .optional()
}

pub fn delete(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(programs::table.find(id)).execute(conn)
}

fn filtered<'a>(filter: &'a ProgramFilter) -> programs::BoxedQuery<'a, diesel::pg::Pg> {
    let mut query = programs::table.into_boxed();
    if !filter.include_archived {
        query = query.filter(programs::archived_at.is_null());
    }
    if let Some(year) = filter.year {
        query = query.filter(programs::year.eq(year));
    }
    if let Some(q) = &filter.q {
        query = query.filter(programs::name.ilike(super::like_pattern(q)));
    }
    query
}

pub fn list(
    conn: &mut PgConnection,
    request: &ListRequest<ProgramFilter, ProgramSort>,
) -> QueryResult<(Vec<ProgramWithCount>, i64)> {
    let filter = &request.filter;
    let total = filtered(filter).count().get_result(conn)?;
    let query = filtered(filter).select((ProgramRow::as_select(), event_count!()));
    let query = match request.sort {
        ProgramSort::Name => query.order((programs::name.asc(), programs::id.asc())),
        ProgramSort::NameDesc => query.order((programs::name.desc(), programs::id.desc())),
        ProgramSort::Year => query.order((
            programs::year.asc(),
            programs::name.asc(),
            programs::id.asc(),
        )),
        ProgramSort::YearDesc => query.order((
            programs::year.desc(),
            programs::name.desc(),
            programs::id.desc(),
        )),
        ProgramSort::CreatedAt => query.order((programs::created_at.asc(), programs::id.asc())),
        ProgramSort::CreatedAtDesc => {
            query.order((programs::created_at.desc(), programs::id.desc()))
        }
    };
    let rows = query
        .limit(request.page.limit)
        .offset(request.page.offset)
        .load::<(ProgramRow, Option<i64>)>(conn)?;
    Ok((rows.into_iter().map(with_count).collect(), total))
}
