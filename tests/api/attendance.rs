//! Attendance: whole-list writes (all-or-nothing), who may write them, check-in with a code and every result code,
//! late versus present, and the summary's numbers.

use bimtek_api::domain::role::Role;
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

async fn put_list(app: &TestApp, token: &str, session: Uuid, body: Value) -> reqwest::Response {
    app.send(
        reqwest::Method::PUT,
        &format!("/api/v1/sessions/{session}/attendance"),
        token,
        Some(body),
    )
    .await
}

async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app.send(reqwest::Method::GET, path, token, None).await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{path}: {body}");
    body
}

async fn check_in(app: &TestApp, token: &str, session: Uuid, code: &str) -> Value {
    let response = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/sessions/{session}/check-in"),
            token,
            Some(json!({"code": code})),
        )
        .await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

/// An ongoing event with one session running now, a facilitator leading it and three approved officers.
struct Running {
    event: Uuid,
    session: Uuid,
    facilitator_token: String,
    officers: Vec<Uuid>,
}

async fn running(app: &TestApp) -> Running {
    let event = app.seed_event("ongoing", 10);
    let session = app.seed_session(event, -5, 60, 2);
    let (fac, facilitator_token) = app.user_with_token(Role::Facilitator).await;
    app.add_facilitator(session, fac.id);
    let unit = app.seed_unit("LAPAS-RUN");
    let officers = ["Ani", "Bayu", "Candra"]
        .iter()
        .map(|name| {
            let officer = app.seed_participant(unit, name);
            app.seed_enrollment(event, officer, "approved");
            officer
        })
        .collect();
    Running {
        event,
        session,
        facilitator_token,
        officers,
    }
}

#[tokio::test]
async fn a_facilitator_records_the_attendance_of_their_session() {
    let app = spawn_app().await;
    let r = running(&app).await;
    let response = put_list(
        &app,
        &r.facilitator_token,
        r.session,
        json!({"records": [
            {"participant_id": r.officers[0], "status": "present"},
            {"participant_id": r.officers[1], "status": "sick", "note": " Surat dokter "}
        ]}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    assert_eq!(body["items"][1]["status"], "sick");
    assert_eq!(body["items"][1]["note"], "Surat dokter");
    assert_eq!(body["items"][0]["method"], "manual");

    let sheet = get_json(
        &app,
        &r.facilitator_token,
        &format!("/api/v1/sessions/{}/attendance", r.session),
    )
    .await;
    assert_eq!(sheet["total"], 3);
    let by_name: Vec<(String, Value)> = sheet["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["participant_name"].as_str().unwrap().to_owned(),
                i["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        by_name,
        [
            ("Ani".to_owned(), json!("present")),
            ("Bayu".to_owned(), json!("sick")),
            ("Candra".to_owned(), Value::Null),
        ]
    );
    // writing again replaces the record and increases its version
    let again = put_list(
        &app,
        &r.facilitator_token,
        r.session,
        json!({"records": [{"participant_id": r.officers[1], "status": "present"}]}),
    )
    .await;
    assert_eq!(again.status(), 200);
    let (status, version, note): (String, i32, Option<String>) = {
        use bimtek_api::schema::attendance;
        attendance::table
            .filter(attendance::participant_id.eq(r.officers[1]))
            .select((attendance::status, attendance::version, attendance::note))
            .first(&mut app.db())
            .unwrap()
    };
    assert_eq!((status.as_str(), version, note), ("present", 2, None));
    assert_eq!(app.count("attendance"), 2);
}

#[tokio::test]
async fn a_list_with_an_officer_not_enrolled_is_refused_whole_and_nothing_is_written() {
    let app = spawn_app().await;
    let r = running(&app).await;
    let unit = app.seed_unit("LAPAS-X");
    let nominated = app.seed_participant(unit, "Only Nominated");
    app.seed_enrollment(r.event, nominated, "nominated");
    let stranger = app.seed_participant(unit, "Stranger");
    let other_event = app.seed_event("ongoing", 10);
    let elsewhere = app.seed_participant(unit, "Elsewhere");
    app.seed_enrollment(other_event, elsewhere, "approved");
    let cases = [
        (
            json!({"records": [
                {"participant_id": r.officers[0], "status": "present"},
                {"participant_id": r.officers[1], "status": "late"},
                {"participant_id": r.officers[2], "status": "absent"},
                {"participant_id": stranger, "status": "present"}
            ]}),
            vec![("records[3].participant_id", "not_enrolled")],
        ),
        (
            json!({"records": [
                {"participant_id": nominated, "status": "present"},
                {"participant_id": elsewhere, "status": "present"}
            ]}),
            vec![
                ("records[0].participant_id", "not_enrolled"),
                ("records[1].participant_id", "not_enrolled"),
            ],
        ),
        (
            json!({"records": [
                {"participant_id": r.officers[0], "status": "present"},
                {"participant_id": r.officers[0], "status": "absent"}
            ]}),
            vec![("records[1].participant_id", "duplicate")],
        ),
        (
            json!({"records": [
                {"participant_id": r.officers[0], "status": "hadir"},
                {"participant_id": r.officers[1], "status": "present"},
                {"participant_id": r.officers[2], "status": "PRESENT"}
            ]}),
            vec![
                ("records[0].status", "invalid_value"),
                ("records[2].status", "invalid_value"),
            ],
        ),
        (
            json!({"records": [{"participant_id": r.officers[0], "status": "present", "note": "x".repeat(501)}]}),
            vec![("records[0].note", "too_long")],
        ),
        (
            json!({"records": [{"participant_id": "nope", "status": "present"}]}),
            vec![("records[0].participant_id", "invalid_value")],
        ),
    ];
    for (body, expected) in cases {
        let problem = assert_problem(
            put_list(&app, &r.facilitator_token, r.session, body.clone()).await,
            422,
            "validation_failed",
        )
        .await;
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
        if body["records"][0]["participant_id"] == "nope" {
            // serde names the field; the code depends on its message
            assert_eq!(got[0].0, expected[0].0);
        } else {
            assert_eq!(got, expected, "{body}");
        }
        assert_eq!(app.count("attendance"), 0, "nothing written for {body}");
    }
    let too_many: Vec<Value> = (0..501)
        .map(|_| json!({"participant_id": r.officers[0], "status": "present"}))
        .collect();
    let problem = assert_problem(
        put_list(
            &app,
            &r.facilitator_token,
            r.session,
            json!({"records": too_many}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["records"]);
    assert_eq!(app.count("attendance"), 0);
}

#[tokio::test]
async fn only_managers_and_the_facilitators_of_that_session_record_attendance() {
    let app = spawn_app().await;
    let r = running(&app).await;
    let other_session = app.seed_session(r.event, 120, 180, 2);
    let (other_fac, other_fac_token) = app.user_with_token(Role::Facilitator).await;
    app.add_facilitator(other_session, other_fac.id);
    let (operator, op_token) = app.user_with_token(Role::UnitOperator).await;
    let (_, _, participant_token) = app
        .participant_account(app.unit_of(&operator), "Dedi")
        .await;
    let (_, stranger_org_token) = app.user_with_token(Role::Organizer).await;
    let body = json!({"records": [{"participant_id": r.officers[0], "status": "present"}]});
    for token in [
        &other_fac_token,
        &op_token,
        &participant_token,
        &stranger_org_token,
    ] {
        let problem = assert_problem(
            put_list(&app, token, r.session, body.clone()).await,
            403,
            "forbidden",
        )
        .await;
        assert!(problem.get("items").is_none());
    }
    assert_eq!(app.count("attendance"), 0);
    let (_, org_token) = app.organizer_of(r.event).await;
    let (_, admin_token) = app.user_with_token(Role::Admin).await;
    for token in [&org_token, &admin_token] {
        assert_eq!(
            put_list(&app, token, r.session, body.clone())
                .await
                .status(),
            200
        );
    }
    assert_eq!(app.count("attendance"), 1);
    assert_problem(
        put_list(&app, &admin_token, Uuid::new_v4(), body).await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn attendance_is_recorded_only_while_the_event_is_ongoing_or_completed() {
    let app = spawn_app().await;
    let r = running(&app).await;
    let body = json!({"records": [{"participant_id": r.officers[0], "status": "present"}]});
    for status in ["draft", "published", "cancelled"] {
        app.set_event_status(r.event, status);
        assert_problem(
            put_list(&app, &r.facilitator_token, r.session, body.clone()).await,
            409,
            "attendance_closed",
        )
        .await;
    }
    assert_eq!(app.count("attendance"), 0);
    app.set_event_status(r.event, "completed");
    assert_eq!(
        put_list(&app, &r.facilitator_token, r.session, body)
            .await
            .status(),
        200
    );
    assert_eq!(app.count("attendance"), 1);
}

#[tokio::test]
async fn check_in_answers_every_result_code() {
    let app = spawn_app().await;
    let event = app.seed_event("ongoing", 10);
    let session = app.seed_session(event, -5, 60, 2);
    let upcoming = app.seed_session(event, 120, 180, 2);
    let unit = app.seed_unit("LAPAS-CI");
    let (_, kiosk_token) = app.user_with_token(Role::Facilitator).await;
    let (officer_user, officer, officer_token) = app.participant_account(unit, "Eka").await;
    let (_, own_code) = app.seed_enrollment(event, officer, "approved");
    let approved = app.seed_participant(unit, "Fitri");
    let (_, approved_code) = app.seed_enrollment(event, approved, "approved");
    let nominated = app.seed_participant(unit, "Gilang");
    let (_, nominated_code) = app.seed_enrollment(event, nominated, "nominated");
    let other_event = app.seed_event("ongoing", 10);
    let elsewhere = app.seed_participant(unit, "Hana");
    let (_, elsewhere_code) = app.seed_enrollment(other_event, elsewhere, "approved");

    let first = check_in(&app, &kiosk_token, session, &approved_code).await;
    assert_eq!(first["result"], "checked_in");
    assert_eq!(first["attendance"]["status"], "present");
    assert_eq!(first["attendance"]["method"], "code");
    assert!(first["attendance"]["checked_in_at"].is_string());
    let again = check_in(&app, &kiosk_token, session, &approved_code).await;
    assert_eq!(again["result"], "already_checked_in");
    assert_eq!(
        check_in(&app, &kiosk_token, session, &nominated_code).await["result"],
        "not_enrolled"
    );
    assert_eq!(
        check_in(&app, &kiosk_token, session, &elsewhere_code).await["result"],
        "not_enrolled"
    );
    let unknown = check_in(&app, &kiosk_token, session, "no-such-code-123").await;
    assert_eq!(unknown, json!({"result": "invalid_code"}));
    assert_eq!(
        check_in(&app, &kiosk_token, upcoming, &own_code).await["result"],
        "session_not_open"
    );
    // a participant checks in only themself
    assert_eq!(
        check_in(&app, &officer_token, session, &approved_code).await["result"],
        "not_enrolled"
    );
    let own = check_in(&app, &officer_token, session, &own_code).await;
    assert_eq!(own["result"], "checked_in");
    assert_eq!(
        own["attendance"]["recorded_by"],
        officer_user.id.to_string()
    );
    // a session that ended, and an event that is not running, are not open
    let ended = app.seed_session(event, -120, -60, 2);
    assert_eq!(
        check_in(&app, &kiosk_token, ended, &approved_code).await["result"],
        "session_not_open"
    );
    app.set_event_status(event, "published");
    let next = app.seed_session(event, -5, 60, 2);
    assert_eq!(
        check_in(&app, &kiosk_token, next, &approved_code).await["result"],
        "session_not_open"
    );
    assert_eq!(app.count("attendance"), 2);
    // bad bodies
    for body in [
        json!({}),
        json!({"code": ""}),
        json!({"code": "x".repeat(65)}),
        json!({"code": 5}),
    ] {
        let response = app
            .send(
                reqwest::Method::POST,
                &format!("/api/v1/sessions/{session}/check-in"),
                &kiosk_token,
                Some(body),
            )
            .await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), ["code"]);
    }
}

#[tokio::test]
async fn check_in_opens_thirty_minutes_early_and_is_late_after_fifteen_minutes() {
    let app = spawn_app().await;
    let event = app.seed_event("ongoing", 10);
    let unit = app.seed_unit("LAPAS-LATE");
    let (_, token) = app.user_with_token(Role::Facilitator).await;
    let cases = [
        (-20, Some("late")),
        (-10, Some("present")),
        (25, Some("present")),
        (35, None),
    ];
    for (start, expected) in cases {
        let session = app.seed_session(event, start, start + 90, 2);
        let officer = app.seed_participant(unit, &format!("Start {start}"));
        let (_, code) = app.seed_enrollment(event, officer, "approved");
        let body = check_in(&app, &token, session, &code).await;
        match expected {
            Some(status) => {
                assert_eq!(body["result"], "checked_in", "start {start}");
                assert_eq!(body["attendance"]["status"], status, "start {start}");
            }
            None => assert_eq!(body["result"], "session_not_open", "start {start}"),
        }
    }
}

#[tokio::test]
async fn a_check_in_overrides_an_earlier_absent_but_not_a_presence() {
    let app = spawn_app().await;
    let r = running(&app).await;
    let codes: Vec<String> = {
        use bimtek_api::schema::enrollments;
        r.officers
            .iter()
            .map(|p| {
                enrollments::table
                    .filter(enrollments::participant_id.eq(p))
                    .select(enrollments::check_in_code)
                    .first(&mut app.db())
                    .unwrap()
            })
            .collect()
    };
    put_list(
        &app,
        &r.facilitator_token,
        r.session,
        json!({"records": [
            {"participant_id": r.officers[0], "status": "absent"},
            {"participant_id": r.officers[1], "status": "late"}
        ]}),
    )
    .await;
    let body = check_in(&app, &r.facilitator_token, r.session, &codes[0]).await;
    assert_eq!(body["result"], "checked_in");
    assert_eq!(body["attendance"]["status"], "present");
    let body = check_in(&app, &r.facilitator_token, r.session, &codes[1]).await;
    assert_eq!(body["result"], "already_checked_in");
    assert_eq!(body["attendance"]["status"], "late");
}

#[tokio::test]
async fn the_summary_gives_rate_and_jp_per_officer_to_those_who_may_see_them() {
    let app = spawn_app().await;
    let event = app.seed_event("ongoing", 10);
    let (_, org_token) = app.organizer_of(event).await;
    let s1 = app.seed_session(event, -300, -240, 2);
    let s2 = app.seed_session(event, -200, -140, 3);
    let s3 = app.seed_session(event, -100, -40, 4);
    let (fac, fac_token) = app.user_with_token(Role::Facilitator).await;
    app.add_facilitator(s1, fac.id);
    let (operator, op_token) = app.user_with_token(Role::UnitOperator).await;
    let unit_a = app.unit_of(&operator);
    let unit_b = app.seed_unit("LAPAS-B");
    let (_, ani, ani_token) = app.participant_account(unit_a, "Ani").await;
    let budi = app.seed_participant(unit_b, "Budi");
    let citra = app.seed_participant(unit_b, "Citra");
    let dodi = app.seed_participant(unit_b, "Dodi");
    for p in [ani, budi, citra] {
        app.seed_enrollment(event, p, "approved");
    }
    app.seed_enrollment(event, dodi, "nominated");
    let write = |session: Uuid, records: Value| {
        let app = &app;
        let token = org_token.clone();
        async move {
            let response = put_list(app, &token, session, json!({ "records": records })).await;
            assert_eq!(response.status(), 200);
        }
    };
    write(
        s1,
        json!([
            {"participant_id": ani, "status": "present"},
            {"participant_id": budi, "status": "sick"},
            {"participant_id": citra, "status": "present"}
        ]),
    )
    .await;
    write(
        s2,
        json!([
            {"participant_id": ani, "status": "late"},
            {"participant_id": citra, "status": "present"}
        ]),
    )
    .await;
    write(
        s3,
        json!([
            {"participant_id": ani, "status": "absent"},
            {"participant_id": budi, "status": "excused"},
            {"participant_id": citra, "status": "late"}
        ]),
    )
    .await;
    let path = format!("/api/v1/events/{event}/attendance-summary");
    let expected = json!([
        {"participant_id": ani, "participant_name": "Ani", "sessions_total": 3, "sessions_attended": 2,
         "attendance_rate": 66.7, "jp_earned": 5},
        {"participant_id": budi, "participant_name": "Budi", "sessions_total": 3, "sessions_attended": 0,
         "attendance_rate": 0.0, "jp_earned": 0},
        {"participant_id": citra, "participant_name": "Citra", "sessions_total": 3, "sessions_attended": 3,
         "attendance_rate": 100.0, "jp_earned": 9}
    ]);
    let body = get_json(&app, &org_token, &path).await;
    assert_eq!(body["items"], expected);
    assert_eq!(body["total"], 3);
    // A facilitator's summary counts only the sessions they lead (here s1).
    let led = get_json(&app, &fac_token, &path).await;
    assert_eq!(
        led["items"],
        json!([
            {"participant_id": ani, "participant_name": "Ani", "sessions_total": 1, "sessions_attended": 1,
             "attendance_rate": 100.0, "jp_earned": 2},
            {"participant_id": budi, "participant_name": "Budi", "sessions_total": 1, "sessions_attended": 0,
             "attendance_rate": 0.0, "jp_earned": 0},
            {"participant_id": citra, "participant_name": "Citra", "sessions_total": 1, "sessions_attended": 1,
             "attendance_rate": 100.0, "jp_earned": 2}
        ])
    );
    assert_eq!(led["total"], 3);
    let page = get_json(&app, &org_token, &format!("{path}?limit=1&offset=1")).await;
    assert_eq!(page["items"], json!([expected[1]]));
    assert_eq!(page["total"], 3);
    let past = get_json(&app, &org_token, &format!("{path}?offset=10")).await;
    assert_eq!(past["total"], 3);
    assert_eq!(past["items"], json!([]));
    let own = get_json(&app, &ani_token, &path).await;
    assert_eq!(own["items"], json!([expected[0]]));
    let unit = get_json(&app, &op_token, &path).await;
    assert_eq!(unit["items"], json!([expected[0]]));
    let (_, stranger_fac) = app.user_with_token(Role::Facilitator).await;
    let (_, stranger_org) = app.user_with_token(Role::Organizer).await;
    for token in [&stranger_fac, &stranger_org] {
        let response = app.send(reqwest::Method::GET, &path, token, None).await;
        let body = assert_problem(response, 403, "forbidden").await;
        assert!(!body.to_string().contains("Budi"));
    }
    // the session list follows the same scoping
    let sheet_path = format!("/api/v1/sessions/{s1}/attendance");
    assert_eq!(get_json(&app, &ani_token, &sheet_path).await["total"], 1);
    assert_eq!(get_json(&app, &op_token, &sheet_path).await["total"], 1);
    assert_eq!(get_json(&app, &fac_token, &sheet_path).await["total"], 3);
    let response = app
        .send(reqwest::Method::GET, &sheet_path, &stranger_fac, None)
        .await;
    assert_problem(response, 403, "forbidden").await;
}

#[tokio::test]
async fn an_officers_records_are_shown_to_them_their_operator_and_the_events_managers() {
    let app = spawn_app().await;
    let r = running(&app).await;
    let (operator, op_token) = app.user_with_token(Role::UnitOperator).await;
    let unit = app.unit_of(&operator);
    let (_, officer, officer_token) = app.participant_account(unit, "Rina").await;
    app.seed_enrollment(r.event, officer, "approved");
    let (_, org_token) = app.organizer_of(r.event).await;
    put_list(
        &app,
        &org_token,
        r.session,
        json!({"records": [{"participant_id": officer, "status": "present"}]}),
    )
    .await;
    let path = format!("/api/v1/participants/{officer}/attendance");
    let (_, admin_token) = app.user_with_token(Role::Admin).await;
    for token in [&officer_token, &op_token, &org_token, &admin_token] {
        let body = get_json(&app, token, &path).await;
        assert_eq!(body["total"], 1);
        assert_eq!(body["items"][0]["status"], "present");
        assert_eq!(body["items"][0]["event_id"], r.event.to_string());
        assert_eq!(body["items"][0]["session_id"], r.session.to_string());
    }
    let (_, other_org) = app.user_with_token(Role::Organizer).await;
    let none = get_json(&app, &other_org, &path).await;
    assert_eq!(none["total"], 0);
    let filtered = get_json(
        &app,
        &admin_token,
        &format!("{path}?event_id={}", Uuid::new_v4()),
    )
    .await;
    assert_eq!(filtered["total"], 0);
    let (_, other_op) = app.user_with_token(Role::UnitOperator).await;
    let (_, _, other_participant) = app.participant_account(unit, "Sari").await;
    for token in [&other_op, &other_participant, &r.facilitator_token] {
        let response = app.send(reqwest::Method::GET, &path, token, None).await;
        let body = assert_problem(response, 403, "forbidden").await;
        assert!(body.get("items").is_none());
    }
    let response = app
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/participants/{}/attendance", Uuid::new_v4()),
            &admin_token,
            None,
        )
        .await;
    assert_problem(response, 404, "not_found").await;
}
