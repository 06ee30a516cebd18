//! User accounts: creation, listing, changes that revoke tokens, deactivation. Administrators only; `me` is the
//! caller's own account.
//!
//! Writes to `users` fire triggers that append `user.*` to the audit log (not the change feed; the password hash
//! shows as redacted), and a changed display name or username marks stale the snapshots of the events whose
//! instruments the user facilitates (migrations 000008, 000011). `refresh_tokens` has no trigger.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use diesel::Connection;
use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::password;
use crate::auth::{AuthCache, AuthUser};
use crate::db;
use crate::domain::page::{ListRequest, Page};
use crate::domain::role::Role;
use crate::domain::sort::UserSort;
use crate::domain::user::{NewPassword, Username};
use crate::error::{ApiError, FieldError};
use crate::repo::refresh_tokens;
use crate::repo::users::{self, NewUserRow, UserChanges, UserRow};
use crate::service::{DbPool, Input, Permit, allow};

pub use crate::repo::users::UserFilter;

/// A checked request to create a user.
#[derive(Debug)]
pub struct NewUser {
    pub username: Username,
    pub password: NewPassword,
    pub role: Role,
    pub display_name: Option<String>,
    pub unit_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
}

/// A checked partial update. `None` leaves a field unchanged; `Some(None)` clears it.
#[derive(Debug, Default)]
pub struct UserPatch {
    pub role: Option<Role>,
    pub display_name: Option<Option<String>>,
    pub unit_id: Option<Option<Uuid>>,
    pub participant_id: Option<Option<Uuid>>,
    pub is_active: Option<bool>,
    pub password: Option<NewPassword>,
}

/// A user account as the service shows it (never its password hash).
#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
    pub is_active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            role: row.role,
            unit_id: row.unit_id,
            participant_id: row.participant_id,
            is_active: row.is_active,
            last_login_at: row.last_login_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A unit by id, code and name.
#[derive(Debug, Clone)]
pub struct UnitLink {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// A participant by id and name.
#[derive(Debug, Clone)]
pub struct ParticipantLink {
    pub id: Uuid,
    pub full_name: String,
}

/// The caller's account with its unit and linked participant.
#[derive(Debug, Clone)]
pub struct Me {
    pub user: User,
    pub unit: Option<UnitLink>,
    pub participant: Option<ParticipantLink>,
}

/// A request for a page of user accounts.
pub type UserList = ListRequest<UserFilter, UserSort>;

/// User accounts are managed by administrators only.
fn authorize(user: &AuthUser) -> Result<Permit, ApiError> {
    allow(user, &[Role::Admin])
}

/// Hashes off the database connection (tens of ms of CPU), then inserts.
pub async fn create(
    pool: &DbPool,
    user: &AuthUser,
    input: Input<NewUser>,
) -> Result<User, ApiError> {
    let NewUser {
        username,
        password: pw,
        role,
        display_name,
        unit_id,
        participant_id,
    } = input.open(&authorize(user)?)?;
    let hash = actix_web::web::block(move || password::hash(pw.expose())).await??;
    let row = NewUserRow {
        id: Uuid::new_v4(),
        username: username.into_inner(),
        password_hash: hash,
        role,
        display_name,
        unit_id,
        participant_id,
    };
    let created = db::run(pool, move |conn| {
        conn.transaction(|conn| {
            check_links(conn, role, row.unit_id, row.participant_id)?;
            Ok(users::insert(conn, &row)?)
        })
    })
    .await?;
    tracing::info!(user.id = %created.id, actor.id = %user.id, "user created");
    Ok(User::from(created))
}

/// Checks the rules that tie a role to its unit and participant, and that the referenced rows exist; every
/// broken rule is reported at once.
fn check_links(
    conn: &mut PgConnection,
    role: Role,
    unit_id: Option<Uuid>,
    participant_id: Option<Uuid>,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    match unit_id {
        None if role == Role::UnitOperator => errors.push(FieldError::new(
            "unit_id",
            "required",
            "a unit_operator account needs the unit it operates for",
        )),
        Some(id) if !users::unit_exists(conn, id)? => errors.push(FieldError::new(
            "unit_id",
            "unknown_reference",
            "no unit has this id",
        )),
        _ => {}
    }
    if let Some(id) = participant_id
        && !users::participant_exists(conn, id)?
    {
        errors.push(FieldError::new(
            "participant_id",
            "unknown_reference",
            "no participant has this id",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// A user account of a person. The technical users of service accounts are not user accounts here (404): they
/// are managed through `/api/v1/clients`.
fn find(conn: &mut PgConnection, id: Uuid) -> Result<UserRow, ApiError> {
    users::find(conn, id)?
        .filter(|u| !u.service_account)
        .ok_or_else(|| ApiError::not_found("User"))
}

pub async fn get(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<User, ApiError> {
    let _permit = authorize(user)?;
    db::read(pool, move |conn| find(conn, id).map(User::from)).await
}

pub async fn list(
    pool: &DbPool,
    user: &AuthUser,
    request: Input<UserList>,
) -> Result<Page<User>, ApiError> {
    let request = request.open(&authorize(user)?)?;
    db::read(pool, move |conn| {
        let (rows, total) = users::list(conn, &request)?;
        Ok(Page::new(rows, total, request.page).map(User::from))
    })
    .await
}

/// Applies a patch under optimistic concurrency. A role change, a new password or a deactivation revokes every
/// token the user holds, in the same transaction; `cache` (this process's) forgets the account at once.
pub async fn update(
    pool: &DbPool,
    cache: &AuthCache,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    patch: Input<UserPatch>,
) -> Result<User, ApiError> {
    let patch = patch.open(&authorize(actor)?)?;
    let updated = apply(pool, cache, actor, id, expected_version, patch).await?;
    tracing::info!(user.id = %id, actor.id = %actor.id, "user changed");
    Ok(updated)
}

async fn apply(
    pool: &DbPool,
    cache: &AuthCache,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    patch: UserPatch,
) -> Result<User, ApiError> {
    if id == actor.id {
        let demotes = patch.role.is_some_and(|r| r != actor.role);
        let deactivates = patch.is_active == Some(false);
        if demotes || deactivates {
            return Err(ApiError::conflict(
                "cannot_change_own_access",
                "You cannot change your own role or deactivate your own account; ask another administrator.",
            ));
        }
    }
    let password_hash = match patch.password {
        Some(pw) => Some(actix_web::web::block(move || password::hash(pw.expose())).await??),
        None => None,
    };
    let UserPatch {
        role,
        display_name,
        unit_id,
        participant_id,
        is_active,
        password: _,
    } = patch;
    let updated = db::run(pool, move |conn| {
        conn.transaction(|conn| {
            let current = find(conn, id)?;
            if expected_version.is_some_and(|v| v != current.version) {
                return Err(ApiError::PreconditionFailed);
            }
            let current_role = current.role;
            let new_role = role.unwrap_or(current_role);
            let new_unit = unit_id.unwrap_or(current.unit_id);
            let new_participant = participant_id.unwrap_or(current.participant_id);
            // The role rule applies to the resulting unit, also when the patch leaves the unit alone.
            check_links(
                conn,
                new_role,
                new_unit,
                participant_id.and(new_participant),
            )?;
            if new_role == Role::UnitOperator && new_unit.is_none() {
                return Err(ApiError::field(
                    "unit_id",
                    "required",
                    "a unit_operator account needs the unit it operates for",
                ));
            }
            let revoke = role.is_some_and(|r| r != current_role)
                || is_active == Some(false) && current.is_active
                || password_hash.is_some();
            let changes = UserChanges {
                role,
                display_name,
                unit_id,
                participant_id,
                is_active,
                password_hash,
            };
            let updated = users::update(conn, id, Some(current.version), &changes, revoke)?
                .ok_or(ApiError::PreconditionFailed)?;
            if revoke {
                refresh_tokens::revoke_all_for_user(conn, id)?;
            }
            Ok(updated)
        })
    })
    .await?;
    // Role, unit, activity and token version may have changed: this process forgets what it knew at once.
    cache.invalidate(id);
    Ok(User::from(updated))
}

/// Deactivates an account (accounts are never deleted: they are referenced by events and audit records).
pub async fn deactivate(
    pool: &DbPool,
    cache: &AuthCache,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let _permit = authorize(actor)?;
    let patch = UserPatch {
        is_active: Some(false),
        ..UserPatch::default()
    };
    apply(pool, cache, actor, id, expected_version, patch).await?;
    tracing::info!(user.id = %id, actor.id = %actor.id, "user deactivated");
    Ok(())
}

/// Creates an administrator, or resets the password of an existing account and makes it an active admin.
/// Used by the `create-admin` command. Returns true when the account was created.
pub fn create_or_reset_admin(
    conn: &mut PgConnection,
    username: &Username,
    password_hash: String,
) -> Result<bool, ApiError> {
    conn.transaction(
        |conn| match users::find_by_username(conn, username.as_str())? {
            Some(existing) if existing.service_account => Err(ApiError::conflict(
                "service_account",
                "This username belongs to a service account, which cannot become an administrator.",
            )),
            Some(existing) => {
                let changes = UserChanges {
                    role: Some(Role::Admin),
                    is_active: Some(true),
                    password_hash: Some(password_hash),
                    ..UserChanges::default()
                };
                users::update(conn, existing.id, None, &changes, true)?;
                refresh_tokens::revoke_all_for_user(conn, existing.id)?;
                Ok(false)
            }
            None => {
                users::insert(
                    conn,
                    &NewUserRow {
                        id: Uuid::new_v4(),
                        username: username.as_str().to_owned(),
                        password_hash,
                        role: Role::Admin,
                        display_name: Some(Cow::Borrowed("Administrator").into_owned()),
                        unit_id: None,
                        participant_id: None,
                    },
                )?;
                Ok(true)
            }
        },
    )
}

/// The caller's account with its unit (id, code, name) and linked participant (id, name). Every signed-in caller
/// reads their own.
pub async fn me(pool: &DbPool, user: &AuthUser) -> Result<Me, ApiError> {
    let _permit = Permit::granted();
    let id = user.id;
    db::read(pool, move |conn| {
        let row = find(conn, id)?;
        let (unit, participant) = users::me_links(conn, row.unit_id, row.participant_id)?;
        Ok(Me {
            user: User::from(row),
            unit: unit.map(|(id, code, name)| UnitLink { id, code, name }),
            participant: participant.map(|(id, full_name)| ParticipantLink { id, full_name }),
        })
    })
    .await
}
