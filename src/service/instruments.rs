//! Instruments (tests and questionnaires) of an event and the reusable templates they may be copied from.
//!
//! Who: the event's managers (admins, its organizers) write its instruments and read them with the answer key.
//! Without the key, and only once they are no longer drafts: the event's approved officers, the facilitators of
//! its sessions and the operators of units with an approved officer in it. Drafts (and everything of a draft
//! event) do not exist for anybody else (404). Templates: administrators and organizers read and create them;
//! a template is changed or deleted by its creator or an administrator.
//!
//! Rules: the kind decides what an instrument may have (`anonymous`: evaluations only; `session_id` and
//! `facilitator_id`: facilitator evaluations only, and required there; `due_on` and `respondent_kinds`
//! (`alumnus`, `supervisor`): follow-ups only). Status `draft -> open -> closed`, `closed -> open` to reopen.
//! Questions are replaced as a whole, only while the instrument is a draft without responses. Instruments of a
//! completed or cancelled event cannot be created or changed, except follow-ups and evaluations of a completed
//! event within the window after it (`domain::lifecycle::FollowUpWindow`); closing is always allowed. A template
//! is a question set: it makes an instrument of any kind its questions fit.
//!
//! Writes to `instruments` and `questions` fire triggers that append `instrument.*` and `question.*` to the audit
//! log (not the change feed) and mark the event's snapshots stale; writes to `instrument_templates` append
//! `instrument_template.*` to the audit log only (migrations 000008, 000011). Deleting an instrument cascades to
//! its questions, responses and answers, whose triggers fire too.

use crate::service::ReadInput;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;
use diesel::pg::PgConnection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::certificate::wib_date;
use crate::domain::enums::{
    EventStatus, InstrumentKind, InstrumentStatus, QuestionType, RespondentKind,
};
use crate::domain::lifecycle::FollowUpWindow;
use crate::domain::page::{ListRequest, Page};
use crate::domain::questions::{self, Question, QuestionInput, SettingsInput};
use crate::domain::role::Role;
use crate::domain::sort::{InstrumentSort, TemplateSort};
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::repo::access as access_repo;
use crate::repo::events::{self as events_repo, EventRow};
use crate::repo::instruments::{
    self as repo, InstrumentChanges, InstrumentRow, NewInstrumentRow, NewQuestionRow,
    NewTemplateRow, QuestionRow, TemplateChanges, TemplateRow,
};
use crate::service::access;
use crate::service::events::{status_of, visible};
use crate::service::{DbPool, Input, Permit, allow};

pub use crate::repo::instruments::{InstrumentFilter, TemplateFilter};

pub const TITLE_MAX: usize = 300;
pub const DESCRIPTION_MAX: usize = 4000;
pub const NAME_MAX: usize = 200;

/// A request to create an instrument, as sent (checked by [`create`]).
#[derive(Debug, Default)]
pub struct NewInstrument {
    pub kind: Option<InstrumentKind>,
    pub template_id: Option<Uuid>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub anonymous: Option<bool>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub session_id: Option<Uuid>,
    pub facilitator_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub respondent_kinds: Option<Vec<RespondentKind>>,
    pub questions: Option<Vec<QuestionInput>>,
}

/// A merge patch of an instrument, as sent. `None` leaves a field; `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct InstrumentPatch {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub status: Option<InstrumentStatus>,
    pub opens_at: Option<Option<DateTime<Utc>>>,
    pub closes_at: Option<Option<DateTime<Utc>>>,
    pub anonymous: Option<bool>,
    pub session_id: Option<Option<Uuid>>,
    pub facilitator_id: Option<Option<Uuid>>,
    pub due_on: Option<Option<NaiveDate>>,
    pub respondent_kinds: Option<Vec<RespondentKind>>,
    pub questions: Option<Vec<QuestionInput>>,
}

impl InstrumentPatch {
    /// True when the patch does nothing but (possibly) close the instrument.
    fn only_closes(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && matches!(self.status, None | Some(InstrumentStatus::Closed))
            && self.opens_at.is_none()
            && self.closes_at.is_none()
            && self.anonymous.is_none()
            && self.session_id.is_none()
            && self.facilitator_id.is_none()
            && self.due_on.is_none()
            && self.respondent_kinds.is_none()
            && self.questions.is_none()
    }
}

/// A request for a page of an event's instruments.
pub type InstrumentList = ListRequest<InstrumentFilter, InstrumentSort>;

/// A request for a page of templates.
pub type TemplateList = ListRequest<TemplateFilter, TemplateSort>;

/// A question as the caller may see it: without the answer key (no `correct`, no `points` in the options) for
/// everybody but the event's managers.
#[derive(Debug, Clone)]
pub struct QuestionView {
    pub id: Uuid,
    pub position: i32,
    pub question_type: QuestionType,
    pub prompt: String,
    pub required: bool,
    pub settings: SettingsInput,
    pub points: f64,
}

fn question_view(q: QuestionRow, with_key: bool) -> Result<QuestionView, ApiError> {
    let mut settings: SettingsInput =
        serde_json::from_value(q.settings).map_err(ApiError::internal)?;
    if !with_key && let Some(options) = settings.options.as_mut() {
        for option in options {
            option.correct = None;
            option.points = None;
        }
    }
    Ok(QuestionView {
        id: q.id,
        position: q.position,
        question_type: q.question_type,
        prompt: q.prompt,
        required: q.required,
        settings,
        points: q.points,
    })
}

/// An instrument with its questions, as the caller may see it.
#[derive(Debug, Clone)]
pub struct InstrumentView {
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
    pub respondent_kinds: Vec<RespondentKind>,
    pub template_id: Option<Uuid>,
    pub questions: Vec<QuestionView>,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The instrument with its questions; `with_key` says whether the caller may see the answer key.
fn instrument_view(
    row: InstrumentRow,
    questions: Vec<QuestionRow>,
    with_key: bool,
) -> Result<InstrumentView, ApiError> {
    Ok(InstrumentView {
        questions: questions
            .into_iter()
            .map(|q| question_view(q, with_key))
            .collect::<Result<_, _>>()?,
        respondent_kinds: row.respondent_kinds.into_iter().flatten().collect(),
        id: row.id,
        event_id: row.event_id,
        kind: row.kind,
        title: row.title,
        description: row.description,
        status: row.status,
        opens_at: row.opens_at,
        closes_at: row.closes_at,
        anonymous: row.anonymous,
        session_id: row.session_id,
        facilitator_id: row.facilitator_id,
        due_on: row.due_on,
        template_id: row.template_id,
        version: row.version,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// A template as the service shows it: its questions in the shape they are sent, with the key.
#[derive(Debug, Clone)]
pub struct TemplateView {
    pub id: Uuid,
    pub name: String,
    pub kind: InstrumentKind,
    pub title: String,
    pub description: Option<String>,
    pub anonymous: bool,
    pub questions: Vec<QuestionInput>,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<TemplateRow> for TemplateView {
    type Error = ApiError;
    fn try_from(row: TemplateRow) -> Result<Self, ApiError> {
        Ok(Self {
            questions: serde_json::from_value(row.questions).map_err(ApiError::internal)?,
            id: row.id,
            name: row.name,
            kind: row.kind,
            title: row.title,
            description: row.description,
            anonymous: row.anonymous,
            version: row.version,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A request to create a template, as sent.
#[derive(Debug, Default)]
pub struct NewTemplate {
    pub name: Option<String>,
    pub from_instrument_id: Option<Uuid>,
    pub kind: Option<InstrumentKind>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub anonymous: Option<bool>,
    pub questions: Option<Vec<QuestionInput>>,
}

/// A merge patch of a template, as sent.
#[derive(Debug, Default)]
pub struct TemplatePatch {
    pub name: Option<String>,
    pub kind: Option<InstrumentKind>,
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub anonymous: Option<bool>,
    pub questions: Option<Vec<QuestionInput>>,
}

fn not_found() -> ApiError {
    ApiError::not_found("Instrument")
}

/// Whether instruments of this kind continue after the event is completed: follow-ups and the evaluations of the
/// event and of its facilitators (within the window, `domain::lifecycle::FollowUpWindow`); pre- and post-tests
/// do not.
pub fn continues_after_event(kind: InstrumentKind) -> bool {
    matches!(
        kind,
        InstrumentKind::FollowUp
            | InstrumentKind::EventEvaluation
            | InstrumentKind::FacilitatorEvaluation
    )
}

/// Whether instruments of this kind may be created or changed while the event has this status (the window after
/// a completed event aside).
pub fn editable(kind: InstrumentKind, event: EventStatus) -> bool {
    match event {
        EventStatus::Cancelled => false,
        EventStatus::Completed => continues_after_event(kind),
        _ => true,
    }
}

/// The one check of every write of an instrument but closing: the kind against the event's status, and after a
/// completed event its window (on `today`, a WIB date).
fn check_editable(
    kind: InstrumentKind,
    event: &EventRow,
    window: FollowUpWindow,
    today: NaiveDate,
) -> Result<(), ApiError> {
    let status = status_of(event)?;
    if !editable(kind, status) {
        return Err(not_editable(status));
    }
    if status == EventStatus::Completed {
        window.check(event.ends_on, today)?;
    }
    Ok(())
}

fn not_editable(event: EventStatus) -> ApiError {
    ApiError::conflict(
        "event_not_editable",
        format!(
            "The event is {event}: its instruments can no longer be created or changed (follow-ups and evaluations \
             of a completed event excepted, within the window after it; closing is always allowed)."
        ),
    )
}

/// Whether a status change is allowed: draft -> open -> closed, closed -> open; staying put is fine.
pub fn transition_allowed(from: InstrumentStatus, to: InstrumentStatus) -> bool {
    use InstrumentStatus::{Closed, Draft, Open};
    from == to || matches!((from, to), (Draft, Open) | (Open, Closed) | (Closed, Open))
}

/// What a caller may do with the instruments of an event: `Ok(true)` manage them (with the key), `Ok(false)` read
/// those that are not drafts (without the key). A draft event is 404 for non-managers; others without a link
/// to the event get 403.
fn event_access(
    conn: &mut PgConnection,
    user: &AuthUser,
    event: &EventRow,
) -> Result<bool, ApiError> {
    if access::manages_event(conn, user, event.id)? {
        return Ok(true);
    }
    if !visible(conn, user, event)? {
        return Err(ApiError::not_found("Event"));
    }
    let linked = match user.role {
        Role::Participant => match user.participant_id {
            Some(p) => repo::approved_enrollment(conn, event.id, p)?.is_some(),
            None => false,
        },
        Role::Facilitator => access_repo::leads_a_session_of_event(conn, event.id, user.id)?,
        Role::UnitOperator => match user.unit_id {
            Some(unit) => repo::unit_has_approved_officer(conn, event.id, unit)?,
            None => false,
        },
        Role::Admin | Role::Organizer => false,
    };
    if linked {
        Ok(false)
    } else {
        Err(ApiError::forbidden())
    }
}

fn load_event(conn: &mut PgConnection, event_id: Uuid) -> Result<EventRow, ApiError> {
    events_repo::find(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))
}

/// The instrument and whether the caller sees its key; 404 for drafts the caller does not manage.
fn readable(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
) -> Result<(InstrumentRow, EventRow, bool), ApiError> {
    let row = repo::find(conn, id)?.ok_or_else(not_found)?;
    let event = load_event(conn, row.event_id)?;
    let with_key = event_access(conn, user, &event).map_err(|e| match e {
        ApiError::NotFound { .. } => not_found(),
        other => other,
    })?;
    if !with_key && row.status == InstrumentStatus::Draft {
        return Err(not_found());
    }
    Ok((row, event, with_key))
}

fn view(
    conn: &mut PgConnection,
    row: InstrumentRow,
    with_key: bool,
) -> Result<InstrumentView, ApiError> {
    let questions = repo::questions_of(conn, &[row.id])?;
    instrument_view(row, questions, with_key)
}

/// A page of an event's instruments as the caller may see them (drafts only for its managers).
pub async fn list(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    request: Input<InstrumentList>,
) -> Result<Page<InstrumentView>, ApiError> {
    let user = user.clone();
    let request = ReadInput::new(request);
    db::read(pool, move |conn| {
        let event = load_event(conn, event_id)?;
        let with_key = event_access(conn, &user, &event)?;
        let mut request = request.open(&Permit::granted())?;
        request.filter.event_id = event_id;
        request.filter.without_drafts = !with_key;
        let (rows, total) = repo::list(conn, &request)?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut all = repo::questions_of(conn, &ids)?;
        let items = rows
            .into_iter()
            .map(|row| {
                let (mine, rest): (Vec<QuestionRow>, Vec<QuestionRow>) =
                    all.drain(..).partition(|q| q.instrument_id == row.id);
                all = rest;
                instrument_view(row, mine, with_key)
            })
            .collect::<Result<_, _>>()?;
        Ok(Page::new(items, total, request.page))
    })
    .await
}

pub async fn get(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<InstrumentView, ApiError> {
    let user = user.clone();
    db::read(pool, move |conn| {
        let (row, _, with_key) = readable(conn, &user, id)?;
        view(conn, row, with_key)
    })
    .await
}

/// The full state of an instrument to check: what its kind allows, its target and its window.
struct Shape {
    kind: InstrumentKind,
    anonymous: bool,
    session_id: Option<Uuid>,
    facilitator_id: Option<Uuid>,
    due_on: Option<NaiveDate>,
    respondent_kinds: Option<Vec<RespondentKind>>,
    opens_at: Option<DateTime<Utc>>,
    closes_at: Option<DateTime<Utc>>,
}

/// Checks a shape against its kind and event; returns the respondent kinds to store.
/// Whether instruments of this kind may be anonymous: event and facilitator evaluations only.
pub fn anonymous_allowed(kind: InstrumentKind) -> bool {
    matches!(
        kind,
        InstrumentKind::EventEvaluation | InstrumentKind::FacilitatorEvaluation
    )
}

fn anonymous_not_applicable() -> FieldError {
    FieldError::new(
        "anonymous",
        "not_applicable",
        "only event and facilitator evaluations may be anonymous",
    )
}

fn check_shape(
    conn: &mut PgConnection,
    event_id: Uuid,
    shape: &Shape,
    errors: &mut Vec<FieldError>,
) -> Result<Vec<Option<RespondentKind>>, ApiError> {
    let kind = shape.kind;
    if shape.anonymous && !anonymous_allowed(kind) {
        errors.push(anonymous_not_applicable());
    }
    if kind == InstrumentKind::FacilitatorEvaluation {
        match shape.session_id {
            None => errors.push(FieldError::new(
                "session_id",
                "required",
                "a facilitator evaluation names the session it evaluates",
            )),
            Some(session) => {
                if repo::session_event(conn, session)? != Some(event_id) {
                    errors.push(FieldError::new(
                        "session_id",
                        "not_in_event",
                        "is not a session of this event",
                    ));
                } else if let Some(facilitator) = shape.facilitator_id
                    && !access_repo::leads_session(conn, session, facilitator)?
                {
                    errors.push(FieldError::new(
                        "facilitator_id",
                        "not_a_facilitator",
                        "does not lead the session",
                    ));
                }
            }
        }
        if shape.facilitator_id.is_none() {
            errors.push(FieldError::new(
                "facilitator_id",
                "required",
                "a facilitator evaluation names the facilitator (narasumber) it evaluates",
            ));
        }
    } else {
        for (field, present) in [
            ("session_id", shape.session_id.is_some()),
            ("facilitator_id", shape.facilitator_id.is_some()),
        ] {
            if present {
                errors.push(FieldError::new(
                    field,
                    "not_applicable",
                    "only a facilitator evaluation targets a session and a facilitator",
                ));
            }
        }
    }
    let kinds = if kind == InstrumentKind::FollowUp {
        let kinds = shape
            .respondent_kinds
            .clone()
            .unwrap_or_else(|| vec![RespondentKind::Alumnus, RespondentKind::Supervisor]);
        let mut unique = kinds.clone();
        unique.sort();
        unique.dedup();
        if kinds.is_empty()
            || unique.len() != kinds.len()
            || kinds.contains(&RespondentKind::Participant)
        {
            errors.push(FieldError::new(
                "respondent_kinds",
                "invalid_value",
                "must list alumnus, supervisor or both, each once",
            ));
        }
        unique
    } else {
        if shape.due_on.is_some() {
            errors.push(FieldError::new(
                "due_on",
                "not_applicable",
                "only a follow-up has a due date",
            ));
        }
        if shape
            .respondent_kinds
            .as_ref()
            .is_some_and(|k| k.as_slice() != [RespondentKind::Participant])
        {
            errors.push(FieldError::new(
                "respondent_kinds",
                "not_applicable",
                "only a follow-up is answered by alumni and supervisors; others by participants",
            ));
        }
        vec![RespondentKind::Participant]
    };
    if let (Some(opens), Some(closes)) = (shape.opens_at, shape.closes_at)
        && closes <= opens
    {
        errors.push(FieldError::new(
            "closes_at",
            "out_of_range",
            "must be after opens_at",
        ));
    }
    Ok(kinds.into_iter().map(Some).collect())
}

fn question_rows(
    instrument_id: Uuid,
    questions: &[Question],
) -> Result<Vec<NewQuestionRow>, ApiError> {
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            Ok(NewQuestionRow {
                id: Uuid::new_v4(),
                instrument_id,
                position: i32::try_from(i + 1).map_err(ApiError::internal)?,
                question_type: q.settings.question_type(),
                prompt: q.prompt.clone(),
                required: q.required,
                settings: q.settings.to_json(),
                points: q.settings.max_points(),
            })
        })
        .collect()
}

fn template_questions(template: &TemplateRow) -> Vec<QuestionInput> {
    serde_json::from_value(template.questions.clone()).unwrap_or_default()
}

fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    text::optional(field, value, max)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten()
}

fn required_text(
    field: &str,
    value: Option<&str>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    match value {
        None => {
            errors.push(FieldError::new(field, "required", "is required"));
            String::new()
        }
        Some(v) => text::required(field, v, max)
            .map_err(|e| errors.push(e))
            .unwrap_or_default(),
    }
}

/// Creates an instrument of an event, with its questions or copied from a template (the fields sent override
/// the template's). The input is opened once the caller was found to manage the event.
pub async fn create(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    input: Input<NewInstrument>,
    window: FollowUpWindow,
) -> Result<InstrumentView, ApiError> {
    let actor = user.clone();
    let view = db::run(pool, move |conn| {
        insert(conn, &actor, event_id, input, window)
    })
    .await?;
    tracing::info!(instrument.id = %view.id, event.id = %event_id, actor.id = %user.id, "instrument created");
    Ok(view)
}

fn insert(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    input: Input<NewInstrument>,
    window: FollowUpWindow,
) -> Result<InstrumentView, ApiError> {
    conn.transaction(|conn| {
        let event = events_repo::find_for_share(conn, event_id)?
            .ok_or_else(|| ApiError::not_found("Event"))?;
        if !access::manages_event(conn, user, event_id)? {
            if !visible(conn, user, &event)? {
                return Err(ApiError::not_found("Event"));
            }
            return Err(ApiError::forbidden());
        }
        let input = input.open(&Permit::granted())?;
        let mut errors = Vec::new();
        let template = match input.template_id {
            Some(id) => {
                let found = repo::find_template(conn, id)?;
                if found.is_none() {
                    errors.push(FieldError::new(
                        "template_id",
                        "unknown_reference",
                        "no template has this id",
                    ));
                }
                found
            }
            None => None,
        };
        // A template is a question set: it makes an instrument of any kind its questions fit (the pre-test's
        // questions make the post-test); left out, the kind is the template's own.
        let template_kind = template.as_ref().map(|t| t.kind);
        let kind = match (input.kind, template_kind) {
            (Some(k), _) => Some(k),
            (None, Some(t)) => Some(t),
            (None, None) => {
                if input.template_id.is_none() {
                    errors.push(FieldError::new("kind", "required", "is required"));
                }
                None
            }
        };
        if let Some(kind) = kind {
            check_editable(kind, &event, window, wib_date(Utc::now()))?;
        }
        let title = required_text(
            "title",
            input
                .title
                .as_deref()
                .or(template.as_ref().map(|t| t.title.as_str())),
            TITLE_MAX,
            &mut errors,
        );
        let description = optional_text(
            "description",
            input
                .description
                .as_deref()
                .or(template.as_ref().and_then(|t| t.description.as_deref())),
            DESCRIPTION_MAX,
            &mut errors,
        );
        let question_inputs = match (&input.questions, &template) {
            (Some(q), _) => Some(q.clone()),
            (None, Some(t)) => Some(template_questions(t)),
            (None, None) => {
                errors.push(FieldError::new("questions", "required", "is required"));
                None
            }
        };
        let (Some(kind), Some(question_inputs)) = (kind, question_inputs) else {
            return Err(ApiError::validation(errors));
        };
        // Questions taken from the template are checked against the new kind under the template's name.
        let questions_field = if input.questions.is_none() && template.is_some() {
            "template_id"
        } else {
            "questions"
        };
        let parsed =
            questions::parse_questions(kind, &question_inputs, questions_field, &mut errors);
        let shape = Shape {
            kind,
            // The template's anonymity goes with it only to a kind that may be anonymous (evaluations).
            anonymous: input
                .anonymous
                .or(template
                    .as_ref()
                    .filter(|t| anonymous_allowed(kind) || !t.anonymous)
                    .map(|t| t.anonymous))
                .unwrap_or(false),
            session_id: input.session_id,
            facilitator_id: input.facilitator_id,
            due_on: input.due_on,
            respondent_kinds: input.respondent_kinds,
            opens_at: input.opens_at,
            closes_at: input.closes_at,
        };
        let respondent_kinds = check_shape(conn, event_id, &shape, &mut errors)?;
        let Some(parsed) = parsed.filter(|_| errors.is_empty()) else {
            return Err(ApiError::validation(errors));
        };
        let row = repo::insert(
            conn,
            &NewInstrumentRow {
                id: Uuid::new_v4(),
                event_id,
                kind,
                title,
                description,
                opens_at: shape.opens_at,
                closes_at: shape.closes_at,
                anonymous: shape.anonymous,
                session_id: shape.session_id,
                facilitator_id: shape.facilitator_id,
                due_on: shape.due_on,
                respondent_kinds,
                template_id: template.map(|t| t.id),
                created_by: Some(user.id),
            },
        )?;
        repo::replace_questions(conn, row.id, &question_rows(row.id, &parsed)?)?;
        view(conn, row, true)
    })
}

/// Locks an instrument the caller manages, after its event (always in this order).
fn lock_managed(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
) -> Result<(InstrumentRow, EventRow), ApiError> {
    let plain = repo::find(conn, id)?.ok_or_else(not_found)?;
    let event = events_repo::find_for_share(conn, plain.event_id)?.ok_or_else(not_found)?;
    if !access::manages_event(conn, user, event.id)? {
        // Those who may read it learn that they may not change it; everybody else learns nothing.
        readable(conn, user, id)?;
        return Err(ApiError::forbidden());
    }
    let row = repo::find_for_update(conn, id)?.ok_or_else(not_found)?;
    Ok((row, event))
}

/// Applies a merge patch under the rules above. `expected` is the `If-Match` version.
pub async fn update(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
    patch: Input<InstrumentPatch>,
    window: FollowUpWindow,
) -> Result<InstrumentView, ApiError> {
    let actor = user.clone();
    let view = db::run(pool, move |conn| {
        apply(conn, &actor, id, expected, patch, window)
    })
    .await?;
    tracing::info!(instrument.id = %id, actor.id = %user.id, "instrument changed");
    Ok(view)
}

fn apply(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
    patch: Input<InstrumentPatch>,
    window: FollowUpWindow,
) -> Result<InstrumentView, ApiError> {
    conn.transaction(|conn| {
        let (current, event) = lock_managed(conn, user, id)?;
        let patch = patch.open(&Permit::granted())?;
        let kind = current.kind;
        let from = current.status;
        if !patch.only_closes() {
            check_editable(kind, &event, window, wib_date(Utc::now()))?;
        }
        if let Some(to) = patch.status
            && !transition_allowed(from, to)
        {
            return Err(ApiError::conflict(
                "invalid_transition",
                format!("An instrument cannot go from {from} to {to} (draft -> open -> closed; closed -> open)."),
            ));
        }
        let answered = repo::has_responses(conn, id)?;
        if patch.questions.is_some() && (from != InstrumentStatus::Draft || answered) {
            return Err(ApiError::conflict(
                "questions_locked",
                "The questions can be replaced only while the instrument is a draft without responses.",
            ));
        }
        let current_kinds: Vec<RespondentKind> =
            current.respondent_kinds.iter().flatten().copied().collect();
        let changes_who = patch.anonymous.is_some_and(|a| a != current.anonymous)
            || patch.session_id.is_some_and(|s| s != current.session_id)
            || patch
                .facilitator_id
                .is_some_and(|f| f != current.facilitator_id)
            || patch.respondent_kinds.as_ref().is_some_and(|k| {
                let mut k = k.clone();
                k.sort();
                let mut c = current_kinds.clone();
                c.sort();
                k != c
            });
        if answered && changes_who {
            return Err(ApiError::conflict(
                "has_responses",
                "The instrument has responses: its anonymity, target and respondents can no longer change.",
            ));
        }
        let mut errors = Vec::new();
        let title = patch
            .title
            .as_deref()
            .map(|t| required_text("title", Some(t), TITLE_MAX, &mut errors));
        let description = patch
            .description
            .as_ref()
            .map(|d| optional_text("description", d.as_deref(), DESCRIPTION_MAX, &mut errors));
        let parsed = patch
            .questions
            .as_ref()
            .map(|q| questions::parse_questions(kind, q, "questions", &mut errors));
        let shape = Shape {
            kind,
            anonymous: patch.anonymous.unwrap_or(current.anonymous),
            session_id: patch.session_id.unwrap_or(current.session_id),
            facilitator_id: patch.facilitator_id.unwrap_or(current.facilitator_id),
            due_on: patch.due_on.unwrap_or(current.due_on),
            respondent_kinds: Some(
                patch
                    .respondent_kinds
                    .clone()
                    .unwrap_or_else(|| current_kinds.clone()),
            ),
            opens_at: patch.opens_at.unwrap_or(current.opens_at),
            closes_at: patch.closes_at.unwrap_or(current.closes_at),
        };
        let respondent_kinds = check_shape(conn, event.id, &shape, &mut errors)?;
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        // After the body's checks: an invalid body is 422 whatever the version it names.
        if expected.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let changes = InstrumentChanges {
            title,
            description,
            status: patch.status,
            opens_at: patch.opens_at,
            closes_at: patch.closes_at,
            anonymous: patch.anonymous,
            session_id: patch.session_id,
            facilitator_id: patch.facilitator_id,
            due_on: patch.due_on,
            respondent_kinds: patch.respondent_kinds.as_ref().map(|_| respondent_kinds),
        };
        let row = repo::update(conn, id, &changes)?;
        if let Some(Some(parsed)) = parsed {
            repo::replace_questions(conn, id, &question_rows(id, &parsed)?)?;
        }
        view(conn, row, true)
    })
}

/// Deletes an instrument nobody has answered.
pub async fn delete(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
    window: FollowUpWindow,
) -> Result<(), ApiError> {
    let actor = user.clone();
    db::run(pool, move |conn| remove(conn, &actor, id, expected, window)).await?;
    tracing::info!(instrument.id = %id, actor.id = %user.id, "instrument deleted");
    Ok(())
}

fn remove(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
    window: FollowUpWindow,
) -> Result<(), ApiError> {
    conn.transaction(|conn| {
        let (current, event) = lock_managed(conn, user, id)?;
        if expected.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        if repo::has_responses(conn, id)? {
            return Err(ApiError::conflict(
                "has_responses",
                "The instrument has responses and cannot be deleted; close it instead.",
            ));
        }
        check_editable(current.kind, &event, window, wib_date(Utc::now()))?;
        repo::delete(conn, id)?;
        Ok(())
    })
}

// --- templates

fn template_not_found() -> ApiError {
    ApiError::not_found("Template")
}

fn name_taken() -> ApiError {
    ApiError::Conflict {
        code: "already_exists",
        detail: "A template with this name already exists.".into(),
        errors: vec![FieldError::new(
            "name",
            "already_exists",
            "is already taken",
        )],
    }
}

fn map_name_conflict(err: DieselError) -> ApiError {
    match &err {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name() == Some("instrument_templates_name_key") =>
        {
            name_taken()
        }
        _ => err.into(),
    }
}

/// Administrators and organizers read and create templates.
fn authorize_templates(user: &AuthUser) -> Result<Permit, ApiError> {
    allow(user, &[Role::Admin, Role::Organizer])
}

/// Administrators, and the organizer who created the template, change and delete it.
fn authorize_template_owner(user: &AuthUser, row: &TemplateRow) -> Result<Permit, ApiError> {
    match user.role {
        Role::Admin => Ok(Permit::granted()),
        Role::Organizer if row.created_by == Some(user.id) => Ok(Permit::granted()),
        _ => Err(ApiError::forbidden()),
    }
}

fn stored_questions(questions: &[Question]) -> Result<Value, ApiError> {
    serde_json::to_value(questions.iter().map(Question::to_input).collect::<Vec<_>>())
        .map_err(ApiError::internal)
}

pub async fn list_templates(
    pool: &DbPool,
    user: &AuthUser,
    request: Input<TemplateList>,
) -> Result<Page<TemplateView>, ApiError> {
    let request = request.open(&authorize_templates(user)?)?;
    db::read(pool, move |conn| {
        let (rows, total) = repo::list_templates(conn, &request)?;
        Page::new(rows, total, request.page).try_map(TemplateView::try_from)
    })
    .await
}

pub async fn get_template(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
) -> Result<TemplateView, ApiError> {
    let _permit = authorize_templates(user)?;
    db::read(pool, move |conn| {
        repo::find_template(conn, id)?
            .ok_or_else(template_not_found)
            .and_then(TemplateView::try_from)
    })
    .await
}

/// The questions of an instrument in their sent form, with the key.
fn instrument_questions(
    conn: &mut PgConnection,
    row: &InstrumentRow,
) -> Result<Vec<Question>, ApiError> {
    let kind = row.kind;
    repo::questions_of(conn, &[row.id])?
        .iter()
        .map(|q| {
            Question::from_stored(kind, q.question_type, &q.prompt, q.required, &q.settings)
                .ok_or_else(|| ApiError::internal_msg("a stored question does not parse"))
        })
        .collect()
}

/// Creates a template from its fields, or from an instrument the caller manages (`from_instrument_id`; then
/// `title`, `description` and `anonymous` may override the instrument's).
pub async fn create_template(
    pool: &DbPool,
    user: &AuthUser,
    input: Input<NewTemplate>,
) -> Result<TemplateView, ApiError> {
    let input = input.open(&authorize_templates(user)?)?;
    let actor = user.clone();
    let row = db::run(pool, move |conn| insert_template(conn, &actor, input)).await?;
    tracing::info!(template.id = %row.id, actor.id = %user.id, "instrument template created");
    TemplateView::try_from(row)
}

fn insert_template(
    conn: &mut PgConnection,
    user: &AuthUser,
    input: NewTemplate,
) -> Result<TemplateRow, ApiError> {
    conn.transaction(|conn| {
        let mut errors = Vec::new();
        let source = match input.from_instrument_id {
            Some(id) => match repo::find(conn, id)? {
                None => {
                    errors.push(FieldError::new(
                        "from_instrument_id",
                        "unknown_reference",
                        "no instrument has this id",
                    ));
                    None
                }
                Some(row) => {
                    if !access::manages_event(conn, user, row.event_id)? {
                        return Err(ApiError::forbidden());
                    }
                    for (field, present) in [
                        ("kind", input.kind.is_some()),
                        ("questions", input.questions.is_some()),
                    ] {
                        if present {
                            errors.push(FieldError::new(
                                field,
                                "not_applicable",
                                "comes from the instrument named by from_instrument_id",
                            ));
                        }
                    }
                    let questions = instrument_questions(conn, &row)?;
                    Some((row, questions))
                }
            },
            None => None,
        };
        let name = required_text("name", input.name.as_deref(), NAME_MAX, &mut errors);
        let title = required_text(
            "title",
            input
                .title
                .as_deref()
                .or(source.as_ref().map(|(r, _)| r.title.as_str())),
            TITLE_MAX,
            &mut errors,
        );
        let description = optional_text(
            "description",
            input
                .description
                .as_deref()
                .or(source.as_ref().and_then(|(r, _)| r.description.as_deref())),
            DESCRIPTION_MAX,
            &mut errors,
        );
        let kind = match &source {
            Some((row, _)) => Some(row.kind),
            None if input.from_instrument_id.is_some() => None,
            None => {
                if input.kind.is_none() {
                    errors.push(FieldError::new("kind", "required", "is required"));
                }
                input.kind
            }
        };
        let anonymous = input
            .anonymous
            .or(source.as_ref().map(|(r, _)| r.anonymous))
            .unwrap_or(false);
        let questions = match (&source, &input.questions, kind) {
            (Some((_, q)), _, _) => Some(q.clone()),
            (None, Some(q), Some(kind)) => {
                questions::parse_questions(kind, q, "questions", &mut errors)
            }
            (None, None, _) if input.from_instrument_id.is_none() => {
                errors.push(FieldError::new("questions", "required", "is required"));
                None
            }
            _ => None,
        };
        if anonymous && kind.is_some_and(|k| !anonymous_allowed(k)) {
            errors.push(anonymous_not_applicable());
        }
        let (Some(kind), Some(questions)) = (kind, questions) else {
            return Err(ApiError::validation(errors));
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        if repo::template_name_taken(conn, &name, None)? {
            return Err(name_taken());
        }
        repo::insert_template(
            conn,
            &NewTemplateRow {
                id: Uuid::new_v4(),
                name,
                kind,
                title,
                description,
                anonymous,
                questions: stored_questions(&questions)?,
                created_by: Some(user.id),
            },
        )
        .map_err(map_name_conflict)
    })
}

/// Applies a merge patch to a template; the questions are checked again against the (new) kind.
pub async fn update_template(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
    patch: Input<TemplatePatch>,
) -> Result<TemplateView, ApiError> {
    let _permit = authorize_templates(user)?;
    let actor = user.clone();
    let row = db::run(pool, move |conn| {
        apply_template(conn, &actor, id, expected, patch)
    })
    .await?;
    tracing::info!(template.id = %id, actor.id = %user.id, "instrument template changed");
    TemplateView::try_from(row)
}

fn apply_template(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
    patch: Input<TemplatePatch>,
) -> Result<TemplateRow, ApiError> {
    conn.transaction(|conn| {
        let current = repo::find_template_for_update(conn, id)?.ok_or_else(template_not_found)?;
        let patch = patch.open(&authorize_template_owner(user, &current)?)?;
        let mut errors = Vec::new();
        let name = patch
            .name
            .as_deref()
            .map(|n| required_text("name", Some(n), NAME_MAX, &mut errors));
        let title = patch
            .title
            .as_deref()
            .map(|t| required_text("title", Some(t), TITLE_MAX, &mut errors));
        let description = patch
            .description
            .as_ref()
            .map(|d| optional_text("description", d.as_deref(), DESCRIPTION_MAX, &mut errors));
        let kind = patch.kind.unwrap_or(current.kind);
        let questions = if patch.kind.is_some() || patch.questions.is_some() {
            let inputs = patch
                .questions
                .clone()
                .unwrap_or_else(|| template_questions(&current));
            questions::parse_questions(kind, &inputs, "questions", &mut errors)
        } else {
            None
        };
        let anonymous = patch.anonymous.unwrap_or(current.anonymous);
        if anonymous && !anonymous_allowed(kind) {
            errors.push(anonymous_not_applicable());
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        // After the body's checks: an invalid body is 422 whatever the version it names.
        if expected.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        if let Some(name) = &name
            && repo::template_name_taken(conn, name, Some(id))?
        {
            return Err(name_taken());
        }
        let changes = TemplateChanges {
            name,
            kind: patch.kind,
            title,
            description,
            anonymous: patch.anonymous,
            questions: questions.as_deref().map(stored_questions).transpose()?,
        };
        repo::update_template(conn, id, &changes).map_err(map_name_conflict)
    })
}

pub async fn delete_template(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected: Option<i32>,
) -> Result<(), ApiError> {
    let _permit = authorize_templates(user)?;
    let actor = user.clone();
    db::run(pool, move |conn| {
        conn.transaction(|conn| {
            let current =
                repo::find_template_for_update(conn, id)?.ok_or_else(template_not_found)?;
            let _owner = authorize_template_owner(&actor, &current)?;
            if expected.is_some_and(|v| v != current.version) {
                return Err(ApiError::PreconditionFailed);
            }
            repo::delete_template(conn, id)?;
            Ok(())
        })
    })
    .await?;
    tracing::info!(template.id = %id, actor.id = %user.id, "instrument template deleted");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_transitions_follow_the_lifecycle() {
        use InstrumentStatus::{Closed, Draft, Open};
        assert!(transition_allowed(Draft, Open));
        assert!(transition_allowed(Open, Closed));
        assert!(transition_allowed(Closed, Open));
        assert!(transition_allowed(Open, Open));
        assert!(!transition_allowed(Draft, Closed));
        assert!(!transition_allowed(Open, Draft));
        assert!(!transition_allowed(Closed, Draft));
    }

    #[test]
    fn follow_ups_and_evaluations_of_completed_events_stay_editable() {
        assert!(editable(InstrumentKind::PreTest, EventStatus::Ongoing));
        assert!(!editable(InstrumentKind::PostTest, EventStatus::Completed));
        assert!(!editable(InstrumentKind::PreTest, EventStatus::Completed));
        assert!(editable(InstrumentKind::FollowUp, EventStatus::Completed));
        assert!(editable(
            InstrumentKind::EventEvaluation,
            EventStatus::Completed
        ));
        assert!(editable(
            InstrumentKind::FacilitatorEvaluation,
            EventStatus::Completed
        ));
        assert!(!editable(
            InstrumentKind::EventEvaluation,
            EventStatus::Cancelled
        ));
        assert!(!editable(InstrumentKind::FollowUp, EventStatus::Cancelled));
    }
}
