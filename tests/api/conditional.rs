//! Conditional GET: `If-None-Match` naming the current `ETag` of a single resource gives 304 without a body, the
//! `ETag` repeated and `Cache-Control: no-store` kept (the 200 carries it too: personal data).

use bimtek_api::domain::role::Role;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

async fn get(app: &TestApp, path: &str, token: &str, tag: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path)).bearer_auth(token);
    if let Some(tag) = tag {
        request = request.header("if-none-match", tag);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_matching_if_none_match_gives_304_with_the_etag_and_no_store_and_no_body() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-ETAG");
    let officer = app.seed_participant(unit, "Budi Santoso");
    let path = format!("/api/v1/participants/{officer}");

    let full = get(&app, &path, &admin, None).await;
    assert_eq!(full.status(), 200);
    assert_eq!(full.headers()["etag"], "\"1\"");
    assert_eq!(full.headers()["cache-control"], "no-store");

    for tag in ["\"1\"", "W/\"1\"", "\"7\", W/\"1\"", "*"] {
        let response = get(&app, &path, &admin, Some(tag)).await;
        assert_eq!(response.status(), 304, "If-None-Match: {tag}");
        assert_eq!(response.headers()["etag"], "\"1\"");
        assert_eq!(response.headers()["cache-control"], "no-store");
        assert!(response.headers().contains_key("x-request-id"));
        assert!(
            response.bytes().await.unwrap().is_empty(),
            "a 304 has no body"
        );
    }
    for tag in ["\"2\"", "W/\"12\"", "1", "garbage"] {
        let response = get(&app, &path, &admin, Some(tag)).await;
        assert_eq!(response.status(), 200, "If-None-Match: {tag}");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["id"], officer.to_string());
    }

    // After a change the old tag no longer matches.
    let response = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&admin)
        .json(&json!({"position": "Konselor Adiksi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = get(&app, &path, &admin, Some("\"1\"")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");
    assert_eq!(get(&app, &path, &admin, Some("\"2\"")).await.status(), 304);
}

#[tokio::test]
async fn if_none_match_changes_nothing_where_there_is_no_etag_or_no_access() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (_, participant) = app.user_with_token(Role::Participant).await;
    let unit = app.seed_unit("LAPAS-ETAG2");
    let officer = app.seed_participant(unit, "Dewi Lestari");
    // Lists carry no ETag: always the full answer.
    let response = get(&app, "/api/v1/participants", &admin, Some("*")).await;
    assert_eq!(response.status(), 200);
    // A refusal stays a refusal, whatever the tag.
    let response = get(
        &app,
        &format!("/api/v1/participants/{officer}"),
        &participant,
        Some("*"),
    )
    .await;
    assert_eq!(response.status(), 403);
    // Writes are not conditional GETs.
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/participants/{officer}")))
        .bearer_auth(&admin)
        .header("if-none-match", "*")
        .json(&json!({"position": "Wali Pemasyarakatan"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
