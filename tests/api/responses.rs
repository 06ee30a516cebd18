//! Responses: scoring of tests into the officer's scores (manual scores win), every invalid answer named with
//! nothing written, one submission per respondent also under concurrency, closed instruments and officers who
//! are not enrolled refused, anonymity that nothing can undo, and the follow-up answered by the alumnus and for
//! the supervisor.

use bimtek_api::domain::role::Role;
use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, error_fields};
use crate::instruments::{Setup, create, likert, open, setup, test_questions};

async fn open_test(s: &Setup, kind: &str) -> (String, Vec<String>) {
    let created = create(
        s,
        json!({"kind": kind, "title": "Test", "questions": test_questions()}),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    open(s, &id).await;
    let questions = created["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_owned())
        .collect();
    (id, questions)
}

async fn submit(s: &Setup, token: &str, id: &str, body: Value) -> reqwest::Response {
    s.app
        .send(
            Method::POST,
            &format!("/api/v1/instruments/{id}/responses"),
            token,
            Some(body),
        )
        .await
}

fn scalar(s: &Setup, sql: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    use diesel::RunQueryDsl;
    diesel::sql_query(sql)
        .get_result::<Row>(&mut s.app.db())
        .unwrap()
        .v
}

#[tokio::test]
async fn a_test_is_scored_from_its_key_into_the_officers_score_with_an_audit_entry() {
    let s = setup().await;
    let (id, q) = open_test(&s, "pre_test").await;
    let response = submit(
        &s,
        &s.participant,
        &id,
        json!({"answers": [
            {"question_id": q[0], "value": "a"},
            {"question_id": q[1], "value": ["a"]},
            {"question_id": q[2], "value": "Baik"}
        ]}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    // 1 of 4 points: the multiple choice earns only for the whole correct set.
    assert_eq!(body["score"], 25.0);
    assert_eq!(body["enrollment_id"], s.enrollment.to_string());
    assert_eq!(body["participant_name"], "Dewi Lestari");
    assert_eq!(body["answers"][1]["value"], json!(["a"]));
    assert!(
        body["answers"][0].get("points").is_none(),
        "the officer does not see points: {body}"
    );
    assert_eq!(
        location,
        format!("/api/v1/responses/{}", body["id"].as_str().unwrap())
    );
    assert_eq!(
        scalar(
            &s,
            &format!(
                "SELECT score::text || ' ' || source AS v FROM scores WHERE enrollment_id = '{}' AND kind = 'pre_test'",
                s.enrollment
            )
        ),
        "25 instrument"
    );
    assert_eq!(
        scalar(
            &s,
            &format!(
                "SELECT count(*)::text AS v FROM audit_log WHERE resource_type = 'score' AND resource_id = '{}' AND (changes->'pre_test'->>'new')::float = 25",
                s.enrollment
            )
        ),
        "1"
    );
    // That one entry (the trigger's, migration 000015) carries the instrument and the source, as the service's did.
    assert_eq!(
        scalar(
            &s,
            &format!(
                "SELECT string_agg(action || ' ' || (changes->'source'->>'new') || ' ' || coalesce(changes->'instrument_id'->>'new', 'none'), ',') AS v
                 FROM audit_log WHERE resource_type = 'score' AND resource_id = '{}'",
                s.enrollment
            )
        ),
        format!("score.set instrument {id}")
    );
    // The managers see what each answer earned; the officer reads their own response back.
    let own: Value = s
        .app
        .send(Method::GET, &location, &s.participant, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["score"], 25.0);
    let managed: Value = s
        .app
        .send(Method::GET, &location, &s.organizer, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(managed["answers"][0]["points"], 1.0);
    assert_eq!(managed["answers"][1]["points"], 0.0);
    let (_, _, stranger) = s.app.participant_account(s.unit, "Budi").await;
    let response = s.app.send(Method::GET, &location, &stranger, None).await;
    assert_problem(response, 404, "not_found").await;

    // A second submission is refused and changes nothing.
    let response = submit(
        &s,
        &s.participant,
        &id,
        json!({"answers": [
        {"question_id": q[0], "value": "a"}, {"question_id": q[1], "value": ["a", "b"]}]}),
    )
    .await;
    assert_problem(response, 409, "already_submitted").await;
    assert_eq!(s.app.count("responses"), 1);
    assert_eq!(s.app.count("answers"), 3);
}

#[tokio::test]
async fn a_manual_score_wins_over_the_instrument() {
    let s = setup().await;
    let (id, q) = open_test(&s, "post_test").await;
    s.app
        .db()
        .batch_execute(&format!(
            "INSERT INTO scores (enrollment_id, kind, score, source) VALUES ('{}', 'post_test', 60, 'manual')",
            s.enrollment
        ))
        .unwrap();
    let response = submit(
        &s,
        &s.participant,
        &id,
        json!({"answers": [
        {"question_id": q[0], "value": "a"}, {"question_id": q[1], "value": ["b", "a"]}]}),
    )
    .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["score"], 100.0);
    assert_eq!(
        scalar(
            &s,
            &format!(
                "SELECT score::text || ' ' || source AS v FROM scores WHERE enrollment_id = '{}'",
                s.enrollment
            )
        ),
        "60 manual"
    );
    assert_eq!(s.app.count(crate::helpers::EXPLICIT_AUDIT), 0);
}

#[tokio::test]
async fn every_invalid_answer_is_named_and_nothing_is_written() {
    let s = setup().await;
    let created = create(&s, json!({"kind": "event_evaluation", "title": "E", "questions": [
        likert("L"),
        {"type": "number", "prompt": "N", "settings": {"min": 0, "max": 10}},
        {"type": "text", "prompt": "T", "settings": {"max_length": 5}},
        {"type": "single_choice", "prompt": "S", "settings": {"options": [{"key": "a", "label": "A"}, {"key": "b", "label": "B"}]}},
        {"type": "multiple_choice", "prompt": "M", "required": false, "settings": {"options": [{"key": "a", "label": "A"}, {"key": "b", "label": "B"}]}},
        likert("Required")
    ]})).await;
    let id = created["id"].as_str().unwrap();
    open(&s, id).await;
    let q: Vec<Value> = created["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].clone())
        .collect();
    let response = submit(
        &s,
        &s.participant,
        id,
        json!({"answers": [
            {"question_id": q[0], "value": 5},
            {"question_id": q[1], "value": "ten"},
            {"question_id": q[2], "value": "far too long"},
            {"question_id": q[3], "value": "z"},
            {"question_id": q[4], "value": ["a", "x"]},
            {"question_id": "6f1c8b2e-2a4f-4c9e-8a61-3d1b2c3d4e5f", "value": 1}
        ]}),
    )
    .await;
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(
        error_fields(&body),
        [
            "answers[0].value",
            "answers[1].value",
            "answers[2].value",
            "answers[3].value",
            "answers[4].value[1]",
            "answers[5].question_id",
            "questions[5]",
        ]
    );
    let codes: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    for code in [
        "out_of_range",
        "invalid_type",
        "too_long",
        "invalid_option",
        "unknown_question",
        "required",
    ] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    for table in ["responses", "answers", "response_receipts", "scores"] {
        assert_eq!(s.app.count(table), 0, "{table}");
    }
    // The same officer may then answer correctly.
    let response = submit(&s, &s.participant, id, json!({"answers": [
        {"question_id": q[0], "value": 4}, {"question_id": q[1], "value": 2.5}, {"question_id": q[2], "value": "ok"},
        {"question_id": q[3], "value": "b"}, {"question_id": q[5], "value": 1}]})).await;
    assert_eq!(response.status(), 201);
}

#[tokio::test]
async fn closed_instruments_and_officers_who_are_not_enrolled_are_refused() {
    let s = setup().await;
    let (id, q) = open_test(&s, "pre_test").await;
    let answers = json!({"answers": [{"question_id": q[0], "value": "a"}, {"question_id": q[1], "value": ["a"]}]});
    let (_, stranger_officer, stranger) = s.app.participant_account(s.unit, "Budi").await;
    let response = submit(&s, &stranger, &id, answers.clone()).await;
    assert_problem(response, 403, "not_enrolled").await;
    s.app
        .seed_enrollment(s.event, stranger_officer, "nominated");
    let response = submit(&s, &stranger, &id, answers.clone()).await;
    assert_problem(response, 403, "not_enrolled").await;
    let response = submit(&s, &s.organizer, &id, answers.clone()).await;
    assert_problem(response, 403, "not_enrolled").await;

    let path = format!("/api/v1/instruments/{id}");
    s.app
        .send(
            Method::PATCH,
            &path,
            &s.organizer,
            Some(json!({"status": "closed"})),
        )
        .await;
    let response = submit(&s, &s.participant, &id, answers.clone()).await;
    assert_problem(response, 409, "instrument_closed").await;
    s.app
        .send(
            Method::PATCH,
            &path,
            &s.organizer,
            Some(json!({"status": "open", "closes_at": "2020-01-01T00:00:00Z"})),
        )
        .await;
    let response = submit(&s, &s.participant, &id, answers.clone()).await;
    assert_problem(response, 409, "instrument_closed").await;
    s.app
        .send(
            Method::PATCH,
            &path,
            &s.organizer,
            Some(json!({"closes_at": null})),
        )
        .await;
    s.app.set_event_status(s.event, "completed");
    let response = submit(&s, &s.participant, &id, answers.clone()).await;
    assert_problem(response, 409, "instrument_closed").await;
    for table in ["responses", "response_receipts", "scores"] {
        assert_eq!(s.app.count(table), 0, "{table}");
    }
}

#[tokio::test]
async fn concurrent_submissions_of_one_officer_store_exactly_one() {
    let s = setup().await;
    let (id, q) = open_test(&s, "pre_test").await;
    let body = json!({"answers": [{"question_id": q[0], "value": "a"}, {"question_id": q[1], "value": ["a", "b"]}]});
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let request = s
            .app
            .client
            .post(s.app.url(&format!("/api/v1/instruments/{id}/responses")))
            .bearer_auth(&s.participant)
            .json(&body);
        tasks.push(tokio::spawn(async move {
            request.send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
    assert_eq!(s.app.count("responses"), 1);
    assert_eq!(s.app.count("response_receipts"), 1);
}

#[tokio::test]
async fn nothing_links_an_anonymous_response_to_its_officer() {
    let s = setup().await;
    let created = create(&s, json!({"kind": "event_evaluation", "title": "Evaluasi", "anonymous": true,
                                   "questions": [likert("Konsumsi"), {"type": "text", "prompt": "Saran"}]})).await;
    let id = created["id"].as_str().unwrap();
    open(&s, id).await;
    let q: Vec<Value> = created["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].clone())
        .collect();
    let answers = json!({"answers": [{"question_id": q[0], "value": 4}, {"question_id": q[1], "value": "Lebih lama"}]});
    let response = submit(&s, &s.participant, id, answers.clone()).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    for field in [
        "enrollment_id",
        "participant_id",
        "participant_name",
        "submitted_by",
        "submitted_at",
    ] {
        assert_eq!(body[field], Value::Null, "{field}");
    }
    let response = submit(&s, &s.participant, id, answers).await;
    assert_problem(response, 409, "already_submitted").await;

    let page: Value = s
        .app
        .send(
            Method::GET,
            &format!("/api/v1/instruments/{id}/responses"),
            &s.organizer,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
    let text = page.to_string();
    assert!(
        !text.contains(&s.enrollment.to_string()) && !text.contains(&s.officer.to_string()),
        "{text}"
    );
    assert!(!text.contains("Dewi"), "{text}");
    assert_eq!(page["items"][0]["answers"][1]["value"], "Lebih lama");
    assert_eq!(
        scalar(
            &s,
            "SELECT count(*)::text AS v FROM responses WHERE enrollment_id IS NULL AND submitted_by IS NULL AND submitted_at IS NULL"
        ),
        "1"
    );
    assert_eq!(s.app.count(crate::helpers::EXPLICIT_AUDIT), 0);
    // The officer cannot find it among their own responses either.
    let own: Value = s
        .app
        .send(
            Method::GET,
            &format!("/api/v1/instruments/{id}/responses"),
            &s.participant,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["total"], 0);
}

#[tokio::test]
async fn the_follow_up_is_answered_by_the_alumnus_and_for_the_supervisor_by_the_unit_operator() {
    let s = setup().await;
    let created = create(
        &s,
        json!({"kind": "follow_up", "title": "Evaluasi pasca pelatihan", "due_on": "2026-01-31",
                                   "questions": [likert("Penerapan")]}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    open(&s, id).await;
    let answers = json!([{"question_id": created["questions"][0]["id"], "value": 3}]);
    let response = submit(&s, &s.participant, id, json!({"answers": answers})).await;
    assert_problem(response, 409, "instrument_closed").await;
    s.app.set_event_status(s.event, "completed");
    let response = submit(&s, &s.participant, id, json!({"answers": answers})).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["respondent_kind"], "alumnus");

    // The supervisor has no account: the operator of the alumnus's unit enters their answers.
    let operator = s.app.seed_user(Role::UnitOperator);
    s.app
        .db()
        .batch_execute(&format!(
            "UPDATE users SET unit_id = '{}' WHERE id = '{}'",
            s.unit, operator.id
        ))
        .unwrap();
    let operator_token = s.app.token_for(&operator).await;
    let (_, foreign_token) = s.app.user_with_token(Role::UnitOperator).await;
    let supervisor =
        json!({"respondent_kind": "supervisor", "enrollment_id": s.enrollment, "answers": answers});
    let response = submit(&s, &foreign_token, id, supervisor.clone()).await;
    assert_problem(response, 403, "forbidden").await;
    let response = submit(
        &s,
        &operator_token,
        id,
        json!({"respondent_kind": "supervisor", "answers": answers}),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["enrollment_id"]);
    let response = submit(&s, &operator_token, id, supervisor.clone()).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["respondent_kind"], "supervisor");
    assert_eq!(body["enrollment_id"], s.enrollment.to_string());
    let response = submit(&s, &s.organizer, id, supervisor).await;
    assert_problem(response, 409, "already_submitted").await;

    // The alumnus sees their own response, not the supervisor's about them.
    let own: Value = s
        .app
        .send(
            Method::GET,
            &format!("/api/v1/instruments/{id}/responses"),
            &s.participant,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["total"], 1);
    assert_eq!(own["items"][0]["respondent_kind"], "alumnus");
    let all: Value = s
        .app
        .send(
            Method::GET,
            &format!("/api/v1/instruments/{id}/responses"),
            &s.organizer,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["total"], 2);
}

#[tokio::test]
async fn a_follow_up_is_answered_months_after_the_event_until_its_window_closes() {
    let s = setup().await;
    let created = create(
        &s,
        json!({"kind": "follow_up", "title": "Evaluasi pasca pelatihan", "questions": [likert("Penerapan")]}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    open(&s, id).await;
    let post_test = open_test(&s, "post_test").await.0;
    s.app.set_event_status(s.event, "completed");
    let today = chrono::Utc::now().date_naive();
    let ended = today - chrono::Months::new(4);
    s.app.set_event_dates(s.event, ended, ended);
    let answers = json!([{"question_id": created["questions"][0]["id"], "value": 4}]);
    let response = submit(&s, &s.participant, id, json!({"answers": answers})).await;
    assert_eq!(response.status(), 201, "the alumnus, four months later");
    // The tests stay closed after completion, however recent.
    let response = submit(&s, &s.participant, &post_test, json!({"answers": []})).await;
    assert_problem(response, 409, "instrument_closed").await;

    let ended = today - chrono::Months::new(12) - chrono::Days::new(1);
    s.app.set_event_dates(s.event, ended, ended);
    let supervisor =
        json!({"respondent_kind": "supervisor", "enrollment_id": s.enrollment, "answers": answers});
    let response = submit(&s, &s.organizer, id, supervisor).await;
    let problem = assert_problem(response, 409, "follow_up_window_closed").await;
    assert_eq!(
        problem["errors"][0]["message"],
        (ended + chrono::Months::new(12)).to_string().as_str()
    );
    assert_eq!(
        scalar(
            &s,
            &format!("SELECT count(*)::text AS v FROM responses WHERE instrument_id = '{id}'")
        ),
        "1"
    );
}

#[tokio::test]
async fn a_multiple_choice_question_may_score_with_partial_credit() {
    let s = setup().await;
    let created = create(
        &s,
        json!({"kind": "post_test", "title": "Post-test", "questions": [
            {"type": "multiple_choice", "prompt": "Tahapan TC", "settings": {"partial_credit": true, "options": [
                {"key": "a", "label": "Induction", "correct": true},
                {"key": "b", "label": "Primary", "correct": true},
                {"key": "c", "label": "Detoksifikasi"}]}}]}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["questions"][0]["settings"]["partial_credit"], true);
    open(&s, id).await;
    let seen: Value = s
        .app
        .send(
            Method::GET,
            &format!("/api/v1/instruments/{id}"),
            &s.participant,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        seen["questions"][0]["settings"]["partial_credit"], true,
        "the officer knows how the question is scored"
    );
    assert!(
        seen["questions"][0]["settings"]["options"][0]
            .get("correct")
            .is_none()
    );
    let answers = json!([{"question_id": created["questions"][0]["id"], "value": ["a", "b", "c"]}]);
    let response = submit(&s, &s.participant, id, json!({"answers": answers})).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    // 2 right (2 points) less 1 wrong (the mean of the correct options' points, 1) = 1 of 2
    assert_eq!(body["score"], 50.0);
}
