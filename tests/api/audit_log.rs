//! The audit log: who changed an officer's score and when, actors and request ids of HTTP writes, redacted
//! credentials, nothing written by a refused write, the erasure of personal values, NIP reads as access events,
//! filters and access.

use std::time::Duration;

use bimtek_api::domain::role::Role;
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, eventually, ok_json, spawn_app};

async fn audit(app: &TestApp, token: &str, query: &str) -> Value {
    ok_json(
        app.send(
            reqwest::Method::GET,
            &format!("/api/v1/audit-log{query}"),
            token,
            None,
        )
        .await,
        200,
    )
    .await
}

fn actions(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect()
}

/// Writes a score as `actor` would through the service: the session variables the triggers read, then the row.
fn write_score(app: &TestApp, actor: Uuid, enrollment: Uuid, score: f64, request_id: &str) {
    let mut conn = app.db();
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        diesel::sql_query(format!(
            "SELECT set_config('bimtek.actor_user_id', '{actor}', true), set_config('bimtek.actor_role', 'facilitator', true), \
                    set_config('bimtek.request_id', '{request_id}', true)"
        ))
        .execute(conn)?;
        diesel::sql_query(format!(
            "INSERT INTO scores (enrollment_id, kind, score, source, recorded_by) \
             VALUES ('{enrollment}', 'practical', {score}, 'manual', '{actor}') \
             ON CONFLICT (enrollment_id, kind) DO UPDATE SET score = EXCLUDED.score, \
                 recorded_by = EXCLUDED.recorded_by, version = scores.version + 1, updated_at = now()"
        ))
        .execute(conn)?;
        Ok(())
    })
    .unwrap();
}

#[tokio::test]
async fn the_audit_log_answers_who_changed_an_officers_score_and_when() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let event = app.seed_event("ongoing", 10);
    let officer = app.seed_participant(app.seed_unit("LAPAS-SCORE"), "Dewi");
    let (enrollment, _) = app.seed_enrollment(event, officer, "approved");
    let first = app.seed_user(Role::Facilitator);
    let second = app.seed_user(Role::Facilitator);
    write_score(&app, first.id, enrollment, 72.5, "req-score-1");
    write_score(&app, second.id, enrollment, 80.0, "req-score-2");

    let page = audit(
        &app,
        &admin,
        &format!("?resource_type=score&participant_id={officer}"),
    )
    .await;
    assert_eq!(page["total"], 2);
    // One entry per change, named by what happened (migration 000015).
    assert_eq!(actions(&page), ["score.set", "score.set"]);
    let latest = &page["items"][0];
    assert_eq!(
        latest["actor"],
        json!({"user_id": second.id, "client_id": null, "role": "facilitator"})
    );
    assert_eq!(latest["resource_id"], enrollment.to_string());
    assert_eq!(latest["participant_id"], officer.to_string());
    assert_eq!(latest["request_id"], "req-score-2");
    assert_eq!(
        latest["changes"],
        json!({"score": {"old": 72.5, "new": 80}, "practical": {"old": 72.5, "new": 80},
               "recorded_by": {"old": first.id, "new": second.id}})
    );
    assert!(latest["at"].as_str().unwrap().ends_with('Z'));
    let created = &page["items"][1];
    assert_eq!(created["actor"]["user_id"], first.id.to_string());
    assert_eq!(
        created["changes"]["score"],
        json!({"old": null, "new": 72.5})
    );
    assert_eq!(
        created["changes"]["kind"],
        json!({"old": null, "new": "practical"})
    );
}

#[tokio::test]
async fn http_writes_are_audited_with_the_actor_their_role_and_the_request_id() {
    let app = spawn_app().await;
    let (admin_user, admin) = app.user_with_token(Role::Admin).await;
    let event = app.seed_event("ongoing", 10);
    let session = app.seed_session(event, -5, 60, 2);
    let (facilitator, facilitator_token) = app.user_with_token(Role::Facilitator).await;
    app.add_facilitator(session, facilitator.id);
    let unit = app.seed_unit("LAPAS-HTTP");
    let officer = app.seed_participant(unit, "Eko");
    app.seed_enrollment(event, officer, "approved");

    let response = app
        .client
        .patch(app.url(&format!("/api/v1/participants/{officer}")))
        .bearer_auth(&admin)
        .header("X-Request-Id", "req-audit-patch")
        .json(&json!({"grade": "III/c", "position": "Staf"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = app
        .client
        .put(app.url(&format!("/api/v1/sessions/{session}/attendance")))
        .bearer_auth(&facilitator_token)
        .header("X-Request-Id", "req-audit-attendance")
        .json(&json!({"records": [{"participant_id": officer, "status": "present"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let page = audit(&app, &admin, &format!("?participant_id={officer}")).await;
    let patch = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["request_id"] == "req-audit-patch")
        .expect("the PATCH is in the log");
    assert_eq!(patch["action"], "participant.updated");
    assert_eq!(
        patch["actor"],
        json!({"user_id": admin_user.id, "client_id": null, "role": "admin"})
    );
    assert_eq!(
        patch["changes"],
        json!({"grade": {"old": null, "new": "III/c"}, "position": {"old": null, "new": "Staf"}})
    );
    let attendance = audit(&app, &admin, "?resource_type=attendance").await;
    assert_eq!(actions(&attendance), ["attendance.created"]);
    let entry = &attendance["items"][0];
    assert_eq!(entry["actor"]["user_id"], facilitator.id.to_string());
    assert_eq!(entry["actor"]["role"], "facilitator");
    assert_eq!(entry["request_id"], "req-audit-attendance");
    assert_eq!(entry["participant_id"], officer.to_string());
    assert_eq!(entry["changes"]["status"]["new"], "present");

    // Seeding from outside a request (no context) records no actor.
    let seeded = audit(
        &app,
        &admin,
        &format!("?resource_type=participant&resource_id={officer}&action=participant.created"),
    )
    .await;
    assert_eq!(
        seeded["items"][0]["actor"],
        json!({"user_id": null, "client_id": null, "role": null})
    );
    assert_eq!(seeded["items"][0]["request_id"], Value::Null);
}

#[tokio::test]
async fn credentials_are_redacted_and_a_refused_write_leaves_no_entry() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let created = ok_json(
        app.send(reqwest::Method::POST, "/api/v1/users", &admin,
            Some(json!({"username": "operator.audit", "password": "a long enough password 123", "role": "organizer"}))).await,
        201,
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let page = audit(
        &app,
        &admin,
        &format!("?resource_type=user&resource_id={id}"),
    )
    .await;
    assert_eq!(actions(&page), ["user.created"]);
    let changes = &page["items"][0]["changes"];
    assert_eq!(
        changes["password_hash"],
        json!({"old": null, "new": "[redacted]"})
    );
    assert!(
        !page.to_string().contains("argon2"),
        "a hash leaked: {page}"
    );

    let officer = app.seed_participant(app.seed_unit("LAPAS-REFUSED"), "Fajar");
    let before = app.count("audit_log");
    let response = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/participants/{officer}"),
            &admin,
            Some(json!({"grade": "IX/z", "email": "not an email"})),
        )
        .await;
    assert_problem(response, 422, "validation_failed").await;
    assert_eq!(
        app.count("audit_log"),
        before,
        "a refused write left an entry"
    );
}

#[tokio::test]
async fn an_erasure_removes_the_officers_personal_values_from_the_log() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-ERASE");
    let created = ok_json(
        app.send(
            reqwest::Method::POST,
            "/api/v1/participants",
            &admin,
            Some(
                json!({"nip": "198703142010121001", "full_name": "Gita Purnama", "sex": "male",
                        "employee_type": "pns", "unit_id": unit, "email": "gita@example.go.id",
                        "phone": "+62 812-1111-2222", "grade": "III/a"}),
            ),
        )
        .await,
        201,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    ok_json(
        app.send(
            reqwest::Method::PATCH,
            &format!("/api/v1/participants/{id}"),
            &admin,
            Some(json!({"email": "gita.purnama@example.go.id", "grade": "III/b"})),
        )
        .await,
        200,
    )
    .await;
    // Another officer's entries are left alone.
    let other = app.seed_participant(unit, "Hadi Other");

    ok_json(
        app.send(
            reqwest::Method::POST,
            &format!("/api/v1/participants/{id}/erase"),
            &admin,
            None,
        )
        .await,
        200,
    )
    .await;
    let page = audit(&app, &admin, &format!("?participant_id={id}")).await;
    assert_eq!(
        actions(&page),
        [
            "participant.erased",
            "participant.updated",
            "participant.created"
        ]
    );
    let text = page.to_string();
    for personal in [
        "198703142010121001",
        "Gita",
        "gita@",
        "gita.purnama@",
        "1111-2222",
    ] {
        assert!(!text.contains(personal), "{personal} is still in {text}");
    }
    // What changed is still known, and values that were not personal stay.
    let updated = &page["items"][1]["changes"];
    assert_eq!(
        updated["email"],
        json!({"old": "[erased]", "new": "[erased]"})
    );
    assert_eq!(updated["grade"], json!({"old": "III/a", "new": "III/b"}));
    let erased = &page["items"][0]["changes"];
    assert_eq!(erased["nip"], json!({"old": "[erased]", "new": null}));
    assert!(erased["erased_at"]["new"].is_string());
    let others = audit(&app, &admin, &format!("?participant_id={other}")).await;
    assert!(others.to_string().contains("Hadi Other"));
}

#[tokio::test]
async fn reading_a_full_nip_is_an_access_event_written_shortly_after() {
    let app = spawn_app().await;
    let (admin_user, admin) = app.user_with_token(Role::Admin).await;
    let (facilitator, facilitator_token) = app.user_with_token(Role::Facilitator).await;
    let unit = app.seed_unit("LAPAS-READ");
    let (_, own_id, own_token) = app.participant_account(unit, "Indah").await;
    let officer = app.seed_participant(unit, "Joko");
    // The facilitator reads the officer (masked) as one of an event they facilitate.
    let event = app.seed_event("ongoing", 10);
    app.add_facilitator(app.seed_session(event, -5, 60, 1), facilitator.id);
    app.seed_enrollment(event, officer, "approved");

    let read = |token: String, id: Uuid| {
        let app = &app;
        async move {
            let response = app
                .client
                .get(app.url(&format!("/api/v1/participants/{id}")))
                .bearer_auth(token)
                .header("X-Request-Id", "req-nip-read")
                .send()
                .await
                .unwrap();
            ok_json(response, 200).await
        }
    };
    let changes_before = app.count("changes");
    let audit_before = app.count("audit_log");
    let full = read(admin.clone(), officer).await;
    assert_eq!(full["nip"].as_str().unwrap().len(), 18);
    let masked = read(facilitator_token.clone(), officer).await;
    assert!(masked["nip"].as_str().unwrap().contains('*'));
    read(own_token.clone(), own_id).await;

    // Buffered: it arrives within about a second.
    let page = eventually(
        "the buffered participant.nip_read access event",
        Duration::from_secs(10),
        || async {
            let page = audit(&app, &admin, "?action=participant.nip_read").await;
            (page["total"].as_i64().unwrap() > 0).then_some(page)
        },
    )
    .await;
    assert_eq!(
        page["total"], 1,
        "only the admin's read is an access event: {page}"
    );
    let entry = &page["items"][0];
    assert_eq!(entry["actor"]["user_id"], admin_user.id.to_string());
    assert_eq!(entry["actor"]["role"], "admin");
    assert_eq!(entry["resource_id"], officer.to_string());
    assert_eq!(entry["participant_id"], officer.to_string());
    assert_eq!(entry["request_id"], "req-nip-read");
    assert_eq!(entry["changes"], json!({}));
    assert_ne!(entry["actor"]["user_id"], facilitator.id.to_string());
    // A read changes nothing: no feed entry, no other audit entry.
    assert_eq!(app.count("changes"), changes_before);
    assert_eq!(
        app.count("audit_log WHERE action <> 'participant.nip_read'"),
        audit_before
    );
}

#[tokio::test]
async fn the_log_is_filtered_paged_and_for_administrators_only() {
    let app = spawn_app().await;
    let (admin_user, admin) = app.user_with_token(Role::Admin).await;
    for i in 0..5 {
        app.seed_unit(&format!("PAGE-{i}"));
    }
    let first = audit(&app, &admin, "?resource_type=unit&limit=2").await;
    assert_eq!(first["total"], 5);
    assert_eq!(first["limit"], 2);
    let ids: Vec<i64> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert!(ids[0] > ids[1], "newest first");
    let next = audit(
        &app,
        &admin,
        &format!("?resource_type=unit&limit=2&before={}", ids[1]),
    )
    .await;
    let next_ids: Vec<i64> = next["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(next_ids.len(), 2);
    assert!(next_ids[0] < ids[1]);
    let by_time = audit(
        &app,
        &admin,
        "?resource_type=unit&from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z",
    )
    .await;
    assert_eq!(by_time["total"], 0);
    let by_actor = audit(&app, &admin, &format!("?actor_user_id={}", admin_user.id)).await;
    assert_eq!(by_actor["total"], 0, "seeding had no actor");

    for bad in [
        "?limit=0",
        "?limit=101",
        "?before=0",
        "?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z",
        "?from=yesterday",
        "?resource_id=nope",
    ] {
        let response = app
            .send(
                reqwest::Method::GET,
                &format!("/api/v1/audit-log{bad}"),
                &admin,
                None,
            )
            .await;
        assert_problem(response, 400, "invalid_query").await;
    }
    for role in [
        Role::Organizer,
        Role::UnitOperator,
        Role::Facilitator,
        Role::Participant,
    ] {
        let (_, token) = app.user_with_token(role).await;
        let response = app
            .send(reqwest::Method::GET, "/api/v1/audit-log", &token, None)
            .await;
        assert_problem(response, 403, "forbidden").await;
    }
}
