//! Programs: training tracks that group events (an event belongs to at most one program). Anyone signed in reads
//! them; administrators and organizers write them. A program with events is archived, not deleted.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use diesel::Connection;
use diesel::pg::PgConnection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::page::{ListRequest, Page};
use crate::domain::role::Role;
use crate::domain::sort::ProgramSort;
use crate::error::{ApiError, FieldError};
use crate::repo::programs::{self, NewProgramRow, ProgramChanges, ProgramWithCount};
use crate::service::{DbPool, Input, Permit, allow};

pub use crate::repo::programs::ProgramFilter;

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

/// Administrators and organizers create, change, archive and delete programs.
fn authorize_write(user: &AuthUser) -> Result<Permit, ApiError> {
    allow(user, &[Role::Admin, Role::Organizer])
}

/// Programs are not personal data: every signed-in role reads them.
fn authorize_read(_user: &AuthUser) -> Permit {
    Permit::granted()
}

/// A program as the service shows it, with the number of its events.
#[derive(Debug, Clone)]
pub struct Program {
    pub id: Uuid,
    pub name: String,
    pub year: i32,
    pub description: Option<String>,
    pub event_count: i64,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ProgramWithCount> for Program {
    fn from(row: ProgramWithCount) -> Self {
        let p = row.program;
        Self {
            id: p.id,
            name: p.name,
            year: p.year,
            description: p.description,
            event_count: row.event_count,
            archived_at: p.archived_at,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A request for a page of programs.
pub type ProgramList = ListRequest<ProgramFilter, ProgramSort>;

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

pub async fn create(
    pool: &DbPool,
    user: &AuthUser,
    input: Input<NewProgram>,
) -> Result<Program, ApiError> {
    let input = input.open(&authorize_write(user)?)?;
    let program = db::run(pool, move |conn| insert(conn, input)).await?;
    tracing::info!(program.id = %program.id, actor.id = %user.id, "program created");
    Ok(program)
}

fn insert(conn: &mut PgConnection, input: NewProgram) -> Result<Program, ApiError> {
    let row = NewProgramRow {
        id: Uuid::new_v4(),
        name: input.name,
        year: input.year,
        description: input.description,
    };
    let program = programs::insert(conn, &row).map_err(map_write_error)?;
    Ok(Program::from(ProgramWithCount {
        program,
        event_count: 0,
    }))
}

pub async fn get(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<Program, ApiError> {
    let _permit = authorize_read(user);
    db::read(pool, move |conn| {
        programs::find(conn, id)?
            .map(Program::from)
            .ok_or_else(|| ApiError::not_found("Program"))
    })
    .await
}

pub async fn list(
    pool: &DbPool,
    user: &AuthUser,
    request: Input<ProgramList>,
) -> Result<Page<Program>, ApiError> {
    let request = request.open(&authorize_read(user))?;
    db::read(pool, move |conn| {
        let (rows, total) = programs::list(conn, &request)?;
        Ok(Page::new(rows, total, request.page).map(Program::from))
    })
    .await
}

/// Applies a patch under optimistic concurrency.
pub async fn update(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    patch: Input<ProgramPatch>,
) -> Result<Program, ApiError> {
    let patch = patch.open(&authorize_write(user)?)?;
    let program = db::run(pool, move |conn| apply(conn, id, expected_version, patch)).await?;
    tracing::info!(program.id = %id, actor.id = %user.id, "program changed");
    Ok(program)
}

fn apply(
    conn: &mut PgConnection,
    id: Uuid,
    expected_version: Option<i32>,
    patch: ProgramPatch,
) -> Result<Program, ApiError> {
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
        programs::find(conn, id)?
            .map(Program::from)
            .ok_or_else(|| ApiError::not_found("Program"))
    })
}

/// Deletes a program without events. A program with events is refused with 409 `in_use`: archive it instead
/// (`PATCH {"archived": true}`).
pub async fn delete(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let _permit = authorize_write(user)?;
    db::run(pool, move |conn| remove(conn, id, expected_version)).await?;
    tracing::info!(program.id = %id, actor.id = %user.id, "program deleted");
    Ok(())
}

fn remove(
    conn: &mut PgConnection,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
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
