//! `/api/v1/session-kinds` and `/api/v1/lookups`: the lists a frontend fills its forms with, each value as its
//! API code and its Indonesian label.
//!
//! Public (no token), and cacheable: the lists hold no personal data, are the same for every caller and only change
//! with a release or a migration (the codes are in this document already). Each answer carries a strong `ETag` (a
//! hash of the body, so `If-None-Match` gives 304) and `Cache-Control: public, max-age=3600`.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::domain::enums::{
    AttendanceStatus, EmployeeType, EnrollmentStatus, EventKind, EventStatus, Grade,
    InstrumentKind, PositionKind, QuestionType, RespondentKind, ScoreKind, Sex, UnitClass,
    UnitType,
};
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::lookups::{Entry, GradeEntry, Lookups, SessionKind};
use crate::state::AppState;

/// How long a client or a shared cache may reuse a list without asking again.
const CACHE_CONTROL: &str = "public, max-age=3600";

/// A session kind (`GET /api/v1/session-kinds`): what `kind` of a session accepts.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "group_therapy", "label": "Terapi kelompok", "label_en": "Group therapy",
    "sort_order": 80}))]
pub struct SessionKindItem {
    /// The value of a session's `kind`.
    pub code: String,
    /// The Indonesian label.
    pub label: String,
    /// The English label.
    pub label_en: String,
    /// The display order (ascending); the list is already in it.
    pub sort_order: i32,
}

impl From<SessionKind> for SessionKindItem {
    fn from(k: SessionKind) -> Self {
        Self {
            code: k.code,
            label: k.label_id,
            label_en: k.label_en,
            sort_order: k.sort_order,
        }
    }
}

/// The session kinds, in display order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [
    {"code": "opening", "label": "Pembukaan", "label_en": "Opening", "sort_order": 10},
    {"code": "morning_meeting", "label": "Morning meeting", "label_en": "Morning meeting", "sort_order": 40}]}))]
pub struct SessionKindList {
    pub items: Vec<SessionKindItem>,
}

/// Declares the item of a vocabulary's list: its code, typed by the vocabulary, and its Indonesian label.
macro_rules! vocabulary_item {
    ($(#[$meta:meta])* $name:ident, $vocabulary:ty, $example:expr) => {
        $(#[$meta])*
        #[derive(Debug, Serialize, ToSchema)]
        #[schema(example = $example)]
        pub struct $name {
            /// The API's code of the value.
            pub code: $vocabulary,
            /// The Indonesian label, as printed documents show it.
            pub label: &'static str,
        }

        impl From<Entry<$vocabulary>> for $name {
            fn from(e: Entry<$vocabulary>) -> Self {
                Self { code: e.code, label: e.label }
            }
        }
    };
}

vocabulary_item!(
    /// An event kind (`kind` of an event).
    EventKindItem, EventKind, json!({"code": "orientation", "label": "Orientasi Lapangan"}));
vocabulary_item!(
    /// An event status (`status` of an event).
    EventStatusItem, EventStatus, json!({"code": "ongoing", "label": "Berlangsung"}));
vocabulary_item!(
    /// An enrollment status (`status` of an enrollment).
    EnrollmentStatusItem, EnrollmentStatus, json!({"code": "waitlisted", "label": "Daftar Tunggu"}));
vocabulary_item!(
    /// An attendance status (presensi: `status` of an attendance record).
    AttendanceStatusItem, AttendanceStatus, json!({"code": "excused", "label": "Izin"}));
vocabulary_item!(
    /// A unit type (`unit_type` of a unit).
    UnitTypeItem, UnitType, json!({"code": "lapas", "label": "Lembaga Pemasyarakatan"}));
vocabulary_item!(
    /// A unit class (kelas: `class` of a unit).
    UnitClassItem, UnitClass, json!({"code": "IIA", "label": "Kelas IIA"}));
vocabulary_item!(
    /// A sex (`sex` of an officer).
    SexItem, Sex, json!({"code": "female", "label": "Perempuan"}));
vocabulary_item!(
    /// An employment type (`employee_type` of an officer).
    EmployeeTypeItem, EmployeeType, json!({"code": "pns", "label": "Pegawai Negeri Sipil (PNS)"}));
vocabulary_item!(
    /// A kind of position (jabatan: `position_kind` of an officer).
    PositionKindItem, PositionKind, json!({"code": "functional", "label": "Fungsional"}));
vocabulary_item!(
    /// An instrument kind (`kind` of an instrument).
    InstrumentKindItem, InstrumentKind, json!({"code": "event_evaluation", "label": "Evaluasi Penyelenggaraan"}));
vocabulary_item!(
    /// A question type (`type` of a question).
    QuestionTypeItem, QuestionType, json!({"code": "single_choice", "label": "Pilihan Tunggal"}));
vocabulary_item!(
    /// A respondent kind (who answers an instrument).
    RespondentKindItem, RespondentKind, json!({"code": "supervisor", "label": "Atasan Langsung"}));
vocabulary_item!(
    /// A score kind (`kind` of a score).
    ScoreKindItem, ScoreKind, json!({"code": "practical", "label": "Penilaian Praktik"}));

/// A civil-service grade (golongan ruang: `grade` of an officer) with its rank (pangkat).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "III/b", "pangkat": "Penata Muda Tingkat I",
    "label": "Penata Muda Tingkat I, III/b"}))]
pub struct GradeItem {
    /// The golongan ruang, the value of an officer's `grade`.
    pub code: Grade,
    /// The pangkat of the grade (PP 99/2000).
    pub pangkat: &'static str,
    /// Pangkat and golongan as one label, as printed documents show it.
    pub label: String,
}

impl From<GradeEntry> for GradeItem {
    fn from(g: GradeEntry) -> Self {
        Self {
            code: g.code,
            pangkat: g.pangkat,
            label: g.label,
        }
    }
}

/// Every lookup list. Vocabularies are in their declared order (grades from I/a to IV/e, statuses along their
/// lifecycle); session kinds in their `sort_order`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "session_kinds": [{"code": "opening", "label": "Pembukaan", "label_en": "Opening", "sort_order": 10}],
    "event_kinds": [{"code": "orientation", "label": "Orientasi Lapangan"}],
    "event_statuses": [{"code": "draft", "label": "Draf"}],
    "enrollment_statuses": [{"code": "nominated", "label": "Diusulkan"}],
    "attendance_statuses": [{"code": "present", "label": "Hadir"}, {"code": "absent", "label": "Alpa"}],
    "unit_types": [{"code": "lapas", "label": "Lembaga Pemasyarakatan"}],
    "unit_classes": [{"code": "IIA", "label": "Kelas IIA"}],
    "grades": [{"code": "III/b", "pangkat": "Penata Muda Tingkat I", "label": "Penata Muda Tingkat I, III/b"}],
    "sexes": [{"code": "male", "label": "Laki-laki"}],
    "employee_types": [{"code": "pns", "label": "Pegawai Negeri Sipil (PNS)"}],
    "position_kinds": [{"code": "structural", "label": "Struktural"}],
    "instrument_kinds": [{"code": "pre_test", "label": "Pre-test"}],
    "question_types": [{"code": "likert", "label": "Skala Likert"}],
    "respondent_kinds": [{"code": "participant", "label": "Peserta"}],
    "score_kinds": [{"code": "practical", "label": "Penilaian Praktik"}]
}))]
pub struct LookupsResponse {
    pub session_kinds: Vec<SessionKindItem>,
    pub event_kinds: Vec<EventKindItem>,
    pub event_statuses: Vec<EventStatusItem>,
    pub enrollment_statuses: Vec<EnrollmentStatusItem>,
    pub attendance_statuses: Vec<AttendanceStatusItem>,
    pub unit_types: Vec<UnitTypeItem>,
    pub unit_classes: Vec<UnitClassItem>,
    pub grades: Vec<GradeItem>,
    pub sexes: Vec<SexItem>,
    pub employee_types: Vec<EmployeeTypeItem>,
    pub position_kinds: Vec<PositionKindItem>,
    pub instrument_kinds: Vec<InstrumentKindItem>,
    pub question_types: Vec<QuestionTypeItem>,
    pub respondent_kinds: Vec<RespondentKindItem>,
    pub score_kinds: Vec<ScoreKindItem>,
}

fn list<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}

impl From<Lookups> for LookupsResponse {
    fn from(l: Lookups) -> Self {
        Self {
            session_kinds: list(l.session_kinds),
            event_kinds: list(l.event_kinds),
            event_statuses: list(l.event_statuses),
            enrollment_statuses: list(l.enrollment_statuses),
            attendance_statuses: list(l.attendance_statuses),
            unit_types: list(l.unit_types),
            unit_classes: list(l.unit_classes),
            grades: list(l.grades),
            sexes: list(l.sexes),
            employee_types: list(l.employee_types),
            position_kinds: list(l.position_kinds),
            instrument_kinds: list(l.instrument_kinds),
            question_types: list(l.question_types),
            respondent_kinds: list(l.respondent_kinds),
            score_kinds: list(l.score_kinds),
        }
    }
}

/// A cacheable JSON answer: the body, a strong `ETag` of its bytes and `Cache-Control`.
fn cacheable(body: &impl Serialize) -> Result<HttpResponse, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(ApiError::internal)?;
    let digest = Sha256::digest(&bytes);
    let tag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::ETAG, format!("\"{tag}\"")))
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .body(bytes))
}

/// List the session kinds
///
/// The values a session's `kind` accepts, with their Indonesian and English labels, in display order. The list is
/// a table (a new kind comes with a migration, not a code change). Public, no token; cacheable (`ETag`,
/// `Cache-Control: public, max-age=3600`; `If-None-Match` answers 304).
#[utoipa::path(
    tag = "lookups",
    responses(
        (status = 200, description = "The session kinds.", body = SessionKindList,
            headers(("ETag" = String, description = "A hash of the body"),
                ("Cache-Control" = String, description = "`public, max-age=3600`"))),
        (status = 304, description = "The list is unchanged since the `If-None-Match` tag."),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[get("/session-kinds")]
pub async fn list_session_kinds(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let kinds = service::lookups::session_kinds(&state.pool).await?;
    cacheable(&SessionKindList { items: list(kinds) })
}

/// Every lookup list
///
/// The lists a form needs, each value as its API code and its Indonesian label: session kinds, event kinds and
/// statuses, enrollment and attendance statuses (presensi), unit types and classes, grades (golongan with their
/// pangkat), sexes, employment types, kinds of position, instrument kinds, question types, respondent kinds and
/// score kinds. One request per form load. Public, no token; cacheable (`ETag`,
/// `Cache-Control: public, max-age=3600`; `If-None-Match` answers 304).
#[utoipa::path(
    tag = "lookups",
    responses(
        (status = 200, description = "Every lookup list.", body = LookupsResponse,
            headers(("ETag" = String, description = "A hash of the body"),
                ("Cache-Control" = String, description = "`public, max-age=3600`"))),
        (status = 304, description = "The lists are unchanged since the `If-None-Match` tag."),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[get("/lookups")]
pub async fn get_lookups(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let lookups = service::lookups::all(&state.pool).await?;
    cacheable(&LookupsResponse::from(lookups))
}

/// A form of development (`GET /api/v1/development-forms`): what `form` of a training record from elsewhere accepts.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "coaching", "label": "Coaching", "label_en": "Coaching", "classical": false,
    "sort_order": 130}))]
pub struct DevelopmentFormItem {
    /// The value of a record's `form`.
    pub code: String,
    /// The Indonesian label.
    pub label: String,
    /// The English label.
    pub label_en: String,
    /// Classical (pelatihan, seminar, kursus, ...) or not (e-learning, coaching, mentoring, ...), as Peraturan LAN
    /// 10/2018 divides them.
    pub classical: bool,
    /// The display order (ascending); the list is already in it.
    pub sort_order: i32,
}

/// The forms of development, in display order.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [
    {"code": "pelatihan", "label": "Pelatihan", "label_en": "Training", "classical": true, "sort_order": 10},
    {"code": "coaching", "label": "Coaching", "label_en": "Coaching", "classical": false, "sort_order": 130}]}))]
pub struct DevelopmentFormList {
    pub items: Vec<DevelopmentFormItem>,
}

/// List the forms of development
///
/// The values a training record's `form` accepts (Peraturan LAN 10/2018): classical forms (pelatihan, bimbingan
/// teknis, seminar, workshop, kursus, ...) and non-classical ones (e-learning, coaching, mentoring, detasering,
/// belajar mandiri, ...), with their Indonesian and English labels, in display order. A table: a new form comes
/// with a migration. Public, no token; cacheable (`ETag`, `Cache-Control: public, max-age=3600`; `If-None-Match`
/// answers 304).
#[utoipa::path(
    tag = "lookups",
    responses(
        (status = 200, description = "The forms of development.", body = DevelopmentFormList,
            headers(("ETag" = String, description = "A hash of the body"),
                ("Cache-Control" = String, description = "`public, max-age=3600`"))),
        (status = 304, description = "The list is unchanged since the `If-None-Match` tag."),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[get("/development-forms")]
pub async fn list_development_forms(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let forms = service::competency_records::forms(&state.pool).await?;
    cacheable(&DevelopmentFormList {
        items: forms
            .into_iter()
            .map(|f| DevelopmentFormItem {
                code: f.code,
                label: f.label_id,
                label_en: f.label_en,
                classical: f.classical,
                sort_order: f.sort_order,
            })
            .collect(),
    })
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_session_kinds)
        .service(list_development_forms)
        .service(get_lookups);
}
