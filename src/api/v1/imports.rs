//! `POST /api/v1/participants/import` and `POST /api/v1/units/import`: bulk upserts from a JSON array or a CSV
//! file, with a dry run, `all_or_nothing` or `best_effort`, and a result per row. The rules live in
//! `service::imports`; this module reads the body (its own size limit, larger than the default), turns CSV
//! records and JSON items into rows, and shapes the answer.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::ApiQuery;
use crate::api::v1::double_option;
use crate::auth::AuthUser;
use crate::domain::enums::{EmployeeType, Grade, PositionKind, Sex, UnitClass, UnitType};
use crate::error::{ApiError, FieldError, PROBLEM_JSON};
use crate::openapi as responses;
use crate::service;
use crate::service::imports::{
    ImportMode, ImportOptions, ImportOutcome, ImportRow, ParticipantImport, RowStatus, UnitImport,
};
use crate::state::AppState;

mod body;

pub use body::ImportBody;
use body::read_rows;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(import_participants).service(import_units);
}

/// How an import treats bad rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportModeParam {
    /// Any bad row: 422 listing every row error, and nothing is written.
    #[default]
    AllOrNothing,
    /// The good rows are written (in one transaction), the bad ones reported.
    BestEffort,
}

/// The query of an import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check and classify every row, write nothing (default false).
    #[param(default = false)]
    pub dry_run: Option<bool>,
    /// `all_or_nothing` (default) or `best_effort`.
    #[param(inline)]
    pub mode: Option<ImportModeParam>,
}

impl ImportQuery {
    fn options(&self) -> ImportOptions {
        ImportOptions {
            dry_run: self.dry_run.unwrap_or(false),
            mode: match self.mode.unwrap_or_default() {
                ImportModeParam::AllOrNothing => ImportMode::AllOrNothing,
                ImportModeParam::BestEffort => ImportMode::BestEffort,
            },
        }
    }
}

/// One officer of an import: the fields of `POST /api/v1/participants`, matched by `nip`, with the unit by id
/// (`unit_id`) or by code (`unit_code`). A field left out (a column missing from the CSV header) keeps the stored
/// value of an existing officer, so `nip;position` updates only the positions; `null` (an empty CSV cell) clears
/// an optional field. A new officer (no officer has the NIP) needs `full_name`, `sex`, `employee_type` and a unit:
/// each one missing is a row error `required`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "nip": "198703142010121001",
    "full_name": "Budi Santoso",
    "sex": "male",
    "employee_type": "pns",
    "grade": "III/b",
    "position": "Pembimbing Kemasyarakatan",
    "position_kind": "functional",
    "unit_code": "LAPAS-PALANGKARAYA",
    "email": "budi.santoso@example.go.id",
    "phone": "+62 812-3456-7890"
}))]
pub struct ImportParticipantRow {
    /// The key: 18 digits, checked against `sex` and `employee_type` as in a create.
    #[schema(min_length = 18, max_length = 18, pattern = "^[0-9]{18}$")]
    pub nip: String,
    /// Required for a new officer.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub full_name: Option<String>,
    /// Required for a new officer.
    #[serde(default)]
    pub sex: Option<Sex>,
    /// Required for a new officer.
    #[serde(default)]
    pub employee_type: Option<EmployeeType>,
    /// The officer's unit by id; a unit operator may only name their own. A new officer needs this or `unit_code`.
    #[serde(default)]
    pub unit_id: Option<Uuid>,
    /// The officer's unit by its code (case-insensitive), instead of `unit_id`; with both, they must name the same
    /// unit (`conflicting_reference` otherwise).
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
    )]
    pub unit_code: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Grade>, nullable)]
    pub grade: Option<Option<Grade>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, min_length = 1, max_length = 200)]
    pub position: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<PositionKind>, nullable)]
    pub position_kind: Option<Option<PositionKind>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 254, pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, min_length = 7, max_length = 32, pattern = r"^\+?[0-9]([ -]*[0-9]){6,19}$")]
    pub phone: Option<Option<String>>,
}

impl From<ImportParticipantRow> for ParticipantImport {
    fn from(r: ImportParticipantRow) -> Self {
        Self {
            nip: r.nip,
            full_name: r.full_name,
            sex: r.sex,
            employee_type: r.employee_type,
            unit_id: r.unit_id,
            unit_code: r.unit_code,
            grade: r.grade,
            position: r.position,
            position_kind: r.position_kind,
            email: r.email,
            phone: r.phone,
        }
    }
}

/// One unit of an import: the fields of `POST /api/v1/units`, matched by `code`. A field left out keeps the
/// stored value of an existing unit; `null` (an empty CSV cell) clears it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "code": "LAPAS-KASONGAN",
    "name": "Lapas Narkotika Kelas IIA Kasongan",
    "type": "lapas",
    "class": "IIA",
    "parent_code": "KANWIL-KALTENG",
    "external_code": "WPLK.17"
}))]
pub struct ImportUnitRow {
    /// The key: 1-32 letters, digits, `.`, `_`, `-`; compared in upper case.
    #[schema(
        min_length = 1,
        max_length = 32,
        pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
    )]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(rename = "type")]
    pub unit_type: UnitType,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<UnitClass>, nullable)]
    pub class: Option<Option<UnitClass>>,
    /// Required for a `pos_bapas`, not allowed for a `kanwil`, as in a create.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub parent_id: Option<Option<Uuid>>,
    /// The parent by its code (case-insensitive): a unit already stored or one of an earlier row of the file.
    /// Instead of `parent_id`; with both, they must name the same unit (`conflicting_reference` otherwise).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    pub parent_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, min_length = 1, max_length = 64)]
    pub external_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub active_from: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub active_until: Option<Option<NaiveDate>>,
}

impl From<ImportUnitRow> for UnitImport {
    fn from(r: ImportUnitRow) -> Self {
        Self {
            code: r.code,
            name: r.name,
            unit_type: r.unit_type,
            class: r.class,
            parent_id: r.parent_id,
            parent_code: r.parent_code,
            external_code: r.external_code,
            active_from: r.active_from,
            active_until: r.active_until,
        }
    }
}

/// What happened to a row.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowStatusDto {
    Created,
    Updated,
    Unchanged,
    Error,
}

/// The result of one row.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"row": 0, "line": 2, "status": "created", "id": "5b0e7a52-8f1e-4d8e-9a57-1f5b3c2d9e01"}))]
pub struct ImportRowResult {
    /// The position of the row in the file, from 0 (the CSV header is not counted); errors of the whole request
    /// name it as `[row].field`.
    pub row: usize,
    /// CSV only: the line of the file the row starts on (the header is line 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub line: Option<u64>,
    pub status: RowStatusDto,
    /// The record written, updated or left unchanged; absent for an error and for a row a dry run would create.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub id: Option<Uuid>,
    /// Every offending field of an `error` row.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(nullable = false)]
    pub errors: Vec<FieldError>,
}

/// The number of rows per status.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"created": 120, "updated": 3, "unchanged": 877, "error": 0}))]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub error: usize,
}

/// The result of an import.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "dry_run": false,
    "mode": "best_effort",
    "summary": {"created": 1, "updated": 0, "unchanged": 1, "error": 1},
    "rows": [
        {"row": 0, "line": 2, "status": "created", "id": "5b0e7a52-8f1e-4d8e-9a57-1f5b3c2d9e01"},
        {"row": 1, "line": 3, "status": "unchanged", "id": "9a0e7a52-8f1e-4d8e-9a57-1f5b3c2d9e02"},
        {"row": 2, "line": 4, "status": "error", "errors": [
            {"field": "nip", "code": "sex_mismatch", "message": "digit 15 (1 male, 2 female) does not agree with sex"}
        ]}
    ]
}))]
pub struct ImportResult {
    /// True when nothing was written.
    pub dry_run: bool,
    pub mode: ImportModeParam,
    pub summary: ImportSummary,
    /// One result per row, in file order.
    pub rows: Vec<ImportRowResult>,
}

/// 422 of an `all_or_nothing` import with bad rows: a problem document listing every row error as `[row].field`,
/// plus the per-row results (what each good row would have become). Nothing was written.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:bimtek-api:problem:import_rejected",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "1 of 2 rows are invalid; nothing was written.",
    "code": "import_rejected",
    "errors": [{"field": "[1].email", "code": "invalid_format", "message": "must be an email address such as nama@kemenkumham.go.id"}],
    "dry_run": false,
    "mode": "all_or_nothing",
    "summary": {"created": 1, "updated": 0, "unchanged": 0, "error": 1},
    "rows": [
        {"row": 0, "status": "created"},
        {"row": 1, "status": "error", "errors": [{"field": "email", "code": "invalid_format", "message": "must be an email address such as nama@kemenkumham.go.id"}]}
    ]
}))]
pub struct ImportRejected {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// `import_rejected`.
    pub code: String,
    pub errors: Vec<FieldError>,
    /// The fields below come with `import_rejected` only (a refused CSV header is a plain problem document).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub dry_run: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub mode: Option<ImportModeParam>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub summary: Option<ImportSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub rows: Option<Vec<ImportRowResult>>,
}

fn mode_param(mode: ImportMode) -> ImportModeParam {
    match mode {
        ImportMode::AllOrNothing => ImportModeParam::AllOrNothing,
        ImportMode::BestEffort => ImportModeParam::BestEffort,
    }
}

/// The 200 result, or the 422 problem of a rejected `all_or_nothing` import.
fn answer(outcome: ImportOutcome, options: ImportOptions) -> HttpResponse {
    let [created, updated, unchanged, error] = outcome.counts();
    let summary = ImportSummary {
        created,
        updated,
        unchanged,
        error,
    };
    let errors = outcome.field_errors();
    let total = outcome.rows.len();
    let rows = outcome
        .rows
        .into_iter()
        .map(|r| ImportRowResult {
            row: r.row,
            line: r.line,
            status: match r.status {
                RowStatus::Created => RowStatusDto::Created,
                RowStatus::Updated => RowStatusDto::Updated,
                RowStatus::Unchanged => RowStatusDto::Unchanged,
                RowStatus::Error => RowStatusDto::Error,
            },
            id: r.id,
            errors: r.errors,
        })
        .collect();
    let mode = mode_param(options.mode);
    if outcome.rejected {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
            .json(ImportRejected {
                type_: "urn:bimtek-api:problem:import_rejected".to_owned(),
                title: status.canonical_reason().unwrap_or("Error").to_owned(),
                status: status.as_u16(),
                detail: format!("{error} of {total} rows are invalid; nothing was written."),
                code: "import_rejected".to_owned(),
                errors,
                dry_run: Some(options.dry_run),
                mode: Some(mode),
                summary: Some(summary),
                rows: Some(rows),
            });
    }
    HttpResponse::Ok().json(ImportResult {
        dry_run: options.dry_run,
        mode,
        summary,
        rows,
    })
}

/// Import officers
///
/// Creates or updates officers from a JSON array of rows (the fields of `POST /api/v1/participants`) or a
/// `text/csv` file (UTF-8, a byte-order mark is tolerated; a header row naming the fields; `;` or `,` as
/// delimiter, whichever the header uses). Rows are matched by NIP and checked with the rules of a single create;
/// each gets `created`, `updated`, `unchanged` (not written, version kept) or `error` with every offending field.
/// A field left out (a column missing from the header) keeps the stored value; `null` or an empty cell clears it:
/// `nip;position` updates the positions of existing officers and nothing else. A new officer needs `full_name`,
/// `sex`, `employee_type` and a unit (`unit_id`, or `unit_code` as people know it); each one missing is a row
/// error `required`. Importing the same file twice changes nothing the second time.
///
/// `dry_run=true` writes nothing. `mode=all_or_nothing` (default): any bad row gives 422 `import_rejected`
/// listing every row error as `[row].field`, and nothing is written; `mode=best_effort`: the good rows are
/// written in one transaction and the bad ones reported (200). At most 10,000 rows (413 `too_many_rows`) and
/// 5 MiB (413 `payload_too_large`). A file that is not UTF-8 is 400 `invalid_encoding`; a broken CSV quote is
/// 400 `malformed_csv` naming the line; an unknown or missing CSV column is 422.
///
/// Administrators import into any unit. A unit operator imports only officers of their own unit: a row naming
/// another unit (`forbidden_unit`), or whose NIP belongs to an officer of another unit (`other_unit`), is a row
/// error in every mode, dry run included (in `all_or_nothing` the file is then rejected with the other row errors). An erased officer has no NIP any more: a row with that
/// NIP creates a new record. The import never archives or restores an officer.
#[utoipa::path(
    tag = "participants",
    params(ImportQuery),
    request_body(description = "The rows: a JSON array, or a CSV file with a header row.", content(
        (Vec<ImportParticipantRow> = "application/json"),
        (String = "text/csv", example = json!("nip;full_name;sex;employee_type;grade;unit_code;email\n198703142010121001;Budi Santoso;male;pns;III/b;LAPAS-PALANGKARAYA;budi.santoso@example.go.id\n"))
    )),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Every row was processed (in `best_effort`, some may be errors).", body = ImportResult),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, description = "`all_or_nothing` with bad rows (`import_rejected`, nothing written), or a CSV header naming unknown or missing columns (`validation_failed`).", body = ImportRejected, content_type = "application/problem+json")
    )
)]
#[post("/participants/import")]
pub async fn import_participants(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ImportQuery>,
    body: ImportBody,
) -> Result<HttpResponse, ApiError> {
    let options = query.0.options();
    let max_rows = state.settings.import_max_rows;
    let file = body.result.map(|(format, bytes)| {
        read_rows::<ImportParticipantRow>(format, &bytes, max_rows).map(|rows| {
            rows.into_iter()
                .map(|r| ImportRow {
                    row: r.row,
                    line: r.line,
                    input: r.input.map(ParticipantImport::from),
                })
                .collect()
        })
    });
    let outcome =
        service::imports::import_participants(&state.pool, &user, options, file.into()).await?;
    Ok(match outcome {
        Ok(outcome) => answer(outcome, options),
        Err(refusal) => *refusal,
    })
}

/// Import units
///
/// Creates or updates units from a JSON array of rows (the fields of `POST /api/v1/units`) or a `text/csv` file
/// (as for officers), matched by `code` and checked with the rules of a single create or change, hierarchy
/// included (each row sees the rows before it, so `parent_code` may name a unit of an earlier row). Results, `dry_run`, `mode`, limits and errors are those of
/// `POST /api/v1/participants/import`. A field left out keeps the stored value; `null` or an empty cell clears
/// it; the import never archives or restores a unit. Administrators only.
#[utoipa::path(
    tag = "units",
    params(ImportQuery),
    request_body(description = "The rows: a JSON array, or a CSV file with a header row.", content(
        (Vec<ImportUnitRow> = "application/json"),
        (String = "text/csv", example = json!("code;name;type;class;parent_code\nLAPAS-KASONGAN;Lapas Narkotika Kelas IIA Kasongan;lapas;IIA;KANWIL-KALTENG\n"))
    )),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Every row was processed (in `best_effort`, some may be errors).", body = ImportResult),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, description = "`all_or_nothing` with bad rows (`import_rejected`, nothing written), or a CSV header naming unknown or missing columns (`validation_failed`).", body = ImportRejected, content_type = "application/problem+json")
    )
)]
#[post("/units/import")]
pub async fn import_units(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ImportQuery>,
    body: ImportBody,
) -> Result<HttpResponse, ApiError> {
    let options = query.0.options();
    let max_rows = state.settings.import_max_rows;
    let file = body.result.map(|(format, bytes)| {
        read_rows::<ImportUnitRow>(format, &bytes, max_rows).map(|rows| {
            rows.into_iter()
                .map(|r| ImportRow {
                    row: r.row,
                    line: r.line,
                    input: r.input.map(UnitImport::from),
                })
                .collect()
        })
    });
    let outcome = service::imports::import_units(&state.pool, &user, options, file.into()).await?;
    Ok(match outcome {
        Ok(outcome) => answer(outcome, options),
        Err(refusal) => *refusal,
    })
}
