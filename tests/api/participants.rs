//! `/api/v1/participants`: officers, their NIP rules, search, visibility of personal data by role, writes by
//! role, archiving, deletion and erasure.

use bimtek_api::domain::role::Role;
use bimtek_api::domain::text::search_form;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, ok_json, spawn_app};

const NIP_BUDI: &str = "198703142010121001";
const NIP_DEWI: &str = "199001222014022002";

/// A valid male PNS NIP with the given sequence.
fn male_nip(seq: u32) -> String {
    format!("198703142010121{seq:03}")
}

fn new_body(unit: Uuid) -> Value {
    json!({
        "nip": NIP_BUDI,
        "full_name": "Budi Santoso",
        "sex": "male",
        "employee_type": "pns",
        "grade": "III/b",
        "position": "Pembimbing Kemasyarakatan",
        "position_kind": "functional",
        "unit_id": unit,
        "email": "budi@example.go.id",
        "phone": "+62 812-3456-7890"
    })
}

async fn create(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/participants"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn patch(app: &TestApp, token: &str, id: Uuid, body: &Value) -> reqwest::Response {
    app.client
        .patch(app.url(&format!("/api/v1/participants/{id}")))
        .bearer_auth(token)
        .header("content-type", "application/merge-patch+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

async fn list(app: &TestApp, token: &str, query: &str) -> Value {
    let response = get(app, token, &format!("/api/v1/participants?{query}")).await;
    assert_eq!(response.status(), 200, "list ?{query}");
    response.json().await.unwrap()
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["full_name"].as_str().unwrap().to_owned())
        .collect()
}

struct Seed<'a> {
    unit: Uuid,
    name: &'a str,
    nip: &'a str,
    sex: &'a str,
    employee_type: &'a str,
    grade: Option<&'a str>,
}

impl<'a> Seed<'a> {
    fn new(unit: Uuid, name: &'a str, nip: &'a str) -> Self {
        Self {
            unit,
            name,
            nip,
            sex: "male",
            employee_type: "pns",
            grade: Some("III/a"),
        }
    }
}

/// Inserts a participant with contacts straight into the database.
fn seed(app: &TestApp, s: Seed<'_>) -> Uuid {
    use bimtek_api::schema::participants as p;
    diesel::insert_into(p::table)
        .values((
            p::nip.eq(s.nip),
            p::full_name.eq(s.name),
            p::name_search.eq(search_form(s.name)),
            p::sex.eq(s.sex),
            p::employee_type.eq(s.employee_type),
            p::grade.eq(s.grade),
            p::position.eq("Staf"),
            p::unit_id.eq(s.unit),
            p::email.eq("secret.contact@example.go.id"),
            p::phone.eq("0812 9999 8888"),
        ))
        .returning(p::id)
        .get_result(&mut app.db())
        .unwrap()
}

/// A participant account linked to the officer `participant`, and its token.
async fn participant_account(app: &TestApp, participant: Uuid) -> String {
    use bimtek_api::schema::users;
    let user = app.seed_user(Role::Participant);
    diesel::update(users::table.find(user.id))
        .set(users::participant_id.eq(participant))
        .execute(&mut app.db())
        .unwrap();
    app.token_for(&user).await
}

/// An event with one session, the participant enrolled, and one attendance record.
fn seed_history(app: &TestApp, unit: Uuid, participant: Uuid) {
    use bimtek_api::schema::{attendance, enrollments, events, sessions};
    let mut conn = app.db();
    let day = chrono::NaiveDate::from_ymd_opt(2025, 8, 2).unwrap();
    let event: Uuid = diesel::insert_into(events::table)
        .values((
            events::title.eq("Bimtek PM Rehabilitasi Sosial"),
            events::kind.eq("orientation"),
            events::host_unit_id.eq(unit),
            events::starts_on.eq(day),
            events::ends_on.eq(day),
            events::capacity.eq(30),
        ))
        .returning(events::id)
        .get_result(&mut conn)
        .unwrap();
    let start = day.and_hms_opt(1, 0, 0).unwrap().and_utc();
    let session: Uuid = diesel::insert_into(sessions::table)
        .values((
            sessions::event_id.eq(event),
            sessions::kind.eq("seminar"),
            sessions::title.eq("Seminar"),
            sessions::starts_at.eq(start),
            sessions::ends_at.eq(start + chrono::Duration::hours(2)),
            sessions::jp.eq(2i16),
        ))
        .returning(sessions::id)
        .get_result(&mut conn)
        .unwrap();
    let enrollment: Uuid = diesel::insert_into(enrollments::table)
        .values((
            enrollments::event_id.eq(event),
            enrollments::participant_id.eq(participant),
            enrollments::status.eq("approved"),
            enrollments::check_in_code.eq(Uuid::new_v4().simple().to_string()),
        ))
        .returning(enrollments::id)
        .get_result(&mut conn)
        .unwrap();
    diesel::insert_into(attendance::table)
        .values((
            attendance::session_id.eq(session),
            attendance::enrollment_id.eq(enrollment),
            attendance::participant_id.eq(participant),
            attendance::status.eq("present"),
            attendance::method.eq("manual"),
        ))
        .execute(&mut conn)
        .unwrap();
}

#[tokio::test]
async fn an_admin_creates_reads_changes_and_finds_a_participant() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-KASONGAN");
    let response = create(&app, &token, &new_body(unit)).await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    let id: Uuid = body["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(location, format!("/api/v1/participants/{id}"));
    assert_eq!(body["nip"], NIP_BUDI);
    assert_eq!(body["full_name"], "Budi Santoso");
    assert_eq!(body["sex"], "male");
    assert_eq!(body["employee_type"], "pns");
    assert_eq!(body["grade"], "III/b");
    assert_eq!(body["position_kind"], "functional");
    assert_eq!(body["unit_id"], unit.to_string());
    assert_eq!(body["email"], "budi@example.go.id");
    assert_eq!(body["phone"], "+62 812-3456-7890");
    assert_eq!(body["erased"], false);
    assert_eq!(body["archived_at"], Value::Null);
    assert_eq!(body["version"], 1);

    let fetched = get(&app, &token, &location).await;
    assert_eq!(fetched.headers()["etag"], "\"1\"");
    assert_eq!(fetched.json::<Value>().await.unwrap(), body);

    let changed = patch(
        &app,
        &token,
        id,
        &json!({"full_name": "Budi Santoso Wijaya", "grade": "III/c", "position": null, "email": null}),
    )
    .await;
    assert_eq!(changed.status(), 200);
    assert_eq!(changed.headers()["etag"], "\"2\"");
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["full_name"], "Budi Santoso Wijaya");
    assert_eq!(changed["grade"], "III/c");
    assert_eq!(changed["position"], Value::Null);
    assert_eq!(changed["email"], Value::Null);
    assert_eq!(changed["phone"], "+62 812-3456-7890", "untouched");
    assert_eq!(changed["version"], 2);

    // The search form follows the new name.
    let page = list(&app, &token, "q=wijaya").await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], id.to_string());
}

#[tokio::test]
async fn invalid_nips_are_refused_with_their_code_and_nothing_written() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-SAMPIT");
    let cases = [
        ("19870314201012100", "male", "pns", "invalid_format"),
        ("1987031420101210011", "male", "pns", "invalid_format"),
        ("19870314201012100a", "male", "pns", "invalid_format"),
        ("198702312010121001", "male", "pns", "invalid_birth_date"),
        ("198703142010123001", "male", "pns", "invalid_sex_digit"),
        ("198703142010122001", "male", "pns", "sex_mismatch"),
        ("198703142010121001", "female", "pns", "sex_mismatch"),
        ("198703142010121000", "male", "pns", "invalid_sequence"),
        (
            "199609202021212013",
            "female",
            "pns",
            "invalid_appointment_date",
        ),
    ];
    for (nip, sex, kind, code) in cases {
        let mut body = new_body(unit);
        body["nip"] = json!(nip);
        body["sex"] = json!(sex);
        body["employee_type"] = json!(kind);
        let problem =
            assert_problem(create(&app, &token, &body).await, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), ["nip"], "{nip}");
        assert_eq!(problem["errors"][0]["code"], code, "{nip}");
        assert!(!problem.to_string().contains(nip), "the NIP is not echoed");
    }
    assert_eq!(app.count("participants"), 0, "nothing written");

    // The appointment part is not a month for PPPK staff: the same number is accepted.
    let mut body = new_body(unit);
    body["nip"] = json!("199609202021212013");
    body["sex"] = json!("female");
    body["employee_type"] = json!("pppk");
    body["grade"] = Value::Null;
    assert_eq!(create(&app, &token, &body).await.status(), 201);
    assert_eq!(app.count("participants"), 1);
}

#[tokio::test]
async fn every_other_invalid_field_is_reported_at_once() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("RUTAN-BUNTOK");
    let cases = [
        (
            json!({"nip": "199609202021212013", "full_name": " ", "sex": "female", "employee_type": "pppk",
                   "grade": "III/a", "position": "", "unit_id": Uuid::new_v4(), "email": "no-at-sign",
                   "phone": "12345"}),
            vec![
                "email",
                "full_name",
                "grade",
                "phone",
                "position",
                "unit_id",
            ],
        ),
        (
            json!({"nip": NIP_BUDI, "full_name": "Budi", "sex": "unknown", "employee_type": "pns",
                   "grade": "V/a", "unit_id": unit, "id": Uuid::new_v4()}),
            vec!["grade", "id", "sex"],
        ),
        (
            json!({"nip": NIP_BUDI, "full_name": "x".repeat(201), "sex": "male", "employee_type": "pns",
                   "unit_id": unit, "email": "a@b", "phone": "0812-abc-999"}),
            vec!["email", "full_name", "phone"],
        ),
        (
            json!({"full_name": "Budi"}),
            vec!["employee_type", "nip", "sex", "unit_id"],
        ),
    ];
    for (body, expected) in cases {
        let problem =
            assert_problem(create(&app, &token, &body).await, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), expected, "{body}");
    }
    assert_eq!(app.count("participants"), 0);
}

#[tokio::test]
async fn a_duplicate_nip_is_a_conflict_naming_the_field() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-PANGKALAN-BUN");
    assert_eq!(create(&app, &token, &new_body(unit)).await.status(), 201);
    let mut again = new_body(unit);
    again["full_name"] = json!("Someone Else");
    let problem = assert_problem(create(&app, &token, &again).await, 409, "already_exists").await;
    assert_eq!(error_fields(&problem), ["nip"]);
    assert_eq!(app.count("participants"), 1);

    // Taking another officer's NIP through PATCH is the same conflict.
    let other = seed(&app, Seed::new(unit, "Agus", &male_nip(2)));
    let problem = assert_problem(
        patch(&app, &token, other, &json!({"nip": NIP_BUDI})).await,
        409,
        "already_exists",
    )
    .await;
    assert_eq!(error_fields(&problem), ["nip"]);
}

#[tokio::test]
async fn the_name_search_ignores_case_and_accents_and_never_matches_a_nip() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("BAPAS-PALANGKA");
    let elia = seed(
        &app,
        Seed {
            sex: "female",
            ..Seed::new(unit, "Élia Nurhayati", NIP_DEWI)
        },
    );
    seed(&app, Seed::new(unit, "Budi Santoso", &male_nip(1)));
    seed(&app, Seed::new(unit, "Eli_a 100% Palsu", &male_nip(2)));
    for q in [
        "elia",
        "ELIA",
        "%C3%A9lia",
        "nurhay",
        "%20Elia%20%20Nurhayati%20",
    ] {
        let page = list(&app, &token, &format!("q={q}")).await;
        assert_eq!(page["total"], 1, "q={q}");
        assert_eq!(page["items"][0]["id"], elia.to_string(), "q={q}");
    }
    // Wildcards are literal, and NIPs are not searched.
    assert_eq!(list(&app, &token, "q=eli_a").await["total"], 1);
    assert_eq!(list(&app, &token, "q=100%25").await["total"], 1);
    assert_eq!(list(&app, &token, "q=%25").await["total"], 1);
    assert_eq!(
        list(&app, &token, &format!("q={NIP_DEWI}")).await["total"],
        0
    );
    assert_eq!(list(&app, &token, "q=1990").await["total"], 0);
}

#[tokio::test]
async fn filters_and_sorts_give_deterministic_pages_with_totals() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let a = app.seed_unit("UNIT-A");
    let b = app.seed_unit("UNIT-B");
    let with_grade = |unit, name, nip: &str, grade| {
        seed(
            &app,
            Seed {
                grade,
                ..Seed::new(unit, name, nip)
            },
        )
    };
    with_grade(a, "Dedi", &male_nip(1), Some("IV/e"));
    with_grade(a, "Agus", &male_nip(2), Some("I/a"));
    with_grade(b, "Candra", &male_nip(3), Some("III/b"));
    with_grade(b, "Bayu", &male_nip(4), None);
    seed(
        &app,
        Seed {
            sex: "female",
            employee_type: "pppk",
            grade: None,
            ..Seed::new(b, "Eka", "199609202021212013")
        },
    );

    let page = list(&app, &token, "sort=grade").await;
    let mut sorted = names(&page);
    assert_eq!(sorted[..3], ["Agus", "Candra", "Dedi"]);
    sorted[3..].sort();
    assert_eq!(sorted[3..], ["Bayu", "Eka"], "no grade: last");
    assert_eq!(page["total"], 5);
    let page = list(&app, &token, "sort=-grade").await;
    assert_eq!(names(&page)[..3], ["Dedi", "Candra", "Agus"]);
    let page = list(&app, &token, "").await;
    assert_eq!(names(&page), ["Agus", "Bayu", "Candra", "Dedi", "Eka"]);
    assert_eq!(
        (page["limit"].clone(), page["offset"].clone()),
        (json!(20), json!(0))
    );
    let page = list(&app, &token, "sort=-full_name&limit=2&offset=1").await;
    assert_eq!(names(&page), ["Dedi", "Candra"]);
    assert_eq!(page["total"], 5);
    let page = list(&app, &token, "sort=-created_at").await;
    assert_eq!(names(&page)[0], "Eka");
    let page = list(&app, &token, "sort=created_at").await;
    assert_eq!(names(&page)[0], "Dedi");

    let page = list(&app, &token, &format!("unit_id={a}")).await;
    assert_eq!(
        (names(&page), page["total"].clone()),
        (vec!["Agus".to_owned(), "Dedi".to_owned()], json!(2))
    );
    let page = list(&app, &token, "grade=III%2Fb").await;
    assert_eq!(names(&page), ["Candra"]);
    let page = list(&app, &token, "employee_type=pppk").await;
    assert_eq!(
        (names(&page), page["total"].clone()),
        (vec!["Eka".to_owned()], json!(1))
    );
    let page = list(
        &app,
        &token,
        &format!("unit_id={b}&employee_type=pns&limit=1"),
    )
    .await;
    assert_eq!(
        (names(&page), page["total"].clone()),
        (vec!["Bayu".to_owned()], json!(2))
    );

    for bad in [
        "limit=0",
        "limit=101",
        "offset=-1",
        "sort=nip",
        "grade=V%2Fa",
        "employee_type=honorer",
        "q=",
        "include_archived=maybe",
        "unit_id=x",
    ] {
        let response = get(&app, &token, &format!("/api/v1/participants?{bad}")).await;
        assert_problem(response, 400, "invalid_query").await;
    }
}

#[tokio::test]
async fn archived_and_erased_participants_are_listed_only_on_request() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-MUARA-TEWEH");
    let kept = seed(&app, Seed::new(unit, "Agus", &male_nip(1)));
    let archived = seed(&app, Seed::new(unit, "Bayu", &male_nip(2)));
    let erased = seed(&app, Seed::new(unit, "Candra", &male_nip(3)));
    let response = patch(&app, &token, archived, &json!({"archived": true})).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body["archived_at"].is_string());
    let response = app
        .client
        .post(app.url(&format!("/api/v1/participants/{erased}/erase")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let page = list(&app, &token, "").await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], kept.to_string());
    let page = list(&app, &token, "include_archived=true").await;
    assert_eq!(page["total"], 3);

    let restored = patch(&app, &token, archived, &json!({"archived": false})).await;
    let restored: Value = restored.json().await.unwrap();
    assert_eq!(restored["archived_at"], Value::Null);
    assert_eq!(list(&app, &token, "").await["total"], 2);
}

/// Who sees what of officer `own` (unit A) and `foreign` (unit B), on `GET /{id}` and in the list.
#[tokio::test]
async fn each_role_sees_only_what_it_may_and_never_a_full_nip_it_should_not() {
    let app = spawn_app().await;
    let operator = app.seed_user(Role::UnitOperator);
    let unit_a = app.unit_of(&operator);
    let unit_b = app.seed_unit("UNIT-B");
    let own = seed(&app, Seed::new(unit_a, "Agus Own", &male_nip(1)));
    let foreign = seed(&app, Seed::new(unit_b, "Bayu Foreign", &male_nip(2)));
    let own_nip = male_nip(1);
    let foreign_nip = male_nip(2);

    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (_, organizer) = app.user_with_token(Role::Organizer).await;
    let operator_token = app.token_for(&operator).await;
    let (_, other_operator) = app.user_with_token(Role::UnitOperator).await;
    // A facilitator sees (masked) only the officers of the events they facilitate: `own` is approved in theirs.
    let (facilitator_user, facilitator) = app.user_with_token(Role::Facilitator).await;
    let event = app.seed_event("ongoing", 10);
    app.add_facilitator(app.seed_session(event, -5, 60, 1), facilitator_user.id);
    app.seed_enrollment(event, own, "approved");
    let own_participant = participant_account(&app, own).await;
    let (_, unlinked_participant) = app.user_with_token(Role::Participant).await;

    enum Sees {
        Full,
        Masked,
        Nothing,
    }
    use Sees::*;
    let matrix = [
        ("admin", &admin, Full, Full),
        ("organizer", &organizer, Full, Full),
        ("operator of unit A", &operator_token, Full, Nothing),
        (
            "operator of another unit",
            &other_operator,
            Nothing,
            Nothing,
        ),
        ("facilitator", &facilitator, Masked, Nothing),
        ("the officer", &own_participant, Full, Nothing),
        (
            "a participant of no record",
            &unlinked_participant,
            Nothing,
            Nothing,
        ),
    ];
    for (who, token, sees_own, sees_foreign) in matrix {
        let mut listed = Vec::new();
        let page = list(&app, token, "").await;
        let page_text = page.to_string();
        for (id, nip, sees) in [
            (own, &own_nip, sees_own),
            (foreign, &foreign_nip, sees_foreign),
        ] {
            let response = get(&app, token, &format!("/api/v1/participants/{id}")).await;
            let in_list = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == id.to_string())
                .cloned();
            match sees {
                Full => {
                    assert_eq!(response.status(), 200, "{who} reads {id}");
                    let body: Value = response.json().await.unwrap();
                    assert_eq!(body["nip"], nip.as_str(), "{who}");
                    assert_eq!(body["email"], "secret.contact@example.go.id", "{who}");
                    assert_eq!(body["phone"], "0812 9999 8888", "{who}");
                    assert_eq!(in_list.as_ref(), Some(&body), "{who}: list item = read");
                    listed.push(id);
                }
                Masked => {
                    assert_eq!(response.status(), 200, "{who} reads {id}");
                    let body: Value = response.json().await.unwrap();
                    assert_eq!(
                        body["nip"],
                        format!("{}**********{}", &nip[..4], &nip[14..])
                    );
                    assert_eq!(body["email"], Value::Null, "{who}");
                    assert_eq!(body["phone"], Value::Null, "{who}");
                    assert!(!body.to_string().contains(nip.as_str()), "{who}");
                    assert!(!body.to_string().contains("secret.contact"), "{who}");
                    assert_eq!(in_list.as_ref(), Some(&body), "{who}: list item = read");
                    listed.push(id);
                }
                Nothing => {
                    let body = assert_problem(response, 403, "forbidden").await;
                    assert!(!body.to_string().contains(nip.as_str()), "{who}");
                    assert!(in_list.is_none(), "{who} lists {id}");
                }
            }
            if !matches!(sees, Full) {
                assert!(
                    !page_text.contains(nip.as_str()),
                    "{who}: full NIP in the list"
                );
            }
        }
        assert_eq!(
            page["total"],
            listed.len(),
            "{who}: total counts only visible rows"
        );
    }

    // An operator who names another unit is refused rather than silently narrowed.
    let response = get(
        &app,
        &operator_token,
        &format!("/api/v1/participants?unit_id={unit_b}"),
    )
    .await;
    assert_problem(response, 403, "forbidden").await;
    let page = list(&app, &operator_token, &format!("unit_id={unit_a}")).await;
    assert_eq!(page["total"], 1);
    let response = get(
        &app,
        &admin,
        &format!("/api/v1/participants/{}", Uuid::new_v4()),
    )
    .await;
    assert_problem(response, 404, "not_found").await;
}

fn stored(app: &TestApp, id: Uuid) -> (Option<String>, String, Uuid, Option<String>, i32) {
    use bimtek_api::schema::participants as p;
    p::table
        .find(id)
        .select((p::nip, p::full_name, p::unit_id, p::email, p::version))
        .first(&mut app.db())
        .unwrap()
}

#[tokio::test]
async fn writes_are_refused_to_roles_and_records_they_do_not_own() {
    let app = spawn_app().await;
    let operator = app.seed_user(Role::UnitOperator);
    let unit_a = app.unit_of(&operator);
    let unit_b = app.seed_unit("UNIT-B");
    let own = seed(&app, Seed::new(unit_a, "Agus Own", &male_nip(1)));
    let foreign = seed(&app, Seed::new(unit_b, "Bayu Foreign", &male_nip(2)));
    let operator_token = app.token_for(&operator).await;
    let (_, facilitator) = app.user_with_token(Role::Facilitator).await;
    let own_participant = participant_account(&app, own).await;
    let before_own = stored(&app, own);
    let before_foreign = stored(&app, foreign);

    // The operator: not in another unit, not to another unit, not someone else's officer.
    let mut body = new_body(unit_b);
    body["nip"] = json!(male_nip(9));
    assert_problem(create(&app, &operator_token, &body).await, 403, "forbidden").await;
    assert_problem(
        patch(&app, &operator_token, own, &json!({"unit_id": unit_b})).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        patch(
            &app,
            &operator_token,
            foreign,
            &json!({"phone": "0812 1111 2222"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let delete = app
        .client
        .delete(app.url(&format!("/api/v1/participants/{foreign}")))
        .bearer_auth(&operator_token)
        .send()
        .await
        .unwrap();
    assert_problem(delete, 403, "forbidden").await;

    // The facilitator never writes.
    assert_problem(
        create(&app, &facilitator, &new_body(unit_a)).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        patch(&app, &facilitator, own, &json!({"phone": "0812 1111 2222"})).await,
        403,
        "forbidden",
    )
    .await;

    // The officer: own contacts only.
    let problem = assert_problem(
        patch(
            &app,
            &own_participant,
            own,
            &json!({"nip": male_nip(5), "full_name": "X", "email": "a@b.id"}),
        )
        .await,
        403,
        "forbidden_field",
    )
    .await;
    assert_eq!(error_fields(&problem), ["full_name", "nip"]);
    assert_problem(
        patch(&app, &own_participant, own, &json!({"archived": true})).await,
        403,
        "forbidden_field",
    )
    .await;
    assert_problem(
        patch(&app, &own_participant, foreign, &json!({"email": "a@b.id"})).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        create(&app, &own_participant, &new_body(unit_a)).await,
        403,
        "forbidden",
    )
    .await;
    let delete = app
        .client
        .delete(app.url(&format!("/api/v1/participants/{own}")))
        .bearer_auth(&own_participant)
        .send()
        .await
        .unwrap();
    assert_problem(delete, 403, "forbidden").await;

    assert_eq!(
        stored(&app, own),
        before_own,
        "no refused write took effect"
    );
    assert_eq!(
        stored(&app, foreign),
        before_foreign,
        "no refused write took effect"
    );
    assert_eq!(app.count("participants"), 2);

    // What they may do.
    let response = patch(
        &app,
        &own_participant,
        own,
        &json!({"email": "agus@example.go.id", "phone": null}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["email"].clone(), body["phone"].clone()),
        (json!("agus@example.go.id"), Value::Null)
    );
    let response = patch(
        &app,
        &operator_token,
        own,
        &json!({"position": "Kepala Regu", "unit_id": unit_a}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let mut body = new_body(unit_a);
    body["nip"] = json!(male_nip(9));
    assert_eq!(create(&app, &operator_token, &body).await.status(), 201);
    let (_, organizer) = app.user_with_token(Role::Organizer).await;
    let response = patch(&app, &organizer, foreign, &json!({"unit_id": unit_a})).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn stale_versions_read_only_fields_and_disagreeing_changes_are_refused() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LPKA-PALANGKA");
    let id = seed(&app, Seed::new(unit, "Agus", &male_nip(1)));
    let before = stored(&app, id);

    let stale = app
        .client
        .patch(app.url(&format!("/api/v1/participants/{id}")))
        .bearer_auth(&token)
        .header("if-match", "\"7\"")
        .json(&json!({"full_name": "Agus Baru"}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412, "precondition_failed").await;

    for (body, fields) in [
        (
            json!({"id": Uuid::new_v4(), "version": 9, "erased": true, "archived_at": null, "created_at": "2025-01-01T00:00:00Z"}),
            vec!["archived_at", "created_at", "erased", "id", "version"],
        ),
        (
            json!({"nip": null, "full_name": null, "sex": null, "unit_id": null, "archived": null}),
            vec!["archived", "full_name", "nip", "sex", "unit_id"],
        ),
        // The stored NIP says male: changing only the sex disagrees with it.
        (json!({"sex": "female"}), vec!["sex"]),
        (json!({"employee_type": "pppk"}), vec!["grade"]),
        (json!({"grade": "IV/f"}), vec!["grade"]),
        (
            json!({"position": "", "email": "x@y", "phone": "1", "unit_id": Uuid::new_v4()}),
            vec!["email", "phone", "position", "unit_id"],
        ),
    ] {
        let problem = assert_problem(
            patch(&app, &token, id, &body).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), fields, "{body}");
    }
    assert_eq!(stored(&app, id), before, "nothing written");

    // Consistent changes together pass; the current version passes If-Match.
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/participants/{id}")))
        .bearer_auth(&token)
        .header("if-match", "\"1\"")
        .json(&json!({"employee_type": "pppk", "grade": null, "sex": "female", "nip": "199609202021212013"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");
}

#[tokio::test]
async fn a_participant_with_history_is_kept_and_one_without_is_deleted() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("RUTAN-KUALA-KAPUAS");
    let used = seed(&app, Seed::new(unit, "Agus", &male_nip(1)));
    let linked = seed(&app, Seed::new(unit, "Bayu", &male_nip(2)));
    let fresh = seed(&app, Seed::new(unit, "Candra", &male_nip(3)));
    seed_history(&app, unit, used);
    participant_account(&app, linked).await;

    let delete = |id: Uuid, if_match: Option<&'static str>| {
        let mut request = app
            .client
            .delete(app.url(&format!("/api/v1/participants/{id}")))
            .bearer_auth(&token);
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        request.send()
    };
    for id in [used, linked] {
        let problem = assert_problem(delete(id, None).await.unwrap(), 409, "in_use").await;
        assert!(problem["detail"].as_str().unwrap().contains("archived"));
    }
    assert_eq!(app.count("participants"), 3, "still present");
    assert_problem(
        delete(fresh, Some("\"5\"")).await.unwrap(),
        412,
        "precondition_failed",
    )
    .await;
    assert_eq!(delete(fresh, Some("\"1\"")).await.unwrap().status(), 204);
    assert_eq!(app.count("participants"), 2);
    let response = get(&app, &token, &format!("/api/v1/participants/{fresh}")).await;
    assert_problem(response, 404, "not_found").await;
    assert_problem(delete(fresh, None).await.unwrap(), 404, "not_found").await;
}

#[tokio::test]
async fn an_admin_erases_personal_data_and_the_history_stays() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let operator = app.seed_user(Role::UnitOperator);
    let unit = app.unit_of(&operator);
    let id = seed(
        &app,
        Seed {
            sex: "female",
            ..Seed::new(unit, "Élia Nurhayati", NIP_DEWI)
        },
    );
    seed_history(&app, unit, id);
    let erase_path = format!("/api/v1/participants/{id}/erase");

    // Nobody but an admin may erase.
    let operator_token = app.token_for(&operator).await;
    let (_, organizer) = app.user_with_token(Role::Organizer).await;
    let (_, facilitator) = app.user_with_token(Role::Facilitator).await;
    let own_participant = participant_account(&app, id).await;
    for token in [&operator_token, &organizer, &facilitator, &own_participant] {
        let response = app
            .client
            .post(app.url(&erase_path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_problem(response, 403, "forbidden").await;
    }
    assert_eq!(stored(&app, id).0.as_deref(), Some(NIP_DEWI));

    let stale = app
        .client
        .post(app.url(&erase_path))
        .bearer_auth(&admin)
        .header("if-match", "\"3\"")
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412, "precondition_failed").await;

    let response = app
        .client
        .post(app.url(&erase_path))
        .bearer_auth(&admin)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["erased"], true);
    assert_eq!(body["nip"], Value::Null);
    assert_eq!(body["full_name"], "Peserta terhapus");
    assert_eq!(
        (
            body["email"].clone(),
            body["phone"].clone(),
            body["position"].clone()
        ),
        (Value::Null, Value::Null, Value::Null)
    );
    assert!(body["archived_at"].is_string());
    let text = body.to_string();
    assert!(
        !text.contains(NIP_DEWI) && !text.contains("Nurhayati") && !text.contains("secret.contact")
    );

    // The row is anonymous in the database too, and the history is still there.
    let (nip, name, _, email, version) = stored(&app, id);
    assert_eq!(
        (nip, name.as_str(), email, version),
        (None, "Peserta terhapus", None, 2)
    );
    assert_eq!(app.count("enrollments"), 1);
    assert_eq!(app.count("attendance"), 1);
    assert_eq!(
        list(&app, &admin, "q=elia&include_archived=true").await["total"],
        0
    );

    let again = app
        .client
        .post(app.url(&erase_path))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_problem(again, 409, "already_erased").await;
    assert_problem(
        patch(&app, &admin, id, &json!({"full_name": "Élia"})).await,
        409,
        "participant_erased",
    )
    .await;
    assert_problem(
        patch(&app, &admin, id, &json!({"archived": false})).await,
        409,
        "participant_erased",
    )
    .await;
    assert_eq!(stored(&app, id).4, 2, "nothing changed after the erasure");

    let missing = app
        .client
        .post(app.url(&format!("/api/v1/participants/{}/erase", Uuid::new_v4())))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_problem(missing, 404, "not_found").await;
}

#[tokio::test]
async fn an_officer_is_found_by_exact_nip_by_those_who_see_full_nips() {
    use bimtek_api::schema::participants;
    let app = spawn_app().await;
    let unit = app.seed_unit("LAPAS-NIP");
    let dewi = app.seed_participant(unit, "Dewi Lestari");
    app.seed_participant(unit, "Budi Santoso");
    let nip: String = participants::table
        .find(dewi)
        .select(participants::nip)
        .first::<Option<String>>(&mut app.db())
        .unwrap()
        .unwrap();
    let find = |token: String, nip: String| {
        let app = &app;
        async move {
            app.send(
                Method::GET,
                &format!("/api/v1/participants?nip={nip}"),
                &token,
                None,
            )
            .await
        }
    };
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let found = ok_json(find(admin.clone(), nip.clone()).await, 200).await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["id"], dewi.to_string());
    assert_eq!(found["items"][0]["nip"], nip.as_str());
    // Exact, not a prefix.
    let none = ok_json(find(admin.clone(), format!("{}0", &nip[..17])).await, 200).await;
    assert_eq!(none["total"], 0);
    let body = assert_problem(
        find(admin.clone(), nip[..10].to_owned()).await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(error_fields(&body), ["nip"]);

    // A unit operator finds their own officers only; a facilitator may not search by NIP at all.
    let operator = app.operator_of(unit).await;
    assert_eq!(
        ok_json(find(operator, nip.clone()).await, 200).await["total"],
        1
    );
    let (_, foreign_operator) = app.user_with_token(Role::UnitOperator).await;
    assert_eq!(
        ok_json(find(foreign_operator, nip.clone()).await, 200).await["total"],
        0
    );
    let (_, facilitator) = app.user_with_token(Role::Facilitator).await;
    assert_problem(find(facilitator, nip.clone()).await, 403, "forbidden").await;
}

#[tokio::test]
async fn names_are_stored_nfc_and_refuse_overrides_controls_and_invisible_text() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-TEKS");
    // Decomposed `é` (e + U+0301) comes back as the one character U+00E9.
    let mut body = new_body(unit);
    body["full_name"] = json!("Rene\u{301} Putra");
    let created = ok_json(create(&app, &token, &body).await, 201).await;
    assert_eq!(created["full_name"], "Ren\u{e9} Putra");

    for (name, why) in [
        ("Dewi \u{202e}irtsaL", "a right-to-left override"),
        ("\u{200b}\u{200b}", "only zero-width spaces"),
        ("Budi\u{7}", "a control character"),
    ] {
        let mut body = new_body(unit);
        body["nip"] = json!("199001012015031002");
        body["full_name"] = json!(name);
        body["position"] = json!("Staf\u{2066}x\u{2069}");
        let problem =
            assert_problem(create(&app, &token, &body).await, 422, "validation_failed").await;
        let errors = problem["errors"].as_array().unwrap();
        for field in ["full_name", "position"] {
            assert!(
                errors
                    .iter()
                    .any(|e| e["field"] == field && e["code"] == "invalid_characters"),
                "{why}: {field} in {problem}"
            );
        }
    }
    // A username that lower-cases into another (the Kelvin sign K is `k` in lower case).
    let response = app
        .send(
            Method::POST,
            "/api/v1/users",
            &token,
            Some(json!({"username": "\u{212a}elvin", "password": "kata-sandi-panjang-2025", "role": "organizer"})),
        )
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["username"]);
}
