//! `/api/v1/participants/{id}/riwayat-kursus` and `/api/v1/units/{id}/riwayat-kursus` (and their `.csv`): the
//! certificates of this service as BKN's SIASN riwayat kursus rows, for the operator to upload.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::ApiQuery;
use crate::auth::AuthUser;
use crate::domain::csv::Delimiter;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::riwayat_kursus::{Course, CourseFile, Holders};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(participant_csv)
        .service(participant_courses)
        .service(unit_csv)
        .service(unit_courses);
}

/// One riwayat kursus row. The members from `nip` to `nomorSertipikat` are SIASN's own names and formats, so that
/// a row maps onto SIASN's form field for field.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"participant_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "certificate_id": "0b6f1a52-8f3e-4c1d-9a7b-2c3d4e5f6a7b", "nip": "198503012010012001", "nama": "Dewi Lestari",
    "namaKursus": "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial",
    "institusiPenyelenggara": "Lapas Narkotika Kelas IIA Kasongan", "jenisDiklatId": "8",
    "jenisKursus": "Bimbingan Teknis", "jenisKursusSertipikat": "Sertifikat", "jumlahJam": 9, "tahunKursus": 2025,
    "tanggalKursus": "02-08-2025", "tanggalSelesaiKursus": "02-08-2025",
    "nomorSertipikat": "12/BIMTEK/LPN-KSG/2025"}))]
pub struct CourseResponse {
    pub participant_id: Uuid,
    pub certificate_id: Uuid,
    /// The full NIP (SIASN finds the officer by it).
    pub nip: Option<String>,
    /// The officer's name, for the person uploading (SIASN does not take it).
    pub nama: String,
    /// The course: the event's title.
    #[serde(rename = "namaKursus")]
    pub nama_kursus: String,
    /// The organizing institution: the event's host unit.
    #[serde(rename = "institusiPenyelenggara")]
    pub institusi_penyelenggara: String,
    /// SIASN's code of the kind of training (`SIASN_COURSE_KINDS`; default 8 Bimbingan Teknis, 4 Workshop).
    #[serde(rename = "jenisDiklatId")]
    pub jenis_diklat_id: String,
    /// SIASN's name of that kind.
    #[serde(rename = "jenisKursus")]
    pub jenis_kursus: String,
    /// `Sertifikat` or `Surat Keterangan`.
    #[serde(rename = "jenisKursusSertipikat")]
    pub jenis_kursus_sertipikat: String,
    /// Hours: the JP the certificate states.
    #[serde(rename = "jumlahJam")]
    pub jumlah_jam: i64,
    /// The year of the training's last day.
    #[serde(rename = "tahunKursus")]
    pub tahun_kursus: i32,
    /// The first day, `dd-mm-yyyy`.
    #[serde(rename = "tanggalKursus")]
    #[schema(pattern = r"^\d{2}-\d{2}-\d{4}$")]
    pub tanggal_kursus: String,
    /// The last day, `dd-mm-yyyy`.
    #[serde(rename = "tanggalSelesaiKursus")]
    #[schema(pattern = r"^\d{2}-\d{2}-\d{4}$")]
    pub tanggal_selesai_kursus: String,
    /// The certificate's number.
    #[serde(rename = "nomorSertipikat")]
    pub nomor_sertipikat: String,
}

impl From<Course> for CourseResponse {
    fn from(c: Course) -> Self {
        Self {
            participant_id: c.participant_id,
            certificate_id: c.certificate_id,
            nip: c.nip,
            nama: c.full_name,
            nama_kursus: c.course_name,
            institusi_penyelenggara: c.institution,
            jenis_diklat_id: c.kind_code,
            jenis_kursus: c.kind_name,
            jenis_kursus_sertipikat: c.certificate_kind,
            jumlah_jam: c.hours,
            tahun_kursus: c.year,
            tanggal_kursus: c.starts_on,
            tanggal_selesai_kursus: c.ends_on,
            nomor_sertipikat: c.certificate_number,
        }
    }
}

/// The riwayat kursus rows asked for.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"year": 2025, "items": [{"participant_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "certificate_id": "0b6f1a52-8f3e-4c1d-9a7b-2c3d4e5f6a7b", "nip": "198503012010012001", "nama": "Dewi Lestari",
    "namaKursus": "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial",
    "institusiPenyelenggara": "Lapas Narkotika Kelas IIA Kasongan", "jenisDiklatId": "8",
    "jenisKursus": "Bimbingan Teknis", "jenisKursusSertipikat": "Sertifikat", "jumlahJam": 9, "tahunKursus": 2025,
    "tanggalKursus": "02-08-2025", "tanggalSelesaiKursus": "02-08-2025",
    "nomorSertipikat": "12/BIMTEK/LPN-KSG/2025"}]}))]
pub struct CoursesResponse {
    /// The year asked for; null for every year.
    pub year: Option<i32>,
    /// By officer name, then the training's first day.
    pub items: Vec<CourseResponse>,
}

/// The year of the rows.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoursesQuery {
    /// Only the trainings whose last day is in this year (default: every year).
    #[param(minimum = 2000, maximum = 2100, example = 2025)]
    pub year: Option<i32>,
}

/// The year of the rows and the CSV dialect.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoursesCsvQuery {
    /// Only the trainings whose last day is in this year (default: every year).
    #[param(minimum = 2000, maximum = 2100, example = 2025)]
    pub year: Option<i32>,
    /// `comma` (the default) or `semicolon` (what a spreadsheet in the Indonesian locale opens into columns).
    #[param(inline)]
    pub delimiter: Option<Delimiter>,
}

fn year(year: Option<i32>) -> Result<Option<i32>, ApiError> {
    let mut errors = Vec::new();
    let year = super::trainings::checked_year(year, &mut errors);
    super::checked_query(year, errors)
}

async fn json(
    user: &AuthUser,
    state: &AppState,
    of: Holders,
    query: CoursesQuery,
) -> Result<HttpResponse, ApiError> {
    let parsed = year(query.year);
    let asked = parsed.as_ref().ok().copied().flatten();
    let rows = service::riwayat_kursus::courses(
        &state.pool,
        user,
        of,
        parsed.into(),
        state.settings.siasn_kinds.clone(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(CoursesResponse {
        year: asked,
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

async fn csv(
    user: &AuthUser,
    state: &AppState,
    of: Holders,
    query: CoursesCsvQuery,
) -> Result<HttpResponse, ApiError> {
    let delimiter = query.delimiter.unwrap_or_default();
    let request = year(query.year).map(|y| (y, delimiter));
    let file: CourseFile = service::riwayat_kursus::csv(
        &state.pool,
        user,
        of,
        request.into(),
        state.settings.siasn_kinds.clone(),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"; filename*=UTF-8''{}",
                file.file_name, file.file_name_encoded
            ),
        ))
        .body(file.bytes))
}

/// An officer's riwayat kursus for SIASN
///
/// Every standing certificate of the officer in this service (sertifikat or surat keterangan, not revoked), as
/// the rows of BKN's SIASN riwayat kursus: the course name, the organizing institution, SIASN's kind code and name
/// (`SIASN_COURSE_KINDS`), the certificate kind, the hours (JP), the year, the first and last day as
/// `dd-mm-yyyy`, the certificate number and the NIP. An export for the operator to upload into SIASN: nothing is
/// sent to BKN. For the officer, their unit's operator and admins. Others: 403.
#[utoipa::path(
    tag = "participants",
    params(("id" = Uuid, Path, description = "The participant id"), CoursesQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The rows.", body = CoursesResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/participants/{id}/riwayat-kursus")]
pub async fn participant_courses(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<CoursesQuery>,
) -> Result<HttpResponse, ApiError> {
    json(&user, &state, Holders::Officer(id.into_inner()), query.0).await
}

/// Download an officer's riwayat kursus as CSV
///
/// The rows of `GET /api/v1/participants/{id}/riwayat-kursus` as CSV: UTF-8 with a byte order mark, comma
/// separated (or `delimiter=semicolon`), CRLF, a header row of SIASN's field names (`nip`, `nama`, `namaKursus`,
/// `institusiPenyelenggara`, `jenisDiklatId`, `jenisKursus`, `jenisKursusSertipikat`, `jumlahJam`, `tahunKursus`,
/// `tanggalKursus`, `tanggalSelesaiKursus`, `nomorSertipikat`). The file name is `riwayat-kursus-<NIP>[-<year>].csv`.
/// Recorded in the audit log (`export.riwayat_kursus`).
#[utoipa::path(
    tag = "participants",
    params(("id" = Uuid, Path, description = "The participant id"), CoursesCsvQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The CSV file.", content_type = "text/csv; charset=utf-8", body = String,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"riwayat-kursus-<NIP>-<year>.csv\"; filename*=UTF-8''...`")),
            example = "\u{feff}nip,nama,namaKursus,institusiPenyelenggara,jenisDiklatId,jenisKursus,jenisKursusSertipikat,jumlahJam,tahunKursus,tanggalKursus,tanggalSelesaiKursus,nomorSertipikat\r\n198503012010012001,Dewi Lestari,Bimtek Orientasi Lapangan,Lapas Narkotika Kelas IIA Kasongan,8,Bimbingan Teknis,Sertifikat,9,2025,02-08-2025,02-08-2025,12/BIMTEK/LPN-KSG/2025\r\n"),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/participants/{id}/riwayat-kursus.csv")]
pub async fn participant_csv(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<CoursesCsvQuery>,
) -> Result<HttpResponse, ApiError> {
    csv(&user, &state, Holders::Officer(id.into_inner()), query.0).await
}

/// A unit's riwayat kursus for SIASN
///
/// The rows of `GET /api/v1/participants/{id}/riwayat-kursus` for every current officer of the unit (not
/// archived, not erased), by name. For admins and the unit's operator; others 403.
#[utoipa::path(
    tag = "units",
    params(("id" = Uuid, Path, description = "The unit id"), CoursesQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The rows.", body = CoursesResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/units/{id}/riwayat-kursus")]
pub async fn unit_courses(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<CoursesQuery>,
) -> Result<HttpResponse, ApiError> {
    json(&user, &state, Holders::Unit(id.into_inner()), query.0).await
}

/// Download a unit's riwayat kursus as CSV
///
/// The rows of `GET /api/v1/units/{id}/riwayat-kursus` as the CSV of the officer's export; the file name is
/// `riwayat-kursus-<unit code>[-<year>].csv`. For admins and the unit's operator; recorded in the audit log
/// (`export.riwayat_kursus`, naming the officers it shows).
#[utoipa::path(
    tag = "units",
    params(("id" = Uuid, Path, description = "The unit id"), CoursesCsvQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The CSV file.", content_type = "text/csv; charset=utf-8", body = String,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"riwayat-kursus-<unit code>-<year>.csv\"; filename*=UTF-8''...`")),
            example = "\u{feff}nip,nama,namaKursus,institusiPenyelenggara,jenisDiklatId,jenisKursus,jenisKursusSertipikat,jumlahJam,tahunKursus,tanggalKursus,tanggalSelesaiKursus,nomorSertipikat\r\n198503012010012001,Dewi Lestari,Bimtek Orientasi Lapangan,Lapas Narkotika Kelas IIA Kasongan,8,Bimbingan Teknis,Sertifikat,9,2025,02-08-2025,02-08-2025,12/BIMTEK/LPN-KSG/2025\r\n"),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/units/{id}/riwayat-kursus.csv")]
pub async fn unit_csv(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<CoursesCsvQuery>,
) -> Result<HttpResponse, ApiError> {
    csv(&user, &state, Holders::Unit(id.into_inner()), query.0).await
}
