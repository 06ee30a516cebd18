//! `POST /api/v1/auth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 section 4.4) for service accounts.
//!
//! The request is `application/x-www-form-urlencoded`; the client authenticates with HTTP Basic
//! (`client_secret_basic`, id and secret form-urlencoded before base64, RFC 6749 section 2.3.1) or with
//! `client_id` and `client_secret` in the body (`client_secret_post`), never both. Protocol errors are RFC 6749
//! section 5.2 JSON bodies (`{error, error_description}`), which OAuth client libraries understand; failures of
//! the transport (413, 415, 429, 5xx) are the service's usual problem documents.

use std::borrow::Cow;

use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::clients::{TokenIssuer, TokenRequest};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, post, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const FORM: &str = "application/x-www-form-urlencoded";

/// The one grant type this server supports.
#[derive(Deserialize, ToSchema)]
pub enum GrantType {
    #[serde(rename = "client_credentials")]
    ClientCredentials,
}

/// A token request of the client-credentials grant, form-encoded. Unrecognised parameters are ignored (RFC 6749
/// section 3.2); a parameter sent twice is refused; an empty value counts as absent.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
#[schema(example = json!({"grant_type": "client_credentials", "scope": "participants:read units:read"}))]
pub struct ClientTokenRequest {
    /// Always `client_credentials`.
    grant_type: GrantType,
    /// The scopes wanted, space-delimited; a subset of the client's. Without it the token gets all of them.
    #[schema(example = "participants:read units:read", max_length = 1000)]
    scope: Option<String>,
    /// For `client_secret_post` only: the client id. With HTTP Basic, leave it out (or send the same id).
    #[schema(max_length = 100)]
    client_id: Option<String>,
    /// For `client_secret_post` only: the client secret. Never together with HTTP Basic.
    #[schema(max_length = 200)]
    client_secret: Option<String>,
}

/// An access token for a service account.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJiaW10ZWstYXBpIn0.c2lnbmF0dXJl",
    "token_type": "Bearer",
    "expires_in": 600,
    "scope": "participants:read units:read"
}))]
pub struct ClientTokenResponse {
    /// A JWT to send as `Authorization: Bearer <access_token>`. There is no refresh token: ask for a new one.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires (10 minutes by default).
    pub expires_in: i64,
    /// The granted scopes, space-delimited.
    pub scope: String,
}

/// An RFC 6749 section 5.2 error.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": "invalid_client", "error_description": "Client authentication failed."}))]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`, `unsupported_grant_type` or
    /// `invalid_scope`.
    pub error: &'static str,
    /// What went wrong, for a human.
    pub error_description: Cow<'static, str>,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<Cow<'static, str>>) -> Self {
        Self {
            error,
            error_description: description.into(),
        }
    }

    fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new("invalid_request", description)
    }

    /// The same answer for an unknown client, a wrong secret, an inactive client and missing credentials.
    fn invalid_client() -> Self {
        Self::new("invalid_client", "Client authentication failed.")
    }

    fn response(&self) -> HttpResponse {
        let status = if self.error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        let mut builder = HttpResponse::build(status);
        no_store(&mut builder);
        if status == StatusCode::UNAUTHORIZED {
            builder.insert_header((header::WWW_AUTHENTICATE, r#"Basic realm="bimtek-api""#));
        }
        builder.json(self)
    }
}

fn no_store(builder: &mut actix_web::HttpResponseBuilder) {
    builder.insert_header((header::CACHE_CONTROL, "no-store"));
    builder.insert_header((header::PRAGMA, "no-cache"));
}

/// A form body, read (up to the body limit) only when its content type is form-urlencoded.
pub struct FormBody(web::Bytes);

impl FormBody {
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(FORM))
}

impl FromRequest for FormBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = is_form(req);
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(64 * 1024, |state| state.settings.max_body_bytes);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !form {
                return Err(ApiError::UnsupportedMediaType { expected: FORM });
            }
            bytes.await.map(FormBody).map_err(|e| {
                match e.as_error::<actix_web::error::PayloadError>() {
                    Some(actix_web::error::PayloadError::Overflow) => {
                        ApiError::PayloadTooLarge { limit }
                    }
                    _ => ApiError::BadRequest {
                        code: "unreadable_body",
                        detail: "The request body could not be read.".to_owned(),
                        errors: Vec::new(),
                    },
                }
            })
        })
    }
}

/// The parameters of a token request that this server reads.
#[derive(Debug, Default, PartialEq, Eq)]
struct Params {
    grant_type: Option<String>,
    scope: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

fn parse_params(body: &[u8]) -> Result<Params, OAuthError> {
    let mut params = Params::default();
    for (name, value) in form_urlencoded::parse(body) {
        let slot = match name.as_ref() {
            "grant_type" => &mut params.grant_type,
            "scope" => &mut params.scope,
            "client_id" => &mut params.client_id,
            "client_secret" => &mut params.client_secret,
            // RFC 6749 section 3.2: unrecognised parameters are ignored.
            _ => continue,
        };
        if slot.is_some() {
            return Err(OAuthError::invalid_request(format!(
                "The parameter `{name}` is repeated."
            )));
        }
        // A parameter without a value counts as omitted (section 3.2); a repeated one is refused even if empty.
        *slot = Some(value.into_owned());
    }
    for slot in [
        &mut params.grant_type,
        &mut params.scope,
        &mut params.client_id,
        &mut params.client_secret,
    ] {
        if slot.as_deref() == Some("") {
            *slot = None;
        }
    }
    Ok(params)
}

/// The client credentials of a request, from HTTP Basic or from the body; `Err` for a malformed or ambiguous
/// request (`invalid_request`) or for none or an unsupported scheme (`invalid_client`).
fn client_credentials(
    authorization: Option<&str>,
    params: &Params,
) -> Result<(String, String), OAuthError> {
    let Some(value) = authorization else {
        return match (&params.client_id, &params.client_secret) {
            (Some(id), Some(secret)) => Ok((id.clone(), secret.clone())),
            _ => Err(OAuthError::invalid_client()),
        };
    };
    let (scheme, encoded) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_client());
    }
    if params.client_secret.is_some() {
        return Err(OAuthError::invalid_request(
            "Use one client authentication method: HTTP Basic or client_secret in the body, not both.",
        ));
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(OAuthError::invalid_client)?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(OAuthError::invalid_client)?;
    // RFC 6749 section 2.3.1: both are form-urlencoded before they are joined and base64-encoded.
    let decode = |s: &str| -> String {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (id, secret) = (decode(id), decode(secret));
    if params
        .client_id
        .as_ref()
        .is_some_and(|body_id| *body_id != id)
    {
        return Err(OAuthError::invalid_request(
            "The client_id of the body differs from the one of the Authorization header.",
        ));
    }
    if id.is_empty() || secret.is_empty() {
        return Err(OAuthError::invalid_client());
    }
    Ok((id, secret))
}

/// Get a token for a service account (client-credentials grant)
///
/// OAuth 2.0 client-credentials grant (RFC 6749 section 4.4) for service accounts registered at
/// `/api/v1/clients`. Send `application/x-www-form-urlencoded` with `grant_type=client_credentials` and optionally
/// `scope` (space-delimited, a subset of the client's scopes; by default all of them). Authenticate the client with
/// HTTP Basic (`client_secret_basic`: `Authorization: Basic base64(urlencode(client_id) ":" urlencode(secret))`) or
/// with `client_id` and `client_secret` in the body (`client_secret_post`), not both.
///
/// The answer `{access_token, token_type, expires_in, scope}` is not cacheable. The token (a JWT with its own
/// audience, `bimtek-api-m2m` by default) works on the operations its scopes open, as listed in each operation's
/// security requirements; everything else answers 403 `insufficient_scope`. It lives 10 minutes by default and
/// there is no refresh token: ask again. Deactivating the client, rotating its secret or changing its scopes
/// revokes its tokens at once.
///
/// **Errors follow RFC 6749 section 5.2, not problem+json**: a JSON body `{error, error_description}` with
/// `invalid_request` (400: a missing or repeated parameter, both authentication methods), `invalid_client` (401
/// with `WWW-Authenticate: Basic`: no, unknown, wrong or inactive credentials, all answered alike),
/// `unsupported_grant_type` (400: any grant but `client_credentials`) or `invalid_scope` (400: an unknown scope or
/// one the client does not have). `invalid_grant` and `unauthorized_client` are never answered: the grant has no
/// grant to be invalid, and every active client may use it. A body that is too large (413), not form-encoded
/// (415), too many attempts (429, by default: 20 failed ones per minute per address and 600 of any outcome, both
/// shared with logins; 5 failed ones per client per minute) and server failures (5xx) are problem documents as everywhere else.
#[utoipa::path(
    tag = "auth",
    request_body(content = ClientTokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A token.", body = ClientTokenResponse,
            headers(("Cache-Control" = String, description = "`no-store`"), ("Pragma" = String, description = "`no-cache`"))),
        (status = 400, description = "An RFC 6749 error: `invalid_request`, `unsupported_grant_type` or `invalid_scope`.",
            body = OAuthError,
            example = json!({"error": "invalid_scope", "error_description": "The client may not be granted the scope `participants:write`."})),
        (status = 401, description = "An RFC 6749 `invalid_client` error: client authentication failed.",
            body = OAuthError,
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"bimtek-api\"`"))),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 429, response = responses::TooManyRequests),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[post("/auth/token")]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: FormBody,
) -> Result<HttpResponse, ApiError> {
    state.login_limiter.check_address(&req)?;
    if req.headers().get_all(header::AUTHORIZATION).count() > 1 {
        return Ok(OAuthError::invalid_request(
            "The request has more than one Authorization header; send exactly one.",
        )
        .response());
    }
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let params = match parse_params(&body.0) {
        Ok(params) => params,
        Err(e) => return Ok(e.response()),
    };
    match params.grant_type.as_deref() {
        None => {
            return Ok(
                OAuthError::invalid_request("The parameter `grant_type` is missing.").response(),
            );
        }
        Some("client_credentials") => {}
        Some(_) => {
            return Ok(OAuthError::new(
                "unsupported_grant_type",
                "Only the client_credentials grant is supported.",
            )
            .response());
        }
    }
    let (client_id, secret) = match client_credentials(authorization.as_deref(), &params) {
        Ok(credentials) => credentials,
        Err(e) => return Ok(e.response()),
    };
    let issuer = TokenIssuer {
        pool: &state.pool,
        jwt: &state.jwt,
        limiter: &state.login_limiter,
        limits: service::throttle::Limits::of(&state.settings),
    };
    let address = state.login_limiter.client_address(&req);
    let request = TokenRequest {
        client_id,
        secret,
        scope: params.scope,
    };
    match service::clients::grant_token(issuer, address, request).await? {
        Err(refusal) => Ok(OAuthError::new(refusal.error, refusal.description).response()),
        Ok(issued) => {
            let mut builder = HttpResponse::Ok();
            no_store(&mut builder);
            Ok(builder.json(ClientTokenResponse {
                access_token: issued.access_token,
                token_type: "Bearer",
                expires_in: issued.expires_in,
                scope: issued.scopes.to_space_delimited(),
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_read_once_unknown_ones_ignored_and_empty_ones_omitted() {
        let p = parse_params(b"grant_type=client_credentials&scope=&foo=bar&client_id=a%2Bb");
        assert_eq!(
            p.ok(),
            Some(Params {
                grant_type: Some("client_credentials".to_owned()),
                scope: None,
                client_id: Some("a+b".to_owned()),
                client_secret: None,
            })
        );
        let repeated = parse_params(b"grant_type=client_credentials&grant_type=password");
        assert!(repeated.is_err_and(|e| e.error == "invalid_request"));
    }

    #[test]
    fn basic_credentials_are_form_decoded_and_may_not_be_combined_with_a_body_secret() {
        let header = format!("Basic {}", STANDARD.encode("my%20id:s%3Acret"));
        let none = Params::default();
        let creds = client_credentials(Some(&header), &none);
        assert_eq!(creds.ok(), Some(("my id".to_owned(), "s:cret".to_owned())));
        let both = Params {
            client_secret: Some("x".to_owned()),
            ..Params::default()
        };
        assert!(
            client_credentials(Some(&header), &both).is_err_and(|e| e.error == "invalid_request")
        );
        assert!(
            client_credentials(Some("Bearer abc"), &none)
                .is_err_and(|e| e.error == "invalid_client")
        );
        assert!(
            client_credentials(Some("Basic !!!"), &none)
                .is_err_and(|e| e.error == "invalid_client")
        );
        assert!(client_credentials(None, &none).is_err_and(|e| e.error == "invalid_client"));
        let post = Params {
            client_id: Some("id".to_owned()),
            client_secret: Some("secret".to_owned()),
            ..Params::default()
        };
        assert_eq!(
            client_credentials(None, &post).ok(),
            Some(("id".to_owned(), "secret".to_owned()))
        );
    }
}
