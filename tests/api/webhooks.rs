//! Webhooks: subscriptions, the outbox written by the change's transaction, signed deliveries to a receiver inside
//! the test, retries with backoff, the SSRF guard, the delivery log and redelivery.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use bimtek_api::domain::role::Role;
use diesel::RunQueryDsl;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use crate::helpers::{
    TestApp, assert_problem, error_fields, eventually, ok_json, spawn_app, spawn_app_with,
};

pub const SECRET: &str = "whsec_test-secret-for-the-receiver-0123456789";

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// An HTTP server on 127.0.0.1:0 that records every request and answers with the scripted statuses (then 200).
pub struct Receiver {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Received>>>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

impl Receiver {
    pub async fn start(script: Vec<u16>) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let (recorded, answers) = (requests.clone(), script.clone());
        let server = HttpServer::new(move || {
            let (recorded, answers) = (recorded.clone(), answers.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (recorded, answers) = (recorded.clone(), answers.clone());
                async move {
                    let headers = req
                        .headers()
                        .iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                        .collect();
                    recorded.lock().unwrap().push(Received {
                        headers,
                        body: body.to_vec(),
                    });
                    let status = answers.lock().unwrap().pop_front().unwrap_or(200);
                    let mut response =
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
                    if (300..400).contains(&status) {
                        response.insert_header(("Location", "/redirected-target"));
                    }
                    response.body("ok")
                }
            }))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hooks/bimtek"),
            requests,
            handle,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.requests.lock().unwrap().clone()
    }

    /// Waits (at most 10 s) until at least `n` requests arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        eventually(
            &format!("{n} requests at the receiver {}", self.url),
            Duration::from_secs(10),
            || async move {
                let got = self.received();
                (got.len() >= n).then_some(got)
            },
        )
        .await
    }
}

/// The positive marker of the checks that something is *not* sent: returns once the worker has finished a whole
/// round begun after this call. It enqueues a `certificate.revoked` event (a type no other subscription of these
/// tests listens to) for a subscription and receiver of its own, and a second one once the first was delivered:
/// the second is claimed by a later round than the first, and the worker begins a round only when every delivery
/// of the one before has been answered. So whatever was due when this was called has reached its receiver (or
/// been recorded as failed) when this returns.
pub async fn worker_round_passed(app: &TestApp, admin_token: &str) {
    let marker = Receiver::start(vec![]).await;
    subscribe(app, admin_token, &marker.url, &["certificate.revoked"]).await;
    for n in 1..=2 {
        diesel::sql_query("SELECT webhook_enqueue('certificate.revoked', '{}'::jsonb)")
            .execute(&mut app.db())
            .unwrap();
        marker.wait_for(n).await;
    }
}

/// An application whose worker polls every 50 ms and may deliver to 127.0.0.1 (the receiver).
pub async fn spawn_webhook_app() -> TestApp {
    spawn_app_with(|s| {
        s.webhook_worker_enabled = true;
        s.webhook_allow_private_targets = true;
        s.webhook_poll_interval = Duration::from_millis(50);
    })
    .await
}

pub async fn subscribe(app: &TestApp, token: &str, url: &str, types: &[&str]) -> Value {
    let response = app
        .send(
            reqwest::Method::POST,
            "/api/v1/webhooks",
            token,
            Some(json!({"url": url, "event_types": types, "secret": SECRET})),
        )
        .await;
    ok_json(response, 201).await
}

/// Verifies the signature headers independently of the service's code.
pub fn assert_signed(received: &Received) {
    let timestamp = &received.headers["webhook-timestamp"];
    let ts: i64 = timestamp.parse().unwrap();
    assert!(
        (chrono::Utc::now().timestamp() - ts).abs() < 60,
        "fresh timestamp"
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(&received.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        received.headers["webhook-signature"],
        format!("v1={expected}")
    );
    assert_eq!(received.headers["content-type"], "application/json");
    assert_eq!(
        received.headers["webhook-id"],
        received.json()["id"].as_str().unwrap()
    );
}

async fn deliveries(app: &TestApp, token: &str, webhook: &str) -> Vec<Value> {
    let response = app
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/webhooks/{webhook}/deliveries"),
            token,
            None,
        )
        .await;
    ok_json(response, 200).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// The delivery log of `webhook` once the worker has recorded `attempts` attempts on every delivery in it (it
/// records an attempt after the receiver answered, or the request failed).
async fn deliveries_after(app: &TestApp, token: &str, webhook: &str, attempts: i64) -> Vec<Value> {
    eventually(
        &format!("{attempts} recorded attempt(s) on every delivery of webhook {webhook}"),
        Duration::from_secs(10),
        || async move {
            let log = deliveries(app, token, webhook).await;
            (!log.is_empty() && log.iter().all(|d| d["attempts"] == attempts)).then_some(log)
        },
    )
    .await
}

fn make_due(app: &TestApp) {
    diesel::sql_query(
        "UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending'",
    )
    .execute(&mut app.db())
    .unwrap();
}

#[tokio::test]
async fn a_new_participant_is_delivered_once_signed_and_without_personal_data() {
    let app = spawn_webhook_app().await;
    let receiver = Receiver::start(vec![]).await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let created = subscribe(&app, &token, &receiver.url, &["participant.created"]).await;
    assert_eq!(created["secret"], SECRET);
    assert_eq!(created["active"], true);
    let webhook = created["id"].as_str().unwrap().to_owned();

    // The secret is shown only once.
    let read = ok_json(
        app.send(
            reqwest::Method::GET,
            &format!("/api/v1/webhooks/{webhook}"),
            &token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert!(read.get("secret").is_none());
    assert!(!read.to_string().contains(SECRET));

    let unit = app.seed_unit("WH-1");
    let participant = app.seed_participant(unit, "Budi Santoso Webhook");
    let got = receiver.wait_for(1).await;
    let event = got[0].json();
    assert_signed(&got[0]);
    assert_eq!(event["type"], "participant.created");
    assert_eq!(event["data"]["participant_id"], participant.to_string());
    assert_eq!(event["data"]["unit_id"], unit.to_string());
    assert!(event["occurred_at"].as_str().unwrap().ends_with('Z'));
    let text = String::from_utf8(got[0].body.clone()).unwrap();
    assert!(!text.contains("Budi"), "no names in events: {text}");

    // Only subscribed types are sent: an enrollment change is not.
    worker_round_passed(&app, &token).await;
    assert_eq!(receiver.received().len(), 1);

    let log = deliveries(&app, &token, &webhook).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["last_status_code"], 200);
    assert_eq!(log[0]["event_type"], "participant.created");
    assert_eq!(log[0]["event_id"], event["id"]);
    assert!(log[0]["next_attempt_at"].is_null());
    assert!(log[0]["delivered_at"].is_string());
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_backoff_until_they_succeed() {
    let app = spawn_webhook_app().await;
    let receiver = Receiver::start(vec![500, 503]).await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let webhook = subscribe(&app, &token, &receiver.url, &["participant.created"]).await;
    let webhook = webhook["id"].as_str().unwrap().to_owned();
    app.seed_participant(app.seed_unit("WH-2"), "Retry Officer");

    receiver.wait_for(1).await;
    let log = deliveries_after(&app, &token, &webhook, 1).await;
    assert_eq!(log[0]["status"], "pending");
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["last_status_code"], 500);
    assert_eq!(log[0]["last_error"], "HTTP 500");
    // The waiting delivery is the outbox depth of /metrics.
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l == "bimtek_webhook_outbox_pending 1"),
        "{metrics}"
    );
    // The first retry waits about 10 s (with jitter of +-20%).
    let next: chrono::DateTime<chrono::Utc> =
        log[0]["next_attempt_at"].as_str().unwrap().parse().unwrap();
    let wait = (next - chrono::Utc::now()).num_milliseconds();
    assert!((6_000..=12_500).contains(&wait), "first backoff {wait} ms");
    // Not retried before it is due.
    worker_round_passed(&app, &token).await;
    assert_eq!(receiver.received().len(), 1);

    make_due(&app);
    receiver.wait_for(2).await;
    let log = deliveries_after(&app, &token, &webhook, 2).await;
    assert_eq!(log[0]["attempts"], 2);
    assert_eq!(log[0]["last_status_code"], 503);
    let next: chrono::DateTime<chrono::Utc> =
        log[0]["next_attempt_at"].as_str().unwrap().parse().unwrap();
    let wait = (next - chrono::Utc::now()).num_milliseconds();
    assert!(
        (20_000..=36_500).contains(&wait),
        "second backoff {wait} ms"
    );

    make_due(&app);
    let got = receiver.wait_for(3).await;
    let log = deliveries_after(&app, &token, &webhook, 3).await;
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["attempts"], 3);
    assert!(log[0]["last_error"].is_null());
    // Every attempt carries the same event id, each freshly signed.
    for request in &got {
        assert_signed(request);
        assert_eq!(request.headers["webhook-id"], got[0].headers["webhook-id"]);
    }
}

#[tokio::test]
async fn the_last_failed_attempt_marks_the_delivery_failed() {
    let app = spawn_webhook_app().await;
    let receiver = Receiver::start(vec![500]).await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let webhook = subscribe(&app, &token, &receiver.url, &["participant.created"]).await;
    let webhook = webhook["id"].as_str().unwrap().to_owned();
    // Seven attempts already failed: the eighth is the last.
    app.seed_participant(app.seed_unit("WH-3"), "Failing Officer");
    diesel::sql_query("UPDATE webhook_deliveries SET attempts = 7")
        .execute(&mut app.db())
        .unwrap();
    receiver.wait_for(1).await;
    let log = deliveries_after(&app, &token, &webhook, 8).await;
    assert_eq!(log[0]["status"], "failed");
    assert_eq!(log[0]["attempts"], 8);
    assert!(log[0]["next_attempt_at"].is_null());
    let failed = app
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/webhooks/{webhook}/deliveries?status=failed"),
            &token,
            None,
        )
        .await;
    assert_eq!(ok_json(failed, 200).await["total"], 1);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let app = spawn_webhook_app().await;
    let receiver = Receiver::start(vec![302]).await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let webhook = subscribe(&app, &token, &receiver.url, &["participant.created"]).await;
    let webhook = webhook["id"].as_str().unwrap().to_owned();
    app.seed_participant(app.seed_unit("WH-4"), "Redirect Officer");
    receiver.wait_for(1).await;
    // The redirect target was never asked: the attempt is recorded once its request (with any redirect the client
    // had followed) is over.
    let log = deliveries_after(&app, &token, &webhook, 1).await;
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(log[0]["status"], "pending");
    assert_eq!(log[0]["last_status_code"], 302);
}

#[tokio::test]
async fn redeliver_queues_the_event_again() {
    let app = spawn_webhook_app().await;
    let receiver = Receiver::start(vec![]).await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let webhook = subscribe(&app, &token, &receiver.url, &["participant.created"]).await;
    let webhook = webhook["id"].as_str().unwrap().to_owned();
    app.seed_participant(app.seed_unit("WH-5"), "Redeliver Officer");
    let first = receiver.wait_for(1).await;
    let original = deliveries_after(&app, &token, &webhook, 1).await[0].clone();

    let response = app
        .send(
            reqwest::Method::POST,
            &format!(
                "/api/v1/webhooks/{webhook}/deliveries/{}/redeliver",
                original["id"].as_str().unwrap()
            ),
            &token,
            None,
        )
        .await;
    let queued = ok_json(response, 202).await;
    assert_eq!(queued["status"], "pending");
    assert_eq!(queued["redelivery_of"], original["id"]);
    assert_eq!(queued["event_id"], original["event_id"]);

    let got = receiver.wait_for(2).await;
    assert_signed(&got[1]);
    assert_eq!(got[1].headers["webhook-id"], first[0].headers["webhook-id"]);
    assert_eq!(got[1].body, first[0].body);
    let log = deliveries_after(&app, &token, &webhook, 1).await;
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|d| d["status"] == "delivered"));

    // An unknown delivery, or one of another subscription, is 404.
    let missing = app
        .send(
            reqwest::Method::POST,
            &format!(
                "/api/v1/webhooks/{webhook}/deliveries/{}/redeliver",
                Uuid::new_v4()
            ),
            &token,
            None,
        )
        .await;
    assert_problem(missing, 404, "not_found").await;
}

#[tokio::test]
async fn inactive_subscriptions_and_other_event_types_get_nothing() {
    let app = spawn_webhook_app().await;
    let receiver = Receiver::start(vec![]).await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let webhook = subscribe(
        &app,
        &token,
        &receiver.url,
        &["participant.created", "participant.updated"],
    )
    .await;
    let id = webhook["id"].as_str().unwrap();
    let patched = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/webhooks/{id}"),
            &token,
            Some(json!({"active": false})),
        )
        .await;
    let patched = ok_json(patched, 200).await;
    assert_eq!(patched["active"], false);
    assert_eq!(patched["version"], 2);
    app.seed_participant(app.seed_unit("WH-6"), "Quiet Officer");
    // The outbox is written in the change's transaction, for active subscriptions only: nothing to send ...
    assert_eq!(app.count("webhook_deliveries"), 0);
    // ... and nothing sent once the worker has completed a round since (its marker adds deliveries of its own).
    worker_round_passed(&app, &token).await;
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn the_outbox_is_written_in_the_transaction_of_the_change() {
    let app = spawn_app_with(|s| {
        s.webhook_worker_enabled = false;
        s.webhook_allow_private_targets = true;
    })
    .await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let webhook = subscribe(
        &app,
        &token,
        "http://127.0.0.1:9/x",
        &["participant.created"],
    )
    .await;
    assert_eq!(webhook["url"], "http://127.0.0.1:9/x");
    let unit = app.seed_unit("WH-7");
    // A transaction that fails after the insert leaves no delivery behind.
    let mut conn = app.db();
    let failed =
        diesel::Connection::transaction::<(), diesel::result::Error, _>(&mut conn, |conn| {
            diesel::sql_query(format!(
            "INSERT INTO participants (nip, full_name, name_search, sex, employee_type, unit_id)
             VALUES ('198001012005011001', 'Rolled Back', 'rolled back', 'male', 'pns', '{unit}')"
        ))
            .execute(conn)?;
            Err(diesel::result::Error::RollbackTransaction)
        });
    assert!(failed.is_err());
    assert_eq!(app.count("webhook_deliveries"), 0);
    app.seed_participant(unit, "Kept Officer");
    assert_eq!(app.count("webhook_deliveries WHERE status = 'pending'"), 1);
}

#[tokio::test]
async fn private_targets_are_refused_without_the_configuration_flag() {
    // Resolution of localhost must not need the network; the other targets are literal addresses.
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost:8080/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.1/hook",
        "http://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://100.64.0.1/hook",
        "http://224.0.0.1/hook",
        "http://0.0.0.0/hook",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ] {
        let response = app
            .send(
                reqwest::Method::POST,
                "/api/v1/webhooks",
                &token,
                Some(json!({"url": url, "event_types": ["participant.created"]})),
            )
            .await;
        let body = assert_problem(response, 422, "webhook_url_forbidden").await;
        assert_eq!(error_fields(&body), vec!["url"], "{url}");
    }
    assert_eq!(app.count("webhook_subscriptions"), 0);

    // A public address is accepted; changing it to a private one is refused and changes nothing.
    let created = app.send(reqwest::Method::POST,
        "/api/v1/webhooks",
        &token,
        Some(json!({"url": "https://93.184.215.14/hook", "event_types": ["certificate.issued"], "active": false})),
    )
    .await;
    let created = ok_json(created, 201).await;
    assert!(created["secret"].as_str().unwrap().len() >= 32);
    let id = created["id"].as_str().unwrap();
    let refused = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/webhooks/{id}"),
            &token,
            Some(json!({"url": "http://127.0.0.1/hook"})),
        )
        .await;
    assert_problem(refused, 422, "webhook_url_forbidden").await;
    let read = ok_json(
        app.send(
            reqwest::Method::GET,
            &format!("/api/v1/webhooks/{id}"),
            &token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(read["url"], "https://93.184.215.14/hook");
    assert_eq!(read["version"], 1);
}

#[tokio::test]
async fn invalid_subscriptions_list_every_offending_field_and_write_nothing() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let response = app
        .send(
            reqwest::Method::POST,
            "/api/v1/webhooks",
            &token,
            Some(json!({"url": "ftp://example.com/x", "event_types": [], "secret": "short"})),
        )
        .await;
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&body), vec!["event_types", "secret", "url"]);

    let response = app
        .send(
            reqwest::Method::POST,
            "/api/v1/webhooks",
            &token,
            Some(json!({"url": "https://93.184.215.14/x", "event_types": ["participant.deleted"]})),
        )
        .await;
    assert_eq!(response.status(), 422);

    let response = app.send(reqwest::Method::POST,
        "/api/v1/webhooks",
        &token,
        Some(json!({"url": "https://user:pw@93.184.215.14/x", "event_types": ["result.changed"]})),
    )
    .await;
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&body), vec!["url"]);
    assert_eq!(app.count("webhook_subscriptions"), 0);
}

#[tokio::test]
async fn enrollment_and_certificate_changes_are_events_too() {
    let app = spawn_webhook_app().await;
    let receiver = Receiver::start(vec![]).await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    subscribe(
        &app,
        &token,
        &receiver.url,
        &["enrollment.changed", "participant.erased"],
    )
    .await;
    let event = app.seed_event("published", 10);
    let participant = app.seed_participant(app.seed_unit("WH-8"), "Enrolled Officer");
    let (enrollment, _) = app.seed_enrollment(event, participant, "nominated");
    // Through the API: the approval's transaction writes the event.
    let approved = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/enrollments/{enrollment}/approve"),
            &token,
            None,
        )
        .await;
    ok_json(approved, 200).await;
    let got = receiver.wait_for(2).await;
    let events: Vec<Value> = got.iter().map(Received::json).collect();
    assert!(events.iter().all(|e| e["type"] == "enrollment.changed"));
    let statuses: Vec<&str> = events
        .iter()
        .map(|e| e["data"]["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains(&"nominated") && statuses.contains(&"approved"),
        "{statuses:?}"
    );
    let approval = events
        .iter()
        .find(|e| e["data"]["status"] == "approved")
        .unwrap();
    assert_eq!(approval["data"]["previous_status"], "nominated");
    assert_eq!(approval["data"]["enrollment_id"], enrollment.to_string());
}

#[tokio::test]
async fn ipv6_addresses_that_embed_or_are_special_purpose_addresses_are_refused() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    for url in [
        // IPv4-translated loopback (::ffff:0:0:0/96)
        "http://[::ffff:0:127.0.0.1]/hook",
        // 6to4 of loopback, of the cloud metadata address, of a private address
        "http://[2002:7f00:1::]/hook",
        "http://[2002:a9fe:a9fe::]/hook",
        "http://[2002:c0a8:101::]/hook",
        // NAT64 local-use prefix (64:ff9b:1::/48) and the well-known prefix with a private IPv4 address
        "http://[64:ff9b:1::7f00:1]/hook",
        "http://[64:ff9b::a00:1]/hook",
        // Teredo with server 0.0.0.0 and client 255.255.255.255
        "http://[2001::]/hook",
        // discard-only
        "http://[100::1]/hook",
        // ORCHIDv2, documentation (3fff::/20), segment routing SIDs
        "http://[2001:20::1]/hook",
        "http://[3fff::1]/hook",
        "http://[5f00::1]/hook",
        // IPv4: benchmarking, NAT64 discovery, AS112
        "http://198.18.0.1/hook",
        "http://192.0.0.170/hook",
        "http://192.175.48.1/hook",
    ] {
        let response = app
            .send(
                reqwest::Method::POST,
                "/api/v1/webhooks",
                &token,
                Some(json!({"url": url, "event_types": ["participant.created"]})),
            )
            .await;
        let body = assert_problem(response, 422, "webhook_url_forbidden").await;
        assert_eq!(error_fields(&body), vec!["url"], "{url}");
    }
    assert_eq!(app.count("webhook_subscriptions"), 0);

    // A public IPv6 literal passes, and cannot be changed into an embedded private address.
    let created = app
        .send(
            reqwest::Method::POST,
            "/api/v1/webhooks",
            &token,
            Some(json!({"url": "https://[2606:4700:4700::1111]/hook", "event_types": ["certificate.issued"], "active": false})),
        )
        .await;
    let id = ok_json(created, 201).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/webhooks/{id}"),
            &token,
            Some(json!({"url": "http://[2002:a9fe:a9fe::]/latest/meta-data"})),
        )
        .await;
    assert_problem(refused, 422, "webhook_url_forbidden").await;
}
