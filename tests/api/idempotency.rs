//! Idempotency keys: one effect per key, replays, reuse with another request, requests in flight, expiry.

use bimtek_api::domain::role::Role;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app};

fn unit_body(code: &str) -> Value {
    json!({"code": code, "name": format!("Unit {code}"), "type": "lapas"})
}

async fn post_unit(app: &TestApp, token: &str, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/units"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn units_with_code(app: &TestApp, code: &str) -> i64 {
    app.count(&format!("units WHERE code = '{code}'"))
}

fn replayed(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true")
}

#[tokio::test]
async fn twenty_concurrent_posts_with_one_key_create_one_unit() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let body = unit_body("IDEM-20");
    let responses =
        join_all((0..20).map(|_| post_unit(&app, &token, "create-unit-idem-20", &body))).await;

    let mut created_ids = Vec::new();
    let (mut fresh, mut replays, mut in_flight) = (0, 0, 0);
    for response in responses {
        match response.status().as_u16() {
            201 => {
                if replayed(&response) {
                    replays += 1;
                } else {
                    fresh += 1;
                }
                let body: Value = response.json().await.unwrap();
                created_ids.push(body["id"].as_str().unwrap().to_owned());
            }
            409 => {
                assert!(response.headers().contains_key("retry-after"));
                assert_problem(response, 409, "idempotency_request_in_flight").await;
                in_flight += 1;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(fresh, 1, "exactly one request ran");
    assert_eq!(fresh + replays + in_flight, 20);
    created_ids.dedup();
    assert_eq!(created_ids.len(), 1, "every replay names the same unit");
    assert_eq!(units_with_code(&app, "IDEM-20"), 1);

    // Once complete, a retry replays status, Location, ETag and body.
    let response = post_unit(&app, &token, "create-unit-idem-20", &body).await;
    assert_eq!(response.status(), 201);
    assert!(replayed(&response));
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(response.headers().contains_key("etag"));
    let again: Value = response.json().await.unwrap();
    assert_eq!(again["id"].as_str().unwrap(), created_ids[0]);
    assert_eq!(location, format!("/api/v1/units/{}", created_ids[0]));
    assert_eq!(units_with_code(&app, "IDEM-20"), 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let first = post_unit(&app, &token, "key-reuse", &unit_body("REUSE-A")).await;
    assert_eq!(first.status(), 201);
    let units = app.count("units");

    let second = post_unit(&app, &token, "key-reuse", &unit_body("REUSE-B")).await;
    assert_problem(second, 422, "idempotency_key_reused").await;
    assert_eq!(app.count("units"), units);
    assert_eq!(units_with_code(&app, "REUSE-B"), 0);

    // Another path with the same key and body is another request too.
    let other_path = app
        .client
        .post(app.url("/api/v1/programs"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "key-reuse")
        .json(&unit_body("REUSE-A"))
        .send()
        .await
        .unwrap();
    assert_problem(other_path, 422, "idempotency_key_reused").await;
}

#[tokio::test]
async fn a_malformed_key_is_a_bad_request_and_writes_nothing() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let long = "k".repeat(256);
    for (case, key) in [
        ("empty", ""),
        ("too long", long.as_str()),
        ("space", "two words"),
        ("tab", "tab\tkey"),
    ] {
        let response = post_unit(&app, &token, key, &unit_body("BADKEY")).await;
        assert_eq!(response.status(), 400, "{case}");
        assert_problem(response, 400, "invalid_idempotency_key").await;
    }
    let non_ascii = app
        .client
        .post(app.url("/api/v1/units"))
        .bearer_auth(&token)
        .header(
            "Idempotency-Key",
            reqwest::header::HeaderValue::from_bytes("kunci-é".as_bytes()).unwrap(),
        )
        .json(&unit_body("BADKEY"))
        .send()
        .await
        .unwrap();
    assert_problem(non_ascii, 400, "invalid_idempotency_key").await;
    assert_eq!(units_with_code(&app, "BADKEY"), 0);
    assert_eq!(app.count("idempotency_keys"), 0);
}

#[tokio::test]
async fn validation_errors_are_replayed_too() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let body = json!({"code": "", "name": "", "type": "lapas"});
    let first = post_unit(&app, &token, "bad-body", &body).await;
    assert_eq!(first.status(), 422);
    assert!(!replayed(&first));
    let first: Value = first.json().await.unwrap();
    let second = post_unit(&app, &token, "bad-body", &body).await;
    assert_eq!(second.status(), 422);
    assert!(replayed(&second));
    assert_eq!(second.headers()["content-type"], "application/problem+json");
    assert_eq!(second.json::<Value>().await.unwrap(), first);
}

#[tokio::test]
async fn keys_belong_to_their_caller() {
    let app = spawn_app().await;
    let (_, alice) = app.user_with_token(Role::Admin).await;
    let (_, bob) = app.user_with_token(Role::Admin).await;
    let a = post_unit(&app, &alice, "shared-key", &unit_body("ALICE")).await;
    assert_eq!(a.status(), 201);
    // Bob's key of the same name is his own: another body is no reuse, and it runs.
    let b = post_unit(&app, &bob, "shared-key", &unit_body("BOB")).await;
    assert_eq!(b.status(), 201);
    assert!(!replayed(&b));
    assert_eq!(units_with_code(&app, "BOB"), 1);
}

#[tokio::test]
async fn an_expired_key_runs_the_request_again_and_is_cleaned_up() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let body = unit_body("EXPIRE");
    assert_eq!(
        post_unit(&app, &token, "old-key", &body).await.status(),
        201
    );
    let replay = post_unit(&app, &token, "old-key", &body).await;
    assert!(replayed(&replay));

    use diesel::RunQueryDsl;
    diesel::sql_query(
        "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old-key'",
    )
    .execute(&mut app.db())
    .unwrap();
    // The handler runs again: the unit exists, so this time the answer is its own 409.
    let again = post_unit(&app, &token, "old-key", &body).await;
    assert!(!replayed(&again));
    assert_problem(again, 409, "already_exists").await;
    assert_eq!(units_with_code(&app, "EXPIRE"), 1);

    // The worker's clean-up deletes keys older than 24 hours.
    diesel::sql_query(
        "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'old-key'",
    )
    .execute(&mut app.db())
    .unwrap();
    let deleted = bimtek_api::repo::idempotency::delete_expired(&mut app.db()).unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(app.count("idempotency_keys"), 0);
}

#[tokio::test]
async fn unauthenticated_posts_ignore_the_header() {
    let app = spawn_app().await;
    let user = app.seed_user(Role::Admin);
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("Idempotency-Key", "login-key")
            .json(&json!({"username": user.username, "password": crate::helpers::PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(!replayed(&response));
    }
    assert_eq!(app.count("idempotency_keys"), 0);
}
