//! `/metrics`: request counts and latency histograms by route template and status, pool gauges, the throttle's
//! 429s, and the optional token.

use std::time::Duration;

use bimtek_api::domain::role::Role;
use secrecy::SecretString;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, assert_problem, spawn_app, spawn_app_with};

pub async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    response.text().await.unwrap()
}

/// The value of the sample `name{labels}` (or `name` without labels).
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (key, value) = line.rsplit_once(' ')?;
            (key == series).then(|| value.parse().ok()).flatten()
        })
}

fn requests(method: &str, route: &str, status: u16) -> String {
    format!("http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}}")
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_status_with_latency_histograms() {
    let app = spawn_app().await;
    let (admin, token) = app.user_with_token(Role::Admin).await;
    let missing = uuid::Uuid::new_v4();
    for path in [
        format!("/api/v1/users/{}", admin.id),
        format!("/api/v1/users/{}", admin.id),
        format!("/api/v1/users/{missing}"),
    ] {
        app.client
            .get(app.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
    }
    app.client
        .get(app.url("/no/such/path"))
        .send()
        .await
        .unwrap();
    app.client.get(app.url("/api/v1/me")).send().await.unwrap();

    let text = scrape(&app).await;
    let route = "/api/v1/users/{id}";
    assert_eq!(
        sample(&text, &requests("GET", route, 200)),
        Some(2.0),
        "{text}"
    );
    assert_eq!(sample(&text, &requests("GET", route, 404)), Some(1.0));
    assert_eq!(
        sample(&text, &requests("POST", "/api/v1/auth/login", 200)),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, &requests("GET", "/api/v1/me", 401)),
        Some(1.0)
    );
    assert_eq!(sample(&text, &requests("GET", "unmatched", 404)), Some(1.0));
    // Route templates only: no raw path, no id.
    assert!(!text.contains(&admin.id.to_string()) && !text.contains(&missing.to_string()));
    assert!(!text.contains("/no/such/path"));

    // The histogram of a series: cumulative buckets ending in +Inf, a count equal to the requests, and a sum.
    let labels = format!("method=\"GET\",route=\"{route}\",status=\"200\"");
    let count = sample(
        &text,
        &format!("http_request_duration_seconds_count{{{labels}}}"),
    );
    assert_eq!(count, Some(2.0));
    let inf = sample(
        &text,
        &format!("http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}}"),
    );
    assert_eq!(inf, Some(2.0));
    let buckets: Vec<f64> = text
        .lines()
        .filter(|l| l.starts_with(&format!("http_request_duration_seconds_bucket{{{labels},")))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse().ok())
        .collect();
    assert_eq!(buckets.len(), 13);
    assert!(
        buckets.windows(2).all(|w| w[0] <= w[1]),
        "cumulative: {buckets:?}"
    );
    let sum = sample(
        &text,
        &format!("http_request_duration_seconds_sum{{{labels}}}"),
    );
    assert!(sum.is_some_and(|s| s > 0.0));
    assert!(text.contains("# TYPE http_request_duration_seconds histogram"));

    // The pool: the test settings allow 3 connections; the requests above opened at least one.
    assert_eq!(sample(&text, "bimtek_db_pool_max_connections"), Some(3.0));
    let open = sample(&text, "bimtek_db_pool_connections").unwrap();
    let idle = sample(&text, "bimtek_db_pool_idle_connections").unwrap();
    assert!((1.0..=3.0).contains(&open), "open {open}");
    assert!(idle <= open, "idle {idle} of {open}");
    // Nobody waits for a connection between requests (other tests of this process share the gauge: at most
    // their few in-flight checkouts), and no webhook is pending in a fresh database.
    let waiting = sample(&text, "bimtek_db_pool_waiting").unwrap();
    assert!((0.0..64.0).contains(&waiting), "waiting {waiting}");
    assert!(text.contains("# TYPE bimtek_db_pool_waiting gauge"));
    assert_eq!(sample(&text, "bimtek_webhook_outbox_pending"), Some(0.0));
    assert_eq!(
        sample(&text, "bimtek_webhook_outbox_oldest_seconds"),
        Some(0.0)
    );

    // A second scrape counts the first one under its own route.
    let text = scrape(&app).await;
    assert_eq!(sample(&text, &requests("GET", "/metrics", 200)), Some(1.0));
    assert_eq!(sample(&text, &requests("GET", route, 200)), Some(2.0));
}

#[tokio::test]
async fn the_429s_of_the_login_throttle_are_counted() {
    let app = spawn_app_with(|s| {
        s.login_max_attempts_per_address = 2;
        s.login_max_failures_per_account = 100;
        s.login_failure_delay = Duration::ZERO;
    })
    .await;
    let user = app.seed_user(Role::Organizer);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            app.login_response(&user.username, PASSWORD)
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [200, 200, 429, 429]);
    let text = scrape(&app).await;
    assert_eq!(
        sample(&text, "bimtek_rate_limited_total{scope=\"address\"}"),
        Some(2.0)
    );
    assert_eq!(
        sample(&text, "bimtek_rate_limited_total{scope=\"account\"}"),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, &requests("POST", "/api/v1/auth/login", 429)),
        Some(2.0)
    );
    assert_eq!(
        sample(&text, "bimtek_rate_limiter_keys{scope=\"address\"}"),
        Some(1.0)
    );
}

#[tokio::test]
async fn metrics_require_the_token_when_one_is_configured() {
    let app = spawn_app_with(|s| {
        s.metrics_token = Some(SecretString::from("scrape-token-for-the-tests"));
    })
    .await;
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert!(response.headers().contains_key("www-authenticate"));
    assert_problem(response, 401, "unauthorized").await;
    for wrong in [
        "Bearer scrape-token-for-the-test",
        "Basic scrape-token-for-the-tests",
    ] {
        let response = app
            .client
            .get(app.url("/metrics"))
            .header("authorization", wrong)
            .send()
            .await
            .unwrap();
        assert_problem(response, 401, "unauthorized").await;
    }
    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-token-for-the-tests")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("http_requests_total")
    );
}

#[tokio::test]
async fn metrics_are_outside_the_api_and_its_document() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api-docs/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["paths"].get("/metrics").is_none());
    assert!(doc["paths"].get("/api/v1/metrics").is_none());
    let response = app
        .client
        .post(app.url("/metrics"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error());
    // Not cached by anything in between.
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
}
