//! The certificates of this service as riwayat kursus rows (`service::riwayat_kursus`): one row per certificate
//! that stands (not revoked) of an officer whose data was not erased.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Double, Integer, Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::domain::enums::{CertificateKind, EventKind};

#[derive(Debug, Clone, QueryableByName)]
pub struct CourseRow {
    #[diesel(sql_type = SqlUuid)]
    pub participant_id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    pub nip: Option<String>,
    #[diesel(sql_type = Text)]
    pub full_name: String,
    #[diesel(sql_type = SqlUuid)]
    pub certificate_id: Uuid,
    #[diesel(sql_type = Text)]
    pub certificate_kind: CertificateKind,
    #[diesel(sql_type = Text)]
    pub certificate_number: String,
    #[diesel(sql_type = Double)]
    pub jp: f64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub event_kind: EventKind,
    #[diesel(sql_type = Text)]
    pub host_unit_name: String,
    #[diesel(sql_type = Date)]
    pub starts_on: NaiveDate,
    #[diesel(sql_type = Date)]
    pub ends_on: NaiveDate,
}

/// The standing certificates of the officer `officer`, or of the current officers (not archived) of `unit`, of
/// trainings ending in `year` when given; by officer name, then the training's start.
pub fn courses(
    conn: &mut PgConnection,
    officer: Option<Uuid>,
    unit: Option<Uuid>,
    year: Option<i32>,
) -> QueryResult<Vec<CourseRow>> {
    diesel::sql_query(
        "SELECT p.id AS participant_id, p.nip, p.full_name, c.id AS certificate_id, c.kind AS certificate_kind,
                c.number AS certificate_number, c.jp, x.title, x.kind AS event_kind, h.name AS host_unit_name,
                x.starts_on, x.ends_on
         FROM certificates c
         JOIN events x ON x.id = c.event_id
         JOIN units h ON h.id = x.host_unit_id
         JOIN participants p ON p.id = c.participant_id
         WHERE c.revoked_at IS NULL AND p.erased_at IS NULL
           AND ($1::uuid IS NULL OR p.id = $1)
           AND ($2::uuid IS NULL OR (p.unit_id = $2 AND p.archived_at IS NULL))
           AND ($3::int4 IS NULL OR (x.ends_on >= make_date($3, 1, 1) AND x.ends_on < make_date($3 + 1, 1, 1)))
         ORDER BY p.name_search, p.id, x.starts_on, c.id",
    )
    .bind::<Nullable<SqlUuid>, _>(officer)
    .bind::<Nullable<SqlUuid>, _>(unit)
    .bind::<Nullable<Integer>, _>(year)
    .load(conn)
}
