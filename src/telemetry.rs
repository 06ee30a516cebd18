//! Logging: a tracing subscriber (JSON lines or pretty) and the request span.
//!
//! The request span records the method, the route *template* (never the raw path or query, which can hold
//! names), the request id, the status and the latency. Nothing of the body, the headers or the user is logged.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. `RUST_LOG` overrides the default level filter.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn,actix_web=warn,r2d2=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
    // A second initialisation (tests) is not an error worth reporting.
    drop(result);
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(panic.location = %location, "panic in a request handler or worker");
    }));
}

/// The request id of a request: taken from a well-formed `X-Request-Id` header, or generated.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// When the request started, for the latency field.
#[derive(Debug, Clone, Copy)]
struct StartedAt(Instant);

/// The root span of every request.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        request.extensions_mut().insert(StartedAt(Instant::now()));
        tracing::info_span!(
            "http_request",
            http.method = %request.method(),
            http.route = %route,
            request_id = %request_id,
            http.status_code = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, started) = match outcome {
            Ok(response) => (
                response.status().as_u16(),
                response.request().extensions().get::<StartedAt>().copied(),
            ),
            Err(error) => (error.as_response_error().status_code().as_u16(), None),
        };
        // In milliseconds to the microsecond: a float's binary tail (0.053269000000000004) says nothing and looks
        // like an 18-digit number to the log check.
        let latency_ms = started.map(|s| (s.0.elapsed().as_secs_f64() * 1e6).round() / 1000.0);
        span.record("http.status_code", status);
        let _entered = span.enter();
        if status == 503 {
            // The database is down or busy: expected during an outage, already answered with Retry-After.
            tracing::warn!(
                http.status_code = status,
                latency_ms,
                "request refused: service unavailable"
            );
        } else if status >= 500 {
            tracing::error!(http.status_code = status, latency_ms, "request failed");
        } else {
            tracing::info!(http.status_code = status, latency_ms, "request completed");
        }
    }
}
