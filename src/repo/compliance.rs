//! The rows of the JP compliance lists: every active officer (of one unit, or of the whole Kanwil) with each of
//! their trainings of the year, as `repo::results` computes them; `service::compliance` adds the JP up by the rule
//! of `domain::jp`.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::domain::enums::{EmployeeType, EventStatus, Outcome};
use crate::repo::results::{self, LineFigures, Officers};

/// An active officer and one of their trainings ending in the year (`event_status` null: none that year).
#[derive(Debug, Clone, QueryableByName)]
pub struct ComplianceRow {
    #[diesel(sql_type = SqlUuid)]
    pub participant_id: Uuid,
    #[diesel(sql_type = Text)]
    pub full_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub nip: Option<String>,
    #[diesel(sql_type = Text)]
    pub employee_type: EmployeeType,
    #[diesel(sql_type = SqlUuid)]
    pub unit_id: Uuid,
    #[diesel(sql_type = Text)]
    pub unit_code: String,
    #[diesel(sql_type = Text)]
    pub unit_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub event_status: Option<EventStatus>,
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome: Option<Outcome>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub jp_earned: Option<i64>,
}

/// An active officer as the lists name them.
#[derive(Debug, Clone, QueryableByName)]
struct Officer {
    #[diesel(sql_type = SqlUuid)]
    participant_id: Uuid,
    #[diesel(sql_type = Text)]
    full_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    nip: Option<String>,
    #[diesel(sql_type = Text)]
    employee_type: EmployeeType,
    #[diesel(sql_type = SqlUuid)]
    unit_id: Uuid,
    #[diesel(sql_type = Text)]
    unit_code: String,
    #[diesel(sql_type = Text)]
    unit_name: String,
}

/// Every active officer (not archived, not erased) of `unit_id` (of every unit when `None`) with their approved
/// enrollments in events ending in `year` that are not drafts, by name then id (an officer's rows together; one
/// row without an event for an officer without any). The figures are those of `repo::results::figures`: the
/// events' stored result lines where valid, computed where not.
pub fn officers_year(
    conn: &mut PgConnection,
    unit_id: Option<Uuid>,
    year: i32,
) -> QueryResult<Vec<ComplianceRow>> {
    let officers: Vec<Officer> = diesel::sql_query(
        "SELECT p.id AS participant_id, p.full_name, p.nip, p.employee_type, p.unit_id, u.code AS unit_code,
                u.name AS unit_name
         FROM participants p
         JOIN units u ON u.id = p.unit_id
         WHERE p.archived_at IS NULL AND p.erased_at IS NULL AND ($1::uuid IS NULL OR p.unit_id = $1)
         ORDER BY p.name_search, p.id",
    )
    .bind::<Nullable<SqlUuid>, _>(unit_id)
    .load(conn)?;
    let mut by_officer: HashMap<Uuid, Vec<LineFigures>> = HashMap::new();
    for line in results::figures(conn, who(unit_id), Some(year))? {
        by_officer
            .entry(line.participant_id)
            .or_default()
            .push(line);
    }
    let mut rows = Vec::with_capacity(officers.len());
    for officer in officers {
        let lines = by_officer
            .remove(&officer.participant_id)
            .unwrap_or_default();
        let row = |line: Option<&LineFigures>| ComplianceRow {
            participant_id: officer.participant_id,
            full_name: officer.full_name.clone(),
            nip: officer.nip.clone(),
            employee_type: officer.employee_type,
            unit_id: officer.unit_id,
            unit_code: officer.unit_code.clone(),
            unit_name: officer.unit_name.clone(),
            event_status: line.map(|l| l.event_status),
            outcome: line.map(|l| l.outcome),
            jp_earned: line.map(|l| l.jp_earned),
        };
        if lines.is_empty() {
            rows.push(row(None));
        }
        rows.extend(lines.iter().map(|l| row(Some(l))));
    }
    Ok(rows)
}

fn who(unit_id: Option<Uuid>) -> Officers {
    unit_id.map_or(Officers::All, Officers::Unit)
}

/// The events of [`officers_year`] whose stored result lines are not valid: the ones its read computes itself
/// until a reader refreshes them (`service::snapshots::refresh_results_of`).
pub fn events_to_refresh(
    conn: &mut PgConnection,
    unit_id: Option<Uuid>,
    year: i32,
) -> QueryResult<Vec<Uuid>> {
    results::stale_events(conn, who(unit_id), Some(year))
}

/// A unit as the compliance lists name it.
#[derive(Debug, Clone, Queryable)]
pub struct UnitName {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// The unit, archived or not; `None` when unknown.
pub fn unit(conn: &mut PgConnection, unit_id: Uuid) -> QueryResult<Option<UnitName>> {
    use crate::schema::units;
    units::table
        .find(unit_id)
        .select((units::id, units::code, units::name))
        .first(conn)
        .optional()
}

/// Every unit that is not archived, by code.
pub fn active_units(conn: &mut PgConnection) -> QueryResult<Vec<UnitName>> {
    use crate::schema::units;
    units::table
        .filter(units::archived_at.is_null())
        .order(units::code)
        .select((units::id, units::code, units::name))
        .load(conn)
}
