//! `GET /api/v1/events/{id}/certificates.zip`: all valid certificates of an event as one ZIP of PDFs, streamed
//! (`service::certificate_bundle`).

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(certificates_zip);
}

/// A ZIP file (binary).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct ZipFile(Vec<u8>);

/// Download an event's certificates as one ZIP
///
/// Every valid (not revoked) certificate of the event that the caller may read, as the PDF of
/// `GET /api/v1/certificates/{id}.pdf`, named by its number (`sertifikat-12-BIMTEK-LPN-KSG-2025.pdf`,
/// `surat-keterangan-...`), in the order of the numbers; certificates of officers whose personal data was erased
/// are left out. Who gets which: as the event's list of certificates (the event's managers all, the operator of a
/// unit those of their unit's officers, a participant their own; others 403, 404 for a draft event the caller
/// does not manage). The file is `sertifikat-<event-slug>-<start date>.zip`; `X-Certificate-Count` says how many
/// PDFs it holds. The body is streamed (the PDFs are drawn one by one as the client reads), and each download is
/// recorded in the audit log (`export.certificates`).
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "The event id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The ZIP of PDFs.", content_type = "application/zip", body = ZipFile,
            headers(
                ("Content-Disposition" = String, description = "`attachment; filename=\"sertifikat-<slug>-<date>.zip\"; filename*=UTF-8''...`"),
                ("X-Certificate-Count" = i64, description = "How many PDFs the file holds")
            )),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/events/{id}/certificates.zip")]
pub async fn certificates_zip(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let base_url = &state.settings.public_base_url;
    let bundle = service::certificate_bundle::download(
        &state.pool,
        &user,
        id.into_inner(),
        std::sync::Arc::clone(&state.fonts),
        base_url,
    )
    .await?;
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        bundle.file_name, bundle.file_name_encoded
    );
    let body = futures_util::stream::unfold(bundle.chunks, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (chunk.map(web::Bytes::from), rx))
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/zip"))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header(("X-Certificate-Count", bundle.count.to_string()))
        .streaming(body))
}
