//! The `enrollments` and `event_unit_quotas` tables, with the few event and participant columns the enrollment
//! rules read (read straight from `events` and `participants`: the rules must not depend on those modules).

use chrono::{DateTime, Utc};
use diesel::dsl::{count_star, exists};
use diesel::pg::Pg;
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::enums::{EnrollmentStatus, EventStatus};
use crate::domain::page::ListRequest;
use crate::domain::sort::EnrollmentSort;
use crate::schema::{enrollments, event_unit_quotas, events, participants, units};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = enrollments, check_for_backend(diesel::pg::Pg))]
pub struct EnrollmentRow {
    pub id: Uuid,
    pub event_id: Uuid,
    pub participant_id: Uuid,
    pub status: EnrollmentStatus,
    pub check_in_code: String,
    pub nominated_by: Option<Uuid>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub waitlisted_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An enrollment with its officer's name and unit.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub struct EnrollmentView {
    #[diesel(embed)]
    pub enrollment: EnrollmentRow,
    #[diesel(select_expression = participants::full_name)]
    #[diesel(select_expression_type = participants::full_name)]
    pub full_name: String,
    #[diesel(select_expression = participants::unit_id)]
    #[diesel(select_expression_type = participants::unit_id)]
    pub unit_id: Uuid,
    #[diesel(select_expression = participants::erased_at)]
    #[diesel(select_expression_type = participants::erased_at)]
    pub erased_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = enrollments)]
pub struct NewEnrollmentRow {
    pub id: Uuid,
    pub event_id: Uuid,
    pub participant_id: Uuid,
    pub status: EnrollmentStatus,
    pub check_in_code: String,
    pub nominated_by: Option<Uuid>,
    pub note: Option<String>,
}

/// A change of state. `None` leaves a column as it is, `Some(None)` clears a nullable one.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = enrollments)]
pub struct EnrollmentChanges {
    pub status: Option<EnrollmentStatus>,
    pub nominated_by: Option<Option<Uuid>>,
    pub decided_by: Option<Option<Uuid>>,
    pub decided_at: Option<Option<DateTime<Utc>>>,
    pub waitlisted_at: Option<Option<DateTime<Utc>>>,
    pub note: Option<Option<String>>,
}

/// What the enrollment rules need of an event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events, check_for_backend(diesel::pg::Pg))]
pub struct EventState {
    pub id: Uuid,
    pub status: EventStatus,
    pub capacity: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

/// What the enrollment rules need of an officer.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = participants, check_for_backend(diesel::pg::Pg))]
pub struct ParticipantState {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub archived_at: Option<DateTime<Utc>>,
    pub erased_at: Option<DateTime<Utc>>,
}

/// The filters of an event's enrollment list a caller asks for.
#[derive(Debug, Clone, Default)]
pub struct EnrollmentFilter {
    pub status: Option<EnrollmentStatus>,
    pub unit_id: Option<Uuid>,
    /// `updated_at >= updated_since`
    pub updated_since: Option<DateTime<Utc>>,
}

/// What part of the list the caller may see (set by the service from the caller).
#[derive(Debug, Clone, Copy, Default)]
pub struct EnrollmentScope {
    pub unit_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
    pub status: Option<EnrollmentStatus>,
}

pub fn event_state(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Option<EventState>> {
    events::table
        .find(event_id)
        .select(EventState::as_select())
        .first(conn)
        .optional()
}

/// Reads the event and locks its row until the transaction ends: approvals, withdrawals and quota changes of one
/// event are serialized on it.
pub fn lock_event(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Option<EventState>> {
    events::table
        .find(event_id)
        .select(EventState::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn participant_state(
    conn: &mut PgConnection,
    participant_id: Uuid,
) -> QueryResult<Option<ParticipantState>> {
    participants::table
        .find(participant_id)
        .select(ParticipantState::as_select())
        .first(conn)
        .optional()
}

pub fn find_view(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<EnrollmentView>> {
    enrollments::table
        .inner_join(participants::table)
        .filter(enrollments::id.eq(id))
        .select(EnrollmentView::as_select())
        .first(conn)
        .optional()
}

pub fn lock(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<EnrollmentRow>> {
    enrollments::table
        .find(id)
        .select(EnrollmentRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn lock_by_event_participant(
    conn: &mut PgConnection,
    event_id: Uuid,
    participant_id: Uuid,
) -> QueryResult<Option<EnrollmentRow>> {
    enrollments::table
        .filter(enrollments::event_id.eq(event_id))
        .filter(enrollments::participant_id.eq(participant_id))
        .select(EnrollmentRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut PgConnection, row: &NewEnrollmentRow) -> QueryResult<Uuid> {
    diesel::insert_into(enrollments::table)
        .values(row)
        .returning(enrollments::id)
        .get_result(conn)
}

/// Applies `changes`, bumping `version` and `updated_at`.
pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &EnrollmentChanges,
) -> QueryResult<usize> {
    diesel::update(enrollments::table.find(id))
        .set((
            changes,
            enrollments::version.eq(enrollments::version + 1),
            enrollments::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
}

pub fn count_approved(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<i64> {
    enrollments::table
        .filter(enrollments::event_id.eq(event_id))
        .filter(enrollments::status.eq(EnrollmentStatus::Approved))
        .select(count_star())
        .get_result(conn)
}

pub fn count_approved_of_unit(
    conn: &mut PgConnection,
    event_id: Uuid,
    unit_id: Uuid,
) -> QueryResult<i64> {
    enrollments::table
        .inner_join(participants::table)
        .filter(enrollments::event_id.eq(event_id))
        .filter(enrollments::status.eq(EnrollmentStatus::Approved))
        .filter(participants::unit_id.eq(unit_id))
        .select(count_star())
        .get_result(conn)
}

pub fn quota_of(
    conn: &mut PgConnection,
    event_id: Uuid,
    unit_id: Uuid,
) -> QueryResult<Option<i32>> {
    event_unit_quotas::table
        .find((event_id, unit_id))
        .select(event_unit_quotas::quota)
        .first(conn)
        .optional()
}

/// The waitlist of an event in its order, as (enrollment id, officer's unit).
pub fn waitlist(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Vec<(Uuid, Uuid)>> {
    enrollments::table
        .inner_join(participants::table)
        .filter(enrollments::event_id.eq(event_id))
        .filter(enrollments::status.eq(EnrollmentStatus::Waitlisted))
        .order((enrollments::waitlisted_at.asc(), enrollments::id.asc()))
        .select((enrollments::id, participants::unit_id))
        .load(conn)
}

type Joined = diesel::dsl::InnerJoin<enrollments::table, participants::table>;

fn filtered<'a>(
    event_id: Uuid,
    scope: EnrollmentScope,
    f: &'a EnrollmentFilter,
) -> diesel::dsl::IntoBoxed<'a, Joined, Pg> {
    let mut query = enrollments::table
        .inner_join(participants::table)
        .filter(enrollments::event_id.eq(event_id))
        .into_boxed();
    if let Some(status) = f.status {
        query = query.filter(enrollments::status.eq(status));
    }
    if let Some(status) = scope.status {
        query = query.filter(enrollments::status.eq(status));
    }
    if let Some(unit) = f.unit_id {
        query = query.filter(participants::unit_id.eq(unit));
    }
    if let Some(unit) = scope.unit_id {
        query = query.filter(participants::unit_id.eq(unit));
    }
    if let Some(participant) = scope.participant_id {
        query = query.filter(enrollments::participant_id.eq(participant));
    }
    if let Some(since) = f.updated_since {
        query = query.filter(enrollments::updated_at.ge(since));
    }
    query
}

/// A page of an event's enrollments within `scope`. The sort of the request orders it; without one, `waitlist`
/// chooses the waitlist's own order (oldest `waitlisted_at` first, then id) over the default (`created_at`).
pub fn list(
    conn: &mut PgConnection,
    event_id: Uuid,
    scope: EnrollmentScope,
    request: &ListRequest<EnrollmentFilter, Option<EnrollmentSort>>,
    waitlist: bool,
) -> QueryResult<(Vec<EnrollmentView>, i64)> {
    let filter = &request.filter;
    let total = filtered(event_id, scope, filter)
        .select(count_star())
        .get_result(conn)?;
    let query = filtered(event_id, scope, filter).select(EnrollmentView::as_select());
    let query = match request.sort {
        None if waitlist => query.order((enrollments::waitlisted_at.asc(), enrollments::id.asc())),
        None | Some(EnrollmentSort::CreatedAt) => {
            query.order((enrollments::created_at.asc(), enrollments::id.asc()))
        }
        Some(EnrollmentSort::CreatedAtDesc) => {
            query.order((enrollments::created_at.desc(), enrollments::id.desc()))
        }
        Some(EnrollmentSort::Status) => query.order((
            enrollments::status.asc(),
            enrollments::waitlisted_at.asc(),
            enrollments::id.asc(),
        )),
        Some(EnrollmentSort::StatusDesc) => query.order((
            enrollments::status.desc(),
            enrollments::waitlisted_at.desc(),
            enrollments::id.desc(),
        )),
    };
    let rows = query
        .limit(request.page.limit)
        .offset(request.page.offset)
        .load(conn)?;
    Ok((rows, total))
}

/// The per-unit quotas of an event with the number of approved officers of each unit, by unit code.
pub fn quotas(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Vec<(Uuid, String, i32)>> {
    event_unit_quotas::table
        .inner_join(units::table)
        .filter(event_unit_quotas::event_id.eq(event_id))
        .order((units::code.asc(), units::id.asc()))
        .select((
            event_unit_quotas::unit_id,
            units::code,
            event_unit_quotas::quota,
        ))
        .load(conn)
}

/// The number of approved officers per unit of an event.
pub fn approved_per_unit(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Vec<(Uuid, i64)>> {
    enrollments::table
        .inner_join(participants::table)
        .filter(enrollments::event_id.eq(event_id))
        .filter(enrollments::status.eq(EnrollmentStatus::Approved))
        .group_by(participants::unit_id)
        .select((participants::unit_id, count_star()))
        .load(conn)
}

/// Replaces the quotas of an event.
pub fn replace_quotas(
    conn: &mut PgConnection,
    event_id: Uuid,
    quotas: &[(Uuid, i32)],
) -> QueryResult<()> {
    diesel::delete(event_unit_quotas::table.filter(event_unit_quotas::event_id.eq(event_id)))
        .execute(conn)?;
    let rows: Vec<_> = quotas
        .iter()
        .map(|(unit, quota)| {
            (
                event_unit_quotas::event_id.eq(event_id),
                event_unit_quotas::unit_id.eq(*unit),
                event_unit_quotas::quota.eq(*quota),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(event_unit_quotas::table)
            .values(&rows)
            .execute(conn)?;
    }
    Ok(())
}

/// Which of `ids` name existing units.
pub fn existing_units(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    units::table
        .filter(units::id.eq_any(ids))
        .select(units::id)
        .load(conn)
}

/// Whether an officer has an approved enrollment in an event.
pub fn is_approved_in_event(
    conn: &mut PgConnection,
    event_id: Uuid,
    participant_id: Uuid,
) -> QueryResult<bool> {
    diesel::select(exists(
        enrollments::table
            .filter(enrollments::event_id.eq(event_id))
            .filter(enrollments::participant_id.eq(participant_id))
            .filter(enrollments::status.eq(EnrollmentStatus::Approved)),
    ))
    .get_result(conn)
}

/// The enrollments of `ids` that belong to the event, locked (in id order), each with its officer's unit.
pub fn lock_in_event(
    conn: &mut PgConnection,
    event_id: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<(EnrollmentRow, Uuid)>> {
    let rows: Vec<EnrollmentRow> = enrollments::table
        .filter(enrollments::event_id.eq(event_id))
        .filter(enrollments::id.eq_any(ids))
        .order(enrollments::id)
        .select(EnrollmentRow::as_select())
        .for_update()
        .load(conn)?;
    let officers: Vec<Uuid> = rows.iter().map(|r| r.participant_id).collect();
    let units: std::collections::HashMap<Uuid, Uuid> = participants::table
        .filter(participants::id.eq_any(&officers))
        .select((participants::id, participants::unit_id))
        .load::<(Uuid, Uuid)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let unit = *units.get(&row.participant_id)?;
            Some((row, unit))
        })
        .collect())
}

/// One decision of many, for [`decide_many`].
#[derive(Debug, Clone)]
pub struct Decided {
    pub id: Uuid,
    pub status: EnrollmentStatus,
    pub waitlisted_at: Option<DateTime<Utc>>,
}

/// Writes the decisions of one decider at one moment in one statement (the row triggers fire once per row, as for
/// single updates).
pub fn decide_many(
    conn: &mut PgConnection,
    decided_by: Uuid,
    decided_at: DateTime<Utc>,
    rows: &[Decided],
) -> QueryResult<usize> {
    use diesel::sql_types::{Array, Nullable, Text, Timestamptz, Uuid as SqlUuid};
    if rows.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let statuses: Vec<&str> = rows.iter().map(|r| r.status.as_str()).collect();
    let waitlisted: Vec<Option<DateTime<Utc>>> = rows.iter().map(|r| r.waitlisted_at).collect();
    diesel::sql_query(
        "UPDATE enrollments e SET status = v.status, decided_by = $4, decided_at = $5, \
         waitlisted_at = v.waitlisted_at, version = e.version + 1, updated_at = now() \
         FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS v(id, status, waitlisted_at) \
         WHERE e.id = v.id",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Text>, _>(statuses)
    .bind::<Array<Nullable<Timestamptz>>, _>(waitlisted)
    .bind::<SqlUuid, _>(decided_by)
    .bind::<Timestamptz, _>(decided_at)
    .execute(conn)
}
