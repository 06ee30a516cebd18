//! The exports of an event: `attendance` (the daftar hadir: officers x sessions), `scores` (the score recap) and
//! `evaluations` (one row per response x question), each as CSV (for programs) or XLSX (for people). For the
//! event's managers only: the files carry full NIPs, so every export is recorded in the audit log as an access
//! (`export.attendance`, ... with the format), written here (no trigger is involved).
//!
//! An export is produced in keyset pages of [`PAGE_ROWS`] rows ([`page`]), each on its own short database hop, so
//! a file of any size is streamed without holding it in memory or holding a connection while the client reads.
//! Both formats are written from the same typed rows (`domain::sheet`): the same columns, Indonesian labels and
//! Indonesian values (`domain::labels`); only the option keys of the evaluation recap stay machine codes, in a
//! column of their own (`Kode Opsi`).
//!
//! CSV: UTF-8 with a byte order mark (spreadsheets on Windows need it to read names correctly), RFC 4180, comma
//! separated (or `;` with decimal commas for a spreadsheet in the Indonesian locale), a header row in Indonesian;
//! text cells a spreadsheet would execute are neutralised (`domain::csv`). Sent page by page.
//! XLSX (`crate::xlsx`): a title block, a frozen header row, NIPs as text, dates as dates. The rows go page by page
//! into a constant-memory worksheet (a temporary file), and the finished file is zipped straight into the response.
//!
//! The `export.<kind>` entry is written directly (not buffered as other access events), before the file starts,
//! and names in `participant_ids` the officers whose full NIP the file shows (migration 000015).

use std::collections::HashMap;
use std::io::Write;

use chrono::NaiveDate;
use diesel::pg::PgConnection;
use serde_json::json;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::certificate::wib_date;
use crate::domain::csv::{CsvWriter, Delimiter, percent_encode, slugs};
use crate::domain::enums::{AttendanceStatus, QuestionType};
use crate::domain::labels::Label;
use crate::domain::result::{gain, normalized_gain};
use crate::domain::sheet::{Column, Heading, Value};
use crate::error::ApiError;
use crate::repo::audit::{self, NewAuditEntry};
use crate::repo::exports::{self as repo, AnswerKey, EventHeading, SessionColumn};
use crate::repo::results::{self as results_repo, PageStart, ResultFilter, ResultRow};
use crate::service::results::visible_event;
use crate::service::{DbPool, Input, Permit, access};
use crate::xlsx::SheetWriter;

/// Rows fetched per database hop.
pub const PAGE_ROWS: i64 = 500;

/// Pages buffered between the database task and the client.
const CHANNEL_PAGES: usize = 2;

/// The bytes of a streamed file as they come; an error ends the stream.
pub type Chunks = tokio::sync::mpsc::Receiver<Result<Vec<u8>, ApiError>>;

/// An export under way: its file name and its bytes as they come (CSV: the byte order mark and the header row
/// first, then one chunk per page; XLSX: the zip container once the rows are in). An error after the first chunk
/// ends the stream with it (the status line is sent by then: the client sees a truncated body). Dropping the
/// receiver stops the task at its next send.
pub struct ExportFile {
    /// `daftar-hadir-<slug>-<date>.csv` (or `.xlsx`), ASCII.
    pub file_name: String,
    /// The same with the title's own letters, percent-encoded for `filename*`.
    pub file_name_encoded: String,
    pub chunks: Chunks,
}

/// The exports an event has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Attendance,
    Scores,
    Evaluations,
}

impl ExportKind {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "attendance" => Some(Self::Attendance),
            "scores" => Some(Self::Scores),
            "evaluations" => Some(Self::Evaluations),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Attendance => "attendance",
            Self::Scores => "scores",
            Self::Evaluations => "evaluations",
        }
    }

    /// The start of the file name, in Indonesian.
    fn file_prefix(self) -> &'static str {
        match self {
            Self::Attendance => "daftar-hadir",
            Self::Scores => "rekap-nilai",
            Self::Evaluations => "rekap-evaluasi",
        }
    }

    /// The document's title and its sheet's name.
    fn title(self) -> (&'static str, &'static str) {
        match self {
            Self::Attendance => ("DAFTAR HADIR PESERTA", "Daftar Hadir"),
            Self::Scores => ("REKAPITULASI NILAI PESERTA", "Rekap Nilai"),
            Self::Evaluations => ("REKAPITULASI EVALUASI", "Rekap Evaluasi"),
        }
    }
}

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv(Delimiter),
    Xlsx,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv(_) => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// Which export, in which format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportRequest {
    pub kind: ExportKind,
    pub format: ExportFormat,
}

/// What an export needs between its pages.
#[derive(Debug, Clone)]
pub struct ExportPlan {
    pub kind: ExportKind,
    pub format: ExportFormat,
    pub event_id: Uuid,
    /// `daftar-hadir-<slug>-<date>.csv`, ASCII.
    pub file_name: String,
    /// The same with the title's own letters, percent-encoded for `filename*`.
    pub file_name_encoded: String,
    /// The attendance matrix's columns.
    pub sessions: Vec<SessionColumn>,
    pub event: EventHeading,
}

/// Where the next page starts.
#[derive(Debug, Clone)]
pub enum Cursor {
    /// Officers (attendance, scores): after this name and enrollment; `number` is the last row number written.
    Officer {
        after: Option<(String, Uuid)>,
        number: i64,
    },
    Answer(Option<AnswerKey>),
}

impl ExportPlan {
    pub fn first_cursor(&self) -> Cursor {
        match self.kind {
            ExportKind::Evaluations => Cursor::Answer(None),
            _ => Cursor::Officer {
                after: None,
                number: 0,
            },
        }
    }

    /// The header row.
    pub fn columns(&self) -> Vec<Column> {
        let fixed = |labels: &[&str]| labels.iter().map(|l| Column::new(*l)).collect::<Vec<_>>();
        match self.kind {
            ExportKind::Attendance => {
                let mut columns = fixed(&["No", "NIP", "Nama", "Unit Kerja"]);
                columns.extend(self.sessions.iter().map(|s| Column {
                    label: s.title.clone(),
                    date: Some(wib_date(s.starts_at)),
                }));
                columns.extend(fixed(&["Jumlah Hadir", "Persentase Kehadiran (%)", "JP"]));
                columns
            }
            ExportKind::Scores => fixed(&[
                "No",
                "NIP",
                "Nama",
                "Unit Kerja",
                "Pre-test",
                "Post-test",
                "Gain",
                "Gain Ternormalisasi",
                "Praktik",
                "Kehadiran (%)",
                "JP",
                "Hasil",
            ]),
            ExportKind::Evaluations => fixed(&[
                "Instrumen",
                "Jenis",
                "Sesi",
                "Narasumber",
                "ID Respon",
                "Responden",
                "NIP",
                "Nama",
                "Tanggal Pengisian",
                "Nilai Tes",
                "No Soal",
                "Pertanyaan",
                "Tipe Soal",
                "Jawaban",
                "Keterangan Jawaban",
                "Kode Opsi",
                "Poin",
            ]),
        }
    }

    /// The title block of the XLSX.
    pub fn heading(&self) -> Heading {
        let (title, sheet_name) = self.kind.title();
        let e = &self.event;
        let mut lines = vec![("Kegiatan".to_owned(), Value::text(&e.title))];
        if e.starts_on == e.ends_on {
            lines.push(("Tanggal".to_owned(), Value::Date(e.starts_on)));
        } else {
            lines.push(("Tanggal Mulai".to_owned(), Value::Date(e.starts_on)));
            lines.push(("Tanggal Selesai".to_owned(), Value::Date(e.ends_on)));
        }
        let place = if e.locations.is_empty() {
            e.host_unit_name.clone()
        } else {
            e.locations.join("; ")
        };
        lines.push(("Tempat".to_owned(), Value::Text(place)));
        lines.push((
            "Unit Penyelenggara".to_owned(),
            Value::text(&e.host_unit_name),
        ));
        Heading {
            title: title.to_owned(),
            sheet_name: sheet_name.to_owned(),
            lines,
        }
    }

    /// The CSV's first bytes: the byte order mark and the header row.
    fn csv_header(&self, delimiter: Delimiter) -> Vec<u8> {
        let mut w = CsvWriter::with_delimiter(delimiter, true);
        let labels: Vec<String> = self.columns().iter().map(Column::csv_label).collect();
        w.row(labels.iter().map(|l| crate::domain::csv::Cell::Text(l)));
        w.into_bytes()
    }
}

/// Sends what is written to it down the response channel, from a blocking thread (the XLSX and ZIP writers are
/// synchronous). Waits while the client is slower than the writer; a client gone is a broken pipe. Once
/// [`Abort`] was dropped every write fails at once: a writer dropped on the async side after an error (a zip writer
/// finalises itself on drop) must neither block a runtime thread nor end a failed file with a valid directory.
pub(crate) struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<Vec<u8>, ApiError>>,
    aborted: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// Aborts its [`ChannelWriter`] when dropped: hold it where the writer may be dropped, declared after it.
pub(crate) struct Abort(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Drop for Abort {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl ChannelWriter {
    pub(crate) fn new(tx: tokio::sync::mpsc::Sender<Result<Vec<u8>, ApiError>>) -> (Self, Abort) {
        let aborted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        (
            Self {
                tx,
                aborted: aborted.clone(),
            },
            Abort(aborted),
        )
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let gone = || std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone");
        if self.aborted.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(gone());
        }
        self.tx
            .blocking_send(Ok(buf.to_vec()))
            .map_err(|_| gone())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Chunks of at least this size go to the client (the zip writers write in small pieces).
pub(crate) const CHUNK_BYTES: usize = 64 * 1024;

fn file_names(
    kind: ExportKind,
    format: ExportFormat,
    title: &str,
    starts_on: NaiveDate,
) -> (String, String) {
    let (ascii, unicode) = slugs(title);
    let name = |slug: &str| {
        format!(
            "{}-{slug}-{starts_on}.{}",
            kind.file_prefix(),
            format.extension()
        )
    };
    (name(&ascii), percent_encode(&name(&unicode)))
}

/// Starts an export of an event: checks the caller (the event's managers; a draft hidden from others is 404),
/// records the access in the audit log, plans the file, then streams it page by page from a task of its own, each
/// page on its own short database hop, so that no connection is held while the client reads.
pub async fn download(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    request: Input<ExportRequest>,
) -> Result<ExportFile, ApiError> {
    let actor = user.clone();
    let plan = db::run(pool, move |conn| start(conn, &actor, event_id, request)).await?;
    let file_name = plan.file_name.clone();
    let file_name_encoded = plan.file_name_encoded.clone();
    let (tx, rx) = tokio::sync::mpsc::channel(CHANNEL_PAGES);
    let pool = pool.clone();
    actix_web::rt::spawn(async move {
        let event_id = plan.event_id;
        let result = match plan.format {
            ExportFormat::Csv(delimiter) => stream_csv(&pool, plan, delimiter, &tx).await,
            ExportFormat::Xlsx => stream_xlsx(&pool, plan, &tx).await,
        };
        match result {
            Ok(()) => {}
            Err(Stop::ClientGone) => {
                tracing::info!(event.id = %event_id, "export abandoned by the client");
            }
            Err(Stop::Failed(err)) => {
                // The status line is sent already: the client sees a truncated body. Logged here once.
                tracing::error!(event.id = %event_id, error.code = err.code(), "export failed midway");
                let _ = tx.send(Err(err)).await;
            }
        }
    });
    Ok(ExportFile {
        file_name,
        file_name_encoded,
        chunks: rx,
    })
}

/// Why a stream ended early.
pub(crate) enum Stop {
    ClientGone,
    Failed(ApiError),
}

impl From<ApiError> for Stop {
    fn from(err: ApiError) -> Self {
        Stop::Failed(err)
    }
}

type Sender = tokio::sync::mpsc::Sender<Result<Vec<u8>, ApiError>>;

async fn stream_csv(
    pool: &DbPool,
    plan: ExportPlan,
    delimiter: Delimiter,
    tx: &Sender,
) -> Result<(), Stop> {
    if tx.send(Ok(plan.csv_header(delimiter))).await.is_err() {
        return Err(Stop::ClientGone);
    }
    let plan = std::sync::Arc::new(plan);
    let mut cursor = plan.first_cursor();
    loop {
        let (p, c) = (plan.clone(), cursor.clone());
        let (rows, next) = db::read(pool, move |conn| page(conn, &p, &c)).await?;
        let mut w = CsvWriter::with_delimiter(delimiter, false);
        for row in &rows {
            w.row(row.iter().map(Value::cell));
        }
        if tx.send(Ok(w.into_bytes())).await.is_err() {
            return Err(Stop::ClientGone);
        }
        match next {
            Some(next) => cursor = next,
            None => return Ok(()),
        }
    }
}

fn xlsx_error(err: rust_xlsxwriter::XlsxError) -> ApiError {
    ApiError::internal(err)
}

async fn stream_xlsx(pool: &DbPool, plan: ExportPlan, tx: &Sender) -> Result<(), Stop> {
    let (heading, columns) = (plan.heading(), plan.columns());
    let mut sheet = actix_web::web::block(move || SheetWriter::new(&heading, &columns))
        .await
        .map_err(ApiError::from)?
        .map_err(xlsx_error)?;
    let plan = std::sync::Arc::new(plan);
    let mut cursor = plan.first_cursor();
    loop {
        if tx.is_closed() {
            return Err(Stop::ClientGone);
        }
        let (p, c) = (plan.clone(), cursor.clone());
        let (rows, next) = db::read(pool, move |conn| page(conn, &p, &c)).await?;
        sheet = actix_web::web::block(move || sheet.rows(&rows).map(|()| sheet))
            .await
            .map_err(ApiError::from)?
            .map_err(xlsx_error)?;
        match next {
            Some(next) => cursor = next,
            None => break,
        }
    }
    let (out, _abort) = ChannelWriter::new(tx.clone());
    let gone = tx.clone();
    actix_web::web::block(move || {
        let mut out = std::io::BufWriter::with_capacity(CHUNK_BYTES, out);
        sheet.finish(&mut out)?;
        out.flush().map_err(rust_xlsxwriter::XlsxError::from)
    })
    .await
    .map_err(ApiError::from)?
    .map_err(|err| {
        if gone.is_closed() {
            Stop::ClientGone
        } else {
            Stop::Failed(xlsx_error(err))
        }
    })
}

fn start(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    request: Input<ExportRequest>,
) -> Result<ExportPlan, ApiError> {
    visible_event(conn, user, event_id)?;
    if !access::manages_event(conn, user, event_id)? {
        return Err(ApiError::forbidden());
    }
    let ExportRequest { kind, format } = request.open(&Permit::granted())?;
    let event = repo::event_heading(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    let sessions = match kind {
        ExportKind::Attendance => repo::sessions(conn, event_id)?,
        _ => Vec::new(),
    };
    // Written now, in the answer's own hop, before the first byte: the file cannot leave unrecorded. It names the
    // officers whose full NIP the file shows as the export starts.
    let shown = repo::nip_holders(conn, event_id, kind == ExportKind::Evaluations)?;
    let context = crate::context::current();
    audit::record(
        conn,
        &[NewAuditEntry {
            actor_user_id: Some(user.id),
            actor_client_id: user.client_id,
            actor_role: Some(user.role.as_str().to_owned()),
            action: format!("export.{}", kind.as_str()),
            resource_type: "event".to_owned(),
            resource_id: Some(event_id),
            participant_id: None,
            changes: json!({"format": format.extension(), "count": shown.len()}),
            participant_ids: shown,
            request_id: context.and_then(|c| c.request_id),
        }],
    )?;
    tracing::info!(event.id = %event_id, actor.id = %user.id, export = kind.as_str(), format = format.extension(), "export started");
    let (file_name, file_name_encoded) = file_names(kind, format, &event.title, event.starts_on);
    Ok(ExportPlan {
        kind,
        format,
        event_id,
        file_name,
        file_name_encoded,
        sessions,
        event,
    })
}

/// The officer's NIP and name as the file shows them: empty after an erasure.
fn identity(row: &ResultRow) -> (Value, Value) {
    if row.erased_at.is_some() {
        return (Value::Empty, Value::Empty);
    }
    (
        row.nip.clone().map_or(Value::Empty, Value::Code),
        Value::text(&row.full_name),
    )
}

/// The next page of the export as typed rows, and where the page after it starts (`None`: this was the last).
fn page(
    conn: &mut PgConnection,
    plan: &ExportPlan,
    cursor: &Cursor,
) -> Result<(Vec<Vec<Value>>, Option<Cursor>), ApiError> {
    let mut out = Vec::new();
    match cursor {
        Cursor::Officer { after, number } => {
            let rows = results_repo::for_event(
                conn,
                plan.event_id,
                &ResultFilter::default(),
                PAGE_ROWS,
                PageStart::After(after.clone()),
            )?;
            let statuses: HashMap<(Uuid, Uuid), AttendanceStatus> =
                if plan.kind == ExportKind::Attendance {
                    let ids: Vec<Uuid> = rows.iter().map(|r| r.enrollment_id).collect();
                    repo::statuses(conn, plan.event_id, &ids)?
                        .into_iter()
                        .map(|(e, s, status)| ((e, s), status))
                        .collect()
                } else {
                    HashMap::new()
                };
            let mut n = *number;
            for row in &rows {
                n += 1;
                let (nip, name) = identity(row);
                let mut cells = vec![Value::Int(n), nip, name, Value::text(&row.unit_name)];
                if plan.kind == ExportKind::Attendance {
                    for s in &plan.sessions {
                        cells.push(
                            statuses
                                .get(&(row.enrollment_id, s.id))
                                .map_or(Value::Empty, |st| Value::text(st.label())),
                        );
                    }
                    cells.extend([
                        Value::Int(row.sessions_attended),
                        Value::Number(row.attendance_rate),
                        Value::Int(row.jp_earned),
                    ]);
                } else {
                    cells.extend([
                        Value::opt_number(row.pre_score),
                        Value::opt_number(row.post_score),
                        Value::opt_number(gain(row.pre_score, row.post_score)),
                        Value::opt_number(normalized_gain(row.pre_score, row.post_score)),
                        Value::opt_number(row.practical_score),
                        Value::Number(row.attendance_rate),
                        Value::Int(row.jp_earned),
                        Value::text(row.inputs().outcome().label()),
                    ]);
                }
                out.push(cells);
            }
            let next = (rows.len() as i64 == PAGE_ROWS).then(|| Cursor::Officer {
                after: rows
                    .last()
                    .map(|r| (r.name_search.clone(), r.enrollment_id)),
                number: n,
            });
            Ok((out, next))
        }
        Cursor::Answer(after) => {
            let rows = repo::answers(conn, plan.event_id, after.as_ref(), PAGE_ROWS)?;
            for r in &rows {
                let answer = match (r.question_type, r.value_number, &r.value_text) {
                    (QuestionType::SingleChoice | QuestionType::MultipleChoice, _, _) => {
                        Value::opt_text(r.option_labels.as_deref())
                    }
                    (_, Some(n), _) => Value::Number(n),
                    (_, None, Some(text)) => Value::text(text),
                    _ => Value::Empty,
                };
                out.push(vec![
                    Value::text(&r.instrument_title),
                    Value::text(r.kind.label()),
                    Value::opt_text(r.session_title.as_deref()),
                    Value::opt_text(r.facilitator.as_deref()),
                    Value::Code(r.response_id.to_string()),
                    Value::text(r.respondent_kind.label()),
                    r.nip.clone().map_or(Value::Empty, Value::Code),
                    Value::opt_text(r.full_name.as_deref()),
                    r.submitted_at
                        .map_or(Value::Empty, |at| Value::Date(wib_date(at))),
                    Value::opt_number(r.response_score),
                    Value::Int(i64::from(r.position)),
                    Value::text(&r.prompt),
                    Value::text(r.question_type.label()),
                    answer,
                    Value::opt_text(r.likert_label.as_deref()),
                    r.value_options.clone().map_or(Value::Empty, Value::Code),
                    Value::opt_number(r.points),
                ]);
            }
            let next = (rows.len() as i64 == PAGE_ROWS)
                .then(|| Cursor::Answer(rows.last().map(|r| r.key())));
            Ok((out, next))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_carry_the_kind_the_title_and_the_date() {
        let date = NaiveDate::from_ymd_opt(2025, 8, 2).unwrap_or_default();
        let (ascii, encoded) = file_names(
            ExportKind::Attendance,
            ExportFormat::Csv(Delimiter::Comma),
            "Orientasi Lapangan PM Rehsos",
            date,
        );
        assert_eq!(
            ascii,
            "daftar-hadir-orientasi-lapangan-pm-rehsos-2025-08-02.csv"
        );
        assert_eq!(encoded, ascii);
        let (xlsx, _) = file_names(ExportKind::Scores, ExportFormat::Xlsx, "Bimtek", date);
        assert_eq!(xlsx, "rekap-nilai-bimtek-2025-08-02.xlsx");
        assert_eq!(ExportKind::parse("scores"), Some(ExportKind::Scores));
        assert_eq!(ExportKind::parse("other"), None);
    }
}
