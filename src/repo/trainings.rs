//! An officer's trainings in this service (their transcript and the entries of their JP ledger): each enrollment in
//! an event that is not a draft, with the results of `repo::results::figures` (attendance, JP earned, outcome: the
//! events' stored result lines where valid, else computed for this officer alone) and the certificate, if one was
//! issued.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

use crate::domain::enums::{
    CertificateKind, EmployeeType, EnrollmentStatus, EventKind, EventStatus, Outcome,
};
use crate::domain::page::PageRequest;
use crate::repo::results::{self, LineFigures, Officers};

/// One training of an officer.
#[derive(Debug, Clone, QueryableByName)]
pub struct TrainingRow {
    #[diesel(sql_type = SqlUuid)]
    pub enrollment_id: Uuid,
    #[diesel(sql_type = Text)]
    pub enrollment_status: EnrollmentStatus,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub kind: EventKind,
    #[diesel(sql_type = Text)]
    pub event_status: EventStatus,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub starts_on: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub ends_on: NaiveDate,
    #[diesel(sql_type = Text)]
    pub host_unit_name: String,
    /// Approved enrollments only.
    #[diesel(sql_type = Nullable<Double>)]
    pub attendance_rate: Option<f64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub jp_earned: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub outcome: Option<Outcome>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub certificate_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub certificate_kind: Option<CertificateKind>,
    #[diesel(sql_type = Nullable<Text>)]
    pub certificate_number: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub verification_code: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub certificate_revoked_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

/// The trainings of `participant_id` (events not in draft), newest first; only the events `organizer` organizes
/// when given; only those ending in `year` when given (`domain::jp::training_year`). With the count of all.
pub fn of_participant(
    conn: &mut PgConnection,
    participant_id: Uuid,
    organizer: Option<Uuid>,
    year: Option<i32>,
    page: PageRequest,
) -> QueryResult<(Vec<TrainingRow>, i64)> {
    let mut rows: Vec<TrainingRow> = diesel::sql_query(
        "SELECT e.id AS enrollment_id, e.status AS enrollment_status, x.id AS event_id, x.title, x.kind,
                x.status AS event_status, x.starts_on, x.ends_on, h.name AS host_unit_name,
                NULL::float8 AS attendance_rate, NULL::int8 AS jp_earned, NULL::text AS outcome,
                c.id AS certificate_id, c.kind AS certificate_kind, c.number AS certificate_number,
                c.verification_code, c.revoked_at AS certificate_revoked_at,
                count(*) OVER () AS total
         FROM enrollments e
         JOIN events x ON x.id = e.event_id
         JOIN units h ON h.id = x.host_unit_id
         LEFT JOIN certificates c ON c.enrollment_id = e.id
         WHERE e.participant_id = $1 AND x.status <> 'draft'
           AND ($2::uuid IS NULL OR x.id IN (SELECT event_id FROM event_organizers WHERE user_id = $2))
           AND ($3::int4 IS NULL OR (x.ends_on >= make_date($3, 1, 1) AND x.ends_on < make_date($3 + 1, 1, 1)))
         ORDER BY x.starts_on DESC, x.id DESC
         LIMIT $4 OFFSET $5",
    )
    .bind::<SqlUuid, _>(participant_id)
    .bind::<Nullable<SqlUuid>, _>(organizer)
    .bind::<Nullable<Integer>, _>(year)
    .bind::<BigInt, _>(page.limit)
    .bind::<BigInt, _>(page.offset)
    .load(conn)?;
    if !rows.is_empty() {
        let figures: HashMap<Uuid, LineFigures> =
            results::figures(conn, Officers::One(participant_id), year)?
                .into_iter()
                .map(|f| (f.enrollment_id, f))
                .collect();
        for row in &mut rows {
            if let Some(f) = figures.get(&row.enrollment_id) {
                row.attendance_rate = Some(f.attendance_rate);
                row.jp_earned = Some(f.jp_earned);
                row.outcome = Some(f.outcome);
            }
        }
    }
    let total = match rows.first() {
        Some(row) => row.total,
        // An offset past the end: count without it.
        None if page.offset > 0 => {
            of_participant(
                conn,
                participant_id,
                organizer,
                year,
                PageRequest { offset: 0, ..page },
            )?
            .1
        }
        None => 0,
    };
    Ok((rows, total))
}

/// Every training of `participant_id` ending in `year` (events not in draft), newest first.
pub fn of_year(
    conn: &mut PgConnection,
    participant_id: Uuid,
    year: i32,
) -> QueryResult<Vec<TrainingRow>> {
    Ok(of_participant(conn, participant_id, None, Some(year), PageRequest::ALL)?.0)
}

/// The officer's employment type and whether their data was erased; `None` for an unknown officer.
pub fn officer(
    conn: &mut PgConnection,
    participant_id: Uuid,
) -> QueryResult<Option<(EmployeeType, Option<DateTime<Utc>>)>> {
    use crate::schema::participants;
    participants::table
        .find(participant_id)
        .select((participants::employee_type, participants::erased_at))
        .first(conn)
        .optional()
}
