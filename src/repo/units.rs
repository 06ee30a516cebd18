//! The `units` table: the Kanwil and its technical units (UPT).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::exists;
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::enums::{UnitClass, UnitType};
use crate::domain::page::ListRequest;
use crate::domain::sort::UnitSort;
use crate::schema::{event_unit_quotas, events, participants, units, users};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = units, check_for_backend(diesel::pg::Pg))]
pub struct UnitRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub unit_type: UnitType,
    pub class: Option<UnitClass>,
    pub parent_id: Option<Uuid>,
    pub external_code: Option<String>,
    pub active_from: Option<NaiveDate>,
    pub active_until: Option<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = units)]
pub struct NewUnitRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub unit_type: UnitType,
    pub class: Option<UnitClass>,
    pub parent_id: Option<Uuid>,
    pub external_code: Option<String>,
    pub active_from: Option<NaiveDate>,
    pub active_until: Option<NaiveDate>,
}

/// A partial update; `None` leaves a column as it is, `Some(None)` clears a nullable one.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = units)]
pub struct UnitChanges {
    pub code: Option<String>,
    pub name: Option<String>,
    pub unit_type: Option<UnitType>,
    pub class: Option<Option<UnitClass>>,
    pub parent_id: Option<Option<Uuid>>,
    pub external_code: Option<Option<String>>,
    pub active_from: Option<Option<NaiveDate>>,
    pub active_until: Option<Option<NaiveDate>>,
    pub archived_at: Option<Option<DateTime<Utc>>>,
}

#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub unit_type: Option<UnitType>,
    pub parent_id: Option<Uuid>,
    pub q: Option<String>,
    /// Exactly this external code (the integration key).
    pub external_code: Option<String>,
    pub active_on: Option<NaiveDate>,
    pub include_archived: bool,
    /// `updated_at >= updated_since`
    pub updated_since: Option<DateTime<Utc>>,
}

/// The type, parent and archive time of a unit: what the hierarchy rules look at.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = units, check_for_backend(diesel::pg::Pg))]
pub struct UnitLink {
    pub id: Uuid,
    pub unit_type: UnitType,
    pub parent_id: Option<Uuid>,
    pub archived_at: Option<DateTime<Utc>>,
}

/// What still refers to a unit.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnitReferences {
    pub participants: bool,
    pub users: bool,
    pub events: bool,
    pub quotas: bool,
    pub children: bool,
}

impl UnitReferences {
    pub fn any(self) -> bool {
        self.participants || self.users || self.events || self.quotas || self.children
    }
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<UnitRow>> {
    units::table
        .find(id)
        .select(UnitRow::as_select())
        .first(conn)
        .optional()
}

/// Reads and locks the row for a change (`FOR UPDATE`).
pub fn find_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<UnitRow>> {
    units::table
        .find(id)
        .select(UnitRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Reads a prospective parent and locks it against changes (`FOR SHARE`) until the transaction ends, so its
/// type cannot change under a new child.
pub fn find_link_for_share(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<UnitLink>> {
    units::table
        .find(id)
        .select(UnitLink::as_select())
        .for_share()
        .first(conn)
        .optional()
}

pub fn parent_of(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Option<Uuid>>> {
    units::table
        .find(id)
        .select(units::parent_id)
        .first(conn)
        .optional()
}

/// The distinct types of the direct children of a unit.
pub fn child_types(conn: &mut PgConnection, id: Uuid) -> QueryResult<Vec<UnitType>> {
    units::table
        .filter(units::parent_id.eq(id))
        .select(units::unit_type)
        .distinct()
        .load(conn)
}

pub fn references(conn: &mut PgConnection, id: Uuid) -> QueryResult<UnitReferences> {
    let (participants, users, events, quotas, children) = diesel::select((
        exists(participants::table.filter(participants::unit_id.eq(id))),
        exists(users::table.filter(users::unit_id.eq(id))),
        exists(events::table.filter(events::host_unit_id.eq(id))),
        exists(event_unit_quotas::table.filter(event_unit_quotas::unit_id.eq(id))),
        exists(units::table.filter(units::parent_id.eq(id))),
    ))
    .get_result::<(bool, bool, bool, bool, bool)>(conn)?;
    Ok(UnitReferences {
        participants,
        users,
        events,
        quotas,
        children,
    })
}

pub fn insert(conn: &mut PgConnection, row: &NewUnitRow) -> QueryResult<UnitRow> {
    diesel::insert_into(units::table)
        .values(row)
        .returning(UnitRow::as_returning())
        .get_result(conn)
}

/// Applies `changes`, bumping `version` and `updated_at`. `None` when the row is gone.
pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &UnitChanges,
) -> QueryResult<Option<UnitRow>> {
    diesel::update(units::table.find(id))
        .set((
            changes,
            units::version.eq(units::version + 1),
            units::updated_at.eq(diesel::dsl::now),
        ))
        .returning(UnitRow::as_returning())
        .get_result(conn)
        .optional()
}

pub fn delete(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(units::table.find(id)).execute(conn)
}

fn filtered<'a>(filter: &'a UnitFilter) -> units::BoxedQuery<'a, diesel::pg::Pg> {
    let mut query = units::table.into_boxed();
    if !filter.include_archived {
        query = query.filter(units::archived_at.is_null());
    }
    if let Some(unit_type) = filter.unit_type {
        query = query.filter(units::unit_type.eq(unit_type));
    }
    if let Some(parent_id) = filter.parent_id {
        query = query.filter(units::parent_id.eq(parent_id));
    }
    if let Some(code) = &filter.external_code {
        query = query.filter(units::external_code.eq(code));
    }
    if let Some(day) = filter.active_on {
        query = query
            .filter(units::active_from.is_null().or(units::active_from.le(day)))
            .filter(
                units::active_until
                    .is_null()
                    .or(units::active_until.ge(day)),
            );
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(units::updated_at.ge(since));
    }
    if let Some(q) = &filter.q {
        let pattern = super::like_pattern(q);
        query = query.filter(
            units::code
                .ilike(pattern.clone())
                .or(units::name.ilike(pattern)),
        );
    }
    query
}

pub fn list(
    conn: &mut PgConnection,
    request: &ListRequest<UnitFilter, UnitSort>,
) -> QueryResult<(Vec<UnitRow>, i64)> {
    let filter = &request.filter;
    let total = filtered(filter).count().get_result(conn)?;
    let query = filtered(filter).select(UnitRow::as_select());
    let query = match request.sort {
        UnitSort::Code => query.order((units::code.asc(), units::id.asc())),
        UnitSort::CodeDesc => query.order((units::code.desc(), units::id.desc())),
        UnitSort::Name => query.order((units::name.asc(), units::id.asc())),
        UnitSort::NameDesc => query.order((units::name.desc(), units::id.desc())),
        UnitSort::CreatedAt => query.order((units::created_at.asc(), units::id.asc())),
        UnitSort::CreatedAtDesc => query.order((units::created_at.desc(), units::id.desc())),
    };
    let rows = query
        .limit(request.page.limit)
        .offset(request.page.offset)
        .load(conn)?;
    Ok((rows, total))
}
