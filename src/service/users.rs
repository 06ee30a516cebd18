//! User accounts: creation, listing, changes that revoke tokens, deactivation.
//!
//! Writes to `users` fire triggers that append `user.*` to the audit log (not the change feed; the password hash
//! shows as redacted), and a changed display name or username marks stale the snapshots of the events whose
//! instruments the user facilitates (migrations 000008, 000011). `refresh_tokens` has no trigger.

use std::borrow::Cow;

use diesel::Connection;
use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::auth::password;
use crate::db;
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::domain::user::{NewPassword, Username};
use crate::error::{ApiError, FieldError};
use crate::repo::refresh_tokens;
use crate::repo::users::{self, NewUserRow, UserChanges, UserFilter, UserOrder, UserRow};
use crate::state::AppState;

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

/// Hashes off the database connection (tens of ms of CPU), then inserts.
pub async fn create(state: &AppState, input: NewUser) -> Result<UserRow, ApiError> {
    let NewUser {
        username,
        password: pw,
        role,
        display_name,
        unit_id,
        participant_id,
    } = input;
    let hash = actix_web::web::block(move || password::hash(pw.expose())).await??;
    let row = NewUserRow {
        id: Uuid::new_v4(),
        username: username.into_inner(),
        password_hash: hash,
        role: role.as_str().to_owned(),
        display_name,
        unit_id,
        participant_id,
    };
    db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            check_links(conn, role, row.unit_id, row.participant_id)?;
            Ok(users::insert(conn, &row)?)
        })
    })
    .await
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
pub fn get(conn: &mut PgConnection, id: Uuid) -> Result<UserRow, ApiError> {
    users::find(conn, id)?
        .filter(|u| !u.service_account)
        .ok_or_else(|| ApiError::not_found("User"))
}

pub fn list(
    conn: &mut PgConnection,
    filter: &UserFilter,
    order: UserOrder,
    page: PageRequest,
) -> Result<Page<UserRow>, ApiError> {
    let (rows, total) = users::list(conn, filter, order, page.limit, page.offset)?;
    Ok(Page::new(rows, total, page))
}

/// Applies a patch under optimistic concurrency. A role change, a new password or a deactivation revokes every
/// token the user holds, in the same transaction.
pub async fn update(
    state: &AppState,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    patch: UserPatch,
) -> Result<UserRow, ApiError> {
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
    let updated = db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let current = get(conn, id)?;
            if expected_version.is_some_and(|v| v != current.version) {
                return Err(ApiError::PreconditionFailed);
            }
            let current_role =
                Role::parse(&current.role).ok_or_else(|| ApiError::internal_msg("unknown role"))?;
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
                role: role.map(|r| r.as_str().to_owned()),
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
    state.auth_cache.invalidate(id);
    Ok(updated)
}

/// Deactivates an account (accounts are never deleted: they are referenced by events and audit records).
pub async fn deactivate(
    state: &AppState,
    actor: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let patch = UserPatch {
        is_active: Some(false),
        ..UserPatch::default()
    };
    update(state, actor, id, expected_version, patch)
        .await
        .map(|_| ())
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
                    role: Some(Role::Admin.as_str().to_owned()),
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
                        role: Role::Admin.as_str().to_owned(),
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

/// The caller's account with its unit (id, code, name) and linked participant (id, name).
pub fn me(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<
    (
        UserRow,
        Option<users::UnitLink>,
        Option<users::ParticipantLink>,
    ),
    ApiError,
> {
    let row = get(conn, id)?;
    let (unit, participant) = users::me_links(conn, row.unit_id, row.participant_id)?;
    Ok((row, unit, participant))
}
