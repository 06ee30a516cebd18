//! `/api/v1/participants/{id}/trainings` and `/api/v1/participants/{id}/jp-ledger` (and the caller's own, under
//! `/api/v1/me/...`): an officer's transcript and their year against the JP rule.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::ApiQuery;
use crate::api::v1::certificates::CertificateStatus;
use crate::auth::AuthUser;
use crate::domain::enums::{CertificateKind, EnrollmentStatus, EventKind, EventStatus, Outcome};
use crate::domain::jp::{self, JpRule, LedgerStatus};
use crate::domain::page::{Page, PageRequest};
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::certificates::verify_url;
use crate::service::trainings::{Ledger, Training, TranscriptEntry, TranscriptRequest};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(my_trainings)
        .service(my_ledger)
        .service(participant_trainings)
        .service(participant_ledger);
}

/// The event of a training.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "5eed0000-0000-4000-8000-000000000001",
    "title": "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial", "kind": "orientation",
    "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02",
    "host_unit_name": "Lapas Narkotika Kelas IIA Kasongan"}))]
pub struct TrainingEvent {
    pub id: Uuid,
    pub title: String,
    pub kind: EventKind,
    pub status: EventStatus,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub host_unit_name: String,
}

/// The certificate (or letter of attendance) of a training, with its links.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0b6f1a52-8f3e-4c1d-9a7b-2c3d4e5f6a7b", "kind": "sertifikat",
    "number": "12/BIMTEK/LPN-KSG/2025", "status": "valid",
    "pdf_url": "/api/v1/certificates/0b6f1a52-8f3e-4c1d-9a7b-2c3d4e5f6a7b.pdf",
    "credential_url": "/api/v1/certificates/0b6f1a52-8f3e-4c1d-9a7b-2c3d4e5f6a7b/credential",
    "verification_url": "https://bimtek.example.go.id/verify/k7q3mzxw6ytboi2d4hjvn5rc3u7aepfl"}))]
pub struct TrainingCertificate {
    pub id: Uuid,
    pub kind: CertificateKind,
    pub number: String,
    pub status: CertificateStatus,
    /// The printable PDF (`GET`, with the caller's token).
    pub pdf_url: String,
    /// The signed Open Badges 3.0 credential (`GET` with `Accept: application/vc+jwt`).
    pub credential_url: String,
    /// The public page its QR code opens.
    pub verification_url: String,
}

/// One training of an officer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b", "enrollment_status": "approved",
    "event": {"id": "5eed0000-0000-4000-8000-000000000001",
        "title": "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial",
        "kind": "orientation", "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02",
        "host_unit_name": "Lapas Narkotika Kelas IIA Kasongan"},
    "attendance_rate": 100.0, "jp_earned": 9, "outcome": "certificate",
    "certificate": {"id": "0b6f1a52-8f3e-4c1d-9a7b-2c3d4e5f6a7b", "kind": "sertifikat",
        "number": "12/BIMTEK/LPN-KSG/2025", "status": "valid",
        "pdf_url": "/api/v1/certificates/0b6f1a52-8f3e-4c1d-9a7b-2c3d4e5f6a7b.pdf",
        "credential_url": "/api/v1/certificates/0b6f1a52-8f3e-4c1d-9a7b-2c3d4e5f6a7b/credential",
        "verification_url": "https://bimtek.example.go.id/verify/k7q3mzxw6ytboi2d4hjvn5rc3u7aepfl"}}))]
pub struct TrainingResponse {
    pub enrollment_id: Uuid,
    /// The officer's place in the event: `nominated`, `waitlisted`, `approved`, `rejected` or `withdrawn`.
    pub enrollment_status: EnrollmentStatus,
    pub event: TrainingEvent,
    /// Sessions attended (present or late) of all sessions, in percent; null unless approved.
    pub attendance_rate: Option<f64>,
    /// JP of the sessions attended; null unless approved.
    pub jp_earned: Option<i64>,
    /// The outcome by the event's rules (still provisional while the event is ongoing); null unless approved.
    pub outcome: Option<Outcome>,
    /// Null until one is issued.
    pub certificate: Option<TrainingCertificate>,
}

impl TrainingResponse {
    fn new(t: Training, base_url: &str) -> Self {
        let certificate = match (t.certificate_id, t.certificate_kind, t.certificate_number) {
            (Some(id), Some(kind), Some(number)) => Some(TrainingCertificate {
                id,
                kind,
                number,
                status: if t.certificate_revoked_at.is_some() {
                    CertificateStatus::Revoked
                } else {
                    CertificateStatus::Valid
                },
                pdf_url: format!("/api/v1/certificates/{id}.pdf"),
                credential_url: format!("/api/v1/certificates/{id}/credential"),
                verification_url: verify_url(
                    base_url,
                    t.verification_code.as_deref().unwrap_or(""),
                ),
            }),
            _ => None,
        };
        Self {
            enrollment_id: t.enrollment_id,
            enrollment_status: t.enrollment_status,
            event: TrainingEvent {
                id: t.event_id,
                title: t.title,
                kind: t.kind,
                status: t.event_status,
                starts_on: t.starts_on,
                ends_on: t.ends_on,
                host_unit_name: t.host_unit_name,
            },
            attendance_rate: t.attendance_rate,
            jp_earned: t.jp_earned,
            outcome: t.outcome,
            certificate,
        }
    }
}

/// Where a line of a transcript comes from.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptSource {
    /// A training of this service (an enrollment in one of its events).
    Enrollment,
    /// A training record from elsewhere (`/competency-records`).
    CompetencyRecord,
}

/// One line of an officer's transcript: a training of this service (`enrollment`) or a training record from
/// elsewhere (`competency_record`); the other of the two is null.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"source": "enrollment",
    "title": "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial",
    "starts_on": "2025-08-02", "ends_on": "2025-08-02", "jp_earned": 9,
    "enrollment": {"enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b", "enrollment_status": "approved",
        "event": {"id": "5eed0000-0000-4000-8000-000000000001",
            "title": "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial",
            "kind": "orientation", "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02",
            "host_unit_name": "Lapas Narkotika Kelas IIA Kasongan"},
        "attendance_rate": 100.0, "jp_earned": 9, "outcome": "attendance_letter", "certificate": null},
    "competency_record": null}))]
pub struct TranscriptLine {
    pub source: TranscriptSource,
    /// The event's title or the record's.
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// JP earned: of the sessions attended for an approved enrollment, the record's JP for a verified record;
    /// null otherwise (not approved, or a record pending or rejected).
    pub jp_earned: Option<i64>,
    /// The training of this service; null for a record.
    pub enrollment: Option<TrainingResponse>,
    /// The record from elsewhere; null for a training of this service.
    pub competency_record: Option<super::competency_records::CompetencyRecordResponse>,
}

impl TranscriptLine {
    fn new(entry: TranscriptEntry, base_url: &str) -> Self {
        match entry {
            TranscriptEntry::Training(t) => Self {
                source: TranscriptSource::Enrollment,
                title: t.title.clone(),
                starts_on: t.starts_on,
                ends_on: t.ends_on,
                jp_earned: t.jp_earned,
                enrollment: Some(TrainingResponse::new(t, base_url)),
                competency_record: None,
            },
            TranscriptEntry::Record(r) => Self {
                source: TranscriptSource::CompetencyRecord,
                title: r.title.clone(),
                starts_on: r.starts_on,
                ends_on: r.ends_on,
                jp_earned: jp::record_counts(r.status).then_some(i64::from(r.jp)),
                enrollment: None,
                competency_record: Some(r.into()),
            },
        }
    }
}

/// The year of a ledger or a transcript filter: 2000 to 2100.
pub(super) fn checked_year(year: Option<i32>, errors: &mut Vec<FieldError>) -> Option<i32> {
    let year = year?;
    if (2000..=2100).contains(&year) {
        Some(year)
    } else {
        errors.push(FieldError::new(
            "year",
            "out_of_range",
            "must be between 2000 and 2100",
        ));
        None
    }
}

/// Paging and the year of a transcript.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TranscriptQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only the trainings whose last day is in this year (the year their JP count in).
    #[param(minimum = 2000, maximum = 2100, example = 2025)]
    pub year: Option<i32>,
}

impl TranscriptQuery {
    fn parse(self) -> Result<TranscriptRequest, ApiError> {
        let mut errors = Vec::new();
        let page = PageRequest::parse(self.limit, self.offset, &mut errors);
        let year = checked_year(self.year, &mut errors);
        super::checked_query(TranscriptRequest { year, page }, errors)
    }
}

/// The year of a ledger.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// The calendar year (default: the current year in WIB). A training counts in the year of its last day.
    #[param(minimum = 2000, maximum = 2100, example = 2025)]
    pub year: Option<i32>,
}

impl LedgerQuery {
    fn parse(self) -> Result<i32, ApiError> {
        let mut errors = Vec::new();
        let year = checked_year(self.year, &mut errors);
        super::checked_query(
            year.unwrap_or_else(service::trainings::current_year),
            errors,
        )
    }
}

/// An officer's year against the JP rule.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"participant_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "year": 2025, "total_jp": 9,
    "rule": {"kind": "minimum", "jp": 20,
        "legal_basis": "PP 11/2017 Pasal 203 ayat (4) jo. PP 17/2020; SE Kepala BKN Nomor 3 Tahun 2022"},
    "status": "below", "shortfall": 11,
    "entries": [{"enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b", "enrollment_status": "approved",
        "event": {"id": "5eed0000-0000-4000-8000-000000000001",
            "title": "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial",
            "kind": "orientation", "status": "completed", "starts_on": "2025-08-02", "ends_on": "2025-08-02",
            "host_unit_name": "Lapas Narkotika Kelas IIA Kasongan"},
        "attendance_rate": 100.0, "jp_earned": 9, "outcome": "attendance_letter", "certificate": null}],
    "records": []}))]
pub struct LedgerResponse {
    pub participant_id: Uuid,
    pub year: i32,
    /// The JP of the entries.
    pub total_jp: i64,
    /// The rule of the officer's employment type: a minimum for PNS, a ceiling for PPPK.
    pub rule: JpRule,
    /// `met`, `below` (PNS under the minimum) or `above_ceiling` (PPPK over the ceiling).
    pub status: LedgerStatus,
    /// JP missing to the minimum; 0 unless `below`.
    pub shortfall: i64,
    /// The trainings that count, oldest first: completed events ending in the year whose attendance the officer
    /// completed (outcome `certificate` or `attendance_letter`).
    pub entries: Vec<TrainingResponse>,
    /// The verified training records from elsewhere ending in the year, oldest first; their JP are in `total_jp`.
    pub records: Vec<super::competency_records::CompetencyRecordResponse>,
}

impl LedgerResponse {
    fn new(ledger: Ledger, base_url: &str) -> Self {
        Self {
            participant_id: ledger.participant_id,
            year: ledger.year,
            total_jp: ledger.total_jp,
            rule: ledger.rule,
            status: ledger.status,
            shortfall: ledger.shortfall,
            entries: ledger
                .entries
                .into_iter()
                .map(|t| TrainingResponse::new(t, base_url))
                .collect(),
            records: ledger.records.into_iter().map(Into::into).collect(),
        }
    }
}

async fn transcript_of(
    user: &AuthUser,
    state: &AppState,
    participant_id: Uuid,
    query: TranscriptQuery,
) -> Result<HttpResponse, ApiError> {
    let page =
        service::trainings::transcript(&state.pool, user, participant_id, query.parse().into())
            .await?;
    let base = &state.settings.public_base_url;
    Ok(HttpResponse::Ok().json(page.map(|e| TranscriptLine::new(e, base))))
}

async fn ledger_of(
    user: &AuthUser,
    state: &AppState,
    participant_id: Uuid,
    query: LedgerQuery,
) -> Result<HttpResponse, ApiError> {
    let ledger = service::trainings::ledger(
        &state.pool,
        user,
        participant_id,
        query.parse().into(),
        state.settings.jp_rules,
    )
    .await?;
    Ok(HttpResponse::Ok().json(LedgerResponse::new(ledger, &state.settings.public_base_url)))
}

/// An officer's trainings
///
/// Every training of the officer, newest first (by first day): each enrollment in an event of this service that
/// is not a draft (`source: enrollment`), with the event, the enrollment's status and, when approved, the
/// attendance rate, the JP earned and the outcome (provisional while the event is ongoing), and the certificate or
/// letter of attendance with its links (PDF, signed credential, public verification page); and each training
/// record from elsewhere (`source: competency_record`, in every status; only verified ones have `jp_earned`).
/// `year` keeps the lines whose last day is in that year. For the officer, the operator of their unit and admins;
/// an organizer sees the trainings of the events they organize, and no records. Others: 403.
#[utoipa::path(
    tag = "participants",
    params(("id" = Uuid, Path, description = "The participant id"), TranscriptQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of the transcript.", body = Page<TranscriptLine>),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/participants/{id}/trainings")]
pub async fn participant_trainings(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<TranscriptQuery>,
) -> Result<HttpResponse, ApiError> {
    transcript_of(&user, &state, id.into_inner(), query.0).await
}

/// My trainings
///
/// The trainings of the officer linked to the caller's account, as `GET /api/v1/participants/{id}/trainings`
/// gives them. An account that is not an officer's: 404 `no_officer`.
#[utoipa::path(
    tag = "participants",
    params(TranscriptQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of the transcript.", body = Page<TranscriptLine>),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/me/trainings")]
pub async fn my_trainings(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<TranscriptQuery>,
) -> Result<HttpResponse, ApiError> {
    let own = service::trainings::own_officer(&user)?;
    transcript_of(&user, &state, own, query.0).await
}

/// An officer's JP ledger
///
/// The officer's year against the yearly competency-development rule of their employment type: for a PNS at
/// least 20 JP (PP 11/2017 art. 203(4) as amended by PP 17/2020; `JP_MINIMUM_PNS`), for a PPPK at most 24 JP
/// (PP 49/2018 art. 40(1), a ceiling; `JP_CEILING_PPPK`). The entries are this service's completed trainings
/// ending in the year whose attendance the officer completed (a training across New Year counts in the year of
/// its last day), with their JP, and the verified training records from elsewhere ending in the year
/// (`/competency-records`; pending and rejected ones do not count); `status` is `met`, `below` (with the `shortfall`) or `above_ceiling`. Default
/// year: the current one in WIB. For the officer, the operator of their unit and admins. Others: 403.
#[utoipa::path(
    tag = "participants",
    params(("id" = Uuid, Path, description = "The participant id"), LedgerQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The ledger of the year.", body = LedgerResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/participants/{id}/jp-ledger")]
pub async fn participant_ledger(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<LedgerQuery>,
) -> Result<HttpResponse, ApiError> {
    ledger_of(&user, &state, id.into_inner(), query.0).await
}

/// My JP ledger
///
/// The JP ledger of the officer linked to the caller's account, as `GET /api/v1/participants/{id}/jp-ledger`
/// gives it. An account that is not an officer's: 404 `no_officer`.
#[utoipa::path(
    tag = "participants",
    params(LedgerQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The ledger of the year.", body = LedgerResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/me/jp-ledger")]
pub async fn my_ledger(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<LedgerQuery>,
) -> Result<HttpResponse, ApiError> {
    let own = service::trainings::own_officer(&user)?;
    ledger_of(&user, &state, own, query.0).await
}
