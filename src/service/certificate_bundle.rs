//! All valid certificates of an event as one ZIP of PDFs (`sertifikat-<slug>-<date>.zip`), streamed: the PDFs are
//! drawn one at a time (`service::certificates::render_in`, the one place a certificate becomes a PDF), each written
//! into a streaming zip writer whose output goes to the client as it is produced, so neither the PDFs nor the zip
//! are ever held in memory together, and no connection is held while the client reads.
//!
//! Who gets what: the access of the event's list of certificates (`certificates::printable_in_scope`). The
//! download is recorded in the audit log (`export.certificates`, written here; no trigger is involved): the PDFs
//! carry the holders' names.

use std::io::Write;
use std::sync::Arc;

use serde_json::json;
use uuid::Uuid;
use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

use crate::auth::AuthUser;
use crate::db;
use crate::documents::Fonts;
use crate::domain::csv::{percent_encode, slugs};
use crate::error::ApiError;
use crate::repo::audit::{self, NewAuditEntry};
use crate::repo::exports as exports_repo;
use crate::service::DbPool;
use crate::service::certificates::{self, printable_in_scope};
use crate::service::exports::{Abort, CHUNK_BYTES, ChannelWriter, Chunks, Stop};

/// A bulk download under way.
pub struct Bundle {
    /// `sertifikat-<slug>-<date>.zip`, ASCII.
    pub file_name: String,
    /// The same with the title's own letters, percent-encoded for `filename*`.
    pub file_name_encoded: String,
    /// How many PDFs the file will hold (fewer if some are revoked while it is written).
    pub count: usize,
    pub chunks: Chunks,
}

type Zip = ZipWriter<zip::write::StreamWriter<std::io::BufWriter<ChannelWriter>>>;

/// Starts the ZIP of the event's valid certificates that the caller may read.
pub async fn download(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    fonts: Arc<Fonts>,
    public_base_url: &str,
) -> Result<Bundle, ApiError> {
    let actor = user.clone();
    let (ids, title, starts_on) = db::run(pool, move |conn| {
        let ids = printable_in_scope(conn, &actor, event_id)?;
        let event = exports_repo::event_heading(conn, event_id)?
            .ok_or_else(|| ApiError::not_found("Event"))?;
        // The PDFs show their holders' full NIPs.
        let holders = crate::repo::certificates::holders(conn, &ids)?;
        audit::record(
            conn,
            &[NewAuditEntry {
                actor_user_id: Some(actor.id),
                actor_client_id: actor.client_id,
                actor_role: Some(actor.role.as_str().to_owned()),
                action: "export.certificates".to_owned(),
                resource_type: "event".to_owned(),
                resource_id: Some(event_id),
                participant_id: None,
                changes: json!({"format": "zip", "count": ids.len()}),
                participant_ids: holders,
                request_id: crate::context::current().and_then(|c| c.request_id),
            }],
        )?;
        Ok((ids, event.title, event.starts_on))
    })
    .await?;
    tracing::info!(event.id = %event_id, actor.id = %user.id, count = ids.len(), "certificate bundle started");
    let (ascii, unicode) = slugs(&title);
    let name = |slug: &str| format!("sertifikat-{slug}-{starts_on}.zip");
    let (file_name, file_name_encoded) = (name(&ascii), percent_encode(&name(&unicode)));
    let count = ids.len();
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let pool = pool.clone();
    let base_url = public_base_url.to_owned();
    actix_web::rt::spawn(async move {
        let gone = tx.clone();
        let (out, abort) = ChannelWriter::new(tx.clone());
        let zip = ZipWriter::new_stream(std::io::BufWriter::with_capacity(CHUNK_BYTES, out));
        match stream(&pool, zip, abort, ids, fonts, base_url).await {
            Ok(()) => {}
            Err(Stop::ClientGone) => {
                tracing::info!(event.id = %event_id, "certificate bundle abandoned by the client");
            }
            Err(Stop::Failed(_)) if gone.is_closed() => {
                tracing::info!(event.id = %event_id, "certificate bundle abandoned by the client");
            }
            Err(Stop::Failed(err)) => {
                tracing::error!(event.id = %event_id, error.code = err.code(), "certificate bundle failed midway");
                let _ = tx.send(Err(err)).await;
            }
        }
    });
    Ok(Bundle {
        file_name,
        file_name_encoded,
        count,
        chunks: rx,
    })
}

fn zip_error(err: zip::result::ZipError) -> ApiError {
    ApiError::internal(err)
}

fn io_error(err: std::io::Error) -> ApiError {
    ApiError::internal(err)
}

/// Writes the PDFs into `zip`. `abort` is dropped before `zip` on every early return (locals before parameters),
/// so a zip writer dropped here, on the async side, fails its final writes at once instead of blocking.
async fn stream(
    pool: &DbPool,
    mut zip: Zip,
    abort: Abort,
    ids: Vec<Uuid>,
    fonts: Arc<Fonts>,
    base_url: String,
) -> Result<(), Stop> {
    let _abort = abort;
    // Deflate saves about a sixth of a certificate PDF (3.7 KiB -> 3.1 KiB), at little cost beside the drawing.
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6));
    for id in ids {
        let (fonts, url) = (Arc::clone(&fonts), base_url.clone());
        let pdf = match db::read(pool, move |conn| {
            certificates::render_in(conn, &fonts, &url, id)
        })
        .await
        {
            Ok(pdf) => pdf,
            // Revoked (409), holder erased (410) or deleted (404) since the list was read: left out.
            Err(err)
                if matches!(
                    err.code(),
                    "certificate_revoked" | "holder_erased" | "not_found"
                ) =>
            {
                continue;
            }
            Err(err) => return Err(Stop::Failed(err)),
        };
        zip = actix_web::web::block(move || -> Result<Zip, ApiError> {
            zip.start_file(pdf.file_name.as_str(), options)
                .map_err(zip_error)?;
            zip.write_all(&pdf.bytes).map_err(io_error)?;
            Ok(zip)
        })
        .await
        .map_err(ApiError::from)??;
    }
    actix_web::web::block(move || -> Result<(), ApiError> {
        let mut out = zip.finish().map_err(zip_error)?.into_inner();
        out.flush().map_err(io_error)
    })
    .await
    .map_err(ApiError::from)??;
    Ok(())
}
