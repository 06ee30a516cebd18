//! `GET /metrics` in the Prometheus text format: the request series of `crate::metrics`, the database pool (size,
//! open, idle, waiting), the webhook outbox depth, the event snapshots' reads and the login throttle.

use std::fmt::Write as _;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::ExposeSecret;

use crate::error::ApiError;
use crate::ratelimit::Scope;
use crate::service;
use crate::service::snapshots::{self, Kind, ReadOutcome};
use crate::service::webhooks::OutboxDepth;
use crate::state::AppState;

/// The whole exposition: requests, the database pool, the webhook outbox (when the database answered) and the
/// login throttle.
pub fn render(state: &AppState, outbox: Option<OutboxDepth>) -> String {
    let mut out = String::with_capacity(16 * 1024);
    state.metrics.render_requests(&mut out);
    let pool = state.pool.state();
    let _ = write!(
        out,
        "# HELP bimtek_db_pool_max_connections Largest size of the database connection pool.\n\
         # TYPE bimtek_db_pool_max_connections gauge\n\
         bimtek_db_pool_max_connections {}\n\
         # HELP bimtek_db_pool_connections Connections open in the database pool (idle or in use).\n\
         # TYPE bimtek_db_pool_connections gauge\n\
         bimtek_db_pool_connections {}\n\
         # HELP bimtek_db_pool_idle_connections Open connections waiting in the pool for a request.\n\
         # TYPE bimtek_db_pool_idle_connections gauge\n\
         bimtek_db_pool_idle_connections {}\n\
         # HELP bimtek_db_pool_waiting Requests waiting for a pooled connection (up to the checkout timeout).\n\
         # TYPE bimtek_db_pool_waiting gauge\n\
         bimtek_db_pool_waiting {}\n",
        state.pool.max_size(),
        pool.connections,
        pool.idle_connections,
        service::pool_waiting(),
    );
    if let Some(outbox) = outbox {
        let _ = write!(
            out,
            "# HELP bimtek_webhook_outbox_pending Webhook deliveries waiting to be sent (due now or retrying later).\n\
             # TYPE bimtek_webhook_outbox_pending gauge\n\
             bimtek_webhook_outbox_pending {}\n\
             # HELP bimtek_webhook_outbox_oldest_seconds Age of the oldest delivery still waiting (0 when none).\n\
             # TYPE bimtek_webhook_outbox_oldest_seconds gauge\n\
             bimtek_webhook_outbox_oldest_seconds {:.3}\n",
            outbox.pending, outbox.oldest_seconds,
        );
    }
    out.push_str(
        "# HELP bimtek_snapshot_reads_total Reads of event reports and results by how they were served: from the \
         stored snapshot (hit), recomputed and stored (refreshed), recomputed without storing (unstored).\n\
         # TYPE bimtek_snapshot_reads_total counter\n",
    );
    for kind in Kind::ALL {
        for outcome in ReadOutcome::ALL {
            let _ = writeln!(
                out,
                "bimtek_snapshot_reads_total{{kind=\"{}\",outcome=\"{}\"}} {}",
                kind.as_str(),
                outcome.as_str(),
                snapshots::reads(kind, outcome),
            );
        }
    }
    let limiter = &state.login_limiter;
    let _ = write!(
        out,
        "# HELP bimtek_rate_limited_total Requests refused with 429 by the login throttle, by limit.\n\
         # TYPE bimtek_rate_limited_total counter\n\
         bimtek_rate_limited_total{{scope=\"account\"}} {}\n\
         bimtek_rate_limited_total{{scope=\"address\"}} {}\n\
         # HELP bimtek_rate_limiter_keys Accounts and client addresses the login throttle currently tracks.\n\
         # TYPE bimtek_rate_limiter_keys gauge\n\
         bimtek_rate_limiter_keys{{scope=\"account\"}} {}\n\
         bimtek_rate_limiter_keys{{scope=\"address\"}} {}\n",
        limiter.refused(Scope::Account),
        limiter.refused(Scope::Address),
        limiter.tracked(Scope::Account),
        limiter.tracked(Scope::Address),
    );
    out
}

/// Compares without an early exit, so that the time taken does not tell how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn authorized(req: &HttpRequest, state: &AppState) -> bool {
    let Some(expected) = &state.settings.metrics_token else {
        return true;
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    presented.is_some_and(|token| {
        constant_time_eq(token.as_bytes(), expected.expose_secret().as_bytes())
    })
}

/// `GET /metrics`: the Prometheus exposition. With `METRICS_TOKEN` set it requires that bearer token.
pub async fn serve(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if !authorized(&req, &state) {
        return Err(ApiError::Unauthorized {
            code: "unauthorized",
            detail: "The metrics require `Authorization: Bearer <METRICS_TOKEN>`.".into(),
            invalid_token: req.headers().contains_key(header::AUTHORIZATION),
        });
    }
    // The outbox depth is one indexed count; while the database is away the rest is still served.
    let outbox = service::webhooks::outbox_depth(&state.pool).await.ok();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(render(&state, outbox)))
}
