//! `/api/v1/events/{id}/certificates`, `/api/v1/certificates/{id}` (+ `.pdf`, `/revoke`) and the public
//! `/api/v1/certificates/verify/{code}`: certificates (sertifikat) and letters of attendance (surat keterangan).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::{ApiQuery, IfMatch, JsonBody, etag};
use crate::api::v1::versioned;
use crate::auth::AuthUser;
use crate::domain::enums::CertificateKind;
use crate::domain::page::{Page, PageRequest};
use crate::domain::sort::CertificateSort;
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::certificates::{
    Certificate, CertificateList, CertificateListFilter, IssueOptions, Verification, verify_url,
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(issue_certificates)
        .service(list_certificates)
        .service(verify_certificate)
        // Before `/certificates/{id}`, whose `{id}` would also match `<uuid>.pdf`.
        .service(certificate_pdf)
        .service(get_certificate)
        .service(revoke_certificate);
}

/// The longest revocation reason, in characters.
const REASON_MAX: usize = 1000;

/// Whether a certificate stands: `valid` (sah) or `revoked` (dicabut).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    Revoked,
}

fn status_of(revoked_at: Option<DateTime<Utc>>) -> CertificateStatus {
    if revoked_at.is_some() {
        CertificateStatus::Revoked
    } else {
        CertificateStatus::Valid
    }
}

/// A certificate, as its event's managers and its holder see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0b6f1a52-8f3e-4c1d-9a7b-2c3d4e5f6a7b",
    "event_id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
    "participant_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
    "kind": "sertifikat",
    "number": "12/BIMTEK/LPN-KSG/2025",
    "year": 2025,
    "seq": 12,
    "status": "valid",
    "holder_name": "Dewi Lestari",
    "jp": 12,
    "verification_code": "k7q3mzxw6ytboi2d4hjvn5rc3u7aepfl",
    "verification_url": "https://bimtek.example.go.id/verify/k7q3mzxw6ytboi2d4hjvn5rc3u7aepfl",
    "issued_at": "2025-08-04T02:00:00Z",
    "issued_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
    "revoked_at": null,
    "revoked_by": null,
    "revocation_reason": null,
    "version": 1
}))]
pub struct CertificateResponse {
    pub id: Uuid,
    pub event_id: Uuid,
    pub enrollment_id: Uuid,
    pub participant_id: Uuid,
    /// `sertifikat` (passed) or `surat_keterangan` (letter of attendance).
    pub kind: CertificateKind,
    /// The certificate number, built by the configured pattern (`CERTIFICATE_NUMBER_PATTERN`).
    pub number: String,
    /// The year of the number's sequence (the issue year in WIB).
    pub year: i32,
    /// The place in the year's sequence, from 1, without gaps.
    pub seq: i32,
    pub status: CertificateStatus,
    /// The holder's name as it stood when issued (`Peserta terhapus` after an erasure).
    pub holder_name: String,
    /// The JP (jam pelajaran) the holder earned: the JP of the sessions they attended (whole JP, as results and the
    /// ledger count them).
    pub jp: i64,
    /// The public verification code (160 random bits, base32).
    pub verification_code: String,
    /// The public page the certificate's QR code points to.
    pub verification_url: String,
    pub issued_at: DateTime<Utc>,
    pub issued_by: Option<Uuid>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<Uuid>,
    pub revocation_reason: Option<String>,
    pub version: i32,
}

impl CertificateResponse {
    fn new(c: Certificate, state: &AppState) -> Self {
        Self {
            kind: c.kind,
            status: status_of(c.revoked_at),
            verification_url: verify_url(&state.settings.public_base_url, &c.verification_code),
            id: c.id,
            event_id: c.event_id,
            enrollment_id: c.enrollment_id,
            participant_id: c.participant_id,
            number: c.number,
            year: c.year,
            seq: c.seq,
            holder_name: c.holder_name,
            jp: whole_jp(c.jp),
            verification_code: c.verification_code,
            issued_at: c.issued_at,
            issued_by: c.issued_by,
            revoked_at: c.revoked_at,
            revoked_by: c.revoked_by,
            revocation_reason: c.revocation_reason,
            version: c.version,
        }
    }
}

/// What an issuing call did, and the certificates it created.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "created": 1,
    "already_issued": 0,
    "not_eligible": 2,
    "items": [{
        "id": "0b6f1a52-8f3e-4c1d-9a7b-2c3d4e5f6a7b",
        "event_id": "8e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "enrollment_id": "5a3c9e0e-7d7b-4f5e-9a0b-1c2d3e4f5a6b",
        "participant_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
        "kind": "sertifikat",
        "number": "12/BIMTEK/LPN-KSG/2025",
        "year": 2025,
        "seq": 12,
        "status": "valid",
        "holder_name": "Dewi Lestari",
        "jp": 12,
        "verification_code": "k7q3mzxw6ytboi2d4hjvn5rc3u7aepfl",
        "verification_url": "https://bimtek.example.go.id/verify/k7q3mzxw6ytboi2d4hjvn5rc3u7aepfl",
        "issued_at": "2025-08-04T02:00:00Z",
        "issued_by": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
        "revoked_at": null,
        "revoked_by": null,
        "revocation_reason": null,
        "version": 1
    }]
}))]
pub struct IssueResponse {
    /// Certificates created by this call.
    pub created: usize,
    /// Approved officers who already had a certificate of the event (skipped).
    pub already_issued: usize,
    /// Approved officers whose outcome is `not_completed` (no certificate).
    pub not_eligible: usize,
    /// The certificates created by this call, by number.
    pub items: Vec<CertificateResponse>,
}

/// How to issue: the issue date. The body is optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"issued_on": "2025-08-04"}))]
pub struct IssueRequest {
    /// The date printed as the issue date (and whose year the number's `{year}` is): not before the event ends.
    /// Default: today in WIB.
    #[serde(default)]
    pub issued_on: Option<NaiveDate>,
}

impl IssueRequest {
    fn parse(self) -> IssueOptions {
        IssueOptions {
            issued_on: self.issued_on,
        }
    }
}

/// Filters, paging and order of an event's certificates.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CertificateQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only certificates of this kind.
    #[param(inline)]
    pub kind: Option<CertificateKind>,
    /// Only `valid` or only `revoked` certificates.
    #[param(inline)]
    pub status: Option<CertificateStatus>,
    /// `number` (the default: year, then sequence), `holder_name` (case and accents ignored); `-` means
    /// descending.
    #[param(inline)]
    pub sort: Option<CertificateSort>,
}

impl CertificateQuery {
    fn parse(self) -> Result<CertificateList, ApiError> {
        let mut errors = Vec::new();
        let page = PageRequest::parse(self.limit, self.offset, &mut errors);
        let filter = CertificateListFilter {
            kind: self.kind,
            revoked: self.status.map(|s| s == CertificateStatus::Revoked),
        };
        let sort = self.sort.unwrap_or(CertificateSort::Number);
        super::checked_query(CertificateList { filter, sort, page }, errors)
    }
}

/// Why a certificate is revoked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Nilai post-test salah input; sertifikat diterbitkan ulang setelah koreksi."}))]
pub struct RevokeRequest {
    /// 1-1000 characters, not only spaces; kept with the certificate and in the audit log, never shown on the public page.
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub reason: String,
}

impl RevokeRequest {
    fn parse(self) -> Result<String, ApiError> {
        text::required("reason", &self.reason, REASON_MAX)
            .map_err(|e: FieldError| ApiError::validation(vec![e]))
    }
}

/// What anyone holding a verification code learns of the certificate it names.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "status": "valid",
    "kind": "sertifikat",
    "number": "12/BIMTEK/LPN-KSG/2025",
    "holder_name": "Dewi Lestari",
    "holder_nip_masked": "1987**********2001",
    "holder_erased": false,
    "issuer": "KANTOR WILAYAH DIREKTORAT JENDERAL PEMASYARAKATAN KALIMANTAN TENGAH",
    "host_unit_name": "Lapas Narkotika Kelas IIA Kasongan",
    "event_title": "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial",
    "starts_on": "2025-08-02",
    "ends_on": "2025-08-02",
    "jp": 12,
    "issued_on": "2025-08-04",
    "revoked_at": null
}))]
pub struct VerificationResponse {
    /// `valid` (sah) or `revoked` (dicabut).
    pub status: CertificateStatus,
    pub kind: CertificateKind,
    pub number: String,
    /// Null when the holder's personal data was erased (then `holder_erased` is true).
    pub holder_name: Option<String>,
    /// The holder's NIP masked, only its first and last four digits shown; null after an erasure.
    pub holder_nip_masked: Option<String>,
    pub holder_erased: bool,
    /// The issuing office, as the certificate's letterhead names it.
    pub issuer: String,
    /// Where the event took place.
    pub host_unit_name: String,
    pub event_title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Whole JP, as results and the ledger count them.
    pub jp: i64,
    /// The issue date in WIB.
    pub issued_on: NaiveDate,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<Verification> for VerificationResponse {
    fn from(v: Verification) -> Self {
        Self {
            status: status_of(v.revoked_at),
            kind: v.kind,
            number: v.number,
            holder_erased: v.holder_name.is_none(),
            holder_name: v.holder_name,
            holder_nip_masked: v.holder_nip_masked,
            issuer: v.issuer,
            host_unit_name: v.host_unit_name,
            event_title: v.event_title,
            starts_on: v.starts_on,
            ends_on: v.ends_on,
            jp: whole_jp(v.jp),
            issued_on: v.issued_on,
            revoked_at: v.revoked_at,
        }
    }
}

/// Issue an event's certificates
///
/// Issues, in one transaction, a `sertifikat` to every approved officer whose outcome is `certificate`
/// (attendance threshold met and post-test passed) and a `surat_keterangan` (letter of attendance) to every one
/// whose outcome is `attendance_letter` (threshold met only); see `GET /api/v1/events/{id}/results`. Idempotent:
/// officers who already have a certificate of the event are skipped, so a second call creates nothing (200).
/// Numbers follow the configured pattern (default `{seq}/BIMTEK/{unit_code}/{year}`, `unit_code` being the host
/// unit's code, `{event_year}` the year the event ends) with a sequence per year of the issue date that has
/// neither gaps nor duplicates, also under concurrent calls; officers are numbered in the order of their names.
/// The optional body sets the issue date (`issued_on`, default today in WIB; before the event ends: 422). Each
/// certificate keeps the event's signatory (or its program's) of this moment. The event must be `completed` (409
/// `event_not_completed` otherwise, nothing written). Event managers only.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "The event id")),
    request_body(content = Option<IssueRequest>, content_type = "application/json", description = "Optional: the issue date."),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Nothing new to issue: every eligible officer already has a certificate.", body = IssueResponse),
        (status = 201, description = "Certificates created; `Location` names the event's list of certificates.", body = IssueResponse,
            headers(("Location" = String, description = "The URL of the event's certificates"))),
        (status = 404, response = responses::NotFound),
        (status = 409, description = "The event is not `completed`.", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:bimtek-api:problem:event_not_completed", "title": "Conflict", "status": 409,
                "detail": "Certificates are issued only for a `completed` event: complete it first (POST /api/v1/events/{id}/complete).",
                "code": "event_not_completed"})),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/events/{id}/certificates")]
pub async fn issue_certificates(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonBody<IssueRequest>,
) -> Result<HttpResponse, ApiError> {
    let event_id = id.into_inner();
    let pattern = state.settings.certificate_number_pattern.clone();
    let options = body.into_optional().map(|b| b.unwrap_or_default().parse());
    let outcome =
        service::certificates::issue(&state.pool, &user, event_id, pattern, options.into()).await?;
    let created = outcome.created.len();
    let body = IssueResponse {
        created,
        already_issued: outcome.already_issued,
        not_eligible: outcome.not_eligible,
        items: outcome
            .created
            .into_iter()
            .map(|c| CertificateResponse::new(c, &state))
            .collect(),
    };
    if created == 0 {
        return Ok(HttpResponse::Ok().json(body));
    }
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/events/{event_id}/certificates"),
        ))
        .json(body))
}

/// List an event's certificates
///
/// The certificates of an event, by number unless `sort` says otherwise. The event's managers see all; the
/// operator of a unit those of their unit's officers; a participant their own; others 403 (404 for a draft event
/// the caller does not manage).
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "The event id"), CertificateQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of certificates.", body = Page<CertificateResponse>),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}/certificates")]
pub async fn list_certificates(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<CertificateQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = query.0.parse();
    let page =
        service::certificates::list(&state.pool, &user, id.into_inner(), request.into()).await?;
    Ok(HttpResponse::Ok().json(page.map(|c| CertificateResponse::new(c, &state))))
}

/// Read a certificate
///
/// For the event's managers, the holder and the operator of the holder's unit; 404 for everybody else. The `ETag`
/// header carries the version for a later `If-Match` on revoke. The printable form is
/// `GET /api/v1/certificates/{id}.pdf`.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "The certificate id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The certificate.", body = CertificateResponse,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/certificates/{id}")]
pub async fn get_certificate(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let certificate = service::certificates::get(&state.pool, &user, id.into_inner()).await?;
    let (version, id) = (certificate.version, certificate.id);
    Ok(versioned(
        StatusCode::OK,
        "certificates",
        id,
        version,
        CertificateResponse::new(certificate, &state),
    ))
}

/// A PDF file (binary).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct PdfFile(Vec<u8>);

/// Download a certificate as PDF
///
/// The printable certificate, A4 landscape in Indonesian with embedded fonts: page 1 the letterhead of the host
/// unit (`PUT /api/v1/letterhead`), "SERTIFIKAT" or "SURAT KETERANGAN" and the number, the holder (name, NIP,
/// pangkat/golongan, jabatan, unit), the event, its dates and JP, a QR code pointing to the public page
/// `/verify/{code}`, and the signatory's block (place and issue date, title, room for signature and stamp or the
/// note of an electronic signature, name, NIP); page 2 the curriculum (the event's sessions, their JP and the
/// total). A revoked certificate is not printed again: 409 `certificate_revoked`; nor is one whose holder's data
/// was erased: 410 `holder_erased`. Same access as reading the certificate.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "The certificate id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The PDF, with a `Content-Disposition` naming the file.", content_type = "application/pdf",
            body = PdfFile,
            headers(("Content-Disposition" = String, description = "`inline; filename=\"sertifikat-12-BIMTEK-LPN-KSG-2025.pdf\"`"))),
        (status = 404, response = responses::NotFound),
        (status = 409, description = "The certificate is revoked.", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:bimtek-api:problem:certificate_revoked", "title": "Conflict", "status": 409,
                "detail": "This certificate was revoked; it is no longer printed. Its public page shows the revocation.",
                "code": "certificate_revoked"})),
        (status = 410, description = "The holder's personal data was erased.", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:bimtek-api:problem:holder_erased", "title": "Gone", "status": 410,
                "detail": "The holder's personal data was erased (UU 27/2022 PDP): the certificate is no longer printed. Its number stays verifiable on its public page.",
                "code": "holder_erased"}))
    )
)]
#[get("/certificates/{id}.pdf")]
pub async fn certificate_pdf(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let base_url = &state.settings.public_base_url;
    let fonts = std::sync::Arc::clone(&state.fonts);
    let pdf =
        service::certificates::pdf(&state.pool, &user, id.into_inner(), fonts, base_url).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", pdf.file_name),
        ))
        .body(pdf.bytes))
}

/// Revoke a certificate
///
/// Revokes a certificate with a reason (1-1000 characters). The certificate stays verifiable: its public page
/// and `GET /api/v1/certificates/verify/{code}` then say `revoked` (DICABUT). 409 `already_revoked` when it is.
/// Event managers only; honours `If-Match`.
#[utoipa::path(
    tag = "certificates",
    params(
        ("id" = Uuid, Path, description = "The certificate id"),
        IfMatch
    ),
    request_body(content = RevokeRequest, content_type = "application/json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The revoked certificate.", body = CertificateResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, description = "The certificate is already revoked.", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:bimtek-api:problem:already_revoked", "title": "Conflict", "status": 409,
                "detail": "This certificate is already revoked.", "code": "already_revoked"})),
        (status = 412, response = responses::PreconditionFailed),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/certificates/{id}/revoke")]
pub async fn revoke_certificate(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<RevokeRequest>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.into_inner().and_then(RevokeRequest::parse);
    let certificate = service::certificates::revoke(
        &state.pool,
        &user,
        id.into_inner(),
        if_match.0,
        reason.into(),
    )
    .await?;
    let mut response = HttpResponse::Ok();
    response.insert_header((header::ETAG, etag(certificate.version)));
    Ok(response.json(CertificateResponse::new(certificate, &state)))
}

/// Verify a certificate by its code
///
/// Public, no token: for anyone holding a certificate's verification code (printed as a QR code). Answers only
/// what the certificate certifies: its status (`valid` or `revoked`), kind, number, the issuing office, the
/// holder's name and masked NIP (null after an erasure of their data), the event, its host unit, its dates, the JP
/// and the issue date. An unknown code: 404. People who
/// scan the QR code land on the HTML page `/verify/{code}` instead.
#[utoipa::path(
    tag = "certificates",
    params(("code" = String, Path, description = "The verification code (32 characters a-z, 2-7)")),
    responses(
        (status = 200, description = "The certificate the code names.", body = VerificationResponse),
        (status = 404, response = responses::NotFound),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[get("/certificates/verify/{code}")]
pub async fn verify_certificate(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let verification = service::certificates::verify(&state.pool, code.into_inner())
        .await?
        .ok_or_else(|| ApiError::not_found("Certificate"))?;
    Ok(HttpResponse::Ok().json(VerificationResponse::from(verification)))
}

/// A certificate's JP as the API shows them: whole JP (a sum of the sessions' whole JP, stored as a float for the
/// credential's `creditsEarned`).
fn whole_jp(jp: f64) -> i64 {
    jp.round() as i64
}
