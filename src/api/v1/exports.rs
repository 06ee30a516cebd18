//! `/api/v1/events/{id}/exports/{name}.csv`: the attendance list (daftar hadir), the score recap and the
//! evaluation recap of an event as CSV files, streamed.
//!
//! The first database hop checks the caller, records the export in the audit log and plans the file; then a task
//! fetches the rows in keyset pages, each page on its own short hop (`db::read` inside `web::block`), and sends
//! the CSV bytes through a bounded channel to the streaming body. The whole file is never in memory, no
//! connection is held while the client reads, and a client that goes away stops the task at its next send.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::exports::ExportKind;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(get_export);
}

/// Pages buffered between the database task and the client.
const CHANNEL_PAGES: usize = 2;

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
    let kind = ExportKind::parse(&name).ok_or_else(|| ApiError::not_found("Export"))?;
    let plan = db::run(&state.pool, move |conn| {
        service::exports::start(conn, &user, event_id, kind)
    })
    .await?;
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        plan.file_name, plan.file_name_encoded
    );
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<web::Bytes, ApiError>>(CHANNEL_PAGES);
    let pool = state.pool.clone();
    actix_web::rt::spawn(async move {
        if tx.send(Ok(web::Bytes::from(plan.header()))).await.is_err() {
            return;
        }
        let plan = std::sync::Arc::new(plan);
        let mut cursor = plan.first_cursor();
        loop {
            let (p, c) = (plan.clone(), cursor.clone());
            let page = db::read(&pool, move |conn| service::exports::page(conn, &p, &c)).await;
            match page {
                Ok((bytes, next)) => {
                    if tx.send(Ok(web::Bytes::from(bytes))).await.is_err() {
                        tracing::info!(event.id = %plan.event_id, "export abandoned by the client");
                        return;
                    }
                    match next {
                        Some(next) => cursor = next,
                        None => return,
                    }
                }
                Err(err) => {
                    // The status line is sent already: the client sees a truncated body. Logged here once.
                    tracing::error!(event.id = %plan.event_id, error.code = err.code(), "export failed midway");
                    let _ = tx.send(Err(err)).await;
                    return;
                }
            }
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .streaming(body))
}
