//! The `participants` table (officers). `grade_rank` is a generated column: never written here.

use chrono::{DateTime, Utc};
use diesel::dsl::{exists, sql};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Timestamptz};
use uuid::Uuid;

use crate::domain::enums::{EmployeeType, EnrollmentStatus, EventStatus, Grade, PositionKind, Sex};
use crate::domain::page::ListRequest;
use crate::domain::sort::ParticipantSort;
use crate::schema::{
    attendance, enrollments, events, participants, session_facilitators, sessions, units, users,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = participants, check_for_backend(diesel::pg::Pg))]
pub struct ParticipantRow {
    pub id: Uuid,
    pub nip: Option<String>,
    pub full_name: String,
    pub sex: Sex,
    pub employee_type: EmployeeType,
    pub grade: Option<Grade>,
    pub position: Option<String>,
    pub position_kind: Option<PositionKind>,
    pub unit_id: Uuid,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub erased_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = participants)]
pub struct NewParticipantRow {
    pub id: Uuid,
    pub nip: String,
    pub full_name: String,
    pub name_search: String,
    pub sex: Sex,
    pub employee_type: EmployeeType,
    pub grade: Option<Grade>,
    pub position: Option<String>,
    pub position_kind: Option<PositionKind>,
    pub unit_id: Uuid,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A partial update; `None` leaves a column as it is, `Some(None)` clears a nullable one.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = participants)]
pub struct ParticipantChanges {
    pub nip: Option<String>,
    pub full_name: Option<String>,
    pub name_search: Option<String>,
    pub sex: Option<Sex>,
    pub employee_type: Option<EmployeeType>,
    pub grade: Option<Option<Grade>>,
    pub position: Option<Option<String>>,
    pub position_kind: Option<Option<PositionKind>>,
    pub unit_id: Option<Uuid>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct ParticipantFilter {
    pub unit_id: Option<Uuid>,
    /// Exactly this NIP.
    pub nip: Option<String>,
    pub grade: Option<Grade>,
    pub employee_type: Option<EmployeeType>,
    /// The search form (`domain::text::search_form`) of the name to look for.
    pub name: Option<String>,
    /// Archived and erased participants too.
    pub include_archived: bool,
    /// `updated_at >= updated_since`
    pub updated_since: Option<DateTime<Utc>>,
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ParticipantRow>> {
    participants::table
        .find(id)
        .select(ParticipantRow::as_select())
        .first(conn)
        .optional()
}

/// Finds a participant and locks its row until the end of the transaction.
pub fn find_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ParticipantRow>> {
    participants::table
        .find(id)
        .select(ParticipantRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut PgConnection, row: &NewParticipantRow) -> QueryResult<ParticipantRow> {
    diesel::insert_into(participants::table)
        .values(row)
        .returning(ParticipantRow::as_returning())
        .get_result(conn)
}

/// The `archived_at` value of an update: archiving keeps an earlier archive time.
fn archived_expression(archive: bool) -> diesel::expression::SqlLiteral<Nullable<Timestamptz>> {
    if archive {
        sql::<Nullable<Timestamptz>>("coalesce(archived_at, now())")
    } else {
        sql::<Nullable<Timestamptz>>("NULL")
    }
}

/// Applies `changes` (and archives or restores when `archive` is given), bumping the version.
pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &ParticipantChanges,
    archive: Option<bool>,
) -> QueryResult<ParticipantRow> {
    diesel::update(participants::table.find(id))
        .set((
            changes,
            archive.map(|a| participants::archived_at.eq(archived_expression(a))),
            participants::version.eq(participants::version + 1),
            participants::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ParticipantRow::as_returning())
        .get_result(conn)
}

/// Erases the personal data of a participant (UU PDP): the row stays for anonymous aggregates.
pub fn erase(
    conn: &mut PgConnection,
    id: Uuid,
    placeholder_name: &str,
    placeholder_search: &str,
) -> QueryResult<ParticipantRow> {
    diesel::update(participants::table.find(id))
        .set((
            participants::nip.eq(None::<String>),
            participants::full_name.eq(placeholder_name),
            participants::name_search.eq(placeholder_search),
            participants::email.eq(None::<String>),
            participants::phone.eq(None::<String>),
            participants::position.eq(None::<String>),
            participants::erased_at.eq(sql::<Nullable<Timestamptz>>("now()")),
            participants::archived_at.eq(archived_expression(true)),
            participants::version.eq(participants::version + 1),
            participants::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ParticipantRow::as_returning())
        .get_result(conn)
}

pub fn delete(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(participants::table.find(id)).execute(conn)
}

/// Whether anything refers to the participant: an enrollment, an attendance record or a user account.
pub fn has_history(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(
        exists(enrollments::table.filter(enrollments::participant_id.eq(id)))
            .or(exists(
                attendance::table.filter(attendance::participant_id.eq(id)),
            ))
            .or(exists(users::table.filter(users::participant_id.eq(id)))),
    )
    .get_result(conn)
}

pub fn unit_exists(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(exists(units::table.find(id))).get_result(conn)
}

/// Which officers a list may show, beside its filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visible {
    /// Every officer (the filters still apply).
    All,
    /// Only this officer (a participant listing themself).
    Only(Uuid),
    /// Only the officers with an approved enrollment in a non-draft event where this user leads a session (a
    /// facilitator).
    FacilitatedBy(Uuid),
}

fn filtered(
    filter: &ParticipantFilter,
    visible: Visible,
) -> participants::BoxedQuery<'_, diesel::pg::Pg> {
    let mut query = participants::table.into_boxed();
    match visible {
        Visible::All => {}
        Visible::Only(id) => query = query.filter(participants::id.eq(id)),
        Visible::FacilitatedBy(user_id) => {
            query = query.filter(
                participants::id.eq_any(
                    enrollments::table
                        .inner_join(events::table.on(events::id.eq(enrollments::event_id)))
                        .inner_join(
                            sessions::table.on(sessions::event_id.eq(enrollments::event_id)),
                        )
                        .inner_join(
                            session_facilitators::table
                                .on(session_facilitators::session_id.eq(sessions::id)),
                        )
                        .filter(enrollments::status.eq(EnrollmentStatus::Approved))
                        .filter(events::status.ne(EventStatus::Draft))
                        .filter(session_facilitators::user_id.eq(user_id))
                        .select(enrollments::participant_id),
                ),
            )
        }
    }
    if let Some(nip) = &filter.nip {
        query = query.filter(participants::nip.eq(nip.clone()));
    }
    if let Some(unit_id) = filter.unit_id {
        query = query.filter(participants::unit_id.eq(unit_id));
    }
    if let Some(grade) = filter.grade {
        query = query.filter(participants::grade.eq(grade));
    }
    if let Some(kind) = filter.employee_type {
        query = query.filter(participants::employee_type.eq(kind));
    }
    if let Some(name) = &filter.name {
        query = query.filter(participants::name_search.like(super::like_pattern(name)));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(participants::updated_at.ge(since));
    }
    if !filter.include_archived {
        // Erasure also archives (and an erased record cannot be changed), so this one condition hides both; it
        // is the predicate of the partial indexes, which lets the count be an index-only scan.
        query = query.filter(participants::archived_at.is_null());
    }
    query
}

/// Whether `visible` lets the caller see officer `id` (archived or not).
pub fn is_visible(conn: &mut PgConnection, id: Uuid, visible: Visible) -> QueryResult<bool> {
    let filter = ParticipantFilter {
        include_archived: true,
        ..ParticipantFilter::default()
    };
    diesel::select(exists(
        filtered(&filter, visible).filter(participants::id.eq(id)),
    ))
    .get_result(conn)
}

/// One page and the total, in one query (two only for a page past the end), of the officers `visible` lets the
/// caller see.
pub fn list(
    conn: &mut PgConnection,
    request: &ListRequest<ParticipantFilter, ParticipantSort>,
    visible: Visible,
) -> QueryResult<(Vec<ParticipantRow>, i64)> {
    use participants::{created_at, grade_rank, id, name_search};
    let filter = &request.filter;
    let (limit, offset) = (request.page.limit, request.page.offset);
    // The total rides along as an uncorrelated scalar subquery (evaluated once): one round trip for the page and its total.
    let total_expr = filtered(filter, visible).count().single_value();
    let query = filtered(filter, visible).select((ParticipantRow::as_select(), total_expr));
    let query = match request.sort {
        ParticipantSort::FullName => query.order((name_search.asc(), id.asc())),
        ParticipantSort::FullNameDesc => query.order((name_search.desc(), id.desc())),
        ParticipantSort::Grade => query.order((grade_rank.asc().nulls_last(), id.asc())),
        ParticipantSort::GradeDesc => query.order((grade_rank.desc().nulls_last(), id.desc())),
        ParticipantSort::CreatedAt => query.order((created_at.asc(), id.asc())),
        ParticipantSort::CreatedAtDesc => query.order((created_at.desc(), id.desc())),
    };
    let rows: Vec<(ParticipantRow, Option<i64>)> = query.limit(limit).offset(offset).load(conn)?;
    let total = match rows.first() {
        Some((_, total)) => total.unwrap_or(0),
        // A page past the end carries no row to read the total from.
        None if offset > 0 => filtered(filter, visible).count().get_result(conn)?,
        None => 0,
    };
    Ok((rows.into_iter().map(|(row, _)| row).collect(), total))
}
