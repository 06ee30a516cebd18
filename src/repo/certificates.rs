//! The `certificates` table and its yearly number sequence (`certificate_sequences`).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::Integer;
use uuid::Uuid;

use crate::domain::enums::Grade;
use crate::domain::enums::{CertificateKind, EventStatus};
use crate::domain::page::ListRequest;
use crate::domain::sort::CertificateSort;
use crate::repo::attendance::Scope;
use crate::schema::{certificates, events, participants, sessions, units};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certificates)]
pub struct CertificateRow {
    pub id: Uuid,
    pub enrollment_id: Uuid,
    pub event_id: Uuid,
    pub participant_id: Uuid,
    pub kind: CertificateKind,
    pub number: String,
    pub year: i32,
    pub seq: i32,
    pub verification_code: String,
    pub holder_name: String,
    pub jp: f64,
    pub issued_by: Option<Uuid>,
    pub issued_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<Uuid>,
    pub revocation_reason: Option<String>,
    pub version: i32,
    pub issued_on: NaiveDate,
    pub signatory_title: Option<String>,
    pub signatory_name: Option<String>,
    pub signatory_nip: Option<String>,
    pub signatory_place: Option<String>,
    pub signed_electronically: bool,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = certificates)]
pub struct NewCertificate {
    pub id: Uuid,
    pub enrollment_id: Uuid,
    pub event_id: Uuid,
    pub participant_id: Uuid,
    pub kind: CertificateKind,
    pub number: String,
    pub year: i32,
    pub seq: i32,
    pub verification_code: String,
    pub holder_name: String,
    pub jp: f64,
    pub issued_by: Option<Uuid>,
    pub issued_at: DateTime<Utc>,
    pub issued_on: NaiveDate,
    pub signatory_title: Option<String>,
    pub signatory_name: Option<String>,
    pub signatory_nip: Option<String>,
    pub signatory_place: Option<String>,
    pub signed_electronically: bool,
}

/// A certificate with what its printed form and its public page show of the event and the holder.
#[derive(Debug, Clone)]
pub struct CertificateDetail {
    pub certificate: CertificateRow,
    pub event_title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub host_unit_name: String,
    /// Set when the holder's personal data was erased.
    pub holder_erased_at: Option<DateTime<Utc>>,
}

/// The event as the issuing transaction sees it: locked, so that two issuers of one event take turns.
#[derive(Debug, Clone, Queryable)]
pub struct EventForIssue {
    pub status: EventStatus,
    pub host_unit_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub program_id: Option<Uuid>,
    pub signatory_title: Option<String>,
    pub signatory_name: Option<String>,
    pub signatory_nip: Option<String>,
    pub signatory_place: Option<String>,
    pub signed_electronically: Option<bool>,
}

/// The signatory a program gives its events.
#[derive(Debug, Clone, Queryable)]
pub struct ProgramSignatory {
    pub title: Option<String>,
    pub name: Option<String>,
    pub nip: Option<String>,
    pub place: Option<String>,
    pub signed_electronically: bool,
}

pub fn program_signatory(
    conn: &mut PgConnection,
    program_id: Uuid,
) -> QueryResult<Option<ProgramSignatory>> {
    use crate::schema::programs;
    programs::table
        .find(program_id)
        .select((
            programs::signatory_title,
            programs::signatory_name,
            programs::signatory_nip,
            programs::signatory_place,
            programs::signed_electronically,
        ))
        .first(conn)
        .optional()
}

/// What a certificate's printed form shows beyond the certificate itself: the event, its host unit and the
/// holder's record now (NIP, grade, position, unit).
#[derive(Debug, Clone, Queryable)]
pub struct Printable {
    pub certificate: CertificateRow,
    pub event_title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub host_unit_id: Uuid,
    pub host_unit_name: String,
    pub holder_nip: Option<String>,
    pub holder_grade: Option<Grade>,
    pub holder_position: Option<String>,
    pub holder_erased_at: Option<DateTime<Utc>>,
    pub holder_unit_name: String,
}

pub fn printable(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Printable>> {
    let (holder_units, host_units) = diesel::alias!(units as holder_units, units as host_units);
    certificates::table
        .inner_join(
            events::table
                .inner_join(host_units.on(host_units.field(units::id).eq(events::host_unit_id))),
        )
        .inner_join(
            participants::table.inner_join(
                holder_units.on(holder_units.field(units::id).eq(participants::unit_id)),
            ),
        )
        .filter(certificates::id.eq(id))
        .select((
            CertificateRow::as_select(),
            events::title,
            events::starts_on,
            events::ends_on,
            events::host_unit_id,
            host_units.field(units::name),
            participants::nip,
            participants::grade,
            participants::position,
            participants::erased_at,
            holder_units.field(units::name),
        ))
        .first(conn)
        .optional()
}

/// One session of an event's curriculum.
#[derive(Debug, Clone, Queryable)]
pub struct CurriculumSession {
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub jp: i16,
}

/// The event's sessions in the order they run.
pub fn curriculum(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Vec<CurriculumSession>> {
    sessions::table
        .filter(sessions::event_id.eq(event_id))
        .order((sessions::starts_at.asc(), sessions::id.asc()))
        .select((sessions::title, sessions::starts_at, sessions::jp))
        .load(conn)
}

/// Filters of a list.
#[derive(Debug, Clone, Copy, Default)]
pub struct CertificateFilter {
    /// Who the caller may see.
    pub scope: Scope,
    pub kind: Option<CertificateKind>,
    /// `Some(true)`: only revoked; `Some(false)`: only valid.
    pub revoked: Option<bool>,
}

/// Reads the event's status and host unit, locking its row against other issuers (`FOR NO KEY UPDATE`: foreign
/// keys to the event stay insertable).
pub fn lock_event_for_issue(
    conn: &mut PgConnection,
    event_id: Uuid,
) -> QueryResult<Option<EventForIssue>> {
    events::table
        .find(event_id)
        .select((
            events::status,
            events::host_unit_id,
            events::starts_on,
            events::ends_on,
            events::program_id,
            events::signatory_title,
            events::signatory_name,
            events::signatory_nip,
            events::signatory_place,
            events::signed_electronically,
        ))
        .for_no_key_update()
        .first(conn)
        .optional()
}

pub fn unit_code(conn: &mut PgConnection, unit_id: Uuid) -> QueryResult<String> {
    units::table.find(unit_id).select(units::code).first(conn)
}

/// The enrollments of the event that already have a certificate.
pub fn issued_enrollments(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Vec<Uuid>> {
    certificates::table
        .filter(certificates::event_id.eq(event_id))
        .select(certificates::enrollment_id)
        .load(conn)
}

#[derive(QueryableByName)]
struct LastValue {
    #[diesel(sql_type = Integer)]
    last_value: i32,
}

/// Reserves `count` consecutive numbers of the year and returns the first. The year's row stays locked until the
/// transaction ends, so concurrent issuers queue here and the numbers have neither gaps nor duplicates (a rolled
/// back transaction gives its numbers back).
pub fn reserve_numbers(conn: &mut PgConnection, year: i32, count: i32) -> QueryResult<i32> {
    let row: LastValue = diesel::sql_query(
        "INSERT INTO certificate_sequences (year, last_value) VALUES ($1, $2)
         ON CONFLICT (year) DO UPDATE SET last_value = certificate_sequences.last_value + EXCLUDED.last_value
         RETURNING last_value",
    )
    .bind::<Integer, _>(year)
    .bind::<Integer, _>(count)
    .get_result(conn)?;
    Ok(row.last_value - count + 1)
}

pub fn insert(
    conn: &mut PgConnection,
    rows: &[NewCertificate],
) -> QueryResult<Vec<CertificateRow>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    diesel::insert_into(certificates::table)
        .values(rows)
        .returning(CertificateRow::as_returning())
        .get_results(conn)
}

macro_rules! list_query {
    ($event_id:expr, $filter:expr) => {{
        let mut query = certificates::table
            .inner_join(participants::table)
            .filter(certificates::event_id.eq($event_id))
            .into_boxed();
        if let Some(unit) = $filter.scope.unit_id {
            query = query.filter(participants::unit_id.eq(unit));
        }
        if let Some(participant) = $filter.scope.participant_id {
            query = query.filter(certificates::participant_id.eq(participant));
        }
        if let Some(kind) = $filter.kind {
            query = query.filter(certificates::kind.eq(kind));
        }
        match $filter.revoked {
            Some(true) => query = query.filter(certificates::revoked_at.is_not_null()),
            Some(false) => query = query.filter(certificates::revoked_at.is_null()),
            None => {}
        }
        query
    }};
}

/// A page of an event's certificates, as the filter (and the caller's scope in it) allows.
pub fn list(
    conn: &mut PgConnection,
    event_id: Uuid,
    request: &ListRequest<CertificateFilter, CertificateSort>,
) -> QueryResult<(Vec<CertificateRow>, i64)> {
    let filter = request.filter;
    let total = list_query!(event_id, filter)
        .select(count_star())
        .get_result(conn)?;
    let query = list_query!(event_id, filter).select(CertificateRow::as_select());
    let query = match request.sort {
        CertificateSort::Number => query.order((certificates::year.asc(), certificates::seq.asc())),
        CertificateSort::NumberDesc => {
            query.order((certificates::year.desc(), certificates::seq.desc()))
        }
        CertificateSort::HolderName => {
            query.order((participants::name_search.asc(), certificates::id.asc()))
        }
        CertificateSort::HolderNameDesc => {
            query.order((participants::name_search.desc(), certificates::id.desc()))
        }
    };
    let rows = query
        .limit(request.page.limit)
        .offset(request.page.offset)
        .load(conn)?;
    Ok((rows, total))
}

/// A certificate and the unit its holder belongs to now (for the unit operator's access).
pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<(CertificateRow, Uuid)>> {
    certificates::table
        .inner_join(participants::table)
        .filter(certificates::id.eq(id))
        .select((CertificateRow::as_select(), participants::unit_id))
        .first(conn)
        .optional()
}

/// The certificate, locked until the transaction ends.
pub fn lock(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<CertificateRow>> {
    certificates::table
        .find(id)
        .select(CertificateRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn revoke(
    conn: &mut PgConnection,
    id: Uuid,
    by: Uuid,
    reason: &str,
) -> QueryResult<CertificateRow> {
    diesel::update(certificates::table.find(id))
        .set((
            certificates::revoked_at.eq(diesel::dsl::now),
            certificates::revoked_by.eq(by),
            certificates::revocation_reason.eq(reason),
            certificates::version.eq(certificates::version + 1),
        ))
        .returning(CertificateRow::as_returning())
        .get_result(conn)
}

macro_rules! detail_query {
    () => {
        certificates::table
            .inner_join(events::table.inner_join(units::table))
            .inner_join(participants::table)
            .select((
                CertificateRow::as_select(),
                events::title,
                events::starts_on,
                events::ends_on,
                units::name,
                participants::erased_at,
            ))
    };
}

type DetailTuple = (
    CertificateRow,
    String,
    NaiveDate,
    NaiveDate,
    String,
    Option<DateTime<Utc>>,
);

fn detail(
    (certificate, event_title, starts_on, ends_on, host_unit_name, erased): DetailTuple,
) -> CertificateDetail {
    CertificateDetail {
        certificate,
        event_title,
        starts_on,
        ends_on,
        host_unit_name,
        holder_erased_at: erased,
    }
}

pub fn detail_by_id(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<CertificateDetail>> {
    detail_query!()
        .filter(certificates::id.eq(id))
        .first::<DetailTuple>(conn)
        .optional()
        .map(|row| row.map(detail))
}

pub fn detail_by_code(
    conn: &mut PgConnection,
    code: &str,
) -> QueryResult<Option<CertificateDetail>> {
    detail_query!()
        .filter(certificates::verification_code.eq(code))
        .first::<DetailTuple>(conn)
        .optional()
        .map(|row| row.map(detail))
}

/// Replaces the holder's name on all their certificates (erasure under UU PDP); the numbers stay verifiable.
pub fn scrub_holder(
    conn: &mut PgConnection,
    participant_id: Uuid,
    placeholder_name: &str,
) -> QueryResult<usize> {
    diesel::update(certificates::table.filter(certificates::participant_id.eq(participant_id)))
        .set((
            certificates::holder_name.eq(placeholder_name),
            certificates::version.eq(certificates::version + 1),
        ))
        .execute(conn)
}
