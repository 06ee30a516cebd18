//! Training records from elsewhere (`competency_records`), their scans (`competency_record_scans`) and the forms
//! of development (`development_forms`).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::enums::RecordStatus;
use crate::schema::{competency_record_scans, competency_records, development_forms};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = competency_records)]
pub struct RecordRow {
    pub id: Uuid,
    pub participant_id: Uuid,
    pub title: String,
    pub institution: String,
    pub form: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub jp: i32,
    pub certificate_number: Option<String>,
    pub status: RecordStatus,
    pub rejection_reason: Option<String>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub scan_media_type: Option<String>,
    pub scan_bytes: Option<i32>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields a record is written with.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = competency_records)]
#[diesel(treat_none_as_null = true)]
pub struct RecordFields {
    pub title: String,
    pub institution: String,
    pub form: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub jp: i32,
    pub certificate_number: Option<String>,
}

pub fn insert(
    conn: &mut PgConnection,
    participant_id: Uuid,
    fields: &RecordFields,
    created_by: Uuid,
) -> QueryResult<RecordRow> {
    diesel::insert_into(competency_records::table)
        .values((
            competency_records::participant_id.eq(participant_id),
            competency_records::title.eq(&fields.title),
            competency_records::institution.eq(&fields.institution),
            competency_records::form.eq(&fields.form),
            competency_records::starts_on.eq(fields.starts_on),
            competency_records::ends_on.eq(fields.ends_on),
            competency_records::jp.eq(fields.jp),
            competency_records::certificate_number.eq(&fields.certificate_number),
            competency_records::created_by.eq(created_by),
        ))
        .returning(RecordRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<RecordRow>> {
    competency_records::table
        .find(id)
        .select(RecordRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<RecordRow>> {
    competency_records::table
        .find(id)
        .select(RecordRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// The records of an officer, newest first (by last day), of one year (by last day) and one status when given.
pub fn of_participant(
    conn: &mut PgConnection,
    participant_id: Uuid,
    year: Option<i32>,
    status: Option<RecordStatus>,
) -> QueryResult<Vec<RecordRow>> {
    let mut query = competency_records::table
        .filter(competency_records::participant_id.eq(participant_id))
        .select(RecordRow::as_select())
        .order((
            competency_records::ends_on.desc(),
            competency_records::id.desc(),
        ))
        .into_boxed();
    if let Some(year) = year {
        let (from, to) = year_bounds(year);
        query = query
            .filter(competency_records::ends_on.ge(from))
            .filter(competency_records::ends_on.lt(to));
    }
    if let Some(status) = status {
        query = query.filter(competency_records::status.eq(status.as_str()));
    }
    query.load(conn)
}

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    let first = |y| NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(NaiveDate::MIN);
    (first(year), first(year + 1))
}

/// `(participant_id, status, jp)` of every record ending in `year` of the active officers of `unit_id` (of every
/// unit when `None`), for the compliance lists.
pub fn jp_of_year(
    conn: &mut PgConnection,
    unit_id: Option<Uuid>,
    year: i32,
) -> QueryResult<Vec<(Uuid, RecordStatus, i32)>> {
    use crate::schema::participants;
    let (from, to) = year_bounds(year);
    let mut query = competency_records::table
        .inner_join(participants::table)
        .filter(competency_records::ends_on.ge(from))
        .filter(competency_records::ends_on.lt(to))
        .filter(participants::archived_at.is_null())
        .filter(participants::erased_at.is_null())
        .select((
            competency_records::participant_id,
            competency_records::status,
            competency_records::jp,
        ))
        .into_boxed();
    if let Some(unit_id) = unit_id {
        query = query.filter(participants::unit_id.eq(unit_id));
    }
    query.load(conn)
}

/// Writes the fields and puts the record back to `pending` (a changed record is checked again).
pub fn update(conn: &mut PgConnection, id: Uuid, fields: &RecordFields) -> QueryResult<RecordRow> {
    diesel::update(competency_records::table.find(id))
        .set((
            fields,
            competency_records::status.eq(RecordStatus::Pending.as_str()),
            competency_records::rejection_reason.eq(None::<String>),
            competency_records::decided_by.eq(None::<Uuid>),
            competency_records::decided_at.eq(None::<DateTime<Utc>>),
            competency_records::version.eq(competency_records::version + 1),
            competency_records::updated_at.eq(diesel::dsl::now),
        ))
        .returning(RecordRow::as_returning())
        .get_result(conn)
}

/// Sets the decision: `verified` (no reason) or `rejected` with its reason.
pub fn decide(
    conn: &mut PgConnection,
    id: Uuid,
    status: RecordStatus,
    reason: Option<&str>,
    by: Uuid,
) -> QueryResult<RecordRow> {
    diesel::update(competency_records::table.find(id))
        .set((
            competency_records::status.eq(status.as_str()),
            competency_records::rejection_reason.eq(reason),
            competency_records::decided_by.eq(by),
            competency_records::decided_at.eq(diesel::dsl::now),
            competency_records::version.eq(competency_records::version + 1),
            competency_records::updated_at.eq(diesel::dsl::now),
        ))
        .returning(RecordRow::as_returning())
        .get_result(conn)
}

pub fn delete(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(competency_records::table.find(id)).execute(conn)
}

/// Every record of an officer (an erasure).
pub fn delete_of_participant(conn: &mut PgConnection, participant_id: Uuid) -> QueryResult<usize> {
    diesel::delete(
        competency_records::table.filter(competency_records::participant_id.eq(participant_id)),
    )
    .execute(conn)
}

/// Stores the scan (replacing one) and its type, size and digest on the record.
pub fn put_scan(
    conn: &mut PgConnection,
    id: Uuid,
    media_type: &str,
    content: &[u8],
    sha256: &str,
) -> QueryResult<RecordRow> {
    diesel::insert_into(competency_record_scans::table)
        .values((
            competency_record_scans::record_id.eq(id),
            competency_record_scans::content.eq(content),
        ))
        .on_conflict(competency_record_scans::record_id)
        .do_update()
        .set(competency_record_scans::content.eq(content))
        .execute(conn)?;
    diesel::update(competency_records::table.find(id))
        .set((
            competency_records::scan_media_type.eq(media_type),
            competency_records::scan_bytes.eq(i32::try_from(content.len()).unwrap_or(i32::MAX)),
            competency_records::scan_sha256.eq(sha256),
            competency_records::version.eq(competency_records::version + 1),
            competency_records::updated_at.eq(diesel::dsl::now),
        ))
        .returning(RecordRow::as_returning())
        .get_result(conn)
}

/// The scan's bytes, if one was stored.
pub fn scan(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Vec<u8>>> {
    competency_record_scans::table
        .find(id)
        .select(competency_record_scans::content)
        .first(conn)
        .optional()
}

/// A form of development.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = development_forms)]
pub struct FormRow {
    pub code: String,
    pub label_id: String,
    pub label_en: String,
    pub classical: bool,
    pub sort_order: i32,
}

pub fn forms(conn: &mut PgConnection) -> QueryResult<Vec<FormRow>> {
    development_forms::table
        .select(FormRow::as_select())
        .order((development_forms::sort_order, development_forms::code))
        .load(conn)
}

pub fn form_exists(conn: &mut PgConnection, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(development_forms::table.find(code))).get_result(conn)
}
