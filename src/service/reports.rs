//! Reports: one event (for its managers), a program across its events (admins and organizers), and a unit's
//! officers over a year (admins, and the unit's own operator). Every figure is aggregated in SQL
//! (`repo::reports`); this module decides who may read what and shapes the blocks the API serves. The view types
//! below are the response bodies themselves (the API documents them as they are): the event report is stored as
//! its rendered JSON in the event's snapshot (`service::snapshots`), so the shaping that produces those bytes
//! belongs here.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::PgConnection;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::enums::{
    EnrollmentStatus, EventStatus, InstrumentKind, Outcome, QuestionType, RespondentKind,
};
use crate::domain::result::{
    KirkpatrickLevel, likert_distribution, mean2, percent, round1, round4,
};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo::reports::{
    self as repo, Comment, EvaluationQuestion, InstrumentSummary, Learning, LevelFigures,
    LikertCount, OptionChosen, ProgramEvent, ReportEventRow, RespondentLikertCount,
    SessionAttendance, StatusCount, TargetMean, UnitAttendance, UnitTraining,
};
use crate::service::ReadInput;
use crate::service::results::visible_event;
use crate::service::{DbPool, Input, Permit, access, allow, snapshots};

/// The most comments an event report carries (the evaluation export has them all).
pub const COMMENTS_MAX: i64 = 200;

/// An officer, by id and name (`full_name`, as in every other answer): in results and reports, and the record
/// linked to an account in `GET /me`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a", "full_name": "Dewi Lestari"}))]
pub struct ParticipantRef {
    pub id: Uuid,
    /// Null after the officer's data was erased.
    pub full_name: Option<String>,
}

/// The event the report is about, with its rules.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "title": "Orientasi Lapangan PM Rehabilitasi Sosial", "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02", "attendance_threshold": 80, "pass_score": 70, "jp_minutes": 45}))]
pub struct ReportEvent {
    pub id: Uuid,
    pub title: String,
    pub status: EventStatus,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Percent of sessions an officer must attend.
    pub attendance_threshold: i16,
    /// Post-test score needed to pass (0: no test).
    pub pass_score: i16,
    /// Minutes of one JP.
    pub jp_minutes: i16,
}

/// Enrollments by state.
#[derive(Debug, Default, Serialize, ToSchema)]
#[schema(example = json!({"nominated": 0, "approved": 30, "rejected": 2, "waitlisted": 0, "withdrawn": 1, "total": 33}))]
pub struct EnrollmentCounts {
    pub nominated: i64,
    pub approved: i64,
    pub rejected: i64,
    pub waitlisted: i64,
    pub withdrawn: i64,
    pub total: i64,
}

/// Attendance of one session among the approved officers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"session_id": "3b4c5d6e-7f8a-4b9c-8d0e-1f2a3b4c5d6e", "title": "Morning meeting", "kind": "morning_meeting", "starts_at": "2025-08-02T00:00:00Z", "jp": 2, "present": 27, "late": 1, "excused": 1, "sick": 0, "absent": 1, "unrecorded": 0, "rate": 93.3}))]
pub struct SessionAttendanceLine {
    pub session_id: Uuid,
    pub title: String,
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub jp: i64,
    pub present: i64,
    pub late: i64,
    pub excused: i64,
    pub sick: i64,
    pub absent: i64,
    /// Approved officers with nothing recorded.
    pub unrecorded: i64,
    /// Percent of the approved officers present or late, one decimal.
    pub rate: f64,
}

/// Attendance of one unit's approved officers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"unit_id": "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", "unit_name": "Lapas Narkotika Kelas IIA Kasongan", "officers": 5, "attended": 28, "rate": 93.3}))]
pub struct UnitAttendanceLine {
    pub unit_id: Uuid,
    pub unit_name: String,
    pub officers: i64,
    /// Sessions attended, summed over the officers.
    pub attended: i64,
    /// Percent of officer-sessions attended, one decimal.
    pub rate: f64,
}

/// Attendance overall, per session and per unit.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"officers": 30, "sessions_total": 6, "rate": 91.7, "per_session": [], "per_unit": []}))]
pub struct AttendanceBlock {
    /// Approved officers.
    pub officers: i64,
    pub sessions_total: i64,
    /// Percent of officer-sessions attended (present or late), one decimal.
    pub rate: f64,
    pub per_session: Vec<SessionAttendanceLine>,
    pub per_unit: Vec<UnitAttendanceLine>,
}

/// How many scores of a kind exist, and their mean (two decimals).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"n": 29, "mean": 81.9}))]
pub struct ScoreStats {
    pub n: i64,
    pub mean: Option<f64>,
}

/// Level 2 (pembelajaran): pre-test, post-test, gains, pass rate and the practical assessment.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"level": "level_2_learning", "level_label": "Level 2 - Pembelajaran", "pre_test": {"n": 30, "mean": 54.2}, "post_test": {"n": 29, "mean": 81.9}, "paired_n": 29, "mean_gain": 27.4, "mean_normalized_gain": 0.6012, "passed": 26, "pass_rate": 89.7, "practical": {"n": 30, "mean": 84.0}}))]
pub struct LearningBlock {
    pub level: KirkpatrickLevel,
    /// The level in Indonesian.
    pub level_label: String,
    pub pre_test: ScoreStats,
    pub post_test: ScoreStats,
    /// Officers with both a pre and a post score.
    pub paired_n: i64,
    /// Mean of `post - pre` over the paired officers.
    pub mean_gain: Option<f64>,
    /// Mean of the officers' normalized gains `(post - pre) / (100 - pre)` (pre below 100), four decimals.
    pub mean_normalized_gain: Option<f64>,
    /// Officers whose post score reaches the pass score.
    pub passed: i64,
    /// `passed / post_test.n` in percent, one decimal.
    pub pass_rate: Option<f64>,
    pub practical: ScoreStats,
}

/// Officers by outcome.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"certificate": 26, "attendance_letter": 3, "not_completed": 1}))]
pub struct OutcomeCounts {
    pub certificate: i64,
    pub attendance_letter: i64,
    pub not_completed: i64,
}

/// How many answers gave one scale value.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"value": 4.0, "count": 12}))]
pub struct ValueCount {
    pub value: f64,
    pub count: i64,
}

/// A Likert question: answers, mean (two decimals) and the count of each scale value.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"question_id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", "position": 1, "prompt": "Materi sesuai kebutuhan", "scale": 5, "n": 30, "mean": 4.3, "distribution": [{"value": 1.0, "count": 0}, {"value": 2.0, "count": 1}, {"value": 3.0, "count": 2}, {"value": 4.0, "count": 12}, {"value": 5.0, "count": 15}]}))]
pub struct LikertQuestion {
    pub question_id: Uuid,
    pub position: i32,
    pub prompt: String,
    /// 4 or 5, as the question states it.
    pub scale: Option<i32>,
    pub n: i64,
    pub mean: Option<f64>,
    /// Every value of the scale (1..scale), with 0 where nobody chose it.
    pub distribution: Vec<ValueCount>,
}

/// How often one option of a choice question was chosen.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"key": "b", "label": "Diskusi kelompok", "count": 12}))]
pub struct OptionCount {
    pub key: String,
    pub label: String,
    pub count: i64,
}

/// A single- or multiple-choice question of an evaluation: how many answered it and how often each option was
/// chosen (every option of the question, 0 where nobody chose it; a multiple-choice answer counts once for each
/// option it names).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"question_id": "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", "position": 2, "prompt": "Metode yang paling membantu", "question_type": "single_choice", "n": 28, "distribution": [{"key": "a", "label": "Ceramah", "count": 4}, {"key": "b", "label": "Diskusi kelompok", "count": 24}]}))]
pub struct ChoiceQuestion {
    pub question_id: Uuid,
    pub position: i32,
    pub prompt: String,
    pub question_type: QuestionType,
    pub n: i64,
    pub distribution: Vec<OptionCount>,
}

/// A number question of an evaluation: how many answered it, and the mean (two decimals), median, smallest and
/// largest answer (all null without answers).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"question_id": "4d5e6f7a-8b9c-4d0e-8f1a-2b3c4d5e6f7a", "position": 3, "prompt": "Berapa kali Anda menerapkan materi dalam sebulan?", "n": 20, "mean": 6.35, "median": 6.0, "min": 1.0, "max": 15.0}))]
pub struct NumberQuestion {
    pub question_id: Uuid,
    pub position: i32,
    pub prompt: String,
    pub n: i64,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// The Likert questions of a follow-up as one kind of respondent answered them (the alumni, or their supervisors).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"respondent_kind": "supervisor", "responses": 18, "questions": []}))]
pub struct RespondentBlock {
    pub respondent_kind: RespondentKind,
    pub responses: i64,
    pub questions: Vec<LikertQuestion>,
}

/// An evaluation instrument and the summaries of its questions by type (text answers are in `comments`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"instrument_id": "6d7e8f9a-0b1c-4d2e-8f3a-4b5c6d7e8f9a", "kind": "event_evaluation", "title": "Evaluasi Penyelenggaraan", "anonymous": true, "session_id": null, "facilitator_id": null, "responses": 30, "questions": [], "choice_questions": [], "number_questions": [], "by_respondent": []}))]
pub struct InstrumentBlock {
    pub instrument_id: Uuid,
    pub kind: InstrumentKind,
    pub title: String,
    pub anonymous: bool,
    /// Facilitator evaluations: the session and facilitator rated.
    pub session_id: Option<Uuid>,
    pub facilitator_id: Option<Uuid>,
    pub responses: i64,
    /// The Likert questions, all respondents together.
    pub questions: Vec<LikertQuestion>,
    pub choice_questions: Vec<ChoiceQuestion>,
    pub number_questions: Vec<NumberQuestion>,
    /// Follow-ups only (empty for the others): the Likert questions per kind of respondent that answered, alumni
    /// first, so that the officers' own view and their supervisors' are not mixed.
    pub by_respondent: Vec<RespondentBlock>,
}

/// The mean Likert answer of the facilitator evaluations of one facilitator or one session.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10", "name": "Tim Rehabilitasi Lapas Kasongan", "responses": 28, "n": 112, "mean": 3.6}))]
pub struct TargetMeanLine {
    /// The facilitator's user id, or the session id.
    pub id: Uuid,
    /// The facilitator's display name, or the session title.
    pub name: Option<String>,
    pub responses: i64,
    /// Likert answers counted.
    pub n: i64,
    pub mean: Option<f64>,
}

/// Level 1 (reaksi): evaluasi penyelenggaraan and evaluasi narasumber.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"level": "level_1_reaction", "level_label": "Level 1 - Reaksi", "instruments": [], "per_facilitator": [], "per_session": []}))]
pub struct ReactionBlock {
    pub level: KirkpatrickLevel,
    pub level_label: String,
    pub instruments: Vec<InstrumentBlock>,
    pub per_facilitator: Vec<TargetMeanLine>,
    pub per_session: Vec<TargetMeanLine>,
}

/// Level 3 (perilaku): evaluasi pasca pelatihan, by alumni and supervisors.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"level": "level_3_behavior", "level_label": "Level 3 - Perilaku", "instruments": []}))]
pub struct BehaviorBlock {
    pub level: KirkpatrickLevel,
    pub level_label: String,
    pub instruments: Vec<InstrumentBlock>,
}

/// A free-text answer of an evaluation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"instrument_id": "6d7e8f9a-0b1c-4d2e-8f3a-4b5c6d7e8f9a", "kind": "event_evaluation", "level": "level_1_reaction", "question_id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", "prompt": "Saran", "text": "Simulasi kelompok terapi sangat bermanfaat", "participant_id": null}))]
pub struct CommentLine {
    pub instrument_id: Uuid,
    pub kind: InstrumentKind,
    pub level: KirkpatrickLevel,
    pub question_id: Uuid,
    pub prompt: String,
    pub text: String,
    /// The officer who wrote it; always null where the instrument is anonymous.
    pub participant_id: Option<Uuid>,
}

/// Free-text comments of the evaluations (the first 200; the evaluation export has them all).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"total": 1, "items": [{"instrument_id": "6d7e8f9a-0b1c-4d2e-8f3a-4b5c6d7e8f9a", "kind": "event_evaluation", "level": "level_1_reaction", "question_id": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", "prompt": "Saran", "text": "Simulasi kelompok terapi sangat bermanfaat", "participant_id": null}]}))]
pub struct CommentsBlock {
    pub total: i64,
    pub items: Vec<CommentLine>,
}

/// The report of an event.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "event": {"id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "title": "Orientasi Lapangan PM Rehabilitasi Sosial",
        "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02", "attendance_threshold": 80,
        "pass_score": 70, "jp_minutes": 45},
    "enrollments": {"nominated": 0, "approved": 30, "rejected": 2, "waitlisted": 0, "withdrawn": 1, "total": 33},
    "attendance": {"officers": 30, "sessions_total": 6, "rate": 91.7, "per_session": [], "per_unit": []},
    "learning": {"level": "level_2_learning", "level_label": "Level 2 - Pembelajaran",
        "pre_test": {"n": 30, "mean": 54.2}, "post_test": {"n": 29, "mean": 81.9}, "paired_n": 29,
        "mean_gain": 27.4, "mean_normalized_gain": 0.6012, "passed": 26, "pass_rate": 89.7,
        "practical": {"n": 30, "mean": 84.0}},
    "outcomes": {"certificate": 26, "attendance_letter": 3, "not_completed": 1},
    "reaction": {"level": "level_1_reaction", "level_label": "Level 1 - Reaksi", "instruments": [],
        "per_facilitator": [], "per_session": []},
    "behavior": {"level": "level_3_behavior", "level_label": "Level 3 - Perilaku", "instruments": []},
    "comments": {"total": 0, "items": []}
}))]
pub struct EventReportResponse {
    pub event: ReportEvent,
    pub enrollments: EnrollmentCounts,
    pub attendance: AttendanceBlock,
    pub learning: LearningBlock,
    pub outcomes: OutcomeCounts,
    pub reaction: ReactionBlock,
    pub behavior: BehaviorBlock,
    pub comments: CommentsBlock,
}

/// The Kirkpatrick levels of one event, or of several events together (each answer and officer counted once).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"reaction_mean": 4.35, "reaction_n": 240, "mean_gain": 27.4, "paired_n": 29, "pass_rate": 89.7, "passed": 26, "post_n": 29, "behavior_mean": 3.9, "behavior_n": 48}))]
pub struct KirkpatrickSummary {
    /// Level 1 (reaksi): the mean Likert answer of the event and facilitator evaluations, on the scales as asked
    /// (4 or 5 points), two decimals; null without answers.
    pub reaction_mean: Option<f64>,
    /// Level 1: the Likert answers counted.
    pub reaction_n: i64,
    /// Level 2 (pembelajaran): the mean gain (post-test minus pre-test) of the officers with both, two decimals.
    pub mean_gain: Option<f64>,
    pub paired_n: i64,
    /// Level 2: `passed / post_n` in percent, one decimal.
    pub pass_rate: Option<f64>,
    pub passed: i64,
    pub post_n: i64,
    /// Level 3 (perilaku): the mean Likert answer of the follow-ups (alumni and supervisors), two decimals.
    pub behavior_mean: Option<f64>,
    pub behavior_n: i64,
}

impl KirkpatrickSummary {
    /// The levels of the events whose figures these are, added up.
    fn of<'a>(figures: impl IntoIterator<Item = &'a LevelFigures>) -> Self {
        let mut t = LevelFigures::default();
        for f in figures {
            t.reaction_n += f.reaction_n;
            t.reaction_sum = sum(t.reaction_sum, f.reaction_sum);
            t.paired_n += f.paired_n;
            t.gain_sum = sum(t.gain_sum, f.gain_sum);
            t.post_n += f.post_n;
            t.passed += f.passed;
            t.behavior_n += f.behavior_n;
            t.behavior_sum = sum(t.behavior_sum, f.behavior_sum);
        }
        let mean =
            |total: Option<f64>, n: i64| mean2(total.filter(|_| n > 0).map(|t| t / n as f64));
        Self {
            reaction_mean: mean(t.reaction_sum, t.reaction_n),
            reaction_n: t.reaction_n,
            mean_gain: mean(t.gain_sum, t.paired_n),
            paired_n: t.paired_n,
            pass_rate: percent(t.passed, t.post_n),
            passed: t.passed,
            post_n: t.post_n,
            behavior_mean: mean(t.behavior_sum, t.behavior_n),
            behavior_n: t.behavior_n,
        }
    }
}

fn sum(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    }
}

/// One event of a program with its figures.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"event_id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "title": "Orientasi Lapangan", "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02", "enrollments": 33, "approved": 30, "certificate": 26, "attendance_letter": 3, "not_completed": 1, "completion_rate": 96.7, "mean_attendance_rate": 91.7, "certificates_issued": 29, "certificate_rate": 96.7, "levels": {"reaction_mean": 4.35, "reaction_n": 240, "mean_gain": 27.4, "paired_n": 29, "pass_rate": 89.7, "passed": 26, "post_n": 29, "behavior_mean": 3.9, "behavior_n": 48}}))]
pub struct ProgramEventLine {
    pub event_id: Uuid,
    pub title: String,
    pub status: EventStatus,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Enrollments in any state.
    pub enrollments: i64,
    pub approved: i64,
    pub certificate: i64,
    pub attendance_letter: i64,
    pub not_completed: i64,
    /// `(certificate + attendance_letter) / approved` in percent, one decimal.
    pub completion_rate: Option<f64>,
    /// Mean attendance rate of the approved officers, one decimal.
    pub mean_attendance_rate: Option<f64>,
    /// Certificates and letters issued and not revoked.
    pub certificates_issued: i64,
    /// `certificates_issued / approved` in percent, one decimal.
    pub certificate_rate: Option<f64>,
    /// The event's Kirkpatrick levels 1 to 3.
    pub levels: KirkpatrickSummary,
}

/// Sums over a program's events.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"events": 1, "approved": 30, "completed": 29, "certificates_issued": 29, "completion_rate": 96.7, "certificate_rate": 96.7, "levels": {"reaction_mean": 4.35, "reaction_n": 240, "mean_gain": 27.4, "paired_n": 29, "pass_rate": 89.7, "passed": 26, "post_n": 29, "behavior_mean": 3.9, "behavior_n": 48}}))]
pub struct ProgramTotals {
    pub events: i64,
    pub approved: i64,
    pub completed: i64,
    pub certificates_issued: i64,
    pub completion_rate: Option<f64>,
    pub certificate_rate: Option<f64>,
    /// The Kirkpatrick levels across the events: every answer and every officer of every event counted once.
    pub levels: KirkpatrickSummary,
}

/// The program a report is about.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "4a7b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", "name": "PM Rehabilitasi Sosial", "year": 2025}))]
pub struct ReportProgram {
    pub id: Uuid,
    pub name: String,
    pub year: i32,
}

/// The report of a program across its events.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "program": {"id": "4a7b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", "name": "PM Rehabilitasi Sosial", "year": 2025},
    "events": [{"event_id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "title": "Orientasi Lapangan",
        "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02", "enrollments": 33,
        "approved": 30, "certificate": 26, "attendance_letter": 3, "not_completed": 1, "completion_rate": 96.7,
        "mean_attendance_rate": 91.7, "certificates_issued": 29, "certificate_rate": 96.7, "levels": {"reaction_mean": 4.35, "reaction_n": 240, "mean_gain": 27.4, "paired_n": 29, "pass_rate": 89.7, "passed": 26, "post_n": 29, "behavior_mean": 3.9, "behavior_n": 48}}],
    "totals": {"events": 1, "approved": 30, "completed": 29, "certificates_issued": 29, "completion_rate": 96.7,
        "certificate_rate": 96.7, "levels": {"reaction_mean": 4.35, "reaction_n": 240, "mean_gain": 27.4, "paired_n": 29, "pass_rate": 89.7, "passed": 26, "post_n": 29, "behavior_mean": 3.9, "behavior_n": 48}}
}))]
pub struct ProgramReportResponse {
    pub program: ReportProgram,
    pub events: Vec<ProgramEventLine>,
    pub totals: ProgramTotals,
}

/// One training of an officer in the year.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"event_id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "title": "Orientasi Lapangan", "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02", "outcome": "certificate", "attendance_rate": 83.3, "post_score": 85.5, "jp_earned": 10}))]
pub struct UnitTrainingLine {
    pub event_id: Uuid,
    pub title: String,
    /// `ongoing` (the outcome may still change) or `completed`.
    pub status: EventStatus,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub outcome: Outcome,
    pub attendance_rate: f64,
    pub post_score: Option<f64>,
    pub jp_earned: i64,
}

/// An officer of the unit and their trainings of the year.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"participant": {"id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a", "full_name": "Dewi Lestari"}, "jp_total": 10, "minutes_total": 450, "trainings_completed": 1, "trainings": []}))]
pub struct UnitOfficerLine {
    pub participant: ParticipantRef,
    /// JP earned in the year's trainings.
    pub jp_total: i64,
    /// The same in minutes (each event's JP length).
    pub minutes_total: i64,
    /// Trainings with outcome `certificate` or `attendance_letter`.
    pub trainings_completed: i64,
    pub trainings: Vec<UnitTrainingLine>,
}

/// Sums over the unit's officers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"officers": 12, "officers_trained": 5, "jp_total": 50}))]
pub struct UnitTotals {
    pub officers: i64,
    /// Officers with at least one training in the year.
    pub officers_trained: i64,
    pub jp_total: i64,
}

/// The report of a unit's officers for a year.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "unit_id": "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", "year": 2025,
    "officers": [{"participant": {"id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a", "full_name": "Dewi Lestari"},
        "jp_total": 10, "minutes_total": 450, "trainings_completed": 1,
        "trainings": [{"event_id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "title": "Orientasi Lapangan",
            "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02", "outcome": "certificate",
            "attendance_rate": 83.3, "post_score": 85.5, "jp_earned": 10}]}],
    "totals": {"officers": 1, "officers_trained": 1, "jp_total": 10},
    "levels": {"reaction_mean": 4.5, "reaction_n": 4, "mean_gain": 25.0, "paired_n": 1, "pass_rate": 100.0,
        "passed": 1, "post_n": 1, "behavior_mean": 4.0, "behavior_n": 2}
}))]
pub struct UnitReportResponse {
    pub unit_id: Uuid,
    pub year: i32,
    /// The Kirkpatrick levels of the unit's officers in these trainings: level 2 their scores; levels 1 and 3 the
    /// Likert answers that name them (their non-anonymous evaluations; the follow-ups by them and their
    /// supervisors). Anonymous evaluations name no officer and are not counted here.
    pub levels: KirkpatrickSummary,
    pub officers: Vec<UnitOfficerLine>,
    pub totals: UnitTotals,
}

// ------------------------------------------------------------------------------------------------ event report

/// Every figure of an event report, as the queries return them.
#[derive(Debug, Clone)]
pub struct EventFigures {
    pub event: ReportEventRow,
    pub enrollment_counts: Vec<StatusCount>,
    pub sessions: Vec<SessionAttendance>,
    /// The first line (unit null) is the whole event.
    pub units: Vec<UnitAttendance>,
    pub learning: Learning,
    pub instruments: Vec<InstrumentSummary>,
    pub likert: Vec<LikertCount>,
    pub likert_by_respondent: Vec<RespondentLikertCount>,
    pub questions: Vec<EvaluationQuestion>,
    pub options_chosen: Vec<OptionChosen>,
    pub facilitator_means: Vec<TargetMean>,
    pub comments: Vec<Comment>,
}

impl EnrollmentCounts {
    /// The counts of each state, and their sum.
    pub fn tally(counts: impl IntoIterator<Item = (EnrollmentStatus, i64)>) -> Self {
        let mut tally = Self::default();
        for (status, n) in counts {
            let slot = match status {
                EnrollmentStatus::Nominated => &mut tally.nominated,
                EnrollmentStatus::Approved => &mut tally.approved,
                EnrollmentStatus::Rejected => &mut tally.rejected,
                EnrollmentStatus::Waitlisted => &mut tally.waitlisted,
                EnrollmentStatus::Withdrawn => &mut tally.withdrawn,
            };
            *slot = n;
            tally.total += n;
        }
        tally
    }
}

/// The choice questions of one instrument (by position), each option of its settings with how often it was chosen.
fn choice_questions(
    questions: &[EvaluationQuestion],
    chosen: &[OptionChosen],
    instrument_id: Uuid,
) -> Vec<ChoiceQuestion> {
    questions
        .iter()
        .filter(|q| q.instrument_id == instrument_id)
        .filter(|q| {
            matches!(
                q.question_type,
                QuestionType::SingleChoice | QuestionType::MultipleChoice
            )
        })
        .map(|q| {
            let options: Vec<(String, String)> = serde_json::from_str::<Value>(&q.settings)
                .ok()
                .and_then(|s| s.get("options").and_then(Value::as_array).cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|o| {
                    Some((
                        o.get("key")?.as_str()?.to_owned(),
                        o.get("label")?.as_str()?.to_owned(),
                    ))
                })
                .collect();
            let count_of = |key: &str| {
                chosen
                    .iter()
                    .find(|c| c.question_id == q.question_id && c.option_key == key)
                    .map_or(0, |c| c.count)
            };
            ChoiceQuestion {
                question_id: q.question_id,
                position: q.position,
                prompt: q.prompt.clone(),
                question_type: q.question_type,
                n: q.n,
                distribution: options
                    .into_iter()
                    .map(|(key, label)| OptionCount {
                        count: count_of(&key),
                        key,
                        label,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The number questions of one instrument (by position) with their statistics.
fn number_questions(questions: &[EvaluationQuestion], instrument_id: Uuid) -> Vec<NumberQuestion> {
    questions
        .iter()
        .filter(|q| q.instrument_id == instrument_id && q.question_type == QuestionType::Number)
        .map(|q| NumberQuestion {
            question_id: q.question_id,
            position: q.position,
            prompt: q.prompt.clone(),
            n: q.n,
            mean: mean2(q.mean),
            median: q.median,
            min: q.min,
            max: q.max,
        })
        .collect()
}

/// The Likert questions of a follow-up per kind of respondent, alumni first.
fn by_respondent(rows: &[RespondentLikertCount], instrument_id: Uuid) -> Vec<RespondentBlock> {
    let mut kinds: Vec<(RespondentKind, i64)> = rows
        .iter()
        .filter(|r| r.count.instrument_id == instrument_id)
        .map(|r| (r.respondent_kind, r.responses))
        .collect();
    kinds.sort_by_key(|(kind, _)| (*kind != RespondentKind::Alumnus, kind.as_str()));
    kinds.dedup_by_key(|(kind, _)| *kind);
    kinds
        .into_iter()
        .map(|(kind, responses)| {
            let counts: Vec<LikertCount> = rows
                .iter()
                .filter(|r| r.respondent_kind == kind)
                .map(|r| r.count.clone())
                .collect();
            RespondentBlock {
                respondent_kind: kind,
                responses,
                questions: likert_questions(&counts, instrument_id),
            }
        })
        .collect()
}

/// The Likert questions of one instrument, in the order of the rows (by position), each with its distribution.
fn likert_questions(rows: &[LikertCount], instrument_id: Uuid) -> Vec<LikertQuestion> {
    let mut questions: Vec<(LikertQuestion, Vec<(f64, i64)>)> = Vec::new();
    for row in rows.iter().filter(|r| r.instrument_id == instrument_id) {
        if questions
            .last()
            .is_none_or(|(q, _)| q.question_id != row.question_id)
        {
            questions.push((
                LikertQuestion {
                    question_id: row.question_id,
                    position: row.position,
                    prompt: row.prompt.clone(),
                    scale: row.scale,
                    n: row.n,
                    mean: mean2(row.mean),
                    distribution: Vec::new(),
                },
                Vec::new(),
            ));
        }
        if let (Some(value), Some((_, answered))) = (row.value, questions.last_mut()) {
            answered.push((value, row.count));
        }
    }
    questions
        .into_iter()
        .map(|(mut q, answered)| {
            q.distribution = likert_distribution(q.scale, &answered)
                .into_iter()
                .map(|(value, count)| ValueCount { value, count })
                .collect();
            q
        })
        .collect()
}

impl From<EventFigures> for EventReportResponse {
    fn from(r: EventFigures) -> Self {
        let enrollments =
            EnrollmentCounts::tally(r.enrollment_counts.iter().map(|c| (c.status, c.n)));
        let overall = r.units.iter().find(|u| u.unit_id.is_none());
        let attendance = AttendanceBlock {
            officers: r.learning.officers,
            sessions_total: r.sessions.len() as i64,
            rate: overall.map_or(0.0, |o| o.rate),
            per_session: r
                .sessions
                .iter()
                .map(|s| SessionAttendanceLine {
                    session_id: s.session_id,
                    title: s.title.clone(),
                    kind: s.kind.clone(),
                    starts_at: s.starts_at,
                    jp: s.jp,
                    present: s.present,
                    late: s.late,
                    excused: s.excused,
                    sick: s.sick,
                    absent: s.absent,
                    unrecorded: s.officers - (s.present + s.late + s.excused + s.sick + s.absent),
                    rate: s.rate,
                })
                .collect(),
            per_unit: r
                .units
                .iter()
                .filter_map(|u| {
                    Some(UnitAttendanceLine {
                        unit_id: u.unit_id?,
                        unit_name: u.unit_name.clone().unwrap_or_default(),
                        officers: u.officers,
                        attended: u.attended,
                        rate: u.rate,
                    })
                })
                .collect(),
        };
        let l = &r.learning;
        let learning = LearningBlock {
            level: KirkpatrickLevel::Learning,
            level_label: KirkpatrickLevel::Learning.label().to_owned(),
            pre_test: ScoreStats {
                n: l.pre_n,
                mean: mean2(l.pre_mean),
            },
            post_test: ScoreStats {
                n: l.post_n,
                mean: mean2(l.post_mean),
            },
            paired_n: l.paired_n,
            mean_gain: mean2(l.mean_gain),
            mean_normalized_gain: l.mean_normalized_gain.map(round4),
            passed: l.passed,
            pass_rate: percent(l.passed, l.post_n),
            practical: ScoreStats {
                n: l.practical_n,
                mean: mean2(l.practical_mean),
            },
        };
        let outcomes = OutcomeCounts {
            certificate: l.certificate,
            attendance_letter: l.attendance_letter,
            not_completed: l.not_completed,
        };
        let mut reaction_instruments = Vec::new();
        let mut behavior_instruments = Vec::new();
        for i in &r.instruments {
            let block = InstrumentBlock {
                instrument_id: i.instrument_id,
                kind: i.kind,
                title: i.title.clone(),
                anonymous: i.anonymous,
                session_id: i.session_id,
                facilitator_id: i.facilitator_id,
                responses: i.responses,
                questions: likert_questions(&r.likert, i.instrument_id),
                choice_questions: choice_questions(
                    &r.questions,
                    &r.options_chosen,
                    i.instrument_id,
                ),
                number_questions: number_questions(&r.questions, i.instrument_id),
                by_respondent: by_respondent(&r.likert_by_respondent, i.instrument_id),
            };
            match KirkpatrickLevel::of_instrument(i.kind) {
                KirkpatrickLevel::Behavior => behavior_instruments.push(block),
                _ => reaction_instruments.push(block),
            }
        }
        let target = |by_session: bool| -> Vec<TargetMeanLine> {
            r.facilitator_means
                .iter()
                .filter(|t| t.by_session == by_session)
                .filter_map(|t| {
                    Some(TargetMeanLine {
                        id: t.target_id?,
                        name: t.name.clone(),
                        responses: t.responses,
                        n: t.n,
                        mean: mean2(t.mean),
                    })
                })
                .collect()
        };
        let comments = CommentsBlock {
            total: r.comments.first().map_or(0, |c| c.total),
            items: r
                .comments
                .iter()
                .map(|c| CommentLine {
                    instrument_id: c.instrument_id,
                    kind: c.kind,
                    level: KirkpatrickLevel::of_instrument(c.kind),
                    question_id: c.question_id,
                    prompt: c.prompt.clone(),
                    text: c.text.clone(),
                    participant_id: c.participant_id,
                })
                .collect(),
        };
        let e = &r.event;
        Self {
            event: ReportEvent {
                id: e.id,
                title: e.title.clone(),
                status: e.status,
                starts_on: e.starts_on,
                ends_on: e.ends_on,
                attendance_threshold: e.attendance_threshold,
                pass_score: e.pass_score,
                jp_minutes: e.jp_minutes,
            },
            enrollments,
            attendance,
            learning,
            outcomes,
            reaction: ReactionBlock {
                level: KirkpatrickLevel::Reaction,
                level_label: KirkpatrickLevel::Reaction.label().to_owned(),
                instruments: reaction_instruments,
                per_facilitator: target(false),
                per_session: target(true),
            },
            behavior: BehaviorBlock {
                level: KirkpatrickLevel::Behavior,
                level_label: KirkpatrickLevel::Behavior.label().to_owned(),
                instruments: behavior_instruments,
            },
            comments,
        }
    }
}

/// The report of an event as JSON (an [`EventReportResponse`]), for its managers (others: 403; a draft hidden
/// from them: 404). Served from the event's report snapshot while no change touched what it shows
/// (`service::snapshots`); rendered here when it must be recomputed.
pub async fn event(pool: &DbPool, user: &AuthUser, event_id: Uuid) -> Result<Vec<u8>, ApiError> {
    let user = user.clone();
    db::read(pool, move |conn| {
        visible_event(conn, &user, event_id)?;
        if !access::manages_event(conn, &user, event_id)? {
            return Err(ApiError::forbidden());
        }
        let _permit = Permit::granted();
        snapshots::report(conn, event_id, |conn| {
            let report = EventReportResponse::from(compute_event(conn, event_id)?);
            serde_json::to_vec(&report).map_err(ApiError::internal)
        })
    })
    .await
}

/// Every figure of an event's report, read now.
fn compute_event(conn: &mut PgConnection, event_id: Uuid) -> Result<EventFigures, ApiError> {
    let event = repo::event(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    Ok(EventFigures {
        event,
        enrollment_counts: repo::enrollment_counts(conn, event_id)?,
        sessions: repo::attendance_per_session(conn, event_id)?,
        units: repo::attendance_per_unit(conn, event_id)?,
        learning: repo::learning(conn, event_id)?,
        instruments: repo::evaluation_instruments(conn, event_id)?,
        likert: repo::likert(conn, event_id)?,
        likert_by_respondent: repo::likert_by_respondent(conn, event_id)?,
        questions: repo::evaluation_questions(conn, event_id)?,
        options_chosen: repo::options_chosen(conn, event_id)?,
        facilitator_means: repo::facilitator_means(conn, event_id)?,
        comments: repo::comments(conn, event_id, COMMENTS_MAX)?,
    })
}

// ---------------------------------------------------------------------------------------------- program report

/// A program's report from its name, year and events: each event's rates, and the totals.
fn program_report(program: ReportProgram, rows: Vec<ProgramEvent>) -> ProgramReportResponse {
    let mut events = Vec::with_capacity(rows.len());
    let (mut approved, mut completed, mut issued) = (0, 0, 0);
    let levels = KirkpatrickSummary::of(rows.iter().map(|e| &e.levels));
    for e in rows {
        let done = e.certificate + e.attendance_letter;
        approved += e.approved;
        completed += done;
        issued += e.certificates_issued;
        events.push(ProgramEventLine {
            status: e.status,
            completion_rate: percent(done, e.approved),
            certificate_rate: percent(e.certificates_issued, e.approved),
            mean_attendance_rate: e.mean_attendance_rate.map(round1),
            event_id: e.event_id,
            title: e.title,
            starts_on: e.starts_on,
            ends_on: e.ends_on,
            enrollments: e.enrollments,
            approved: e.approved,
            certificate: e.certificate,
            attendance_letter: e.attendance_letter,
            not_completed: e.not_completed,
            certificates_issued: e.certificates_issued,
            levels: KirkpatrickSummary::of([&e.levels]),
        });
    }
    ProgramReportResponse {
        program,
        totals: ProgramTotals {
            events: events.len() as i64,
            approved,
            completed,
            certificates_issued: issued,
            completion_rate: percent(completed, approved),
            certificate_rate: percent(issued, approved),
            levels,
        },
        events,
    }
}

/// The report of a program: admins (with draft events) and organizers (without); others 403.
pub async fn program(
    pool: &DbPool,
    user: &AuthUser,
    program_id: Uuid,
) -> Result<ProgramReportResponse, ApiError> {
    let _permit = allow(user, &[Role::Admin, Role::Organizer])?;
    let with_drafts = user.role == Role::Admin;
    db::read(pool, move |conn| {
        let (name, year) =
            repo::program(conn, program_id)?.ok_or_else(|| ApiError::not_found("Program"))?;
        let events = repo::program_events(conn, program_id, with_drafts)?;
        Ok(program_report(
            ReportProgram {
                id: program_id,
                name,
                year,
            },
            events,
        ))
    })
    .await
}

// ------------------------------------------------------------------------------------------------- unit report

/// A unit's report from its rows (by officer, then start date; an officer without trainings has one row without
/// an event): per officer the trainings, their JP and the trainings completed; and the totals.
fn unit_report(
    unit_id: Uuid,
    year: i32,
    rows: Vec<UnitTraining>,
    levels: &LevelFigures,
) -> UnitReportResponse {
    let mut officers: Vec<UnitOfficerLine> = Vec::new();
    for row in rows {
        if officers
            .last()
            .is_none_or(|o| o.participant.id != row.participant_id)
        {
            officers.push(UnitOfficerLine {
                participant: ParticipantRef {
                    id: row.participant_id,
                    full_name: row.erased_at.is_none().then(|| row.full_name.clone()),
                },
                jp_total: row.jp_total,
                minutes_total: row.minutes_total,
                trainings_completed: 0,
                trainings: Vec::new(),
            });
        }
        let (Some(event_id), Some(status), Some(outcome), Some(officer)) =
            (row.event_id, row.status, row.outcome, officers.last_mut())
        else {
            continue;
        };
        if outcome != Outcome::NotCompleted {
            officer.trainings_completed += 1;
        }
        officer.trainings.push(UnitTrainingLine {
            event_id,
            title: row.title.unwrap_or_default(),
            status,
            starts_on: row.starts_on.unwrap_or_default(),
            ends_on: row.ends_on.unwrap_or_default(),
            outcome,
            attendance_rate: row.attendance_rate.unwrap_or(0.0),
            post_score: row.post_score,
            jp_earned: row.jp_earned.unwrap_or(0),
        });
    }
    let totals = UnitTotals {
        officers: officers.len() as i64,
        officers_trained: officers.iter().filter(|o| !o.trainings.is_empty()).count() as i64,
        jp_total: officers.iter().map(|o| o.jp_total).sum(),
    };
    UnitReportResponse {
        unit_id,
        year,
        levels: KirkpatrickSummary::of([levels]),
        officers,
        totals,
    }
}

/// The report of a unit's officers for a year (checked by `domain::result::report_year`): admins, and the
/// operator of that unit; others 403; an unknown unit 404.
pub async fn unit(
    pool: &DbPool,
    user: &AuthUser,
    unit_id: Uuid,
    year: Input<i32>,
) -> Result<UnitReportResponse, ApiError> {
    let user = user.clone();
    let year = ReadInput::new(year);
    db::read(pool, move |conn| {
        if !repo::unit_exists(conn, unit_id)? {
            return Err(ApiError::not_found("Unit"));
        }
        let permit = match user.role {
            Role::Admin => Permit::granted(),
            Role::UnitOperator if user.unit_id == Some(unit_id) => Permit::granted(),
            _ => return Err(ApiError::forbidden()),
        };
        let year = year.open(&permit)?;
        Ok(unit_report(
            unit_id,
            year,
            repo::unit_year(conn, unit_id, year)?,
            &repo::unit_levels(conn, unit_id, year)?,
        ))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn enrollments_are_counted_by_state() {
        let counts = EnrollmentCounts::tally([
            (EnrollmentStatus::Approved, 30),
            (EnrollmentStatus::Rejected, 2),
            (EnrollmentStatus::Withdrawn, 1),
        ]);
        assert_eq!(
            (
                counts.nominated,
                counts.approved,
                counts.rejected,
                counts.waitlisted,
                counts.withdrawn,
                counts.total
            ),
            (0, 30, 2, 0, 1, 33)
        );
        assert_eq!(EnrollmentCounts::tally([]).total, 0);
    }

    fn likert(instrument: u128, question: u128, value: Option<f64>, count: i64) -> LikertCount {
        LikertCount {
            instrument_id: id(instrument),
            question_id: id(question),
            position: question as i32,
            prompt: format!("Q{question}"),
            scale: Some(4),
            value,
            count,
            n: 3,
            mean: Some(2.666_666),
        }
    }

    #[test]
    fn likert_questions_of_an_instrument_carry_their_distributions() {
        let rows = [
            likert(1, 10, Some(2.0), 1),
            likert(1, 10, Some(3.0), 2),
            likert(2, 20, Some(4.0), 5),
            likert(1, 11, None, 0),
        ];
        let questions = likert_questions(&rows, id(1));
        assert_eq!(questions.len(), 2);
        let counts = |q: &LikertQuestion| -> Vec<(f64, i64)> {
            q.distribution.iter().map(|v| (v.value, v.count)).collect()
        };
        assert_eq!(questions[0].question_id, id(10));
        assert_eq!(questions[0].mean, Some(2.67));
        assert_eq!(
            counts(&questions[0]),
            [(1.0, 0), (2.0, 1), (3.0, 2), (4.0, 0)]
        );
        // a question nobody answered yet: the whole scale with zeros
        assert_eq!(
            counts(&questions[1]),
            [(1.0, 0), (2.0, 0), (3.0, 0), (4.0, 0)]
        );
        assert!(likert_questions(&rows, id(3)).is_empty());
    }

    fn program_event(
        n: u128,
        approved: i64,
        certificate: i64,
        letter: i64,
        issued: i64,
    ) -> ProgramEvent {
        ProgramEvent {
            event_id: id(n),
            title: format!("Event {n}"),
            status: EventStatus::Completed,
            starts_on: NaiveDate::default(),
            ends_on: NaiveDate::default(),
            enrollments: approved + 3,
            approved,
            certificate,
            attendance_letter: letter,
            not_completed: approved - certificate - letter,
            mean_attendance_rate: (approved > 0).then_some(91.666),
            certificates_issued: issued,
            levels: LevelFigures::default(),
        }
    }

    #[test]
    fn kirkpatrick_levels_of_several_events_count_every_answer_and_officer_once() {
        let first = LevelFigures {
            reaction_n: 3,
            reaction_sum: Some(13.0),
            paired_n: 2,
            gain_sum: Some(40.0),
            post_n: 3,
            passed: 2,
            behavior_n: 0,
            behavior_sum: None,
        };
        let second = LevelFigures {
            reaction_n: 1,
            reaction_sum: Some(3.0),
            paired_n: 0,
            gain_sum: None,
            post_n: 1,
            passed: 1,
            behavior_n: 2,
            behavior_sum: Some(7.0),
        };
        let both = KirkpatrickSummary::of([&first, &second]);
        assert_eq!(
            both.reaction_mean,
            Some(4.0),
            "16 / 4, not the mean of 4.33 and 3"
        );
        assert_eq!(both.mean_gain, Some(20.0));
        assert_eq!(both.pass_rate, Some(75.0));
        assert_eq!((both.behavior_mean, both.behavior_n), (Some(3.5), 2));
        let none = KirkpatrickSummary::of([]);
        assert_eq!(
            (
                none.reaction_mean,
                none.mean_gain,
                none.pass_rate,
                none.behavior_mean
            ),
            (None, None, None, None)
        );
    }

    #[test]
    fn a_program_report_has_the_rates_of_each_event_and_the_totals() {
        let program = ReportProgram {
            id: id(1),
            name: "PM".to_owned(),
            year: 2025,
        };
        let report = program_report(
            program,
            vec![
                program_event(1, 30, 26, 3, 29),
                program_event(2, 0, 0, 0, 0),
            ],
        );
        let first = &report.events[0];
        assert_eq!(first.completion_rate, Some(96.7));
        assert_eq!(first.certificate_rate, Some(96.7));
        assert_eq!(first.mean_attendance_rate, Some(91.7));
        let empty = &report.events[1];
        assert_eq!(
            (
                empty.completion_rate,
                empty.certificate_rate,
                empty.mean_attendance_rate
            ),
            (None, None, None)
        );
        let t = &report.totals;
        assert_eq!(
            (t.events, t.approved, t.completed, t.certificates_issued),
            (2, 30, 29, 29)
        );
        assert_eq!(
            (t.completion_rate, t.certificate_rate),
            (Some(96.7), Some(96.7))
        );
    }

    fn training(officer: u128, event: Option<(u128, Outcome)>, jp_total: i64) -> UnitTraining {
        UnitTraining {
            participant_id: id(officer),
            full_name: format!("Officer {officer}"),
            erased_at: None,
            event_id: event.map(|(e, _)| id(e)),
            title: event.map(|(e, _)| format!("Event {e}")),
            status: event.map(|_| EventStatus::Completed),
            starts_on: event.map(|_| NaiveDate::default()),
            ends_on: event.map(|_| NaiveDate::default()),
            outcome: event.map(|(_, o)| o),
            attendance_rate: event.map(|_| 83.3),
            post_score: None,
            jp_earned: event.map(|_| 5),
            jp_total,
            minutes_total: jp_total * 45,
        }
    }

    #[test]
    fn a_unit_report_groups_the_trainings_by_officer() {
        let mut erased = training(3, None, 0);
        erased.erased_at = Some(Utc::now());
        let rows = vec![
            training(1, Some((10, Outcome::Certificate)), 10),
            training(1, Some((11, Outcome::NotCompleted)), 10),
            training(2, Some((10, Outcome::AttendanceLetter)), 5),
            erased,
        ];
        let report = unit_report(id(9), 2025, rows, &LevelFigures::default());
        assert_eq!((report.unit_id, report.year), (id(9), 2025));
        let officers = &report.officers;
        assert_eq!(officers.len(), 3);
        assert_eq!(officers[0].trainings.len(), 2);
        assert_eq!(officers[0].trainings_completed, 1);
        assert_eq!((officers[0].jp_total, officers[0].minutes_total), (10, 450));
        assert_eq!(officers[1].trainings_completed, 1);
        assert_eq!(officers[1].trainings[0].outcome, Outcome::AttendanceLetter);
        assert!(officers[2].trainings.is_empty());
        assert_eq!(officers[2].participant.full_name, None);
        assert_eq!(
            officers[0].participant.full_name.as_deref(),
            Some("Officer 1")
        );
        let t = &report.totals;
        assert_eq!((t.officers, t.officers_trained, t.jp_total), (3, 2, 15));
    }
}
