//! Enrollments: nomination rules, approval up to capacity and quotas, the waitlist and its promotion, race safety,
//! check-in codes and list scoping by role. The seeding and request helpers are methods of `TestApp` (helpers.rs).

use bimtek_api::domain::role::Role;
use chrono::Utc;
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, ok_json, spawn_app, spawn_app_with};

async fn nominate(app: &TestApp, token: &str, event: Uuid, participant: Uuid) -> reqwest::Response {
    app.send(
        reqwest::Method::POST,
        &format!("/api/v1/events/{event}/enrollments"),
        token,
        Some(json!({"participant_id": participant})),
    )
    .await
}

async fn transition(app: &TestApp, token: &str, id: Uuid, action: &str) -> reqwest::Response {
    app.send(
        reqwest::Method::POST,
        &format!("/api/v1/enrollments/{id}/{action}"),
        token,
        None,
    )
    .await
}

async fn approve(app: &TestApp, token: &str, id: Uuid) -> Value {
    ok_json(transition(app, token, id, "approve").await, 200).await
}

async fn list(app: &TestApp, token: &str, event: Uuid, query: &str) -> reqwest::Response {
    app.send(
        reqwest::Method::GET,
        &format!("/api/v1/events/{event}/enrollments{query}"),
        token,
        None,
    )
    .await
}

fn id_of(body: &Value) -> Uuid {
    body["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn an_operator_nominates_an_officer_of_their_unit_and_the_organizer_approves() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 10);
    let (organizer, org_token) = app.organizer_of(event).await;
    let (operator, op_token) = app.user_with_token(Role::UnitOperator).await;
    let unit = app.unit_of(&operator);
    let (_, officer, officer_token) = app.participant_account(unit, "Dewi Lestari").await;

    let response = nominate(&app, &op_token, event, officer).await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let body: Value = response.json().await.unwrap();
    let id = id_of(&body);
    assert_eq!(location, format!("/api/v1/enrollments/{id}"));
    assert_eq!(body["status"], "nominated");
    assert_eq!(body["event_id"], event.to_string());
    assert_eq!(body["participant_name"], "Dewi Lestari");
    assert_eq!(body["unit_id"], unit.to_string());
    assert_eq!(body["nominated_by"], operator.id.to_string());
    assert!(body["check_in_code"].is_null(), "an operator sees no code");
    assert!(body["waitlist_position"].is_null());

    let approved = approve(&app, &org_token, id).await;
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["decided_by"], organizer.id.to_string());
    assert!(approved["decided_at"].is_string());
    assert_eq!(approved["version"], 2);
    let code = approved["check_in_code"].as_str().unwrap().to_owned();
    assert!(code.len() >= 16, "an unguessable code: {code}");

    let own = ok_json(
        app.send(reqwest::Method::GET, &location, &officer_token, None)
            .await,
        200,
    )
    .await;
    assert_eq!(
        own["check_in_code"],
        code.as_str(),
        "the officer sees their code"
    );
    let seen_by_operator = ok_json(
        app.send(reqwest::Method::GET, &location, &op_token, None)
            .await,
        200,
    )
    .await;
    assert!(seen_by_operator["check_in_code"].is_null());
}

#[tokio::test]
async fn check_in_codes_are_unique_per_enrollment_and_hidden_from_other_roles() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 10);
    let (_, org_token) = app.organizer_of(event).await;
    let (fac, fac_token) = app.user_with_token(Role::Facilitator).await;
    let session = app.seed_session(event, 60, 120, 2);
    app.add_facilitator(session, fac.id);
    let unit = app.seed_unit("LAPAS-SAMPIT");
    let mut codes = Vec::new();
    for name in ["A", "B", "C"] {
        let officer = app.seed_participant(unit, name);
        let body = ok_json(nominate(&app, &org_token, event, officer).await, 201).await;
        let approved = approve(&app, &org_token, id_of(&body)).await;
        codes.push(approved["check_in_code"].as_str().unwrap().to_owned());
        let by_facilitator = ok_json(
            app.send(
                reqwest::Method::GET,
                &format!("/api/v1/enrollments/{}", id_of(&body)),
                &fac_token,
                None,
            )
            .await,
            200,
        )
        .await;
        assert!(by_facilitator["check_in_code"].is_null());
    }
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 3);
    let listed = ok_json(list(&app, &fac_token, event, "").await, 200).await;
    assert_eq!(listed["total"], 3);
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["check_in_code"].is_null())
    );
    let text = listed.to_string();
    assert!(codes.iter().all(|c| !text.contains(c.as_str())));
}

#[tokio::test]
async fn nominating_the_same_officer_twice_is_a_conflict_naming_participant_id() {
    let app = spawn_app().await;
    let event = app.seed_event("draft", 10);
    let (_, token) = app.organizer_of(event).await;
    let officer = app.seed_participant(app.seed_unit("LAPAS-1"), "Budi");
    ok_json(nominate(&app, &token, event, officer).await, 201).await;
    let body = assert_problem(
        nominate(&app, &token, event, officer).await,
        409,
        "already_enrolled",
    )
    .await;
    assert_eq!(error_fields(&body), ["participant_id"]);
    assert_eq!(app.count("enrollments"), 1);
}

#[tokio::test]
async fn an_operator_cannot_nominate_an_officer_of_another_unit() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 10);
    let (_, token) = app.user_with_token(Role::UnitOperator).await;
    let foreign = app.seed_participant(app.seed_unit("LAPAS-OTHER"), "Citra");
    let body = assert_problem(
        nominate(&app, &token, event, foreign).await,
        403,
        "forbidden",
    )
    .await;
    assert!(body.get("participant_name").is_none());
    assert_eq!(app.count("enrollments"), 0);
}

#[tokio::test]
async fn a_participant_nominates_only_themself() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 10);
    let unit = app.seed_unit("LAPAS-2");
    let (user, officer, token) = app.participant_account(unit, "Eko").await;
    let colleague = app.seed_participant(unit, "Fajar");
    assert_problem(
        nominate(&app, &token, event, colleague).await,
        403,
        "forbidden",
    )
    .await;
    let body = ok_json(nominate(&app, &token, event, officer).await, 201).await;
    assert_eq!(body["nominated_by"], user.id.to_string());
    assert!(
        body["check_in_code"].is_string(),
        "the officer sees their own code"
    );
    assert_eq!(app.count("enrollments"), 1);
}

#[tokio::test]
async fn facilitators_and_organizers_of_other_events_cannot_nominate() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 10);
    let officer = app.seed_participant(app.seed_unit("LAPAS-3"), "Gita");
    for role in [Role::Facilitator, Role::Organizer] {
        let (_, token) = app.user_with_token(role).await;
        assert_problem(
            nominate(&app, &token, event, officer).await,
            403,
            "forbidden",
        )
        .await;
    }
    assert_eq!(app.count("enrollments"), 0);
}

#[tokio::test]
async fn nominations_are_closed_unless_the_event_is_draft_or_published() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let officer = app.seed_participant(app.seed_unit("LAPAS-4"), "Hadi");
    for status in ["ongoing", "completed", "cancelled"] {
        let event = app.seed_event(status, 10);
        assert_problem(
            nominate(&app, &token, event, officer).await,
            409,
            "enrollment_closed",
        )
        .await;
    }
    assert_eq!(app.count("enrollments"), 0);
}

#[tokio::test]
async fn unknown_archived_or_erased_officers_and_bad_bodies_are_refused_with_422() {
    use bimtek_api::schema::participants;
    let app = spawn_app().await;
    let event = app.seed_event("published", 10);
    let (_, token) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-5");
    let archived = app.seed_participant(unit, "Indah");
    let erased = app.seed_participant(unit, "Joko");
    diesel::update(participants::table.find(archived))
        .set(participants::archived_at.eq(Some(Utc::now())))
        .execute(&mut app.db())
        .unwrap();
    diesel::update(participants::table.find(erased))
        .set((
            participants::erased_at.eq(Some(Utc::now())),
            participants::nip.eq(None::<String>),
        ))
        .execute(&mut app.db())
        .unwrap();
    let path = format!("/api/v1/events/{event}/enrollments");
    let cases = [
        (json!({"participant_id": archived}), vec!["participant_id"]),
        (json!({"participant_id": erased}), vec!["participant_id"]),
        (
            json!({"participant_id": Uuid::new_v4()}),
            vec!["participant_id"],
        ),
        (
            json!({"participant_id": "not-a-uuid"}),
            vec!["participant_id"],
        ),
        (json!({}), vec!["participant_id"]),
        (
            json!({"participant_id": archived, "status": "approved"}),
            vec!["status"],
        ),
        (
            json!({"participant_id": archived, "note": "x".repeat(1001)}),
            vec!["note"],
        ),
    ];
    for (body, fields) in cases {
        let response = app
            .send(reqwest::Method::POST, &path, &token, Some(body.clone()))
            .await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), fields, "{body}");
    }
    assert_eq!(app.count("enrollments"), 0);
}

#[tokio::test]
async fn a_withdrawn_officer_can_be_nominated_again_reusing_the_row() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 10);
    let (_, token) = app.organizer_of(event).await;
    let officer = app.seed_participant(app.seed_unit("LAPAS-6"), "Kartika");
    let first = ok_json(nominate(&app, &token, event, officer).await, 201).await;
    let id = id_of(&first);
    let withdrawn = ok_json(transition(&app, &token, id, "withdraw").await, 200).await;
    assert_eq!(withdrawn["status"], "withdrawn");
    let again = ok_json(nominate(&app, &token, event, officer).await, 201).await;
    assert_eq!(id_of(&again), id);
    assert_eq!(again["status"], "nominated");
    assert_eq!(again["version"], 3);
    assert_eq!(again["check_in_code"], first["check_in_code"]);
    let rejected = ok_json(transition(&app, &token, id, "reject").await, 200).await;
    assert_eq!(rejected["status"], "rejected");
    let third = ok_json(nominate(&app, &token, event, officer).await, 201).await;
    assert_eq!(third["status"], "nominated");
    assert!(third["decided_by"].is_null());
    assert_eq!(app.count("enrollments"), 1);
}

#[tokio::test]
async fn approvals_fill_the_capacity_and_then_go_to_the_waitlist_in_order() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 2);
    let (_, token) = app.organizer_of(event).await;
    let unit = app.seed_unit("LAPAS-7");
    let mut ids = Vec::new();
    for name in ["A", "B", "C", "D"] {
        let officer = app.seed_participant(unit, name);
        ids.push(id_of(
            &ok_json(nominate(&app, &token, event, officer).await, 201).await,
        ));
    }
    let mut outcomes = Vec::new();
    for id in &ids {
        let body = approve(&app, &token, *id).await;
        outcomes.push((
            body["status"].as_str().unwrap().to_owned(),
            body["waitlist_position"].as_i64(),
        ));
    }
    assert_eq!(
        outcomes,
        [
            ("approved".to_owned(), None),
            ("approved".to_owned(), None),
            ("waitlisted".to_owned(), Some(1)),
            ("waitlisted".to_owned(), Some(2)),
        ]
    );
    // approving a waitlisted officer again while the event is full keeps their place
    let again = approve(&app, &token, ids[3]).await;
    assert_eq!(again["status"], "waitlisted");
    assert_eq!(again["waitlist_position"], 2);
    let waitlist = ok_json(list(&app, &token, event, "?status=waitlisted").await, 200).await;
    let order: Vec<Uuid> = waitlist["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(order, [ids[2], ids[3]]);
    assert_eq!(waitlist["total"], 2);
}

#[tokio::test]
async fn a_unit_quota_limits_the_approvals_of_that_unit() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 10);
    let (_, token) = app.organizer_of(event).await;
    let unit_a = app.seed_unit("LAPAS-A");
    let unit_b = app.seed_unit("LAPAS-B");
    let quotas = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/events/{event}/quotas"),
            &token,
            Some(json!([{"unit_id": unit_a, "quota": 1}])),
        )
        .await;
    let quotas = ok_json(quotas, 200).await;
    assert_eq!(
        quotas,
        json!({"items": [{"unit_id": unit_a, "unit_code": "LAPAS-A", "quota": 1, "approved": 0}]}),
        "a list in an envelope, as every other list"
    );
    let a1 = app.seed_participant(unit_a, "A1");
    let a2 = app.seed_participant(unit_a, "A2");
    let b1 = app.seed_participant(unit_b, "B1");
    let mut statuses = Vec::new();
    for officer in [a1, a2, b1] {
        let id = id_of(&ok_json(nominate(&app, &token, event, officer).await, 201).await);
        statuses.push(
            approve(&app, &token, id).await["status"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(statuses, ["approved", "waitlisted", "approved"]);
    let read = ok_json(
        app.send(
            reqwest::Method::GET,
            &format!("/api/v1/events/{event}/quotas"),
            &token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(read["items"][0]["approved"], 1);
}

#[tokio::test]
async fn withdrawing_an_approved_officer_promotes_the_first_waitlisted_who_fits() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 2);
    let (_, token) = app.organizer_of(event).await;
    let (operator, op_token) = app.user_with_token(Role::UnitOperator).await;
    let unit_a = app.unit_of(&operator);
    let unit_b = app.seed_unit("LAPAS-B");
    ok_json(
        app.send(
            reqwest::Method::PUT,
            &format!("/api/v1/events/{event}/quotas"),
            &token,
            Some(json!([{"unit_id": unit_a, "quota": 1}])),
        )
        .await,
        200,
    )
    .await;
    let mut ids = Vec::new();
    for (unit, name) in [
        (unit_a, "A1"),
        (unit_b, "B1"),
        (unit_a, "A2"),
        (unit_b, "B2"),
        (unit_b, "B3"),
    ] {
        let officer = app.seed_participant(unit, name);
        let id = id_of(&ok_json(nominate(&app, &token, event, officer).await, 201).await);
        approve(&app, &token, id).await;
        ids.push(id);
    }
    let [a1, b1, a2, b2, b3] = ids[..] else {
        unreachable!()
    };
    assert_eq!(app.enrollment_status(a1), "approved");
    assert_eq!(app.enrollment_status(b1), "approved");
    for id in [a2, b2, b3] {
        assert_eq!(app.enrollment_status(id), "waitlisted");
    }
    // B1 leaves: A2 is first on the waitlist but unit A is at its quota, so B2 gets the seat.
    let withdrawn = ok_json(transition(&app, &token, b1, "withdraw").await, 200).await;
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(app.enrollment_status(b2), "approved");
    assert_eq!(app.enrollment_status(a2), "waitlisted");
    assert_eq!(app.enrollment_status(b3), "waitlisted");
    // The operator of unit A withdraws A1: A2 now fits its unit's quota and is promoted before B3.
    ok_json(transition(&app, &op_token, a1, "withdraw").await, 200).await;
    assert_eq!(app.enrollment_status(a2), "approved");
    assert_eq!(app.enrollment_status(b3), "waitlisted");
    let b3_now = ok_json(
        app.send(
            reqwest::Method::GET,
            &format!("/api/v1/enrollments/{b3}"),
            &token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(b3_now["waitlist_position"], 1);
    // An operator of unit A may not withdraw an officer of unit B: they cannot even see it.
    assert_problem(
        transition(&app, &op_token, b3, "withdraw").await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(app.enrollment_status(b3), "waitlisted");
}

#[tokio::test]
async fn forty_concurrent_approvals_never_put_more_than_the_capacity_in() {
    let app = spawn_app_with(|s| {
        s.db_pool_size = 8;
        s.db_pool_timeout = std::time::Duration::from_secs(20);
        s.workers = 2;
    })
    .await;
    let event = app.seed_event("published", 10);
    let (_, token) = app.organizer_of(event).await;
    let unit = app.seed_unit("LAPAS-RACE");
    let ids: Vec<Uuid> = (0..40)
        .map(|i| {
            let officer = app.seed_participant(unit, &format!("Officer {i}"));
            app.seed_enrollment(event, officer, "nominated").0
        })
        .collect();
    // A fresh client: seeding takes seconds on a busy machine, and a keep-alive connection of the shared client
    // that the server closes for idleness just as a request goes out fails with `IncompleteMessage`.
    let fresh = reqwest::Client::new();
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let client = fresh.clone();
            let url = app.url(&format!("/api/v1/enrollments/{id}/approve"));
            let token = token.clone();
            tokio::spawn(async move {
                let response = client.post(url).bearer_auth(token).send().await.unwrap();
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap();
                (status, body)
            })
        })
        .collect();
    let results = futures_util::future::join_all(tasks).await;
    let mut approved = 0;
    let mut positions = Vec::new();
    for result in results {
        let (status, body) = result.unwrap();
        assert_eq!(status, 200, "{body}");
        match body["status"].as_str().unwrap() {
            "approved" => approved += 1,
            "waitlisted" => positions.push(body["waitlist_position"].as_i64().unwrap()),
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(approved, 10);
    assert_eq!(positions.len(), 30);
    let count = |status: &str| {
        use bimtek_api::schema::enrollments;
        enrollments::table
            .filter(enrollments::event_id.eq(event))
            .filter(enrollments::status.eq(status))
            .count()
            .get_result::<i64>(&mut app.db())
            .unwrap()
    };
    assert_eq!(count("approved"), 10);
    assert_eq!(count("waitlisted"), 30);
    let waitlist = ok_json(
        list(&app, &token, event, "?status=waitlisted&limit=100").await,
        200,
    )
    .await;
    let listed: Vec<i64> = waitlist["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["waitlist_position"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, (1..=30).collect::<Vec<_>>());
}

#[tokio::test]
async fn transitions_from_the_wrong_state_are_conflicts_and_change_nothing() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 10);
    let (_, token) = app.organizer_of(event).await;
    let unit = app.seed_unit("LAPAS-8");
    let cases = [
        ("rejected", "approve"),
        ("withdrawn", "approve"),
        ("approved", "approve"),
        ("approved", "reject"),
        ("rejected", "reject"),
        ("withdrawn", "withdraw"),
        ("rejected", "withdraw"),
    ];
    for (i, (status, action)) in cases.into_iter().enumerate() {
        let officer = app.seed_participant(unit, &format!("S{i}"));
        let (id, _) = app.seed_enrollment(event, officer, status);
        assert_problem(
            transition(&app, &token, id, action).await,
            409,
            "transition_not_allowed",
        )
        .await;
        assert_eq!(app.enrollment_status(id), status, "{action} from {status}");
    }
    app.set_event_status(event, "cancelled");
    let officer = app.seed_participant(unit, "Late");
    let (id, _) = app.seed_enrollment(event, officer, "nominated");
    assert_problem(
        transition(&app, &token, id, "approve").await,
        409,
        "enrollment_closed",
    )
    .await;
    assert_eq!(app.enrollment_status(id), "nominated");
}

#[tokio::test]
async fn a_stale_if_match_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 10);
    let (_, token) = app.organizer_of(event).await;
    let officer = app.seed_participant(app.seed_unit("LAPAS-9"), "Lina");
    let created = ok_json(nominate(&app, &token, event, officer).await, 201).await;
    let id = id_of(&created);
    for action in ["approve", "reject", "withdraw"] {
        let response = app
            .client
            .post(app.url(&format!("/api/v1/enrollments/{id}/{action}")))
            .bearer_auth(&token)
            .header("if-match", "\"7\"")
            .send()
            .await
            .unwrap();
        assert_problem(response, 412, "precondition_failed").await;
    }
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/enrollments/{id}")))
        .bearer_auth(&token)
        .header("if-match", "\"7\"")
        .json(&json!({"note": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 412, "precondition_failed").await;
    assert_eq!(app.enrollment_status(id), "nominated");
    let response = app
        .client
        .post(app.url(&format!("/api/v1/enrollments/{id}/approve")))
        .bearer_auth(&token)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"2\"");
    assert_eq!(ok_json(response, 200).await["status"], "approved");
}

#[tokio::test]
async fn a_patch_changes_only_the_note() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 10);
    let (_, token) = app.organizer_of(event).await;
    let officer = app.seed_participant(app.seed_unit("LAPAS-10"), "Maya");
    let id = id_of(&ok_json(nominate(&app, &token, event, officer).await, 201).await);
    let path = format!("/api/v1/enrollments/{id}");
    for (body, field) in [
        (json!({"status": "approved"}), "status"),
        (json!({"version": 9}), "version"),
        (json!({"participant_id": Uuid::new_v4()}), "participant_id"),
        (json!({"note": "x".repeat(1001)}), "note"),
    ] {
        let problem = assert_problem(
            app.send(reqwest::Method::PATCH, &path, &token, Some(body))
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), [field]);
    }
    let changed = ok_json(
        app.send(
            reqwest::Method::PATCH,
            &path,
            &token,
            Some(json!({"note": " Wali "})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["note"], "Wali");
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["status"], "nominated");
    let cleared = ok_json(
        app.send(
            reqwest::Method::PATCH,
            &path,
            &token,
            Some(json!({"note": null})),
        )
        .await,
        200,
    )
    .await;
    assert!(cleared["note"].is_null());
}

#[tokio::test]
async fn only_event_managers_decide_and_set_quotas() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 10);
    let (operator, op_token) = app.user_with_token(Role::UnitOperator).await;
    let unit = app.unit_of(&operator);
    let (_, officer, officer_token) = app.participant_account(unit, "Nina").await;
    let (fac, fac_token) = app.user_with_token(Role::Facilitator).await;
    let session = app.seed_session(event, 60, 120, 2);
    app.add_facilitator(session, fac.id);
    let (_, other_org_token) = app.user_with_token(Role::Organizer).await;
    let (nominated, _) = app.seed_enrollment(event, officer, "nominated");
    // Who may see the enrollment (the operator of the officer's unit, the officer) is refused with 403; who may not
    // (an organizer of another event, a facilitator while it is not approved) is told 404, as for no enrollment
    // (service::enrollments: `load_visible` before `require_event_manager`; policy.rs hides it from the others).
    for (who, token, expected) in [
        ("operator", &op_token, 403),
        ("officer", &officer_token, 403),
        ("other organizer", &other_org_token, 404),
        ("facilitator", &fac_token, 404),
    ] {
        for action in ["approve", "reject"] {
            let response = transition(&app, token, nominated, action).await;
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            assert_eq!(status, expected, "{who} {action}: {body}");
            assert!(body.get("check_in_code").is_none() && body.get("participant_name").is_none());
        }
        let response = app
            .send(
                reqwest::Method::PUT,
                &format!("/api/v1/events/{event}/quotas"),
                token,
                Some(json!([{"unit_id": unit, "quota": 5}])),
            )
            .await;
        assert_problem(response, 403, "forbidden").await;
    }
    // a facilitator sees approved enrollments but may not withdraw them
    use bimtek_api::schema::enrollments;
    diesel::update(enrollments::table.find(nominated))
        .set(enrollments::status.eq("approved"))
        .execute(&mut app.db())
        .unwrap();
    assert_problem(
        transition(&app, &fac_token, nominated, "withdraw").await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        transition(&app, &other_org_token, nominated, "withdraw").await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(app.enrollment_status(nominated), "approved");
    assert_eq!(app.count("event_unit_quotas"), 0);
    // the officer withdraws themself
    let own = ok_json(
        transition(&app, &officer_token, nominated, "withdraw").await,
        200,
    )
    .await;
    assert_eq!(own["status"], "withdrawn");
}

#[tokio::test]
async fn lists_show_each_role_only_what_it_may_see() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 10);
    let (_, org_token) = app.organizer_of(event).await;
    let (operator, op_token) = app.user_with_token(Role::UnitOperator).await;
    let unit_a = app.unit_of(&operator);
    let unit_b = app.seed_unit("LAPAS-B");
    let (_, own, own_token) = app.participant_account(unit_a, "Own Officer").await;
    let a2 = app.seed_participant(unit_a, "A Two");
    let b1 = app.seed_participant(unit_b, "B One");
    let b2 = app.seed_participant(unit_b, "B Two");
    let (e_own, _) = app.seed_enrollment(event, own, "approved");
    let (e_a2, _) = app.seed_enrollment(event, a2, "nominated");
    let (e_b1, _) = app.seed_enrollment(event, b1, "approved");
    let (e_b2, _) = app.seed_enrollment(event, b2, "nominated");
    let (fac, fac_token) = app.user_with_token(Role::Facilitator).await;
    app.add_facilitator(app.seed_session(event, 60, 120, 2), fac.id);
    let (_, stranger_fac_token) = app.user_with_token(Role::Facilitator).await;
    let (_, stranger_org_token) = app.user_with_token(Role::Organizer).await;
    let (_, admin_token) = app.user_with_token(Role::Admin).await;

    let ids_of = |body: &Value| -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<Uuid>| {
        v.sort();
        v
    };
    for (token, expected, codes) in [
        (&org_token, vec![e_own, e_a2, e_b1, e_b2], true),
        (&admin_token, vec![e_own, e_a2, e_b1, e_b2], true),
        (&op_token, vec![e_own, e_a2], false),
        (&fac_token, vec![e_own, e_b1], false),
        (&own_token, vec![e_own], true),
    ] {
        let body = ok_json(list(&app, token, event, "").await, 200).await;
        assert_eq!(ids_of(&body), sorted(expected.clone()));
        assert_eq!(body["total"], expected.len());
        for item in body["items"].as_array().unwrap() {
            assert_eq!(item["check_in_code"].is_string(), codes, "{item}");
        }
    }
    for token in [&stranger_fac_token, &stranger_org_token] {
        assert_problem(list(&app, token, event, "").await, 403, "forbidden").await;
    }
    // single reads of foreign enrollments: 404, no data
    for (token, id) in [
        (&op_token, e_b1),
        (&own_token, e_a2),
        (&fac_token, e_a2),
        (&stranger_org_token, e_own),
    ] {
        let response = app
            .send(
                reqwest::Method::GET,
                &format!("/api/v1/enrollments/{id}"),
                token,
                None,
            )
            .await;
        let body = assert_problem(response, 404, "not_found").await;
        assert!(body.get("participant_name").is_none());
    }
    assert_problem(
        list(&app, &org_token, Uuid::new_v4(), "").await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn lists_filter_sort_and_page() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 10);
    let (_, token) = app.organizer_of(event).await;
    let unit_a = app.seed_unit("LAPAS-A");
    let unit_b = app.seed_unit("LAPAS-B");
    let mut ids = Vec::new();
    for (i, (unit, status)) in [
        (unit_a, "approved"),
        (unit_a, "nominated"),
        (unit_b, "approved"),
        (unit_b, "rejected"),
        (unit_b, "nominated"),
    ]
    .into_iter()
    .enumerate()
    {
        let officer = app.seed_participant(unit, &format!("P{i}"));
        ids.push(app.seed_enrollment(event, officer, status).0);
    }
    let body = ok_json(list(&app, &token, event, "?status=approved").await, 200).await;
    assert_eq!(body["total"], 2);
    let body = ok_json(
        list(
            &app,
            &token,
            event,
            &format!("?unit_id={unit_b}&status=nominated"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(body["total"], 1);
    assert_eq!(id_of(&body["items"][0]), ids[4]);
    let body = ok_json(
        list(&app, &token, event, "?sort=-created_at&limit=2&offset=1").await,
        200,
    )
    .await;
    assert_eq!(body["total"], 5);
    assert_eq!(body["limit"], 2);
    assert_eq!(body["offset"], 1);
    let page: Vec<Uuid> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(page, [ids[3], ids[2]]);
    let body = ok_json(list(&app, &token, event, "?sort=status").await, 200).await;
    let statuses: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["approved", "approved", "nominated", "nominated", "rejected"]
    );
    for query in [
        "?limit=0",
        "?limit=101",
        "?offset=-1",
        "?status=maybe",
        "?sort=name",
        "?unit_id=x",
    ] {
        assert_problem(list(&app, &token, event, query).await, 400, "invalid_query").await;
    }
}

#[tokio::test]
async fn bad_quota_lists_are_refused_whole() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 10);
    let (_, token) = app.organizer_of(event).await;
    let unit = app.seed_unit("LAPAS-Q");
    let path = format!("/api/v1/events/{event}/quotas");
    ok_json(
        app.send(
            reqwest::Method::PUT,
            &path,
            &token,
            Some(json!([{"unit_id": unit, "quota": 2}])),
        )
        .await,
        200,
    )
    .await;
    let cases = [
        (
            json!([{"unit_id": unit, "quota": 1}, {"unit_id": unit, "quota": 2}]),
            vec!["[1].unit_id"],
        ),
        (
            json!([{"unit_id": unit, "quota": -1}, {"unit_id": Uuid::new_v4(), "quota": 1}]),
            vec!["[0].quota"],
        ),
        (
            json!([{"unit_id": Uuid::new_v4(), "quota": 1}]),
            vec!["[0].unit_id"],
        ),
        (
            json!([{"unit_id": unit, "quota": 10001}]),
            vec!["[0].quota"],
        ),
    ];
    for (body, fields) in cases {
        let problem = assert_problem(
            app.send(reqwest::Method::PUT, &path, &token, Some(body.clone()))
                .await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(error_fields(&problem), fields, "{body}");
    }
    let quota: i32 = {
        use bimtek_api::schema::event_unit_quotas;
        event_unit_quotas::table
            .select(event_unit_quotas::quota)
            .first(&mut app.db())
            .unwrap()
    };
    assert_eq!(quota, 2, "the earlier quotas stay");
    let cleared = ok_json(
        app.send(reqwest::Method::PUT, &path, &token, Some(json!([])))
            .await,
        200,
    )
    .await;
    assert_eq!(cleared, json!({"items": []}));
    app.set_event_status(event, "completed");
    assert_problem(
        app.send(reqwest::Method::PUT, &path, &token, Some(json!([])))
            .await,
        409,
        "event_not_editable",
    )
    .await;
}

#[tokio::test]
async fn an_enrollment_in_a_draft_event_is_hidden_even_from_its_officer_and_their_operator() {
    let app = spawn_app().await;
    let (operator, operator_token) = app.user_with_token(Role::UnitOperator).await;
    let unit = app.unit_of(&operator);
    let (_, officer, officer_token) = app.participant_account(unit, "Officer of a draft").await;
    let event = app.seed_event("draft", 10);
    let (enrollment, _) = app.seed_enrollment(event, officer, "nominated");
    for token in [&officer_token, &operator_token] {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/enrollments/{enrollment}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let body = assert_problem(response, 404, "not_found").await;
        assert!(!body.to_string().contains("Officer of a draft"));
    }
    // Once the event is published, the same enrollment is theirs to see.
    app.set_event_status(event, "published");
    for token in [&officer_token, &operator_token] {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/enrollments/{enrollment}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
}
