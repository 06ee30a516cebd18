//! Regressions for what `make schemathesis` found: each test pins one fix.

use bimtek_api::domain::role::Role;
use serde_json::json;

use crate::helpers::{assert_problem, error_fields, spawn_app};

#[tokio::test]
async fn a_unit_operator_is_deactivated_and_renamed_without_naming_their_unit_again() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let operator = app.seed_user(Role::UnitOperator);
    let path = format!("/api/v1/users/{}", operator.id);

    let renamed = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&token)
        .header("content-type", "application/merge-patch+json")
        .body(json!({"display_name": "Operator Baru"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);

    let deleted = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let read = app
        .client
        .get(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = read.json().await.unwrap();
    assert_eq!(body["is_active"], false);
}

#[tokio::test]
async fn a_whole_number_written_with_a_fraction_is_an_integer_and_a_real_fraction_is_not() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let create = |year: serde_json::Value| {
        app.client
            .post(app.url("/api/v1/programs"))
            .bearer_auth(&token)
            .json(&json!({"name": "PM Rehabilitasi Sosial", "year": year, "description": null}))
            .send()
    };

    let accepted = create(json!(2030.0)).await.unwrap();
    assert_eq!(accepted.status(), 201);
    let body: serde_json::Value = accepted.json().await.unwrap();
    assert_eq!(body["year"], 2030);

    let refused = create(json!(2031.5)).await.unwrap();
    let body = assert_problem(refused, 422, "validation_failed").await;
    assert_eq!(error_fields(&body), ["year"]);
    assert_eq!(app.count("programs"), 1);
}

#[tokio::test]
async fn a_search_of_only_spaces_or_with_a_nul_character_is_a_400_naming_q() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    for list in ["users", "units", "programs", "participants", "events"] {
        for q in ["   ", "ab\0cd"] {
            let response = app
                .client
                .get(app.url(&format!("/api/v1/{list}")))
                .query(&[("q", q)])
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let body = assert_problem(response, 400, "invalid_query").await;
            assert_eq!(error_fields(&body), ["q"], "{list} {q:?}");
        }
    }
}

#[tokio::test]
async fn the_schema_of_a_patch_does_not_call_a_field_nullable_that_refuses_null() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api-docs/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let year = &doc["components"]["schemas"]["UpdateProgramRequest"]["properties"]["year"];
    assert_eq!(year["type"], "integer", "{year}");

    let program = app
        .client
        .post(app.url("/api/v1/programs"))
        .bearer_auth(&token)
        .json(&json!({"name": "PM", "year": 2030, "description": null}))
        .send()
        .await
        .unwrap();
    let location = program.headers()["location"].to_str().unwrap().to_owned();
    let refused = app
        .client
        .patch(app.url(&location))
        .bearer_auth(&token)
        .header("content-type", "application/merge-patch+json")
        .body(json!({"year": null}).to_string())
        .send()
        .await
        .unwrap();
    let body = assert_problem(refused, 422, "validation_failed").await;
    assert_eq!(error_fields(&body), ["year"]);
}

#[tokio::test]
async fn a_malformed_if_match_is_a_400_and_a_stale_one_a_412() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let user = app.seed_user(Role::Facilitator);
    let path = format!("/api/v1/users/{}", user.id);
    for malformed in ["null", "0", "\"abc\"", "\"-1\"", "\"1\", \"2\"", "W/1"] {
        let response = app
            .client
            .delete(app.url(&path))
            .bearer_auth(&token)
            .header("if-match", malformed)
            .send()
            .await
            .unwrap();
        assert_problem(response, 400, "invalid_if_match").await;
    }
    for never_matching in ["\"7\"", "W/\"1\""] {
        let response = app
            .client
            .delete(app.url(&path))
            .bearer_auth(&token)
            .header("if-match", never_matching)
            .send()
            .await
            .unwrap();
        assert_problem(response, 412, "precondition_failed").await;
    }
    let read = app
        .client
        .get(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = read.json().await.unwrap();
    assert_eq!(body["is_active"], true);
}

#[tokio::test]
async fn a_wrong_method_on_a_literal_route_is_405_even_where_a_parameter_route_would_match() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    for (method, path) in [
        (reqwest::Method::PATCH, "/api/v1/participants/import"),
        (reqwest::Method::DELETE, "/api/v1/units/import"),
    ] {
        let response = app
            .client
            .request(method, app.url(path))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response
                .headers()
                .get("allow")
                .and_then(|v| v.to_str().ok()),
            Some("POST"),
            "{path}"
        );
        assert_problem(response, 405, "method_not_allowed").await;
    }
    // A parameter route still answers a bad id with 400.
    let response = app
        .client
        .patch(app.url("/api/v1/participants/not-a-uuid"))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "invalid_path_parameter").await;
}
