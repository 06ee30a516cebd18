//! `/api/v1/sessions/{id}/attendance-sheet.pdf` and `/api/v1/events/{id}/attendance-sheet.pdf`: the daftar hadir
//! to print, blank before the session or filled with the recorded statuses after it.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::ApiQuery;
use crate::api::v1::certificates::PdfFile;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::attendance_sheet::{SheetOptions, SheetPdf};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(session_attendance_sheet)
        .service(event_attendance_sheet);
}

/// How to print the sheet.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SheetQuery {
    /// `false` (the default): empty signature cells, to sign on the day. `true`: each officer's recorded status
    /// (Hadir, Terlambat, Izin, Sakit, Alpa) in the signature cell, and the tally above the signature block.
    #[param(default = false)]
    pub filled: Option<bool>,
}

impl From<SheetQuery> for SheetOptions {
    fn from(query: SheetQuery) -> Self {
        SheetOptions {
            filled: query.filled.unwrap_or(false),
        }
    }
}

fn pdf_response(pdf: SheetPdf) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "inline; filename=\"{}\"; filename*=UTF-8''{}",
                pdf.file_name, pdf.file_name_encoded
            ),
        ))
        .body(pdf.bytes)
}

/// Download a session's attendance sheet (daftar hadir) as PDF
///
/// A4 portrait: the letterhead, DAFTAR HADIR, the event, the session, its day and date, time (WIB) and place; a
/// table of the event's approved officers by name (No, Nama, NIP, Pangkat/Gol., Jabatan, Unit Kerja, Tanda Tangan,
/// the signature spaces alternating left and right), whose header repeats on every page; at the foot the tally and
/// the organizer's signature block; `Halaman 1 dari N` on every page. For the event's managers (full NIPs) and the
/// facilitators of its sessions (NIPs masked); a unit operator or participant, who sees only part of the list, gets
/// 403; a draft event's session is 404 for everybody else. Each download is recorded in the audit log
/// (`export.attendance_sheet`).
#[utoipa::path(
    tag = "attendance",
    params(("id" = Uuid, Path, description = "The session id"), SheetQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The PDF, with a `Content-Disposition` naming the file.", content_type = "application/pdf",
            body = PdfFile,
            headers(("Content-Disposition" = String, description = "`inline; filename=\"daftar-hadir-<event>-<session>-<date>.pdf\"; filename*=UTF-8''...`"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/sessions/{id}/attendance-sheet.pdf")]
pub async fn session_attendance_sheet(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<SheetQuery>,
) -> Result<HttpResponse, ApiError> {
    let options = Ok(SheetOptions::from(query.0));
    let fonts = std::sync::Arc::clone(&state.fonts);
    let pdf = service::attendance_sheet::session(
        &state.pool,
        &user,
        fonts,
        id.into_inner(),
        options.into(),
    )
    .await?;
    Ok(pdf_response(pdf))
}

/// Download an event's attendance sheets (daftar hadir) as one PDF
///
/// The sheet of every session of the event, in the order they run, each on its own pages and numbered on its own
/// (`Halaman 1 dari N`), as `GET /api/v1/sessions/{id}/attendance-sheet.pdf` prints it. Same access. An event
/// without sessions has no sheet: 409 `no_sessions`.
#[utoipa::path(
    tag = "attendance",
    params(("id" = Uuid, Path, description = "The event id"), SheetQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The PDF, with a `Content-Disposition` naming the file.", content_type = "application/pdf",
            body = PdfFile,
            headers(("Content-Disposition" = String, description = "`inline; filename=\"daftar-hadir-<event>-<date>.pdf\"; filename*=UTF-8''...`"))),
        (status = 404, response = responses::NotFound),
        (status = 409, description = "The event has no sessions yet.", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:bimtek-api:problem:no_sessions", "title": "Conflict", "status": 409,
                "detail": "The event has no sessions yet: there is no attendance sheet to print.", "code": "no_sessions"}))
    )
)]
#[get("/events/{id}/attendance-sheet.pdf")]
pub async fn event_attendance_sheet(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<SheetQuery>,
) -> Result<HttpResponse, ApiError> {
    let options = Ok(SheetOptions::from(query.0));
    let fonts = std::sync::Arc::clone(&state.fonts);
    let pdf = service::attendance_sheet::event(
        &state.pool,
        &user,
        fonts,
        id.into_inner(),
        options.into(),
    )
    .await?;
    Ok(pdf_response(pdf))
}
