//! Responses to instruments: submission (one per respondent per instrument, checked against the questions,
//! tests scored from their key) and reading them back.
//!
//! Who answers: the event's approved officers (`participant`), and at follow-up the alumnus for their own
//! enrollment and, for the supervisor (who has no account), the operator of the alumnus's unit, an organizer of
//! the event or an administrator. When: the instrument is `open`, inside its window, and the event is
//! `published` or `ongoing` (tests), also `completed` (evaluations), or `completed` only (follow-ups); after
//! completion only until the window after the event closes (`domain::lifecycle::FollowUpWindow`, 409
//! `follow_up_window_closed`).
//!
//! Anonymous instruments: the response row keeps no enrollment, user or time; only the receipt (instrument,
//! enrollment, respondent kind, no time) records that the officer answered, so a second submission is still
//! refused. Nothing in the API output, the audit log or the logs ties the answers to the officer.
//!
//! An insert into `responses` queues `evaluation.submitted` webhook deliveries and, like those into `answers`,
//! marks the event's snapshots stale; neither table is audited and `response_receipts` has no trigger. A scored
//! test's upsert into `scores` fires the score triggers: the one `score.set` entry of the audit log (with the
//! instrument, handed to the trigger in `bimtek.audit_detail`), `result` in the change feed, `result.changed`
//! deliveries, stale snapshots (migrations 000008, 000009, 000011, 000015).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;
use diesel::pg::PgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::certificate::wib_date;
use crate::domain::enums::{
    EnrollmentStatus, EventStatus, InstrumentKind, InstrumentStatus, RespondentKind, ScoreKind,
    ScoreSource,
};
use crate::domain::lifecycle::FollowUpWindow;
use crate::domain::page::{ListRequest, Page};
use crate::domain::questions::{self, AnswerInput, AnswerValue, Question, answer_json};
use crate::domain::role::Role;
use crate::domain::sort::ResponseSort;
use crate::error::{ApiError, FieldError};
use crate::repo::audit;
use crate::repo::events as events_repo;
use crate::repo::instruments::{self as instruments_repo, InstrumentRow};
use crate::repo::responses::{
    self as repo, AnswerRow, NewAnswerRow, NewResponseRow, ResponseRow, ResponseScope,
};
use crate::service::ReadInput;
use crate::service::access;
use crate::service::events::status_of;
use crate::service::{DbPool, Input, Permit};

pub use crate::repo::responses::ResponseFilter;

/// A request for a page of an instrument's responses.
pub type ResponseList = ListRequest<ResponseFilter, ResponseSort>;

/// A submission as sent.
#[derive(Debug, Default)]
pub struct Submission {
    pub answers: Vec<AnswerInput>,
    pub respondent_kind: Option<RespondentKind>,
    pub enrollment_id: Option<Uuid>,
}

/// The officer a response is about, as shown: id and name (`None` after an erasure).
#[derive(Debug, Clone)]
pub struct Officer {
    pub participant_id: Uuid,
    pub name: Option<String>,
}

/// One stored answer as shown: the value as sent, and what it earned for those who may see it.
#[derive(Debug, Clone)]
pub struct AnswerView {
    pub question_id: Uuid,
    pub value: Value,
    pub points: Option<f64>,
}

/// A response with its answers, as the caller may see it.
#[derive(Debug, Clone)]
pub struct ResponseView {
    pub id: Uuid,
    pub instrument_id: Uuid,
    pub respondent_kind: RespondentKind,
    pub enrollment_id: Option<Uuid>,
    pub officer: Option<Officer>,
    pub submitted_by: Option<Uuid>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub score: Option<f64>,
    pub answers: Vec<AnswerView>,
}

/// `show_points` says whether the caller may see what each answer earned (the event's managers: it reveals the
/// key).
fn response_view(
    row: ResponseRow,
    answers: Vec<AnswerRow>,
    officer: Option<Officer>,
    show_points: bool,
) -> ResponseView {
    let answers = answers
        .into_iter()
        .map(|a| {
            let options: Option<Vec<String>> =
                a.value_options.map(|o| o.into_iter().flatten().collect());
            AnswerView {
                question_id: a.question_id,
                value: answer_json(
                    a.question_type,
                    a.value_number,
                    options.as_deref(),
                    a.value_text.as_deref(),
                ),
                points: if show_points { a.points } else { None },
            }
        })
        .collect();
    ResponseView {
        id: row.id,
        instrument_id: row.instrument_id,
        respondent_kind: row.respondent_kind,
        enrollment_id: row.enrollment_id,
        officer,
        submitted_by: row.submitted_by,
        submitted_at: row.submitted_at,
        score: row.score,
        answers,
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("Instrument")
}

fn not_enrolled() -> ApiError {
    ApiError::Forbidden {
        code: "not_enrolled",
        detail: "Only officers with an approved enrollment in the event answer this instrument."
            .into(),
    }
}

fn closed(detail: String) -> ApiError {
    ApiError::conflict("instrument_closed", detail)
}

/// Whether the event's status lets instruments of this kind be answered.
pub fn event_answerable(kind: InstrumentKind, event: EventStatus) -> bool {
    match kind {
        InstrumentKind::FollowUp => event == EventStatus::Completed,
        InstrumentKind::PreTest | InstrumentKind::PostTest => {
            matches!(event, EventStatus::Published | EventStatus::Ongoing)
        }
        InstrumentKind::EventEvaluation | InstrumentKind::FacilitatorEvaluation => matches!(
            event,
            EventStatus::Published | EventStatus::Ongoing | EventStatus::Completed
        ),
    }
}

fn accepted_kinds(row: &InstrumentRow) -> Vec<RespondentKind> {
    row.respondent_kinds.iter().flatten().copied().collect()
}

/// Loads an instrument that the caller may know of: drafts and instruments of draft events are 404 for anybody
/// who does not manage the event. Returns the row, the event status and last day, and whether the caller manages
/// the event.
fn load(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    lock: bool,
) -> Result<(InstrumentRow, (EventStatus, NaiveDate), bool), ApiError> {
    // Locked event first, then instrument: the order every writer of instruments takes, so none can deadlock.
    let plain = instruments_repo::find(conn, id)?.ok_or_else(not_found)?;
    let event = if lock {
        events_repo::find_for_share(conn, plain.event_id)?
    } else {
        events_repo::find(conn, plain.event_id)?
    }
    .ok_or_else(not_found)?;
    let row = if lock {
        instruments_repo::find_for_share(conn, id)?.ok_or_else(not_found)?
    } else {
        plain
    };
    let manages = access::manages_event(conn, user, event.id)?;
    let event_status = status_of(&event)?;
    if !manages && (event_status == EventStatus::Draft || row.status == InstrumentStatus::Draft) {
        return Err(not_found());
    }
    Ok((row, (event_status, event.ends_on), manages))
}

/// Who the submission is from and about: (enrollment, respondent kind, participant).
fn respondent(
    conn: &mut PgConnection,
    user: &AuthUser,
    row: &InstrumentRow,
    kind: InstrumentKind,
    manages: bool,
    input: &Submission,
) -> Result<(Uuid, RespondentKind, Uuid), ApiError> {
    let own = |conn: &mut PgConnection| -> Result<(Uuid, Uuid), ApiError> {
        let participant = user.participant_id.ok_or_else(not_enrolled)?;
        let enrollment = instruments_repo::approved_enrollment(conn, row.event_id, participant)?
            .ok_or_else(not_enrolled)?;
        if input.enrollment_id.is_some_and(|e| e != enrollment) {
            return Err(ApiError::field(
                "enrollment_id",
                "not_applicable",
                "an officer answers for their own enrollment: leave it out",
            ));
        }
        Ok((enrollment, participant))
    };
    if kind != InstrumentKind::FollowUp {
        if user.role != Role::Participant {
            return Err(not_enrolled());
        }
        if input
            .respondent_kind
            .is_some_and(|k| k != RespondentKind::Participant)
        {
            return Err(ApiError::field(
                "respondent_kind",
                "not_applicable",
                "only follow-ups are answered by alumni and supervisors",
            ));
        }
        let (enrollment, participant) = own(conn)?;
        return Ok((enrollment, RespondentKind::Participant, participant));
    }
    let respondent_kind = input
        .respondent_kind
        .unwrap_or(if user.role == Role::Participant {
            RespondentKind::Alumnus
        } else {
            RespondentKind::Supervisor
        });
    if !accepted_kinds(row).contains(&respondent_kind) {
        return Err(ApiError::field(
            "respondent_kind",
            "not_accepted",
            format!("this follow-up is not answered by the {respondent_kind}"),
        ));
    }
    match respondent_kind {
        RespondentKind::Alumnus if user.role == Role::Participant => {
            let (enrollment, participant) = own(conn)?;
            Ok((enrollment, respondent_kind, participant))
        }
        RespondentKind::Supervisor if user.role != Role::Participant => {
            let id = input.enrollment_id.ok_or_else(|| {
                ApiError::field(
                    "enrollment_id",
                    "required",
                    "a supervisor's response names the alumnus's enrollment",
                )
            })?;
            let subject = repo::enrollment_subject(conn, id)?
                .filter(|s| s.event_id == row.event_id && s.status == EnrollmentStatus::Approved)
                .ok_or_else(|| {
                    ApiError::field(
                        "enrollment_id",
                        "unknown_reference",
                        "is not an approved enrollment of this event",
                    )
                })?;
            let allowed = manages
                || (user.role == Role::UnitOperator && user.unit_id == Some(subject.unit_id));
            if !allowed {
                return Err(ApiError::forbidden());
            }
            Ok((
                subject.enrollment_id,
                respondent_kind,
                subject.participant_id,
            ))
        }
        _ => Err(ApiError::forbidden()),
    }
}

/// Whether the caller's role could answer this instrument at all; checked before the body is read.
fn may_try(user: &AuthUser, row: &InstrumentRow, kind: InstrumentKind, manages: bool) -> bool {
    if kind != InstrumentKind::FollowUp {
        return user.role == Role::Participant;
    }
    let kinds = accepted_kinds(row);
    match user.role {
        Role::Participant => kinds.contains(&RespondentKind::Alumnus),
        Role::Admin | Role::Organizer => manages && kinds.contains(&RespondentKind::Supervisor),
        Role::UnitOperator => kinds.contains(&RespondentKind::Supervisor),
        Role::Facilitator => false,
    }
}

fn answer_row(response_id: Uuid, answer: &questions::CheckedAnswer) -> NewAnswerRow {
    let (number, options, text) = match &answer.value {
        AnswerValue::Number(n) => (Some(*n), None, None),
        AnswerValue::Options(keys) => (None, Some(keys.iter().cloned().map(Some).collect()), None),
        AnswerValue::Text(t) => (None, None, Some(t.clone())),
    };
    NewAnswerRow {
        response_id,
        question_id: answer.question_id,
        value_number: number,
        value_options: options,
        value_text: text,
        points: answer.points,
    }
}

/// Records a test's score for the enrollment unless a manual score of that kind exists. The `track_row` trigger
/// writes its one audit entry (`score.set`), with the instrument added to its changes.
fn record_score(
    conn: &mut PgConnection,
    user: &AuthUser,
    kind: ScoreKind,
    enrollment_id: Uuid,
    instrument_id: Uuid,
    score: f64,
) -> Result<(), ApiError> {
    let old = repo::lock_score(conn, enrollment_id, kind)?;
    if old
        .as_ref()
        .is_some_and(|(_, source)| *source == ScoreSource::Manual)
    {
        return Ok(());
    }
    let detail = json!({"instrument_id": audit::change(json!(null), instrument_id.to_string())});
    audit::with_detail(conn, &detail, |conn| {
        repo::upsert_instrument_score(conn, enrollment_id, kind, score, user.id)
    })?;
    Ok(())
}

/// Submits one respondent's answers. The input is opened once the caller's role could answer the instrument.
pub async fn submit(
    pool: &DbPool,
    user: &AuthUser,
    instrument_id: Uuid,
    input: Input<Submission>,
    window: FollowUpWindow,
) -> Result<ResponseView, ApiError> {
    let actor = user.clone();
    let view = db::run(pool, move |conn| {
        store(conn, &actor, instrument_id, input, window)
    })
    .await?;
    if view.enrollment_id.is_some() {
        tracing::info!(instrument.id = %instrument_id, response.id = %view.id, actor.id = %user.id, "response submitted");
    } else {
        // Anonymous: neither the response nor the caller is named, so the log cannot link them.
        tracing::info!(instrument.id = %instrument_id, "anonymous response submitted");
    }
    Ok(view)
}

fn store(
    conn: &mut PgConnection,
    user: &AuthUser,
    instrument_id: Uuid,
    input: Input<Submission>,
    window: FollowUpWindow,
) -> Result<ResponseView, ApiError> {
    conn.transaction(|conn| {
        let (row, (event_status, ends_on), manages) = load(conn, user, instrument_id, true)?;
        let kind = row.kind;
        if !may_try(user, &row, kind, manages) {
            return Err(if kind == InstrumentKind::FollowUp {
                ApiError::forbidden()
            } else {
                not_enrolled()
            });
        }
        let input = input.open(&Permit::granted())?;
        let (enrollment_id, respondent_kind, _participant_id) =
            respondent(conn, user, &row, kind, manages, &input)?;
        let now = Utc::now();
        if row.status != InstrumentStatus::Open {
            return Err(closed(format!(
                "The instrument is {}: it accepts responses only while open.",
                row.status
            )));
        }
        if row.opens_at.is_some_and(|t| now < t) || row.closes_at.is_some_and(|t| now >= t) {
            return Err(closed(
                "The instrument accepts responses only between opens_at and closes_at.".to_owned(),
            ));
        }
        if !event_answerable(kind, event_status) {
            return Err(closed(format!(
                "The event is {event_status}: a {kind} cannot be answered now (tests while the event is published or \
                 ongoing, evaluations also once completed, follow-ups only once completed)."
            )));
        }
        if event_status == EventStatus::Completed {
            window.check(ends_on, wib_date(now))?;
        }
        if !repo::insert_receipt(conn, instrument_id, enrollment_id, respondent_kind)? {
            return Err(ApiError::conflict(
                "already_submitted",
                "This respondent has already answered the instrument.",
            ));
        }
        let stored = instruments_repo::questions_of(conn, &[instrument_id])?;
        let questions: Vec<(Uuid, Question)> = stored
            .iter()
            .map(|q| {
                Question::from_stored(kind, q.question_type, &q.prompt, q.required, &q.settings)
                    .map(|parsed| (q.id, parsed))
                    .ok_or_else(|| ApiError::internal_msg("a stored question does not parse"))
            })
            .collect::<Result<_, _>>()?;
        let mut errors: Vec<FieldError> = Vec::new();
        let checked = questions::check_answers(kind, &questions, &input.answers, &mut errors);
        let Some(checked) = checked.filter(|_| errors.is_empty()) else {
            // The transaction is rolled back: the receipt goes too.
            return Err(ApiError::validation(errors));
        };
        let anonymous = row.anonymous;
        let response = repo::insert_response(
            conn,
            &NewResponseRow {
                id: Uuid::new_v4(),
                instrument_id,
                enrollment_id: (!anonymous).then_some(enrollment_id),
                respondent_kind,
                score: checked.score,
                submitted_by: (!anonymous).then_some(user.id),
                submitted_at: (!anonymous).then_some(now),
            },
        )?;
        let answer_rows: Vec<NewAnswerRow> = checked
            .answers
            .iter()
            .map(|a| answer_row(response.id, a))
            .collect();
        repo::insert_answers(conn, &answer_rows)?;
        let score_kind = match kind {
            InstrumentKind::PreTest => Some(ScoreKind::PreTest),
            InstrumentKind::PostTest => Some(ScoreKind::PostTest),
            _ => None,
        };
        if let (Some(score_kind), Some(score)) = (score_kind, checked.score)
            && !anonymous
        {
            record_score(
                conn,
                user,
                score_kind,
                enrollment_id,
                instrument_id,
                score,
            )?;
        }
        let answers = repo::answers_of(conn, &[response.id])?;
        let officer = if anonymous {
            None
        } else {
            repo::officers_of(conn, &[enrollment_id])?
                .remove(&enrollment_id)
                .map(|(participant_id, name, erased)| Officer {
                    participant_id,
                    name: (!erased).then_some(name),
                })
        };
        Ok(response_view(response, answers, officer, manages))
    })
}

/// A page of an instrument's responses: all of them for the event's managers, their own (not the supervisor's
/// about them, nor anonymous ones, which nothing links to them) for an officer of the event; 403 otherwise.
pub async fn list(
    pool: &DbPool,
    user: &AuthUser,
    instrument_id: Uuid,
    request: Input<ResponseList>,
) -> Result<Page<ResponseView>, ApiError> {
    let user = user.clone();
    let request = ReadInput::new(request);
    db::read(pool, move |conn| {
        read_page(conn, &user, instrument_id, &request)
    })
    .await
}

fn read_page(
    conn: &mut PgConnection,
    user: &AuthUser,
    instrument_id: Uuid,
    request: &ReadInput<ResponseList>,
) -> Result<Page<ResponseView>, ApiError> {
    let (row, _, manages) = load(conn, user, instrument_id, false)?;
    let scope = if manages {
        ResponseScope::All
    } else {
        match (user.role, user.participant_id) {
            (Role::Participant, Some(participant)) => {
                let mine = repo::enrollments_of(conn, row.event_id, participant)?;
                if mine.is_empty() {
                    return Err(ApiError::forbidden());
                }
                ResponseScope::OwnOf(mine)
            }
            _ => return Err(ApiError::forbidden()),
        }
    };
    let mut request = request.open(&Permit::granted())?;
    request.filter.instrument_id = instrument_id;
    let (rows, total) = repo::list(conn, &scope, &request)?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let enrollment_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.enrollment_id).collect();
    let mut answers = repo::answers_of(conn, &ids)?;
    let officers = repo::officers_of(conn, &enrollment_ids)?;
    let items = rows
        .into_iter()
        .map(|r| {
            let (mine, rest): (Vec<AnswerRow>, Vec<AnswerRow>) =
                answers.drain(..).partition(|a| a.response_id == r.id);
            answers = rest;
            let officer = r.enrollment_id.and_then(|e| officers.get(&e)).map(
                |(participant_id, name, erased)| Officer {
                    participant_id: *participant_id,
                    name: (!erased).then(|| name.clone()),
                },
            );
            response_view(r, mine, officer, manages)
        })
        .collect();
    Ok(Page::new(items, total, request.page))
}

/// One response: for the event's managers, and for the officer it is about (their own `participant` or
/// `alumnus` response); 404 for everybody else.
pub async fn get(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<ResponseView, ApiError> {
    let user = user.clone();
    db::read(pool, move |conn| read_one(conn, &user, id)).await
}

fn read_one(conn: &mut PgConnection, user: &AuthUser, id: Uuid) -> Result<ResponseView, ApiError> {
    let hidden = || ApiError::not_found("Response");
    let row = repo::find(conn, id)?.ok_or_else(hidden)?;
    let instrument = instruments_repo::find(conn, row.instrument_id)?.ok_or_else(hidden)?;
    let manages = access::manages_event(conn, user, instrument.event_id)?;
    if !manages {
        let own = match (user.role, user.participant_id, row.enrollment_id) {
            (Role::Participant, Some(participant), Some(enrollment))
                if row.respondent_kind != RespondentKind::Supervisor =>
            {
                repo::enrollment_subject(conn, enrollment)?
                    .is_some_and(|s| s.participant_id == participant)
            }
            _ => false,
        };
        if !own {
            return Err(hidden());
        }
    }
    let answers = repo::answers_of(conn, &[row.id])?;
    let officer = match row.enrollment_id {
        Some(e) => {
            repo::officers_of(conn, &[e])?
                .remove(&e)
                .map(|(participant_id, name, erased)| Officer {
                    participant_id,
                    name: (!erased).then_some(name),
                })
        }
        None => None,
    };
    Ok(response_view(row, answers, officer, manages))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_answered_in_its_part_of_the_event() {
        use EventStatus::{Cancelled, Completed, Draft, Ongoing, Published};
        assert!(event_answerable(InstrumentKind::PreTest, Ongoing));
        assert!(!event_answerable(InstrumentKind::PostTest, Completed));
        assert!(event_answerable(InstrumentKind::EventEvaluation, Completed));
        assert!(!event_answerable(InstrumentKind::FollowUp, Ongoing));
        assert!(event_answerable(InstrumentKind::FollowUp, Completed));
        assert!(!event_answerable(
            InstrumentKind::FacilitatorEvaluation,
            Cancelled
        ));
        assert!(!event_answerable(InstrumentKind::PreTest, Draft));
        assert!(event_answerable(InstrumentKind::PreTest, Published));
    }
}
