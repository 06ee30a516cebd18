//! CSV exports of an event: `attendance` (the daftar hadir: officers x sessions), `scores` (the score recap) and
//! `evaluations` (one row per response x question). For the event's managers only: the files carry full NIPs, so
//! every export is recorded in the audit log as an access (`export.attendance`, ...).
//!
//! An export is produced in keyset pages of [`PAGE_ROWS`] rows ([`page`]), each on its own short database hop, so
//! a file of any size is streamed without holding it in memory or holding a connection while the client reads.
//! The files are UTF-8 with a byte order mark (spreadsheets on Windows need it to read names correctly), comma
//! separated, with a header row in Indonesian; text cells a spreadsheet would execute are neutralised
//! (`domain::csv`).

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::pg::PgConnection;
use serde_json::json;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::csv::{Cell, CsvWriter, percent_encode, slugs};
use crate::domain::enums::{AttendanceStatus, InstrumentKind, Outcome};
use crate::domain::result::{gain, normalized_gain};
use crate::error::ApiError;
use crate::repo::audit::{self, NewAuditEntry};
use crate::repo::exports::{self as repo, AnswerKey, SessionColumn};
use crate::repo::results::{self as results_repo, PageStart, ResultFilter, ResultRow};
use crate::service::results::visible_event;
use crate::service::{DbPool, Input, Permit, access};

/// Rows fetched per database hop.
pub const PAGE_ROWS: i64 = 500;

/// Pages buffered between the database task and the client.
const CHANNEL_PAGES: usize = 2;

/// An export under way: its file name and its bytes as they come (the byte order mark and the header row first,
/// then one chunk per page). An error after the first chunk ends the stream with it (the status line is sent by
/// then: the client sees a truncated body). Dropping the receiver stops the task at its next send.
pub struct ExportFile {
    /// `daftar-hadir-<slug>-<date>.csv`, ASCII.
    pub file_name: String,
    /// The same with the title's own letters, percent-encoded for `filename*`.
    pub file_name_encoded: String,
    pub chunks: tokio::sync::mpsc::Receiver<Result<Vec<u8>, ApiError>>,
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
}

/// What an export needs between its pages.
#[derive(Debug, Clone)]
pub struct ExportPlan {
    pub kind: ExportKind,
    pub event_id: Uuid,
    /// `daftar-hadir-<slug>-<date>.csv`, ASCII.
    pub file_name: String,
    /// The same with the title's own letters, percent-encoded for `filename*`.
    pub file_name_encoded: String,
    /// The attendance matrix's columns.
    pub sessions: Vec<SessionColumn>,
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

    /// The byte order mark and the header row.
    pub fn header(&self) -> Vec<u8> {
        let mut w = CsvWriter::with_bom();
        match self.kind {
            ExportKind::Attendance => {
                let sessions: Vec<String> = self
                    .sessions
                    .iter()
                    .map(|s| format!("{} ({})", s.title, s.starts_at.format("%Y-%m-%d")))
                    .collect();
                w.row(
                    ["No", "NIP", "Nama", "Unit Kerja"]
                        .into_iter()
                        .map(Cell::Text)
                        .chain(sessions.iter().map(|s| Cell::Text(s)))
                        .chain(
                            ["Jumlah Hadir", "Persentase Kehadiran (%)", "JP"]
                                .into_iter()
                                .map(Cell::Text),
                        ),
                );
            }
            ExportKind::Scores => w.row(
                [
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
                ]
                .into_iter()
                .map(Cell::Text),
            ),
            ExportKind::Evaluations => w.row(
                [
                    "Instrumen",
                    "Jenis",
                    "Sesi",
                    "Narasumber",
                    "ID Respon",
                    "Responden",
                    "NIP",
                    "Nama",
                    "Nilai Tes",
                    "No Soal",
                    "Pertanyaan",
                    "Tipe",
                    "Jawaban",
                    "Poin",
                ]
                .into_iter()
                .map(Cell::Text),
            ),
        }
        w.into_bytes()
    }
}

fn file_names(kind: ExportKind, title: &str, starts_on: NaiveDate) -> (String, String) {
    let (ascii, unicode) = slugs(title);
    let name = |slug: &str| format!("{}-{slug}-{starts_on}.csv", kind.file_prefix());
    (name(&ascii), percent_encode(&name(&unicode)))
}

/// Starts an export of an event: checks the caller (the event's managers; a draft hidden from others is 404),
/// records the access in the audit log, plans the file, then streams it page by page from a task of its own, each
/// page on its own short database hop, so that no connection is held while the client reads.
pub async fn download(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    kind: Input<ExportKind>,
) -> Result<ExportFile, ApiError> {
    let actor = user.clone();
    let plan = db::run(pool, move |conn| start(conn, &actor, event_id, kind)).await?;
    let file_name = plan.file_name.clone();
    let file_name_encoded = plan.file_name_encoded.clone();
    let (tx, rx) = tokio::sync::mpsc::channel(CHANNEL_PAGES);
    let pool = pool.clone();
    actix_web::rt::spawn(async move {
        if tx.send(Ok(plan.header())).await.is_err() {
            return;
        }
        let plan = std::sync::Arc::new(plan);
        let mut cursor = plan.first_cursor();
        loop {
            let (p, c) = (plan.clone(), cursor.clone());
            match db::read(&pool, move |conn| page(conn, &p, &c)).await {
                Ok((bytes, next)) => {
                    if tx.send(Ok(bytes)).await.is_err() {
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
    Ok(ExportFile {
        file_name,
        file_name_encoded,
        chunks: rx,
    })
}

fn start(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    kind: Input<ExportKind>,
) -> Result<ExportPlan, ApiError> {
    visible_event(conn, user, event_id)?;
    if !access::manages_event(conn, user, event_id)? {
        return Err(ApiError::forbidden());
    }
    let kind = kind.open(&Permit::granted())?;
    let (title, starts_on, _) =
        repo::event_header(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    let sessions = match kind {
        ExportKind::Attendance => repo::sessions(conn, event_id)?,
        _ => Vec::new(),
    };
    audit::record(
        conn,
        &[NewAuditEntry {
            actor_user_id: Some(user.id),
            actor_client_id: None,
            actor_role: Some(user.role.as_str().to_owned()),
            action: format!("export.{}", kind.as_str()),
            resource_type: "event".to_owned(),
            resource_id: Some(event_id),
            participant_id: None,
            changes: json!({}),
            request_id: None,
        }],
    )?;
    tracing::info!(event.id = %event_id, actor.id = %user.id, export = kind.as_str(), "export started");
    let (file_name, file_name_encoded) = file_names(kind, &title, starts_on);
    Ok(ExportPlan {
        kind,
        event_id,
        file_name,
        file_name_encoded,
        sessions,
    })
}

fn status_label(status: AttendanceStatus) -> &'static str {
    status.label()
}

fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Certificate => "Sertifikat",
        Outcome::AttendanceLetter => "Surat Keterangan",
        Outcome::NotCompleted => "Tidak Memenuhi Syarat",
    }
}

fn kind_label(kind: InstrumentKind) -> &'static str {
    match kind {
        InstrumentKind::PreTest => "Pre-test",
        InstrumentKind::PostTest => "Post-test",
        InstrumentKind::EventEvaluation => "Evaluasi Penyelenggaraan",
        InstrumentKind::FacilitatorEvaluation => "Evaluasi Narasumber",
        InstrumentKind::FollowUp => "Evaluasi Pasca Pelatihan",
    }
}

fn opt(value: &Option<String>) -> Cell<'_> {
    value.as_deref().map_or(Cell::Empty, Cell::Text)
}

/// The officer's NIP and name as the file shows them: empty after an erasure.
fn identity(row: &ResultRow) -> (Cell<'_>, Cell<'_>) {
    if row.erased_at.is_some() {
        return (Cell::Empty, Cell::Empty);
    }
    (
        row.nip.as_deref().map_or(Cell::Empty, Cell::Text),
        Cell::Text(&row.full_name),
    )
}

/// The next page of the export as CSV bytes, and where the page after it starts (`None`: this was the last).
fn page(
    conn: &mut PgConnection,
    plan: &ExportPlan,
    cursor: &Cursor,
) -> Result<(Vec<u8>, Option<Cursor>), ApiError> {
    let mut w = CsvWriter::new();
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
                let mut cells = vec![Cell::Int(n), nip, name, Cell::Text(&row.unit_name)];
                if plan.kind == ExportKind::Attendance {
                    for s in &plan.sessions {
                        cells.push(Cell::Text(
                            statuses
                                .get(&(row.enrollment_id, s.id))
                                .map_or("", |st| status_label(*st)),
                        ));
                    }
                    cells.extend([
                        Cell::Int(row.sessions_attended),
                        Cell::Number(row.attendance_rate),
                        Cell::Int(row.jp_earned),
                    ]);
                } else {
                    cells.extend([
                        row.pre_score.into(),
                        row.post_score.into(),
                        gain(row.pre_score, row.post_score).into(),
                        normalized_gain(row.pre_score, row.post_score).into(),
                        row.practical_score.into(),
                        Cell::Number(row.attendance_rate),
                        Cell::Int(row.jp_earned),
                        Cell::Text(outcome_label(row.inputs().outcome())),
                    ]);
                }
                w.row(cells);
            }
            let next = (rows.len() as i64 == PAGE_ROWS).then(|| Cursor::Officer {
                after: rows
                    .last()
                    .map(|r| (r.name_search.clone(), r.enrollment_id)),
                number: n,
            });
            Ok((w.into_bytes(), next))
        }
        Cursor::Answer(after) => {
            let rows = repo::answers(conn, plan.event_id, after.as_ref(), PAGE_ROWS)?;
            for r in &rows {
                let answer = match (&r.value_number, &r.value_options, &r.value_text) {
                    (Some(n), _, _) => Cell::Number(*n),
                    (None, Some(options), _) => Cell::Text(options),
                    (None, None, Some(text)) => Cell::Text(text),
                    _ => Cell::Empty,
                };
                w.row([
                    Cell::Text(&r.instrument_title),
                    Cell::Text(kind_label(r.kind)),
                    opt(&r.session_title),
                    opt(&r.facilitator),
                    Cell::Owned(r.response_id.to_string()),
                    Cell::Text(&r.respondent_kind),
                    opt(&r.nip),
                    opt(&r.full_name),
                    r.response_score.into(),
                    Cell::Int(i64::from(r.position)),
                    Cell::Text(&r.prompt),
                    Cell::Text(&r.question_type),
                    answer,
                    r.points.into(),
                ]);
            }
            let next = (rows.len() as i64 == PAGE_ROWS)
                .then(|| Cursor::Answer(rows.last().map(|r| r.key())));
            Ok((w.into_bytes(), next))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_carry_the_kind_the_title_and_the_date() {
        let date = NaiveDate::from_ymd_opt(2025, 8, 2).unwrap_or_default();
        let (ascii, encoded) =
            file_names(ExportKind::Attendance, "Orientasi Lapangan PM Rehsos", date);
        assert_eq!(
            ascii,
            "daftar-hadir-orientasi-lapangan-pm-rehsos-2025-08-02.csv"
        );
        assert_eq!(encoded, ascii);
        assert_eq!(ExportKind::parse("scores"), Some(ExportKind::Scores));
        assert_eq!(ExportKind::parse("other"), None);
    }
}
