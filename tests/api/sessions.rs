//! `/api/v1/events/{id}/sessions` and `/api/v1/sessions/{id}`: times, JP, kinds, facilitators, authorization.

use bimtek_api::domain::role::Role;
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::events::{add_session, create_event, get_json, id_of, seed_enrollment, transition};
use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

async fn post_session(
    app: &TestApp,
    token: &str,
    event_id: &str,
    body: &Value,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/events/{event_id}/sessions")))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn patch_session(app: &TestApp, token: &str, id: &str, body: Value) -> reqwest::Response {
    app.client
        .patch(app.url(&format!("/api/v1/sessions/{id}")))
        .bearer_auth(token)
        .header("content-type", "application/merge-patch+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

fn session_body(changes: Value) -> Value {
    let mut body = json!({
        "kind": "morning_meeting",
        "title": "Morning meeting",
        "starts_at": "2025-08-02T08:00:00+07:00",
        "ends_at": "2025-08-02T09:30:00+07:00"
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

fn session_version(app: &TestApp, id: &str) -> i32 {
    use bimtek_api::schema::sessions;
    sessions::table
        .find(Uuid::parse_str(id).unwrap())
        .select(sessions::version)
        .first(&mut app.db())
        .unwrap()
}

#[tokio::test]
async fn a_session_gets_its_jp_from_the_duration_unless_given() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Organizer).await;
    let facilitator = app.seed_user(Role::Facilitator);
    let event = create_event(&app, &token, json!({})).await;
    let event_id = id_of(&event);

    let response = post_session(
        &app,
        &token,
        &event_id,
        &session_body(json!({"facilitator_ids": [facilitator.id], "location": " Aula "})),
    )
    .await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/sessions/{}", id_of(&body)));
    assert_eq!(body["jp"], 2, "90 minutes at 45 minutes a JP");
    assert_eq!(body["event_id"], event_id);
    assert_eq!(body["kind"], "morning_meeting");
    assert_eq!(body["location"], "Aula");
    assert_eq!(body["starts_at"], "2025-08-02T01:00:00Z");
    assert_eq!(body["ends_at"], "2025-08-02T02:30:00Z");
    assert_eq!(body["facilitator_ids"], json!([facilitator.id]));
    assert_eq!(body["version"], 1);
    let (status, fetched) = get_json(&app, &token, &location).await;
    assert_eq!(status, 200);
    assert_eq!(fetched, body);

    // 89 minutes: one JP; an explicit JP wins over the duration.
    let short = add_session(
        &app,
        &token,
        &event_id,
        json!({"starts_at": "2025-08-02T10:00:00+07:00", "ends_at": "2025-08-02T11:29:00+07:00"}),
    )
    .await;
    assert_eq!(short["jp"], 1);
    let explicit = add_session(
        &app,
        &token,
        &event_id,
        json!({"kind": "closing", "starts_at": "2025-08-02T06:00:00+07:00",
               "ends_at": "2025-08-02T06:30:00+07:00", "jp": 3}),
    )
    .await;
    assert_eq!(explicit["jp"], 3);

    // Listed in time order, with the count on the event.
    let (_, list) = get_json(&app, &token, &format!("/api/v1/events/{event_id}/sessions")).await;
    assert_eq!(list["total"], 3);
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            explicit["id"].as_str().unwrap(),
            body["id"].as_str().unwrap(),
            short["id"].as_str().unwrap()
        ]
    );
    let (_, desc) = get_json(
        &app,
        &token,
        &format!("/api/v1/events/{event_id}/sessions?sort=-starts_at&limit=1"),
    )
    .await;
    assert_eq!(desc["items"][0]["id"], short["id"]);
    let (_, closing) = get_json(
        &app,
        &token,
        &format!("/api/v1/events/{event_id}/sessions?kind=closing"),
    )
    .await;
    assert_eq!(closing["total"], 1);
    let (_, event) = get_json(&app, &token, &format!("/api/v1/events/{event_id}")).await;
    assert_eq!(event["session_count"], 3);
}

#[tokio::test]
async fn invalid_sessions_are_refused_with_every_field_named_and_nothing_written() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let participant = app.seed_user(Role::Participant);
    let operator = app.seed_user(Role::UnitOperator);
    // The event runs 2025-08-02..2025-08-03 (WIB).
    let event = create_event(&app, &token, json!({})).await;
    let event_id = id_of(&event);
    let cases = [
        (
            json!({"starts_at": "2025-08-01T16:59:00Z", "ends_at": "2025-08-01T18:00:00Z"}),
            vec!["starts_at"],
            "outside_event_dates",
        ),
        (
            json!({"starts_at": "2025-08-03T23:00:00+07:00", "ends_at": "2025-08-04T00:30:00+07:00"}),
            vec!["ends_at"],
            "outside_event_dates",
        ),
        (
            json!({"starts_at": "2025-08-05T08:00:00+07:00", "ends_at": "2025-08-05T09:00:00+07:00"}),
            vec!["ends_at", "starts_at"],
            "outside_event_dates",
        ),
        (
            json!({"starts_at": "2025-08-02T09:00:00+07:00", "ends_at": "2025-08-02T09:00:00+07:00"}),
            vec!["ends_at"],
            "out_of_range",
        ),
        (
            json!({"starts_at": "2025-08-02T10:00:00+07:00", "ends_at": "2025-08-02T09:00:00+07:00"}),
            vec!["ends_at"],
            "out_of_range",
        ),
        (json!({"kind": "karaoke"}), vec!["kind"], "invalid_value"),
        (json!({"kind": "Seminar!"}), vec!["kind"], "invalid_format"),
        (
            json!({"facilitator_ids": [Uuid::new_v4()]}),
            vec!["facilitator_ids"],
            "unknown_reference",
        ),
        (
            json!({"facilitator_ids": [participant.id, operator.id]}),
            vec!["facilitator_ids"],
            "invalid_role",
        ),
        (json!({"jp": 101}), vec!["jp"], "out_of_range"),
        (json!({"jp": -1}), vec!["jp"], "out_of_range"),
        (json!({"title": " "}), vec!["title"], "required"),
        (
            json!({"location": "x".repeat(301)}),
            vec!["location"],
            "too_long",
        ),
        (
            json!({"starts_at": "2025-08-02 08:00"}),
            vec!["starts_at"],
            "invalid_value",
        ),
        (json!({"title": null}), vec!["title"], "required"),
        (
            json!({"event_id": event_id}),
            vec!["event_id"],
            "unknown_field",
        ),
    ];
    for (changes, fields, code) in cases {
        let response = post_session(&app, &token, &event_id, &session_body(changes.clone())).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), fields, "{changes}");
        assert_eq!(problem["errors"][0]["code"], code, "{changes}");
    }
    // The unknown kind lists the allowed codes.
    let response = post_session(
        &app,
        &token,
        &event_id,
        &session_body(json!({"kind": "karaoke"})),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("morning_meeting") && message.contains("group_therapy"),
        "{message}"
    );
    assert_eq!(app.count("sessions"), 0);
    assert_eq!(app.count("session_facilitators"), 0);

    // Exactly on the bounds of the event's days in WIB is inside.
    let edge = add_session(
        &app,
        &token,
        &event_id,
        json!({"starts_at": "2025-08-01T17:00:00Z", "ends_at": "2025-08-01T18:00:00Z"}),
    )
    .await;
    assert_eq!(edge["starts_at"], "2025-08-01T17:00:00Z");
    add_session(
        &app,
        &token,
        &event_id,
        json!({"starts_at": "2025-08-03T23:00:00+07:00", "ends_at": "2025-08-04T00:00:00+07:00"}),
    )
    .await;

    let response = post_session(
        &app,
        &token,
        &Uuid::new_v4().to_string(),
        &session_body(json!({})),
    )
    .await;
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn a_facilitator_cannot_lead_two_overlapping_sessions_in_any_event() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let facilitator = app.seed_user(Role::Facilitator);
    let organizer = app.seed_user(Role::Organizer);
    let other = app.seed_user(Role::Facilitator);
    let first = id_of(&create_event(&app, &token, json!({})).await);
    let second = id_of(&create_event(&app, &token, json!({})).await);
    add_session(
        &app,
        &token,
        &first,
        json!({"facilitator_ids": [facilitator.id, organizer.id],
               "starts_at": "2025-08-02T08:00:00+07:00", "ends_at": "2025-08-02T10:00:00+07:00"}),
    )
    .await;

    for (event, starts_at, ends_at) in [
        (
            &first,
            "2025-08-02T09:00:00+07:00",
            "2025-08-02T11:00:00+07:00",
        ),
        (
            &second,
            "2025-08-02T07:00:00+07:00",
            "2025-08-02T08:01:00+07:00",
        ),
        (
            &second,
            "2025-08-02T08:30:00+07:00",
            "2025-08-02T09:00:00+07:00",
        ),
        (
            &second,
            "2025-08-02T07:00:00+07:00",
            "2025-08-02T12:00:00+07:00",
        ),
    ] {
        let response = post_session(
            &app,
            &token,
            event,
            &session_body(json!({"facilitator_ids": [other.id, facilitator.id],
                                 "starts_at": starts_at, "ends_at": ends_at})),
        )
        .await;
        let body = assert_problem(response, 409, "facilitator_busy").await;
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains(&facilitator.id.to_string()), "{detail}");
        assert!(!detail.contains(&other.id.to_string()), "{detail}");
    }
    assert_eq!(app.count("sessions"), 1);

    // Back-to-back sessions are fine, before and after.
    for (starts_at, ends_at) in [
        ("2025-08-02T10:00:00+07:00", "2025-08-02T11:00:00+07:00"),
        ("2025-08-02T07:00:00+07:00", "2025-08-02T08:00:00+07:00"),
    ] {
        add_session(
            &app,
            &token,
            &second,
            json!({"facilitator_ids": [facilitator.id], "starts_at": starts_at, "ends_at": ends_at}),
        )
        .await;
    }
    // Another facilitator at the same time is fine too.
    add_session(
        &app,
        &token,
        &second,
        json!({"facilitator_ids": [other.id],
        "starts_at": "2025-08-02T08:00:00+07:00", "ends_at": "2025-08-02T10:00:00+07:00"}),
    )
    .await;

    // Sessions of a cancelled event no longer hold their facilitators.
    assert_eq!(
        transition(&app, &token, &first, "cancel").await.status(),
        200
    );
    add_session(
        &app,
        &token,
        &second,
        json!({"facilitator_ids": [organizer.id],
        "starts_at": "2025-08-02T09:00:00+07:00", "ends_at": "2025-08-02T09:30:00+07:00"}),
    )
    .await;
}

#[tokio::test]
async fn a_patch_is_checked_like_a_creation_and_derives_the_jp_again() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Organizer).await;
    let facilitator = app.seed_user(Role::Facilitator);
    let event_id = id_of(&create_event(&app, &token, json!({})).await);
    let busy = add_session(
        &app,
        &token,
        &event_id,
        json!({"facilitator_ids": [facilitator.id],
        "starts_at": "2025-08-02T13:00:00+07:00", "ends_at": "2025-08-02T14:00:00+07:00"}),
    )
    .await;
    let session = add_session(&app, &token, &event_id, json!({})).await;
    let id = id_of(&session);
    assert_eq!(session["jp"], 2);

    let response = patch_session(
        &app,
        &token,
        &id,
        json!({"ends_at": "2025-08-02T10:15:00+07:00"}),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["jp"], 3, "135 minutes");
    let response = patch_session(
        &app,
        &token,
        &id,
        json!({"title": "Seminar TC", "location": "Aula"}),
    )
    .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["jp"].as_i64(), body["title"].as_str()),
        (Some(3), Some("Seminar TC"))
    );
    let response = patch_session(&app, &token, &id, json!({"jp": 4, "location": null})).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["jp"].as_i64(), body["location"].clone()),
        (Some(4), Value::Null)
    );
    assert_eq!(body["version"], 4);

    let cases = [
        (
            json!({"ends_at": "2025-08-02T07:00:00+07:00"}),
            vec!["ends_at"],
        ),
        (
            json!({"starts_at": "2025-08-04T07:00:00+07:00", "ends_at": "2025-08-04T08:00:00+07:00"}),
            vec!["ends_at", "starts_at"],
        ),
        (json!({"kind": "karaoke"}), vec!["kind"]),
        (json!({"kind": null, "jp": 101}), vec!["jp", "kind"]),
        (json!({"event_id": Uuid::new_v4()}), vec!["event_id"]),
        (json!({"version": 9}), vec!["version"]),
        (json!({"id": Uuid::new_v4()}), vec!["id"]),
    ];
    for (body, fields) in cases {
        let response = patch_session(&app, &token, &id, body.clone()).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), fields, "{body}");
    }
    let response = patch_session(
        &app,
        &token,
        &id,
        json!({"facilitator_ids": [facilitator.id],
        "starts_at": "2025-08-02T12:00:00+07:00", "ends_at": "2025-08-02T13:30:00+07:00"}),
    )
    .await;
    let problem = assert_problem(response, 409, "facilitator_busy").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&facilitator.id.to_string())
    );
    // The session does not collide with itself.
    let response = patch_session(
        &app,
        &token,
        &id_of(&busy),
        json!({"ends_at": "2025-08-02T14:30:00+07:00"}),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        session_version(&app, &id),
        4,
        "refused patches changed nothing"
    );

    let response = app
        .client
        .patch(app.url(&format!("/api/v1/sessions/{id}")))
        .bearer_auth(&token)
        .header("if-match", "\"3\"")
        .json(&json!({"title": "Stale"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 412, "precondition_failed").await;
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/sessions/{id}")))
        .bearer_auth(&token)
        .header("if-match", "\"4\"")
        .json(&json!({"title": "Fresh"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = patch_session(
        &app,
        &token,
        &Uuid::new_v4().to_string(),
        json!({"title": "x"}),
    )
    .await;
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn a_session_with_attendance_cannot_be_deleted() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Organizer).await;
    let event_id = id_of(&create_event(&app, &token, json!({})).await);
    let attended = add_session(&app, &token, &event_id, json!({})).await;
    let empty = add_session(
        &app,
        &token,
        &event_id,
        json!({"starts_at": "2025-08-02T13:00:00+07:00",
        "ends_at": "2025-08-02T14:00:00+07:00"}),
    )
    .await;
    let (participant, enrollment) = seed_enrollment(&app, &event_id, "approved");
    {
        use bimtek_api::schema::attendance;
        diesel::insert_into(attendance::table)
            .values((
                attendance::session_id.eq(Uuid::parse_str(&id_of(&attended)).unwrap()),
                attendance::enrollment_id.eq(enrollment),
                attendance::participant_id.eq(participant),
                attendance::status.eq("present"),
                attendance::method.eq("manual"),
            ))
            .execute(&mut app.db())
            .unwrap();
    }
    let delete = |id: String, if_match: &'static str| {
        app.client
            .delete(app.url(&format!("/api/v1/sessions/{id}")))
            .bearer_auth(&token)
            .header("if-match", if_match)
            .send()
    };
    let response = delete(id_of(&attended), "*").await.unwrap();
    assert_problem(response, 409, "in_use").await;
    let response = delete(id_of(&empty), "\"2\"").await.unwrap();
    assert_problem(response, 412, "precondition_failed").await;
    assert_eq!(app.count("sessions"), 2);
    let response = delete(id_of(&empty), "\"1\"").await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(app.count("sessions"), 1);
    let (status, _) = get_json(&app, &token, &format!("/api/v1/sessions/{}", id_of(&empty))).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn sessions_of_a_completed_or_cancelled_event_cannot_change() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    for final_steps in [&["publish", "start", "complete"][..], &["cancel"][..]] {
        let event_id = id_of(&create_event(&app, &token, json!({})).await);
        let session = add_session(&app, &token, &event_id, json!({})).await;
        for step in final_steps {
            assert_eq!(
                transition(&app, &token, &event_id, step).await.status(),
                200
            );
        }
        let response = post_session(&app, &token, &event_id, &session_body(json!({}))).await;
        assert_problem(response, 409, "event_not_editable").await;
        let response = patch_session(
            &app,
            &token,
            &id_of(&session),
            json!({"title": "Late change"}),
        )
        .await;
        assert_problem(response, 409, "event_not_editable").await;
        let response = app
            .client
            .delete(app.url(&format!("/api/v1/sessions/{}", id_of(&session))))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_problem(response, 409, "event_not_editable").await;
        assert_eq!(session_version(&app, &id_of(&session)), 1);
    }
    assert_eq!(app.count("sessions"), 2);
}

#[tokio::test]
async fn only_managers_of_the_event_write_sessions() {
    let app = spawn_app().await;
    let (_, owner) = app.user_with_token(Role::Organizer).await;
    let event_id = id_of(&create_event(&app, &owner, json!({})).await);
    let session = add_session(&app, &owner, &event_id, json!({})).await;
    let session_path = format!("/api/v1/sessions/{}", id_of(&session));
    for role in [
        Role::Organizer,
        Role::UnitOperator,
        Role::Facilitator,
        Role::Participant,
    ] {
        let (_, token) = app.user_with_token(role).await;
        let requests = [
            app.client
                .post(app.url(&format!("/api/v1/events/{event_id}/sessions")))
                .json(&session_body(json!({}))),
            app.client
                .patch(app.url(&session_path))
                .json(&json!({"title": "Taken over"})),
            app.client.delete(app.url(&session_path)),
        ];
        for request in requests {
            let response = request.bearer_auth(&token).send().await.unwrap();
            let body = assert_problem(response, 403, "forbidden").await;
            assert!(
                body.get("starts_at").is_none() && body.get("errors").is_none(),
                "{role}: {body}"
            );
        }
    }
    assert_eq!(app.count("sessions"), 1);
    assert_eq!(session_version(&app, &id_of(&session)), 1);
}

#[tokio::test]
async fn sessions_of_a_draft_are_seen_only_by_its_managers_and_of_others_by_everyone() {
    let app = spawn_app().await;
    let (_, owner) = app.user_with_token(Role::Organizer).await;
    let (facilitator, facilitator_token) = app.user_with_token(Role::Facilitator).await;
    let draft_id = id_of(&create_event(&app, &owner, json!({})).await);
    let draft_session = add_session(
        &app,
        &owner,
        &draft_id,
        json!({"facilitator_ids": [facilitator.id]}),
    )
    .await;
    let public_id = id_of(&create_event(&app, &owner, json!({})).await);
    let public_session = add_session(&app, &owner, &public_id, json!({})).await;
    assert_eq!(
        transition(&app, &owner, &public_id, "publish")
            .await
            .status(),
        200
    );

    let mut readers = vec![facilitator_token];
    for role in [Role::Participant, Role::UnitOperator, Role::Organizer] {
        readers.push(app.user_with_token(role).await.1);
    }
    for token in &readers {
        for path in [
            format!("/api/v1/events/{draft_id}/sessions"),
            format!("/api/v1/sessions/{}", id_of(&draft_session)),
        ] {
            let (status, body) = get_json(&app, token, &path).await;
            assert_eq!(status, 404, "{path}");
            assert!(body.get("items").is_none() && body.get("starts_at").is_none());
        }
        let (status, list) =
            get_json(&app, token, &format!("/api/v1/events/{public_id}/sessions")).await;
        assert_eq!(status, 200);
        assert_eq!(list["total"], 1);
        let (status, body) = get_json(
            &app,
            token,
            &format!("/api/v1/sessions/{}", id_of(&public_session)),
        )
        .await;
        assert_eq!(
            (status, body["id"].clone()),
            (200, public_session["id"].clone())
        );
    }
    let (status, list) =
        get_json(&app, &owner, &format!("/api/v1/events/{draft_id}/sessions")).await;
    assert_eq!((status, list["total"].as_i64()), (200, Some(1)));
    let (status, _) = get_json(
        &app,
        &owner,
        &format!("/api/v1/events/{}/sessions", Uuid::new_v4()),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = get_json(
        &app,
        &owner,
        &format!("/api/v1/events/{draft_id}/sessions?sort=title"),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn concurrent_bookings_of_one_facilitator_let_exactly_one_through() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let facilitator = app.seed_user(Role::Facilitator);
    let mut events = Vec::new();
    for _ in 0..6 {
        events.push(id_of(&create_event(&app, &token, json!({})).await));
    }
    let body = session_body(json!({"facilitator_ids": [facilitator.id]}));
    let requests = events
        .iter()
        .map(|event_id| post_session(&app, &token, event_id, &body));
    let statuses: Vec<u16> = futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(app.count("sessions"), 1);
}
