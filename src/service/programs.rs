//! Programs: training tracks that group events (an event belongs to at most one program). Anyone signed in reads
//! them; administrators and organizers write them. A program with events is archived, not deleted.

use std::borrow::Cow;

use chrono::Utc;
use diesel::Connection;
use diesel::pg::PgConnection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use crate::repo::programs::{
    self, NewProgramRow, ProgramChanges, ProgramFilter, ProgramOrder, ProgramWithCount,
};

/// The unique constraint on (name, year).
const NAME_YEAR_KEY: &str = "programs_name_year_key";

/// A checked request to create a program.
#[derive(Debug)]
pub struct NewProgram {
    pub name: String,
    pub year: i32,
    pub description: Option<String>,
}

/// A checked partial update. `None` leaves a field unchanged; `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct ProgramPatch {
    pub name: Option<String>,
    pub year: Option<i32>,
    pub description: Option<Option<String>>,
    /// `true` archives the program (keeping an earlier archive time), `false` restores it.
    pub archived: Option<bool>,
}

/// Programs are not personal data: every signed-in role reads them.
pub fn authorize_read(_user: &AuthUser) -> Result<(), ApiError> {
    Ok(())
}

/// Administrators and organizers create, change, archive and delete programs.
pub fn authorize_write(user: &AuthUser) -> Result<(), ApiError> {
    user.require(&[Role::Admin, Role::Organizer])
}

/// A taken (name, year) names both fields; other database errors map as usual.
fn map_write_error(err: DieselError) -> ApiError {
    match &err {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name() == Some(NAME_YEAR_KEY) =>
        {
            ApiError::Conflict {
                code: "already_exists",
                detail: Cow::Borrowed("A program with this name already exists in this year."),
                errors: vec![
                    FieldError::new("name", "already_exists", "is already taken in this year"),
                    FieldError::new(
                        "year",
                        "already_exists",
                        "already has a program of this name",
                    ),
                ],
            }
        }
        _ => err.into(),
    }
}

pub fn create(
    conn: &mut PgConnection,
    user: &AuthUser,
    input: NewProgram,
) -> Result<ProgramWithCount, ApiError> {
    authorize_write(user)?;
    let row = NewProgramRow {
        id: Uuid::new_v4(),
        name: input.name,
        year: input.year,
        description: input.description,
    };
    let program = programs::insert(conn, &row).map_err(map_write_error)?;
    Ok(ProgramWithCount {
        program,
        event_count: 0,
    })
}

pub fn get(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
) -> Result<ProgramWithCount, ApiError> {
    authorize_read(user)?;
    programs::find(conn, id)?.ok_or_else(|| ApiError::not_found("Program"))
}

pub fn list(
    conn: &mut PgConnection,
    user: &AuthUser,
    filter: &ProgramFilter,
    order: ProgramOrder,
    page: PageRequest,
) -> Result<Page<ProgramWithCount>, ApiError> {
    authorize_read(user)?;
    let (rows, total) = programs::list(conn, filter, order, page.limit, page.offset)?;
    Ok(Page::new(rows, total, page))
}

/// Applies a patch under optimistic concurrency.
pub fn update(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    patch: ProgramPatch,
) -> Result<ProgramWithCount, ApiError> {
    authorize_write(user)?;
    conn.transaction(|conn| {
        let current =
            programs::find_for_update(conn, id)?.ok_or_else(|| ApiError::not_found("Program"))?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let archived_at = match (patch.archived, current.archived_at) {
            (Some(true), None) => Some(Some(Utc::now())),
            (Some(false), Some(_)) => Some(None),
            _ => None,
        };
        let changes = ProgramChanges {
            name: patch.name,
            year: patch.year,
            description: patch.description,
            archived_at,
        };
        programs::update(conn, id, &changes)
            .map_err(map_write_error)?
            .ok_or_else(|| ApiError::not_found("Program"))?;
        programs::find(conn, id)?.ok_or_else(|| ApiError::not_found("Program"))
    })
}

/// Deletes a program without events. A program with events is refused with 409 `in_use`: archive it instead
/// (`PATCH {"archived": true}`).
pub fn delete(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    authorize_write(user)?;
    conn.transaction(|conn| {
        // The row lock also makes a new event of this program (which takes a key-share lock) wait until this ends.
        let current =
            programs::find_for_update(conn, id)?.ok_or_else(|| ApiError::not_found("Program"))?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let in_use = || {
            ApiError::conflict(
                "in_use",
                "The program has events and cannot be deleted; archive it instead with PATCH {\"archived\": true}.",
            )
        };
        if programs::has_events(conn, id)? {
            return Err(in_use());
        }
        match programs::delete(conn, id) {
            Ok(_) => Ok(()),
            Err(DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
                Err(in_use())
            }
            Err(other) => Err(other.into()),
        }
    })
}
