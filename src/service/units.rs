//! Units: the Kanwil and its UPTs, with the hierarchy rules (a Pos Bapas belongs to a Bapas, a Kanwil has no
//! parent, other UPTs may belong to a Kanwil, no unit is its own ancestor). Anyone signed in reads units (they
//! are not personal data); only administrators change them. A unit that anything refers to is archived, not
//! deleted.
//!
//! Writes to `units` fire triggers that append `unit.*` to the audit log and `unit` to the change feed; a rename
//! also marks every event snapshot stale, since unit names are in every report and result line (migrations 000008,
//! 000011).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::Connection;
use diesel::pg::PgConnection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::enums::{UnitClass, UnitType};
use crate::domain::page::{ListRequest, Page};
use crate::domain::role::Role;
use crate::domain::sort::UnitSort;
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::repo::units::{self, NewUnitRow, UnitChanges, UnitRow};
use crate::service::{DbPool, Input, Permit, allow};

pub use crate::repo::units::UnitFilter;

/// A unit as the service shows it.
#[derive(Debug, Clone)]
pub struct Unit {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub unit_type: UnitType,
    pub class: Option<UnitClass>,
    pub parent_id: Option<Uuid>,
    pub external_code: Option<String>,
    pub active_from: Option<NaiveDate>,
    pub active_until: Option<NaiveDate>,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UnitRow> for Unit {
    fn from(row: UnitRow) -> Self {
        Self {
            id: row.id,
            code: row.code,
            name: row.name,
            unit_type: row.unit_type,
            class: row.class,
            parent_id: row.parent_id,
            external_code: row.external_code,
            active_from: row.active_from,
            active_until: row.active_until,
            archived_at: row.archived_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A request for a page of units.
pub type UnitList = ListRequest<UnitFilter, UnitSort>;

/// How many ancestors the cycle check follows before it gives up (and refuses). The type rules allow three levels.
const MAX_DEPTH: usize = 64;

/// A checked request to create a unit.
#[derive(Debug)]
pub struct NewUnit {
    pub code: String,
    pub name: String,
    pub unit_type: UnitType,
    pub class: Option<UnitClass>,
    pub parent_id: Option<Uuid>,
    pub external_code: Option<String>,
    pub active_from: Option<NaiveDate>,
    pub active_until: Option<NaiveDate>,
}

/// A checked partial update. `None` leaves a field unchanged; `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct UnitPatch {
    pub code: Option<String>,
    pub name: Option<String>,
    pub unit_type: Option<UnitType>,
    pub class: Option<Option<UnitClass>>,
    pub parent_id: Option<Option<Uuid>>,
    pub external_code: Option<Option<String>>,
    pub active_from: Option<Option<NaiveDate>>,
    pub active_until: Option<Option<NaiveDate>>,
    /// `true` archives the unit (keeping an earlier archive time), `false` restores it.
    pub archived: Option<bool>,
}

/// A unit as sent, before the checks of [`check_new`].
#[derive(Debug, Clone)]
pub struct UnitInput {
    pub code: String,
    pub name: String,
    pub unit_type: UnitType,
    pub class: Option<UnitClass>,
    pub parent_id: Option<Uuid>,
    pub external_code: Option<String>,
    pub active_from: Option<NaiveDate>,
    pub active_until: Option<NaiveDate>,
}

/// Trims and upper-cases a unit code, then checks it against the pattern.
pub fn parse_code(field: &str, input: &str) -> Result<String, FieldError> {
    let value = input.trim().to_ascii_uppercase();
    let len = value.chars().count();
    if len == 0 {
        return Err(FieldError::new(field, "too_short", "must not be empty"));
    }
    if len > 32 {
        return Err(FieldError::new(
            field,
            "too_long",
            "must be at most 32 characters",
        ));
    }
    let mut chars = value.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let rest_ok = chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "._-".contains(c));
    if !(first_ok && rest_ok) {
        return Err(FieldError::new(
            field,
            "invalid_format",
            "may contain only letters, digits, `.`, `_` and `-`, and must start with a letter or digit",
        ));
    }
    Ok(value)
}

/// Trims a short text that may not be empty.
pub fn parse_bounded(field: &str, input: &str, max: usize) -> Result<String, FieldError> {
    let value = input.trim();
    match value.chars().count() {
        0 => Err(FieldError::new(field, "too_short", "must not be empty")),
        n if n > max => Err(FieldError::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        )),
        _ => Ok(value.to_owned()),
    }
}

/// The checks of a new unit that need no database (code, name, external code, parent presence, active period),
/// every offending field at once. Used by the create operation and by the bulk import.
pub fn check_new(input: UnitInput) -> Result<NewUnit, Vec<FieldError>> {
    let mut errors = Vec::new();
    let code = parse_code("code", &input.code)
        .map_err(|e| errors.push(e))
        .ok();
    let name = text::required("name", &input.name, 200)
        .map_err(|e| errors.push(e))
        .ok();
    let external_code = input.external_code.and_then(|c| {
        parse_bounded("external_code", &c, 64)
            .map_err(|e| errors.push(e))
            .ok()
    });
    errors.extend(parent_presence_error(input.unit_type, input.parent_id));
    errors.extend(period_error(input.active_from, input.active_until));
    match (code, name) {
        (Some(code), Some(name)) if errors.is_empty() => Ok(NewUnit {
            code,
            name,
            unit_type: input.unit_type,
            class: input.class,
            parent_id: input.parent_id,
            external_code,
            active_from: input.active_from,
            active_until: input.active_until,
        }),
        _ => Err(errors),
    }
}

/// Units are not personal data: every signed-in role reads them.
fn authorize_read(_user: &AuthUser) -> Permit {
    Permit::granted()
}

/// Only administrators create, change, archive or delete units (also by import).
pub(crate) fn authorize_write(user: &AuthUser) -> Result<Permit, ApiError> {
    allow(user, &[Role::Admin])
}

/// The type a parent of a unit of this type must have; `None` when the unit may have no parent (a Kanwil). The
/// parent is required for a Pos Bapas and optional otherwise.
fn parent_type_for(unit_type: UnitType) -> Option<UnitType> {
    match unit_type {
        UnitType::Kanwil => None,
        UnitType::PosBapas => Some(UnitType::Bapas),
        _ => Some(UnitType::Kanwil),
    }
}

/// The rule that needs no database: a Kanwil has no parent, a Pos Bapas needs one.
pub fn parent_presence_error(unit_type: UnitType, parent_id: Option<Uuid>) -> Option<FieldError> {
    match (unit_type, parent_id) {
        (UnitType::Kanwil, Some(_)) => Some(FieldError::new(
            "parent_id",
            "not_allowed",
            "a kanwil is the top of the hierarchy and has no parent unit",
        )),
        (UnitType::PosBapas, None) => Some(FieldError::new(
            "parent_id",
            "required",
            "a pos_bapas belongs to a bapas: give the bapas as parent_id",
        )),
        _ => None,
    }
}

/// The rule on the active period.
pub fn period_error(from: Option<NaiveDate>, until: Option<NaiveDate>) -> Option<FieldError> {
    match (from, until) {
        (Some(from), Some(until)) if until < from => Some(FieldError::new(
            "active_until",
            "out_of_range",
            "must be on or after active_from",
        )),
        _ => None,
    }
}

/// True when `unit` is `start` or one of its ancestors.
fn is_self_or_ancestor(conn: &mut PgConnection, unit: Uuid, start: Uuid) -> Result<bool, ApiError> {
    let mut current = start;
    for _ in 0..MAX_DEPTH {
        if current == unit {
            return Ok(true);
        }
        match units::parent_of(conn, current)?.flatten() {
            Some(parent) => current = parent,
            None => return Ok(false),
        }
    }
    // A chain this long cannot come from the type rules: refuse rather than guess.
    Ok(true)
}

/// Checks the parent of a unit of type `unit_type` (with id `unit` when it exists already). The parent is locked
/// (`FOR SHARE`) so that its type cannot change before the transaction ends.
fn check_parent(
    conn: &mut PgConnection,
    unit: Option<Uuid>,
    unit_type: UnitType,
    parent_id: Option<Uuid>,
    parent_is_new: bool,
    errors: &mut Vec<FieldError>,
) -> Result<(), ApiError> {
    if let Some(error) = parent_presence_error(unit_type, parent_id) {
        errors.push(error);
        return Ok(());
    }
    let (Some(parent_id), Some(expected)) = (parent_id, parent_type_for(unit_type)) else {
        return Ok(());
    };
    if let Some(unit) = unit
        && is_self_or_ancestor(conn, unit, parent_id)?
    {
        errors.push(FieldError::new(
            "parent_id",
            "cycle",
            "a unit cannot be its own parent or ancestor",
        ));
        return Ok(());
    }
    let Some(parent) = units::find_link_for_share(conn, parent_id)? else {
        errors.push(FieldError::new(
            "parent_id",
            "unknown_reference",
            "no unit has this id",
        ));
        return Ok(());
    };
    if parent.unit_type != expected {
        errors.push(FieldError::new(
            "parent_id",
            "invalid_parent",
            format!(
                "a {unit_type} can only belong to a {expected}, and this parent is a {}",
                parent.unit_type
            ),
        ));
    } else if parent_is_new && parent.archived_at.is_some() {
        errors.push(FieldError::new(
            "parent_id",
            "archived",
            "the parent unit is archived and takes no new units",
        ));
    }
    Ok(())
}

/// A unit's type may change only if its children can still belong to it.
fn check_children(
    conn: &mut PgConnection,
    unit: Uuid,
    new_type: UnitType,
    errors: &mut Vec<FieldError>,
) -> Result<(), ApiError> {
    let mismatched = units::child_types(conn, unit)?
        .into_iter()
        .any(|child| parent_type_for(child) != Some(new_type));
    if mismatched {
        errors.push(FieldError::new(
            "type",
            "has_children",
            "the unit has child units that could not belong to a unit of this type",
        ));
    }
    Ok(())
}

pub async fn create(
    pool: &DbPool,
    user: &AuthUser,
    input: Input<NewUnit>,
) -> Result<Unit, ApiError> {
    let input = input.open(&authorize_write(user)?)?;
    let unit = db::run(pool, move |conn| insert(conn, input)).await?;
    tracing::info!(unit.id = %unit.id, actor.id = %user.id, "unit created");
    Ok(unit)
}

/// Creates a unit in the caller's transaction (the create operation and the bulk import, both authorized).
pub(crate) fn insert(conn: &mut PgConnection, input: NewUnit) -> Result<Unit, ApiError> {
    let mut errors = Vec::new();
    errors.extend(period_error(input.active_from, input.active_until));
    let row = NewUnitRow {
        id: Uuid::new_v4(),
        code: input.code,
        name: input.name,
        unit_type: input.unit_type,
        class: input.class,
        parent_id: input.parent_id,
        external_code: input.external_code,
        active_from: input.active_from,
        active_until: input.active_until,
    };
    conn.transaction(|conn| {
        check_parent(
            conn,
            None,
            input.unit_type,
            row.parent_id,
            true,
            &mut errors,
        )?;
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(Unit::from(units::insert(conn, &row)?))
    })
}

pub async fn get(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<Unit, ApiError> {
    let _permit = authorize_read(user);
    db::read(pool, move |conn| {
        units::find(conn, id)?
            .map(Unit::from)
            .ok_or_else(|| ApiError::not_found("Unit"))
    })
    .await
}

pub async fn list(
    pool: &DbPool,
    user: &AuthUser,
    request: Input<UnitList>,
) -> Result<Page<Unit>, ApiError> {
    let request = request.open(&authorize_read(user))?;
    db::read(pool, move |conn| {
        let (rows, total) = units::list(conn, &request)?;
        Ok(Page::new(rows, total, request.page).map(Unit::from))
    })
    .await
}

/// Applies a patch under optimistic concurrency, with the hierarchy rules checked against the result.
pub async fn update(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    patch: Input<UnitPatch>,
) -> Result<Unit, ApiError> {
    let patch = patch.open(&authorize_write(user)?)?;
    let unit = db::run(pool, move |conn| apply(conn, id, expected_version, patch)).await?;
    tracing::info!(unit.id = %id, actor.id = %user.id, "unit changed");
    Ok(unit)
}

/// Changes a unit in the caller's transaction (the update operation and the bulk import, both authorized).
pub(crate) fn apply(
    conn: &mut PgConnection,
    id: Uuid,
    expected_version: Option<i32>,
    patch: UnitPatch,
) -> Result<Unit, ApiError> {
    conn.transaction(|conn| {
        let current =
            units::find_for_update(conn, id)?.ok_or_else(|| ApiError::not_found("Unit"))?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let current_type = current.unit_type;
        let new_type = patch.unit_type.unwrap_or(current_type);
        let new_parent = patch.parent_id.unwrap_or(current.parent_id);
        let mut errors = Vec::new();
        if patch.unit_type.is_some() || patch.parent_id.is_some() {
            let parent_is_new = new_parent != current.parent_id;
            check_parent(
                conn,
                Some(id),
                new_type,
                new_parent,
                parent_is_new,
                &mut errors,
            )?;
        }
        if new_type != current_type {
            check_children(conn, id, new_type, &mut errors)?;
        }
        errors.extend(period_error(
            patch.active_from.unwrap_or(current.active_from),
            patch.active_until.unwrap_or(current.active_until),
        ));
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let archived_at = match (patch.archived, current.archived_at) {
            (Some(true), None) => Some(Some(Utc::now())),
            (Some(false), Some(_)) => Some(None),
            _ => None,
        };
        let changes = UnitChanges {
            code: patch.code,
            name: patch.name,
            unit_type: patch.unit_type,
            class: patch.class,
            parent_id: patch.parent_id,
            external_code: patch.external_code,
            active_from: patch.active_from,
            active_until: patch.active_until,
            archived_at,
        };
        units::update(conn, id, &changes)?
            .map(Unit::from)
            .ok_or_else(|| ApiError::not_found("Unit"))
    })
}

/// Deletes a unit nothing refers to. A unit with participants, users, events, quotas or child units is refused
/// with 409 `in_use`: archive it instead (`PATCH {"archived": true}`).
pub async fn delete(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let _permit = authorize_write(user)?;
    db::run(pool, move |conn| remove(conn, id, expected_version)).await?;
    tracing::info!(unit.id = %id, actor.id = %user.id, "unit deleted");
    Ok(())
}

fn remove(
    conn: &mut PgConnection,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    conn.transaction(|conn| {
        // The row lock also makes new references (which take a key-share lock) wait until this ends.
        let current =
            units::find_for_update(conn, id)?.ok_or_else(|| ApiError::not_found("Unit"))?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let refs = units::references(conn, id)?;
        if refs.any() {
            let kinds: Vec<&str> = [
                (refs.participants, "participants"),
                (refs.users, "user accounts"),
                (refs.events, "events"),
                (refs.quotas, "event quotas"),
                (refs.children, "child units"),
            ]
            .into_iter()
            .filter_map(|(present, name)| present.then_some(name))
            .collect();
            return Err(in_use(&kinds.join(", ")));
        }
        match units::delete(conn, id) {
            Ok(_) => Ok(()),
            Err(DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
                Err(in_use("other records"))
            }
            Err(other) => Err(other.into()),
        }
    })
}

fn in_use(what: &str) -> ApiError {
    ApiError::conflict(
        "in_use",
        format!(
            "The unit is referenced by {what} and cannot be deleted; archive it instead with PATCH {{\"archived\": true}}."
        ),
    )
}
