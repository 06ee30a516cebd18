//! The rows of the CSV exports, fetched in keyset pages (never the whole event at once): the sessions of the
//! attendance matrix, the statuses of a page of officers, and the answers of the evaluation recap. The officer
//! lines themselves come from `repo::results::for_event`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{
    BigInt, Bool, Double, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use uuid::Uuid;

use crate::domain::enums::{AttendanceStatus, InstrumentKind, QuestionType, RespondentKind};
use crate::schema::{attendance, sessions};

/// A session: a column of the attendance matrix.
#[derive(Debug, Clone, Queryable)]
pub struct SessionColumn {
    pub id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
}

pub fn sessions(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Vec<SessionColumn>> {
    sessions::table
        .filter(sessions::event_id.eq(event_id))
        .order((sessions::starts_at.asc(), sessions::id.asc()))
        .select((sessions::id, sessions::title, sessions::starts_at))
        .load(conn)
}

/// The attendance records of the given enrollments in the event's sessions: (enrollment, session, status).
pub fn statuses(
    conn: &mut PgConnection,
    event_id: Uuid,
    enrollment_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, Uuid, AttendanceStatus)>> {
    attendance::table
        .inner_join(sessions::table)
        .filter(sessions::event_id.eq(event_id))
        .filter(attendance::enrollment_id.eq_any(enrollment_ids))
        .select((
            attendance::enrollment_id,
            attendance::session_id,
            attendance::status,
        ))
        .load(conn)
}

/// Where a page of the evaluation recap ends: the sort key of its last row.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerKey {
    pub instrument_created_at: DateTime<Utc>,
    pub instrument_id: Uuid,
    pub response_id: Uuid,
    pub position: i32,
}

/// One question of one response. The officer columns are null where the instrument is anonymous.
#[derive(Debug, Clone, QueryableByName)]
pub struct AnswerRow {
    #[diesel(sql_type = Timestamptz)]
    pub instrument_created_at: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    pub instrument_id: Uuid,
    #[diesel(sql_type = Text)]
    pub instrument_title: String,
    #[diesel(sql_type = Text)]
    pub kind: InstrumentKind,
    #[diesel(sql_type = Bool)]
    pub anonymous: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub session_title: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub facilitator: Option<String>,
    #[diesel(sql_type = SqlUuid)]
    pub response_id: Uuid,
    #[diesel(sql_type = Text)]
    pub respondent_kind: RespondentKind,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub submitted_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub nip: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub full_name: Option<String>,
    #[diesel(sql_type = Nullable<Double>)]
    pub response_score: Option<f64>,
    #[diesel(sql_type = Integer)]
    pub position: i32,
    #[diesel(sql_type = Text)]
    pub prompt: String,
    #[diesel(sql_type = Text)]
    pub question_type: QuestionType,
    #[diesel(sql_type = Nullable<Double>)]
    pub value_number: Option<f64>,
    /// The chosen options' keys, `|`-separated.
    #[diesel(sql_type = Nullable<Text>)]
    pub value_options: Option<String>,
    /// The chosen options' labels in the question's order, `; `-separated.
    #[diesel(sql_type = Nullable<Text>)]
    pub option_labels: Option<String>,
    /// A Likert answer's label (`Baik`).
    #[diesel(sql_type = Nullable<Text>)]
    pub likert_label: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub value_text: Option<String>,
    #[diesel(sql_type = Nullable<Double>)]
    pub points: Option<f64>,
}

impl AnswerRow {
    pub fn key(&self) -> AnswerKey {
        AnswerKey {
            instrument_created_at: self.instrument_created_at,
            instrument_id: self.instrument_id,
            response_id: self.response_id,
            position: self.position,
        }
    }
}

/// A page of the evaluation recap: every question of every response of the event's instruments (answered or
/// not), after `after`, by instrument, response and question. The officer of an erased record shows no NIP or
/// name; an anonymous instrument never shows them.
pub fn answers(
    conn: &mut PgConnection,
    event_id: Uuid,
    after: Option<&AnswerKey>,
    limit: i64,
) -> QueryResult<Vec<AnswerRow>> {
    diesel::sql_query(
        "SELECT i.created_at AS instrument_created_at, i.id AS instrument_id, i.title AS instrument_title, i.kind,
                i.anonymous, s.title AS session_title, coalesce(u.display_name, u.username) AS facilitator,
                r.id AS response_id, r.respondent_kind, r.submitted_at,
                CASE WHEN i.anonymous OR p.erased_at IS NOT NULL THEN NULL ELSE p.nip END AS nip,
                CASE WHEN i.anonymous OR p.erased_at IS NOT NULL THEN NULL ELSE p.full_name END AS full_name,
                r.score AS response_score,
                q.position, q.prompt, q.question_type, a.value_number,
                array_to_string(a.value_options, '|') AS value_options,
                CASE WHEN a.value_options IS NOT NULL THEN
                    (SELECT string_agg(o.value->>'label', '; ' ORDER BY o.n)
                     FROM jsonb_array_elements(q.settings->'options') WITH ORDINALITY AS o(value, n)
                     WHERE o.value->>'key' = ANY(a.value_options))
                END AS option_labels,
                CASE WHEN q.question_type = 'likert' AND a.value_number IS NOT NULL
                     THEN q.settings->'labels'->>(a.value_number::int - 1) END AS likert_label,
                a.value_text, a.points
         FROM instruments i
         JOIN responses r ON r.instrument_id = i.id
         JOIN questions q ON q.instrument_id = i.id
         LEFT JOIN answers a ON a.response_id = r.id AND a.question_id = q.id
         LEFT JOIN sessions s ON s.id = i.session_id
         LEFT JOIN users u ON u.id = i.facilitator_id
         LEFT JOIN enrollments e ON e.id = r.enrollment_id AND NOT i.anonymous
         LEFT JOIN participants p ON p.id = e.participant_id
         WHERE i.event_id = $1
           AND ($2::timestamptz IS NULL OR (i.created_at, i.id, r.id, q.position) > ($2, $3::uuid, $4::uuid, $5::int4))
         ORDER BY i.created_at, i.id, r.id, q.position
         LIMIT $6",
    )
    .bind::<SqlUuid, _>(event_id)
    .bind::<Nullable<Timestamptz>, _>(after.map(|k| k.instrument_created_at))
    .bind::<Nullable<SqlUuid>, _>(after.map(|k| k.instrument_id))
    .bind::<Nullable<SqlUuid>, _>(after.map(|k| k.response_id))
    .bind::<Nullable<Integer>, _>(after.map(|k| k.position))
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// What the title block of an export names: the event, its dates, its host unit and the places of its sessions.
#[derive(Debug, Clone)]
pub struct EventHeading {
    pub title: String,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    pub host_unit_name: String,
    /// The sessions' distinct locations, in the order they are first used.
    pub locations: Vec<String>,
}

/// The event's heading, if it exists.
pub fn event_heading(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Option<EventHeading>> {
    use crate::schema::{events, units};
    let Some((title, starts_on, ends_on, host_unit_name)) = events::table
        .inner_join(units::table)
        .filter(events::id.eq(event_id))
        .select((
            events::title,
            events::starts_on,
            events::ends_on,
            units::name,
        ))
        .first::<(String, chrono::NaiveDate, chrono::NaiveDate, String)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let mut locations: Vec<String> = Vec::new();
    for location in sessions::table
        .filter(sessions::event_id.eq(event_id))
        .filter(sessions::location.is_not_null())
        .order((sessions::starts_at.asc(), sessions::id.asc()))
        .select(sessions::location.assume_not_null())
        .load::<String>(conn)?
    {
        if !locations.contains(&location) {
            locations.push(location);
        }
    }
    Ok(Some(EventHeading {
        title,
        starts_on,
        ends_on,
        host_unit_name,
        locations,
    }))
}

#[derive(QueryableByName)]
struct ParticipantId {
    #[diesel(sql_type = SqlUuid)]
    participant_id: Uuid,
}

/// The officers whose full NIP an export of the event shows, by id: the approved officers (the attendance and
/// score files) or the respondents of instruments that are not anonymous (the evaluation recap), erased ones
/// and records without a NIP left out, as the files leave them out.
pub fn nip_holders(
    conn: &mut PgConnection,
    event_id: Uuid,
    respondents: bool,
) -> QueryResult<Vec<Uuid>> {
    let query = if respondents {
        "SELECT DISTINCT e.participant_id
         FROM instruments i
         JOIN responses r ON r.instrument_id = i.id
         JOIN enrollments e ON e.id = r.enrollment_id
         JOIN participants p ON p.id = e.participant_id
         WHERE i.event_id = $1 AND NOT i.anonymous AND p.erased_at IS NULL AND p.nip IS NOT NULL
           AND EXISTS (SELECT 1 FROM questions q WHERE q.instrument_id = i.id)
         ORDER BY 1"
    } else {
        "SELECT e.participant_id
         FROM enrollments e
         JOIN participants p ON p.id = e.participant_id
         WHERE e.event_id = $1 AND e.status = 'approved' AND p.erased_at IS NULL AND p.nip IS NOT NULL
         ORDER BY 1"
    };
    Ok(diesel::sql_query(query)
        .bind::<SqlUuid, _>(event_id)
        .load::<ParticipantId>(conn)?
        .into_iter()
        .map(|r| r.participant_id)
        .collect())
}
