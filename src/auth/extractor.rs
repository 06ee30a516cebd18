//! `AuthUser`: the authenticated caller, extracted from `Authorization: Bearer <jwt>`.
//!
//! The signature and claims are checked synchronously, so a missing or forged token fails before any other
//! extractor of the handler; then one indexed lookup confirms the account is active and the token's version is
//! current (deactivation, a password or role change revoke older tokens at once).

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use crate::db;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo;
use crate::state::AppState;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: Uuid,
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
}

impl AuthUser {
    /// Allows the call only for the listed roles (deny by default): 403 otherwise.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// The bearer token of a request: `None` when there is no `Authorization` header or it is not `Bearer`.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let verified = match (&state, bearer_token(req)) {
            (None, _) => Err(ApiError::internal_msg("application state missing")),
            (_, None) => Err(ApiError::missing_token()),
            (Some(state), Some(token)) => state.jwt.verify(token),
        };
        Box::pin(async move {
            let verified = verified?;
            let state = state.ok_or_else(|| ApiError::internal_msg("application state missing"))?;
            let row = db::read(&state.pool, move |conn| {
                Ok(repo::users::find_auth(conn, verified.user_id)?)
            })
            .await?;
            match row {
                Some(row) if row.is_active && row.token_version == verified.token_version => {
                    let role = Role::parse(&row.role)
                        .ok_or_else(|| ApiError::internal_msg("unknown role in the database"))?;
                    Ok(AuthUser {
                        id: verified.user_id,
                        role,
                        unit_id: row.unit_id,
                        participant_id: row.participant_id,
                    })
                }
                _ => Err(ApiError::invalid_token()),
            }
        })
    }
}
