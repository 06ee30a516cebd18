//! `/api/v1/users`: user accounts (administrators only).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::extract::{ApiQuery, IfMatch, JsonBody};
use crate::api::v1::{double_option, not_null};
use crate::auth::AuthUser;
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::domain::sort::UserSort;
use crate::domain::user::{NewPassword, Username, parse_display_name};
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::users::{NewUser, User, UserFilter, UserList, UserPatch};
use crate::state::AppState;

/// A user account. The password hash never leaves the service.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "b3f1c1de-3c55-4e0e-9a53-4f1c6f1f2a10",
    "username": "operator",
    "display_name": "Operator Lapas Palangka Raya (demo)",
    "role": "unit_operator",
    "unit_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "participant_id": null,
    "is_active": true,
    "last_login_at": "2025-08-02T01:00:00Z",
    "version": 1,
    "created_at": "2025-07-20T03:00:00Z",
    "updated_at": "2025-07-20T03:00:00Z"
}))]
pub struct UserResponse {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    /// The unit of the account; required for `unit_operator`.
    pub unit_id: Option<Uuid>,
    /// The participant (officer) record of a `participant` account.
    pub participant_id: Option<Uuid>,
    /// Inactive accounts cannot log in, and their tokens stop working at once.
    pub is_active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    /// Increases with every change; sent as `ETag`, expected in `If-Match`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserResponse {
    fn from(row: User) -> Self {
        Self {
            role: row.role,
            id: row.id,
            username: row.username,
            display_name: row.display_name,
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

/// A new user account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "username": "operator.sampit",
    "password": "a long passphrase 2025",
    "role": "unit_operator",
    "display_name": "Operator Lapas Sampit",
    "unit_id": "0f8fad5b-d9cb-469f-a165-70867728950e"
}))]
pub struct CreateUserRequest {
    /// 3-64 characters of letters, digits, `.`, `_`, `-`; stored in lower case.
    #[schema(
        min_length = 3,
        max_length = 64,
        pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$"
    )]
    pub username: String,
    /// 12-128 characters.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
    pub role: Role,
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    /// Required for `unit_operator`.
    pub unit_id: Option<Uuid>,
    /// The officer record of a `participant` account.
    pub participant_id: Option<Uuid>,
}

impl CreateUserRequest {
    fn parse(self) -> Result<NewUser, ApiError> {
        let mut errors = Vec::new();
        let username = Username::parse("username", &self.username).map_err(|e| errors.push(e));
        let password = NewPassword::parse("password", self.password).map_err(|e| errors.push(e));
        let display_name = self
            .display_name
            .map(|d| parse_display_name("display_name", &d))
            .transpose()
            .map_err(|e| errors.push(e));
        if self.role == Role::UnitOperator && self.unit_id.is_none() {
            errors.push(FieldError::new(
                "unit_id",
                "required",
                "a unit_operator account needs the unit it operates for",
            ));
        }
        match (username, password, display_name) {
            (Ok(username), Ok(password), Ok(display_name)) if errors.is_empty() => Ok(NewUser {
                username,
                password,
                role: self.role,
                display_name,
                unit_id: self.unit_id,
                participant_id: self.participant_id,
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// A JSON merge patch of a user account: send only the fields to change; `null` clears a nullable field.
/// `username` cannot be changed. A new `role`, a new `password` or `is_active: false` revoke every token the
/// user holds.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "organizer", "display_name": "Penyelenggara Bimtek"}))]
pub struct UpdateUserRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Role)]
    pub role: Option<Option<Role>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, min_length = 1, max_length = 200)]
    pub display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub unit_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub participant_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = bool)]
    pub is_active: Option<Option<bool>>,
    /// A new password, 12-128 characters.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 12, max_length = 128)]
    pub password: Option<Option<String>>,
}

impl UpdateUserRequest {
    fn parse(self) -> Result<UserPatch, ApiError> {
        let mut errors = Vec::new();
        let role = not_null("role", self.role, &mut errors);
        let is_active = not_null("is_active", self.is_active, &mut errors);
        let password = not_null("password", self.password, &mut errors).and_then(|p| {
            NewPassword::parse("password", p)
                .map_err(|e| errors.push(e))
                .ok()
        });
        let display_name = match self.display_name {
            Some(Some(d)) => parse_display_name("display_name", &d)
                .map(|d| Some(Some(d)))
                .unwrap_or_else(|e| {
                    errors.push(e);
                    None
                }),
            other => other,
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(UserPatch {
            role,
            display_name,
            unit_id: self.unit_id,
            participant_id: self.participant_id,
            is_active,
            password,
        })
    }
}

/// Filters and paging of the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only accounts with this role.
    pub role: Option<Role>,
    /// Only active (`true`) or inactive (`false`) accounts.
    pub is_active: Option<bool>,
    /// Only accounts of this unit.
    pub unit_id: Option<Uuid>,
    /// Case-insensitive substring of the username or display name.
    #[param(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub q: Option<String>,
    /// Sort order; `-` means descending. Ties are broken by id.
    #[param(inline)]
    pub sort: Option<UserSort>,
}

impl ListUsersQuery {
    fn parse(self) -> Result<UserList, ApiError> {
        let mut errors = Vec::new();
        let page = PageRequest::parse(self.limit, self.offset, &mut errors);
        let q = super::search_query(self.q, &mut errors);
        let filter = UserFilter {
            role: self.role,
            is_active: self.is_active,
            unit_id: self.unit_id,
            q,
        };
        let sort = self.sort.unwrap_or_default();
        super::checked_query(UserList { filter, sort, page }, errors)
    }
}

fn user_response(user: User, status: StatusCode) -> HttpResponse {
    let body = UserResponse::from(user);
    super::versioned(status, "users", body.id, body.version, body)
}

/// List user accounts
///
/// Pages through the user accounts, filtered by role, state, unit or a search text. Administrators only.
#[utoipa::path(
    tag = "users",
    params(ListUsersQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of accounts.", body = Page<UserResponse>)
    )
)]
#[get("/users")]
pub async fn list_users(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListUsersQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::users::list(&state.pool, &user, query.0.parse().into()).await?;
    Ok(HttpResponse::Ok().json(page.map(UserResponse::from)))
}

/// Create a user account
///
/// Creates an account with a role. A `unit_operator` needs a `unit_id`; a `participant` account may link the
/// officer record it belongs to (`participant_id`). Administrators only.
#[utoipa::path(
    tag = "users",
    request_body = CreateUserRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; `Location` names the new account.", body = UserResponse,
            headers(("Location" = String, description = "The URL of the new account"), ("ETag" = String, description = "The version"))),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/users")]
pub async fn create_user(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(CreateUserRequest::parse);
    let created = service::users::create(&state.pool, &user, input.into()).await?;
    Ok(user_response(created, StatusCode::CREATED))
}

/// Read a user account
///
/// Administrators only. The `ETag` header carries the version for a later `If-Match`.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "The account id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The account.", body = UserResponse,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let found = service::users::get(&state.pool, &user, id.into_inner()).await?;
    Ok(user_response(found, StatusCode::OK))
}

/// Change a user account
///
/// A JSON merge patch (`application/merge-patch+json` or `application/json`) of `role`, `display_name`,
/// `unit_id`, `participant_id`, `is_active` and `password`. Any other field (such as `username`, `id` or
/// `version`) is refused with 422. With `If-Match: "<version>"` the change applies only to that version (412
/// otherwise). A new role, a new password or a deactivation revoke every token of the user. Administrators cannot
/// change their own role or deactivate themselves. Administrators only.
#[utoipa::path(
    tag = "users",
    params(
        ("id" = Uuid, Path, description = "The account id"),
        IfMatch
    ),
    request_body(content = UpdateUserRequest, content_type = "application/merge-patch+json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The changed account.", body = UserResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().and_then(UpdateUserRequest::parse);
    let changed = service::users::update(
        &state.pool,
        &state.auth_cache,
        &user,
        id.into_inner(),
        if_match.0,
        patch.into(),
    )
    .await?;
    Ok(user_response(changed, StatusCode::OK))
}

/// Deactivate a user account
///
/// Accounts are never erased (events and records refer to them): `DELETE` deactivates the account and revokes
/// its tokens. Reactivate with `PATCH {"is_active": true}`. Honours `If-Match`. Administrators only, and not on
/// their own account.
#[utoipa::path(
    tag = "users",
    params(
        ("id" = Uuid, Path, description = "The account id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deactivated."),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[delete("/users/{id}")]
pub async fn deactivate_user(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service::users::deactivate(
        &state.pool,
        &state.auth_cache,
        &user,
        id.into_inner(),
        if_match.0,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
