//! Bulk imports of officers (upsert by NIP) and units (upsert by code), as JSON or CSV, with a dry run and two
//! modes: `all_or_nothing` writes nothing when any row is bad, `best_effort` writes the good rows.
//!
//! Rows are checked with the same functions as a single create (`participants::check_new`,
//! `units::check_new`), so a file cannot carry what the API would refuse one by one. Officers are matched in one
//! query and written in multi-row upserts; an unchanged row is not written (its version stays). Units are few
//! (tens): they go row by row through the single-unit create and update, whose hierarchy checks read the
//! database, each row in a savepoint of one transaction.
//!
//! Decisions where the issue is silent: a field left out of a row (a column missing from the CSV header) keeps
//! its stored value on an update and is empty on a create; an empty CSV cell or a JSON `null` clears it. An erased
//! officer holds no NIP any more, so a row with that NIP creates a new record (the old one stays anonymous). An
//! archived officer or unit is updated like any other and stays archived: the import never archives or restores.
//!
//! Nothing here logs a row's values: only counts. An officers' row report pairs the file's NIPs with the ids of the
//! officers holding them: one `participant.nip_read` access event names them all.
//!
//! Officers are upserted into `participants`, whose triggers append `participant.*` to the audit log and the change
//! feed, queue `participant.created` and `participant.updated` webhook deliveries and, when a name, NIP or unit
//! changes, mark the snapshots of the officer's events stale; units go through `service::units`, whose triggers
//! append `unit.*` to the audit log and the feed and mark every snapshot stale on a rename (migrations 000008,
//! 000009, 000011).

use std::collections::HashMap;

use diesel::Connection;
use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::enums::{EmployeeType, Grade, PositionKind, Sex, UnitClass, UnitType};
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use crate::repo::imports as repo;
use crate::repo::participants::{NewParticipantRow, ParticipantRow};
use crate::repo::units::UnitRow;
use crate::service::audit_log::{self, AccessEvent};
use crate::service::participants::{self, NewParticipant};
use crate::service::units::{self, UnitInput, UnitPatch};
use crate::service::{DbPool, Input, allow};

/// The rows of an import file as the handler read them, or its refusal of the whole file (too many rows, a broken
/// CSV header...), which is answered only once the caller is authorized.
pub type ImportFile<T, R> = Result<Vec<ImportRow<T>>, R>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportMode {
    #[default]
    AllOrNothing,
    BestEffort,
}

#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    pub dry_run: bool,
    pub mode: ImportMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    Created,
    Updated,
    Unchanged,
    Error,
}

/// One row of a file as read: its position (0-based), the CSV line it starts on, and its fields or the errors
/// that reading it found.
#[derive(Debug)]
pub struct ImportRow<T> {
    pub row: usize,
    pub line: Option<u64>,
    pub input: Result<T, Vec<FieldError>>,
}

#[derive(Debug, Clone)]
pub struct RowResult {
    pub row: usize,
    pub line: Option<u64>,
    pub status: RowStatus,
    pub id: Option<Uuid>,
    pub errors: Vec<FieldError>,
}

impl RowResult {
    fn new(row: usize, line: Option<u64>, status: RowStatus, id: Option<Uuid>) -> Self {
        Self {
            row,
            line,
            status,
            id,
            errors: Vec::new(),
        }
    }

    fn error(row: usize, line: Option<u64>, errors: Vec<FieldError>) -> Self {
        Self {
            row,
            line,
            status: RowStatus::Error,
            id: None,
            errors,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub rows: Vec<RowResult>,
    /// `all_or_nothing` with a bad row: nothing was written (422).
    pub rejected: bool,
}

impl ImportOutcome {
    /// Created, updated, unchanged and error counts.
    pub fn counts(&self) -> [usize; 4] {
        let mut counts = [0; 4];
        for row in &self.rows {
            counts[row.status as usize] += 1;
        }
        counts
    }

    /// Every row error with its row in the field name (`[3].nip`), as one validation problem lists them.
    pub fn field_errors(&self) -> Vec<FieldError> {
        self.rows
            .iter()
            .flat_map(|r| r.errors.iter().map(move |e| prefixed(r.row, e.clone())))
            .collect()
    }
}

fn prefixed(row: usize, mut error: FieldError) -> FieldError {
    error.field = if error.field.is_empty() {
        format!("[{row}]")
    } else {
        format!("[{row}].{}", error.field)
    };
    error
}

/// An officer row: the fields of a create. `None` for an optional field means "not sent" (kept on an update),
/// `Some(None)` means "cleared".
#[derive(Debug, Clone)]
pub struct ParticipantImport {
    pub nip: String,
    /// `full_name`, `sex`, `employee_type` and the unit (`unit_id` or `unit_code`) may be left out of a row for an
    /// existing officer (they keep their values); a new officer needs them all.
    pub full_name: Option<String>,
    pub sex: Option<Sex>,
    pub employee_type: Option<EmployeeType>,
    pub unit_id: Option<Uuid>,
    /// The unit by its code (as people know it), instead of or beside `unit_id` (then both name the same unit).
    pub unit_code: Option<String>,
    pub grade: Option<Option<Grade>>,
    pub position: Option<Option<String>>,
    pub position_kind: Option<Option<PositionKind>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
}

/// A unit row: the fields of a create, with the same meaning of `None` as [`ParticipantImport`].
#[derive(Debug, Clone)]
pub struct UnitImport {
    pub code: String,
    pub name: String,
    pub unit_type: UnitType,
    pub class: Option<Option<UnitClass>>,
    pub parent_id: Option<Option<Uuid>>,
    /// The parent by its code: a unit of the database or of an earlier row of the file.
    pub parent_code: Option<Option<String>>,
    pub external_code: Option<Option<String>>,
    pub active_from: Option<Option<chrono::NaiveDate>>,
    pub active_until: Option<Option<chrono::NaiveDate>>,
}

/// The sent value, or the stored one when the field was not sent.
fn sent_or<T>(sent: Option<Option<T>>, stored: impl FnOnce() -> Option<T>) -> Option<T> {
    match sent {
        Some(value) => value,
        None => stored(),
    }
}

fn unchanged(current: &ParticipantRow, new: &NewParticipantRow) -> bool {
    current.nip.as_deref() == Some(new.nip.as_str())
        && current.full_name == new.full_name
        && current.sex == new.sex
        && current.employee_type == new.employee_type
        && current.grade == new.grade
        && current.position == new.position
        && current.position_kind == new.position_kind
        && current.unit_id == new.unit_id
        && current.email == new.email
        && current.phone == new.phone
}

/// The unit a row names by id and/or code (`id_field`, `code_field`): `None` when it names none. A code is
/// looked up in `by_code` (upper-cased codes to ids); an unknown code, or a code and an id of two different units,
/// are row errors.
fn named_unit(
    id: Option<Uuid>,
    code: Option<&str>,
    (id_field, code_field): (&str, &str),
    by_code: &HashMap<String, Uuid>,
    errors: &mut Vec<FieldError>,
) -> Option<Uuid> {
    let Some(code) = code else {
        return id;
    };
    let found = match units::parse_code(code_field, code) {
        Ok(code) => by_code.get(&code).copied(),
        Err(error) => {
            errors.push(error);
            return None;
        }
    };
    match (found, id) {
        (None, _) => {
            errors.push(FieldError::new(
                code_field,
                "unknown_reference",
                "no unit has this code",
            ));
            None
        }
        (Some(found), Some(id)) if found != id => {
            errors.push(FieldError::new(
                code_field,
                "conflicting_reference",
                format!("names another unit than {id_field}; send one of them"),
            ));
            None
        }
        (Some(found), _) => Some(found),
    }
}

fn required_for_new(field: &str) -> FieldError {
    FieldError::new(
        field,
        "required",
        "is required for a new officer (no officer has this NIP)",
    )
}

fn duplicate(field: &str, first: usize) -> FieldError {
    FieldError::new(
        field,
        "duplicate_in_file",
        format!("the same {field} is already in row {first} of this file"),
    )
}

/// Imports officers. Administrators import into any unit; a unit operator only rows of their own unit: a row of
/// another unit (`forbidden_unit`), or whose NIP belongs to an officer of another unit (`other_unit`), is a row
/// error like any other, in every mode and in a dry run (the file is the operator's to import, only those rows are
/// not).
pub async fn import_participants<R>(
    pool: &DbPool,
    user: &AuthUser,
    options: ImportOptions,
    file: Input<ImportFile<ParticipantImport, R>>,
) -> Result<Result<ImportOutcome, R>, ApiError> {
    let permit = allow(user, &[Role::Admin, Role::UnitOperator])?;
    let scope = match user.role {
        Role::UnitOperator => Some(user.unit_id.ok_or_else(ApiError::forbidden)?),
        _ => None,
    };
    let rows = match file.open(&permit)? {
        Ok(rows) => rows,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let outcome = db::run(pool, move |conn| {
        if options.dry_run {
            participants_run(conn, scope, rows, options)
        } else {
            conn.transaction(|conn| participants_run(conn, scope, rows, options))
        }
    })
    .await?;
    tracing::info!(actor.id = %user.id, import.rows = outcome.rows.len(), import.dry_run = options.dry_run, "participants import");
    // The row report ties each NIP of the file to the officer who holds it: an access event naming them.
    let matched: Vec<Uuid> = outcome.rows.iter().filter_map(|r| r.id).collect();
    if !matched.is_empty() {
        audit_log::access(AccessEvent::nips_read(matched));
    }
    Ok(Ok(outcome))
}

fn participants_run(
    conn: &mut PgConnection,
    scope: Option<Uuid>,
    rows: Vec<ImportRow<ParticipantImport>>,
    options: ImportOptions,
) -> Result<ImportOutcome, ApiError> {
    let parsed = || rows.iter().filter_map(|r| r.input.as_ref().ok());
    let nips: Vec<String> = parsed().map(|p| p.nip.trim().to_owned()).collect();
    let codes: Vec<String> = parsed()
        .filter_map(|p| p.unit_code.as_deref())
        .filter_map(|c| units::parse_code("unit_code", c).ok())
        .collect();
    let by_code: HashMap<String, Uuid> = repo::units_by_code(conn, &codes)?
        .into_iter()
        .map(|u| (u.code, u.id))
        .collect();
    let mut unit_ids: Vec<Uuid> = parsed().filter_map(|p| p.unit_id).collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let existing: HashMap<String, ParticipantRow> = repo::participants_by_nip(conn, &nips)?
        .into_iter()
        .filter_map(|row| row.nip.clone().map(|nip| (nip, row)))
        .collect();
    let units = repo::existing_units(conn, &unit_ids)?;

    let mut results = Vec::with_capacity(rows.len());
    let mut writes: Vec<(usize, NewParticipantRow)> = Vec::new();
    let mut first_row_of: HashMap<String, usize> = HashMap::new();
    for ImportRow { row, line, input } in rows {
        let input = match input {
            Ok(input) => input,
            Err(errors) => {
                results.push(RowResult::error(row, line, errors));
                continue;
            }
        };
        let nip = input.nip.trim().to_owned();
        let current = existing.get(&nip);
        let mut errors = Vec::new();
        let named = named_unit(
            input.unit_id,
            input.unit_code.as_deref(),
            ("unit_id", "unit_code"),
            &by_code,
            &mut errors,
        );
        if let Some(own) = scope {
            let mut refused = Vec::new();
            if named.is_some_and(|unit| unit != own) {
                refused.push(FieldError::new(
                    if input.unit_code.is_some() {
                        "unit_code"
                    } else {
                        "unit_id"
                    },
                    "forbidden_unit",
                    "a unit operator imports only officers of their own unit",
                ));
            } else if current.is_some_and(|c| c.unit_id != own) {
                refused.push(FieldError::new(
                    "nip",
                    "other_unit",
                    "an officer of another unit has this NIP; only an administrator may change that record",
                ));
            }
            if !refused.is_empty() {
                results.push(RowResult::error(row, line, refused));
                continue;
            }
        }
        if let Some(&first) = first_row_of.get(&nip) {
            results.push(RowResult::error(row, line, vec![duplicate("nip", first)]));
            continue;
        }
        first_row_of.insert(nip, row);
        // A partial row (an existing officer's NIP and some columns) keeps the other values; a new officer needs
        // every required field, each one missing named.
        let full_name = input
            .full_name
            .or_else(|| current.map(|c| c.full_name.clone()));
        let sex = input.sex.or(current.map(|c| c.sex));
        let employee_type = input.employee_type.or(current.map(|c| c.employee_type));
        let unit_id = named.or(current.map(|c| c.unit_id));
        if current.is_none() {
            let missing = [
                ("full_name", full_name.is_none()),
                ("sex", sex.is_none()),
                ("employee_type", employee_type.is_none()),
                (
                    "unit_id",
                    unit_id.is_none() && input.unit_id.is_none() && input.unit_code.is_none(),
                ),
            ];
            errors.extend(
                missing
                    .into_iter()
                    .filter(|(_, missing)| *missing)
                    .map(|(field, _)| required_for_new(field)),
            );
        }
        let unknown_unit = input.unit_id.is_some_and(|id| !units.contains(&id));
        let checked = match (full_name, sex, employee_type, unit_id) {
            (Some(full_name), Some(sex), Some(employee_type), Some(unit_id)) => {
                participants::check_new(
                    NewParticipant {
                        nip: input.nip,
                        full_name,
                        sex,
                        employee_type,
                        grade: sent_or(input.grade, || current.and_then(|c| c.grade)),
                        position: sent_or(input.position, || {
                            current.and_then(|c| c.position.clone())
                        }),
                        position_kind: sent_or(input.position_kind, || {
                            current.and_then(|c| c.position_kind)
                        }),
                        unit_id,
                        email: sent_or(input.email, || current.and_then(|c| c.email.clone())),
                        phone: sent_or(input.phone, || current.and_then(|c| c.phone.clone())),
                    },
                    &mut errors,
                )
            }
            _ => None,
        };
        if unknown_unit {
            errors.push(participants::unknown_unit());
        }
        match (checked, current) {
            (Some(new), Some(current)) if errors.is_empty() => {
                if unchanged(current, &new) {
                    results.push(RowResult::new(
                        row,
                        line,
                        RowStatus::Unchanged,
                        Some(current.id),
                    ));
                } else {
                    results.push(RowResult::new(
                        row,
                        line,
                        RowStatus::Updated,
                        Some(current.id),
                    ));
                    writes.push((results.len() - 1, new));
                }
            }
            (Some(new), None) if errors.is_empty() => {
                results.push(RowResult::new(row, line, RowStatus::Created, None));
                writes.push((results.len() - 1, new));
            }
            _ => results.push(RowResult::error(row, line, errors)),
        }
    }

    let any_error = results.iter().any(|r| r.status == RowStatus::Error);
    let rejected = options.mode == ImportMode::AllOrNothing && any_error;
    if rejected || options.dry_run || writes.is_empty() {
        return Ok(ImportOutcome {
            rows: results,
            rejected,
        });
    }
    let new_rows: Vec<NewParticipantRow> = writes.iter().map(|(_, row)| row.clone()).collect();
    let written = repo::upsert_participants(conn, &new_rows, scope)?;
    if written.len() != new_rows.len() {
        // A concurrent change (another writer took a NIP of this file for an officer of another unit): nothing of
        // this import stays.
        return Err(ApiError::conflict(
            "import_conflict",
            "Another change to the same officers happened during the import; nothing was written. Retry the import.",
        ));
    }
    let ids: HashMap<String, Uuid> = written
        .into_iter()
        .filter_map(|(id, nip)| nip.map(|n| (n, id)))
        .collect();
    for (index, row) in &writes {
        results[*index].id = ids.get(&row.nip).copied();
    }
    tracing::info!(
        import.rows = results.len(),
        import.written = writes.len(),
        "participants imported"
    );
    Ok(ImportOutcome {
        rows: results,
        rejected: false,
    })
}

/// Why a units import ends its transaction without committing.
enum Abort {
    /// A dry run, or `all_or_nothing` with a bad row: everything is rolled back and the outcome reported.
    Rollback(ImportOutcome),
    Api(ApiError),
}

impl From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Abort::Api(e.into())
    }
}

impl From<ApiError> for Abort {
    fn from(e: ApiError) -> Self {
        Abort::Api(e)
    }
}

/// The change a unit row makes to the stored unit: only the fields that differ.
fn unit_patch(current: &UnitRow, new: &crate::service::units::NewUnit) -> UnitPatch {
    fn differs<T: PartialEq>(stored: T, new: T) -> Option<T> {
        (stored != new).then_some(new)
    }
    UnitPatch {
        code: None,
        name: differs(&current.name, &new.name).map(|_| new.name.clone()),
        unit_type: differs(current.unit_type, new.unit_type),
        class: differs(current.class, new.class),
        parent_id: differs(current.parent_id, new.parent_id),
        external_code: differs(&current.external_code, &new.external_code)
            .map(|_| new.external_code.clone()),
        active_from: differs(current.active_from, new.active_from),
        active_until: differs(current.active_until, new.active_until),
        archived: None,
    }
}

fn is_empty(patch: &UnitPatch) -> bool {
    patch.name.is_none()
        && patch.unit_type.is_none()
        && patch.class.is_none()
        && patch.parent_id.is_none()
        && patch.external_code.is_none()
        && patch.active_from.is_none()
        && patch.active_until.is_none()
}

/// The field errors of a refused single-unit write, or the error itself when it is not about the row.
fn row_errors(error: ApiError) -> Result<Vec<FieldError>, ApiError> {
    match error {
        ApiError::Validation(errors) => Ok(errors),
        ApiError::Conflict { errors, .. } if !errors.is_empty() => Ok(errors),
        other => Err(other),
    }
}

/// The parent a unit row names by `parent_id` and/or `parent_code` (a unit of the database, or of an earlier row:
/// the lookup runs in the import's transaction), with the meaning of `None` of [`UnitImport`]; or the row's errors.
fn parent_of(
    conn: &mut PgConnection,
    parent_id: Option<Option<Uuid>>,
    parent_code: Option<&Option<String>>,
) -> Result<Result<Option<Option<Uuid>>, Vec<FieldError>>, ApiError> {
    let Some(Some(code)) = parent_code else {
        // No code, or a null code: the id decides (a null code alone clears the parent).
        return Ok(Ok(match (parent_id, parent_code) {
            (None, Some(None)) => Some(None),
            (sent, _) => sent,
        }));
    };
    let by_code: HashMap<String, Uuid> = match units::parse_code("parent_code", code) {
        Ok(code) => repo::units_by_code(conn, std::slice::from_ref(&code))?
            .into_iter()
            .map(|u| (u.code, u.id))
            .collect(),
        Err(_) => HashMap::new(),
    };
    let mut errors = Vec::new();
    let found = named_unit(
        parent_id.flatten(),
        Some(code),
        ("parent_id", "parent_code"),
        &by_code,
        &mut errors,
    );
    Ok(if errors.is_empty() {
        Ok(Some(found))
    } else {
        Err(errors)
    })
}

/// Imports units (administrators only), matched by code.
pub async fn import_units<R>(
    pool: &DbPool,
    user: &AuthUser,
    options: ImportOptions,
    file: Input<ImportFile<UnitImport, R>>,
) -> Result<Result<ImportOutcome, R>, ApiError> {
    let permit = units::authorize_write(user)?;
    let rows = match file.open(&permit)? {
        Ok(rows) => rows,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let outcome = db::run(pool, move |conn| units_run(conn, rows, options)).await?;
    tracing::info!(actor.id = %user.id, import.rows = outcome.rows.len(), import.dry_run = options.dry_run, "units import");
    Ok(Ok(outcome))
}

fn units_run(
    conn: &mut PgConnection,
    rows: Vec<ImportRow<UnitImport>>,
    options: ImportOptions,
) -> Result<ImportOutcome, ApiError> {
    let result = conn.transaction::<_, Abort, _>(|conn| {
        let codes: Vec<String> = rows
            .iter()
            .filter_map(|r| r.input.as_ref().ok())
            .filter_map(|u| units::parse_code("code", &u.code).ok())
            .collect();
        let existing: HashMap<String, UnitRow> = repo::units_by_code(conn, &codes)?
            .into_iter()
            .map(|u| (u.code.clone(), u))
            .collect();
        let mut results = Vec::with_capacity(rows.len());
        let mut first_row_of: HashMap<String, usize> = HashMap::new();
        for ImportRow { row, line, input } in rows {
            let input = match input {
                Ok(input) => input,
                Err(errors) => {
                    results.push(RowResult::error(row, line, errors));
                    continue;
                }
            };
            let code = units::parse_code("code", &input.code).ok();
            if let Some(code) = &code {
                if let Some(&first) = first_row_of.get(code) {
                    results.push(RowResult::error(row, line, vec![duplicate("code", first)]));
                    continue;
                }
                first_row_of.insert(code.clone(), row);
            }
            let current = code.as_ref().and_then(|c| existing.get(c));
            let parent_id = match parent_of(conn, input.parent_id, input.parent_code.as_ref())? {
                Ok(parent_id) => parent_id,
                Err(errors) => {
                    results.push(RowResult::error(row, line, errors));
                    continue;
                }
            };
            let checked = units::check_new(UnitInput {
                code: input.code,
                name: input.name,
                unit_type: input.unit_type,
                class: sent_or(input.class, || current.and_then(|c| c.class)),
                parent_id: sent_or(parent_id, || current.and_then(|c| c.parent_id)),
                external_code: sent_or(input.external_code, || {
                    current.and_then(|c| c.external_code.clone())
                }),
                active_from: sent_or(input.active_from, || current.and_then(|c| c.active_from)),
                active_until: sent_or(input.active_until, || current.and_then(|c| c.active_until)),
            });
            let new = match checked {
                Ok(new) => new,
                Err(errors) => {
                    results.push(RowResult::error(row, line, errors));
                    continue;
                }
            };
            // Each write runs in a savepoint: a refused row leaves no trace in the transaction.
            let written = match current {
                None => units::insert(conn, new).map(|u| (RowStatus::Created, u.id)),
                Some(current) => {
                    let patch = unit_patch(current, &new);
                    if is_empty(&patch) {
                        Ok((RowStatus::Unchanged, current.id))
                    } else {
                        units::apply(conn, current.id, None, patch)
                            .map(|u| (RowStatus::Updated, u.id))
                    }
                }
            };
            match written {
                Ok((status, id)) => {
                    let shown = !(options.dry_run && status == RowStatus::Created);
                    results.push(RowResult::new(row, line, status, shown.then_some(id)));
                }
                Err(error) => results.push(RowResult::error(row, line, row_errors(error)?)),
            }
        }
        let any_error = results.iter().any(|r| r.status == RowStatus::Error);
        let rejected = options.mode == ImportMode::AllOrNothing && any_error;
        let outcome = ImportOutcome {
            rows: results,
            rejected,
        };
        if rejected || options.dry_run {
            return Err(Abort::Rollback(outcome));
        }
        Ok(outcome)
    });
    match result {
        Ok(outcome) => Ok(outcome),
        Err(Abort::Rollback(outcome)) => Ok(outcome),
        Err(Abort::Api(error)) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_errors_carry_their_row_in_the_field() {
        let outcome = ImportOutcome {
            rows: vec![
                RowResult::new(0, None, RowStatus::Created, None),
                RowResult::error(
                    1,
                    Some(3),
                    vec![
                        FieldError::new("nip", "invalid_format", "x"),
                        FieldError::new("", "invalid_type", "y"),
                    ],
                ),
            ],
            rejected: true,
        };
        let fields: Vec<String> = outcome
            .field_errors()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["[1].nip", "[1]"]);
        assert_eq!(outcome.counts(), [1, 0, 0, 1]);
    }

    #[test]
    fn a_field_not_sent_keeps_the_stored_value_and_null_clears_it() {
        assert_eq!(sent_or(None, || Some(3)), Some(3));
        assert_eq!(sent_or(Some(None), || Some(3)), None);
        assert_eq!(sent_or(Some(Some(4)), || Some(3)), Some(4));
    }
}
