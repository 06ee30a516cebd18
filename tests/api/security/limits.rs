//! Resource limits: bodies over 64 KiB, pages over 100 items, and clients that send their headers too slowly.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::fixtures::{fingerprint, seed_callers, seed_world};
use super::policy::{Access, main_rule};
use super::{document, missing_security_headers, operations};
use crate::helpers::{assert_problem, spawn_app};
use bimtek_api::domain::role::Role;

#[tokio::test]
async fn a_body_over_64_kib_is_refused_with_413_by_every_write_operation_and_changes_nothing() {
    let app = spawn_app().await;
    let callers = seed_callers(&app).await;
    let admin = &callers.get(Role::Admin).token;
    let doc = document();
    let padding = "x".repeat(70 * 1024);
    let mut checked = 0;
    for op in operations(&doc) {
        let Some((media, _)) = op.request_body() else {
            continue;
        };
        let key = op.key();
        // The bulk imports have a limit of their own (5 MiB), tested in imports.rs; so have the scans of training
        // records (2 MiB), tested in trainings.rs.
        if op.path.ends_with("/import") || op.path.ends_with("/scan") {
            continue;
        }
        let rule = main_rule(&key).unwrap();
        let mut conn = app.db();
        let world = seed_world(&mut conn, rule.spec);
        let before = fingerprint(&mut conn);
        let method = reqwest::Method::from_bytes(op.method.as_bytes()).unwrap();
        let mut request = app
            .client
            .request(method, app.url(&(rule.path)(&world)))
            .header("content-type", media)
            .body(json!({"padding": padding}).to_string());
        if let Access::Roles { .. } = rule.access {
            request = request.bearer_auth(admin);
        }
        let response = request.send().await.unwrap();
        assert_eq!(missing_security_headers(response.headers()), None, "{key}");
        let status = response.status().as_u16();
        assert_eq!(status, 413, "{key}");
        let body = assert_problem(response, 413, "payload_too_large").await;
        assert!(
            !body.to_string().contains("xxxxxxxx"),
            "{key} echoes the body"
        );
        assert_eq!(fingerprint(&mut conn), before, "{key} changed the database");
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} write operations");

    // Just under the limit, the body is read and judged on its content.
    let response = app
        .client
        .post(app.url("/api/v1/programs"))
        .bearer_auth(admin)
        .json(&json!({"name": "x".repeat(60 * 1024), "year": 2025}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 422, "validation_failed").await;
}

#[tokio::test]
async fn every_list_refuses_a_page_over_100_items_and_accepts_100() {
    let app = spawn_app().await;
    let callers = seed_callers(&app).await;
    let admin = &callers.get(Role::Admin).token;
    let doc = document();
    let mut lists = Vec::new();
    for op in operations(&doc) {
        if op.method != "GET" || !op.has_query_parameter("limit") {
            continue;
        }
        let key = op.key();
        // The change feed pages up to 1,000 changes (its own test checks that limit).
        if key == "GET /api/v1/changes" {
            continue;
        }
        let rule = main_rule(&key).unwrap();
        let world = seed_world(&mut app.db(), rule.spec);
        let path = (rule.path)(&world);
        // The caller's own lists are an officer's: an administrator has none (404).
        let token = if key.starts_with("GET /api/v1/me/") {
            &callers.get(Role::Participant).token
        } else {
            admin
        };
        for (limit, expected) in [
            ("101", 400),
            ("1000", 400),
            ("0", 400),
            ("-1", 400),
            ("100", 200),
        ] {
            let response = app
                .client
                .get(app.url(&format!("{path}?limit={limit}")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(missing_security_headers(response.headers()), None, "{key}");
            if expected == 200 {
                assert_eq!(response.status(), 200, "{key} limit={limit}");
                let page: Value = response.json().await.unwrap();
                assert_eq!(page["limit"], 100, "{key}");
            } else {
                let body = assert_problem(response, expected, "invalid_query").await;
                assert!(
                    body["errors"]
                        .as_array()
                        .is_some_and(|e| e.iter().any(|e| e["field"] == "limit")),
                    "{key} limit={limit}: {body}"
                );
            }
        }
        lists.push(key);
    }
    assert!(lists.len() >= 10, "only {} lists: {lists:?}", lists.len());
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_gets_408_within_six_seconds() {
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (mut reader, mut writer) = stream.into_split();
    // One header byte a second, never the blank line that would end the headers: the pacing is what is tested
    // (a slow client must be cut off by the request-head timeout).
    let trickle = tokio::spawn(async move {
        for byte in b"X-Slow: ".iter().chain([b'a'; 20].iter()).cycle().take(30) {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
        }
    });
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buffer = [0u8; 1024];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buffer[..n]);
                    if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    let elapsed = started.elapsed();
    trickle.abort();
    assert!(read.is_ok(), "no answer within 10 s");
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.starts_with("HTTP/1.1 408"),
        "expected a 408 status line, got {text:?} after {elapsed:?}"
    );
    assert!(
        elapsed >= Duration::from_secs(3) && elapsed <= Duration::from_millis(6500),
        "408 after {elapsed:?}"
    );
}

#[tokio::test]
async fn bulk_writes_over_their_item_limit_are_refused_whole_and_change_nothing() {
    let app = spawn_app().await;
    let callers = seed_callers(&app).await;
    let admin = &callers.get(Role::Admin).token;
    let mut conn = app.db();
    let world = seed_world(
        &mut conn,
        super::fixtures::Spec {
            event_status: "ongoing",
            ..Default::default()
        },
    );
    let before = fingerprint(&mut conn);
    // 501 attendance lines (the schema's maxItems is 500): the same officer, so that only the count is wrong
    // before the lines are judged one by one.
    let records: Vec<Value> = (0..501)
        .map(|_| json!({"participant_id": world.officer, "status": "present"}))
        .collect();
    let response = app
        .client
        .put(app.url(&format!("/api/v1/sessions/{}/attendance", world.session)))
        .bearer_auth(admin)
        .json(&json!({ "records": records }))
        .send()
        .await
        .unwrap();
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(crate::helpers::error_fields(&body), ["records"], "{body}");
    // 1001 quotas (the service's limit is 1000).
    let quotas: Vec<Value> = (0..1001)
        .map(|_| json!({"unit_id": world.unit, "quota": 1}))
        .collect();
    let response = app
        .client
        .put(app.url(&format!("/api/v1/events/{}/quotas", world.event)))
        .bearer_auth(admin)
        .json(&quotas)
        .send()
        .await
        .unwrap();
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "too_long", "{body}");
    assert_eq!(fingerprint(&mut conn), before);
}
