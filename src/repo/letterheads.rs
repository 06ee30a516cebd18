//! The `letterheads` table: the default letterhead (`unit_id` NULL) and those of units that have their own.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::schema::letterheads;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = letterheads, check_for_backend(diesel::pg::Pg))]
pub struct LetterheadRow {
    pub id: Uuid,
    pub unit_id: Option<Uuid>,
    pub heading: Vec<Option<String>>,
    pub contact: Vec<Option<String>>,
    pub logo: Option<Vec<u8>>,
    pub logo_type: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a write stores.
#[derive(Debug, Clone, AsChangeset, Insertable)]
#[diesel(table_name = letterheads, treat_none_as_null = true)]
pub struct LetterheadValues {
    pub heading: Vec<String>,
    pub contact: Vec<String>,
    pub logo: Option<Vec<u8>>,
    pub logo_type: Option<String>,
}

/// The letterhead of `unit` (`None`: the default), locked until the transaction ends when `lock`.
pub fn find(
    conn: &mut PgConnection,
    unit: Option<Uuid>,
    lock: bool,
) -> QueryResult<Option<LetterheadRow>> {
    let id: Option<Uuid> = match unit {
        Some(unit) => letterheads::table
            .filter(letterheads::unit_id.eq(unit))
            .select(letterheads::id)
            .first(conn)
            .optional()?,
        None => letterheads::table
            .filter(letterheads::unit_id.is_null())
            .select(letterheads::id)
            .first(conn)
            .optional()?,
    };
    let Some(id) = id else {
        return Ok(None);
    };
    let query = letterheads::table
        .find(id)
        .select(LetterheadRow::as_select());
    if lock {
        query.for_update().first(conn).optional()
    } else {
        query.first(conn).optional()
    }
}

/// The letterhead a unit prints: its own, else the default (one query).
pub fn effective(conn: &mut PgConnection, unit: Uuid) -> QueryResult<Option<LetterheadRow>> {
    letterheads::table
        .filter(
            letterheads::unit_id
                .eq(unit)
                .or(letterheads::unit_id.is_null()),
        )
        // The unit's own first: NULLs sort last in ascending order.
        .order(letterheads::unit_id.asc())
        .select(LetterheadRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut PgConnection,
    unit: Option<Uuid>,
    values: &LetterheadValues,
) -> QueryResult<LetterheadRow> {
    diesel::insert_into(letterheads::table)
        .values((
            letterheads::id.eq(Uuid::new_v4()),
            letterheads::unit_id.eq(unit),
            values,
        ))
        .returning(LetterheadRow::as_returning())
        .get_result(conn)
}

pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    values: &LetterheadValues,
) -> QueryResult<LetterheadRow> {
    diesel::update(letterheads::table.find(id))
        .set((
            values,
            letterheads::version.eq(letterheads::version + 1),
            letterheads::updated_at.eq(diesel::dsl::now),
        ))
        .returning(LetterheadRow::as_returning())
        .get_result(conn)
}
