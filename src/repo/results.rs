//! Results of an event's approved officers in one aggregate query: attendance (present or late count), JP
//! earned, the pre, post and practical scores, and the event's rules. The outcome itself is decided by
//! `domain::result` from these figures.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

use crate::domain::result::ResultInputs;
use crate::repo::attendance::Scope;

#[derive(Debug, Clone, QueryableByName)]
pub struct ResultRow {
    #[diesel(sql_type = SqlUuid)]
    pub enrollment_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub participant_id: Uuid,
    #[diesel(sql_type = Text)]
    pub full_name: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub erased_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = SqlUuid)]
    pub unit_id: Uuid,
    #[diesel(sql_type = BigInt)]
    pub sessions_total: i64,
    #[diesel(sql_type = BigInt)]
    pub sessions_attended: i64,
    /// Percent with one decimal.
    #[diesel(sql_type = Double)]
    pub attendance_rate: f64,
    #[diesel(sql_type = BigInt)]
    pub jp_earned: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub pre_score: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub post_score: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub practical_score: Option<f64>,
    #[diesel(sql_type = Double)]
    pub attendance_threshold: f64,
    #[diesel(sql_type = Double)]
    pub pass_score: f64,
    /// Lines before paging.
    #[diesel(sql_type = BigInt)]
    pub total: i64,
}

impl ResultRow {
    pub fn inputs(&self) -> ResultInputs {
        ResultInputs {
            attendance_rate: self.attendance_rate,
            attendance_threshold: self.attendance_threshold,
            post_score: self.post_score,
            pass_score: self.pass_score,
        }
    }
}

/// The results of an event's approved officers, ordered by name, as the scope allows; `limit`/`offset` page.
pub fn for_event(
    conn: &mut PgConnection,
    event_id: Uuid,
    scope: Scope,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<ResultRow>> {
    diesel::sql_query(
        "WITH total AS (SELECT count(*) AS n FROM sessions WHERE event_id = $1),
         att AS (
             SELECT a.enrollment_id, count(*) AS attended, sum(s.jp) AS jp
             FROM sessions s
             JOIN attendance a ON a.session_id = s.id AND a.status IN ('present', 'late')
             WHERE s.event_id = $1
             GROUP BY a.enrollment_id),
         sc AS (
             SELECT sc.enrollment_id,
                    max(sc.score) FILTER (WHERE sc.kind = 'pre_test') AS pre_score,
                    max(sc.score) FILTER (WHERE sc.kind = 'post_test') AS post_score,
                    max(sc.score) FILTER (WHERE sc.kind = 'practical') AS practical_score
             FROM enrollments e
             JOIN scores sc ON sc.enrollment_id = e.id
             WHERE e.event_id = $1
             GROUP BY sc.enrollment_id)
         SELECT e.id AS enrollment_id, e.participant_id, p.full_name, p.erased_at, p.unit_id,
                total.n AS sessions_total,
                coalesce(att.attended, 0) AS sessions_attended,
                CASE WHEN total.n = 0 THEN 0::float8
                     ELSE round(coalesce(att.attended, 0) * 1000.0 / total.n)::float8 / 10 END AS attendance_rate,
                coalesce(att.jp, 0)::int8 AS jp_earned,
                sc.pre_score, sc.post_score, sc.practical_score,
                ev.attendance_threshold::float8 AS attendance_threshold,
                ev.pass_score::float8 AS pass_score,
                count(*) OVER () AS total
         FROM enrollments e
         JOIN events ev ON ev.id = e.event_id
         JOIN participants p ON p.id = e.participant_id
         CROSS JOIN total
         LEFT JOIN att ON att.enrollment_id = e.id
         LEFT JOIN sc ON sc.enrollment_id = e.id
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
