//! `/api/v1/events/{id}/exports/{name}.csv` and `.xlsx`: the attendance list (daftar hadir), the score recap and
//! the evaluation recap of an event as CSV (for programs) or XLSX (for people) files, streamed.
//!
//! The service checks the caller, records the export in the audit log and streams the file page by page
//! (`service::exports::download`); these handlers turn the chunks into the streaming body. The whole file is never
//! in memory, no connection is held while the client reads, and a client that goes away stops the export at its
//! next page.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::ApiQuery;
use crate::auth::AuthUser;
use crate::domain::csv::Delimiter;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::exports::{ExportFile, ExportFormat, ExportKind, ExportRequest};
use crate::state::AppState;

/// The media type of XLSX files.
pub const XLSX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_export).service(get_export_xlsx);
}

/// The CSV dialect.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CsvQuery {
    /// `comma` (the default: RFC 4180, `.` as decimal separator, for programs) or `semicolon` (`;` between cells
    /// and `,` as decimal separator: what a spreadsheet in the Indonesian locale opens into columns). Another value
    /// is 400 `invalid_query` naming `delimiter`.
    #[param(inline)]
    pub delimiter: Option<Delimiter>,
}

/// The streamed body of an export with its type and file name.
fn streamed(file: ExportFile, content_type: &'static str) -> HttpResponse {
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        file.file_name, file.file_name_encoded
    );
    let body = futures_util::stream::unfold(file.chunks, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (chunk.map(web::Bytes::from), rx))
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .streaming(body)
}

fn request(name: &str, format: ExportFormat) -> Result<ExportRequest, ApiError> {
    ExportKind::parse(name)
        .map(|kind| ExportRequest { kind, format })
        .ok_or_else(|| ApiError::not_found("Export"))
}

/// Download an event's CSV export
///
/// `name` is `attendance` (the daftar hadir: No, NIP, Nama, Unit Kerja, one column per session with the status
/// in Indonesian — Hadir, Terlambat, Izin, Sakit, Alpa, empty when nothing is recorded — then sessions attended,
/// attendance rate and JP), `scores` (pre-test, post-test, gain, normalized gain, practical, attendance rate, JP,
/// outcome) or `evaluations` (one row per response x question of every instrument; the NIP and name columns stay
/// empty where the instrument is anonymous; `Jawaban` is the chosen options' labels, the number or the text,
/// `Keterangan Jawaban` a Likert point's label, `Kode Opsi` the chosen options' keys, a machine code); another name
/// is 404. Every value is in Indonesian (statuses, kinds, respondents, question types). For programs: RFC 4180,
/// UTF-8 with a byte order mark (so spreadsheets on Windows read names correctly), comma separated (or
/// `delimiter=semicolon`: `;` and decimal commas for a spreadsheet in the Indonesian locale), CRLF, one header row
/// in Indonesian, dates as `YYYY-MM-DD`; officers by name. People open the `.xlsx` of the same export. Text
/// cells beginning with `=`, `+`, `-`, `@`, tab or CR are prefixed with `'` so a spreadsheet never runs them;
/// numbers are written as numbers. The file name is `daftar-hadir-<event-slug>-<start date>.csv` (`rekap-nilai-`,
/// `rekap-evaluasi-`). The files carry full NIPs: for the event's managers only (others 403, or 404 for a draft),
/// and each download is recorded in the audit log (`export.attendance`, ...). The body is streamed.
#[utoipa::path(
    tag = "results",
    params(
        ("id" = Uuid, Path, description = "The event id"),
        ("name" = ExportName, Path, description = "`attendance`, `scores` or `evaluations`",
            example = "attendance"),
        CsvQuery
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The CSV file.", content_type = "text/csv; charset=utf-8", body = String,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"daftar-hadir-<slug>-<date>.csv\"; filename*=UTF-8''...`")),
            example = "\u{feff}No,NIP,Nama,Unit Kerja,Morning meeting (2025-08-02),Jumlah Hadir,Persentase Kehadiran (%),JP\r\n1,198503012010011001,Dewi Lestari,Lapas Narkotika Kelas IIA Kasongan,Hadir,1,100,2\r\n"),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}/exports/{name}.csv")]
pub async fn get_export(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
    query: ApiQuery<CsvQuery>,
) -> Result<HttpResponse, ApiError> {
    let (event_id, name) = path.into_inner();
    let format = ExportFormat::Csv(query.0.delimiter.unwrap_or_default());
    let file =
        service::exports::download(&state.pool, &user, event_id, request(&name, format).into())
            .await?;
    Ok(streamed(file, "text/csv; charset=utf-8"))
}

/// The exports of an event (the `{name}` of their paths).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ExportName {
    /// Daftar hadir: each officer's attendance per session.
    Attendance,
    /// Rekap nilai: scores and results.
    Scores,
    /// Rekap evaluasi: the answers of the questionnaires.
    Evaluations,
}

/// An XLSX file (binary).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct XlsxFile(Vec<u8>);

/// Download an event's XLSX export
///
/// The same exports as the CSV (`attendance`, `scores`, `evaluations`; another name is 404), for people and
/// spreadsheets: one worksheet with a title block (the document's title, the event, its dates, the place, the host
/// unit), then a bold header row that stays in view when scrolling and repeats on every printed page (A4
/// landscape, one page wide), then the rows. NIPs and other identifiers are text cells (never rounded), numbers
/// are numbers, dates are date cells shown as `2 Agustus 2025`, columns are as wide as their contents; labels
/// and values are in Indonesian. The file name is `daftar-hadir-<event-slug>-<start date>.xlsx` (`rekap-nilai-`,
/// `rekap-evaluasi-`). For the event's managers only (others 403, or 404 for a draft), recorded in the audit log
/// like the CSV (`export.attendance`, ... with `{"format": "xlsx"}`). The body is streamed.
#[utoipa::path(
    tag = "results",
    params(
        ("id" = Uuid, Path, description = "The event id"),
        ("name" = ExportName, Path, description = "`attendance`, `scores` or `evaluations`",
            example = "attendance")
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The XLSX file.",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = XlsxFile,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"daftar-hadir-<slug>-<date>.xlsx\"; filename*=UTF-8''...`"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}/exports/{name}.xlsx")]
pub async fn get_export_xlsx(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, ApiError> {
    let (event_id, name) = path.into_inner();
    let request = request(&name, ExportFormat::Xlsx);
    let file = service::exports::download(&state.pool, &user, event_id, request.into()).await?;
    Ok(streamed(file, XLSX_MEDIA_TYPE))
}
