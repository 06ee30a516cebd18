//! Instruments and templates: creation with questions or from a template, validation of every question at once,
//! the rules of each kind, the answer key shown only to managers, the status lifecycle, locked questions, and
//! deletion only without responses.

use bimtek_api::domain::role::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

pub fn likert(prompt: &str) -> Value {
    json!({"type": "likert", "prompt": prompt,
           "settings": {"scale": 4, "labels": ["Kurang", "Cukup", "Baik", "Sangat baik"]}})
}

/// Two scored questions worth 1 and 3 points, and an optional text question.
pub fn test_questions() -> Value {
    json!([
        {"type": "single_choice", "prompt": "Kegiatan pembuka hari dalam TC?", "settings": {"options": [
            {"key": "a", "label": "Morning meeting", "correct": true},
            {"key": "b", "label": "Seminar"}]}},
        {"type": "multiple_choice", "prompt": "Alat pembentukan perilaku?", "settings": {"options": [
            {"key": "a", "label": "Pull up", "correct": true, "points": 1.5},
            {"key": "b", "label": "Haircut", "correct": true, "points": 1.5},
            {"key": "c", "label": "Apel pagi"}]}},
        {"type": "text", "prompt": "Catatan", "required": false, "settings": {"max_length": 20}}
    ])
}

pub struct Setup {
    pub app: TestApp,
    pub event: Uuid,
    pub organizer: String,
    pub officer: Uuid,
    pub enrollment: Uuid,
    pub participant: String,
    pub unit: Uuid,
}

/// An ongoing event with an organizer and one approved officer who has an account.
pub async fn setup() -> Setup {
    let app = spawn_app().await;
    let event = app.seed_event("ongoing", 30);
    let (_, organizer) = app.organizer_of(event).await;
    let unit = app.seed_unit(&format!(
        "P{}",
        &Uuid::new_v4().simple().to_string()[..8].to_uppercase()
    ));
    let (_, officer, participant) = app.participant_account(unit, "Dewi Lestari").await;
    let (enrollment, _) = app.seed_enrollment(event, officer, "approved");
    Setup {
        app,
        event,
        organizer,
        officer,
        enrollment,
        participant,
        unit,
    }
}

/// Creates an instrument as the organizer and returns its body.
pub async fn create(s: &Setup, body: Value) -> Value {
    let response = s
        .app
        .send(
            Method::POST,
            &format!("/api/v1/events/{}/instruments", s.event),
            &s.organizer,
            Some(body),
        )
        .await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

pub async fn open(s: &Setup, id: &str) {
    let response = s
        .app
        .send(
            Method::PATCH,
            &format!("/api/v1/instruments/{id}"),
            &s.organizer,
            Some(json!({"status": "open"})),
        )
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

#[tokio::test]
async fn a_test_is_created_as_a_draft_and_only_managers_see_its_answer_key() {
    let s = setup().await;
    let response = s
        .app
        .send(
            Method::POST,
            &format!("/api/v1/events/{}/instruments", s.event),
            &s.organizer,
            Some(json!({"kind": "pre_test", "title": "Pre-test", "questions": test_questions()})),
        )
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let body: Value = response.json().await.unwrap();
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/api/v1/instruments/{id}"));
    assert_eq!(body["status"], "draft");
    assert_eq!(body["respondent_kinds"], json!(["participant"]));
    let questions = body["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 3);
    assert_eq!(questions[0]["position"], 1);
    assert_eq!(questions[0]["points"], 1.0);
    assert_eq!(questions[1]["points"], 3.0);
    assert_eq!(questions[0]["settings"]["options"][0]["correct"], true);
    assert_eq!(questions[2]["settings"]["max_length"], 20);

    // A draft does not exist for the officer.
    let path = format!("/api/v1/instruments/{id}");
    let response = s.app.send(Method::GET, &path, &s.participant, None).await;
    assert_problem(response, 404, "not_found").await;
    let list = format!("/api/v1/events/{}/instruments", s.event);
    let page: Value = s
        .app
        .send(Method::GET, &list, &s.participant, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 0);

    open(&s, &id).await;
    let seen: Value = s
        .app
        .send(Method::GET, &path, &s.participant, None)
        .await
        .json()
        .await
        .unwrap();
    let text = seen.to_string();
    assert!(!text.contains("correct"), "{text}");
    assert_eq!(
        seen["questions"][1]["settings"]["options"][0].get("points"),
        None
    );
    assert_eq!(
        seen["questions"][1]["settings"]["options"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let page: Value = s
        .app
        .send(Method::GET, &list, &s.participant, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 1);
    assert!(!page.to_string().contains("correct"));

    // An officer of another event, and a facilitator of none of its sessions: 403.
    let (_, _, stranger) = s.app.participant_account(s.unit, "Budi").await;
    let response = s.app.send(Method::GET, &path, &stranger, None).await;
    assert_problem(response, 403, "forbidden").await;
    let (facilitator, token) = s.app.user_with_token(Role::Facilitator).await;
    let response = s.app.send(Method::GET, &path, &token, None).await;
    assert_problem(response, 403, "forbidden").await;
    let session = s.app.seed_session(s.event, 0, 60, 1);
    s.app.add_facilitator(session, facilitator.id);
    let seen: Value = s
        .app
        .send(Method::GET, &path, &token, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["id"], id.as_str());
    assert!(!seen.to_string().contains("correct"));

    // Filters.
    let page: Value = s
        .app
        .send(
            Method::GET,
            &format!("{list}?kind=post_test"),
            &s.organizer,
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 0);
    let response = s
        .app
        .send(
            Method::GET,
            &format!("{list}?kind=quiz"),
            &s.organizer,
            None,
        )
        .await;
    assert_problem(response, 400, "invalid_query").await;
}

#[tokio::test]
async fn every_question_problem_is_listed_at_once_and_nothing_is_written() {
    let s = setup().await;
    let response = s
        .app
        .send(
            Method::POST,
            &format!("/api/v1/events/{}/instruments", s.event),
            &s.organizer,
            Some(json!({
                "kind": "post_test",
                "title": " ",
                "anonymous": true,
                "due_on": "2025-12-01",
                "opens_at": "2025-08-02T02:00:00Z",
                "closes_at": "2025-08-02T01:00:00Z",
                "questions": [
                    {"type": "likert", "prompt": "L", "settings": {"scale": 7, "labels": ["a"]}},
                    {"type": "single_choice", "prompt": "S", "settings": {"options": [
                        {"key": "a", "label": "A"}, {"key": "a", "label": "B"}]}},
                    {"type": "number", "prompt": "N", "settings": {"min": 10, "max": 1}},
                    {"type": "text", "prompt": "", "settings": {"max_length": 20000}}
                ]
            })),
        )
        .await;
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(
        error_fields(&body),
        [
            "anonymous",
            "closes_at",
            "due_on",
            "questions[0].settings.scale",
            "questions[1].settings.options",
            "questions[1].settings.options[1].key",
            "questions[2].settings.max",
            "questions[3].prompt",
            "questions[3].settings.max_length",
            "title",
        ]
    );
    assert_eq!(s.app.count("instruments"), 0);
    assert_eq!(s.app.count("questions"), 0);
}

#[tokio::test]
async fn a_facilitator_evaluation_targets_a_session_of_the_event_and_one_of_its_facilitators() {
    let s = setup().await;
    let session = s.app.seed_session(s.event, 0, 60, 2);
    let (facilitator, _) = s.app.user_with_token(Role::Facilitator).await;
    let (other, _) = s.app.user_with_token(Role::Facilitator).await;
    s.app.add_facilitator(session, facilitator.id);
    let elsewhere = s.app.seed_session(s.app.seed_event("ongoing", 5), 0, 60, 1);
    let path = format!("/api/v1/events/{}/instruments", s.event);
    let body = |session: Uuid, facilitator: Uuid| {
        json!({"kind": "facilitator_evaluation", "title": "Evaluasi narasumber", "anonymous": true,
               "session_id": session, "facilitator_id": facilitator, "questions": [likert("Penguasaan materi")]})
    };
    let response = s
        .app
        .send(
            Method::POST,
            &path,
            &s.organizer,
            Some(
                json!({"kind": "facilitator_evaluation", "title": "X", "questions": [likert("Q")]}),
            ),
        )
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["facilitator_id", "session_id"]);
    let response = s
        .app
        .send(
            Method::POST,
            &path,
            &s.organizer,
            Some(body(elsewhere, facilitator.id)),
        )
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "not_in_event");
    let response = s
        .app
        .send(
            Method::POST,
            &path,
            &s.organizer,
            Some(body(session, other.id)),
        )
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "not_a_facilitator");
    let created = create(&s, body(session, facilitator.id)).await;
    assert_eq!(created["session_id"], session.to_string());
    assert_eq!(created["anonymous"], true);
    // Only facilitator evaluations have a target; only follow-ups have respondent kinds.
    let response = s
        .app
        .send(
            Method::POST,
            &path,
            &s.organizer,
            Some(
                json!({"kind": "event_evaluation", "title": "X", "session_id": session,
                    "respondent_kinds": ["alumnus"], "questions": [likert("Q")]}),
            ),
        )
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["respondent_kinds", "session_id"]);
}

#[tokio::test]
async fn instruments_are_copied_from_templates_and_saved_as_templates() {
    let s = setup().await;
    let response = s.app.send(Method::POST,
        "/api/v1/instrument-templates",
        &s.organizer,
        Some(json!({"name": "Evaluasi standar", "kind": "event_evaluation", "title": "Evaluasi penyelenggaraan",
                    "anonymous": true, "questions": [likert("Konsumsi"), likert("Ruangan")]})),
    )
    .await;
    assert_eq!(response.status(), 201);
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/api/v1/instrument-templates/")
    );
    let template: Value = response.json().await.unwrap();
    let copied = create(
        &s,
        json!({"template_id": template["id"], "title": "Evaluasi angkatan I"}),
    )
    .await;
    assert_eq!(copied["kind"], "event_evaluation");
    assert_eq!(copied["title"], "Evaluasi angkatan I");
    assert_eq!(copied["anonymous"], true);
    assert_eq!(copied["template_id"], template["id"]);
    assert_eq!(copied["questions"][1]["prompt"], "Ruangan");
    let response = s
        .app
        .send(
            Method::POST,
            &format!("/api/v1/events/{}/instruments", s.event),
            &s.organizer,
            Some(json!({"template_id": template["id"], "kind": "pre_test"})),
        )
        .await;
    // Another kind takes the template's questions only if they fit it: Likert questions make no test.
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["template_id"]);
    assert_eq!(problem["errors"][0]["code"], "no_scored_question");
    // The same questionnaire as a follow-up: it fits, and the evaluation's anonymity stays behind.
    let follow_up = create(
        &s,
        json!({"template_id": template["id"], "kind": "follow_up", "title": "Evaluasi pasca pelatihan"}),
    )
    .await;
    assert_eq!(
        (&follow_up["kind"], &follow_up["anonymous"]),
        (&json!("follow_up"), &json!(false))
    );
    assert_eq!(follow_up["questions"][0]["prompt"], "Konsumsi");

    // Save a test of the event as a template: the key travels with it.
    let test = create(
        &s,
        json!({"kind": "post_test", "title": "Post-test", "questions": test_questions()}),
    )
    .await;
    let response = s
        .app
        .send(
            Method::POST,
            "/api/v1/instrument-templates",
            &s.organizer,
            Some(json!({"name": "Post-test PM", "from_instrument_id": test["id"]})),
        )
        .await;
    assert_eq!(response.status(), 201);
    let saved: Value = response.json().await.unwrap();
    assert_eq!(saved["kind"], "post_test");
    assert_eq!(
        saved["questions"][1]["settings"]["options"][1]["points"],
        1.5
    );
    let response = s
        .app
        .send(
            Method::POST,
            "/api/v1/instrument-templates",
            &s.organizer,
            Some(json!({"name": "Post-test PM", "from_instrument_id": test["id"]})),
        )
        .await;
    let problem = assert_problem(response, 409, "already_exists").await;
    assert_eq!(error_fields(&problem), ["name"]);
    // The post-test's questions make the pre-test of the next event: one template, both kinds, with the key.
    let pre_test = create(
        &s,
        json!({"template_id": saved["id"], "kind": "pre_test", "title": "Pre-test"}),
    )
    .await;
    assert_eq!(pre_test["kind"], "pre_test");
    let prompts = |v: &Value| {
        v["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["prompt"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(prompts(&pre_test), prompts(&test));
    assert_eq!(
        pre_test["questions"][1]["settings"]["options"][1]["points"],
        1.5
    );

    // Another organizer reads the templates but changes only their own.
    let (_, other) = s.app.user_with_token(Role::Organizer).await;
    let path = format!(
        "/api/v1/instrument-templates/{}",
        saved["id"].as_str().unwrap()
    );
    assert_eq!(
        s.app.send(Method::GET, &path, &other, None).await.status(),
        200
    );
    let response = s
        .app
        .send(Method::PATCH, &path, &other, Some(json!({"title": "Mine"})))
        .await;
    assert_problem(response, 403, "forbidden").await;
    // Changing the kind checks the questions again: an evaluation has no key.
    let response = s
        .app
        .send(
            Method::PATCH,
            &path,
            &s.organizer,
            Some(json!({"kind": "event_evaluation"})),
        )
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert!(
        error_fields(&problem).contains(&"questions[0].settings.options[0].correct".to_owned())
    );
    let response = s.app.send(Method::DELETE, &path, &s.organizer, None).await;
    assert_eq!(response.status(), 204);
    let response = s
        .app
        .send(
            Method::GET,
            "/api/v1/instrument-templates",
            &s.participant,
            None,
        )
        .await;
    assert_problem(response, 403, "forbidden").await;
}

#[tokio::test]
async fn the_status_moves_forward_questions_lock_once_open_and_stale_versions_are_refused() {
    let s = setup().await;
    let created = create(
        &s,
        json!({"kind": "event_evaluation", "title": "E", "questions": [likert("Q")]}),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/instruments/{id}");
    let patch = |body: Value| s.app.send(Method::PATCH, &path, &s.organizer, Some(body));
    let response = patch(json!({"status": "closed"})).await;
    assert_problem(response, 409, "invalid_transition").await;
    // While a draft the questions may be replaced.
    let changed: Value = patch(json!({"questions": [likert("A"), likert("B")]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(changed["questions"].as_array().unwrap().len(), 2);
    assert_eq!(changed["version"], 2);
    let response = s
        .app
        .client
        .patch(s.app.url(&path))
        .bearer_auth(&s.organizer)
        .header("if-match", "\"1\"")
        .json(&json!({"title": "Stale"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 412, "precondition_failed").await;
    open(&s, id).await;
    let response = patch(json!({"questions": [likert("C")]})).await;
    assert_problem(response, 409, "questions_locked").await;
    let response = patch(json!({"status": "draft"})).await;
    assert_problem(response, 409, "invalid_transition").await;
    let response = patch(json!({"status": null, "kind": "pre_test"})).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["kind"]);
    let closed: Value = patch(json!({"status": "closed"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(closed["status"], "closed");
    let reopened: Value = patch(json!({"status": "open"})).await.json().await.unwrap();
    assert_eq!(reopened["status"], "open");
    assert_eq!(reopened["questions"][0]["prompt"], "A");
}

#[tokio::test]
async fn after_completion_only_follow_ups_and_evaluations_change_until_the_window_closes() {
    let s = setup().await;
    let test = create(
        &s,
        json!({"kind": "pre_test", "title": "Pre", "questions": test_questions()}),
    )
    .await;
    let id = test["id"].as_str().unwrap();
    open(&s, id).await;
    s.app.set_event_status(s.event, "completed");
    let path = format!("/api/v1/instruments/{id}");
    let response = s
        .app
        .send(
            Method::PATCH,
            &path,
            &s.organizer,
            Some(json!({"title": "Late"})),
        )
        .await;
    assert_problem(response, 409, "event_not_editable").await;
    let response = s
        .app
        .send(
            Method::PATCH,
            &path,
            &s.organizer,
            Some(json!({"status": "closed"})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let list = format!("/api/v1/events/{}/instruments", s.event);
    let response = s
        .app
        .send(
            Method::POST,
            &list,
            &s.organizer,
            Some(json!({"kind": "post_test", "title": "Post", "questions": test_questions()})),
        )
        .await;
    assert_problem(response, 409, "event_not_editable").await;
    // Four months after the event (Kirkpatrick level 3): the follow-up and a late evaluation are made and opened.
    let today = chrono::Utc::now().date_naive();
    let ended = today - chrono::Months::new(4);
    s.app.set_event_dates(s.event, ended, ended);
    let evaluation = create(
        &s,
        json!({"kind": "event_evaluation", "title": "E", "questions": [likert("Q")]}),
    )
    .await;
    open(&s, evaluation["id"].as_str().unwrap()).await;
    let follow_up = create(
        &s,
        json!({"kind": "follow_up", "title": "Evaluasi pasca pelatihan", "due_on": "2026-02-01",
               "questions": [likert("Penerapan di tempat kerja")]}),
    )
    .await;
    assert_eq!(
        follow_up["respondent_kinds"],
        json!(["alumnus", "supervisor"])
    );
    assert_eq!(follow_up["due_on"], "2026-02-01");
    let follow_up_path = format!("/api/v1/instruments/{}", follow_up["id"].as_str().unwrap());

    // Twelve months and a day after the event's last day the window has closed: nothing new, no changes, but
    // closing still works.
    let ended = today - chrono::Months::new(12) - chrono::Days::new(1);
    s.app.set_event_dates(s.event, ended, ended);
    let last_day = (ended + chrono::Months::new(12)).to_string();
    let response = s
        .app
        .send(
            Method::POST,
            &list,
            &s.organizer,
            Some(json!({"kind": "follow_up", "title": "Terlambat", "questions": [likert("Q")]})),
        )
        .await;
    let problem = assert_problem(response, 409, "follow_up_window_closed").await;
    assert_eq!(error_fields(&problem), ["ends_on"]);
    assert_eq!(problem["errors"][0]["message"], last_day.as_str());
    assert!(problem["detail"].as_str().unwrap().contains(&last_day));
    let response = s
        .app
        .send(
            Method::PATCH,
            &follow_up_path,
            &s.organizer,
            Some(json!({"status": "open"})),
        )
        .await;
    assert_problem(response, 409, "follow_up_window_closed").await;
    let response = s
        .app
        .send(Method::DELETE, &follow_up_path, &s.organizer, None)
        .await;
    assert_problem(response, 409, "follow_up_window_closed").await;
    let response = s
        .app
        .send(
            Method::PATCH,
            &format!("/api/v1/instruments/{}", evaluation["id"].as_str().unwrap()),
            &s.organizer,
            Some(json!({"status": "closed"})),
        )
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn an_instrument_with_responses_cannot_be_deleted_and_one_without_can() {
    let s = setup().await;
    let answered = create(
        &s,
        json!({"kind": "event_evaluation", "title": "E", "anonymous": true,
                                    "questions": [likert("Q")]}),
    )
    .await;
    let id = answered["id"].as_str().unwrap();
    open(&s, id).await;
    let question = answered["questions"][0]["id"].clone();
    let response = s
        .app
        .send(
            Method::POST,
            &format!("/api/v1/instruments/{id}/responses"),
            &s.participant,
            Some(json!({"answers": [{"question_id": question, "value": 3}]})),
        )
        .await;
    assert_eq!(response.status(), 201);
    let path = format!("/api/v1/instruments/{id}");
    let response = s.app.send(Method::DELETE, &path, &s.organizer, None).await;
    assert_problem(response, 409, "has_responses").await;
    // Anonymity cannot change once answered.
    let response = s
        .app
        .send(
            Method::PATCH,
            &path,
            &s.organizer,
            Some(json!({"anonymous": false})),
        )
        .await;
    assert_problem(response, 409, "has_responses").await;
    assert_eq!(s.app.count("instruments"), 1);

    let spare = create(
        &s,
        json!({"kind": "event_evaluation", "title": "Spare", "questions": [likert("Q")]}),
    )
    .await;
    let response = s
        .app
        .send(
            Method::DELETE,
            &format!("/api/v1/instruments/{}", spare["id"].as_str().unwrap()),
            &s.participant,
            None,
        )
        .await;
    // A draft does not exist for the officer.
    assert_problem(response, 404, "not_found").await;
    let response = s
        .app
        .send(
            Method::DELETE,
            &format!("/api/v1/instruments/{}", spare["id"].as_str().unwrap()),
            &s.organizer,
            None,
        )
        .await;
    assert_eq!(response.status(), 204);
    assert_eq!(s.app.count("instruments"), 1);
    assert_eq!(s.app.count("questions"), 1);
}
