//! `/api/v1/events/{id}/exports/{name}.csv`: the attendance list (daftar hadir), the score recap and the
//! evaluation recap of an event as CSV files, streamed.
//!
//! The service checks the caller, records the export in the audit log and streams the file page by page
//! (`service::exports::download`); this handler turns the chunks into the streaming body. The whole file is never
//! in memory, no connection is held while the client reads, and a client that goes away stops the export at its
//! next page.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::exports::ExportKind;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_export);
}

/// Download an event's CSV export
///
/// `name` is `attendance` (the daftar hadir: No, NIP, Nama, Unit Kerja, one column per session with the status
/// in Indonesian — Hadir, Terlambat, Izin, Sakit, Alpa, empty when nothing is recorded — then sessions attended,
/// attendance rate and JP), `scores` (pre-test, post-test, gain, normalized gain, practical, attendance rate, JP,
/// outcome) or `evaluations` (one row per response x question of every instrument; the NIP and name columns stay
/// empty where the instrument is anonymous); another name is 404. UTF-8 with a byte order mark (so spreadsheets
/// on Windows read names correctly), comma separated, CRLF, a header row in Indonesian; officers by name. Text
/// cells beginning with `=`, `+`, `-`, `@`, tab or CR are prefixed with `'` so a spreadsheet never runs them;
/// numbers are written as numbers. The file name is `daftar-hadir-<event-slug>-<start date>.csv` (`rekap-nilai-`,
/// `rekap-evaluasi-`). The files carry full NIPs: for the event's managers only (others 403, or 404 for a draft),
/// and each download is recorded in the audit log (`export.attendance`, ...). The body is streamed.
#[utoipa::path(
    tag = "results",
    params(
        ("id" = Uuid, Path, description = "The event id"),
        ("name" = String, Path, description = "`attendance`, `scores` or `evaluations`",
            example = "attendance", pattern = "^(attendance|scores|evaluations)$")
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
) -> Result<HttpResponse, ApiError> {
    let (event_id, name) = path.into_inner();
    let kind = ExportKind::parse(&name).ok_or_else(|| ApiError::not_found("Export"));
    let file = service::exports::download(&state.pool, &user, event_id, kind.into()).await?;
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        file.file_name, file.file_name_encoded
    );
    let body = futures_util::stream::unfold(file.chunks, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (chunk.map(web::Bytes::from), rx))
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .streaming(body))
}
