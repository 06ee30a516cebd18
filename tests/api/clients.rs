//! `/api/v1/clients`: registering service accounts, the secret shown once and stored hashed, changes under
//! If-Match, the technical user hidden from `/users`.

use bimtek_api::domain::role::Role;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, ok_json, spawn_app};

/// Registers a client through the API and returns the whole answer.
pub async fn register(app: &TestApp, admin: &str, name: &str, scopes: &[&str]) -> Value {
    let response = app
        .send(
            Method::POST,
            "/api/v1/clients",
            admin,
            Some(json!({"name": name, "scopes": scopes})),
        )
        .await;
    ok_json(response, 201).await
}

/// The row of a client as text (every column), to look for a secret in it.
fn stored_text(app: &TestApp, id: Uuid) -> String {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        t: String,
    }
    diesel::sql_query(
        "SELECT row_to_json(c)::text || row_to_json(u)::text AS t FROM clients c JOIN users u ON u.id = c.user_id \
         WHERE c.id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .get_result::<Row>(&mut app.db())
    .unwrap()
    .t
}

#[tokio::test]
async fn an_administrator_registers_a_client_and_sees_its_secret_only_once() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let users_before = app.count("users");
    let response = app
        .send(
            Method::POST,
            "/api/v1/clients",
            &admin,
            Some(
                json!({"name": "SDP Pemasyarakatan", "description": "Officer sync",
                    "scopes": ["units:read", "participants:read", "units:read"]}),
            ),
        )
        .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["etag"], "\"1\"");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/clients/{id}"));
    assert_eq!(created["client_id"], id.as_str());
    assert_eq!(
        created["scopes"],
        json!(["participants:read", "units:read"])
    );
    assert_eq!(created["is_active"], true);
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("bimtek_cs_") && secret.len() >= 10 + 43,
        "{secret}"
    );

    // Stored as its SHA-256 only: neither the client row nor its technical user holds the secret.
    let id: Uuid = id.parse().unwrap();
    let stored: Vec<u8> = {
        use bimtek_api::schema::clients;
        clients::table
            .find(id)
            .select(clients::secret_hash)
            .first(&mut app.db())
            .unwrap()
    };
    assert_eq!(stored, Sha256::digest(secret.as_bytes()).to_vec());
    assert!(!stored_text(&app, id).contains(&secret[10..]));

    // Never shown again: not by GET, not in the list.
    let one = app
        .send(Method::GET, &format!("/api/v1/clients/{id}"), &admin, None)
        .await;
    assert_eq!(one.headers()["etag"], "\"1\"");
    let text = one.text().await.unwrap();
    assert!(
        !text.contains("client_secret") && !text.contains(&secret),
        "{text}"
    );
    let list = app.send(Method::GET, "/api/v1/clients", &admin, None).await;
    let list: Value = ok_json(list, 200).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["name"], "SDP Pemasyarakatan");
    assert!(!list.to_string().contains(&secret));

    // The technical user exists, is an administrator without a password, and is not a user account.
    assert_eq!(app.count("users"), users_before + 1);
    let (user_id, username, service, role): (Uuid, String, bool, String) = {
        use bimtek_api::schema::{clients, users};
        let user_id: Uuid = clients::table
            .find(id)
            .select(clients::user_id)
            .first(&mut app.db())
            .unwrap();
        users::table
            .find(user_id)
            .select((
                users::id,
                users::username,
                users::service_account,
                users::role,
            ))
            .first(&mut app.db())
            .unwrap()
    };
    assert!(service && role == "admin");
    let users = app
        .send(Method::GET, "/api/v1/users?limit=100", &admin, None)
        .await;
    let users = ok_json(users, 200).await;
    assert!(!users.to_string().contains(&user_id.to_string()), "{users}");
    let hidden = app
        .send(
            Method::GET,
            &format!("/api/v1/users/{user_id}"),
            &admin,
            None,
        )
        .await;
    assert_problem(hidden, 404, "not_found").await;
    let patched = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{user_id}"),
            &admin,
            Some(json!({"password": "a brand new passphrase"})),
        )
        .await;
    assert_problem(patched, 404, "not_found").await;
    // It cannot log in, whatever the password.
    let login = app.login_response(&username, "!service-account").await;
    assert_eq!(login.status(), 401);

    // The registration is in the audit log, without the secret.
    let audit: Vec<String> = {
        use bimtek_api::schema::audit_log;
        audit_log::table
            .filter(audit_log::resource_id.eq(id))
            .select(audit_log::action)
            .load(&mut app.db())
            .unwrap()
    };
    assert_eq!(audit, ["client.created"]);
}

#[tokio::test]
async fn invalid_registrations_list_every_offending_field_and_write_nothing() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let users_before = app.count("users");
    let cases = [
        (
            json!({"name": " ", "scopes": [], "description": "x".repeat(1001)}),
            vec!["description", "name", "scopes"],
        ),
        (json!({"name": "ok", "scopes": ["root"]}), vec!["scopes[0]"]),
        (json!({"name": "ok"}), vec!["scopes"]),
        (
            json!({"name": "ok", "scopes": ["units:read"], "client_secret": "mine"}),
            vec!["client_secret"],
        ),
        (
            json!({"name": "ok", "scopes": ["units:read"], "is_active": false}),
            vec!["is_active"],
        ),
    ];
    for (body, fields) in cases {
        let response = app
            .send(Method::POST, "/api/v1/clients", &admin, Some(body.clone()))
            .await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), fields, "{body}: {problem}");
    }
    assert_eq!(app.count("clients"), 0);
    assert_eq!(app.count("users"), users_before);
    assert_eq!(app.count(crate::helpers::EXPLICIT_AUDIT), 0);
}

#[tokio::test]
async fn a_second_client_with_the_same_name_is_a_conflict() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    register(&app, &admin, "Kiosk", &["attendance:write"]).await;
    let users_before = app.count("users");
    let again = app
        .send(
            Method::POST,
            "/api/v1/clients",
            &admin,
            Some(json!({"name": "Kiosk", "scopes": ["units:read"]})),
        )
        .await;
    let problem = assert_problem(again, 409, "already_exists").await;
    assert_eq!(error_fields(&problem), ["name"]);
    assert_eq!(app.count("clients"), 1);
    assert_eq!(app.count("users"), users_before);
}

#[tokio::test]
async fn a_client_is_changed_by_merge_patch_under_if_match_and_deactivated_by_delete() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let created = register(&app, &admin, "Portal", &["units:read"]).await;
    let path = format!("/api/v1/clients/{}", created["id"].as_str().unwrap());

    let stale = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&admin)
        .header("if-match", "\"7\"")
        .json(&json!({"scopes": ["units:read", "events:read"]}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412, "precondition_failed").await;

    let bad = app
        .send(
            Method::PATCH,
            &path,
            &admin,
            Some(json!({"scopes": null, "name": ""})),
        )
        .await;
    let problem = assert_problem(bad, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["name", "scopes"]);

    let changed = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&admin)
        .header("if-match", "\"1\"")
        .header("content-type", "application/merge-patch+json")
        .body(
            json!({"scopes": ["events:read", "units:read"], "description": "Public portal"})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(changed.headers()["etag"], "\"2\"");
    let changed = ok_json(changed, 200).await;
    assert_eq!(changed["scopes"], json!(["units:read", "events:read"]));
    assert_eq!(changed["description"], "Public portal");
    assert_eq!(changed["name"], "Portal");

    let cleared = app
        .send(
            Method::PATCH,
            &path,
            &admin,
            Some(json!({"description": null})),
        )
        .await;
    assert_eq!(ok_json(cleared, 200).await["description"], Value::Null);

    let gone = app.send(Method::DELETE, &path, &admin, None).await;
    assert_eq!(gone.status(), 204);
    let read = app.send(Method::GET, &path, &admin, None).await;
    let read = ok_json(read, 200).await;
    assert_eq!(read["is_active"], false);
    let inactive = app
        .send(Method::GET, "/api/v1/clients?is_active=false", &admin, None)
        .await;
    assert_eq!(ok_json(inactive, 200).await["total"], 1);

    let unknown = app
        .send(
            Method::GET,
            &format!("/api/v1/clients/{}", Uuid::new_v4()),
            &admin,
            None,
        )
        .await;
    assert_problem(unknown, 404, "not_found").await;
}
