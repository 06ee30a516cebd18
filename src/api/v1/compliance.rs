//! `/api/v1/units/{id}/jp-compliance` (and its `.csv` and `.xlsx`), `/api/v1/jp-compliance` (the Kanwil's table,
//! its files) and `/api/v1/jp-compliance/officers`: who stands where against the yearly JP rule.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::ApiQuery;
use crate::api::v1::exports::{XLSX_MEDIA_TYPE, XlsxFile};
use crate::auth::AuthUser;
use crate::domain::csv::Delimiter;
use crate::domain::enums::EmployeeType;
use crate::domain::jp::{JpRule, JpRules, LedgerStatus, RuleKind, Tally};
use crate::domain::page::PageRequest;
use crate::domain::sort::ComplianceSort;
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::compliance::{
    ComplianceFile, ComplianceRequest, KanwilCompliance, OfficerCompliance, OfficerLine, UnitName,
};
use crate::service::exports::ExportFormat;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(unit_compliance_csv)
        .service(unit_compliance_xlsx)
        .service(unit_compliance)
        .service(kanwil_compliance_csv)
        .service(kanwil_compliance_xlsx)
        .service(kanwil_officers)
        .service(kanwil_compliance);
}

/// A unit as the lists of officers name it: its id, code and name.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "3f2c1b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b", "code": "LPN-KSG",
    "name": "Lapas Narkotika Kelas IIA Kasongan"}))]
pub struct UnitBrief {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

impl From<UnitName> for UnitBrief {
    fn from(u: UnitName) -> Self {
        Self {
            id: u.id,
            code: u.code,
            name: u.name,
        }
    }
}

/// The rules that apply: the PNS minimum and the PPPK ceiling, with their legal basis.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "pns": {"kind": "minimum", "jp": 20,
        "legal_basis": "PP 11/2017 Pasal 203 ayat (4) jo. PP 17/2020; SE Kepala BKN Nomor 3 Tahun 2022"},
    "pppk": {"kind": "ceiling", "jp": 24, "legal_basis": "PP 49/2018 Pasal 40 ayat (1)"}}))]
pub struct ComplianceRules {
    pub pns: JpRule,
    pub pppk: JpRule,
}

impl From<JpRules> for ComplianceRules {
    fn from(rules: JpRules) -> Self {
        Self {
            pns: rules.for_officer(EmployeeType::Pns),
            pppk: rules.for_officer(EmployeeType::Pppk),
        }
    }
}

/// How many officers stand where, and their mean JP.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"officers": 17, "met": 3, "below": 13, "above_ceiling": 1, "mean_jp": 11.4}))]
pub struct ComplianceSummary {
    /// Active officers (not archived, not erased).
    pub officers: i64,
    pub met: i64,
    /// PNS below the minimum.
    pub below: i64,
    /// PPPK above the ceiling.
    pub above_ceiling: i64,
    /// JP per officer, to one decimal; null without officers.
    pub mean_jp: Option<f64>,
}

impl From<Tally> for ComplianceSummary {
    fn from(t: Tally) -> Self {
        Self {
            officers: t.officers,
            met: t.met,
            below: t.below,
            above_ceiling: t.above_ceiling,
            mean_jp: t.mean_jp(),
        }
    }
}

/// One officer's year.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"participant_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "full_name": "Dewi Lestari",
    "nip": "198503012010012001", "employee_type": "pns",
    "unit": {"id": "3f2c1b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b", "code": "LPN-KSG",
        "name": "Lapas Narkotika Kelas IIA Kasongan"},
    "total_jp": 9, "rule_kind": "minimum", "rule_jp": 20, "status": "below", "shortfall": 11}))]
pub struct ComplianceOfficer {
    pub participant_id: Uuid,
    pub full_name: String,
    /// The full NIP (the readers of these lists see full NIPs; each answer is recorded as an access).
    pub nip: Option<String>,
    pub employee_type: EmployeeType,
    pub unit: UnitBrief,
    /// The JP of the year: this service's completed trainings ending in the year whose attendance the officer
    /// completed, as the officer's JP ledger counts them.
    pub total_jp: i64,
    /// `minimum` (PNS) or `ceiling` (PPPK).
    pub rule_kind: RuleKind,
    /// The minimum or the ceiling, in JP.
    pub rule_jp: u16,
    pub status: LedgerStatus,
    /// JP missing to the minimum; 0 unless `below`.
    pub shortfall: i64,
}

impl From<OfficerLine> for ComplianceOfficer {
    fn from(l: OfficerLine) -> Self {
        Self {
            participant_id: l.participant_id,
            full_name: l.full_name,
            nip: l.nip,
            employee_type: l.employee_type,
            unit: l.unit.into(),
            total_jp: l.total_jp,
            rule_kind: l.rule.kind,
            rule_jp: l.rule.jp,
            status: l.status,
            shortfall: l.shortfall,
        }
    }
}

/// A JP compliance list: a page of officers and the summary of all of them.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"year": 2025,
    "unit": {"id": "3f2c1b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b", "code": "LPN-KSG",
        "name": "Lapas Narkotika Kelas IIA Kasongan"},
    "rules": {"pns": {"kind": "minimum", "jp": 20,
        "legal_basis": "PP 11/2017 Pasal 203 ayat (4) jo. PP 17/2020; SE Kepala BKN Nomor 3 Tahun 2022"},
        "pppk": {"kind": "ceiling", "jp": 24, "legal_basis": "PP 49/2018 Pasal 40 ayat (1)"}},
    "summary": {"officers": 3, "met": 0, "below": 3, "above_ceiling": 0, "mean_jp": 6.0},
    "items": [{"participant_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "full_name": "Dewi Lestari",
        "nip": "198503012010012001", "employee_type": "pns",
        "unit": {"id": "3f2c1b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b", "code": "LPN-KSG",
            "name": "Lapas Narkotika Kelas IIA Kasongan"},
        "total_jp": 9, "rule_kind": "minimum", "rule_jp": 20, "status": "below", "shortfall": 11}],
    "total": 3, "limit": 20, "offset": 0}))]
pub struct JpComplianceResponse {
    pub year: i32,
    /// The unit of the list; null for the Kanwil-wide list without `unit_id`.
    pub unit: Option<UnitBrief>,
    pub rules: ComplianceRules,
    /// Every officer of the list, whatever `status` keeps.
    pub summary: ComplianceSummary,
    /// The officers with the status asked for, in the order asked for.
    pub items: Vec<ComplianceOfficer>,
    /// How many officers have the status asked for.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

impl JpComplianceResponse {
    fn new(c: OfficerCompliance, rules: JpRules) -> Self {
        Self {
            year: c.year,
            unit: c.unit.map(Into::into),
            rules: rules.into(),
            summary: c.tally.into(),
            total: c.page.total,
            limit: c.page.limit,
            offset: c.page.offset,
            items: c.page.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// One unit of the Kanwil's table.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"unit": {"id": "3f2c1b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b", "code": "LPN-KSG",
        "name": "Lapas Narkotika Kelas IIA Kasongan"},
    "summary": {"officers": 3, "met": 0, "below": 3, "above_ceiling": 0, "mean_jp": 6.0}}))]
pub struct ComplianceUnitLine {
    pub unit: UnitBrief,
    pub summary: ComplianceSummary,
}

/// The Kanwil's table: one line per unit and the Kanwil's summary.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"year": 2025,
    "rules": {"pns": {"kind": "minimum", "jp": 20,
        "legal_basis": "PP 11/2017 Pasal 203 ayat (4) jo. PP 17/2020; SE Kepala BKN Nomor 3 Tahun 2022"},
        "pppk": {"kind": "ceiling", "jp": 24, "legal_basis": "PP 49/2018 Pasal 40 ayat (1)"}},
    "summary": {"officers": 17, "met": 0, "below": 17, "above_ceiling": 0, "mean_jp": 6.2},
    "units": [{"unit": {"id": "3f2c1b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b", "code": "LPN-KSG",
        "name": "Lapas Narkotika Kelas IIA Kasongan"},
        "summary": {"officers": 3, "met": 0, "below": 3, "above_ceiling": 0, "mean_jp": 6.0}}]}))]
pub struct KanwilComplianceResponse {
    pub year: i32,
    pub rules: ComplianceRules,
    /// Every active officer of the Kanwil.
    pub summary: ComplianceSummary,
    /// Every unit that is not archived, by code (a unit without officers has zeros and a null mean).
    pub units: Vec<ComplianceUnitLine>,
}

impl KanwilComplianceResponse {
    fn new(k: KanwilCompliance, rules: JpRules) -> Self {
        Self {
            year: k.year,
            rules: rules.into(),
            summary: k.tally.into(),
            units: k
                .units
                .into_iter()
                .map(|u| ComplianceUnitLine {
                    unit: u.unit.into(),
                    summary: u.tally.into(),
                })
                .collect(),
        }
    }
}

/// The year of a list (default: the current one in WIB), 2000 to 2100.
fn year_of(year: Option<i32>, errors: &mut Vec<FieldError>) -> i32 {
    super::trainings::checked_year(year, errors).unwrap_or_else(service::trainings::current_year)
}

/// The year, status, order and page of a unit's list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitComplianceQuery {
    /// The calendar year (default: the current year in WIB). A training counts in the year of its last day.
    #[param(minimum = 2000, maximum = 2100, example = 2025)]
    pub year: Option<i32>,
    /// Only officers with this status.
    #[param(inline)]
    pub status: Option<LedgerStatus>,
    /// Sort order; `-` means descending; ties by name. Default `name`.
    #[param(inline)]
    pub sort: Option<ComplianceSort>,
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
}

impl UnitComplianceQuery {
    fn parse(self, unit_id: Option<Uuid>) -> Result<ComplianceRequest, ApiError> {
        let mut errors = Vec::new();
        let page = PageRequest::parse(self.limit, self.offset, &mut errors);
        let year = year_of(self.year, &mut errors);
        super::checked_query(
            ComplianceRequest {
                year,
                unit_id,
                status: self.status,
                sort: self.sort.unwrap_or_default(),
                page,
            },
            errors,
        )
    }
}

/// The Kanwil-wide officer list: a unit's list's parameters and the unit.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfficersComplianceQuery {
    /// Only the officers of this unit.
    pub unit_id: Option<Uuid>,
    /// The calendar year (default: the current year in WIB). A training counts in the year of its last day.
    #[param(minimum = 2000, maximum = 2100, example = 2025)]
    pub year: Option<i32>,
    /// Only officers with this status.
    #[param(inline)]
    pub status: Option<LedgerStatus>,
    /// Sort order; `-` means descending; ties by name. Default `name`.
    #[param(inline)]
    pub sort: Option<ComplianceSort>,
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
}

/// The year, status and order of a unit's file, and the CSV dialect.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitComplianceCsvQuery {
    /// The calendar year (default: the current year in WIB).
    #[param(minimum = 2000, maximum = 2100, example = 2025)]
    pub year: Option<i32>,
    /// Only officers with this status.
    #[param(inline)]
    pub status: Option<LedgerStatus>,
    /// Sort order; `-` means descending; ties by name. Default `name`.
    #[param(inline)]
    pub sort: Option<ComplianceSort>,
    /// `comma` (the default, for programs) or `semicolon` (`;` between cells: what a spreadsheet in the Indonesian
    /// locale opens into columns).
    #[param(inline)]
    pub delimiter: Option<Delimiter>,
}

/// The year, status and order of a unit's XLSX.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitComplianceXlsxQuery {
    /// The calendar year (default: the current year in WIB).
    #[param(minimum = 2000, maximum = 2100, example = 2025)]
    pub year: Option<i32>,
    /// Only officers with this status.
    #[param(inline)]
    pub status: Option<LedgerStatus>,
    /// Sort order; `-` means descending; ties by name. Default `name`.
    #[param(inline)]
    pub sort: Option<ComplianceSort>,
}

/// The year of the Kanwil's table.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KanwilComplianceQuery {
    /// The calendar year (default: the current year in WIB). A training counts in the year of its last day.
    #[param(minimum = 2000, maximum = 2100, example = 2025)]
    pub year: Option<i32>,
}

/// The year of the Kanwil's table and the CSV dialect.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KanwilComplianceCsvQuery {
    /// The calendar year (default: the current year in WIB).
    #[param(minimum = 2000, maximum = 2100, example = 2025)]
    pub year: Option<i32>,
    /// `comma` (the default) or `semicolon`.
    #[param(inline)]
    pub delimiter: Option<Delimiter>,
}

/// A whole list: every officer, no page.
const WHOLE: PageRequest = PageRequest {
    limit: i64::MAX,
    offset: 0,
};

fn unit_file_request(
    year: Option<i32>,
    status: Option<LedgerStatus>,
    sort: Option<ComplianceSort>,
    format: ExportFormat,
) -> Result<(ComplianceRequest, ExportFormat), ApiError> {
    let mut errors = Vec::new();
    let year = year_of(year, &mut errors);
    let request = ComplianceRequest {
        year,
        unit_id: None,
        status,
        sort: sort.unwrap_or_default(),
        page: WHOLE,
    };
    super::checked_query((request, format), errors)
}

fn kanwil_file_request(
    year: Option<i32>,
    format: ExportFormat,
) -> Result<(i32, ExportFormat), ApiError> {
    let mut errors = Vec::new();
    let year = year_of(year, &mut errors);
    super::checked_query((year, format), errors)
}

fn file_response(file: ComplianceFile, content_type: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"; filename*=UTF-8''{}",
                file.file_name, file.file_name_encoded
            ),
        ))
        .body(file.bytes)
}

/// A unit's JP compliance
///
/// Every active officer of the unit (not archived, not erased) with their JP of the year, the rule of their
/// employment type (PNS: at least 20 JP, `JP_MINIMUM_PNS`; PPPK: at most 24 JP, `JP_CEILING_PPPK`) and their
/// status: `met`, `below` (with the `shortfall`) or `above_ceiling`. The JP are those of each officer's JP ledger
/// (`GET /api/v1/participants/{id}/jp-ledger`): this service's completed trainings ending in the year whose
/// attendance the officer completed. `summary` counts every officer of the unit; `status` keeps one status in
/// `items` (and `total`); `sort=-shortfall` puts those furthest from the minimum first. Full NIPs: the answer is
/// recorded as an access. For admins and the unit's operator; others 403.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "The unit id"), UnitComplianceQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The unit's officers against the rule.", body = JpComplianceResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/units/{id}/jp-compliance")]
pub async fn unit_compliance(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<UnitComplianceQuery>,
) -> Result<HttpResponse, ApiError> {
    let rules = state.settings.jp_rules;
    let list = service::compliance::unit(
        &state.pool,
        &user,
        id.into_inner(),
        query.0.parse(None).into(),
        rules,
    )
    .await?;
    Ok(HttpResponse::Ok().json(JpComplianceResponse::new(list, rules)))
}

/// Download a unit's JP compliance as CSV
///
/// The list of `GET /api/v1/units/{id}/jp-compliance` (every officer with the status asked for, no page) as a CSV
/// file for programs: UTF-8 with a byte order mark, comma separated (or `delimiter=semicolon`), CRLF, a header row
/// in Indonesian (No, NIP, Nama, Jenis Kepegawaian, Unit Kerja, Jumlah JP, Ketentuan, Batas JP, Status,
/// Kekurangan JP), values in Indonesian. The file name is `rekap-jp-<unit code>-<year>.csv`. For admins and the
/// unit's operator; recorded in the audit log (`export.jp_compliance`, naming the officers it shows).
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "The unit id"), UnitComplianceCsvQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The CSV file.", content_type = "text/csv; charset=utf-8", body = String,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"rekap-jp-<unit code>-<year>.csv\"; filename*=UTF-8''...`")),
            example = "\u{feff}No,NIP,Nama,Jenis Kepegawaian,Unit Kerja,Jumlah JP,Ketentuan,Batas JP,Status,Kekurangan JP\r\n1,198503012010012001,Dewi Lestari,PNS,Lapas Narkotika Kelas IIA Kasongan,9,Paling Sedikit,20,Belum Memenuhi,11\r\n"),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/units/{id}/jp-compliance.csv")]
pub async fn unit_compliance_csv(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<UnitComplianceCsvQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let format = ExportFormat::Csv(q.delimiter.unwrap_or_default());
    let request = unit_file_request(q.year, q.status, q.sort, format);
    let file = service::compliance::unit_file(
        &state.pool,
        &user,
        id.into_inner(),
        request.into(),
        state.settings.jp_rules,
    )
    .await?;
    Ok(file_response(file, "text/csv; charset=utf-8"))
}

/// Download a unit's JP compliance as XLSX
///
/// The list of the CSV for people: a title block (REKAPITULASI JAM PELAJARAN (JP) PENGEMBANGAN KOMPETENSI, the
/// unit, the year, both rules with their legal basis), a frozen bold header row, NIPs as text cells, JP as
/// numbers, values in Indonesian. The file name is `rekap-jp-<unit code>-<year>.xlsx`. For admins and the unit's
/// operator; recorded in the audit log like the CSV.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "The unit id"), UnitComplianceXlsxQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The XLSX file.", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            body = XlsxFile,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"rekap-jp-<unit code>-<year>.xlsx\"; filename*=UTF-8''...`"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/units/{id}/jp-compliance.xlsx")]
pub async fn unit_compliance_xlsx(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<UnitComplianceXlsxQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let request = unit_file_request(q.year, q.status, q.sort, ExportFormat::Xlsx);
    let file = service::compliance::unit_file(
        &state.pool,
        &user,
        id.into_inner(),
        request.into(),
        state.settings.jp_rules,
    )
    .await?;
    Ok(file_response(file, XLSX_MEDIA_TYPE))
}

/// The Kanwil's JP compliance
///
/// One line per unit that is not archived (by code): its active officers, how many met the rule, how many PNS
/// are below the minimum, how many PPPK above the ceiling, and their mean JP; with the same summary for the whole
/// Kanwil. The officers themselves: `GET /api/v1/jp-compliance/officers`. Administrators only.
#[utoipa::path(
    tag = "results",
    params(KanwilComplianceQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The Kanwil's table.", body = KanwilComplianceResponse)
    )
)]
#[get("/jp-compliance")]
pub async fn kanwil_compliance(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<KanwilComplianceQuery>,
) -> Result<HttpResponse, ApiError> {
    let rules = state.settings.jp_rules;
    let mut errors = Vec::new();
    let year = year_of(query.0.year, &mut errors);
    let year = super::checked_query(year, errors);
    let table = service::compliance::kanwil(&state.pool, &user, year.into(), rules).await?;
    Ok(HttpResponse::Ok().json(KanwilComplianceResponse::new(table, rules)))
}

/// The Kanwil's officers against the JP rule
///
/// The list of `GET /api/v1/units/{id}/jp-compliance` over every active officer of the Kanwil, or of the unit
/// `unit_id` names (an unknown unit: 404): e.g. `status=below&sort=-shortfall` for everyone below the minimum.
/// Administrators only.
#[utoipa::path(
    tag = "results",
    params(OfficersComplianceQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The officers against the rule.", body = JpComplianceResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/jp-compliance/officers")]
pub async fn kanwil_officers(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<OfficersComplianceQuery>,
) -> Result<HttpResponse, ApiError> {
    let rules = state.settings.jp_rules;
    let q = query.0;
    let request = UnitComplianceQuery {
        year: q.year,
        status: q.status,
        sort: q.sort,
        limit: q.limit,
        offset: q.offset,
    }
    .parse(q.unit_id);
    let list = service::compliance::officers(&state.pool, &user, request.into(), rules).await?;
    Ok(HttpResponse::Ok().json(JpComplianceResponse::new(list, rules)))
}

/// Download the Kanwil's JP compliance as CSV
///
/// The table of `GET /api/v1/jp-compliance` (one line per unit, then the Kanwil's total) as CSV: UTF-8 with a
/// byte order mark, comma separated (or `delimiter=semicolon`), a header row in Indonesian (No, Kode Unit, Unit
/// Kerja, Jumlah Pegawai, Memenuhi, Belum Memenuhi, Melebihi Batas, Rata-rata JP). It names no officer. The file
/// name is `rekap-jp-kanwil-<year>.csv`. Administrators only.
#[utoipa::path(
    tag = "results",
    params(KanwilComplianceCsvQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The CSV file.", content_type = "text/csv; charset=utf-8", body = String,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"rekap-jp-kanwil-<year>.csv\"; filename*=UTF-8''...`")),
            example = "\u{feff}No,Kode Unit,Unit Kerja,Jumlah Pegawai,Memenuhi,Belum Memenuhi,Melebihi Batas,Rata-rata JP\r\n1,LPN-KSG,Lapas Narkotika Kelas IIA Kasongan,3,0,3,0,6\r\n,,Jumlah,3,0,3,0,6\r\n")
    )
)]
#[get("/jp-compliance.csv")]
pub async fn kanwil_compliance_csv(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<KanwilComplianceCsvQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let format = ExportFormat::Csv(q.delimiter.unwrap_or_default());
    let request = kanwil_file_request(q.year, format);
    let file = service::compliance::kanwil_file(
        &state.pool,
        &user,
        request.into(),
        state.settings.jp_rules,
    )
    .await?;
    Ok(file_response(file, "text/csv; charset=utf-8"))
}

/// Download the Kanwil's JP compliance as XLSX
///
/// The table of the CSV for people: a title block (REKAPITULASI JAM PELAJARAN (JP) PER UNIT KERJA, the year, both
/// rules with their legal basis), a frozen bold header row, unit codes as text, figures as numbers, the Kanwil's
/// total in the last row. The file name is `rekap-jp-kanwil-<year>.xlsx`. Administrators only.
#[utoipa::path(
    tag = "results",
    params(KanwilComplianceQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The XLSX file.", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            body = XlsxFile,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"rekap-jp-kanwil-<year>.xlsx\"; filename*=UTF-8''...`")))
    )
)]
#[get("/jp-compliance.xlsx")]
pub async fn kanwil_compliance_xlsx(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<KanwilComplianceQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = kanwil_file_request(query.0.year, ExportFormat::Xlsx);
    let file = service::compliance::kanwil_file(
        &state.pool,
        &user,
        request.into(),
        state.settings.jp_rules,
    )
    .await?;
    Ok(file_response(file, XLSX_MEDIA_TYPE))
}
