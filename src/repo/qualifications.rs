//! The officers who hold a certificate of a program: the rows of `GET /programs/{id}/qualified-officers`.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

/// An officer and the newest of their sertifikat of the program valid on the day.
#[derive(Debug, Clone, QueryableByName)]
pub struct QualifiedRow {
    #[diesel(sql_type = SqlUuid)]
    pub participant_id: Uuid,
    #[diesel(sql_type = Text)]
    pub full_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub nip: Option<String>,
    #[diesel(sql_type = SqlUuid)]
    pub unit_id: Uuid,
    #[diesel(sql_type = Text)]
    pub unit_code: String,
    #[diesel(sql_type = Text)]
    pub unit_name: String,
    #[diesel(sql_type = SqlUuid)]
    pub certificate_id: Uuid,
    #[diesel(sql_type = Text)]
    pub certificate_number: String,
    #[diesel(sql_type = Date)]
    pub issued_on: NaiveDate,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub event_title: String,
}

/// The active officers (not archived, not erased) of `unit_id` (every unit when `None`) holding a sertifikat of an
/// event of `program_id` that was valid on `valid_on`: issued on or before it and not revoked by its end (WIB). One
/// row per officer, with their newest such certificate; by unit code, then name.
pub fn qualified(
    conn: &mut PgConnection,
    program_id: Uuid,
    valid_on: NaiveDate,
    unit_id: Option<Uuid>,
) -> QueryResult<Vec<QualifiedRow>> {
    diesel::sql_query(
        "SELECT * FROM (
             SELECT DISTINCT ON (p.id) p.id AS participant_id, p.full_name, p.nip, p.name_search, p.unit_id,
                    u.code AS unit_code, u.name AS unit_name, c.id AS certificate_id, c.number AS certificate_number,
                    c.issued_on, x.id AS event_id, x.title AS event_title
             FROM certificates c
             JOIN events x ON x.id = c.event_id
             JOIN participants p ON p.id = c.participant_id
             JOIN units u ON u.id = p.unit_id
             WHERE x.program_id = $1 AND c.kind = 'sertifikat' AND c.issued_on <= $2
               AND (c.revoked_at IS NULL OR (c.revoked_at AT TIME ZONE 'Asia/Jakarta')::date > $2)
               AND p.archived_at IS NULL AND p.erased_at IS NULL
               AND ($3::uuid IS NULL OR p.unit_id = $3)
             ORDER BY p.id, c.issued_on DESC, c.id DESC) q
         ORDER BY unit_code, name_search, participant_id",
    )
    .bind::<SqlUuid, _>(program_id)
    .bind::<Date, _>(valid_on)
    .bind::<Nullable<SqlUuid>, _>(unit_id)
    .load(conn)
}
