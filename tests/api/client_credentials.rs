//! The client-credentials grant (`POST /api/v1/auth/token`) and the scopes of service-account tokens: client
//! authentication by HTTP Basic and by the body, the RFC 6749 errors, the scope table applied to every operation,
//! and revocation by deactivation, secret rotation and a change of scopes.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bimtek_api::auth::scopes::{REFUSED, TABLE};
use bimtek_api::domain::role::Role;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::clients::register;
use crate::helpers::{TestApp, assert_problem, ok_json, spawn_app, spawn_app_with};

const FORM: &str = "application/x-www-form-urlencoded";

/// A registered client: its id and secret.
pub struct Client {
    id: String,
    secret: String,
}

pub async fn client(app: &TestApp, admin: &str, name: &str, scopes: &[&str]) -> Client {
    let created = register(app, admin, name, scopes).await;
    Client {
        id: created["client_id"].as_str().unwrap().to_owned(),
        secret: created["client_secret"].as_str().unwrap().to_owned(),
    }
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

/// A token request with HTTP Basic client authentication and this form body.
async fn token_basic(app: &TestApp, id: &str, secret: &str, form: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/token"))
        .header("authorization", basic(id, secret))
        .header("content-type", FORM)
        .body(form.to_owned())
        .send()
        .await
        .unwrap()
}

/// A token request with this form body only.
async fn token_form(app: &TestApp, form: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/token"))
        .header("content-type", FORM)
        .body(form.to_owned())
        .send()
        .await
        .unwrap()
}

/// The access token of a successful token request.
pub async fn access_token(app: &TestApp, c: &Client, scope: Option<&str>) -> String {
    let form = match scope {
        Some(s) => format!(
            "grant_type=client_credentials&scope={}",
            s.replace(' ', "+")
        ),
        None => "grant_type=client_credentials".to_owned(),
    };
    let response = token_basic(app, &c.id, &c.secret, &form).await;
    let body = ok_json(response, 200).await;
    body["access_token"].as_str().unwrap().to_owned()
}

/// Asserts an RFC 6749 error answer (not a problem document) and returns its body.
async fn assert_oauth_error(response: reqwest::Response, status: u16, error: &str) -> Value {
    assert_eq!(response.status().as_u16(), status);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["pragma"], "no-cache");
    if status == 401 {
        assert_eq!(headers["www-authenticate"], "Basic realm=\"bimtek-api\"");
    }
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    assert!(body["error_description"].is_string());
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    body
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn last_token_at(app: &TestApp, id: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use bimtek_api::schema::clients;
    clients::table
        .find(id.parse::<Uuid>().unwrap())
        .select(clients::last_token_at)
        .first(&mut app.db())
        .unwrap()
}

#[tokio::test]
async fn a_client_gets_a_token_with_basic_and_with_post_authentication() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let c = client(&app, &admin, "SDP", &["units:read", "participants:read"]).await;
    assert_eq!(last_token_at(&app, &c.id), None);

    let response = token_basic(&app, &c.id, &c.secret, "grant_type=client_credentials").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 600);
    assert_eq!(body["scope"], "participants:read units:read");
    let token = body["access_token"].as_str().unwrap();
    let c1 = claims(token);
    assert_eq!(c1["aud"], "bimtek-api-m2m");
    assert_eq!(c1["sub"], c.id.as_str());
    assert_eq!(c1["client_id"], c.id.as_str());
    assert_eq!(c1["scope"], "participants:read units:read");
    assert!(c1.get("role").is_none(), "{c1}");
    assert!(last_token_at(&app, &c.id).is_some());

    // client_secret_post, a narrower scope, and a charset parameter on the media type.
    let response = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body(format!(
            "grant_type=client_credentials&scope=units%3Aread&client_id={}&client_secret={}",
            c.id, c.secret
        ))
        .send()
        .await
        .unwrap();
    let body = ok_json(response, 200).await;
    assert_eq!(body["scope"], "units:read");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["scope"],
        "units:read"
    );

    // Basic with the client_id repeated in the body is fine.
    let response = token_basic(
        &app,
        &c.id,
        &c.secret,
        &format!("grant_type=client_credentials&client_id={}", c.id),
    )
    .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_token_works_inside_its_scopes_and_is_refused_with_403_outside_them() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let c = client(&app, &admin, "Reader", &["units:read", "participants:read"]).await;
    let token = access_token(&app, &c, Some("units:read")).await;
    let unit = app.seed_unit("KSG");
    let officer = app.seed_participant(unit, "Budi Santoso");

    let units = app.send(Method::GET, "/api/v1/units", &token, None).await;
    assert_eq!(ok_json(units, 200).await["total"], 1);
    let one = app
        .send(Method::GET, &format!("/api/v1/units/{unit}"), &token, None)
        .await;
    assert_eq!(one.status(), 200);

    let units_before = app.count("units");
    let outside: Vec<(Method, String, Option<Value>, &str)> = vec![
        // the client holds participants:read, but this token was granted units:read only
        (
            Method::GET,
            "/api/v1/participants".into(),
            None,
            "participants:read",
        ),
        (
            Method::GET,
            format!("/api/v1/participants/{officer}"),
            None,
            "participants:read",
        ),
        // a write needs the write scope
        (
            Method::POST,
            "/api/v1/units".into(),
            Some(json!({"code": "NEW", "name": "New unit", "type": "lapas"})),
            "units:write",
        ),
        (
            Method::DELETE,
            format!("/api/v1/units/{unit}"),
            None,
            "units:write",
        ),
        // closed to every client, whatever its scopes
        (
            Method::GET,
            "/api/v1/users".into(),
            None,
            "service accounts",
        ),
        (
            Method::GET,
            "/api/v1/clients".into(),
            None,
            "service accounts",
        ),
        (Method::GET, "/api/v1/me".into(), None, "service accounts"),
        (
            Method::POST,
            format!("/api/v1/participants/{officer}/erase"),
            None,
            "service accounts",
        ),
    ];
    for (method, path, body, needs) in outside {
        let response = app.send(method.clone(), &path, &token, body).await;
        let problem = assert_problem(response, 403, "insufficient_scope").await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(needs), "{method} {path}: {detail}");
    }
    assert_eq!(app.count("units"), units_before);
    assert_eq!(app.count("participants"), 1);

    // With participants:read, the client sees officers as an administrator does (the full NIP included).
    let reader = access_token(&app, &c, None).await;
    let read = app
        .send(
            Method::GET,
            &format!("/api/v1/participants/{officer}"),
            &reader,
            None,
        )
        .await;
    let read = ok_json(read, 200).await;
    assert_eq!(read["full_name"], "Budi Santoso");
    assert_eq!(read["nip"].as_str().unwrap().len(), 18);
}

#[tokio::test]
async fn a_client_writes_through_its_technical_user_within_its_scopes() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let c = client(
        &app,
        &admin,
        "SDP",
        &["enrollments:write", "enrollments:read"],
    )
    .await;
    let token = access_token(&app, &c, None).await;
    let event = app.seed_event("published", 10);
    let unit = app.seed_unit("SMP");
    let officer = app.seed_participant(unit, "Siti Aminah");

    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/events/{event}/enrollments"),
            &token,
            Some(json!({"participant_id": officer})),
        )
        .await;
    let enrollment = ok_json(response, 201).await;
    let listed = app
        .send(
            Method::GET,
            &format!("/api/v1/events/{event}/enrollments"),
            &token,
            None,
        )
        .await;
    assert_eq!(ok_json(listed, 200).await["total"], 1);

    // `nominated_by` names the client's technical user: the foreign key to users keeps working.
    let (nominated_by, technical): (Option<Uuid>, Uuid) = {
        use bimtek_api::schema::{clients, enrollments};
        let id: Uuid = enrollment["id"].as_str().unwrap().parse().unwrap();
        let nominated_by = enrollments::table
            .find(id)
            .select(enrollments::nominated_by)
            .first(&mut app.db())
            .unwrap();
        let technical = clients::table
            .find(c.id.parse::<Uuid>().unwrap())
            .select(clients::user_id)
            .first(&mut app.db())
            .unwrap();
        (nominated_by, technical)
    };
    assert_eq!(nominated_by, Some(technical));
}

#[tokio::test]
async fn a_wrong_secret_an_unknown_client_and_missing_credentials_get_the_same_invalid_client() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let c = client(&app, &admin, "SDP", &["units:read"]).await;
    let grant = "grant_type=client_credentials";
    let unknown = Uuid::new_v4().to_string();
    let answers = vec![
        token_basic(&app, &c.id, "bimtek_cs_wrong", grant).await,
        token_basic(&app, &c.id, &c.secret[..c.secret.len() - 1], grant).await,
        token_basic(&app, &unknown, &c.secret, grant).await,
        token_basic(&app, "not-a-uuid", &c.secret, grant).await,
        token_form(
            &app,
            &format!("{grant}&client_id={}&client_secret=wrong", c.id),
        )
        .await,
        token_form(&app, &format!("{grant}&client_id={}", c.id)).await,
        token_form(&app, grant).await,
        app.client
            .post(app.url("/api/v1/auth/token"))
            .bearer_auth(&admin)
            .header("content-type", FORM)
            .body(grant)
            .send()
            .await
            .unwrap(),
    ];
    let mut bodies = BTreeSet::new();
    for response in answers {
        let body = assert_oauth_error(response, 401, "invalid_client").await;
        bodies.insert(body.to_string());
    }
    assert_eq!(bodies.len(), 1, "the answers differ: {bodies:?}");
    assert_eq!(last_token_at(&app, &c.id), None);
}

#[tokio::test]
async fn bad_token_requests_get_their_rfc_6749_errors_and_no_token() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let c = client(&app, &admin, "SDP", &["units:read"]).await;
    let cases: Vec<(&str, String, u16, &str)> = vec![
        (
            "no grant type",
            "scope=units:read".into(),
            400,
            "invalid_request",
        ),
        (
            "a repeated parameter",
            "grant_type=client_credentials&grant_type=client_credentials".into(),
            400,
            "invalid_request",
        ),
        (
            "another grant",
            "grant_type=password&username=a&password=b".into(),
            400,
            "unsupported_grant_type",
        ),
        (
            "a refresh grant",
            "grant_type=refresh_token".into(),
            400,
            "unsupported_grant_type",
        ),
        (
            "both authentication methods",
            format!("grant_type=client_credentials&client_secret={}", c.secret),
            400,
            "invalid_request",
        ),
        (
            "a different client_id in the body",
            format!("grant_type=client_credentials&client_id={}", Uuid::new_v4()),
            400,
            "invalid_request",
        ),
        (
            "a scope the client lacks",
            "grant_type=client_credentials&scope=units:read+participants:write".into(),
            400,
            "invalid_scope",
        ),
        (
            "an unknown scope",
            "grant_type=client_credentials&scope=admin".into(),
            400,
            "invalid_scope",
        ),
    ];
    for (what, form, status, error) in cases {
        let response = token_basic(&app, &c.id, &c.secret, &form).await;
        let body = assert_oauth_error(response, status, error).await;
        assert!(!body.to_string().contains(&c.secret), "{what}: {body}");
    }
    // Not form-encoded: the transport error is a problem document, as everywhere.
    let json_body = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("authorization", basic(&c.id, &c.secret))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_problem(json_body, 415, "unsupported_media_type").await;
    assert_eq!(last_token_at(&app, &c.id), None);
}

#[tokio::test]
async fn extra_parameters_are_ignored_and_grant_nothing() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let c = client(&app, &admin, "SDP", &["units:read"]).await;
    let form = "grant_type=client_credentials&role=admin&aud=bimtek-api&sub=x&scope=units%3Aread&expires_in=999999";
    let response = token_basic(&app, &c.id, &c.secret, form).await;
    let body = ok_json(response, 200).await;
    assert_eq!(body["scope"], "units:read");
    assert_eq!(body["expires_in"], 600);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(claims(token)["aud"], "bimtek-api-m2m");
    let users = app.send(Method::GET, "/api/v1/users", token, None).await;
    assert_problem(users, 403, "insufficient_scope").await;
}

#[tokio::test]
async fn deactivating_a_client_or_changing_its_scopes_revokes_its_tokens_at_once() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let c = client(&app, &admin, "SDP", &["units:read", "events:read"]).await;
    let path = format!("/api/v1/clients/{}", c.id);
    let token = access_token(&app, &c, None).await;
    let units = app.send(Method::GET, "/api/v1/units", &token, None).await;
    assert_eq!(units.status(), 200);

    let off = app.send(Method::DELETE, &path, &admin, None).await;
    assert_eq!(off.status(), 204);
    let refused = app.send(Method::GET, "/api/v1/units", &token, None).await;
    assert_problem(refused, 401, "invalid_token").await;
    let again = token_basic(&app, &c.id, &c.secret, "grant_type=client_credentials").await;
    assert_oauth_error(again, 401, "invalid_client").await;

    // Reactivated: new tokens work, the old one stays revoked.
    let on = app
        .send(
            Method::PATCH,
            &path,
            &admin,
            Some(json!({"is_active": true})),
        )
        .await;
    assert_eq!(on.status(), 200);
    let fresh = access_token(&app, &c, None).await;
    assert_eq!(
        app.send(Method::GET, "/api/v1/units", &fresh, None)
            .await
            .status(),
        200
    );
    let old = app.send(Method::GET, "/api/v1/units", &token, None).await;
    assert_problem(old, 401, "invalid_token").await;

    // Narrowing the scopes revokes the tokens granted under the old ones.
    let narrowed = app
        .send(
            Method::PATCH,
            &path,
            &admin,
            Some(json!({"scopes": ["events:read"]})),
        )
        .await;
    assert_eq!(narrowed.status(), 200);
    let revoked = app.send(Method::GET, "/api/v1/units", &fresh, None).await;
    assert_problem(revoked, 401, "invalid_token").await;
    let lacking = token_basic(
        &app,
        &c.id,
        &c.secret,
        "grant_type=client_credentials&scope=units:read",
    )
    .await;
    assert_oauth_error(lacking, 400, "invalid_scope").await;
    // A change of the description alone revokes nothing.
    let events_token = access_token(&app, &c, None).await;
    let described = app
        .send(
            Method::PATCH,
            &path,
            &admin,
            Some(json!({"description": "Sync"})),
        )
        .await;
    assert_eq!(described.status(), 200);
    assert_eq!(
        app.send(Method::GET, "/api/v1/events", &events_token, None)
            .await
            .status(),
        200
    );

    let actions: Vec<String> = {
        use bimtek_api::schema::audit_log;
        audit_log::table
            .filter(audit_log::resource_id.eq(c.id.parse::<Uuid>().unwrap()))
            .order(audit_log::id)
            .select(audit_log::action)
            .load(&mut app.db())
            .unwrap()
    };
    assert_eq!(
        actions,
        [
            "client.created",
            "client.deactivated",
            "client.updated",
            "client.updated",
            "client.updated"
        ]
    );
}

#[tokio::test]
async fn rotating_the_secret_revokes_the_old_secret_and_its_tokens() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let c = client(&app, &admin, "SDP", &["units:read"]).await;
    let token = access_token(&app, &c, None).await;

    let stale = app
        .client
        .post(app.url(&format!("/api/v1/clients/{}/secret", c.id)))
        .bearer_auth(&admin)
        .header("if-match", "\"9\"")
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412, "precondition_failed").await;
    assert_eq!(
        app.send(Method::GET, "/api/v1/units", &token, None)
            .await
            .status(),
        200
    );

    let rotated = app
        .send(
            Method::POST,
            &format!("/api/v1/clients/{}/secret", c.id),
            &admin,
            None,
        )
        .await;
    assert_eq!(rotated.headers()["etag"], "\"2\"");
    let rotated = ok_json(rotated, 200).await;
    let new_secret = rotated["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, c.secret);

    let old_token = app.send(Method::GET, "/api/v1/units", &token, None).await;
    assert_problem(old_token, 401, "invalid_token").await;
    let old_secret = token_basic(&app, &c.id, &c.secret, "grant_type=client_credentials").await;
    assert_oauth_error(old_secret, 401, "invalid_client").await;
    let renewed = Client {
        id: c.id.clone(),
        secret: new_secret.clone(),
    };
    let fresh = access_token(&app, &renewed, None).await;
    assert_eq!(
        app.send(Method::GET, "/api/v1/units", &fresh, None)
            .await
            .status(),
        200
    );

    let read = app
        .send(
            Method::GET,
            &format!("/api/v1/clients/{}", c.id),
            &admin,
            None,
        )
        .await;
    assert!(!read.text().await.unwrap().contains(&new_secret));
}

#[tokio::test]
async fn user_and_client_tokens_do_not_pass_for_each_other() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let c = client(&app, &admin, "SDP", &["units:read"]).await;
    let keys =
        bimtek_api::auth::jwt::JwtKeys::from_settings(&crate::helpers::test_settings(&app.db_url));
    let client_id: Uuid = c.id.parse().unwrap();
    let technical: Uuid = {
        use bimtek_api::schema::clients;
        clients::table
            .find(client_id)
            .select(clients::user_id)
            .first(&mut app.db())
            .unwrap()
    };
    // A user token for the technical user (which never logs in) is refused, whatever it claims.
    let as_user = keys.issue(technical, Role::Admin, 1).unwrap();
    let refused = app.send(Method::GET, "/api/v1/users", &as_user, None).await;
    assert_problem(refused, 401, "invalid_token").await;
    // A user token whose subject is the client id names no user.
    let client_as_user = keys.issue(client_id, Role::Admin, 1).unwrap();
    let refused = app
        .send(Method::GET, "/api/v1/units", &client_as_user, None)
        .await;
    assert_problem(refused, 401, "invalid_token").await;
    // A client token whose subject is a user names no client.
    let scopes = bimtek_api::auth::scopes::Scopes::parse_space_delimited("units:read").unwrap();
    let admin_id: Uuid = claims(&admin)["sub"].as_str().unwrap().parse().unwrap();
    let user_as_client = keys.issue_client(admin_id, &scopes, 1).unwrap();
    let refused = app
        .send(Method::GET, "/api/v1/units", &user_as_client, None)
        .await;
    assert_problem(refused, 401, "invalid_token").await;
    // The genuine client token is scope-limited where the admin's user token is not.
    let genuine = keys.issue_client(client_id, &scopes, 1).unwrap();
    assert_eq!(
        app.send(Method::GET, "/api/v1/units", &genuine, None)
            .await
            .status(),
        200
    );
    let users = app.send(Method::GET, "/api/v1/users", &genuine, None).await;
    assert_problem(users, 403, "insufficient_scope").await;
    assert_eq!(
        app.send(Method::GET, "/api/v1/users", &admin, None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn failed_token_requests_are_throttled_per_client() {
    let app = spawn_app_with(|s| s.login_failure_delay = std::time::Duration::ZERO).await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let c = client(&app, &admin, "SDP", &["units:read"]).await;
    for _ in 0..5 {
        let response = token_basic(&app, &c.id, "wrong", "grant_type=client_credentials").await;
        assert_oauth_error(response, 401, "invalid_client").await;
    }
    // Even the right secret waits now: guessing cannot go on at full speed.
    let throttled = token_basic(&app, &c.id, &c.secret, "grant_type=client_credentials").await;
    assert!(throttled.headers().contains_key("retry-after"));
    assert_problem(throttled, 429, "too_many_requests").await;
    assert_eq!(last_token_at(&app, &c.id), None);
}

/// Every secured operation of the document is either open to clients with one scope (the scope table) or
/// deliberately refused to them, and the document says which scope each one needs.
#[test]
fn every_secured_operation_is_in_the_scope_table_or_refused_to_clients() {
    let doc: Value = serde_json::to_value(bimtek_api::startup::openapi()).unwrap();
    let mut problems = Vec::new();
    let mut secured = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(security) = op
                .get("security")
                .and_then(Value::as_array)
                .filter(|s| !s.is_empty())
            else {
                continue;
            };
            let key = format!("{} {path}", method.to_uppercase());
            secured.insert(key.clone());
            let open = TABLE
                .iter()
                .find(|e| e.method == method.to_uppercase() && e.path == path);
            let refused = REFUSED.contains(&key.as_str());
            let documented: Vec<&Value> = security
                .iter()
                .filter_map(|s| s.get("client_credentials"))
                .collect();
            match (open, refused) {
                (Some(_), true) => problems.push(format!("{key} is both open and refused to clients")),
                (None, false) => problems.push(format!(
                    "{key} is neither in the scope table nor refused to clients (src/auth/scopes.rs): decide"
                )),
                (Some(entry), false) => {
                    if documented != [&json!([entry.scope.as_str()])] {
                        problems.push(format!("{key}: the document lists {documented:?}"));
                    }
                }
                (None, true) => {
                    if !documented.is_empty() {
                        problems.push(format!("{key} is refused but documents a scope"));
                    }
                }
            }
        }
    }
    for key in TABLE
        .iter()
        .map(|e| format!("{} {}", e.method, e.path))
        .chain(REFUSED.iter().map(|s| (*s).to_owned()))
    {
        if !secured.contains(&key) {
            problems.push(format!(
                "{key} is in the scope table but not a secured operation of the document"
            ));
        }
    }
    assert!(
        secured.len() >= 50,
        "only {} secured operations",
        secured.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let scheme = &doc["components"]["securitySchemes"]["client_credentials"];
    assert_eq!(scheme["type"], "oauth2");
    let flow = &scheme["flows"]["clientCredentials"];
    assert_eq!(flow["tokenUrl"], "/api/v1/auth/token");
    let scopes = flow["scopes"].as_object().unwrap();
    for scope in bimtek_api::auth::scopes::Scope::ALL {
        assert!(scopes.contains_key(scope.as_str()), "{scope} undocumented");
    }
}
