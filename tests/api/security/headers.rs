//! Every `/api/v1` answer, success or error, carries `Cache-Control: no-store` (personal data and tokens must not
//! stay in a browser or proxy cache) and `X-Content-Type-Options: nosniff`. The matrix, mass-assignment and limit
//! tests check this on each of their responses too; this test covers the kinds of answer they do not produce.

use serde_json::json;

use super::fixtures::{seed_callers, seed_world};
use super::missing_security_headers;
use crate::helpers::spawn_app;
use bimtek_api::domain::role::Role;

#[tokio::test]
async fn every_kind_of_api_answer_forbids_caching_and_content_sniffing() {
    let app = spawn_app().await;
    let callers = seed_callers(&app).await;
    let admin = callers.get(Role::Admin).token.clone();
    let world = seed_world(&mut app.db(), Default::default());
    let c = &app.client;
    let unit = app.url(&format!("/api/v1/units/{}", world.unit));
    let program = app.url(&format!("/api/v1/programs/{}", world.spare_program));
    let cases: Vec<(&str, u16, reqwest::RequestBuilder)> = vec![
        (
            "login",
            200,
            c.post(app.url("/api/v1/auth/login")).json(
                &json!({"username": callers.get(Role::Admin).username, "password": crate::helpers::PASSWORD}),
            ),
        ),
        (
            "failed login",
            401,
            c.post(app.url("/api/v1/auth/login"))
                .json(&json!({"username": "nobody", "password": "wrong password"})),
        ),
        ("read", 200, c.get(&unit).bearer_auth(&admin)),
        ("list", 200, c.get(app.url("/api/v1/participants")).bearer_auth(&admin)),
        (
            "create",
            201,
            c.post(app.url("/api/v1/programs"))
                .bearer_auth(&admin)
                .json(&json!({"name": "Cache test", "year": 2025})),
        ),
        ("delete", 204, c.delete(&program).bearer_auth(&admin)),
        ("no token", 401, c.get(&unit)),
        ("forged token", 401, c.get(&unit).bearer_auth("eyJhbGciOiJub25lIn0.e30.")),
        (
            "forbidden",
            403,
            c.get(app.url("/api/v1/users"))
                .bearer_auth(&callers.get(Role::Participant).token),
        ),
        ("unknown id", 404, c.get(app.url(&format!("/api/v1/units/{}", uuid::Uuid::new_v4()))).bearer_auth(&admin)),
        ("unknown route", 404, c.get(app.url("/api/v1/nothing-here")).bearer_auth(&admin)),
        ("wrong method", 405, c.put(&unit).bearer_auth(&admin)),
        ("bad path parameter", 400, c.get(app.url("/api/v1/units/not-a-uuid")).bearer_auth(&admin)),
        ("bad query", 400, c.get(app.url("/api/v1/units?limit=abc")).bearer_auth(&admin)),
        (
            "malformed JSON",
            400,
            c.patch(&unit)
                .bearer_auth(&admin)
                .header("content-type", "application/merge-patch+json")
                .body("{"),
        ),
        (
            "wrong content type",
            415,
            c.patch(&unit)
                .bearer_auth(&admin)
                .header("content-type", "text/plain")
                .body("name=x"),
        ),
        (
            "stale If-Match",
            412,
            c.patch(&unit)
                .bearer_auth(&admin)
                .header("if-match", "\"999\"")
                .header("content-type", "application/merge-patch+json")
                .body(r#"{"name":"x"}"#),
        ),
        (
            "invalid field",
            422,
            c.patch(&unit)
                .bearer_auth(&admin)
                .header("content-type", "application/merge-patch+json")
                .body(r#"{"name":""}"#),
        ),
        (
            "conflict",
            409,
            c.delete(app.url(&format!("/api/v1/units/{}", world.unit)))
                .bearer_auth(&admin),
        ),
        (
            "too large",
            413,
            c.post(app.url("/api/v1/programs"))
                .bearer_auth(&admin)
                .json(&json!({"name": "x".repeat(70 * 1024), "year": 2025})),
        ),
        ("handler panic", 500, c.get(app.url("/__test/panic"))),
    ];
    let mut problems = Vec::new();
    for (what, expected, request) in cases {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        if status != expected {
            problems.push(format!("{what}: status {status}, expected {expected}"));
        }
        if let Some(missing) = missing_security_headers(response.headers()) {
            problems.push(format!("{what} ({status}): {missing}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
