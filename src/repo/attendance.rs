//! The `attendance` table, with the session, event and enrollment columns attendance rules read (straight from
//! those tables: the rules must not depend on the sessions or events modules).

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::domain::enums::{AttendanceMethod, AttendanceStatus, EnrollmentStatus, EventStatus};
use crate::domain::page::ListRequest;
use crate::domain::sort::{AttendanceSort, RecordSort};
use crate::schema::{attendance, enrollments, event_organizers, events, participants, sessions};

/// What the attendance rules need of a session and its event.
#[derive(Debug, Clone, Queryable)]
pub struct SessionState {
    pub id: Uuid,
    pub event_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub event_status: EventStatus,
}

/// One line of a session's attendance list: an approved enrollment and its record, if any.
#[derive(Debug, Clone, Queryable)]
pub struct SheetRow {
    pub enrollment_id: Uuid,
    pub participant_id: Uuid,
    pub full_name: String,
    pub erased_at: Option<DateTime<Utc>>,
    pub status: Option<AttendanceStatus>,
    pub method: Option<AttendanceMethod>,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub recorded_by: Option<Uuid>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A record to write.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = attendance)]
pub struct NewAttendanceRow {
    pub id: Uuid,
    pub session_id: Uuid,
    pub enrollment_id: Uuid,
    pub participant_id: Uuid,
    pub status: AttendanceStatus,
    pub method: AttendanceMethod,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub recorded_by: Option<Uuid>,
}

/// An enrollment as a check-in code finds it.
#[derive(Debug, Clone, Queryable)]
pub struct CodeOwner {
    pub enrollment_id: Uuid,
    pub event_id: Uuid,
    pub participant_id: Uuid,
    pub status: EnrollmentStatus,
}

/// Who of a list may be seen.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope {
    pub unit_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
}

/// A page of a session's attendance list, in an order (there is nothing to filter).
pub type SheetRequest = ListRequest<(), AttendanceSort>;

pub fn session_state(
    conn: &mut PgConnection,
    session_id: Uuid,
) -> QueryResult<Option<SessionState>> {
    sessions::table
        .inner_join(events::table)
        .filter(sessions::id.eq(session_id))
        .select((
            sessions::id,
            sessions::event_id,
            sessions::starts_at,
            sessions::ends_at,
            events::status,
        ))
        .first(conn)
        .optional()
}

/// Reads the event's status and locks its row (for share): the status cannot change while attendance is written.
pub fn lock_event_status(
    conn: &mut PgConnection,
    event_id: Uuid,
) -> QueryResult<Option<EventStatus>> {
    events::table
        .find(event_id)
        .select(events::status)
        .for_share()
        .first(conn)
        .optional()
}

pub fn event_exists(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(events::table.find(event_id))).get_result(conn)
}

macro_rules! sheet_query {
    ($session_id:expr, $event_id:expr, $scope:expr) => {{
        let mut query = enrollments::table
            .inner_join(participants::table)
            .left_join(
                attendance::table.on(attendance::enrollment_id
                    .eq(enrollments::id)
                    .and(attendance::session_id.eq($session_id))),
            )
            .filter(enrollments::event_id.eq($event_id))
            .filter(enrollments::status.eq(EnrollmentStatus::Approved))
            .into_boxed();
        if let Some(unit) = $scope.unit_id {
            query = query.filter(participants::unit_id.eq(unit));
        }
        if let Some(participant) = $scope.participant_id {
            query = query.filter(enrollments::participant_id.eq(participant));
        }
        query
    }};
}

macro_rules! sheet_columns {
    () => {
        (
            enrollments::id,
            enrollments::participant_id,
            participants::full_name,
            participants::erased_at,
            attendance::status.nullable(),
            attendance::method.nullable(),
            attendance::checked_in_at.nullable(),
            attendance::note.nullable(),
            attendance::recorded_by.nullable(),
            attendance::updated_at.nullable(),
        )
    };
}

/// A page of a session's attendance list: one line per approved enrollment of the event.
pub fn sheet(
    conn: &mut PgConnection,
    session_id: Uuid,
    event_id: Uuid,
    scope: Scope,
    request: &SheetRequest,
) -> QueryResult<(Vec<SheetRow>, i64)> {
    let total = sheet_query!(session_id, event_id, scope)
        .select(count_star())
        .get_result(conn)?;
    let query = sheet_query!(session_id, event_id, scope).select(sheet_columns!());
    let query = match request.sort {
        AttendanceSort::ParticipantName => {
            query.order((participants::name_search.asc(), enrollments::id.asc()))
        }
        AttendanceSort::ParticipantNameDesc => {
            query.order((participants::name_search.desc(), enrollments::id.desc()))
        }
    };
    let rows = query
        .limit(request.page.limit)
        .offset(request.page.offset)
        .load(conn)?;
    Ok((rows, total))
}

/// The lines of the given enrollments, in no particular order.
pub fn sheet_rows(
    conn: &mut PgConnection,
    session_id: Uuid,
    enrollment_ids: &[Uuid],
) -> QueryResult<Vec<SheetRow>> {
    enrollments::table
        .inner_join(participants::table)
        .left_join(
            attendance::table.on(attendance::enrollment_id
                .eq(enrollments::id)
                .and(attendance::session_id.eq(session_id))),
        )
        .filter(enrollments::id.eq_any(enrollment_ids))
        .select(sheet_columns!())
        .load(conn)
}

/// The approved enrollments of an event among the given officers, as (participant, enrollment).
pub fn approved_enrollments(
    conn: &mut PgConnection,
    event_id: Uuid,
    participant_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, Uuid)>> {
    enrollments::table
        .filter(enrollments::event_id.eq(event_id))
        .filter(enrollments::status.eq(EnrollmentStatus::Approved))
        .filter(enrollments::participant_id.eq_any(participant_ids))
        .select((enrollments::participant_id, enrollments::id))
        .load(conn)
}

/// Writes manual records: inserts, or replaces status, note, method and author of an existing record of the
/// same session and enrollment (its version increases). The check-in time of an earlier check-in is kept.
pub fn upsert_manual(conn: &mut PgConnection, rows: &[NewAttendanceRow]) -> QueryResult<usize> {
    use diesel::upsert::excluded;
    if rows.is_empty() {
        return Ok(0);
    }
    diesel::insert_into(attendance::table)
        .values(rows)
        .on_conflict((attendance::session_id, attendance::enrollment_id))
        .do_update()
        .set((
            attendance::status.eq(excluded(attendance::status)),
            attendance::method.eq(excluded(attendance::method)),
            attendance::note.eq(excluded(attendance::note)),
            attendance::recorded_by.eq(excluded(attendance::recorded_by)),
            attendance::version.eq(attendance::version + 1),
            attendance::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
}

pub fn find_by_code(conn: &mut PgConnection, code: &str) -> QueryResult<Option<CodeOwner>> {
    enrollments::table
        .filter(enrollments::check_in_code.eq(code))
        .select((
            enrollments::id,
            enrollments::event_id,
            enrollments::participant_id,
            enrollments::status,
        ))
        .first(conn)
        .optional()
}

/// Inserts a record unless one exists for the session and enrollment; true when inserted.
pub fn insert_if_absent(conn: &mut PgConnection, row: &NewAttendanceRow) -> QueryResult<bool> {
    diesel::insert_into(attendance::table)
        .values(row)
        .on_conflict((attendance::session_id, attendance::enrollment_id))
        .do_nothing()
        .execute(conn)
        .map(|n| n == 1)
}

/// The status of the record of a session and enrollment, locked until the transaction ends.
pub fn lock_status(
    conn: &mut PgConnection,
    session_id: Uuid,
    enrollment_id: Uuid,
) -> QueryResult<Option<AttendanceStatus>> {
    attendance::table
        .filter(attendance::session_id.eq(session_id))
        .filter(attendance::enrollment_id.eq(enrollment_id))
        .select(attendance::status)
        .for_update()
        .first(conn)
        .optional()
}

/// Records a check-in on an existing record.
pub fn record_check_in(conn: &mut PgConnection, row: &NewAttendanceRow) -> QueryResult<usize> {
    diesel::update(
        attendance::table
            .filter(attendance::session_id.eq(row.session_id))
            .filter(attendance::enrollment_id.eq(row.enrollment_id)),
    )
    .set((
        attendance::status.eq(&row.status),
        attendance::method.eq(&row.method),
        attendance::checked_in_at.eq(row.checked_in_at),
        attendance::recorded_by.eq(row.recorded_by),
        attendance::version.eq(attendance::version + 1),
        attendance::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
}

/// One line of an event's attendance summary.
#[derive(Debug, Clone, QueryableByName)]
pub struct SummaryRow {
    #[diesel(sql_type = SqlUuid)]
    pub participant_id: Uuid,
    #[diesel(sql_type = Text)]
    pub full_name: String,
    #[diesel(sql_type = Nullable<diesel::sql_types::Timestamptz>)]
    pub erased_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    pub sessions_total: i64,
    #[diesel(sql_type = BigInt)]
    pub sessions_attended: i64,
    #[diesel(sql_type = Double)]
    pub attendance_rate: f64,
    #[diesel(sql_type = BigInt)]
    pub jp_earned: i64,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

/// The attendance summary of an event's approved officers in one aggregate query (the builder cannot express
/// `FILTER` aggregates and a window count): sessions of the event, sessions attended (present or late), the rate
/// in percent with one decimal, and the JP of the attended sessions; `total` is the number of lines before paging.
pub fn summary(
    conn: &mut PgConnection,
    event_id: Uuid,
    scope: Scope,
    led_by: Option<Uuid>,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<SummaryRow>> {
    // `led_by`: only the sessions this user leads count (a facilitator's summary)
    diesel::sql_query(
        "WITH ses AS (SELECT s.id, s.jp FROM sessions s
                      WHERE s.event_id = $1
                        AND ($6::uuid IS NULL OR EXISTS (SELECT 1 FROM session_facilitators f
                                                          WHERE f.session_id = s.id AND f.user_id = $6))),
              total AS (SELECT count(*) AS n FROM ses)
         SELECT e.participant_id, p.full_name, p.erased_at,
                total.n AS sessions_total,
                count(s.id) AS sessions_attended,
                CASE WHEN total.n = 0 THEN 0::float8
                     ELSE round(count(s.id) * 1000.0 / total.n)::float8 / 10 END AS attendance_rate,
                coalesce(sum(s.jp), 0)::int8 AS jp_earned,
                count(*) OVER () AS total
         FROM enrollments e
         JOIN participants p ON p.id = e.participant_id
         CROSS JOIN total
         LEFT JOIN attendance a ON a.enrollment_id = e.id AND a.status IN ('present', 'late')
         LEFT JOIN ses s ON s.id = a.session_id
         WHERE e.event_id = $1 AND e.status = 'approved'
           AND ($2::uuid IS NULL OR p.unit_id = $2)
           AND ($3::uuid IS NULL OR e.participant_id = $3)
         GROUP BY e.id, e.participant_id, p.full_name, p.name_search, p.erased_at, total.n
         ORDER BY p.name_search, e.id
         LIMIT $4 OFFSET $5",
    )
    .bind::<SqlUuid, _>(event_id)
    .bind::<Nullable<SqlUuid>, _>(scope.unit_id)
    .bind::<Nullable<SqlUuid>, _>(scope.participant_id)
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(offset)
    .bind::<Nullable<SqlUuid>, _>(led_by)
    .load(conn)
}

/// One attendance record of an officer, with its session and event.
#[derive(Debug, Clone, Queryable)]
pub struct ParticipantRecord {
    pub id: Uuid,
    pub session_id: Uuid,
    pub session_title: String,
    pub starts_at: DateTime<Utc>,
    pub event_id: Uuid,
    pub event_title: String,
    pub enrollment_id: Uuid,
    pub status: AttendanceStatus,
    pub method: AttendanceMethod,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub recorded_by: Option<Uuid>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// The filters of an officer's attendance records a caller asks for.
#[derive(Debug, Clone, Default)]
pub struct RecordFilter {
    /// Only records of this event.
    pub event_id: Option<Uuid>,
}

macro_rules! records_query {
    ($participant_id:expr, $event_id:expr, $organizer:expr) => {{
        let mut query = attendance::table
            .inner_join(sessions::table.inner_join(events::table))
            .filter(attendance::participant_id.eq($participant_id))
            .into_boxed();
        if let Some(event) = $event_id {
            query = query.filter(sessions::event_id.eq(event));
        }
        if let Some(user) = $organizer {
            query = query.filter(
                sessions::event_id.eq_any(
                    event_organizers::table
                        .filter(event_organizers::user_id.eq(user))
                        .select(event_organizers::event_id),
                ),
            );
        }
        query
    }};
}

/// The attendance records of an officer, optionally of one event, optionally only of the events `organizer`
/// organizes.
pub fn participant_records(
    conn: &mut PgConnection,
    participant_id: Uuid,
    organizer: Option<Uuid>,
    request: &ListRequest<RecordFilter, RecordSort>,
) -> QueryResult<(Vec<ParticipantRecord>, i64)> {
    let event_id = request.filter.event_id;
    let total = records_query!(participant_id, event_id, organizer)
        .select(count_star())
        .get_result(conn)?;
    let query = records_query!(participant_id, event_id, organizer).select((
        attendance::id,
        attendance::session_id,
        sessions::title,
        sessions::starts_at,
        sessions::event_id,
        events::title,
        attendance::enrollment_id,
        attendance::status,
        attendance::method,
        attendance::checked_in_at,
        attendance::note,
        attendance::recorded_by,
        attendance::version,
        attendance::updated_at,
    ));
    let query = match request.sort {
        RecordSort::StartsAt => query.order((sessions::starts_at.asc(), attendance::id.asc())),
        RecordSort::StartsAtDesc => {
            query.order((sessions::starts_at.desc(), attendance::id.desc()))
        }
    };
    let rows = query
        .limit(request.page.limit)
        .offset(request.page.offset)
        .load(conn)?;
    Ok((rows, total))
}
