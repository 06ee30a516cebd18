//! `/api/v1/units`: everyone signed in reads units; only administrators write them, under the hierarchy rules.

use bimtek_api::domain::role::Role;
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

async fn send(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> reqwest::Response {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    request.send().await.unwrap()
}

async fn create(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    send(
        app,
        token,
        reqwest::Method::POST,
        "/api/v1/units",
        Some(body),
        None,
    )
    .await
}

async fn patch(app: &TestApp, token: &str, id: Uuid, body: Value) -> reqwest::Response {
    send(
        app,
        token,
        reqwest::Method::PATCH,
        &format!("/api/v1/units/{id}"),
        Some(body),
        None,
    )
    .await
}

async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    let response = send(app, token, reqwest::Method::GET, path, None, None).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

/// Inserts a unit straight into the database.
fn insert_unit(app: &TestApp, code: &str, unit_type: &str, parent: Option<Uuid>) -> Uuid {
    use bimtek_api::schema::units;
    diesel::insert_into(units::table)
        .values((
            units::code.eq(code),
            units::name.eq(format!("Unit {code}")),
            units::unit_type.eq(unit_type),
            units::parent_id.eq(parent),
        ))
        .returning(units::id)
        .get_result(&mut app.db())
        .unwrap()
}

fn unit_version(app: &TestApp, id: Uuid) -> i32 {
    use bimtek_api::schema::units;
    units::table
        .find(id)
        .select(units::version)
        .first(&mut app.db())
        .unwrap()
}

async fn list(app: &TestApp, token: &str, query: &str) -> Value {
    get_json(app, token, &format!("/api/v1/units?{query}")).await
}

fn codes(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_admin_creates_reads_changes_and_deletes_a_unit() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let response = create(
        &app,
        &token,
        json!({"code": "kanwil-kalteng", "name": "Kanwil Ditjenpas Kalimantan Tengah", "type": "kanwil"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let kanwil: Value = response.json().await.unwrap();
    assert_eq!(kanwil["code"], "KANWIL-KALTENG", "codes are upper-cased");
    assert_eq!(kanwil["parent_id"], Value::Null);

    let response = create(
        &app,
        &token,
        json!({"code": " Lapas-Kasongan ", "name": "  Lapas Narkotika Kelas IIA Kasongan ", "type": "lapas",
               "class": "IIA", "parent_id": kanwil["id"], "external_code": "WPLK.17",
               "active_from": "2010-01-01", "active_until": "2030-12-31"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/units/{}", body["id"].as_str().unwrap())
    );
    assert_eq!(body["code"], "LAPAS-KASONGAN");
    assert_eq!(body["name"], "Lapas Narkotika Kelas IIA Kasongan");
    assert_eq!(body["type"], "lapas");
    assert_eq!(body["class"], "IIA");
    assert_eq!(body["parent_id"], kanwil["id"]);
    assert_eq!(body["external_code"], "WPLK.17");
    assert_eq!(body["active_from"], "2010-01-01");
    assert_eq!(body["active_until"], "2030-12-31");
    assert_eq!(body["archived_at"], Value::Null);
    assert_eq!(body["version"], 1);
    assert!(body.get("unit_type").is_none());

    let response = send(&app, &token, reqwest::Method::GET, &location, None, None).await;
    assert_eq!(response.headers()["etag"], "\"1\"");
    assert_eq!(response.json::<Value>().await.unwrap(), body);

    let response = send(
        &app,
        &token,
        reqwest::Method::PATCH,
        &location,
        Some(json!({"name": "Lapas Kasongan", "class": null, "external_code": null, "active_until": null})),
        Some("\"1\""),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["name"], "Lapas Kasongan");
    assert_eq!(changed["class"], Value::Null);
    assert_eq!(changed["external_code"], Value::Null);
    assert_eq!(changed["active_until"], Value::Null);
    assert_eq!(changed["active_from"], "2010-01-01", "absent fields stay");
    assert_eq!(changed["code"], "LAPAS-KASONGAN");
    assert_eq!(changed["version"], 2);

    let response = send(
        &app,
        &token,
        reqwest::Method::DELETE,
        &location,
        None,
        Some("\"2\""),
    )
    .await;
    assert_eq!(response.status(), 204);
    let response = send(&app, &token, reqwest::Method::GET, &location, None, None).await;
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn a_pos_bapas_belongs_to_a_bapas_and_upts_to_the_kanwil() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let kanwil = insert_unit(&app, "KANWIL", "kanwil", None);
    let bapas = insert_unit(&app, "BAPAS-PLK", "bapas", Some(kanwil));
    let response = create(
        &app,
        &token,
        json!({"code": "POS-SAMPIT", "name": "Pos Bapas Sampit", "type": "pos_bapas", "parent_id": bapas}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let response = create(
        &app,
        &token,
        json!({"code": "RUTAN-1", "name": "Rutan tanpa induk", "type": "rutan"}),
    )
    .await;
    assert_eq!(response.status(), 201, "a UPT may have no parent");
    let response = create(
        &app,
        &token,
        json!({"code": "KANWIL-2", "name": "Kanwil lain", "type": "kanwil", "class": null}),
    )
    .await;
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn invalid_units_are_refused_with_every_field_named_and_nothing_written() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let kanwil = insert_unit(&app, "KANWIL", "kanwil", None);
    let lapas = insert_unit(&app, "LAPAS", "lapas", Some(kanwil));
    let bapas = insert_unit(&app, "BAPAS", "bapas", Some(kanwil));
    let archived_kanwil = insert_unit(&app, "OLD-KANWIL", "kanwil", None);
    {
        use bimtek_api::schema::units;
        diesel::update(units::table.find(archived_kanwil))
            .set(units::archived_at.eq(diesel::dsl::now))
            .execute(&mut app.db())
            .unwrap();
    }
    let long_code = "A".repeat(33);
    let cases = [
        (
            json!({"code": "", "name": "x", "type": "lapas"}),
            vec![("code", "too_short")],
        ),
        (
            json!({"code": "-LAPAS", "name": "x", "type": "lapas"}),
            vec![("code", "invalid_format")],
        ),
        (
            json!({"code": "LAPAS SAMPIT", "name": "x", "type": "lapas"}),
            vec![("code", "invalid_format")],
        ),
        (
            json!({"code": "LAPAS/1", "name": "x", "type": "lapas"}),
            vec![("code", "invalid_format")],
        ),
        (
            json!({"code": "ÄRZTE", "name": "x", "type": "lapas"}),
            vec![("code", "invalid_format")],
        ),
        (
            json!({"code": long_code, "name": "x", "type": "lapas"}),
            vec![("code", "too_long")],
        ),
        (
            json!({"code": "OK", "name": " ", "type": "lapas"}),
            vec![("name", "required")],
        ),
        (
            json!({"code": "OK", "name": "x".repeat(201), "type": "lapas"}),
            vec![("name", "too_long")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "prison"}),
            vec![("type", "invalid_value")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "LAPAS"}),
            vec![("type", "invalid_value")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "lapas", "class": "IV"}),
            vec![("class", "invalid_value")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "lapas", "class": "iia"}),
            vec![("class", "invalid_value")],
        ),
        (
            json!({"code": "OK", "name": "x"}),
            vec![("type", "required")],
        ),
        (
            json!({"name": "x", "type": "lapas"}),
            vec![("code", "required")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "lapas", "unit_type": "lapas"}),
            vec![("unit_type", "unknown_field")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "pos_bapas"}),
            vec![("parent_id", "required")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "kanwil", "parent_id": kanwil}),
            vec![("parent_id", "not_allowed")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "pos_bapas", "parent_id": lapas}),
            vec![("parent_id", "invalid_parent")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "pos_bapas", "parent_id": kanwil}),
            vec![("parent_id", "invalid_parent")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "lapas", "parent_id": bapas}),
            vec![("parent_id", "invalid_parent")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "lapas", "parent_id": Uuid::new_v4()}),
            vec![("parent_id", "unknown_reference")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "lapas", "parent_id": "nope"}),
            vec![("parent_id", "invalid_value")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "lapas", "parent_id": archived_kanwil}),
            vec![("parent_id", "archived")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "lapas", "external_code": ""}),
            vec![("external_code", "too_short")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "lapas", "external_code": "x".repeat(65)}),
            vec![("external_code", "too_long")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "lapas", "active_from": "2025-08-02", "active_until": "2025-08-01"}),
            vec![("active_until", "out_of_range")],
        ),
        (
            json!({"code": "OK", "name": "x", "type": "lapas", "active_from": "2025-02-31"}),
            vec![("active_from", "invalid_value")],
        ),
        (
            json!({"code": "bad code", "name": "", "type": "pos_bapas", "active_from": "2025-01-02", "active_until": "2025-01-01"}),
            vec![
                ("active_until", "out_of_range"),
                ("code", "invalid_format"),
                ("name", "required"),
                ("parent_id", "required"),
            ],
        ),
    ];
    let before = app.count("units");
    for (body, expected) in cases {
        let response = create(&app, &token, body.clone()).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        let mut got: Vec<(String, String)> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap().to_owned(),
                    e["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        got.sort();
        let expected: Vec<(String, String)> = expected
            .into_iter()
            .map(|(f, c)| (f.to_owned(), c.to_owned()))
            .collect();
        assert_eq!(got, expected, "{body}");
    }
    assert_eq!(app.count("units"), before, "nothing was written");
}

#[tokio::test]
async fn changes_that_break_the_hierarchy_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let kanwil = insert_unit(&app, "KANWIL", "kanwil", None);
    let bapas = insert_unit(&app, "BAPAS", "bapas", Some(kanwil));
    let pos = insert_unit(&app, "POS", "pos_bapas", Some(bapas));
    let lapas = insert_unit(&app, "LAPAS", "lapas", Some(kanwil));
    let other_kanwil = insert_unit(&app, "KANWIL-2", "kanwil", None);

    let cases = [
        (lapas, json!({"parent_id": lapas}), ("parent_id", "cycle")),
        (bapas, json!({"parent_id": pos}), ("parent_id", "cycle")),
        (
            kanwil,
            json!({"parent_id": other_kanwil}),
            ("parent_id", "not_allowed"),
        ),
        (
            lapas,
            json!({"type": "kanwil"}),
            ("parent_id", "not_allowed"),
        ),
        (pos, json!({"parent_id": null}), ("parent_id", "required")),
        (
            pos,
            json!({"parent_id": lapas}),
            ("parent_id", "invalid_parent"),
        ),
        (
            lapas,
            json!({"type": "pos_bapas"}),
            ("parent_id", "invalid_parent"),
        ),
        (bapas, json!({"type": "lapas"}), ("type", "has_children")),
        (kanwil, json!({"type": "lapas"}), ("type", "has_children")),
        (
            lapas,
            json!({"active_from": "2025-01-02", "active_until": "2025-01-01"}),
            ("active_until", "out_of_range"),
        ),
    ];
    for (id, body, (field, code)) in cases {
        let before = unit_version(&app, id);
        let response = patch(&app, &token, id, body.clone()).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), [field], "{body}");
        assert_eq!(problem["errors"][0]["code"], code, "{body}");
        assert_eq!(unit_version(&app, id), before, "{body} changed nothing");
    }

    // The stored period is checked together with the patched end.
    let response = patch(&app, &token, lapas, json!({"active_from": "2025-01-10"})).await;
    assert_eq!(response.status(), 200);
    let response = patch(&app, &token, lapas, json!({"active_until": "2025-01-09"})).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["active_until"]);

    // Allowed moves: a UPT to another Kanwil; a childless Bapas to a Lapas; a Kanwil to a UPT once it has no
    // children left and a Kanwil parent.
    let response = patch(&app, &token, lapas, json!({"parent_id": other_kanwil})).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["parent_id"], other_kanwil.to_string());
    let response = patch(
        &app,
        &token,
        pos,
        json!({"type": "rutan", "parent_id": kanwil}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let response = patch(&app, &token, bapas, json!({"type": "lapas"})).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_taken_code_is_a_409_naming_the_field() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    insert_unit(&app, "LAPAS-SAMPIT", "lapas", None);
    let other = insert_unit(&app, "RUTAN-SAMPIT", "rutan", None);
    let before = app.count("units");
    let response = create(
        &app,
        &token,
        json!({"code": "lapas-sampit", "name": "Duplicate", "type": "lapas"}),
    )
    .await;
    let body = assert_problem(response, 409, "already_exists").await;
    assert_eq!(error_fields(&body), ["code"]);
    assert_eq!(app.count("units"), before);

    let response = patch(&app, &token, other, json!({"code": "Lapas-Sampit"})).await;
    let body = assert_problem(response, 409, "already_exists").await;
    assert_eq!(error_fields(&body), ["code"]);
    let row = get_json(&app, &token, &format!("/api/v1/units/{other}")).await;
    assert_eq!(row["code"], "RUTAN-SAMPIT");
    assert_eq!(row["version"], 1);
}

#[tokio::test]
async fn an_external_code_names_one_unit_and_finds_it() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let response = create(
        &app,
        &token,
        json!({"code": "LAPAS-SAMPIT", "name": "Lapas Sampit", "type": "lapas", "external_code": "WPLK.17"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let first: Value = response.json().await.unwrap();
    let other = insert_unit(&app, "RUTAN-SAMPIT", "rutan", None);
    let before = app.count("units");
    let response = create(
        &app,
        &token,
        json!({"code": "LAPAS-KASONGAN", "name": "Lapas Kasongan", "type": "lapas", "external_code": " WPLK.17 "}),
    )
    .await;
    let body = assert_problem(response, 409, "already_exists").await;
    assert_eq!(error_fields(&body), ["external_code"]);
    assert_eq!(app.count("units"), before);
    let response = patch(&app, &token, other, json!({"external_code": "WPLK.17"})).await;
    let body = assert_problem(response, 409, "already_exists").await;
    assert_eq!(error_fields(&body), ["external_code"]);
    // Units without a code are as many as they like.
    let response = patch(&app, &token, other, json!({"external_code": null})).await;
    assert_eq!(response.status(), 200);

    let found = list(&app, &token, "external_code=WPLK.17").await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["id"], first["id"]);
    let none = list(&app, &token, "external_code=WPLK.99").await;
    assert_eq!(none["total"], 0);
    let response = send(
        &app,
        &token,
        reqwest::Method::GET,
        "/api/v1/units?external_code=%20",
        None,
        None,
    )
    .await;
    let body = assert_problem(response, 400, "invalid_query").await;
    assert_eq!(error_fields(&body), ["external_code"]);
}

#[tokio::test]
async fn writes_honour_if_match_and_refuse_read_only_fields() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let id = insert_unit(&app, "LAPAS", "lapas", None);
    let path = format!("/api/v1/units/{id}");

    let response = send(
        &app,
        &token,
        reqwest::Method::PATCH,
        &path,
        Some(json!({"name": "Lapas Sampit"})),
        Some("\"1\""),
    )
    .await;
    assert_eq!(response.status(), 200);
    for (method, body) in [
        (reqwest::Method::PATCH, Some(json!({"name": "Other"}))),
        (reqwest::Method::DELETE, None),
    ] {
        let response = send(&app, &token, method, &path, body, Some("\"1\"")).await;
        assert_problem(response, 412, "precondition_failed").await;
    }
    let response = send(
        &app,
        &token,
        reqwest::Method::DELETE,
        &path,
        None,
        Some("W/\"2\""),
    )
    .await;
    assert_problem(response, 412, "precondition_failed").await;

    for field in [
        "id",
        "version",
        "created_at",
        "updated_at",
        "archived_at",
        "unit_type",
    ] {
        let response = patch(&app, &token, id, json!({ field: "x" })).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), [field]);
    }
    let response = patch(
        &app,
        &token,
        id,
        json!({"code": null, "name": null, "type": null, "archived": null}),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["archived", "code", "name", "type"]);
    let response = patch(&app, &token, id, json!({"version": 9, "name": "Sneaky"})).await;
    assert_problem(response, 422, "validation_failed").await;

    let body = get_json(&app, &token, &path).await;
    assert_eq!(body["version"], 2, "refused writes changed nothing");
    assert_eq!(body["name"], "Lapas Sampit");

    let missing = Uuid::new_v4();
    let response = patch(&app, &token, missing, json!({"name": "x"})).await;
    assert_problem(response, 404, "not_found").await;
    let response = send(
        &app,
        &token,
        reqwest::Method::DELETE,
        &format!("/api/v1/units/{missing}"),
        None,
        None,
    )
    .await;
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn every_role_reads_units_but_only_admins_write_them() {
    let app = spawn_app().await;
    let kanwil = insert_unit(&app, "KANWIL", "kanwil", None);
    let target = insert_unit(&app, "LAPAS", "lapas", Some(kanwil));
    for role in [
        Role::Organizer,
        Role::UnitOperator,
        Role::Facilitator,
        Role::Participant,
    ] {
        let (_, token) = app.user_with_token(role).await;
        let list = get_json(&app, &token, "/api/v1/units").await;
        assert!(codes(&list).contains(&"LAPAS".to_owned()), "{role}");
        let one = get_json(&app, &token, &format!("/api/v1/units/{target}")).await;
        assert_eq!(one["code"], "LAPAS", "{role}");

        let before = app.count("units");
        let path = format!("/api/v1/units/{target}");
        let requests = [
            (
                reqwest::Method::POST,
                "/api/v1/units".to_owned(),
                Some(json!({"code": "NEW", "name": "New", "type": "lapas"})),
            ),
            (
                reqwest::Method::POST,
                "/api/v1/units".to_owned(),
                Some(json!({"code": "bad code", "type": "nope"})),
            ),
            (
                reqwest::Method::PATCH,
                path.clone(),
                Some(json!({"name": "Changed", "archived": true})),
            ),
            (reqwest::Method::DELETE, path.clone(), None),
        ];
        for (method, path, body) in requests {
            let response = send(&app, &token, method.clone(), &path, body, None).await;
            let problem = assert_problem(response, 403, "forbidden").await;
            assert!(
                problem.get("code").is_some()
                    && problem.get("name").is_none()
                    && problem["errors"].is_null(),
                "{role} {method}: {problem}"
            );
        }
        assert_eq!(app.count("units"), before, "{role}");
    }
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let row = get_json(&app, &admin, &format!("/api/v1/units/{target}")).await;
    assert_eq!(row["name"], "Unit LAPAS");
    assert_eq!(row["version"], 1);
    assert_eq!(row["archived_at"], Value::Null);
}

#[tokio::test]
async fn a_referenced_unit_is_not_deleted_but_can_be_archived_and_restored() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let kanwil = insert_unit(&app, "KANWIL", "kanwil", None);
    let with_child = insert_unit(&app, "BAPAS", "bapas", Some(kanwil));
    insert_unit(&app, "POS", "pos_bapas", Some(with_child));
    let with_participant = insert_unit(&app, "LAPAS-P", "lapas", None);
    let with_event = insert_unit(&app, "LAPAS-E", "lapas", None);
    let with_quota = insert_unit(&app, "LAPAS-Q", "lapas", None);
    let operator = app.seed_user(Role::UnitOperator);
    let with_user: Uuid = {
        use bimtek_api::schema::users;
        users::table
            .find(operator.id)
            .select(users::unit_id.assume_not_null())
            .first(&mut app.db())
            .unwrap()
    };
    {
        use bimtek_api::schema::{event_unit_quotas, events, participants};
        let mut conn = app.db();
        diesel::insert_into(participants::table)
            .values((
                participants::nip.eq("198501012010121001"),
                participants::full_name.eq("Budi Santoso"),
                participants::sex.eq("male"),
                participants::employee_type.eq("pns"),
                participants::unit_id.eq(with_participant),
            ))
            .execute(&mut conn)
            .unwrap();
        let event: Uuid = diesel::insert_into(events::table)
            .values((
                events::title.eq("Bimtek"),
                events::kind.eq("orientation"),
                events::host_unit_id.eq(with_event),
                events::starts_on.eq(chrono::NaiveDate::from_ymd_opt(2025, 8, 2).unwrap()),
                events::ends_on.eq(chrono::NaiveDate::from_ymd_opt(2025, 8, 2).unwrap()),
                events::capacity.eq(30),
            ))
            .returning(events::id)
            .get_result(&mut conn)
            .unwrap();
        diesel::insert_into(event_unit_quotas::table)
            .values((
                event_unit_quotas::event_id.eq(event),
                event_unit_quotas::unit_id.eq(with_quota),
                event_unit_quotas::quota.eq(5),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    let before = app.count("units");
    for (id, what) in [
        (kanwil, "child units"),
        (with_child, "child units"),
        (with_participant, "participants"),
        (with_event, "events"),
        (with_quota, "event quotas"),
        (with_user, "user accounts"),
    ] {
        let response = send(
            &app,
            &token,
            reqwest::Method::DELETE,
            &format!("/api/v1/units/{id}"),
            None,
            Some("\"1\""),
        )
        .await;
        let problem = assert_problem(response, 409, "in_use").await;
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(what), "{detail}");
        assert!(detail.contains("archived"), "{detail}");
    }
    assert_eq!(app.count("units"), before, "nothing was deleted");

    let response = patch(&app, &token, with_participant, json!({"archived": true})).await;
    assert_eq!(response.status(), 200);
    let archived: Value = response.json().await.unwrap();
    let archived_at = archived["archived_at"].as_str().unwrap().to_owned();
    assert_eq!(archived["version"], 2);
    let response = patch(&app, &token, with_participant, json!({"archived": true})).await;
    let again: Value = response.json().await.unwrap();
    assert_eq!(
        again["archived_at"], archived_at,
        "archiving twice keeps the time"
    );

    let listed = get_json(&app, &token, "/api/v1/units?limit=100").await;
    assert!(!codes(&listed).contains(&"LAPAS-P".to_owned()));
    let listed = get_json(
        &app,
        &token,
        "/api/v1/units?limit=100&include_archived=true",
    )
    .await;
    assert!(codes(&listed).contains(&"LAPAS-P".to_owned()));
    let one = get_json(&app, &token, &format!("/api/v1/units/{with_participant}")).await;
    assert_eq!(one["archived_at"], archived_at.as_str());

    let response = patch(&app, &token, with_participant, json!({"archived": false})).await;
    let restored: Value = response.json().await.unwrap();
    assert_eq!(restored["archived_at"], Value::Null);
}

#[tokio::test]
async fn the_unit_list_filters_sorts_and_pages_deterministically() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let kanwil = insert_unit(&app, "KANWIL", "kanwil", None);
    let bapas = insert_unit(&app, "BAPAS-PLK", "bapas", Some(kanwil));
    insert_unit(&app, "POS-SAMPIT", "pos_bapas", Some(bapas));
    insert_unit(&app, "LAPAS-PLK", "lapas", Some(kanwil));
    insert_unit(&app, "LAPAS-KSG", "lapas", Some(kanwil));
    let old = insert_unit(&app, "OLD_LAPAS", "lapas", None);
    {
        use bimtek_api::schema::units;
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let mut conn = app.db();
        diesel::update(units::table.find(old))
            .set((
                units::active_from.eq(d(2000, 1, 1)),
                units::active_until.eq(d(2019, 12, 31)),
                units::name.eq("Lapas Lama (100% tutup)"),
            ))
            .execute(&mut conn)
            .unwrap();
        diesel::update(units::table.filter(units::code.eq("LAPAS-KSG")))
            .set(units::active_from.eq(d(2021, 1, 1)))
            .execute(&mut conn)
            .unwrap();
        diesel::update(units::table.filter(units::code.eq("POS-SAMPIT")))
            .set(units::archived_at.eq(diesel::dsl::now))
            .execute(&mut conn)
            .unwrap();
    }

    let all = list(&app, &token, "").await;
    assert_eq!(all["total"], 5, "the archived unit is left out");
    assert_eq!(all["limit"], 20);
    assert_eq!(all["offset"], 0);
    assert_eq!(
        codes(&all),
        ["BAPAS-PLK", "KANWIL", "LAPAS-KSG", "LAPAS-PLK", "OLD_LAPAS"]
    );
    let desc = list(&app, &token, "sort=-code").await;
    assert_eq!(
        codes(&desc),
        ["OLD_LAPAS", "LAPAS-PLK", "LAPAS-KSG", "KANWIL", "BAPAS-PLK"]
    );
    let with_archived = list(&app, &token, "include_archived=true").await;
    assert_eq!(with_archived["total"], 6);

    let lapas = list(&app, &token, "type=lapas&sort=code").await;
    assert_eq!(codes(&lapas), ["LAPAS-KSG", "LAPAS-PLK", "OLD_LAPAS"]);
    let children = list(&app, &token, &format!("parent_id={kanwil}")).await;
    assert_eq!(codes(&children), ["BAPAS-PLK", "LAPAS-KSG", "LAPAS-PLK"]);
    let pos = list(
        &app,
        &token,
        &format!("parent_id={bapas}&include_archived=true"),
    )
    .await;
    assert_eq!(codes(&pos), ["POS-SAMPIT"]);

    let searched = list(&app, &token, "q=plk").await;
    assert_eq!(codes(&searched), ["BAPAS-PLK", "LAPAS-PLK"]);
    let by_name = list(&app, &token, "q=unit%20lapas-k").await;
    assert_eq!(codes(&by_name), ["LAPAS-KSG"]);
    let literal = list(&app, &token, "q=%25").await;
    assert_eq!(codes(&literal), ["OLD_LAPAS"], "`%` matches itself");
    let underscore = list(&app, &token, "q=D_L").await;
    assert_eq!(codes(&underscore), ["OLD_LAPAS"], "`_` matches itself");
    let no_wildcard = list(&app, &token, "q=S_P").await;
    assert_eq!(no_wildcard["total"], 0, "`_` is no wildcard");

    let in_2020 = list(&app, &token, "active_on=2020-06-01").await;
    assert_eq!(codes(&in_2020), ["BAPAS-PLK", "KANWIL", "LAPAS-PLK"]);
    let in_2019 = list(&app, &token, "active_on=2019-12-31&type=lapas").await;
    assert_eq!(codes(&in_2019), ["LAPAS-PLK", "OLD_LAPAS"]);

    let by_name = list(&app, &token, "sort=name").await;
    let names: Vec<&str> = by_name["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let by_name_desc = list(&app, &token, "sort=-name").await;
    let mut reversed = codes(&by_name);
    reversed.reverse();
    assert_eq!(codes(&by_name_desc), reversed);
    let oldest = list(&app, &token, "sort=created_at").await;
    let newest = list(&app, &token, "sort=-created_at").await;
    let mut reversed = codes(&oldest);
    reversed.reverse();
    assert_eq!(codes(&newest), reversed);

    let page1 = list(&app, &token, "limit=2").await;
    let page2 = list(&app, &token, "limit=2&offset=2").await;
    let page3 = list(&app, &token, "limit=2&offset=4").await;
    assert_eq!(page1["total"], 5);
    assert_eq!(page3["total"], 5);
    let mut paged = codes(&page1);
    paged.extend(codes(&page2));
    paged.extend(codes(&page3));
    assert_eq!(paged, codes(&all));
    let beyond = list(&app, &token, "offset=50").await;
    assert_eq!(beyond["total"], 5);
    assert_eq!(beyond["items"].as_array().unwrap().len(), 0);

    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("offset=-1", "offset"),
        ("sort=type", "sort"),
        ("type=prison", "type"),
        ("active_on=2025-02-31", "active_on"),
        ("parent_id=nope", "parent_id"),
        ("include_archived=maybe", "include_archived"),
        ("q=%20", "q"),
    ] {
        let response = send(
            &app,
            &token,
            reqwest::Method::GET,
            &format!("/api/v1/units?{query}"),
            None,
            None,
        )
        .await;
        let problem = assert_problem(response, 400, "invalid_query").await;
        assert_eq!(error_fields(&problem), [field], "{query}");
    }
}
