//! Responses to instruments: the receipts that refuse a second submission, the responses with their answers,
//! and the pre/post-test scores a scored test writes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::enums::{
    EnrollmentStatus, QuestionType, RespondentKind, ScoreKind, ScoreSource,
};
use crate::domain::page::ListRequest;
use crate::domain::sort::ResponseSort;
use crate::schema::{
    answers, enrollments, participants, questions, response_receipts, responses, scores,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = responses, check_for_backend(diesel::pg::Pg))]
pub struct ResponseRow {
    pub id: Uuid,
    pub instrument_id: Uuid,
    pub enrollment_id: Option<Uuid>,
    pub respondent_kind: RespondentKind,
    pub score: Option<f64>,
    pub submitted_by: Option<Uuid>,
    pub submitted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = responses)]
pub struct NewResponseRow {
    pub id: Uuid,
    pub instrument_id: Uuid,
    pub enrollment_id: Option<Uuid>,
    pub respondent_kind: RespondentKind,
    pub score: Option<f64>,
    pub submitted_by: Option<Uuid>,
    pub submitted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = answers)]
pub struct NewAnswerRow {
    pub response_id: Uuid,
    pub question_id: Uuid,
    pub value_number: Option<f64>,
    pub value_options: Option<Vec<Option<String>>>,
    pub value_text: Option<String>,
    pub points: Option<f64>,
}

/// A stored answer with the type and position of its question.
#[derive(Debug, Clone, Queryable)]
pub struct AnswerRow {
    pub response_id: Uuid,
    pub question_id: Uuid,
    pub value_number: Option<f64>,
    pub value_options: Option<Vec<Option<String>>>,
    pub value_text: Option<String>,
    pub points: Option<f64>,
    pub question_type: QuestionType,
    pub position: i32,
}

/// The officer an enrollment is about.
#[derive(Debug, Clone, Queryable)]
pub struct EnrollmentSubject {
    pub enrollment_id: Uuid,
    pub event_id: Uuid,
    pub participant_id: Uuid,
    pub status: EnrollmentStatus,
    pub unit_id: Uuid,
}

pub fn enrollment_subject(
    conn: &mut PgConnection,
    enrollment_id: Uuid,
) -> QueryResult<Option<EnrollmentSubject>> {
    enrollments::table
        .inner_join(participants::table)
        .filter(enrollments::id.eq(enrollment_id))
        .select((
            enrollments::id,
            enrollments::event_id,
            enrollments::participant_id,
            enrollments::status,
            participants::unit_id,
        ))
        .first(conn)
        .optional()
}

/// The enrollments of an officer in an event (any status).
pub fn enrollments_of(
    conn: &mut PgConnection,
    event_id: Uuid,
    participant_id: Uuid,
) -> QueryResult<Vec<Uuid>> {
    enrollments::table
        .filter(enrollments::event_id.eq(event_id))
        .filter(enrollments::participant_id.eq(participant_id))
        .select(enrollments::id)
        .load(conn)
}

/// Records a submission; false when the respondent already submitted (the primary key refuses the second, also
/// when two arrive at once: the later waits for the earlier's transaction and then finds the row).
pub fn insert_receipt(
    conn: &mut PgConnection,
    instrument_id: Uuid,
    enrollment_id: Uuid,
    respondent_kind: RespondentKind,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(response_receipts::table)
        .values((
            response_receipts::instrument_id.eq(instrument_id),
            response_receipts::enrollment_id.eq(enrollment_id),
            response_receipts::respondent_kind.eq(respondent_kind),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(inserted == 1)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ResponseRow>> {
    responses::table
        .find(id)
        .select(ResponseRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_response(conn: &mut PgConnection, row: &NewResponseRow) -> QueryResult<ResponseRow> {
    diesel::insert_into(responses::table)
        .values(row)
        .returning(ResponseRow::as_returning())
        .get_result(conn)
}

pub fn insert_answers(conn: &mut PgConnection, rows: &[NewAnswerRow]) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    diesel::insert_into(answers::table)
        .values(rows)
        .execute(conn)
}

/// The current score of an enrollment of this kind, locked until the transaction ends: (score, source).
pub fn lock_score(
    conn: &mut PgConnection,
    enrollment_id: Uuid,
    kind: ScoreKind,
) -> QueryResult<Option<(f64, ScoreSource)>> {
    scores::table
        .filter(scores::enrollment_id.eq(enrollment_id))
        .filter(scores::kind.eq(kind))
        .select((scores::score, scores::source))
        .for_update()
        .first(conn)
        .optional()
}

/// Writes a score from an instrument, unless a manual score of that kind exists (manual wins); true when written.
pub fn upsert_instrument_score(
    conn: &mut PgConnection,
    enrollment_id: Uuid,
    kind: ScoreKind,
    score: f64,
    recorded_by: Uuid,
) -> QueryResult<bool> {
    // The WHERE keeps a manual score that a concurrent request inserted after our look at the row.
    let written = diesel::sql_query(
        "INSERT INTO scores (enrollment_id, kind, score, source, recorded_by) VALUES ($1, $2, $3, 'instrument', $4)
         ON CONFLICT (enrollment_id, kind) DO UPDATE
           SET score = EXCLUDED.score, source = 'instrument', recorded_by = EXCLUDED.recorded_by,
               version = scores.version + 1, updated_at = now()
           WHERE scores.source <> 'manual'",
    )
    .bind::<diesel::sql_types::Uuid, _>(enrollment_id)
    .bind::<diesel::sql_types::Text, _>(kind)
    .bind::<diesel::sql_types::Double, _>(score)
    .bind::<diesel::sql_types::Uuid, _>(recorded_by)
    .execute(conn)?;
    Ok(written == 1)
}

/// Which instrument's responses a list shows (which of them the caller sees is the [`ResponseScope`]).
#[derive(Debug, Clone)]
pub struct ResponseFilter {
    pub instrument_id: Uuid,
}

/// Which responses of an instrument a caller sees.
#[derive(Debug, Clone)]
pub enum ResponseScope {
    All,
    /// Responses about these enrollments, other than the supervisor's.
    OwnOf(Vec<Uuid>),
}

fn scoped(instrument_id: Uuid, scope: &ResponseScope) -> responses::BoxedQuery<'_, Pg> {
    let mut query = responses::table
        .filter(responses::instrument_id.eq(instrument_id))
        .into_boxed();
    if let ResponseScope::OwnOf(ids) = scope {
        query = query
            .filter(responses::enrollment_id.eq_any(ids.clone()))
            .filter(responses::respondent_kind.ne(RespondentKind::Supervisor));
    }
    query
}

/// A page of an instrument's responses as the scope allows. Anonymous responses have no time: they sort by id
/// (random), which tells nothing about who answered when.
pub fn list(
    conn: &mut PgConnection,
    scope: &ResponseScope,
    request: &ListRequest<ResponseFilter, ResponseSort>,
) -> QueryResult<(Vec<ResponseRow>, i64)> {
    let instrument_id = request.filter.instrument_id;
    let total = scoped(instrument_id, scope).count().get_result(conn)?;
    let query = scoped(instrument_id, scope).select(ResponseRow::as_select());
    let query = match request.sort {
        ResponseSort::SubmittedAt => query.order((
            responses::submitted_at.asc().nulls_last(),
            responses::id.asc(),
        )),
        ResponseSort::SubmittedAtDesc => query.order((
            responses::submitted_at.desc().nulls_last(),
            responses::id.desc(),
        )),
    };
    let rows = query
        .limit(request.page.limit)
        .offset(request.page.offset)
        .load(conn)?;
    Ok((rows, total))
}

/// The answers of the given responses, by response and question position.
pub fn answers_of(conn: &mut PgConnection, response_ids: &[Uuid]) -> QueryResult<Vec<AnswerRow>> {
    answers::table
        .inner_join(questions::table)
        .filter(answers::response_id.eq_any(response_ids))
        .select((
            answers::response_id,
            answers::question_id,
            answers::value_number,
            answers::value_options,
            answers::value_text,
            answers::points,
            questions::question_type,
            questions::position,
        ))
        .order((answers::response_id, questions::position))
        .load(conn)
}

/// The officer (id, name, erased?) behind each of the given enrollments.
pub fn officers_of(
    conn: &mut PgConnection,
    enrollment_ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, (Uuid, String, bool)>> {
    let rows: Vec<(Uuid, Uuid, String, Option<DateTime<Utc>>)> = enrollments::table
        .inner_join(participants::table)
        .filter(enrollments::id.eq_any(enrollment_ids))
        .select((
            enrollments::id,
            participants::id,
            participants::full_name,
            participants::erased_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(e, p, name, erased)| (e, (p, name, erased.is_some())))
        .collect())
}
