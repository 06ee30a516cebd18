//! The error contract: every failure is an `application/problem+json` document with a stable code.

use bimtek_api::domain::role::Role;

use crate::helpers::{assert_problem, error_fields, spawn_app};

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    for path in [
        "/nope",
        "/api/v1/nope",
        "/api/v2/users",
        "/api/v1/users/1/extra",
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_problem(response, 404, "route_not_found").await;
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem_with_allow() {
    let app = spawn_app().await;
    let cases = [
        ("PUT", "/api/v1/users", "GET, POST"),
        ("DELETE", "/api/v1/me", "GET"),
        ("GET", "/api/v1/auth/login", "POST"),
        (
            "POST",
            "/api/v1/users/6f1c8b2e-2a4f-4c9e-8a61-3d1b2c3d4e5f",
            "GET, PATCH, DELETE",
        ),
        ("TRACE", "/health/live", "GET"),
    ];
    for (method, path, allow) in cases {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        assert_problem(response, 405, "method_not_allowed").await;
    }
}

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    for body in ["{\"username\": ", "", "not json", "{\"a\":1}}"] {
        let response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_problem(response, 400, "malformed_json").await;
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415_problem() {
    let app = spawn_app().await;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut request = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .body(r#"{"username":"a","password":"b"}"#);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        assert_problem(request.send().await.unwrap(), 415, "unsupported_media_type").await;
    }
}

#[tokio::test]
async fn an_oversized_body_is_a_413_problem() {
    let app = spawn_app().await;
    let big = format!(
        r#"{{"username":"a","password":"{}"}}"#,
        "x".repeat(70 * 1024)
    );
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_problem(response, 413, "payload_too_large").await;
}

#[tokio::test]
async fn unknown_missing_and_mistyped_fields_are_all_listed_in_one_422() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let before = app.count("users");
    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "password": 12,
            "role": "root",
            "is_admin": true,
            "id": "6f1c8b2e-2a4f-4c9e-8a61-3d1b2c3d4e5f"
        }))
        .send()
        .await
        .unwrap();
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(
        error_fields(&body),
        ["id", "is_admin", "password", "role", "username"]
    );
    assert_eq!(app.count("users"), before, "nothing was written");
}

#[tokio::test]
async fn bad_path_and_query_values_are_400_problems_naming_the_parameter() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let response = app
        .client
        .get(app.url("/api/v1/users/not-a-uuid"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "invalid_path_parameter").await;
    for (query, field) in [
        ("limit=abc", "limit"),
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("role=root", "role"),
        ("is_active=maybe", "is_active"),
        ("sort=password", "sort"),
    ] {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/users?{query}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let body = assert_problem(response, 400, "invalid_query").await;
        assert_eq!(error_fields(&body), [field], "{query}");
    }
}

#[tokio::test]
async fn a_handler_panic_is_a_500_problem_and_the_server_keeps_serving() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/__test/panic"))
        .send()
        .await
        .unwrap();
    let body = assert_problem(response, 500, "internal_error").await;
    let text = body.to_string();
    assert!(
        !text.contains("panic") && !text.contains("src/"),
        "no internals: {text}"
    );
    for _ in 0..3 {
        let response = app
            .client
            .get(app.url("/health/live"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
}

#[tokio::test]
async fn the_request_id_is_echoed_or_generated() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/health/live"))
        .header("x-request-id", "abc-123.X_y")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "abc-123.X_y");
    // An unacceptable id (too long, odd characters) is replaced, not echoed.
    let response = app
        .client
        .get(app.url("/nope"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36, "a generated uuid, got {id}");
}

#[tokio::test]
async fn responses_carry_security_headers_and_api_responses_are_not_cached() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Participant).await;
    let response = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
}

#[tokio::test]
async fn cors_allows_the_configured_origin_only() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/me"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let allowed = preflight("https://frontend.example").await.unwrap();
    assert!(allowed.status().is_success());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://frontend.example"
    );
    let foreign = preflight("https://evil.example").await.unwrap();
    assert!(
        !foreign
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

#[tokio::test]
async fn a_member_named_twice_and_two_authorization_headers_are_refused() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    // Which `role` would count differs between parsers: neither does here.
    let response = app
        .client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(r#"{"username": "dua-kali", "password": "kata-sandi-panjang-2025", "role": "participant", "role": "admin"}"#)
        .send()
        .await
        .unwrap();
    let body = assert_problem(response, 400, "duplicate_key").await;
    assert_eq!(body["errors"][0]["field"], "role", "{body}");
    assert_eq!(app.count("users WHERE username = 'dua-kali'"), 0);

    let response = app
        .client
        .get(app.url("/api/v1/users"))
        .header("authorization", format!("Bearer {admin}"))
        .header("authorization", "Bearer another")
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "multiple_authorization_headers").await;
}

#[tokio::test]
async fn a_uri_longer_than_8_kib_is_a_414_problem_and_one_within_it_is_served() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    // `/api/v1/units?q=` is 16 bytes: a query of 8,176 more fills the 8 KiB exactly.
    let within = format!("/api/v1/units?q={}", "a".repeat(8192 - 16));
    let response = app
        .client
        .get(app.url(&within))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        400,
        "a long filter is judged by its own rule"
    );
    let beyond = format!("{within}a");
    for token in [Some(admin.as_str()), None] {
        let mut request = app.client.get(app.url(&beyond));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let body = assert_problem(request.send().await.unwrap(), 414, "uri_too_long").await;
        assert!(body["detail"].as_str().unwrap().contains("8192 bytes"));
    }
}
