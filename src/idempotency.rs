//! Idempotency keys: a POST sent with `Idempotency-Key` takes effect once per caller and key.
//!
//! The first request claims the key in PostgreSQL (in flight, with a lease), runs, and stores its status, the
//! headers that matter (`Content-Type`, `Location`, `ETag`) and its body. A retry with the same key and the same
//! request (method, path with query, body: SHA-256) gets the stored answer with `Idempotent-Replayed: true`; the
//! same key with another request gets 422 `idempotency_key_reused`; while the first is still running, 409
//! `idempotency_request_in_flight` with `Retry-After`. Server errors (5xx) and answers that did not run the
//! operation (401, 408, 429) are not stored: the key is released and the client may retry. Keys live 24 hours.
//!
//! The effect and its key are one commit: while the handler runs, the request context holds the key, and
//! `db::run` marks it (`effect_at`) in the effect's own transaction. A key whose effect committed is never run
//! again; if the server died before the answer was stored, a retry gets 409 `idempotency_answer_lost` instead of
//! a second effect. When an officer's personal data is erased, every stored answer naming them becomes a 410
//! `idempotency_key_erased` (`service::stored_answers`).
//!
//! The key belongs to the authenticated caller (the subject of the bearer token): two callers never share keys.
//! Unauthenticated POSTs (login, refresh, logout) ignore the header. Since the key lives in the database, the
//! guarantee holds across instances.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, web};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::extractor::bearer_token;
use crate::db;
use crate::error::{ApiError, FieldError};
use crate::repo::idempotency::{self as repo, Claim, StoredKey};
use crate::state::AppState;

pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
/// The largest request body a keyed request may have (the handlers' own, smaller limits still apply).
const MAX_KEYED_BODY_BYTES: usize = 16 * 1024 * 1024;
/// The response headers stored and replayed.
const STORED_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// Parses the header: 1-255 visible ASCII characters (`!` to `~`).
pub fn parse_key(value: &HeaderValue) -> Result<String, ApiError> {
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > 255 || !bytes.iter().all(|b| (0x21..=0x7e).contains(b)) {
        return Err(ApiError::BadRequest {
            code: "invalid_idempotency_key",
            detail: "Idempotency-Key must be 1 to 255 visible ASCII characters (no spaces)."
                .to_owned(),
            errors: vec![FieldError::new(
                "Idempotency-Key",
                "invalid_format",
                "must be 1 to 255 visible ASCII characters",
            )],
        });
    }
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

/// SHA-256 over method, path with query and body, each length-prefixed so that no two requests collide by
/// shifting bytes between parts.
pub fn fingerprint(method: &str, path_and_query: &str, body: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in [method.as_bytes(), path_and_query.as_bytes(), body] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// Whether an answer with this status is kept for replay: not server errors, and not answers given before the
/// operation ran (an unauthenticated caller, a timeout, a rate limit), which a retry may turn into success.
pub fn is_stored(status: StatusCode) -> bool {
    !(status.is_server_error()
        || matches!(
            status,
            StatusCode::UNAUTHORIZED | StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS
        ))
}

/// The caller a key belongs to: the subject of a bearer token whose signature checks out. `None` for requests
/// without a valid token: those ignore the header (the handler answers them 401 or serves them unauthenticated).
fn caller(req: &ServiceRequest, state: &AppState) -> Option<String> {
    let token = bearer_token(req.request())?;
    let verified = state.jwt.verify(token).ok()?;
    Some(match verified.subject {
        crate::auth::jwt::Subject::User(id) => format!("user:{id}"),
        crate::auth::jwt::Subject::Client(id, _) => format!("client:{id}"),
    })
}

/// The middleware (see the module documentation).
/// The operations whose answers must never be stored (they hold one-time secrets), by the end of their path: an
/// `Idempotency-Key` is refused there (400 `idempotency_key_not_accepted`).
pub const UNSTORED_ANSWERS: &[&str] = &["/participant-accounts"];

pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if req.method() != Method::POST {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let Some(raw_key) = req.headers().get(IDEMPOTENCY_KEY_HEADER).cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let Some(caller) = caller(&req, &state) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    if UNSTORED_ANSWERS
        .iter()
        .any(|suffix| req.path().ends_with(suffix))
    {
        return Ok(req.error_response(ApiError::BadRequest {
            code: "idempotency_key_not_accepted",
            detail: "This answer holds one-time activation codes, which are never stored, so it cannot be \
                     replayed. Send the request without Idempotency-Key; repeating it issues new codes and voids \
                     the earlier ones."
                .to_owned(),
            errors: vec![crate::error::FieldError::new(
                "Idempotency-Key",
                "not_accepted",
                "is not accepted by this operation",
            )],
        }));
    }
    let key = match parse_key(&raw_key) {
        Ok(key) => key,
        Err(err) => return Ok(req.error_response(err)),
    };

    // The body is read here to fingerprint it, then handed back to the handler unchanged.
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return Ok(req.error_response(ApiError::BadRequest {
                code: "unreadable_body",
                detail: "The request body could not be read.".to_owned(),
                errors: Vec::new(),
            }));
        };
        if body.len() + chunk.len() > MAX_KEYED_BODY_BYTES {
            return Ok(req.error_response(ApiError::PayloadTooLarge {
                limit: MAX_KEYED_BODY_BYTES,
            }));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path().to_owned(), |p| p.as_str().to_owned());
    let fingerprint = fingerprint(req.method().as_str(), &path_and_query, &body);
    req.set_payload(Payload::from(body));

    let lock_token = Uuid::new_v4();
    let lease = i32::try_from(state.settings.idempotency_lease.as_secs()).unwrap_or(60);
    let claim = {
        let (caller, key) = (caller.clone(), key.clone());
        db::run(&state.pool, move |conn| {
            Ok(repo::claim(
                conn,
                &caller,
                &key,
                &fingerprint,
                lease,
                lock_token,
            )?)
        })
        .await
    };
    match claim {
        Err(err) => Ok(req.error_response(err)),
        Ok(Claim::Taken(stored)) => Ok(answer_taken(req, stored, &fingerprint)),
        Ok(Claim::Claimed) => {
            // While the handler runs, `db::run` marks the key in the effect's transaction (see `db::run`).
            crate::context::set_idempotency(Some(crate::context::IdempotencyClaim {
                caller: caller.clone(),
                key: key.clone(),
                lock_token,
            }));
            let result = next.call(req).await;
            crate::context::set_idempotency(None);
            finish(&state, caller, key, lock_token, result).await
        }
    }
}

/// The answer for a request whose key another request holds or completed.
fn answer_taken(
    req: ServiceRequest,
    stored: StoredKey,
    fingerprint: &[u8; 32],
) -> ServiceResponse<BoxBody> {
    if stored.fingerprint.as_slice() != fingerprint.as_slice() {
        return req.error_response(ApiError::Unprocessable {
            code: "idempotency_key_reused",
            detail: "This Idempotency-Key was used with another request (method, path or body). Use a new key \
                     for a new request."
                .into(),
            errors: Vec::new(),
        });
    }
    match (stored.response_status, stored.response_body) {
        (Some(status), Some(body)) => {
            let status = StatusCode::from_u16(u16::try_from(status).unwrap_or(500))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = HttpResponse::build(status);
            if let Some(headers) = stored.response_headers.as_ref().and_then(|h| h.as_object()) {
                for (name, value) in headers {
                    if let (Ok(name), Some(value)) = (
                        HeaderName::from_bytes(name.as_bytes()),
                        value.as_str().and_then(|v| HeaderValue::from_str(v).ok()),
                    ) {
                        response.insert_header((name, value));
                    }
                }
            }
            response.insert_header((HeaderName::from_static(REPLAYED_HEADER), "true"));
            response.insert_header((header::CACHE_CONTROL, "no-store"));
            req.into_response(response.body(body))
        }
        _ if stored.effect_at.is_some()
            && stored
                .locked_until
                .is_none_or(|until| until < chrono::Utc::now()) =>
        {
            // The effect committed with its key, but the server stopped before it stored the answer: the request
            // is not run again, and its answer cannot be given.
            req.error_response(ApiError::conflict(
                "idempotency_answer_lost",
                "The request with this Idempotency-Key took effect, but its answer was lost (the server stopped \
                 before storing it). It is not run again: read the resource to see the result.",
            ))
        }
        _ => {
            let retry_after = stored
                .locked_until
                .map(|until| (until - chrono::Utc::now()).num_seconds().clamp(1, 3600))
                .unwrap_or(1);
            let mut response = req.error_response(ApiError::conflict(
                "idempotency_request_in_flight",
                "A request with this Idempotency-Key is still being processed; retry after Retry-After seconds.",
            ));
            if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
    }
}

/// Stores the answer under the key (or releases the key after a server error) and returns the answer.
async fn finish<B: MessageBody + 'static>(
    state: &AppState,
    caller: String,
    key: String,
    lock_token: Uuid,
    result: Result<ServiceResponse<B>, Error>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let response = match result {
        Ok(response) => response.map_into_boxed_body(),
        Err(err) => {
            release(state, caller, key, lock_token).await;
            return Err(err);
        }
    };
    let status = response.status();
    if !is_stored(status) {
        release(state, caller, key, lock_token).await;
        return Ok(response);
    }
    let (http_req, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let body = match actix_web::body::to_bytes(body).await {
        Ok(body) => body,
        Err(_) => {
            release(state, caller, key, lock_token).await;
            return Ok(ServiceResponse::new(
                http_req,
                actix_web::ResponseError::error_response(&ApiError::internal_msg(
                    "response body unreadable",
                )),
            ));
        }
    };
    let mut headers = serde_json::Map::new();
    for name in STORED_HEADERS {
        if let Some(value) = head.headers().get(&name).and_then(|v| v.to_str().ok()) {
            headers.insert(name.as_str().to_owned(), value.into());
        }
    }
    let stored_body = body.clone();
    fault_abort_before_answer();
    let stored = db::run(&state.pool, move |conn| {
        Ok(repo::complete(
            conn,
            &caller,
            &key,
            lock_token,
            i16::try_from(status.as_u16()).unwrap_or(500),
            &serde_json::Value::Object(headers),
            &stored_body,
        )?)
    })
    .await;
    if let Err(err) = stored {
        // The operation ran; only its replay is lost. The key stays in flight until its lease ends.
        tracing::warn!(error.code = err.code(), "idempotency key not completed");
    }
    Ok(ServiceResponse::new(
        http_req,
        head.set_body(BoxBody::new(body)),
    ))
}

/// The fault hook of `scripts/faults/kill9.sh` (debug builds only): with `BIMTEK_FAULT_ABORT_BEFORE_ANSWER=1` the
/// process aborts after a keyed request's effect committed and before its answer is stored, the crash this
/// module must survive without repeating the effect. Release builds never read the variable.
fn fault_abort_before_answer() {
    if cfg!(debug_assertions)
        && std::env::var_os("BIMTEK_FAULT_ABORT_BEFORE_ANSWER").is_some_and(|v| v == "1")
    {
        tracing::warn!("fault hook: aborting before the idempotent answer is stored");
        std::process::abort();
    }
}

async fn release(state: &AppState, caller: String, key: String, lock_token: Uuid) {
    let released = db::run(&state.pool, move |conn| {
        Ok(repo::release(conn, &caller, &key, lock_token)?)
    })
    .await;
    if let Err(err) = released {
        tracing::warn!(error.code = err.code(), "idempotency key not released");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_of_1_to_255_characters() {
        let ok =
            |s: &str| parse_key(&HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static("")));
        assert!(ok("a").is_ok());
        assert!(ok("550e8400-e29b-41d4-a716-446655440000").is_ok());
        assert!(ok(&"k".repeat(255)).is_ok());
        assert!(ok(&"k".repeat(256)).is_err());
        assert!(ok("").is_err());
        assert!(ok("two words").is_err());
        assert!(ok("tab\there").is_err());
    }

    #[test]
    fn fingerprints_separate_method_path_and_body() {
        let a = fingerprint("POST", "/api/v1/units", b"{}");
        assert_eq!(a, fingerprint("POST", "/api/v1/units", b"{}"));
        assert_ne!(a, fingerprint("POST", "/api/v1/units", b"{ }"));
        assert_ne!(a, fingerprint("POST", "/api/v1/units?dry_run=true", b"{}"));
        assert_ne!(
            fingerprint("POST", "/a", b"b/c"),
            fingerprint("POST", "/ab", b"/c")
        );
    }

    #[test]
    fn server_errors_and_unexecuted_answers_are_not_stored() {
        assert!(is_stored(StatusCode::CREATED));
        assert!(is_stored(StatusCode::UNPROCESSABLE_ENTITY));
        assert!(is_stored(StatusCode::CONFLICT));
        assert!(!is_stored(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(!is_stored(StatusCode::SERVICE_UNAVAILABLE));
        assert!(!is_stored(StatusCode::UNAUTHORIZED));
        assert!(!is_stored(StatusCode::TOO_MANY_REQUESTS));
    }
}
