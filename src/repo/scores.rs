//! The `scores` table: pre, post and practical scores per enrollment, and the page of an event's score sheet.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

use crate::domain::enums::{EnrollmentStatus, ScoreKind, ScoreSource};
use crate::repo::attendance::Scope;
use crate::schema::{enrollments, scores};

/// One stored score.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = scores, check_for_backend(diesel::pg::Pg))]
pub struct ScoreRow {
    pub enrollment_id: Uuid,
    pub kind: ScoreKind,
    pub score: f64,
    pub source: ScoreSource,
    pub recorded_by: Option<Uuid>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// An approved enrollment of the score sheet, with its officer.
#[derive(Debug, Clone, QueryableByName)]
pub struct SheetLine {
    #[diesel(sql_type = SqlUuid)]
    pub enrollment_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub participant_id: Uuid,
    #[diesel(sql_type = Text)]
    pub full_name: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub erased_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

/// A page of an event's approved enrollments (by name), as the scope allows, with the count before paging.
pub fn sheet(
    conn: &mut PgConnection,
    event_id: Uuid,
    scope: Scope,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<SheetLine>> {
    diesel::sql_query(
        "SELECT e.id AS enrollment_id, e.participant_id, p.full_name, p.erased_at, count(*) OVER () AS total
         FROM enrollments e
         JOIN participants p ON p.id = e.participant_id
         WHERE e.event_id = $1 AND e.status = 'approved'
           AND ($2::uuid IS NULL OR p.unit_id = $2)
           AND ($3::uuid IS NULL OR e.participant_id = $3)
         ORDER BY p.name_search, e.id
         LIMIT $4 OFFSET $5",
    )
    .bind::<SqlUuid, _>(event_id)
    .bind::<Nullable<SqlUuid>, _>(scope.unit_id)
    .bind::<Nullable<SqlUuid>, _>(scope.participant_id)
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(offset)
    .load(conn)
}

/// The sheet lines of the given enrollments (for the answer of a write), in no particular order.
pub fn sheet_lines(
    conn: &mut PgConnection,
    enrollment_ids: &[Uuid],
) -> QueryResult<Vec<SheetLine>> {
    diesel::sql_query(
        "SELECT e.id AS enrollment_id, e.participant_id, p.full_name, p.erased_at, 0::int8 AS total
         FROM enrollments e JOIN participants p ON p.id = e.participant_id
         WHERE e.id = ANY($1)",
    )
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(enrollment_ids)
    .load(conn)
}

/// The scores of the given enrollments.
pub fn of_enrollments(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<ScoreRow>> {
    scores::table
        .filter(scores::enrollment_id.eq_any(ids))
        .select(ScoreRow::as_select())
        .load(conn)
}

/// The scores of the given enrollments, locked until the transaction ends.
pub fn lock_of_enrollments(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<ScoreRow>> {
    scores::table
        .filter(scores::enrollment_id.eq_any(ids))
        .select(ScoreRow::as_select())
        .for_update()
        .load(conn)
}

/// Serializes the score writes of one event (a transaction-scoped advisory lock), so that the old values the
/// audit log records are the ones replaced, even when two writers create the same score at once.
pub fn lock_event_scores(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended('scores:' || $1::text, 0))")
        .bind::<SqlUuid, _>(event_id)
        .execute(conn)
        .map(|_| ())
}

/// The approved enrollments of an event among `ids`, with their officers: (enrollment, participant).
pub fn approved_in_event(
    conn: &mut PgConnection,
    event_id: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, Uuid)>> {
    enrollments::table
        .filter(enrollments::event_id.eq(event_id))
        .filter(enrollments::status.eq(EnrollmentStatus::Approved))
        .filter(enrollments::id.eq_any(ids))
        .select((enrollments::id, enrollments::participant_id))
        .load(conn)
}

/// Inserts or replaces a manual score (its version increases).
pub fn upsert_manual(
    conn: &mut PgConnection,
    enrollment_id: Uuid,
    kind: ScoreKind,
    score: f64,
    recorded_by: Uuid,
) -> QueryResult<usize> {
    diesel::insert_into(scores::table)
        .values((
            scores::enrollment_id.eq(enrollment_id),
            scores::kind.eq(kind),
            scores::score.eq(score),
            scores::source.eq(ScoreSource::Manual),
            scores::recorded_by.eq(recorded_by),
        ))
        .on_conflict((scores::enrollment_id, scores::kind))
        .do_update()
        .set((
            scores::score.eq(score),
            scores::source.eq(ScoreSource::Manual),
            scores::recorded_by.eq(recorded_by),
            scores::version.eq(scores::version + 1),
            scores::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
}

pub fn delete(conn: &mut PgConnection, enrollment_id: Uuid, kind: ScoreKind) -> QueryResult<usize> {
    diesel::delete(
        scores::table
            .filter(scores::enrollment_id.eq(enrollment_id))
            .filter(scores::kind.eq(kind)),
    )
    .execute(conn)
}
