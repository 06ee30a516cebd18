//! Small middlewares written with `from_fn`: request ids with the request context (`crate::context`), and turning a handler panic into a 500 problem.

use std::panic::AssertUnwindSafe;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use futures_util::FutureExt;

use crate::context::{self, RequestContext};
use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry::RequestId;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

fn acceptable_request_id(value: &HeaderValue) -> Option<String> {
    let value = value.to_str().ok()?;
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    ok.then(|| value.to_owned())
}

/// Accepts a client's `X-Request-Id` (up to 64 characters of `A-Z a-z 0-9 - _ .`) or makes one, and returns it.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(acceptable_request_id)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    // The request context lives around the rest of the request: the extractor records the actor in it, the
    // database layer hands both to the audit triggers.
    let context = RequestContext {
        request_id: Some(id.clone()),
        actor: None,
        access_events: Default::default(),
        idempotency: None,
    };
    let access_events = std::sync::Arc::clone(&context.access_events);
    let access_log = req
        .app_data::<actix_web::web::Data<AppState>>()
        .map(|state| std::sync::Arc::clone(&state.access_log));
    // Errors of handlers and extractors arrive here as responses; an `Err` (from a middleware) is rendered by
    // the server itself, without the header.
    let result = context::scope(context, next.call(req)).await;
    // The reads of personal data the handler made go to the access log whatever the answer was.
    let events = context::take_access_events(&access_events);
    if let Some(log) = access_log.filter(|_| !events.is_empty()) {
        log.record(Some(&id), events);
    }
    let mut response = result?.map_into_boxed_body();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    Ok(response)
}

/// A panic inside a handler becomes a 500 problem document; the worker and the connection survive.
/// (The request cannot be cloned before routing, so the error is returned and the server renders it.)
pub async fn catch_panic(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(result) => result.map(ServiceResponse::map_into_boxed_body),
        Err(_) => Err(ApiError::internal_msg("handler panicked").into()),
    }
}
