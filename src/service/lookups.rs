//! The lookup lists a frontend fills its forms with: the `session_kinds` table and the closed vocabularies of
//! `domain::enums`, each value with its Indonesian label (`domain::labels`; a grade with its pangkat,
//! `domain::grade`).
//!
//! Public on purpose, like the OpenAPI document that already lists every code: the lists hold no personal data and
//! are the same for every caller, so a login screen can use them and a shared cache can keep them. Reads only;
//! nothing here writes or fires a trigger.

use crate::db;
use crate::domain::enums::{
    AttendanceStatus, EmployeeType, EnrollmentStatus, EventKind, EventStatus, Grade,
    InstrumentKind, PositionKind, QuestionType, RespondentKind, ScoreKind, Sex, UnitClass,
    UnitType,
};
use crate::domain::grade::{pangkat, pangkat_golongan};
use crate::domain::labels::Label;
use crate::error::ApiError;
use crate::repo::sessions as repo;
use crate::service::DbPool;

/// A session kind of the lookup table (extensible: a new kind is a row, not a release).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKind {
    pub code: String,
    pub label_id: String,
    pub label_en: String,
    pub sort_order: i32,
}

/// A value of a closed vocabulary and its Indonesian label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<T> {
    pub code: T,
    pub label: &'static str,
}

/// A golongan ruang with its pangkat, in rank order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeEntry {
    pub code: Grade,
    pub pangkat: &'static str,
    /// `Penata Muda Tingkat I, III/b`.
    pub label: String,
}

/// Every lookup list at once.
#[derive(Debug, Clone)]
pub struct Lookups {
    pub session_kinds: Vec<SessionKind>,
    pub event_kinds: Vec<Entry<EventKind>>,
    pub event_statuses: Vec<Entry<EventStatus>>,
    pub enrollment_statuses: Vec<Entry<EnrollmentStatus>>,
    pub attendance_statuses: Vec<Entry<AttendanceStatus>>,
    pub unit_types: Vec<Entry<UnitType>>,
    pub unit_classes: Vec<Entry<UnitClass>>,
    pub grades: Vec<GradeEntry>,
    pub sexes: Vec<Entry<Sex>>,
    pub employee_types: Vec<Entry<EmployeeType>>,
    pub position_kinds: Vec<Entry<PositionKind>>,
    pub instrument_kinds: Vec<Entry<InstrumentKind>>,
    pub question_types: Vec<Entry<QuestionType>>,
    pub respondent_kinds: Vec<Entry<RespondentKind>>,
    pub score_kinds: Vec<Entry<ScoreKind>>,
}

fn entries<T: Label + Copy>(all: &[T]) -> Vec<Entry<T>> {
    all.iter()
        .map(|&code| Entry {
            code,
            label: code.label(),
        })
        .collect()
}

/// The session kinds, in their display order (`sort_order`, then `code`).
pub async fn session_kinds(pool: &DbPool) -> Result<Vec<SessionKind>, ApiError> {
    db::read(pool, |conn| {
        Ok(repo::kinds(conn)?
            .into_iter()
            .map(|row| SessionKind {
                code: row.code,
                label_id: row.label_id,
                label_en: row.label_en,
                sort_order: row.sort_order,
            })
            .collect())
    })
    .await
}

/// Every lookup list; the vocabularies in their declared order (grades from I/a to IV/e).
pub async fn all(pool: &DbPool) -> Result<Lookups, ApiError> {
    Ok(Lookups {
        session_kinds: session_kinds(pool).await?,
        event_kinds: entries(EventKind::ALL),
        event_statuses: entries(EventStatus::ALL),
        enrollment_statuses: entries(EnrollmentStatus::ALL),
        attendance_statuses: entries(AttendanceStatus::ALL),
        unit_types: entries(UnitType::ALL),
        unit_classes: entries(UnitClass::ALL),
        grades: Grade::ALL
            .iter()
            .map(|&code| GradeEntry {
                code,
                pangkat: pangkat(code),
                label: pangkat_golongan(code),
            })
            .collect(),
        sexes: entries(Sex::ALL),
        employee_types: entries(EmployeeType::ALL),
        position_kinds: entries(PositionKind::ALL),
        instrument_kinds: entries(InstrumentKind::ALL),
        question_types: entries(QuestionType::ALL),
        respondent_kinds: entries(RespondentKind::ALL),
        score_kinds: entries(ScoreKind::ALL),
    })
}
