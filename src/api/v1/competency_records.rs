//! `/api/v1/participants/{id}/competency-records`, `/api/v1/me/competency-records` and
//! `/api/v1/competency-records/{id}` (with `/verify`, `/reject` and `/scan`): training records from elsewhere.

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::{ApiQuery, IfMatch, JsonBody};
use crate::auth::AuthUser;
use crate::domain::certificate::wib_date;
use crate::domain::enums::RecordStatus;
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::competency_records::{
    Decision, MAX_SCAN_BYTES, Record, RecordFilter, RecordInput,
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(my_records)
        .service(participant_records)
        .service(create_participant_record)
        .service(get_record)
        .service(replace_record)
        .service(delete_record)
        .service(verify_record)
        .service(reject_record)
        .service(put_scan)
        .service(get_scan);
}

/// A training record from elsewhere.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "2b7c9d1e-3f4a-4b5c-8d6e-7f8091a2b3c4",
    "participant_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "title": "Pelatihan Konselor Adiksi", "institution": "BNN Provinsi Kalimantan Tengah", "form": "pelatihan",
    "starts_on": "2025-03-10", "ends_on": "2025-03-12", "jp": 24, "certificate_number": "045/BNNP-KT/III/2025",
    "status": "verified", "rejection_reason": null, "decided_by": "9b2f4c1a-6d3e-4f5a-8b7c-0d1e2f3a4b5c",
    "decided_at": "2025-03-20T02:00:00Z", "scan": {"media_type": "application/pdf", "bytes": 184320,
        "url": "/api/v1/competency-records/2b7c9d1e-3f4a-4b5c-8d6e-7f8091a2b3c4/scan"},
    "created_by": "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d", "version": 2,
    "created_at": "2025-03-14T03:00:00Z", "updated_at": "2025-03-20T02:00:00Z"}))]
pub struct CompetencyRecordResponse {
    pub id: Uuid,
    pub participant_id: Uuid,
    /// What was done: the course, seminar, coaching, ...
    pub title: String,
    /// Who organized it.
    pub institution: String,
    /// The form of development (`GET /api/v1/development-forms`).
    pub form: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub jp: i32,
    pub certificate_number: Option<String>,
    /// `pending` until the operator of the officer's unit decides; only `verified` records count.
    pub status: RecordStatus,
    /// Why it was rejected; null unless `rejected`.
    pub rejection_reason: Option<String>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The scan of the certificate; null when none was uploaded.
    pub scan: Option<ScanInfo>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The stored scan of a record's certificate.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"media_type": "application/pdf", "bytes": 184320,
    "url": "/api/v1/competency-records/2b7c9d1e-3f4a-4b5c-8d6e-7f8091a2b3c4/scan"}))]
pub struct ScanInfo {
    /// `application/pdf`, `image/png` or `image/jpeg`, as recognised from its content.
    pub media_type: String,
    pub bytes: i32,
    /// `GET` it with the caller's token.
    pub url: String,
}

impl From<Record> for CompetencyRecordResponse {
    fn from(r: Record) -> Self {
        let scan = match (r.scan_media_type, r.scan_bytes) {
            (Some(media_type), Some(bytes)) => Some(ScanInfo {
                media_type,
                bytes,
                url: format!("/api/v1/competency-records/{}/scan", r.id),
            }),
            _ => None,
        };
        Self {
            id: r.id,
            participant_id: r.participant_id,
            title: r.title,
            institution: r.institution,
            form: r.form,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            jp: r.jp,
            certificate_number: r.certificate_number,
            status: r.status,
            rejection_reason: r.rejection_reason,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            scan,
            created_by: r.created_by,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// An officer's records, newest first (by last day).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "2b7c9d1e-3f4a-4b5c-8d6e-7f8091a2b3c4",
    "participant_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "title": "Pelatihan Konselor Adiksi", "institution": "BNN Provinsi Kalimantan Tengah", "form": "pelatihan",
    "starts_on": "2025-03-10", "ends_on": "2025-03-12", "jp": 24, "certificate_number": "045/BNNP-KT/III/2025",
    "status": "pending", "rejection_reason": null, "decided_by": null, "decided_at": null, "scan": null,
    "created_by": "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d", "version": 1,
    "created_at": "2025-03-14T03:00:00Z", "updated_at": "2025-03-14T03:00:00Z"}]}))]
pub struct CompetencyRecordList {
    pub items: Vec<CompetencyRecordResponse>,
}

/// A training record from elsewhere, as entered (a new one, or all the fields of one being replaced).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Pelatihan Konselor Adiksi", "institution": "BNN Provinsi Kalimantan Tengah",
    "form": "pelatihan", "starts_on": "2025-03-10", "ends_on": "2025-03-12", "jp": 24,
    "certificate_number": "045/BNNP-KT/III/2025"}))]
pub struct CompetencyRecordRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[schema(min_length = 1, max_length = 200)]
    pub institution: String,
    /// A code of `GET /api/v1/development-forms`.
    #[schema(min_length = 1, max_length = 40)]
    pub form: String,
    pub starts_on: NaiveDate,
    /// On or after `starts_on`, and not after today (WIB): a record is of something done.
    pub ends_on: NaiveDate,
    #[schema(minimum = 1, maximum = 1000)]
    pub jp: i32,
    #[schema(max_length = 100)]
    pub certificate_number: Option<String>,
}

fn keep<T>(result: Result<T, FieldError>, errors: &mut Vec<FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

impl CompetencyRecordRequest {
    fn parse(self, today: NaiveDate) -> Result<RecordInput, ApiError> {
        let mut errors = Vec::new();
        let title = keep(text::required("title", &self.title, 200), &mut errors);
        let institution = keep(
            text::required("institution", &self.institution, 200),
            &mut errors,
        );
        let form = keep(text::required("form", &self.form, 40), &mut errors);
        let certificate_number = keep(
            text::optional(
                "certificate_number",
                self.certificate_number.as_deref(),
                100,
            ),
            &mut errors,
        );
        for (field, date) in [("starts_on", self.starts_on), ("ends_on", self.ends_on)] {
            if !(2000..=2100).contains(&chrono::Datelike::year(&date)) {
                errors.push(FieldError::new(
                    field,
                    "out_of_range",
                    "must be a day of the years 2000 to 2100",
                ));
            }
        }
        if self.ends_on < self.starts_on {
            errors.push(FieldError::new(
                "ends_on",
                "before_start",
                "must be on or after starts_on",
            ));
        } else if self.ends_on > today {
            errors.push(FieldError::new(
                "ends_on",
                "in_the_future",
                "must not be after today: a record is of a development already done",
            ));
        }
        if !(1..=1000).contains(&self.jp) {
            errors.push(FieldError::new(
                "jp",
                "out_of_range",
                "must be a whole number of JP from 1 to 1000",
            ));
        }
        match (title, institution, form, certificate_number) {
            (Some(title), Some(institution), Some(form), Some(certificate_number))
                if errors.is_empty() =>
            {
                Ok(RecordInput {
                    title,
                    institution,
                    form,
                    starts_on: self.starts_on,
                    ends_on: self.ends_on,
                    jp: self.jp,
                    certificate_number,
                })
            }
            _ => Err(ApiError::validation(errors)),
        }
    }
}

fn today() -> NaiveDate {
    wib_date(Utc::now())
}

/// The reason of a rejection.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Sertifikat tidak terbaca; unggah ulang pindaiannya."}))]
pub struct RejectRecordRequest {
    /// Shown to the officer.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Filters of an officer's records.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordsQuery {
    /// Only the records whose last day is in this year.
    #[param(minimum = 2000, maximum = 2100, example = 2025)]
    pub year: Option<i32>,
    /// Only records with this status.
    #[param(inline)]
    pub status: Option<RecordStatus>,
}

impl RecordsQuery {
    fn parse(self) -> Result<RecordFilter, ApiError> {
        let mut errors = Vec::new();
        let year = super::trainings::checked_year(self.year, &mut errors);
        super::checked_query(
            RecordFilter {
                year,
                status: self.status,
            },
            errors,
        )
    }
}

fn record_response(record: Record, status: StatusCode) -> HttpResponse {
    let body = CompetencyRecordResponse::from(record);
    super::versioned(status, "competency-records", body.id, body.version, body)
}

async fn list_of(
    user: &AuthUser,
    state: &AppState,
    participant_id: Uuid,
    query: RecordsQuery,
) -> Result<HttpResponse, ApiError> {
    let records =
        service::competency_records::list(&state.pool, user, participant_id, query.parse().into())
            .await?;
    Ok(HttpResponse::Ok().json(CompetencyRecordList {
        items: records.into_iter().map(Into::into).collect(),
    }))
}

async fn create_for(
    user: &AuthUser,
    state: &AppState,
    participant_id: Uuid,
    body: JsonBody<CompetencyRecordRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(|b| b.parse(today()));
    let record =
        service::competency_records::create(&state.pool, user, participant_id, input.into())
            .await?;
    Ok(record_response(record, StatusCode::CREATED))
}

/// An officer's training records from elsewhere
///
/// The records of what the officer did outside this service (riwayat pengembangan kompetensi), newest first, with
/// their status: `pending` until the operator of the officer's unit decides, `verified` (its JP count in the JP
/// ledger and the compliance lists) or `rejected` (with the reason). For the officer, their unit's operator and
/// admins. Others: 403.
#[utoipa::path(
    tag = "participants",
    params(("id" = Uuid, Path, description = "The participant id"), RecordsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The records.", body = CompetencyRecordList),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/participants/{id}/competency-records")]
pub async fn participant_records(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<RecordsQuery>,
) -> Result<HttpResponse, ApiError> {
    list_of(&user, &state, id.into_inner(), query.0).await
}

/// Enter a training record from elsewhere
///
/// Records something the officer did outside this service: its title, the organizing institution, the form of
/// development (`GET /api/v1/development-forms`: classical forms such as pelatihan, seminar, workshop, kursus,
/// bimtek; non-classical such as e-learning, coaching, mentoring, detasering, belajar mandiri), the first and last
/// day (not after today), the JP and the certificate number; the scan goes to `PUT .../scan`. It is `pending`
/// until the operator of the officer's unit verifies or rejects it. For the officer, their unit's operator and
/// admins. An unknown form: 422 naming `form`; an officer whose data was erased: 409 `participant_erased`.
#[utoipa::path(
    tag = "participants",
    params(("id" = Uuid, Path, description = "The participant id")),
    request_body = CompetencyRecordRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Entered; `Location` names the record.", body = CompetencyRecordResponse,
            headers(("Location" = String, description = "The URL of the new record"), ("ETag" = String, description = "The version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/participants/{id}/competency-records")]
pub async fn create_participant_record(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonBody<CompetencyRecordRequest>,
) -> Result<HttpResponse, ApiError> {
    create_for(&user, &state, id.into_inner(), body).await
}

/// My training records from elsewhere
///
/// The records of the officer linked to the caller's account, as `GET /api/v1/participants/{id}/competency-records`
/// gives them (the officer enters one with `POST /api/v1/participants/{id}/competency-records`, their own id being
/// `participant.id` of `GET /api/v1/me`). An account that is not an officer's: 404 `no_officer`.
#[utoipa::path(
    tag = "participants",
    params(RecordsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The records.", body = CompetencyRecordList),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/me/competency-records")]
pub async fn my_records(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<RecordsQuery>,
) -> Result<HttpResponse, ApiError> {
    let own = service::trainings::own_officer(&user)?;
    list_of(&user, &state, own, query.0).await
}

/// Get a training record from elsewhere
///
/// For the officer, their unit's operator and admins; others 404 (the record is the officer's).
#[utoipa::path(
    tag = "participants",
    params(("id" = Uuid, Path, description = "The record id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The record.", body = CompetencyRecordResponse,
            headers(("ETag" = String, description = "The version"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/competency-records/{id}")]
pub async fn get_record(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let record = service::competency_records::get(&state.pool, &user, id.into_inner()).await?;
    Ok(record_response(record, StatusCode::OK))
}

/// Replace a training record from elsewhere
///
/// Sends every field again (as for a new record); the record goes back to `pending` for the operator to decide
/// again (a rejected record is corrected this way). A verified record is not changed: 409 `record_verified` (its
/// operator deletes it and a new one is entered). With `If-Match: "<version>"` only that version is replaced (412
/// otherwise). For the officer, their unit's operator and admins.
#[utoipa::path(
    tag = "participants",
    params(("id" = Uuid, Path, description = "The record id"), IfMatch),
    request_body = CompetencyRecordRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The record, pending again.", body = CompetencyRecordResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[put("/competency-records/{id}")]
pub async fn replace_record(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<CompetencyRecordRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(|b| b.parse(today()));
    let record = service::competency_records::update(
        &state.pool,
        &user,
        id.into_inner(),
        if_match.0,
        input.into(),
    )
    .await?;
    Ok(record_response(record, StatusCode::OK))
}

/// Delete a training record from elsewhere
///
/// The officer deletes a record that is not verified (a verified one: 409 `record_verified`); their unit's
/// operator and admins delete any.
#[utoipa::path(
    tag = "participants",
    params(("id" = Uuid, Path, description = "The record id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict)
    )
)]
#[delete("/competency-records/{id}")]
pub async fn delete_record(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service::competency_records::delete(&state.pool, &user, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Verify a training record from elsewhere
///
/// The operator of the officer's unit (or an admin) confirms a pending record: its JP count from now on. The
/// officer: 403; a record that is not pending: 409 `record_not_pending`.
#[utoipa::path(
    tag = "participants",
    params(("id" = Uuid, Path, description = "The record id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The verified record.", body = CompetencyRecordResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict)
    )
)]
#[post("/competency-records/{id}/verify")]
pub async fn verify_record(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let record = service::competency_records::decide(
        &state.pool,
        &user,
        id.into_inner(),
        Ok(Decision::Verify).into(),
    )
    .await?;
    Ok(record_response(record, StatusCode::OK))
}

/// Reject a training record from elsewhere
///
/// The operator of the officer's unit (or an admin) turns a pending record down with a reason the officer sees;
/// the officer corrects it (`PUT`, pending again) or deletes it. The officer: 403; a record that is not pending:
/// 409 `record_not_pending`.
#[utoipa::path(
    tag = "participants",
    params(("id" = Uuid, Path, description = "The record id")),
    request_body = RejectRecordRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The rejected record.", body = CompetencyRecordResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/competency-records/{id}/reject")]
pub async fn reject_record(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: JsonBody<RejectRecordRequest>,
) -> Result<HttpResponse, ApiError> {
    let decision = body.into_inner().and_then(|b| {
        text::required("reason", &b.reason, 500)
            .map(Decision::Reject)
            .map_err(|e| ApiError::validation(vec![e]))
    });
    let record =
        service::competency_records::decide(&state.pool, &user, id.into_inner(), decision.into())
            .await?;
    Ok(record_response(record, StatusCode::OK))
}

/// The body of a scan upload, read up to [`MAX_SCAN_BYTES`]: the file itself, declared as a PDF, PNG or JPEG (or
/// `application/octet-stream`); what it is, is then read from its content.
pub struct ScanBody(Result<Vec<u8>, ApiError>);

const SCAN_TYPES: &str = "application/pdf, image/png or image/jpeg (the file itself as the body)";

impl FromRequest for ScanBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = MAX_SCAN_BYTES;
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let declared_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase());
        let mut payload = payload.take();
        Box::pin(async move {
            let result = async {
                if !declared_type.as_deref().is_some_and(|t| {
                    matches!(
                        t,
                        "application/pdf" | "image/png" | "image/jpeg" | "application/octet-stream"
                    )
                }) {
                    return Err(ApiError::UnsupportedMediaType {
                        expected: SCAN_TYPES,
                    });
                }
                if declared.is_some_and(|n| n > limit) {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                let mut body = Vec::new();
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk.map_err(|_| ApiError::BadRequest {
                        code: "unreadable_body",
                        detail: "The request body could not be read.".to_owned(),
                        errors: Vec::new(),
                    })?;
                    if body.len() + chunk.len() > limit {
                        return Err(ApiError::PayloadTooLarge { limit });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(body)
            }
            .await;
            Ok(ScanBody(result))
        })
    }
}

/// A scan file (binary).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct ScanFile(Vec<u8>);

/// Upload the scan of a record's certificate
///
/// The file itself as the body (`Content-Type: application/pdf`, `image/png`, `image/jpeg` or
/// `application/octet-stream`; another: 415), at most 2 MiB (413 otherwise); its type is recognised from its content, whatever the declared type (another kind of file:
/// 422 `unsupported_file_type` naming `scan`). Replaces an earlier scan; stored in the database and served only
/// to those who may read the record. Not on a verified record (409 `record_verified`). For the officer, their
/// unit's operator and admins.
#[utoipa::path(
    tag = "participants",
    params(("id" = Uuid, Path, description = "The record id")),
    request_body(content = ScanFile, content_type = "application/pdf"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The record with its scan.", body = CompetencyRecordResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[put("/competency-records/{id}/scan")]
pub async fn put_scan(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: ScanBody,
) -> Result<HttpResponse, ApiError> {
    let content = body.0?;
    let record =
        service::competency_records::put_scan(&state.pool, &user, id.into_inner(), content).await?;
    Ok(record_response(record, StatusCode::OK))
}

/// Download the scan of a record's certificate
///
/// The stored file with its type (`application/pdf`, `image/png` or `image/jpeg`), not cached. For the officer,
/// their unit's operator and admins; others, or a record without a scan: 404.
#[utoipa::path(
    tag = "participants",
    params(("id" = Uuid, Path, description = "The record id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The scan.", content_type = "application/pdf", body = ScanFile,
            headers(("Content-Disposition" = String, description = "`inline; filename=\"scan-<record id>.pdf\"`"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/competency-records/{id}/scan")]
pub async fn get_scan(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (media_type, bytes) = service::competency_records::scan(&state.pool, &user, id).await?;
    let extension = match media_type.as_str() {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        _ => "pdf",
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, media_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"scan-{id}.{extension}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}
