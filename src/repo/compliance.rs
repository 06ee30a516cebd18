//! The rows of the JP compliance lists: every active officer (of one unit, or of the whole Kanwil) with each of
//! their trainings of the year, as `repo::results` computes them; `service::compliance` adds the JP up by the rule
//! of `domain::jp`.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::domain::enums::{EmployeeType, EventStatus, Outcome};
use crate::repo::results::stored_or_computed_lines_ctes;

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

/// The events ending in `year` that are not drafts (those with an approved officer of `unit_id` when given), as a
/// condition on `events` over the binds `$1` (unit) and `$2` (year).
const YEAR_EVENTS: &str = "status <> 'draft' AND ends_on >= make_date($2, 1, 1) AND ends_on < make_date($2 + 1, 1, 1) \
     AND ($1::uuid IS NULL OR id IN (SELECT e.event_id FROM enrollments e \
          JOIN participants q ON q.id = e.participant_id WHERE q.unit_id = $1 AND e.status = 'approved'))";

/// Every active officer (not archived, not erased) of `unit_id` (of every unit when `None`) with their approved
/// enrollments in events ending in `year` that are not drafts, by name then id (an officer's rows together). The
/// results come from the events' stored result lines where they are valid
/// ([`stored_or_computed_lines_ctes`]).
pub fn officers_year(
    conn: &mut PgConnection,
    unit_id: Option<Uuid>,
    year: i32,
) -> QueryResult<Vec<ComplianceRow>> {
    diesel::sql_query(format!(
        "WITH {}
         SELECT p.id AS participant_id, p.full_name, p.nip, p.employee_type, p.unit_id, u.code AS unit_code,
                u.name AS unit_name, x.status AS event_status, l.outcome, l.jp_earned
         FROM participants p
         JOIN units u ON u.id = p.unit_id
         LEFT JOIN lines l ON l.participant_id = p.id
         LEFT JOIN events x ON x.id = l.event_id
         WHERE p.archived_at IS NULL AND p.erased_at IS NULL AND ($1::uuid IS NULL OR p.unit_id = $1)
         ORDER BY p.name_search, p.id",
        stored_or_computed_lines_ctes(YEAR_EVENTS, "($1::uuid IS NULL OR p.unit_id = $1)")
    ))
    .bind::<Nullable<SqlUuid>, _>(unit_id)
    .bind::<Integer, _>(year)
    .load(conn)
}

/// The events of [`officers_year`] whose stored result lines are not valid: the ones its read computes itself
/// until a reader refreshes them (`service::snapshots::refresh_results_of`).
pub fn events_to_refresh(
    conn: &mut PgConnection,
    unit_id: Option<Uuid>,
    year: i32,
) -> QueryResult<Vec<Uuid>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let version = crate::repo::snapshots::FORMAT_VERSION;
    let ids: Vec<Id> = diesel::sql_query(format!(
        "SELECT id FROM events x WHERE {YEAR_EVENTS}
           AND NOT EXISTS (SELECT 1 FROM event_snapshots s
                           WHERE s.event_id = x.id AND s.kind = 'results' AND NOT s.stale
                             AND s.ready_generation = s.generation AND s.format_version = {version})
         ORDER BY ends_on, id"
    ))
    .bind::<Nullable<SqlUuid>, _>(unit_id)
    .bind::<Integer, _>(year)
    .load(conn)?;
    Ok(ids.into_iter().map(|i| i.id).collect())
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
