//! `/api/v1/auth`: login, refresh, logout.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::JsonBody;
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::auth::{Credentials, Issuer};
use crate::state::AppState;

/// Credentials of a user account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "admin", "password": "admin-demo-2025"}))]
pub struct LoginRequest {
    /// The username (case-insensitive).
    #[schema(min_length = 1, max_length = 64)]
    pub username: String,
    /// The password.
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
}

/// A refresh token to spend or revoke.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "q9p0bWkq3zQpYl8N7w2m6v1f0aXKc4dJ5sR8tU2yB3E"}))]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh.
    #[schema(min_length = 1, max_length = 256)]
    pub refresh_token: String,
}

/// A new access token and the refresh token that replaces it.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJiaW10ZWstYXBpIn0.c2lnbmF0dXJl",
    "token_type": "Bearer",
    "expires_in": 900,
    "refresh_token": "q9p0bWkq3zQpYl8N7w2m6v1f0aXKc4dJ5sR8tU2yB3E",
    "refresh_expires_in": 1209600
}))]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// An opaque token for `POST /api/v1/auth/refresh`; it can be used once.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
}

impl From<service::auth::TokenPair> for TokenResponse {
    fn from(pair: service::auth::TokenPair) -> Self {
        Self {
            access_token: pair.access_token,
            token_type: "Bearer",
            expires_in: pair.expires_in,
            refresh_token: pair.refresh_token,
            refresh_expires_in: pair.refresh_expires_in,
        }
    }
}

pub(crate) fn issuer(state: &AppState) -> Issuer<'_> {
    Issuer {
        pool: &state.pool,
        jwt: &state.jwt,
        limiter: &state.login_limiter,
        limits: service::throttle::Limits::of(&state.settings),
        refresh_ttl: state.settings.refresh_token_ttl,
        refresh_grace: state.settings.refresh_reuse_grace,
        current_key: &state.settings.jwt_current,
        previous_keys: &state.settings.jwt_previous,
    }
}

fn check_len(field: &str, value: &str, max: usize, errors: &mut Vec<FieldError>) {
    if value.is_empty() {
        errors.push(FieldError::new(field, "required", "must not be empty"));
    } else if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
}

/// Log in
///
/// Exchanges a username and password for an access token (a JWT, 15 minutes by default) and a refresh token
/// (14 days, single use). An officer may give their NIP as the username: 18 digits that are no account's username
/// name the participant account of the officer holding that NIP. A wrong password, an unknown username and a
/// deactivated account all give the same 401 `invalid_credentials`.
///
/// Logins are throttled, by default: 5 failed attempts per username per minute (counted whether or not the account
/// exists; a successful login clears them), 20 failed attempts per client address per minute (successful logins
/// do not count, so a room of officers behind one address logs in together) and 600 attempts of any outcome per
/// client address per minute. Beyond a limit the answer is 429 with `Retry-After`, even for the right password. After three failures of an account, each further attempt is also answered
/// a little later than the one before (half a second more each time by default, at most 3 s).
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in.", body = TokenResponse),
        (status = 400, response = responses::BadRequest),
        (status = 401, description = "Wrong credentials or an inactive account (`invalid_credentials`).",
            content_type = "application/problem+json", body = crate::error::Problem),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed),
        (status = 429, response = responses::TooManyRequests),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner()?;
    let mut errors = Vec::new();
    check_len("username", &input.username, 64, &mut errors);
    check_len("password", &input.password, 1024, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    state.login_limiter.check_address(&req)?;
    let address = state.login_limiter.client_address(&req);
    let credentials = Credentials {
        username: input.username,
        password: input.password,
    };
    let pair = service::auth::login(issuer(&state), address, credentials).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(pair)))
}

fn checked_refresh_token(input: RefreshRequest) -> Result<String, ApiError> {
    let mut errors = Vec::new();
    check_len("refresh_token", &input.refresh_token, 256, &mut errors);
    if errors.is_empty() {
        Ok(input.refresh_token)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Refresh the tokens
///
/// Spends a refresh token and returns a new access token and a new refresh token. Each refresh token works once:
/// presenting one that was already spent revokes every token of that login (a stolen token is then useless to
/// the thief, and the owner logs in again). Except within a few seconds of its rotation (10 by default): then
/// the answer is the same pair it was rotated into, so that two tabs refreshing at once both keep the login.
/// Deactivated accounts cannot refresh.
///
/// Refreshes count against the same per-address ceiling of attempts as logins (600 per minute by default; beyond
/// it 429 with `Retry-After`); failed logins of the address do not block them.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair.", body = TokenResponse),
        (status = 400, response = responses::BadRequest),
        (status = 401, description = "The refresh token is unknown, expired, revoked (`invalid_refresh_token`) or was already used before the grace window (`refresh_token_reused`).",
            content_type = "application/problem+json", body = crate::error::Problem),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed),
        (status = 429, response = responses::TooManyRequests),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = checked_refresh_token(body.into_inner()?)?;
    state.login_limiter.check_address(&req)?;
    let address = state.login_limiter.client_address(&req);
    let pair = service::auth::refresh(issuer(&state), address, token).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(pair)))
}

/// Log out
///
/// Revokes the refresh token and every token rotated from the same login. Answers 204 whether or not the token
/// was known. Access tokens already issued stay valid until they expire (15 minutes by default); to cut them at
/// once, an administrator deactivates the account or changes its password.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Logged out."),
        (status = 400, response = responses::BadRequest),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: JsonBody<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = checked_refresh_token(body.into_inner()?)?;
    service::auth::logout(&state.pool, token).await?;
    Ok(HttpResponse::NoContent().finish())
}
