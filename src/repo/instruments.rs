//! The `instruments` table with its ordered `questions`, and the `instrument_templates` table.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::exists;
use diesel::pg::Pg;
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::enums::{
    EnrollmentStatus, InstrumentKind, InstrumentStatus, QuestionType, RespondentKind,
};
use crate::domain::page::ListRequest;
use crate::domain::sort::{InstrumentSort, TemplateSort};
use crate::schema::{
    enrollments, instrument_templates, instruments, participants, questions, response_receipts,
    responses, sessions,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = instruments, check_for_backend(diesel::pg::Pg))]
pub struct InstrumentRow {
    pub id: Uuid,
    pub event_id: Uuid,
    pub kind: InstrumentKind,
    pub title: String,
    pub description: Option<String>,
    pub status: InstrumentStatus,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub anonymous: bool,
    pub session_id: Option<Uuid>,
    pub facilitator_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub respondent_kinds: Vec<Option<RespondentKind>>,
    pub template_id: Option<Uuid>,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = instruments)]
pub struct NewInstrumentRow {
    pub id: Uuid,
    pub event_id: Uuid,
    pub kind: InstrumentKind,
    pub title: String,
    pub description: Option<String>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub anonymous: bool,
    pub session_id: Option<Uuid>,
    pub facilitator_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub respondent_kinds: Vec<Option<RespondentKind>>,
    pub template_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
}

/// A partial update; `None` leaves a column as it is, `Some(None)` clears a nullable one.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = instruments)]
pub struct InstrumentChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub status: Option<InstrumentStatus>,
    pub opens_at: Option<Option<DateTime<Utc>>>,
    pub closes_at: Option<Option<DateTime<Utc>>>,
    pub anonymous: Option<bool>,
    pub session_id: Option<Option<Uuid>>,
    pub facilitator_id: Option<Option<Uuid>>,
    pub due_on: Option<Option<NaiveDate>>,
    pub respondent_kinds: Option<Vec<Option<RespondentKind>>>,
}

impl InstrumentChanges {
    fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.status.is_none()
            && self.opens_at.is_none()
            && self.closes_at.is_none()
            && self.anonymous.is_none()
            && self.session_id.is_none()
            && self.facilitator_id.is_none()
            && self.due_on.is_none()
            && self.respondent_kinds.is_none()
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = questions, check_for_backend(diesel::pg::Pg))]
pub struct QuestionRow {
    pub id: Uuid,
    pub instrument_id: Uuid,
    pub position: i32,
    pub question_type: QuestionType,
    pub prompt: String,
    pub required: bool,
    pub settings: Value,
    pub points: f64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = questions)]
pub struct NewQuestionRow {
    pub id: Uuid,
    pub instrument_id: Uuid,
    pub position: i32,
    pub question_type: QuestionType,
    pub prompt: String,
    pub required: bool,
    pub settings: Value,
    pub points: f64,
}

#[derive(Debug, Clone)]
pub struct InstrumentFilter {
    pub event_id: Uuid,
    pub kind: Option<InstrumentKind>,
    pub status: Option<InstrumentStatus>,
    /// Leave out drafts (callers who do not manage the event).
    pub without_drafts: bool,
}

fn filtered(filter: &InstrumentFilter) -> instruments::BoxedQuery<'_, Pg> {
    let mut query = instruments::table
        .filter(instruments::event_id.eq(filter.event_id))
        .into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(instruments::kind.eq(kind));
    }
    if let Some(status) = filter.status {
        query = query.filter(instruments::status.eq(status));
    }
    if filter.without_drafts {
        query = query.filter(instruments::status.ne(InstrumentStatus::Draft));
    }
    query
}

/// A page of an event's instruments.
pub fn list(
    conn: &mut PgConnection,
    request: &ListRequest<InstrumentFilter, InstrumentSort>,
) -> QueryResult<(Vec<InstrumentRow>, i64)> {
    let filter = &request.filter;
    let total = filtered(filter).count().get_result(conn)?;
    let query = filtered(filter).select(InstrumentRow::as_select());
    let query = match request.sort {
        InstrumentSort::CreatedAt => {
            query.order((instruments::created_at.asc(), instruments::id.asc()))
        }
        InstrumentSort::CreatedAtDesc => {
            query.order((instruments::created_at.desc(), instruments::id.desc()))
        }
        InstrumentSort::Title => query.order((instruments::title.asc(), instruments::id.asc())),
        InstrumentSort::TitleDesc => {
            query.order((instruments::title.desc(), instruments::id.desc()))
        }
    };
    let rows = query
        .limit(request.page.limit)
        .offset(request.page.offset)
        .load(conn)?;
    Ok((rows, total))
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<InstrumentRow>> {
    instruments::table
        .find(id)
        .select(InstrumentRow::as_select())
        .first(conn)
        .optional()
}

/// Locks the instrument against every concurrent change (and submission) until the transaction ends.
pub fn find_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<InstrumentRow>> {
    instruments::table
        .find(id)
        .select(InstrumentRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Locks the instrument against changes (status, window) while a response is written; submissions of the same
/// instrument proceed side by side.
pub fn find_for_share(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<InstrumentRow>> {
    instruments::table
        .find(id)
        .select(InstrumentRow::as_select())
        .for_share()
        .first(conn)
        .optional()
}

/// The questions of the given instruments, by instrument and position.
pub fn questions_of(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<QuestionRow>> {
    questions::table
        .filter(questions::instrument_id.eq_any(ids))
        .select(QuestionRow::as_select())
        .order((questions::instrument_id, questions::position))
        .load(conn)
}

pub fn insert(conn: &mut PgConnection, row: &NewInstrumentRow) -> QueryResult<InstrumentRow> {
    diesel::insert_into(instruments::table)
        .values(row)
        .returning(InstrumentRow::as_returning())
        .get_result(conn)
}

/// Replaces the questions of an instrument.
pub fn replace_questions(
    conn: &mut PgConnection,
    instrument_id: Uuid,
    rows: &[NewQuestionRow],
) -> QueryResult<()> {
    diesel::delete(questions::table.filter(questions::instrument_id.eq(instrument_id)))
        .execute(conn)?;
    diesel::insert_into(questions::table)
        .values(rows)
        .execute(conn)?;
    Ok(())
}

/// Applies `changes`, bumping `version` and `updated_at` (also when nothing else changes).
pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &InstrumentChanges,
) -> QueryResult<InstrumentRow> {
    let target = instruments::table.find(id);
    let bump = (
        instruments::version.eq(instruments::version + 1),
        instruments::updated_at.eq(diesel::dsl::now),
    );
    if changes.is_empty() {
        return diesel::update(target)
            .set(bump)
            .returning(InstrumentRow::as_returning())
            .get_result(conn);
    }
    diesel::update(target)
        .set((changes, bump))
        .returning(InstrumentRow::as_returning())
        .get_result(conn)
}

pub fn delete(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(instruments::table.find(id)).execute(conn)
}

/// Whether anybody has answered the instrument (a receipt exists for every submission, anonymous ones too).
pub fn has_responses(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    let receipts: bool = diesel::select(exists(
        response_receipts::table.filter(response_receipts::instrument_id.eq(id)),
    ))
    .get_result(conn)?;
    if receipts {
        return Ok(true);
    }
    diesel::select(exists(
        responses::table.filter(responses::instrument_id.eq(id)),
    ))
    .get_result(conn)
}

/// The event of a session, if the session exists.
pub fn session_event(conn: &mut PgConnection, session_id: Uuid) -> QueryResult<Option<Uuid>> {
    sessions::table
        .find(session_id)
        .select(sessions::event_id)
        .first(conn)
        .optional()
}

/// Whether an officer of the unit has an approved enrollment in the event.
pub fn unit_has_approved_officer(
    conn: &mut PgConnection,
    event_id: Uuid,
    unit_id: Uuid,
) -> QueryResult<bool> {
    diesel::select(exists(
        enrollments::table
            .inner_join(participants::table)
            .filter(enrollments::event_id.eq(event_id))
            .filter(enrollments::status.eq(EnrollmentStatus::Approved))
            .filter(participants::unit_id.eq(unit_id)),
    ))
    .get_result(conn)
}

/// The approved enrollment of an officer in an event.
pub fn approved_enrollment(
    conn: &mut PgConnection,
    event_id: Uuid,
    participant_id: Uuid,
) -> QueryResult<Option<Uuid>> {
    enrollments::table
        .filter(enrollments::event_id.eq(event_id))
        .filter(enrollments::participant_id.eq(participant_id))
        .filter(enrollments::status.eq(EnrollmentStatus::Approved))
        .select(enrollments::id)
        .first(conn)
        .optional()
}

// --- templates

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = instrument_templates, check_for_backend(diesel::pg::Pg))]
pub struct TemplateRow {
    pub id: Uuid,
    pub name: String,
    pub kind: InstrumentKind,
    pub title: String,
    pub description: Option<String>,
    pub anonymous: bool,
    pub questions: Value,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = instrument_templates)]
pub struct NewTemplateRow {
    pub id: Uuid,
    pub name: String,
    pub kind: InstrumentKind,
    pub title: String,
    pub description: Option<String>,
    pub anonymous: bool,
    pub questions: Value,
    pub created_by: Option<Uuid>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = instrument_templates)]
pub struct TemplateChanges {
    pub name: Option<String>,
    pub kind: Option<InstrumentKind>,
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub anonymous: Option<bool>,
    pub questions: Option<Value>,
}

impl TemplateChanges {
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.kind.is_none()
            && self.title.is_none()
            && self.description.is_none()
            && self.anonymous.is_none()
            && self.questions.is_none()
    }
}

/// Which templates a list shows.
#[derive(Debug, Clone, Default)]
pub struct TemplateFilter {
    pub kind: Option<InstrumentKind>,
}

pub fn list_templates(
    conn: &mut PgConnection,
    request: &ListRequest<TemplateFilter, TemplateSort>,
) -> QueryResult<(Vec<TemplateRow>, i64)> {
    let kind = request.filter.kind;
    let filtered = || {
        let mut query = instrument_templates::table.into_boxed::<Pg>();
        if let Some(kind) = kind {
            query = query.filter(instrument_templates::kind.eq(kind));
        }
        query
    };
    let total = filtered().count().get_result(conn)?;
    let query = filtered().select(TemplateRow::as_select());
    let query = match request.sort {
        TemplateSort::Name => query.order((
            instrument_templates::name.asc(),
            instrument_templates::id.asc(),
        )),
        TemplateSort::NameDesc => query.order((
            instrument_templates::name.desc(),
            instrument_templates::id.desc(),
        )),
        TemplateSort::CreatedAt => query.order((
            instrument_templates::created_at.asc(),
            instrument_templates::id.asc(),
        )),
        TemplateSort::CreatedAtDesc => query.order((
            instrument_templates::created_at.desc(),
            instrument_templates::id.desc(),
        )),
    };
    let rows = query
        .limit(request.page.limit)
        .offset(request.page.offset)
        .load(conn)?;
    Ok((rows, total))
}

pub fn find_template(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<TemplateRow>> {
    instrument_templates::table
        .find(id)
        .select(TemplateRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_template_for_update(
    conn: &mut PgConnection,
    id: Uuid,
) -> QueryResult<Option<TemplateRow>> {
    instrument_templates::table
        .find(id)
        .select(TemplateRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Whether another template has this name.
pub fn template_name_taken(
    conn: &mut PgConnection,
    name: &str,
    except: Option<Uuid>,
) -> QueryResult<bool> {
    let mut query = instrument_templates::table
        .filter(instrument_templates::name.eq(name.to_owned()))
        .into_boxed::<Pg>();
    if let Some(id) = except {
        query = query.filter(instrument_templates::id.ne(id));
    }
    diesel::select(exists(query)).get_result(conn)
}

pub fn insert_template(conn: &mut PgConnection, row: &NewTemplateRow) -> QueryResult<TemplateRow> {
    diesel::insert_into(instrument_templates::table)
        .values(row)
        .returning(TemplateRow::as_returning())
        .get_result(conn)
}

pub fn update_template(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &TemplateChanges,
) -> QueryResult<TemplateRow> {
    let target = instrument_templates::table.find(id);
    let bump = (
        instrument_templates::version.eq(instrument_templates::version + 1),
        instrument_templates::updated_at.eq(diesel::dsl::now),
    );
    if changes.is_empty() {
        return diesel::update(target)
            .set(bump)
            .returning(TemplateRow::as_returning())
            .get_result(conn);
    }
    diesel::update(target)
        .set((changes, bump))
        .returning(TemplateRow::as_returning())
        .get_result(conn)
}

pub fn delete_template(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(instrument_templates::table.find(id)).execute(conn)
}
