//! `/api/v1/clients`: service accounts (OAuth 2.0 clients of the client-credentials grant), administrators only.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::extract::{ApiQuery, IfMatch, JsonBody};
use crate::api::v1::{double_option, not_null};
use crate::auth::AuthUser;
use crate::auth::scopes::{Scope, Scopes};
use crate::domain::page::{Page, PageRequest};
use crate::domain::sort::ClientSort;
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::clients::{
    Client, ClientFilter, ClientList, ClientPatch, NewClient, WithSecret,
};
use crate::state::AppState;

/// A service account. Its secret is never shown again after creation or rotation.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "5b0c7a52-86a4-4a1e-9f0e-3c1d2b4a5e6f",
    "client_id": "5b0c7a52-86a4-4a1e-9f0e-3c1d2b4a5e6f",
    "name": "SDP Pemasyarakatan",
    "description": "Corrections information system: officer sync",
    "scopes": ["participants:read", "participants:write", "units:read"],
    "is_active": true,
    "secret_rotated_at": "2025-07-20T03:00:00Z",
    "last_token_at": "2025-08-02T01:00:00Z",
    "version": 1,
    "created_at": "2025-07-20T03:00:00Z",
    "updated_at": "2025-07-20T03:00:00Z"
}))]
pub struct ClientResponse {
    pub id: Uuid,
    /// The `client_id` of the client-credentials grant (the same value as `id`).
    pub client_id: String,
    pub name: String,
    pub description: Option<String>,
    /// What tokens of this client may be granted, in the order of the vocabulary.
    pub scopes: Vec<Scope>,
    /// Inactive clients get no tokens, and their tokens stop working at once.
    pub is_active: bool,
    /// When the current secret was issued.
    pub secret_rotated_at: DateTime<Utc>,
    /// When the client last obtained a token.
    pub last_token_at: Option<DateTime<Utc>>,
    /// Increases with every change; sent as `ETag`, expected in `If-Match`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Client> for ClientResponse {
    fn from(row: Client) -> Self {
        Self {
            scopes: row.scopes.iter().collect(),
            id: row.id,
            client_id: row.id.to_string(),
            name: row.name,
            description: row.description,
            is_active: row.is_active,
            secret_rotated_at: row.secret_rotated_at,
            last_token_at: row.last_token_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A service account with its secret, answered once: on creation and on rotation. Store the secret at once; it is
/// kept only as a hash and cannot be shown again.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "5b0c7a52-86a4-4a1e-9f0e-3c1d2b4a5e6f",
    "client_id": "5b0c7a52-86a4-4a1e-9f0e-3c1d2b4a5e6f",
    "client_secret": "bimtek_cs_Yq3bK1x0m9Vd7T2pL6sR8uW4zA5cE0gH1jN3qS7vX9k",
    "name": "SDP Pemasyarakatan",
    "description": "Corrections information system: officer sync",
    "scopes": ["participants:read", "participants:write", "units:read"],
    "is_active": true,
    "secret_rotated_at": "2025-07-20T03:00:00Z",
    "last_token_at": null,
    "version": 1,
    "created_at": "2025-07-20T03:00:00Z",
    "updated_at": "2025-07-20T03:00:00Z"
}))]
pub struct ClientWithSecretResponse {
    pub id: Uuid,
    /// The `client_id` of the client-credentials grant (the same value as `id`).
    pub client_id: String,
    /// The secret (256 random bits), shown this once.
    pub client_secret: String,
    pub name: String,
    pub description: Option<String>,
    pub scopes: Vec<Scope>,
    pub is_active: bool,
    pub secret_rotated_at: DateTime<Utc>,
    pub last_token_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WithSecret> for ClientWithSecretResponse {
    fn from(w: WithSecret) -> Self {
        let c = ClientResponse::from(w.client);
        Self {
            id: c.id,
            client_id: c.client_id,
            client_secret: w.secret,
            name: c.name,
            description: c.description,
            scopes: c.scopes,
            is_active: c.is_active,
            secret_rotated_at: c.secret_rotated_at,
            last_token_at: c.last_token_at,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

fn parse_name(value: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    text::required("name", value, 100)
        .map_err(|e| errors.push(e))
        .ok()
}

fn parse_description(value: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    text::optional("description", value, 1000)
        .map_err(|e| errors.push(e))
        .ok()
        .flatten()
}

fn parse_scopes(value: Vec<Scope>, errors: &mut Vec<FieldError>) -> Option<Scopes> {
    if value.is_empty() {
        errors.push(FieldError::new(
            "scopes",
            "too_short",
            "must name at least one scope",
        ));
        return None;
    }
    Some(Scopes::new(value))
}

/// A new service account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "SDP Pemasyarakatan",
    "description": "Corrections information system: officer sync",
    "scopes": ["participants:read", "participants:write", "units:read"]
}))]
pub struct CreateClientRequest {
    /// A unique name, 1-100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// What the client is for, up to 1000 characters.
    #[schema(min_length = 1, max_length = 1000)]
    pub description: Option<String>,
    /// The scopes its tokens may be granted, at least one. Duplicates are ignored.
    #[schema(min_items = 1, max_items = 17)]
    pub scopes: Vec<Scope>,
}

impl CreateClientRequest {
    fn parse(self) -> Result<NewClient, ApiError> {
        let mut errors = Vec::new();
        let name = parse_name(&self.name, &mut errors);
        let description = parse_description(self.description.as_deref(), &mut errors);
        let scopes = parse_scopes(self.scopes, &mut errors);
        match (name, scopes) {
            (Some(name), Some(scopes)) if errors.is_empty() => Ok(NewClient {
                name,
                description,
                scopes,
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// A JSON merge patch of a service account: send only the fields to change; `null` clears `description`. A change
/// of `scopes` or `is_active: false` revokes every token the client holds (it then asks for a new one).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"scopes": ["participants:read", "units:read"], "description": "Read-only sync"}))]
pub struct UpdateClientRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 100)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, min_length = 1, max_length = 1000)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Vec<Scope>, min_items = 1, max_items = 17)]
    pub scopes: Option<Option<Vec<Scope>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = bool)]
    pub is_active: Option<Option<bool>>,
}

impl UpdateClientRequest {
    fn parse(self) -> Result<ClientPatch, ApiError> {
        let mut errors = Vec::new();
        let name =
            not_null("name", self.name, &mut errors).and_then(|n| parse_name(&n, &mut errors));
        let scopes =
            not_null("scopes", self.scopes, &mut errors).and_then(|s| parse_scopes(s, &mut errors));
        let is_active = not_null("is_active", self.is_active, &mut errors);
        let description = match self.description {
            Some(Some(d)) => match parse_description(Some(&d), &mut errors) {
                Some(d) => Some(Some(d)),
                // An empty description clears it.
                None => Some(None),
            },
            other => other,
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(ClientPatch {
            name,
            description,
            scopes,
            is_active,
        })
    }
}

/// Filters and paging of the client list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListClientsQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only active (`true`) or inactive (`false`) clients.
    pub is_active: Option<bool>,
    /// Case-insensitive substring of the name or description.
    #[param(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub q: Option<String>,
    /// Sort order; `-` means descending. Ties are broken by id.
    #[param(inline)]
    pub sort: Option<ClientSort>,
}

impl ListClientsQuery {
    fn parse(self) -> Result<ClientList, ApiError> {
        let mut errors = Vec::new();
        let page = PageRequest::parse(self.limit, self.offset, &mut errors);
        let q = super::search_query(self.q, &mut errors);
        let filter = ClientFilter {
            is_active: self.is_active,
            q,
        };
        let sort = self.sort.unwrap_or_default();
        super::checked_query(ClientList { filter, sort, page }, errors)
    }
}

fn client_response(client: Client, status: StatusCode) -> HttpResponse {
    let body = ClientResponse::from(client);
    super::versioned(status, "clients", body.id, body.version, body)
}

fn with_secret_response(created: WithSecret, status: StatusCode) -> HttpResponse {
    let body = ClientWithSecretResponse::from(created);
    super::versioned(status, "clients", body.id, body.version, body)
}

/// List service accounts
///
/// Pages through the service accounts (OAuth 2.0 clients), filtered by state or a search text. Secrets are never
/// listed. Administrators only (user tokens: service-account tokens cannot manage service accounts).
#[utoipa::path(
    tag = "clients",
    params(ListClientsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of service accounts.", body = Page<ClientResponse>)
    )
)]
#[get("/clients")]
pub async fn list_clients(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListClientsQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::clients::list(&state.pool, &user, query.0.parse().into()).await?;
    Ok(HttpResponse::Ok().json(page.map(ClientResponse::from)))
}

/// Register a service account
///
/// Creates a service account for a machine-to-machine integration (for example the corrections information
/// system) with the scopes its tokens may be granted. The answer carries the `client_id` and the `client_secret`:
/// the secret is shown this once (it is stored as a SHA-256 hash only); store it in the integration's secret store.
/// The client then obtains tokens at `POST /api/v1/auth/token` (client-credentials grant). Administrators only.
#[utoipa::path(
    tag = "clients",
    request_body = CreateClientRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; `Location` names the new client. The secret is in this answer only.",
            body = ClientWithSecretResponse,
            headers(("Location" = String, description = "The URL of the new client"), ("ETag" = String, description = "The version"))),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/clients")]
pub async fn create_client(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<CreateClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(CreateClientRequest::parse);
    let created = service::clients::create(&state.pool, &user, input.into()).await?;
    Ok(with_secret_response(created, StatusCode::CREATED))
}

/// Read a service account
///
/// The service account without its secret. Administrators only. The `ETag` header carries the version for a
/// later `If-Match`.
#[utoipa::path(
    tag = "clients",
    params(("id" = Uuid, Path, description = "The client id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The service account.", body = ClientResponse,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/clients/{id}")]
pub async fn get_client(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let client = service::clients::get(&state.pool, &user, id.into_inner()).await?;
    Ok(client_response(client, StatusCode::OK))
}

/// Change a service account
///
/// A JSON merge patch (`application/merge-patch+json` or `application/json`) of `name`, `description`, `scopes`
/// and `is_active`. Any other field (such as `client_secret`, `id` or `version`) is refused with 422. A change of
/// `scopes` or a deactivation revokes every token of the client at once; reactivating does not bring them back.
/// With `If-Match: "<version>"` the change applies only to that version (412 otherwise). Administrators only.
#[utoipa::path(
    tag = "clients",
    params(
        ("id" = Uuid, Path, description = "The client id"),
        IfMatch
    ),
    request_body(content = UpdateClientRequest, content_type = "application/merge-patch+json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The changed service account.", body = ClientResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[patch("/clients/{id}")]
pub async fn update_client(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().and_then(UpdateClientRequest::parse);
    let client = service::clients::update(
        &state.pool,
        &state.auth_cache,
        &user,
        id.into_inner(),
        if_match.0,
        patch.into(),
    )
    .await?;
    Ok(client_response(client, StatusCode::OK))
}

/// Deactivate a service account
///
/// Service accounts are never erased (the audit log and the records they wrote refer to them): `DELETE`
/// deactivates the client, which then gets no tokens, and revokes the tokens it holds at once. Reactivate with
/// `PATCH {"is_active": true}`. Honours `If-Match`. Administrators only.
#[utoipa::path(
    tag = "clients",
    params(
        ("id" = Uuid, Path, description = "The client id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deactivated."),
        (status = 404, response = responses::NotFound),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[delete("/clients/{id}")]
pub async fn deactivate_client(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service::clients::deactivate(
        &state.pool,
        &state.auth_cache,
        &user,
        id.into_inner(),
        if_match.0,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate the secret of a service account
///
/// Issues a new `client_secret`, shown in this answer only. The old secret stops working at once, and so does
/// every token obtained with it: deploy the new secret, then the integration asks for a new token. Honours
/// `If-Match`. Administrators only.
#[utoipa::path(
    tag = "clients",
    params(
        ("id" = Uuid, Path, description = "The client id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The new secret; the old one and its tokens no longer work.",
            body = ClientWithSecretResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[post("/clients/{id}/secret")]
pub async fn rotate_client_secret(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let rotated = service::clients::rotate_secret(
        &state.pool,
        &state.auth_cache,
        &user,
        id.into_inner(),
        if_match.0,
    )
    .await?;
    Ok(with_secret_response(rotated, StatusCode::OK))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_clients)
        .service(create_client)
        .service(get_client)
        .service(update_client)
        .service(deactivate_client)
        .service(rotate_client_secret);
}
