//! The set-based statements of the bulk imports: whole files are looked up and written in a few statements, never
//! one round trip per row.

use std::collections::HashSet;

use diesel::prelude::*;
use diesel::upsert::excluded;
use uuid::Uuid;

use crate::repo::participants::{NewParticipantRow, ParticipantRow};
use crate::repo::units::UnitRow;
use crate::schema::{participants, units};

/// Rows per multi-row `INSERT`: 12 parameters a row stays far below PostgreSQL's 65,535 per statement.
const CHUNK: usize = 1000;

/// The participants that hold these NIPs (erased ones hold none). Not locked: an unchanged row is not written,
/// and a written one is locked by the upsert itself (a concurrent change in between counts as made before the
/// import, which then sets the file's values).
pub fn participants_by_nip(
    conn: &mut PgConnection,
    nips: &[String],
) -> QueryResult<Vec<ParticipantRow>> {
    if nips.is_empty() {
        return Ok(Vec::new());
    }
    participants::table
        .filter(participants::nip.eq_any(nips))
        .select(ParticipantRow::as_select())
        .load(conn)
}

/// Which of these unit ids exist.
pub fn existing_units(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<HashSet<Uuid>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let found: Vec<Uuid> = units::table
        .filter(units::id.eq_any(ids))
        .select(units::id)
        .load(conn)?;
    Ok(found.into_iter().collect())
}

/// Inserts new participants and updates existing ones (matched by NIP) in multi-row statements, bumping the
/// version of each updated row. With `only_unit` (a unit operator's import) an existing row of another unit is
/// left alone and missing from the answer, which the caller treats as a conflict. Returns `(id, nip)` of every
/// written row.
pub fn upsert_participants(
    conn: &mut PgConnection,
    rows: &[NewParticipantRow],
    only_unit: Option<Uuid>,
) -> QueryResult<Vec<(Uuid, Option<String>)>> {
    use participants::dsl as p;
    let mut written = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK) {
        let changes = (
            p::full_name.eq(excluded(p::full_name)),
            p::name_search.eq(excluded(p::name_search)),
            p::sex.eq(excluded(p::sex)),
            p::employee_type.eq(excluded(p::employee_type)),
            p::grade.eq(excluded(p::grade)),
            p::position.eq(excluded(p::position)),
            p::position_kind.eq(excluded(p::position_kind)),
            p::unit_id.eq(excluded(p::unit_id)),
            p::email.eq(excluded(p::email)),
            p::phone.eq(excluded(p::phone)),
            p::version.eq(p::version + 1),
            p::updated_at.eq(diesel::dsl::now),
        );
        let statement = diesel::insert_into(participants::table)
            .values(chunk)
            .on_conflict(p::nip)
            .do_update()
            .set(changes);
        let mut ids: Vec<(Uuid, Option<String>)> = match only_unit {
            Some(unit) => {
                diesel::query_dsl::methods::FilterDsl::filter(statement, p::unit_id.eq(unit))
                    .returning((p::id, p::nip))
                    .get_results(conn)?
            }
            None => statement.returning((p::id, p::nip)).get_results(conn)?,
        };
        written.append(&mut ids);
    }
    Ok(written)
}

/// The units that have these codes.
pub fn units_by_code(conn: &mut PgConnection, codes: &[String]) -> QueryResult<Vec<UnitRow>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    units::table
        .filter(units::code.eq_any(codes))
        .select(UnitRow::as_select())
        .load(conn)
}
