//! Idempotent inserts for the demo data: natural keys (`code`, `nip`, `username`) or fixed ids decide whether a
//! row exists; existing rows are left as they are.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::schema::{
    attendance, enrollments, event_organizers, events, participants, programs,
    session_facilitators, sessions, units,
};

#[derive(Debug, Insertable)]
#[diesel(table_name = units)]
pub struct DemoUnit<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub unit_type: &'a str,
    pub class: Option<&'a str>,
    pub parent_id: Option<Uuid>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = participants)]
pub struct DemoParticipant<'a> {
    pub nip: &'a str,
    pub full_name: &'a str,
    pub name_search: String,
    pub sex: &'a str,
    pub employee_type: &'a str,
    pub grade: Option<&'a str>,
    pub position: Option<&'a str>,
    pub unit_id: Uuid,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = events)]
pub struct DemoEvent<'a> {
    pub id: Uuid,
    pub title: &'a str,
    pub kind: &'a str,
    pub program_id: Option<Uuid>,
    pub host_unit_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub capacity: i32,
    pub legal_basis: Option<&'a str>,
    pub description: Option<&'a str>,
    pub status: &'a str,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct DemoSession<'a> {
    pub id: Uuid,
    pub event_id: Uuid,
    pub kind: &'a str,
    pub title: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: Option<&'a str>,
    pub jp: i16,
}

pub fn unit(conn: &mut PgConnection, row: &DemoUnit<'_>) -> QueryResult<Uuid> {
    diesel::insert_into(units::table)
        .values(row)
        .on_conflict(units::code)
        .do_nothing()
        .execute(conn)?;
    units::table
        .filter(units::code.eq(row.code))
        .select(units::id)
        .first(conn)
}

pub fn participant(conn: &mut PgConnection, row: &DemoParticipant<'_>) -> QueryResult<Uuid> {
    diesel::insert_into(participants::table)
        .values(row)
        .on_conflict(participants::nip)
        .do_nothing()
        .execute(conn)?;
    participants::table
        .filter(participants::nip.eq(row.nip))
        .select(participants::id)
        .first(conn)
}

pub fn program(
    conn: &mut PgConnection,
    name: &str,
    year: i32,
    description: &str,
) -> QueryResult<Uuid> {
    diesel::insert_into(programs::table)
        .values((
            programs::name.eq(name),
            programs::year.eq(year),
            programs::description.eq(description),
        ))
        .on_conflict((programs::name, programs::year))
        .do_nothing()
        .execute(conn)?;
    programs::table
        .filter(programs::name.eq(name).and(programs::year.eq(year)))
        .select(programs::id)
        .first(conn)
}

pub fn event(conn: &mut PgConnection, row: &DemoEvent<'_>) -> QueryResult<usize> {
    diesel::insert_into(events::table)
        .values(row)
        .on_conflict(events::id)
        .do_nothing()
        .execute(conn)
}

pub fn session(conn: &mut PgConnection, row: &DemoSession<'_>) -> QueryResult<usize> {
    diesel::insert_into(sessions::table)
        .values(row)
        .on_conflict(sessions::id)
        .do_nothing()
        .execute(conn)
}

pub fn organizer(conn: &mut PgConnection, event_id: Uuid, user_id: Uuid) -> QueryResult<usize> {
    diesel::insert_into(event_organizers::table)
        .values((
            event_organizers::event_id.eq(event_id),
            event_organizers::user_id.eq(user_id),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
}

pub fn facilitator(conn: &mut PgConnection, session_id: Uuid, user_id: Uuid) -> QueryResult<usize> {
    diesel::insert_into(session_facilitators::table)
        .values((
            session_facilitators::session_id.eq(session_id),
            session_facilitators::user_id.eq(user_id),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
}

#[derive(Debug, Insertable)]
#[diesel(table_name = enrollments)]
pub struct DemoEnrollment<'a> {
    pub event_id: Uuid,
    pub participant_id: Uuid,
    pub status: &'a str,
    pub check_in_code: String,
    pub nominated_by: Option<Uuid>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = attendance)]
pub struct DemoAttendance<'a> {
    pub session_id: Uuid,
    pub enrollment_id: Uuid,
    pub participant_id: Uuid,
    pub status: &'a str,
    pub method: &'a str,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub note: Option<&'a str>,
    pub recorded_by: Option<Uuid>,
}

/// Inserts an enrollment unless the officer is already enrolled in the event; returns the enrollment's id.
pub fn enrollment(conn: &mut PgConnection, row: &DemoEnrollment<'_>) -> QueryResult<Uuid> {
    diesel::insert_into(enrollments::table)
        .values(row)
        .on_conflict((enrollments::event_id, enrollments::participant_id))
        .do_nothing()
        .execute(conn)?;
    enrollments::table
        .filter(enrollments::event_id.eq(row.event_id))
        .filter(enrollments::participant_id.eq(row.participant_id))
        .select(enrollments::id)
        .first(conn)
}

pub fn attendance(conn: &mut PgConnection, row: &DemoAttendance<'_>) -> QueryResult<usize> {
    diesel::insert_into(attendance::table)
        .values(row)
        .on_conflict((attendance::session_id, attendance::enrollment_id))
        .do_nothing()
        .execute(conn)
}

/// A training record from elsewhere of the demo.
pub struct DemoRecord<'a> {
    pub id: Uuid,
    pub participant_id: Uuid,
    pub title: &'a str,
    pub institution: &'a str,
    pub form: &'a str,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    pub jp: i32,
    pub certificate_number: Option<&'a str>,
    pub status: &'a str,
    pub rejection_reason: Option<&'a str>,
    pub decided_by: Option<Uuid>,
}

pub fn competency_record(conn: &mut PgConnection, row: &DemoRecord<'_>) -> QueryResult<usize> {
    use crate::schema::competency_records as r;
    let decided = row.decided_by.is_some();
    diesel::insert_into(r::table)
        .values((
            r::id.eq(row.id),
            r::participant_id.eq(row.participant_id),
            r::title.eq(row.title),
            r::institution.eq(row.institution),
            r::form.eq(row.form),
            r::starts_on.eq(row.starts_on),
            r::ends_on.eq(row.ends_on),
            r::jp.eq(row.jp),
            r::certificate_number.eq(row.certificate_number),
            r::status.eq(row.status),
            r::rejection_reason.eq(row.rejection_reason),
            r::decided_by.eq(row.decided_by),
            r::decided_at.eq(decided.then(chrono::Utc::now)),
        ))
        .on_conflict(r::id)
        .do_nothing()
        .execute(conn)
}
