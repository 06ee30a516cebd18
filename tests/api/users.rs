//! `/api/v1/users`: administrators manage accounts; nobody else may.

use bimtek_api::domain::role::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

async fn create(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/users"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_creates_an_account_that_can_log_in() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-SAMPIT");
    let response = create(
        &app,
        &token,
        json!({"username": "Operator.Sampit", "password": "a long passphrase 2025", "role": "unit_operator",
               "display_name": "  Operator Sampit ", "unit_id": unit}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/users/{}", body["id"].as_str().unwrap())
    );
    assert_eq!(body["username"], "operator.sampit");
    assert_eq!(body["display_name"], "Operator Sampit");
    assert_eq!(body["role"], "unit_operator");
    assert_eq!(body["unit_id"], unit.to_string());
    assert_eq!(body["is_active"], true);
    assert_eq!(body["version"], 1);
    assert!(body.get("password_hash").is_none() && body.get("password").is_none());

    let fetched: Value = app
        .client
        .get(app.url(&location))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, body);
    let login = app
        .login_response("operator.sampit", "a long passphrase 2025")
        .await;
    assert_eq!(login.status(), 200);
}

#[tokio::test]
async fn only_admins_may_manage_accounts() {
    let app = spawn_app().await;
    let target = app.seed_user(Role::Participant);
    for role in [
        Role::Organizer,
        Role::UnitOperator,
        Role::Facilitator,
        Role::Participant,
    ] {
        let (_, token) = app.user_with_token(role).await;
        let id_path = format!("/api/v1/users/{}", target.id);
        let requests = [
            app.client.get(app.url("/api/v1/users")),
            app.client
                .post(app.url("/api/v1/users"))
                .json(&json!({"username": "x", "password": "y", "role": "admin"})),
            app.client.get(app.url(&id_path)),
            app.client
                .patch(app.url(&id_path))
                .json(&json!({"role": "admin"})),
            app.client.delete(app.url(&id_path)),
        ];
        for request in requests {
            let response = request.bearer_auth(&token).send().await.unwrap();
            let body = assert_problem(response, 403, "forbidden").await;
            assert!(
                body.get("items").is_none() && body.get("username").is_none(),
                "{role}: {body}"
            );
        }
    }
    let row_role: String = {
        use bimtek_api::schema::users;
        use diesel::prelude::*;
        users::table
            .find(target.id)
            .select(users::role)
            .first(&mut app.db())
            .unwrap()
    };
    assert_eq!(row_role, "participant", "no forbidden change took effect");
}

#[tokio::test]
async fn invalid_accounts_are_refused_with_every_field_named_and_nothing_written() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let before = app.count("users");
    let cases = [
        (
            json!({"username": "ab", "password": "short", "role": "unit_operator"}),
            vec!["password", "unit_id", "username"],
        ),
        (
            json!({"username": "-bad", "password": "a long enough password", "role": "admin", "display_name": " "}),
            vec!["display_name", "username"],
        ),
        (
            json!({"username": "ok.name", "password": "a long enough password", "role": "admin",
                "unit_id": uuid::Uuid::new_v4(), "participant_id": uuid::Uuid::new_v4()}),
            vec!["participant_id", "unit_id"],
        ),
        (
            json!({"username": "ok.name", "password": "a long enough password", "role": "superuser"}),
            vec!["role"],
        ),
        (
            json!({"username": "ok.name", "password": "a long enough password", "role": "admin", "unit_id": "nope"}),
            vec!["unit_id"],
        ),
    ];
    for (body, fields) in cases {
        let response = create(&app, &token, body.clone()).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), fields, "{body}");
    }
    assert_eq!(app.count("users"), before);
}

#[tokio::test]
async fn a_taken_username_is_a_409_naming_the_field() {
    let app = spawn_app().await;
    let (admin, token) = app.user_with_token(Role::Admin).await;
    let response = create(
        &app,
        &token,
        json!({"username": admin.username.to_uppercase(), "password": "a long enough password", "role": "organizer"}),
    )
    .await;
    let body = assert_problem(response, 409, "already_exists").await;
    assert_eq!(error_fields(&body), ["username"]);
}

#[tokio::test]
async fn the_list_filters_sorts_and_pages_deterministically() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    for _ in 0..3 {
        app.seed_user(Role::Facilitator);
    }
    app.seed_user(Role::Organizer);
    let get = |query: &str| {
        app.client
            .get(app.url(&format!("/api/v1/users?{query}")))
            .bearer_auth(&token)
            .send()
    };
    let all: Value = get("").await.unwrap().json().await.unwrap();
    assert_eq!(all["total"], 5);
    assert_eq!(all["limit"], 20);
    assert_eq!(all["offset"], 0);
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "default order is by username");

    let facilitators: Value = get("role=facilitator&limit=2&sort=-username")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(facilitators["total"], 3);
    let page1: Vec<String> = facilitators["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(page1.len(), 2);
    assert!(page1[0] > page1[1]);
    let rest: Value = get("role=facilitator&limit=2&offset=2&sort=-username")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["items"][0]["username"].as_str().unwrap() < page1[1].as_str());

    let searched: Value = get("q=ORGANIZER").await.unwrap().json().await.unwrap();
    assert_eq!(searched["total"], 1);
    let none: Value = get("q=%25").await.unwrap().json().await.unwrap();
    assert_eq!(none["total"], 0, "wildcards in q are literal");
    let beyond: Value = get("offset=100").await.unwrap().json().await.unwrap();
    assert_eq!(beyond["total"], 5);
    assert_eq!(beyond["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn patch_honours_if_match_and_refuses_read_only_fields() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let user = app.seed_user(Role::Organizer);
    let path = format!("/api/v1/users/{}", user.id);
    let patch = |body: Value, if_match: Option<&str>| {
        let mut request = app
            .client
            .patch(app.url(&path))
            .bearer_auth(&token)
            .header("content-type", "application/merge-patch+json")
            .body(body.to_string());
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        request.send()
    };

    let response = patch(json!({"display_name": "Penyelenggara"}), Some("\"1\""))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["display_name"], "Penyelenggara");
    assert_eq!(body["version"], 2);

    let stale = patch(json!({"display_name": "Other"}), Some("\"1\""))
        .await
        .unwrap();
    assert_problem(stale, 412, "precondition_failed").await;

    for field in [
        "username",
        "id",
        "version",
        "token_version",
        "password_hash",
        "created_at",
        "last_login_at",
    ] {
        let response = patch(json!({ field: "x" }), None).await.unwrap();
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), [field]);
    }
    let response = patch(json!({"role": null, "is_active": null}), None)
        .await
        .unwrap();
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["is_active", "role"]);

    // `null` clears a nullable field.
    let response = patch(json!({"display_name": null}), None).await.unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["display_name"], Value::Null);
    assert_eq!(body["version"], 3, "refused patches changed nothing");
    assert_eq!(body["username"], user.username);

    let response = app
        .client
        .patch(app.url(&format!("/api/v1/users/{}", uuid::Uuid::new_v4())))
        .bearer_auth(&token)
        .json(&json!({"display_name": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn a_unit_operator_cannot_lose_their_unit() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let operator = app.seed_user(Role::UnitOperator);
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/users/{}", operator.id)))
        .bearer_auth(&token)
        .json(&json!({"unit_id": null}))
        .send()
        .await
        .unwrap();
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&body), ["unit_id"]);
    let participant = app.seed_user(Role::Participant);
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/users/{}", participant.id)))
        .bearer_auth(&token)
        .json(&json!({"role": "unit_operator"}))
        .send()
        .await
        .unwrap();
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&body), ["unit_id"]);
}

#[tokio::test]
async fn delete_deactivates_but_an_admin_cannot_lock_themselves_out() {
    let app = spawn_app().await;
    let (admin, token) = app.user_with_token(Role::Admin).await;
    let user = app.seed_user(Role::Facilitator);
    let path = format!("/api/v1/users/{}", user.id);

    let stale = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&token)
        .header("if-match", "\"7\"")
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412, "precondition_failed").await;
    let response = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&token)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let body: Value = app
        .client
        .get(app.url(&path))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["is_active"], false);
    let login = app
        .login_response(&user.username, crate::helpers::PASSWORD)
        .await;
    assert_problem(login, 401, "invalid_credentials").await;

    let own = format!("/api/v1/users/{}", admin.id);
    let response = app
        .client
        .delete(app.url(&own))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(response, 409, "cannot_change_own_access").await;
    let response = app
        .client
        .patch(app.url(&own))
        .bearer_auth(&token)
        .json(&json!({"role": "organizer"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 409, "cannot_change_own_access").await;
    let response = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}
