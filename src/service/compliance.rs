//! Who stands where against the yearly JP rule: every active officer of a unit (or of the Kanwil) with their total,
//! the rule of their employment type and their status (`domain::jp`), and the Kanwil's table of one line per unit.
//! The JP of an officer are those of their JP ledger (`service::trainings::ledger`): the same trainings count, by the
//! same rule (`domain::jp::counts`, in the year of their last day). The figures come from the events' stored result
//! lines (`service::snapshots`, refreshed first where stale) and are computed where those are not valid. Reads only
//! (a refresh writes the cache of result lines, nothing else), except the files: an export of a unit's list is recorded in the audit log as an access (`export.jp_compliance`, naming the officers whose full
//! NIP it shows), written here (no trigger is involved).
//!
//! Who: a unit's list for admins and that unit's operator (others 403, an unknown unit 404); the Kanwil's table and
//! the Kanwil-wide officer list for admins.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::csv::{CsvWriter, Delimiter, percent_encode, slugs};
use crate::domain::enums::EmployeeType;
use crate::domain::jp::{self, JpRule, JpRules, LedgerStatus, Tally};
use crate::domain::labels::{Label, employee_type_abbreviation};
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::domain::sheet::{Column, Heading, Value};
use crate::domain::sort::ComplianceSort;
use crate::error::ApiError;
use crate::repo::audit::{self, NewAuditEntry};
use crate::repo::compliance::{self as repo, ComplianceRow};
use crate::service::audit_log::{self, AccessEvent};
use crate::service::exports::ExportFormat;
use crate::service::snapshots;
use crate::service::{DbPool, Input, Permit, ReadInput};
use crate::xlsx::SheetWriter;

/// A unit as the lists name it.
#[derive(Debug, Clone)]
pub struct UnitName {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

impl From<repo::UnitName> for UnitName {
    fn from(u: repo::UnitName) -> Self {
        Self {
            id: u.id,
            code: u.code,
            name: u.name,
        }
    }
}

/// One officer's year.
#[derive(Debug, Clone)]
pub struct OfficerLine {
    pub participant_id: Uuid,
    pub full_name: String,
    pub nip: Option<String>,
    pub employee_type: EmployeeType,
    pub unit: UnitName,
    pub total_jp: i64,
    pub rule: JpRule,
    pub status: LedgerStatus,
    pub shortfall: i64,
}

/// A compliance list asked for: the year, a status, the order and the page; a unit (the Kanwil-wide list only).
#[derive(Debug, Clone, Copy)]
pub struct ComplianceRequest {
    pub year: i32,
    pub unit_id: Option<Uuid>,
    pub status: Option<LedgerStatus>,
    pub sort: ComplianceSort,
    pub page: PageRequest,
}

/// The officers of a list (a page of those with the status asked for) and the tally of all of them.
#[derive(Debug)]
pub struct OfficerCompliance {
    pub year: i32,
    /// The unit of a unit's list (or of the Kanwil-wide list filtered by unit).
    pub unit: Option<UnitName>,
    /// Every officer of the list, whatever the status filter.
    pub tally: Tally,
    pub page: Page<OfficerLine>,
}

/// One unit of the Kanwil's table.
#[derive(Debug, Clone)]
pub struct UnitLine {
    pub unit: UnitName,
    pub tally: Tally,
}

/// The Kanwil's table: every unit that is not archived, by code, and the Kanwil's own tally.
#[derive(Debug, Clone)]
pub struct KanwilCompliance {
    pub year: i32,
    pub tally: Tally,
    pub units: Vec<UnitLine>,
}

/// How long a compliance read spends at most refreshing the stored result lines of the year's events before it
/// reads (the first read after many changes; the rest it computes itself, and the next read refreshes further).
const REFRESH_BUDGET: Duration = Duration::from_millis(300);

/// The lines of the officers of `unit_id` (every unit when `None`) for `year`: this service's trainings and the
/// verified records from elsewhere. The events' result lines are refreshed first where they are stale (within
/// [`REFRESH_BUDGET`]), so the read is an index read of stored lines.
fn lines_of_year(
    conn: &mut diesel::PgConnection,
    unit_id: Option<Uuid>,
    year: i32,
    rules: JpRules,
) -> Result<Vec<OfficerLine>, ApiError> {
    let mut records: HashMap<Uuid, i64> = HashMap::new();
    for (participant_id, status, jp) in
        crate::repo::competency_records::jp_of_year(conn, unit_id, year)?
    {
        if jp::record_counts(status) {
            *records.entry(participant_id).or_default() += i64::from(jp);
        }
    }
    let stale = repo::events_to_refresh(conn, unit_id, year)?;
    snapshots::refresh_results_of(conn, &stale, REFRESH_BUDGET)?;
    Ok(officer_lines(
        repo::officers_year(conn, unit_id, year)?,
        &records,
        rules,
    ))
}

/// The officers of the rows (an officer's rows together) with their totals: the JP of the trainings that count and
/// of their verified records (`records`, by officer).
fn officer_lines(
    rows: Vec<ComplianceRow>,
    records: &HashMap<Uuid, i64>,
    rules: JpRules,
) -> Vec<OfficerLine> {
    let mut lines: Vec<OfficerLine> = Vec::new();
    for row in rows {
        if lines
            .last()
            .is_none_or(|l| l.participant_id != row.participant_id)
        {
            let rule = rules.for_officer(row.employee_type);
            lines.push(OfficerLine {
                participant_id: row.participant_id,
                full_name: row.full_name,
                nip: row.nip,
                employee_type: row.employee_type,
                unit: UnitName {
                    id: row.unit_id,
                    code: row.unit_code,
                    name: row.unit_name,
                },
                total_jp: 0,
                rule,
                status: LedgerStatus::Met,
                shortfall: 0,
            });
        }
        if let (Some(line), Some(status)) = (lines.last_mut(), row.event_status)
            && jp::counts(status, row.outcome)
        {
            line.total_jp += row.jp_earned.unwrap_or(0);
        }
    }
    for line in &mut lines {
        line.total_jp += records.get(&line.participant_id).copied().unwrap_or(0);
        (line.status, line.shortfall) = jp::judge(line.total_jp, &line.rule);
    }
    lines
}

/// Keeps the lines of `status`, in the order asked for (ties stay by name, as the rows come).
fn filter_and_sort(
    lines: Vec<OfficerLine>,
    status: Option<LedgerStatus>,
    sort: ComplianceSort,
) -> Vec<OfficerLine> {
    let mut lines: Vec<OfficerLine> = lines
        .into_iter()
        .filter(|l| status.is_none_or(|s| l.status == s))
        .collect();
    match sort {
        ComplianceSort::Name => {}
        ComplianceSort::NameDesc => lines.reverse(),
        ComplianceSort::TotalJp => lines.sort_by_key(|l| l.total_jp),
        ComplianceSort::TotalJpDesc => lines.sort_by_key(|l| std::cmp::Reverse(l.total_jp)),
        ComplianceSort::Shortfall => lines.sort_by_key(|l| l.shortfall),
        ComplianceSort::ShortfallDesc => lines.sort_by_key(|l| std::cmp::Reverse(l.shortfall)),
    }
    lines
}

fn tally(lines: &[OfficerLine]) -> Tally {
    let mut tally = Tally::default();
    for line in lines {
        tally.add(line.total_jp, line.status);
    }
    tally
}

/// The unit of a unit's list, for admins and the unit's operator.
pub(crate) fn unit_reader(
    conn: &mut diesel::PgConnection,
    user: &AuthUser,
    unit_id: Uuid,
) -> Result<UnitName, ApiError> {
    let unit: UnitName = repo::unit(conn, unit_id)?
        .ok_or_else(|| ApiError::not_found("Unit"))?
        .into();
    match user.role {
        Role::Admin => Ok(unit),
        Role::UnitOperator if user.unit_id == Some(unit_id) => Ok(unit),
        _ => Err(ApiError::forbidden()),
    }
}

fn require_admin(user: &AuthUser) -> Result<Permit, ApiError> {
    if user.role == Role::Admin {
        Ok(Permit::granted())
    } else {
        Err(ApiError::forbidden())
    }
}

/// Pages the list and records the full NIPs the page shows (admins and the unit's operator see them).
fn page_of(
    year: i32,
    unit: Option<UnitName>,
    lines: Vec<OfficerLine>,
    request: &ComplianceRequest,
) -> OfficerCompliance {
    let tally = tally(&lines);
    let lines = filter_and_sort(lines, request.status, request.sort);
    let page = Page::of_all(lines, request.page);
    let shown: Vec<Uuid> = page
        .items
        .iter()
        .filter(|l| l.nip.is_some())
        .map(|l| l.participant_id)
        .collect();
    if !shown.is_empty() {
        audit_log::access(AccessEvent::nips_read(shown));
    }
    OfficerCompliance {
        year,
        unit,
        tally,
        page,
    }
}

/// The JP compliance of a unit's active officers.
pub async fn unit(
    pool: &DbPool,
    user: &AuthUser,
    unit_id: Uuid,
    request: Input<ComplianceRequest>,
    rules: JpRules,
) -> Result<OfficerCompliance, ApiError> {
    let user = user.clone();
    let request = ReadInput::new(request);
    db::read(pool, move |conn| {
        let unit = unit_reader(conn, &user, unit_id)?;
        let request = request.open(&Permit::granted())?;
        let lines = lines_of_year(conn, Some(unit_id), request.year, rules)?;
        Ok(page_of(request.year, Some(unit), lines, &request))
    })
    .await
}

/// The JP compliance of the Kanwil's active officers, of one unit when asked (admins).
pub async fn officers(
    pool: &DbPool,
    user: &AuthUser,
    request: Input<ComplianceRequest>,
    rules: JpRules,
) -> Result<OfficerCompliance, ApiError> {
    let permit = require_admin(user)?;
    let request = request.open(&permit)?;
    db::read(pool, move |conn| {
        let unit = match request.unit_id {
            Some(id) => Some(
                repo::unit(conn, id)?
                    .ok_or_else(|| ApiError::not_found("Unit"))?
                    .into(),
            ),
            None => None,
        };
        let lines = lines_of_year(conn, request.unit_id, request.year, rules)?;
        Ok(page_of(request.year, unit, lines, &request))
    })
    .await
}

/// The Kanwil's table for `year`: one line per unit that is not archived (admins).
pub async fn kanwil(
    pool: &DbPool,
    user: &AuthUser,
    year: Input<i32>,
    rules: JpRules,
) -> Result<KanwilCompliance, ApiError> {
    let permit = require_admin(user)?;
    let year = year.open(&permit)?;
    db::read(pool, move |conn| kanwil_table(conn, year, rules)).await
}

fn kanwil_table(
    conn: &mut diesel::PgConnection,
    year: i32,
    rules: JpRules,
) -> Result<KanwilCompliance, ApiError> {
    let lines = lines_of_year(conn, None, year, rules)?;
    let mut by_unit: HashMap<Uuid, Tally> = HashMap::new();
    for line in &lines {
        by_unit
            .entry(line.unit.id)
            .or_default()
            .add(line.total_jp, line.status);
    }
    let units = repo::active_units(conn)?
        .into_iter()
        .map(|unit| UnitLine {
            tally: by_unit.get(&unit.id).copied().unwrap_or_default(),
            unit: unit.into(),
        })
        .collect();
    Ok(KanwilCompliance {
        year,
        tally: tally(&lines),
        units,
    })
}

// ------------------------------------------------------------------------------------------------------ files

/// A finished file: its name (ASCII, and with its own letters percent-encoded for `filename*`) and its bytes.
#[derive(Debug)]
pub struct ComplianceFile {
    pub file_name: String,
    pub file_name_encoded: String,
    pub bytes: Vec<u8>,
}

/// The rule in words: `Paling Sedikit 20 JP (PP 11/2017 ...)`.
fn rule_text(rule: &JpRule) -> String {
    format!(
        "{} {} JP ({})",
        rule.kind.label(),
        rule.jp,
        rule.legal_basis
    )
}

fn rules_lines(rules: JpRules) -> Vec<(String, Value)> {
    vec![
        (
            "Ketentuan PNS".to_owned(),
            Value::Text(rule_text(&rules.for_officer(EmployeeType::Pns))),
        ),
        (
            "Ketentuan PPPK".to_owned(),
            Value::Text(rule_text(&rules.for_officer(EmployeeType::Pppk))),
        ),
    ]
}

fn mean(tally: &Tally) -> Value {
    tally.mean_jp().map_or(Value::Empty, Value::Number)
}

/// The columns and rows of a unit's list, every officer (a file is the whole list).
fn officer_sheet(lines: &[OfficerLine]) -> (Vec<Column>, Vec<Vec<Value>>) {
    let columns = [
        "No",
        "NIP",
        "Nama",
        "Jenis Kepegawaian",
        "Unit Kerja",
        "Jumlah JP",
        "Ketentuan",
        "Batas JP",
        "Status",
        "Kekurangan JP",
    ]
    .map(Column::new)
    .to_vec();
    let rows = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            vec![
                Value::Int(i as i64 + 1),
                l.nip.clone().map_or(Value::Empty, Value::Code),
                Value::text(&l.full_name),
                Value::text(employee_type_abbreviation(l.employee_type)),
                Value::text(&l.unit.name),
                Value::Int(l.total_jp),
                Value::text(l.rule.kind.label()),
                Value::Int(i64::from(l.rule.jp)),
                Value::text(l.status.label()),
                Value::Int(l.shortfall),
            ]
        })
        .collect();
    (columns, rows)
}

/// The columns and rows of the Kanwil's table.
fn kanwil_sheet(table: &KanwilCompliance) -> (Vec<Column>, Vec<Vec<Value>>) {
    let columns = [
        "No",
        "Kode Unit",
        "Unit Kerja",
        "Jumlah Pegawai",
        "Memenuhi",
        "Belum Memenuhi",
        "Melebihi Batas",
        "Rata-rata JP",
    ]
    .map(Column::new)
    .to_vec();
    let line = |no: Value, code: Value, name: &str, t: &Tally| {
        vec![
            no,
            code,
            Value::text(name),
            Value::Int(t.officers),
            Value::Int(t.met),
            Value::Int(t.below),
            Value::Int(t.above_ceiling),
            mean(t),
        ]
    };
    let mut rows: Vec<Vec<Value>> = table
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            line(
                Value::Int(i as i64 + 1),
                Value::Code(u.unit.code.clone()),
                &u.unit.name,
                &u.tally,
            )
        })
        .collect();
    rows.push(line(Value::Empty, Value::Empty, "Jumlah", &table.tally));
    (columns, rows)
}

/// The file of `columns` and `rows` in `format`: CSV with a byte order mark and the header row, or an XLSX with
/// the title block of `heading`.
async fn write_file(
    format: ExportFormat,
    heading: Heading,
    columns: Vec<Column>,
    rows: Vec<Vec<Value>>,
) -> Result<Vec<u8>, ApiError> {
    match format {
        ExportFormat::Csv(delimiter) => Ok(csv_bytes(delimiter, &columns, &rows)),
        ExportFormat::Xlsx => actix_web::web::block(move || {
            let mut sheet = SheetWriter::new(&heading, &columns)?;
            sheet.rows(&rows)?;
            let mut out = Vec::new();
            sheet.finish(&mut out)?;
            Ok::<_, rust_xlsxwriter::XlsxError>(out)
        })
        .await?
        .map_err(ApiError::internal),
    }
}

fn csv_bytes(delimiter: Delimiter, columns: &[Column], rows: &[Vec<Value>]) -> Vec<u8> {
    let mut w = CsvWriter::with_delimiter(delimiter, true);
    let labels: Vec<String> = columns.iter().map(Column::csv_label).collect();
    w.row(labels.iter().map(|l| crate::domain::csv::Cell::Text(l)));
    for row in rows {
        w.row(row.iter().map(Value::cell));
    }
    w.into_bytes()
}

/// `rekap-jp-<slug>-<year>.<ext>`, ASCII and percent-encoded.
fn file_names(subject: &str, year: i32, format: ExportFormat) -> (String, String) {
    let (ascii, unicode) = slugs(subject);
    let name = |slug: &str| format!("rekap-jp-{slug}-{year}.{}", format.extension());
    (name(&ascii), percent_encode(&name(&unicode)))
}

/// A unit's list as a file (admins and the unit's operator), every officer in the order asked for, recorded in the
/// audit log before it is written.
pub async fn unit_file(
    pool: &DbPool,
    user: &AuthUser,
    unit_id: Uuid,
    request: Input<(ComplianceRequest, ExportFormat)>,
    rules: JpRules,
) -> Result<ComplianceFile, ApiError> {
    let user = user.clone();
    let (unit, request, format, lines) = db::run(pool, move |conn| {
        let unit = unit_reader(conn, &user, unit_id)?;
        let (request, format) = request.open(&Permit::granted())?;
        let lines = lines_of_year(conn, Some(unit_id), request.year, rules)?;
        let lines = filter_and_sort(lines, request.status, request.sort);
        let shown: Vec<Uuid> = lines
            .iter()
            .filter(|l| l.nip.is_some())
            .map(|l| l.participant_id)
            .collect();
        let context = crate::context::current();
        audit::record(
            conn,
            &[NewAuditEntry {
                actor_user_id: Some(user.id),
                actor_client_id: user.client_id,
                actor_role: Some(user.role.as_str().to_owned()),
                action: "export.jp_compliance".to_owned(),
                resource_type: "unit".to_owned(),
                resource_id: Some(unit_id),
                participant_id: None,
                changes: json!({"format": format.extension(), "year": request.year,
                    "count": shown.len()}),
                participant_ids: shown,
                request_id: context.and_then(|c| c.request_id),
            }],
        )?;
        Ok((unit, request, format, lines))
    })
    .await?;
    let (columns, rows) = officer_sheet(&lines);
    let mut lines_above = vec![
        ("Unit Kerja".to_owned(), Value::text(&unit.name)),
        ("Tahun".to_owned(), Value::Int(i64::from(request.year))),
    ];
    lines_above.extend(rules_lines(rules));
    let heading = Heading {
        title: "REKAPITULASI JAM PELAJARAN (JP) PENGEMBANGAN KOMPETENSI".to_owned(),
        sheet_name: "Rekap JP".to_owned(),
        lines: lines_above,
    };
    let (file_name, file_name_encoded) = file_names(&unit.code, request.year, format);
    Ok(ComplianceFile {
        file_name,
        file_name_encoded,
        bytes: write_file(format, heading, columns, rows).await?,
    })
}

/// The Kanwil's table as a file (admins): one line per unit and the Kanwil's total. It shows no officer.
pub async fn kanwil_file(
    pool: &DbPool,
    user: &AuthUser,
    request: Input<(i32, ExportFormat)>,
    rules: JpRules,
) -> Result<ComplianceFile, ApiError> {
    let permit = require_admin(user)?;
    let (year, format) = request.open(&permit)?;
    let table = db::read(pool, move |conn| kanwil_table(conn, year, rules)).await?;
    let (columns, rows) = kanwil_sheet(&table);
    let mut lines_above = vec![("Tahun".to_owned(), Value::Int(i64::from(year)))];
    lines_above.extend(rules_lines(rules));
    let heading = Heading {
        title: "REKAPITULASI JAM PELAJARAN (JP) PER UNIT KERJA".to_owned(),
        sheet_name: "Rekap JP per Unit".to_owned(),
        lines: lines_above,
    };
    let (file_name, file_name_encoded) = file_names("kanwil", year, format);
    Ok(ComplianceFile {
        file_name,
        file_name_encoded,
        bytes: write_file(format, heading, columns, rows).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::enums::{EventStatus, Outcome};

    fn row(n: u128, event: Option<(EventStatus, Outcome, i64)>) -> ComplianceRow {
        ComplianceRow {
            participant_id: Uuid::from_u128(n),
            full_name: format!("Officer {n}"),
            nip: None,
            employee_type: if n == 3 {
                EmployeeType::Pppk
            } else {
                EmployeeType::Pns
            },
            unit_id: Uuid::from_u128(100),
            unit_code: "U".into(),
            unit_name: "Unit".into(),
            event_status: event.map(|e| e.0),
            outcome: event.map(|e| e.1),
            jp_earned: event.map(|e| e.2),
        }
    }

    #[test]
    fn only_the_trainings_that_count_add_up() {
        use EventStatus::{Completed, Ongoing};
        use Outcome::{AttendanceLetter, Certificate, NotCompleted};
        let lines = officer_lines(
            vec![
                row(1, Some((Completed, Certificate, 9))),
                row(1, Some((Completed, AttendanceLetter, 12))),
                row(1, Some((Ongoing, Certificate, 30))),
                row(2, Some((Completed, NotCompleted, 4))),
                row(3, Some((Completed, Certificate, 30))),
                row(4, None),
            ],
            &HashMap::from([(Uuid::from_u128(2), 20)]),
            JpRules::default(),
        );
        let got: Vec<(i64, LedgerStatus, i64)> = lines
            .iter()
            .map(|l| (l.total_jp, l.status, l.shortfall))
            .collect();
        assert_eq!(
            got,
            vec![
                (21, LedgerStatus::Met, 0),
                (20, LedgerStatus::Met, 0),
                (30, LedgerStatus::AboveCeiling, 0),
                (0, LedgerStatus::Below, 20),
            ]
        );
        let below = filter_and_sort(
            lines.clone(),
            Some(LedgerStatus::Below),
            ComplianceSort::ShortfallDesc,
        );
        assert_eq!(
            below.len(),
            1,
            "officer 2's verified record makes the minimum"
        );
        assert_eq!(below[0].participant_id, Uuid::from_u128(4));
        let by_total = filter_and_sort(lines, None, ComplianceSort::TotalJpDesc);
        assert_eq!(by_total[0].total_jp, 30);
    }

    #[test]
    fn file_names_carry_the_subject_and_the_year() {
        let (ascii, _) = file_names("LPN-KSG", 2025, ExportFormat::Xlsx);
        assert_eq!(ascii, "rekap-jp-lpn-ksg-2025.xlsx");
    }
}
