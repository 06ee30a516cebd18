//! The delivery worker: a tokio task in every instance. Each round claims due deliveries in one short statement
//! (`FOR UPDATE SKIP LOCKED`, a lease), sends them concurrently without holding a connection, and records each
//! outcome; every `MAINTENANCE_INTERVAL_SECONDS` it runs the maintenance round of the retention policy
//! (`service::retention`). It stops between rounds on shutdown.

use std::time::{Duration, Instant};

use diesel::pg::PgConnection;
use futures_util::future::join_all;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::config::Settings;
use crate::db::{self, DbPool};
use crate::repo::webhooks::{self as repo, AttemptResult, ClaimedDelivery};
use crate::webhooks::secrets::SecretKeys;
use crate::webhooks::{MAX_ATTEMPTS, backoff_with_jitter, signing, ssrf};
use secrecy::ExposeSecret;

/// Deliveries claimed per round.
const BATCH: i32 = 20;
/// How long a claim lasts: far longer than one delivery's timeout, so a live worker never loses its claim.
const LEASE_SECONDS: f64 = 60.0;
/// How much of a receiver's answer is read (then the connection is dropped).
const MAX_RESPONSE_BYTES: usize = 16 * 1024;

/// A running worker: stop it with [`WorkerHandle::stop`].
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WorkerHandle {
    /// Asks the worker to stop after the deliveries in hand and waits for it (at most `grace`).
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(grace, self.task).await.is_err() {
            tracing::warn!("webhook worker did not stop in time");
        }
    }
}

struct Worker {
    pool: DbPool,
    client: reqwest::Client,
    poll: Duration,
    allow_private: bool,
    /// The retention periods the maintenance round enforces, and how often it runs.
    retention: crate::service::retention::Retention,
    maintenance_every: Duration,
    /// Open the subscriptions' sealed signing secrets.
    keys: SecretKeys,
}

/// Starts the worker on the current tokio runtime, with its own one-connection pool so that deliveries never
/// take connections from requests.
pub fn start(settings: &Settings) -> Result<WorkerHandle, reqwest::Error> {
    let mut pool_settings = settings.clone();
    pool_settings.db_pool_size = 1;
    let pool = db::build_pool(&pool_settings);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(settings.webhook_timeout)
        .connect_timeout(settings.webhook_timeout)
        .user_agent(concat!("bimtek-api-webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(ssrf::GuardedResolver::shared(
            settings.webhook_allow_private_targets,
        ))
        .build()?;
    let worker = Worker {
        pool,
        client,
        poll: settings.webhook_poll_interval,
        allow_private: settings.webhook_allow_private_targets,
        retention: crate::service::retention::Retention::from_settings(settings),
        maintenance_every: settings.maintenance_interval,
        keys: settings.webhook_secret_keys.clone(),
    };
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(worker.run(stopped));
    Ok(WorkerHandle { stop, task })
}

impl Worker {
    async fn run(self, mut stopped: watch::Receiver<bool>) {
        tracing::info!("webhook worker started");
        let mut last_cleanup: Option<Instant> = None;
        loop {
            if *stopped.borrow() {
                break;
            }
            let claimed = self.claim().await;
            let full = claimed.len() == BATCH as usize;
            join_all(claimed.into_iter().map(|d| self.deliver(d))).await;
            if last_cleanup.is_none_or(|at| at.elapsed() >= self.maintenance_every) {
                last_cleanup = Some(Instant::now());
                self.cleanup().await;
            }
            if full {
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(self.poll) => {}
                _ = stopped.changed() => {}
            }
        }
        tracing::info!("webhook worker stopped");
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut PgConnection) -> diesel::QueryResult<T> + Send + 'static,
    ) -> Option<T> {
        let pool = self.pool.clone();
        let result = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(|_| "no database connection")?;
            f(&mut conn).map_err(|_| "database error")
        })
        .await;
        match result {
            Ok(Ok(value)) => Some(value),
            Ok(Err(why)) => {
                tracing::warn!(error.cause = why, "webhook worker database step failed");
                None
            }
            Err(_) => None,
        }
    }

    async fn claim(&self) -> Vec<ClaimedDelivery> {
        let token = Uuid::new_v4();
        self.blocking(move |conn| repo::claim_due(conn, BATCH, LEASE_SECONDS, token))
            .await
            .unwrap_or_default()
    }

    /// The maintenance round: everything past its retention period is deleted (`service::retention`).
    async fn cleanup(&self) {
        let retention = self.retention;
        let Some(pruned) = self
            .blocking(move |conn| crate::service::retention::run(conn, &retention))
            .await
        else {
            return;
        };
        if pruned != crate::service::retention::Pruned::default() {
            tracing::info!(
                idempotency.expired = pruned.idempotency_keys,
                throttle.stale = pruned.throttle_windows,
                changes.pruned = pruned.changes,
                audit.pruned = pruned.audit_entries,
                access_events.pruned = pruned.access_events,
                webhook.deliveries_pruned = pruned.webhook_deliveries,
                refresh_tokens.pruned = pruned.refresh_tokens,
                "maintenance round: rows past their retention deleted"
            );
        }
    }

    /// Sends one delivery and records the outcome.
    async fn deliver(&self, delivery: ClaimedDelivery) {
        let attempt = delivery.attempts + 1;
        let outcome = self.send(&delivery).await;
        let delivered = outcome.status_code.is_some_and(|s| (200..300).contains(&s));
        let final_failure = !delivered && attempt >= MAX_ATTEMPTS;
        let result = AttemptResult {
            status_code: outcome.status_code,
            error: if delivered { None } else { outcome.error },
            delivered,
            final_failure,
            retry_after_seconds: if delivered || final_failure {
                0.0
            } else {
                backoff_with_jitter(attempt)
            },
        };
        tracing::info!(
            webhook.delivery_id = %delivery.id,
            webhook.attempt = attempt,
            webhook.status_code = outcome.status_code,
            webhook.delivered = delivered,
            "webhook attempt"
        );
        let id = delivery.id;
        let token = delivery.lock_token;
        self.blocking(move |conn| repo::record_attempt(conn, id, token, &result))
            .await;
    }

    async fn send(&self, delivery: &ClaimedDelivery) -> Outcome {
        let url = match ssrf::parse_url(&delivery.url) {
            Ok(url) => url,
            Err(err) => return Outcome::error(err.to_string()),
        };
        // Literal IP hosts never reach the resolver: check them here.
        if let Some(host) = url.host() {
            let literal = match host {
                url::Host::Ipv4(ip) => Some(std::net::IpAddr::V4(ip)),
                url::Host::Ipv6(ip) => Some(std::net::IpAddr::V6(ip)),
                url::Host::Domain(_) => None,
            };
            if !self.allow_private && literal.is_some_and(ssrf::is_forbidden) {
                return Outcome::error(ssrf::TargetError::Forbidden.to_string());
            }
        }
        let secret = match crate::service::webhooks::open_secret(
            &self.keys,
            delivery.subscription_id,
            delivery.secret.clone(),
        ) {
            Ok(secret) => secret,
            Err(err) => {
                tracing::warn!(webhook.delivery_id = %delivery.id, error.cause = %err, "webhook secret unavailable");
                return Outcome::error(err.to_string());
            }
        };
        let timestamp = chrono::Utc::now().timestamp();
        let body = delivery.body.clone().into_bytes();
        let signature = signing::signature(secret.expose_secret(), timestamp, &body);
        let sent = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Webhook-Id", delivery.event_id.to_string())
            .header("Webhook-Timestamp", timestamp.to_string())
            .header("Webhook-Signature", signature)
            .body(body)
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(err) => return Outcome::error(describe(&err)),
        };
        let status = i32::from(response.status().as_u16());
        // Read at most 16 KiB of the answer, then let the connection go.
        let mut read = 0usize;
        while read < MAX_RESPONSE_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                _ => break,
            }
        }
        Outcome {
            status_code: Some(status),
            error: (!(200..300).contains(&status)).then(|| format!("HTTP {status}")),
        }
    }
}

struct Outcome {
    status_code: Option<i32>,
    error: Option<String>,
}

impl Outcome {
    fn error(message: String) -> Self {
        Self {
            status_code: None,
            error: Some(message),
        }
    }
}

/// A short, safe description of a transport error for the delivery log (no URL, no body).
fn describe(err: &reqwest::Error) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(target) = e.downcast_ref::<ssrf::TargetError>() {
            return target.to_string();
        }
        source = e.source();
    }
    if err.is_timeout() {
        "timeout".to_owned()
    } else if err.is_connect() {
        "connection failed".to_owned()
    } else if err.is_redirect() {
        "redirect refused".to_owned()
    } else {
        "request failed".to_owned()
    }
}
