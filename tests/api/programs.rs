//! `/api/v1/programs`: everyone signed in reads programs; administrators and organizers write them.

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
        "/api/v1/programs",
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
        &format!("/api/v1/programs/{id}"),
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

async fn list(app: &TestApp, token: &str, query: &str) -> Value {
    get_json(app, token, &format!("/api/v1/programs?{query}")).await
}

/// Inserts a program straight into the database.
fn insert_program(app: &TestApp, name: &str, year: i32) -> Uuid {
    use bimtek_api::schema::programs;
    diesel::insert_into(programs::table)
        .values((programs::name.eq(name), programs::year.eq(year)))
        .returning(programs::id)
        .get_result(&mut app.db())
        .unwrap()
}

/// Inserts `n` events of the program (and a host unit for them).
fn insert_events(app: &TestApp, program: Uuid, n: usize) {
    use bimtek_api::schema::{events, units};
    let mut conn = app.db();
    let code = format!("HOST-{}", &Uuid::new_v4().simple().to_string()[..8]).to_uppercase();
    let unit: Uuid = diesel::insert_into(units::table)
        .values((
            units::code.eq(code),
            units::name.eq("Lapas Narkotika Kelas IIA Kasongan"),
            units::unit_type.eq("lapas"),
        ))
        .returning(units::id)
        .get_result(&mut conn)
        .unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2025, 8, 2).unwrap();
    for i in 0..n {
        diesel::insert_into(events::table)
            .values((
                events::title.eq(format!("Bimtek {i}")),
                events::kind.eq("orientation"),
                events::program_id.eq(program),
                events::host_unit_id.eq(unit),
                events::starts_on.eq(day),
                events::ends_on.eq(day),
                events::capacity.eq(30),
            ))
            .execute(&mut conn)
            .unwrap();
    }
}

fn program_version(app: &TestApp, id: Uuid) -> i32 {
    use bimtek_api::schema::programs;
    programs::table
        .find(id)
        .select(programs::version)
        .first(&mut app.db())
        .unwrap()
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{} {}", p["name"].as_str().unwrap(), p["year"]))
        .collect()
}

#[tokio::test]
async fn an_organizer_creates_reads_changes_and_deletes_a_program() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Organizer).await;
    let response = create(
        &app,
        &token,
        json!({"name": "  PM Rehabilitasi Sosial ", "year": 2025, "description": "Program Manager"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/programs/{}", body["id"].as_str().unwrap())
    );
    assert_eq!(body["name"], "PM Rehabilitasi Sosial");
    assert_eq!(body["year"], 2025);
    assert_eq!(body["description"], "Program Manager");
    assert_eq!(body["event_count"], 0);
    assert_eq!(body["archived_at"], Value::Null);
    assert_eq!(body["version"], 1);

    let response = send(&app, &token, reqwest::Method::GET, &location, None, None).await;
    assert_eq!(response.headers()["etag"], "\"1\"");
    assert_eq!(response.json::<Value>().await.unwrap(), body);

    let response = send(
        &app,
        &token,
        reqwest::Method::PATCH,
        &location,
        Some(json!({"name": "PM Rehabilitasi Sosial Angkatan I", "description": null})),
        Some("\"1\""),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["name"], "PM Rehabilitasi Sosial Angkatan I");
    assert_eq!(changed["description"], Value::Null);
    assert_eq!(changed["year"], 2025);
    assert_eq!(changed["version"], 2);
    let response = send(
        &app,
        &token,
        reqwest::Method::PATCH,
        &location,
        Some(json!({"description": ""})),
        None,
    )
    .await;
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["description"], Value::Null, "an empty text is null");

    let response = send(
        &app,
        &token,
        reqwest::Method::DELETE,
        &location,
        None,
        Some("\"3\""),
    )
    .await;
    assert_eq!(response.status(), 204);
    let response = send(&app, &token, reqwest::Method::GET, &location, None, None).await;
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn the_event_count_is_that_of_each_program() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Participant).await;
    let with_events = insert_program(&app, "PM Rehabilitasi Sosial", 2025);
    let other = insert_program(&app, "Bimtek Keamanan", 2025);
    insert_program(&app, "Tanpa acara", 2025);
    insert_events(&app, with_events, 3);
    insert_events(&app, other, 1);
    let one = get_json(&app, &token, &format!("/api/v1/programs/{with_events}")).await;
    assert_eq!(one["event_count"], 3);
    let page = list(&app, &token, "sort=name").await;
    let counts: Vec<(String, i64)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["event_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("Bimtek Keamanan".to_owned(), 1),
            ("PM Rehabilitasi Sosial".to_owned(), 3),
            ("Tanpa acara".to_owned(), 0)
        ]
    );
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let response = patch(&app, &admin, other, json!({"year": 2026})).await;
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["event_count"], 1, "a patch answers with the count");
}

#[tokio::test]
async fn invalid_programs_are_refused_with_every_field_named_and_nothing_written() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let cases = [
        (
            json!({"name": "", "year": 2025}),
            vec![("name", "required")],
        ),
        (
            json!({"name": "x".repeat(201), "year": 2025}),
            vec![("name", "too_long")],
        ),
        (
            json!({"name": "PM", "year": 1999}),
            vec![("year", "out_of_range")],
        ),
        (
            json!({"name": "PM", "year": 2101}),
            vec![("year", "out_of_range")],
        ),
        (
            json!({"name": "PM", "year": "2025"}),
            vec![("year", "invalid_type")],
        ),
        (
            json!({"name": "PM", "year": 2025.5}),
            vec![("year", "invalid_type")],
        ),
        (json!({"name": "PM"}), vec![("year", "required")]),
        (json!({"year": 2025}), vec![("name", "required")]),
        (
            json!({"name": "PM", "year": 2025, "description": "x".repeat(4001)}),
            vec![("description", "too_long")],
        ),
        (
            json!({"name": "PM", "year": 2025, "event_count": 3}),
            vec![("event_count", "unknown_field")],
        ),
        (
            json!({"name": " ", "year": 3000, "description": "x".repeat(4001)}),
            vec![
                ("description", "too_long"),
                ("name", "required"),
                ("year", "out_of_range"),
            ],
        ),
    ];
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
    assert_eq!(app.count("programs"), 0, "nothing was written");

    let id = insert_program(&app, "PM", 2025);
    for (body, field) in [
        (json!({"year": 1999}), "year"),
        (json!({"year": null}), "year"),
        (json!({"name": null}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"archived": null}), "archived"),
        (json!({"archived": "yes"}), "archived"),
        (json!({"description": "x".repeat(4001)}), "description"),
    ] {
        let response = patch(&app, &token, id, body.clone()).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    assert_eq!(
        program_version(&app, id),
        1,
        "refused patches changed nothing"
    );
}

#[tokio::test]
async fn a_taken_name_and_year_is_a_409_naming_both_fields() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    insert_program(&app, "PM Rehabilitasi Sosial", 2025);
    let response = create(
        &app,
        &token,
        json!({"name": "PM Rehabilitasi Sosial", "year": 2025}),
    )
    .await;
    let body = assert_problem(response, 409, "already_exists").await;
    assert_eq!(error_fields(&body), ["name", "year"]);
    assert_eq!(app.count("programs"), 1);

    let response = create(
        &app,
        &token,
        json!({"name": "PM Rehabilitasi Sosial", "year": 2026}),
    )
    .await;
    assert_eq!(response.status(), 201, "the same name in another year");
    let next: Value = response.json().await.unwrap();
    let next_id: Uuid = next["id"].as_str().unwrap().parse().unwrap();
    let response = patch(&app, &token, next_id, json!({"year": 2025})).await;
    let body = assert_problem(response, 409, "already_exists").await;
    assert_eq!(error_fields(&body), ["name", "year"]);
    let row = get_json(&app, &token, &format!("/api/v1/programs/{next_id}")).await;
    assert_eq!(row["year"], 2026);
    assert_eq!(row["version"], 1);
}

#[tokio::test]
async fn writes_honour_if_match_and_refuse_read_only_fields() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Organizer).await;
    let id = insert_program(&app, "PM", 2025);
    let path = format!("/api/v1/programs/{id}");
    let response = send(
        &app,
        &token,
        reqwest::Method::PATCH,
        &path,
        Some(json!({"description": "Angkatan I"})),
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
    for field in [
        "id",
        "version",
        "event_count",
        "archived_at",
        "created_at",
        "updated_at",
    ] {
        let response = patch(&app, &token, id, json!({ field: 1 })).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), [field]);
    }
    let body = get_json(&app, &token, &path).await;
    assert_eq!(body["version"], 2, "refused writes changed nothing");
    assert_eq!(body["name"], "PM");

    let missing = Uuid::new_v4();
    let response = patch(&app, &token, missing, json!({"name": "x"})).await;
    assert_problem(response, 404, "not_found").await;
    let response = send(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/api/v1/programs/{missing}"),
        None,
        None,
    )
    .await;
    assert_problem(response, 404, "not_found").await;
    let response = send(
        &app,
        &token,
        reqwest::Method::DELETE,
        &format!("/api/v1/programs/{missing}"),
        None,
        None,
    )
    .await;
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn every_role_reads_programs_but_only_admins_and_organizers_write_them() {
    let app = spawn_app().await;
    let target = insert_program(&app, "PM Rehabilitasi Sosial", 2025);
    for role in [Role::UnitOperator, Role::Facilitator, Role::Participant] {
        let (_, token) = app.user_with_token(role).await;
        let page = list(&app, &token, "").await;
        assert_eq!(page["total"], 1, "{role}");
        let one = get_json(&app, &token, &format!("/api/v1/programs/{target}")).await;
        assert_eq!(one["name"], "PM Rehabilitasi Sosial", "{role}");

        let path = format!("/api/v1/programs/{target}");
        let requests = [
            (
                reqwest::Method::POST,
                "/api/v1/programs".to_owned(),
                Some(json!({"name": "New", "year": 2025})),
            ),
            (
                reqwest::Method::POST,
                "/api/v1/programs".to_owned(),
                Some(json!({"name": "", "year": 1})),
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
                problem.get("name").is_none() && problem["errors"].is_null(),
                "{role} {method}: {problem}"
            );
        }
        assert_eq!(app.count("programs"), 1, "{role}");
    }
    for role in [Role::Admin, Role::Organizer] {
        let (_, token) = app.user_with_token(role).await;
        let response = create(
            &app,
            &token,
            json!({"name": format!("By {role}"), "year": 2025}),
        )
        .await;
        assert_eq!(response.status(), 201, "{role}");
    }
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let row = get_json(&app, &admin, &format!("/api/v1/programs/{target}")).await;
    assert_eq!(row["name"], "PM Rehabilitasi Sosial");
    assert_eq!(row["version"], 1);
    assert_eq!(row["archived_at"], Value::Null);
}

#[tokio::test]
async fn a_program_with_events_is_not_deleted_but_can_be_archived_and_restored() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Organizer).await;
    let id = insert_program(&app, "PM Rehabilitasi Sosial", 2025);
    insert_events(&app, id, 2);
    let path = format!("/api/v1/programs/{id}");
    let response = send(
        &app,
        &token,
        reqwest::Method::DELETE,
        &path,
        None,
        Some("\"1\""),
    )
    .await;
    let problem = assert_problem(response, 409, "in_use").await;
    assert!(problem["detail"].as_str().unwrap().contains("archived"));
    assert_eq!(app.count("programs"), 1, "still there");
    assert_eq!(app.count("events"), 2);

    let response = patch(&app, &token, id, json!({"archived": true})).await;
    assert_eq!(response.status(), 200);
    let archived: Value = response.json().await.unwrap();
    assert!(archived["archived_at"].is_string());
    assert_eq!(archived["event_count"], 2);
    assert_eq!(list(&app, &token, "").await["total"], 0);
    assert_eq!(
        list(&app, &token, "include_archived=true").await["total"],
        1
    );
    let one = get_json(&app, &token, &path).await;
    assert_eq!(one["archived_at"], archived["archived_at"]);
    let response = patch(&app, &token, id, json!({"archived": false})).await;
    let restored: Value = response.json().await.unwrap();
    assert_eq!(restored["archived_at"], Value::Null);
    assert_eq!(list(&app, &token, "").await["total"], 1);
}

#[tokio::test]
async fn the_program_list_filters_sorts_and_pages_deterministically() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Facilitator).await;
    insert_program(&app, "PM Rehabilitasi Sosial", 2025);
    insert_program(&app, "PM Rehabilitasi Sosial", 2024);
    insert_program(&app, "Bimtek Keamanan", 2025);
    insert_program(&app, "Konselor Adiksi", 2023);
    let archived = insert_program(&app, "Pelatihan 100% Lama", 2020);
    {
        use bimtek_api::schema::programs;
        diesel::update(programs::table.find(archived))
            .set(programs::archived_at.eq(diesel::dsl::now))
            .execute(&mut app.db())
            .unwrap();
    }

    let all = list(&app, &token, "").await;
    assert_eq!(all["total"], 4);
    assert_eq!(all["limit"], 20);
    assert_eq!(all["offset"], 0);
    let all_names = names(&all);
    assert_eq!(
        all_names[..2],
        ["Bimtek Keamanan 2025", "Konselor Adiksi 2023"]
    );
    let mut same_name = all_names[2..].to_vec();
    same_name.sort();
    assert_eq!(
        same_name,
        ["PM Rehabilitasi Sosial 2024", "PM Rehabilitasi Sosial 2025"],
        "equal names are ordered by id"
    );

    let by_year = list(&app, &token, "sort=year").await;
    assert_eq!(
        names(&by_year),
        [
            "Konselor Adiksi 2023",
            "PM Rehabilitasi Sosial 2024",
            "Bimtek Keamanan 2025",
            "PM Rehabilitasi Sosial 2025",
        ]
    );
    let by_year_desc = list(&app, &token, "sort=-year").await;
    let mut reversed = names(&by_year);
    reversed.reverse();
    assert_eq!(names(&by_year_desc), reversed);
    let by_name_desc = list(&app, &token, "sort=-name").await;
    let mut reversed = names(&all);
    reversed.reverse();
    assert_eq!(names(&by_name_desc), reversed);
    let oldest = list(&app, &token, "sort=created_at").await;
    let newest = list(&app, &token, "sort=-created_at").await;
    let mut reversed = names(&oldest);
    reversed.reverse();
    assert_eq!(names(&newest), reversed);

    let in_2025 = list(&app, &token, "year=2025").await;
    assert_eq!(
        names(&in_2025),
        ["Bimtek Keamanan 2025", "PM Rehabilitasi Sosial 2025"]
    );
    let searched = list(&app, &token, "q=rehabilitasi&sort=-year").await;
    assert_eq!(
        names(&searched),
        ["PM Rehabilitasi Sosial 2025", "PM Rehabilitasi Sosial 2024"]
    );
    assert_eq!(
        list(&app, &token, "q=%25").await["total"],
        0,
        "`%` is literal"
    );
    let with_archived = list(&app, &token, "q=%25&include_archived=true").await;
    assert_eq!(names(&with_archived), ["Pelatihan 100% Lama 2020"]);

    let page1 = list(&app, &token, "limit=3").await;
    let page2 = list(&app, &token, "limit=3&offset=3").await;
    assert_eq!(page1["total"], 4);
    assert_eq!(page2["total"], 4);
    let mut paged = names(&page1);
    paged.extend(names(&page2));
    assert_eq!(paged, names(&all));

    for (query, field) in [
        ("limit=0", "limit"),
        ("offset=-5", "offset"),
        ("year=1999", "year"),
        ("year=abc", "year"),
        ("sort=description", "sort"),
        ("include_archived=1x", "include_archived"),
        ("q=", "q"),
    ] {
        let response = send(
            &app,
            &token,
            reqwest::Method::GET,
            &format!("/api/v1/programs?{query}"),
            None,
            None,
        )
        .await;
        let problem = assert_problem(response, 400, "invalid_query").await;
        assert_eq!(error_fields(&problem), [field], "{query}");
    }
}
