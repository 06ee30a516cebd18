//! `/api/v1/events`: creation, validation, the lifecycle, visibility of drafts, authorization, concurrency.

use bimtek_api::domain::role::Role;
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

/// A valid event body for the unit; `changes` overrides or adds fields (a `null` removes one).
pub fn event_body(host_unit_id: Uuid, changes: Value) -> Value {
    let mut body = json!({
        "title": "Bimtek Orientasi Lapangan PM Rehabilitasi Sosial",
        "kind": "orientation",
        "host_unit_id": host_unit_id,
        "starts_on": "2025-08-02",
        "ends_on": "2025-08-03",
        "capacity": 40
    });
    if let (Some(map), Some(changes)) = (body.as_object_mut(), changes.as_object()) {
        for (key, value) in changes {
            if value.is_null() {
                map.remove(key);
            } else {
                map.insert(key.clone(), value.clone());
            }
        }
    }
    body
}

pub async fn post_event(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/events"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Creates a draft event through the API and returns its body.
pub async fn create_event(app: &TestApp, token: &str, changes: Value) -> Value {
    let unit = app.seed_unit(&format!(
        "H{}",
        &Uuid::new_v4().simple().to_string()[..8].to_uppercase()
    ));
    let response = post_event(app, token, &event_body(unit, changes)).await;
    assert_eq!(response.status(), 201, "create event");
    response.json().await.unwrap()
}

pub fn id_of(body: &Value) -> String {
    body["id"].as_str().unwrap().to_owned()
}

/// Adds a session on the event's first day (2025-08-02 WIB) through the API.
pub async fn add_session(app: &TestApp, token: &str, event_id: &str, changes: Value) -> Value {
    let mut body = json!({
        "kind": "seminar",
        "title": "Seminar",
        "starts_at": "2025-08-02T08:00:00+07:00",
        "ends_at": "2025-08-02T09:30:00+07:00"
    });
    if let (Some(map), Some(changes)) = (body.as_object_mut(), changes.as_object()) {
        for (key, value) in changes {
            map.insert(key.clone(), value.clone());
        }
    }
    let response = app
        .client
        .post(app.url(&format!("/api/v1/events/{event_id}/sessions")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "add session");
    response.json().await.unwrap()
}

pub async fn transition(
    app: &TestApp,
    token: &str,
    event_id: &str,
    action: &str,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/events/{event_id}/{action}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub async fn patch_event(
    app: &TestApp,
    token: &str,
    event_id: &str,
    body: Value,
) -> reqwest::Response {
    app.client
        .patch(app.url(&format!("/api/v1/events/{event_id}")))
        .bearer_auth(token)
        .header("content-type", "application/merge-patch+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

pub async fn get_json(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Inserts an officer of a fresh unit and an enrollment of them in the event with the status; returns the
/// (participant, enrollment) ids.
pub fn seed_enrollment(app: &TestApp, event_id: &str, status: &str) -> (Uuid, Uuid) {
    use bimtek_api::schema::{enrollments, participants};
    let unit = app.seed_unit(&format!(
        "P{}",
        &Uuid::new_v4().simple().to_string()[..8].to_uppercase()
    ));
    let sequence = (Uuid::new_v4().as_u128() % 899 + 100) as u32;
    let nip = format!("198507262010121{sequence:03}");
    let mut conn = app.db();
    let participant: Uuid = diesel::insert_into(participants::table)
        .values((
            participants::nip.eq(nip),
            participants::full_name.eq("Budi Santoso"),
            participants::sex.eq("male"),
            participants::employee_type.eq("pns"),
            participants::unit_id.eq(unit),
        ))
        .returning(participants::id)
        .get_result(&mut conn)
        .unwrap();
    let enrollment: Uuid = diesel::insert_into(enrollments::table)
        .values((
            enrollments::event_id.eq(Uuid::parse_str(event_id).unwrap()),
            enrollments::participant_id.eq(participant),
            enrollments::status.eq(status),
            enrollments::check_in_code.eq(Uuid::new_v4().simple().to_string()),
        ))
        .returning(enrollments::id)
        .get_result(&mut conn)
        .unwrap();
    (participant, enrollment)
}

fn event_row(app: &TestApp, id: &str) -> (String, i32, String) {
    use bimtek_api::schema::events;
    events::table
        .find(Uuid::parse_str(id).unwrap())
        .select((events::status, events::version, events::title))
        .first(&mut app.db())
        .unwrap()
}

#[tokio::test]
async fn an_organizer_creates_a_draft_event_with_defaults_and_becomes_its_organizer() {
    let app = spawn_app().await;
    let (organizer, token) = app.user_with_token(Role::Organizer).await;
    let unit = app.seed_unit("LAPAS-KASONGAN");
    let response = post_event(
        &app,
        &token,
        &event_body(
            unit,
            json!({"title": "  Bimtek PM Rehabilitasi Sosial ", "legal_basis": "W.16-UM.01.01-1234"}),
        ),
    )
    .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/events/{}", id_of(&body)));
    assert_eq!(body["title"], "Bimtek PM Rehabilitasi Sosial");
    assert_eq!(body["status"], "draft");
    assert_eq!(body["kind"], "orientation");
    assert_eq!(body["host_unit_id"], unit.to_string());
    assert_eq!(body["program_id"], Value::Null);
    assert_eq!(body["starts_on"], "2025-08-02");
    assert_eq!(body["ends_on"], "2025-08-03");
    assert_eq!(body["capacity"], 40);
    assert_eq!(body["attendance_threshold"], 80);
    assert_eq!(body["pass_score"], 70);
    assert_eq!(body["jp_minutes"], 45);
    assert_eq!(body["legal_basis"], "W.16-UM.01.01-1234");
    assert_eq!(body["organizer_ids"], json!([organizer.id]));
    assert_eq!(body["session_count"], 0);
    assert_eq!(body["approved_count"], 0);
    assert_eq!(body["archived_at"], Value::Null);
    assert_eq!(body["version"], 1);

    let (status, fetched) = get_json(&app, &token, &location).await;
    assert_eq!(status, 200);
    assert_eq!(fetched, body);
}

#[tokio::test]
async fn invalid_events_are_refused_with_every_field_named_and_nothing_written() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-SAMPIT");
    let cases = [
        (
            json!({"starts_on": "2025-08-05", "ends_on": "2025-08-04"}),
            vec!["ends_on"],
        ),
        (json!({"capacity": 0}), vec!["capacity"]),
        (json!({"capacity": 10001}), vec!["capacity"]),
        (
            json!({"attendance_threshold": 101}),
            vec!["attendance_threshold"],
        ),
        (
            json!({"pass_score": -1, "jp_minutes": 0}),
            vec!["jp_minutes", "pass_score"],
        ),
        (json!({"jp_minutes": 241}), vec!["jp_minutes"]),
        (json!({"kind": "party"}), vec!["kind"]),
        (
            json!({"host_unit_id": Uuid::new_v4()}),
            vec!["host_unit_id"],
        ),
        (json!({"program_id": Uuid::new_v4()}), vec!["program_id"]),
        (json!({"title": "  "}), vec!["title"]),
        (json!({"title": "x".repeat(301)}), vec!["title"]),
        (json!({"legal_basis": "x".repeat(301)}), vec!["legal_basis"]),
        (
            json!({"description": "x".repeat(4001)}),
            vec!["description"],
        ),
        (json!({"starts_on": "2025-02-31"}), vec!["starts_on"]),
        (
            json!({"title": null, "capacity": null}),
            vec!["capacity", "title"],
        ),
        (json!({"status": "published"}), vec!["status"]),
        (
            json!({"organizer_ids": [Uuid::new_v4()]}),
            vec!["organizer_ids"],
        ),
    ];
    for (changes, fields) in cases {
        let body = event_body(unit, changes.clone());
        let response = post_event(&app, &token, &body).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), fields, "{changes}");
    }
    assert_eq!(app.count("events"), 0);
    assert_eq!(app.count("event_organizers"), 0);
}

#[tokio::test]
async fn the_lifecycle_runs_from_draft_to_completed_and_refuses_every_other_transition() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Organizer).await;
    let event = create_event(&app, &token, json!({})).await;
    let id = id_of(&event);

    let response = transition(&app, &token, &id, "publish").await;
    assert_problem(response, 409, "event_has_no_sessions").await;
    for action in ["start", "complete"] {
        let response = transition(&app, &token, &id, action).await;
        let body = assert_problem(response, 409, "transition_not_allowed").await;
        assert!(body["detail"].as_str().unwrap().contains("draft"), "{body}");
    }
    assert_eq!(
        event_row(&app, &id),
        ("draft".into(), 1, event["title"].as_str().unwrap().into())
    );

    let session = add_session(&app, &token, &id, json!({})).await;
    let response = transition(&app, &token, &id, "publish").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "published");
    assert_eq!(body["session_count"], 1);
    for action in ["publish", "complete"] {
        let response = transition(&app, &token, &id, action).await;
        let body = assert_problem(response, 409, "transition_not_allowed").await;
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains("published"), "{detail}");
    }

    let body: Value = transition(&app, &token, &id, "start")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "ongoing");
    for action in ["publish", "start"] {
        let response = transition(&app, &token, &id, action).await;
        assert_problem(response, 409, "transition_not_allowed").await;
    }

    // Completing needs a session: delete the only one, try, then add one back.
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/sessions/{}", id_of(&session))))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let response = transition(&app, &token, &id, "complete").await;
    assert_problem(response, 409, "event_has_no_sessions").await;
    assert_eq!(event_row(&app, &id).0, "ongoing");
    add_session(&app, &token, &id, json!({})).await;

    let body: Value = transition(&app, &token, &id, "complete")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "completed");
    for action in ["publish", "start", "complete", "cancel"] {
        let response = transition(&app, &token, &id, action).await;
        let body = assert_problem(response, 409, "transition_not_allowed").await;
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains("completed"), "{detail}");
    }
    assert_eq!(event_row(&app, &id).0, "completed");
}

/// Today's date in WIB (UTC+7), the office's calendar, as the service computes it.
fn wib_today() -> NaiveDate {
    bimtek_api::domain::certificate::wib_date(chrono::Utc::now())
}

/// A published event from `starts_on` to `ends_on` with one session on its first day, by the token's user.
async fn published_event_on(
    app: &TestApp,
    token: &str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
) -> String {
    let event = create_event(
        app,
        token,
        json!({"starts_on": starts_on, "ends_on": ends_on}),
    )
    .await;
    let id = id_of(&event);
    add_session(
        app,
        token,
        &id,
        json!({"starts_at": format!("{starts_on}T08:00:00+07:00"),
               "ends_at": format!("{starts_on}T09:30:00+07:00")}),
    )
    .await;
    assert_eq!(transition(app, token, &id, "publish").await.status(), 200);
    id
}

#[tokio::test]
async fn a_future_event_can_be_neither_started_nor_completed_and_the_refusal_names_the_day() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Organizer).await;
    let starts_on = wib_today() + Duration::days(30);
    let ends_on = starts_on + Duration::days(2);
    let id = published_event_on(&app, &token, starts_on, ends_on).await;

    let response = transition(&app, &token, &id, "start").await;
    let body = assert_problem(response, 409, "event_not_started_yet").await;
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains(&starts_on.to_string()), "{detail}");
    assert_eq!(
        body["errors"],
        json!([{"field": "starts_on", "code": "event_not_started_yet", "message": starts_on.to_string()}])
    );
    assert_eq!(event_row(&app, &id).0, "published");
    assert_eq!(event_row(&app, &id).1, 2, "a refused start changes nothing");

    // An event that is ongoing ahead of its dates (as before this rule) still cannot be completed.
    diesel::sql_query(format!(
        "UPDATE events SET status = 'ongoing' WHERE id = '{id}'"
    ))
    .execute(&mut app.db())
    .unwrap();
    let response = transition(&app, &token, &id, "complete").await;
    let body = assert_problem(response, 409, "event_not_ended_yet").await;
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains(&ends_on.to_string()), "{detail}");
    assert_eq!(
        body["errors"],
        json!([{"field": "ends_on", "code": "event_not_ended_yet", "message": ends_on.to_string()}])
    );
    assert_eq!(event_row(&app, &id).0, "ongoing");
}

#[tokio::test]
async fn an_event_starts_on_its_first_day_and_completes_only_from_its_last_day() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Organizer).await;
    let today = wib_today();
    let last_day = today + Duration::days(2);
    let id = published_event_on(&app, &token, today, last_day).await;

    let body: Value = transition(&app, &token, &id, "start")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "ongoing");

    let response = transition(&app, &token, &id, "complete").await;
    let body = assert_problem(response, 409, "event_not_ended_yet").await;
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains(&last_day.to_string()), "{detail}");
    assert_eq!(event_row(&app, &id).0, "ongoing");

    // The same event a day later is no different from one whose last day is today: move the dates back two days.
    let response = patch_event(
        &app,
        &token,
        &id,
        json!({"starts_on": today - Duration::days(2), "ends_on": today}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: Value = transition(&app, &token, &id, "complete")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "completed");
}

#[tokio::test]
async fn an_event_recorded_after_the_fact_is_started_and_completed_long_after_its_days() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let starts_on = wib_today() - Duration::days(40);
    let id = published_event_on(&app, &token, starts_on, starts_on + Duration::days(1)).await;
    for (action, status) in [("start", "ongoing"), ("complete", "completed")] {
        let body: Value = transition(&app, &token, &id, action)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["status"], status);
    }
}

#[tokio::test]
async fn an_event_can_be_cancelled_from_draft_published_or_ongoing_but_not_twice() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    for steps in [&[][..], &["publish"][..], &["publish", "start"][..]] {
        let event = create_event(&app, &token, json!({})).await;
        let id = id_of(&event);
        add_session(&app, &token, &id, json!({})).await;
        for step in steps {
            assert_eq!(transition(&app, &token, &id, step).await.status(), 200);
        }
        let body: Value = transition(&app, &token, &id, "cancel")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(body["status"], "cancelled", "after {steps:?}");
        for action in ["cancel", "publish", "start", "complete"] {
            let response = transition(&app, &token, &id, action).await;
            assert_problem(response, 409, "transition_not_allowed").await;
        }
    }
}

#[tokio::test]
async fn a_final_event_cannot_be_edited_but_can_be_archived_and_then_leaves_the_list() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Organizer).await;
    let event = create_event(&app, &token, json!({"title": "Bimtek yang dibatalkan"})).await;
    let id = id_of(&event);

    let response = patch_event(&app, &token, &id, json!({"archived": true})).await;
    assert_problem(response, 409, "event_not_final").await;

    assert_eq!(transition(&app, &token, &id, "cancel").await.status(), 200);
    for body in [
        json!({"title": "Changed"}),
        json!({"capacity": 10}),
        json!({"title": "Changed", "archived": true}),
    ] {
        let response = patch_event(&app, &token, &id, body).await;
        assert_problem(response, 409, "event_not_editable").await;
    }
    assert_eq!(event_row(&app, &id).2, "Bimtek yang dibatalkan");

    let response = patch_event(&app, &token, &id, json!({"archived": true})).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body["archived_at"].is_string(), "{body}");
    assert_eq!(body["version"], 3);

    let (_, list) = get_json(&app, &token, "/api/v1/events").await;
    assert_eq!(list["total"], 0);
    let (_, list) = get_json(&app, &token, "/api/v1/events?include_archived=true").await;
    assert_eq!(list["total"], 1);
    let (status, _) = get_json(&app, &token, &format!("/api/v1/events/{id}")).await;
    assert_eq!(status, 200, "an archived event can still be read");

    let response = patch_event(&app, &token, &id, json!({"archived": false})).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["archived_at"], Value::Null);
}

#[tokio::test]
async fn the_roles_without_rights_and_organizers_of_other_events_cannot_write_an_event() {
    let app = spawn_app().await;
    let (_, owner) = app.user_with_token(Role::Organizer).await;
    let event = create_event(&app, &owner, json!({})).await;
    let id = id_of(&event);
    add_session(&app, &owner, &id, json!({})).await;
    let published = create_event(&app, &owner, json!({})).await;
    let published_id = id_of(&published);
    add_session(&app, &owner, &published_id, json!({})).await;
    assert_eq!(
        transition(&app, &owner, &published_id, "publish")
            .await
            .status(),
        200
    );
    let unit = app.seed_unit("LAPAS-PALANGKA");

    let before = app.count("events");
    for role in [
        Role::Organizer,
        Role::UnitOperator,
        Role::Facilitator,
        Role::Participant,
    ] {
        let (_, token) = app.user_with_token(role).await;
        for target in [&id, &published_id] {
            let path = app.url(&format!("/api/v1/events/{target}"));
            let mut requests = vec![
                app.client
                    .patch(&path)
                    .json(&json!({"title": "Taken over"})),
                app.client.delete(&path),
            ];
            for action in ["publish", "start", "complete", "cancel"] {
                requests.push(app.client.post(format!("{path}/{action}")));
            }
            for request in requests {
                let response = request.bearer_auth(&token).send().await.unwrap();
                let body = assert_problem(response, 403, "forbidden").await;
                assert!(body.get("capacity").is_none() && body.get("organizer_ids").is_none());
            }
        }
        if role != Role::Organizer {
            let response = post_event(&app, &token, &event_body(unit, json!({}))).await;
            assert_problem(response, 403, "forbidden").await;
        }
    }
    assert_eq!(app.count("events"), before);
    assert_eq!(event_row(&app, &id).0, "draft");
    assert_eq!(event_row(&app, &id).1, 1);
    assert_eq!(event_row(&app, &published_id).0, "published");
    assert_eq!(event_row(&app, &published_id).1, 2);
}

#[tokio::test]
async fn organizer_ids_are_set_by_administrators_only_and_grant_management() {
    let app = spawn_app().await;
    let (admin, admin_token) = app.user_with_token(Role::Admin).await;
    let (colleague, colleague_token) = app.user_with_token(Role::Organizer).await;
    let (_, organizer_token) = app.user_with_token(Role::Organizer).await;
    let facilitator = app.seed_user(Role::Facilitator);
    let unit = app.seed_unit("RUTAN-PALANGKA");

    let response = post_event(
        &app,
        &organizer_token,
        &event_body(unit, json!({"organizer_ids": [colleague.id]})),
    )
    .await;
    assert_problem(response, 403, "forbidden").await;

    let response = post_event(
        &app,
        &admin_token,
        &event_body(unit, json!({"organizer_ids": [facilitator.id]})),
    )
    .await;
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&body), ["organizer_ids"]);
    assert_eq!(body["errors"][0]["code"], "invalid_role");

    let response = post_event(
        &app,
        &admin_token,
        &event_body(unit, json!({"organizer_ids": [colleague.id]})),
    )
    .await;
    assert_eq!(response.status(), 201);
    let event: Value = response.json().await.unwrap();
    let id = id_of(&event);
    let mut expected = vec![admin.id.to_string(), colleague.id.to_string()];
    expected.sort();
    assert_eq!(event["organizer_ids"], json!(expected));

    // The colleague manages it now; another organizer does not, and may not add themselves.
    let response = patch_event(&app, &colleague_token, &id, json!({"capacity": 30})).await;
    assert_eq!(response.status(), 200);
    let response = patch_event(&app, &colleague_token, &id, json!({"organizer_ids": []})).await;
    assert_problem(response, 403, "forbidden").await;
    let (status, _) = get_json(&app, &organizer_token, &format!("/api/v1/events/{id}")).await;
    assert_eq!(status, 404, "a draft of others is invisible");

    let response = patch_event(&app, &admin_token, &id, json!({"organizer_ids": []})).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["organizer_ids"], json!([]));
    let response = patch_event(&app, &colleague_token, &id, json!({"capacity": 31})).await;
    assert_problem(response, 403, "forbidden").await;
}

#[tokio::test]
async fn drafts_are_invisible_to_everyone_but_their_managers() {
    let app = spawn_app().await;
    let (_, owner) = app.user_with_token(Role::Organizer).await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let draft = create_event(&app, &owner, json!({"title": "Draft event"})).await;
    let draft_id = id_of(&draft);
    let public = create_event(&app, &owner, json!({"title": "Public event"})).await;
    let public_id = id_of(&public);
    add_session(&app, &owner, &public_id, json!({})).await;
    assert_eq!(
        transition(&app, &owner, &public_id, "publish")
            .await
            .status(),
        200
    );

    for role in [
        Role::Participant,
        Role::UnitOperator,
        Role::Facilitator,
        Role::Organizer,
    ] {
        let (_, token) = app.user_with_token(role).await;
        let (status, body) = get_json(&app, &token, &format!("/api/v1/events/{draft_id}")).await;
        assert_eq!(status, 404, "{role}");
        assert_eq!(body["code"], "not_found");
        assert!(body.get("capacity").is_none() && !body.to_string().contains("Draft event"));
        let (_, list) = get_json(&app, &token, "/api/v1/events").await;
        assert_eq!(list["total"], 1, "{role}");
        assert_eq!(list["items"][0]["id"], public_id);
        let (_, list) = get_json(&app, &token, "/api/v1/events?status=draft").await;
        assert_eq!(list["total"], 0, "{role}");
        let (status, body) = get_json(&app, &token, &format!("/api/v1/events/{public_id}")).await;
        assert_eq!(
            (status, body["title"].as_str()),
            (200, Some("Public event"))
        );
    }
    for token in [&owner, &admin] {
        let (status, _) = get_json(&app, token, &format!("/api/v1/events/{draft_id}")).await;
        assert_eq!(status, 200);
        let (_, list) = get_json(&app, token, "/api/v1/events").await;
        assert_eq!(list["total"], 2);
    }
    let (status, _) = get_json(&app, &admin, &format!("/api/v1/events/{}", Uuid::new_v4())).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn stale_if_match_is_refused_on_patch_transitions_and_delete() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Organizer).await;
    let event = create_event(&app, &token, json!({})).await;
    let id = id_of(&event);
    add_session(&app, &token, &id, json!({})).await;
    let path = app.url(&format!("/api/v1/events/{id}"));

    let response = app
        .client
        .patch(&path)
        .bearer_auth(&token)
        .header("if-match", "\"1\"")
        .json(&json!({"capacity": 50}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");

    let stale = [
        app.client.patch(&path).json(&json!({"capacity": 60})),
        app.client.post(format!("{path}/publish")),
        app.client.post(format!("{path}/cancel")),
        app.client.delete(&path),
    ];
    for request in stale {
        let response = request
            .bearer_auth(&token)
            .header("if-match", "\"1\"")
            .send()
            .await
            .unwrap();
        assert_problem(response, 412, "precondition_failed").await;
    }
    let (_, body) = get_json(&app, &token, &format!("/api/v1/events/{id}")).await;
    assert_eq!(
        (
            body["capacity"].as_i64(),
            body["status"].as_str(),
            body["version"].as_i64()
        ),
        (Some(50), Some("draft"), Some(2))
    );

    let response = app
        .client
        .post(format!("{path}/publish"))
        .bearer_auth(&token)
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"3\"");
}

#[tokio::test]
async fn read_only_and_null_fields_in_a_patch_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let event = create_event(&app, &token, json!({})).await;
    let id = id_of(&event);
    for field in [
        "status",
        "version",
        "approved_count",
        "session_count",
        "id",
        "created_at",
        "archived_at",
    ] {
        let response = patch_event(&app, &token, &id, json!({ field: 5, "capacity": 7 })).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), [field]);
        assert_eq!(problem["errors"][0]["code"], "unknown_field");
    }
    let cases = [
        (
            json!({"title": null, "capacity": null}),
            vec!["capacity", "title"],
        ),
        (json!({"capacity": 0}), vec!["capacity"]),
        (
            json!({"attendance_threshold": 101}),
            vec!["attendance_threshold"],
        ),
        (json!({"kind": "party"}), vec!["kind"]),
        (
            json!({"starts_on": "2025-08-10", "ends_on": "2025-08-09"}),
            vec!["ends_on"],
        ),
        (json!({"ends_on": "2025-08-01"}), vec!["ends_on"]),
        (
            json!({"host_unit_id": Uuid::new_v4()}),
            vec!["host_unit_id"],
        ),
    ];
    for (body, fields) in cases {
        let response = patch_event(&app, &token, &id, body.clone()).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), fields, "{body}");
    }
    let (_, body) = get_json(&app, &token, &format!("/api/v1/events/{id}")).await;
    assert_eq!(body["version"], 1);
    assert_eq!(body["capacity"], 40);
    assert_eq!(body["status"], "draft");

    // `null` clears a nullable field; a valid change bumps the version.
    let response = patch_event(
        &app,
        &token,
        &id,
        json!({"legal_basis": "W.16-1", "description": "Orientasi", "kind": "closing"}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let response = patch_event(&app, &token, &id, json!({"legal_basis": null})).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["legal_basis"], Value::Null);
    assert_eq!(body["description"], "Orientasi");
    assert_eq!(body["kind"], "closing");
    assert_eq!(body["version"], 3);
}

#[tokio::test]
async fn capacity_cannot_go_below_the_approved_enrollments() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Organizer).await;
    let event = create_event(&app, &token, json!({})).await;
    let id = id_of(&event);
    add_session(&app, &token, &id, json!({})).await;
    assert_eq!(transition(&app, &token, &id, "publish").await.status(), 200);
    seed_enrollment(&app, &id, "approved");
    seed_enrollment(&app, &id, "approved");
    seed_enrollment(&app, &id, "nominated");

    let (_, body) = get_json(&app, &token, &format!("/api/v1/events/{id}")).await;
    assert_eq!(body["approved_count"], 2);
    let (_, list) = get_json(&app, &token, "/api/v1/events").await;
    assert_eq!(list["items"][0]["approved_count"], 2);
    assert_eq!(list["items"][0]["session_count"], 1);

    let response = patch_event(&app, &token, &id, json!({"capacity": 1})).await;
    let body = assert_problem(response, 409, "capacity_below_approved").await;
    assert!(body["detail"].as_str().unwrap().contains('2'));
    assert_eq!(event_row(&app, &id).1, 2);
    let response = patch_event(&app, &token, &id, json!({"capacity": 2})).await;
    assert_eq!(response.status(), 200);

    // An event with enrollments cannot be deleted, even as a draft would be.
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/events/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(response, 409, "in_use").await;
}

#[tokio::test]
async fn new_dates_must_keep_every_session_inside() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Organizer).await;
    let event = create_event(&app, &token, json!({})).await;
    let id = id_of(&event);
    // A session on the second day, 2025-08-03 WIB.
    add_session(
        &app,
        &token,
        &id,
        json!({"starts_at": "2025-08-03T08:00:00+07:00", "ends_at": "2025-08-03T10:00:00+07:00"}),
    )
    .await;
    for body in [
        json!({"ends_on": "2025-08-02"}),
        json!({"starts_on": "2025-08-04", "ends_on": "2025-08-05"}),
    ] {
        let response = patch_event(&app, &token, &id, body).await;
        assert_problem(response, 409, "sessions_outside_dates").await;
    }
    assert_eq!(event_row(&app, &id).1, 1);
    let response = patch_event(
        &app,
        &token,
        &id,
        json!({"starts_on": "2025-08-03", "ends_on": "2025-08-03"}),
    )
    .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn only_a_draft_without_sessions_or_enrollments_is_deleted() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Organizer).await;
    let empty = create_event(&app, &token, json!({})).await;
    let with_session = create_event(&app, &token, json!({})).await;
    add_session(&app, &token, &id_of(&with_session), json!({})).await;
    let cancelled = create_event(&app, &token, json!({})).await;
    assert_eq!(
        transition(&app, &token, &id_of(&cancelled), "cancel")
            .await
            .status(),
        200
    );
    let delete = |id: String| {
        app.client
            .delete(app.url(&format!("/api/v1/events/{id}")))
            .bearer_auth(&token)
            .send()
    };
    for event in [&with_session, &cancelled] {
        let response = delete(id_of(event)).await.unwrap();
        assert_problem(response, 409, "in_use").await;
    }
    assert_eq!(app.count("events"), 3);
    let response = delete(id_of(&empty)).await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(app.count("events"), 2);
    let response = delete(id_of(&empty)).await.unwrap();
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn the_list_filters_sorts_and_pages_deterministically() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let kasongan = app.seed_unit("LAPAS-KASONGAN");
    let sampit = app.seed_unit("LAPAS-SAMPIT");
    let specs = [
        ("Orientasi Lapangan", "orientation", kasongan, "2025-08-02"),
        (
            "Penutupan PM Rehabilitasi",
            "closing",
            kasongan,
            "2025-08-02",
        ),
        ("Workshop Asesmen", "workshop", sampit, "2025-09-10"),
        ("Penyegaran Petugas", "refresher", sampit, "2025-07-01"),
    ];
    let mut ids = Vec::new();
    for (title, kind, unit, day) in specs {
        let response = post_event(
            &app,
            &token,
            &event_body(
                unit,
                json!({"title": title, "kind": kind, "starts_on": day, "ends_on": day}),
            ),
        )
        .await;
        assert_eq!(response.status(), 201);
        ids.push(id_of(&response.json().await.unwrap()));
    }
    let titles = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let get = |query: &str| {
        let path = format!("/api/v1/events?{query}");
        let (app, token) = (&app, &token);
        async move { get_json(app, token, &path).await }
    };

    let (_, all) = get("").await;
    assert_eq!(all["total"], 4);
    assert_eq!(all["limit"], 20);
    let dates: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["starts_on"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        ["2025-07-01", "2025-08-02", "2025-08-02", "2025-09-10"]
    );

    let (_, by_title) = get("sort=title").await;
    assert_eq!(
        titles(&by_title),
        [
            "Orientasi Lapangan",
            "Penutupan PM Rehabilitasi",
            "Penyegaran Petugas",
            "Workshop Asesmen"
        ]
    );
    let (_, page) = get("sort=-title&limit=2&offset=1").await;
    assert_eq!(
        titles(&page),
        ["Penyegaran Petugas", "Penutupan PM Rehabilitasi"]
    );
    assert_eq!(page["total"], 4);
    let (_, first) = get("sort=-starts_on&limit=1").await;
    assert_eq!(titles(&first), ["Workshop Asesmen"]);
    // Same start date: the id breaks the tie, the same way in both directions.
    let (_, asc) = get("starts_from=2025-08-02&starts_to=2025-08-02").await;
    let (_, desc) = get("starts_from=2025-08-02&starts_to=2025-08-02&sort=-starts_on").await;
    let mut asc_ids: Vec<Value> = asc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    let desc_ids: Vec<Value> = desc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    assert_eq!(asc_ids.len(), 2);
    asc_ids.reverse();
    assert_eq!(asc_ids, desc_ids);

    // Counts are per event.
    add_session(&app, &token, &ids[1], json!({})).await;
    add_session(
        &app,
        &token,
        &ids[1],
        json!({"starts_at": "2025-08-02T13:00:00+07:00",
        "ends_at": "2025-08-02T14:00:00+07:00"}),
    )
    .await;
    let (_, counted) = get("sort=title").await;
    let counts: Vec<i64> = counted["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["session_count"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, [0, 2, 0, 0]);

    let (_, closing) = get("kind=closing").await;
    assert_eq!(titles(&closing), ["Penutupan PM Rehabilitasi"]);
    let (_, at_sampit) = get(&format!("host_unit_id={sampit}&sort=starts_on")).await;
    assert_eq!(
        titles(&at_sampit),
        ["Penyegaran Petugas", "Workshop Asesmen"]
    );
    let (_, searched) = get("q=REHABILITASI").await;
    assert_eq!(titles(&searched), ["Penutupan PM Rehabilitasi"]);
    let (_, none) = get("q=%25").await;
    assert_eq!(none["total"], 0, "wildcards in q are literal");
    let (_, from) = get("starts_from=2025-08-03").await;
    assert_eq!(titles(&from), ["Workshop Asesmen"]);
    let (_, drafts) = get("status=draft").await;
    assert_eq!(drafts["total"], 4);
    let (_, published) = get("status=published").await;
    assert_eq!(published["total"], 0);
    let (_, by_program) = get(&format!("program_id={}", Uuid::new_v4())).await;
    assert_eq!(by_program["total"], 0);

    for query in [
        "sort=capacity",
        "status=open",
        "kind=party",
        "starts_from=2025-13-01",
        "starts_from=2025-08-02&starts_to=2025-08-01",
        "limit=101",
        "q=",
    ] {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/events?{query}")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_problem(response, 400, "invalid_query").await;
    }
}
