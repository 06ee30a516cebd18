//! The queries of a subject's data export (UU PDP arts. 7-8): everything stored about one officer, table by
//! table. Anonymous evaluations are left out: their responses carry no enrollment, so nothing ties them to the
//! officer.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{
    Array, Bool, Double, Int8, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use uuid::Uuid;

use crate::domain::enums::{
    AttendanceMethod, AttendanceStatus, CertificateKind, EnrollmentStatus, InstrumentKind,
    RespondentKind, ScoreKind, ScoreSource,
};
use crate::domain::role::Role;

/// The officer's user account, without its password hash and token version.
#[derive(Debug, QueryableByName)]
pub struct AccountRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub username: String,
    #[diesel(sql_type = Text)]
    pub role: Role,
    #[diesel(sql_type = Nullable<Text>)]
    pub display_name: Option<String>,
    #[diesel(sql_type = Bool)]
    pub is_active: bool,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_login_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

pub fn accounts(conn: &mut PgConnection, participant_id: Uuid) -> QueryResult<Vec<AccountRow>> {
    diesel::sql_query(
        "SELECT id, username, role, display_name, is_active, last_login_at, created_at \
         FROM users WHERE participant_id = $1 ORDER BY created_at, id",
    )
    .bind::<SqlUuid, _>(participant_id)
    .load(conn)
}

/// An enrollment with its event's title (the check-in code, a credential, is left out).
#[derive(Debug, QueryableByName)]
pub struct EnrollmentRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub event_title: String,
    #[diesel(sql_type = Text)]
    pub status: EnrollmentStatus,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub decided_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub waitlisted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub note: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

pub fn enrollments(
    conn: &mut PgConnection,
    participant_id: Uuid,
) -> QueryResult<Vec<EnrollmentRow>> {
    diesel::sql_query(
        "SELECT e.id, e.event_id, ev.title AS event_title, e.status, e.decided_at, e.waitlisted_at, e.note, \
                e.created_at, e.updated_at \
         FROM enrollments e JOIN events ev ON ev.id = e.event_id \
         WHERE e.participant_id = $1 ORDER BY e.created_at, e.id",
    )
    .bind::<SqlUuid, _>(participant_id)
    .load(conn)
}

/// An attendance record with its session.
#[derive(Debug, QueryableByName)]
pub struct AttendanceRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub session_id: Uuid,
    #[diesel(sql_type = Text)]
    pub session_title: String,
    #[diesel(sql_type = Timestamptz)]
    pub session_starts_at: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    pub enrollment_id: Uuid,
    #[diesel(sql_type = Text)]
    pub status: AttendanceStatus,
    #[diesel(sql_type = Text)]
    pub method: AttendanceMethod,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub checked_in_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub note: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

pub fn attendance(
    conn: &mut PgConnection,
    participant_id: Uuid,
) -> QueryResult<Vec<AttendanceRow>> {
    diesel::sql_query(
        "SELECT a.id, a.session_id, s.title AS session_title, s.starts_at AS session_starts_at, a.enrollment_id, \
                a.status, a.method, a.checked_in_at, a.note, a.created_at \
         FROM attendance a JOIN sessions s ON s.id = a.session_id \
         WHERE a.participant_id = $1 ORDER BY s.starts_at, a.id",
    )
    .bind::<SqlUuid, _>(participant_id)
    .load(conn)
}

/// One answer of a response that names the officer (through its enrollment), with its response and question.
#[derive(Debug, QueryableByName)]
pub struct AnswerRow {
    #[diesel(sql_type = SqlUuid)]
    pub response_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub instrument_id: Uuid,
    #[diesel(sql_type = Text)]
    pub instrument_title: String,
    #[diesel(sql_type = Text)]
    pub instrument_kind: InstrumentKind,
    #[diesel(sql_type = SqlUuid)]
    pub enrollment_id: Uuid,
    #[diesel(sql_type = Text)]
    pub respondent_kind: RespondentKind,
    #[diesel(sql_type = Nullable<Double>)]
    pub response_score: Option<f64>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub submitted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub question_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub prompt: Option<String>,
    #[diesel(sql_type = Nullable<Double>)]
    pub value_number: Option<f64>,
    #[diesel(sql_type = Nullable<Array<Nullable<Text>>>)]
    pub value_options: Option<Vec<Option<String>>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub value_text: Option<String>,
    #[diesel(sql_type = Nullable<Double>)]
    pub points: Option<f64>,
}

/// The officer's non-anonymous responses and their answers (a response without answers gives one row with null
/// answer columns), by submission then question position.
pub fn answers(conn: &mut PgConnection, participant_id: Uuid) -> QueryResult<Vec<AnswerRow>> {
    diesel::sql_query(
        "SELECT r.id AS response_id, r.instrument_id, i.title AS instrument_title, i.kind AS instrument_kind, \
                r.enrollment_id, r.respondent_kind, r.score AS response_score, r.submitted_at, \
                q.id AS question_id, q.prompt, a.value_number, a.value_options, a.value_text, a.points \
         FROM responses r \
         JOIN enrollments e ON e.id = r.enrollment_id \
         JOIN instruments i ON i.id = r.instrument_id \
         LEFT JOIN answers a ON a.response_id = r.id \
         LEFT JOIN questions q ON q.id = a.question_id \
         WHERE e.participant_id = $1 AND NOT i.anonymous \
         ORDER BY r.submitted_at, r.id, q.position, q.id",
    )
    .bind::<SqlUuid, _>(participant_id)
    .load(conn)
}

/// A score of one of the officer's enrollments.
#[derive(Debug, QueryableByName)]
pub struct ScoreRow {
    #[diesel(sql_type = SqlUuid)]
    pub enrollment_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: ScoreKind,
    #[diesel(sql_type = Double)]
    pub score: f64,
    #[diesel(sql_type = Text)]
    pub source: ScoreSource,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

pub fn scores(conn: &mut PgConnection, participant_id: Uuid) -> QueryResult<Vec<ScoreRow>> {
    diesel::sql_query(
        "SELECT s.enrollment_id, e.event_id, s.kind, s.score, s.source, s.updated_at \
         FROM scores s JOIN enrollments e ON e.id = s.enrollment_id \
         WHERE e.participant_id = $1 ORDER BY e.created_at, s.enrollment_id, s.kind",
    )
    .bind::<SqlUuid, _>(participant_id)
    .load(conn)
}

/// The events in which the officer has an approved enrollment (those have a result line).
pub fn result_events(conn: &mut PgConnection, participant_id: Uuid) -> QueryResult<Vec<Uuid>> {
    use crate::schema::enrollments;
    enrollments::table
        .filter(enrollments::participant_id.eq(participant_id))
        .filter(enrollments::status.eq(EnrollmentStatus::Approved))
        .order((enrollments::created_at, enrollments::id))
        .select(enrollments::event_id)
        .load(conn)
}

/// A certificate issued to the officer (its verification code, which opens the public page, is left out).
#[derive(Debug, QueryableByName)]
pub struct CertificateRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub enrollment_id: Uuid,
    #[diesel(sql_type = Text)]
    pub kind: CertificateKind,
    #[diesel(sql_type = Text)]
    pub number: String,
    #[diesel(sql_type = Text)]
    pub holder_name: String,
    #[diesel(sql_type = Double)]
    pub jp: f64,
    #[diesel(sql_type = Timestamptz)]
    pub issued_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub revoked_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub revocation_reason: Option<String>,
}

pub fn certificates(
    conn: &mut PgConnection,
    participant_id: Uuid,
) -> QueryResult<Vec<CertificateRow>> {
    diesel::sql_query(
        "SELECT id, event_id, enrollment_id, kind, number, holder_name, jp, issued_at, revoked_at, \
                revocation_reason \
         FROM certificates WHERE participant_id = $1 ORDER BY issued_at, id",
    )
    .bind::<SqlUuid, _>(participant_id)
    .load(conn)
}

/// An audit entry about the officer.
#[derive(Debug, QueryableByName)]
pub struct AuditRow {
    #[diesel(sql_type = Int8)]
    pub id: i64,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub actor_user_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub actor_client_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub actor_role: Option<String>,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Text)]
    pub resource_type: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub resource_id: Option<Uuid>,
    #[diesel(sql_type = Jsonb)]
    pub changes: serde_json::Value,
}

/// The audit entries about the officer, oldest first (the entries of this export's own request included once it
/// recorded them).
pub fn audit(conn: &mut PgConnection, participant_id: Uuid) -> QueryResult<Vec<AuditRow>> {
    diesel::sql_query(
        "SELECT id, at, actor_user_id, actor_client_id, actor_role, action, resource_type, resource_id, changes \
         FROM audit_log WHERE participant_id = $1 ORDER BY id",
    )
    .bind::<SqlUuid, _>(participant_id)
    .load(conn)
}
