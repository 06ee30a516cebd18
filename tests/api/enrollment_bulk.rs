//! Bulk nominations and decisions (`/events/{id}/enrollments/bulk`, `/events/{id}/enrollments/decisions`): the
//! rules of the single calls per row, both modes, and the capacity under concurrent bulks.

use bimtek_api::domain::role::Role;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, ok_json, spawn_app, spawn_app_with};

fn count(app: &TestApp, event: Uuid, status: Option<&str>) -> i64 {
    use bimtek_api::schema::enrollments;
    let mut query = enrollments::table
        .filter(enrollments::event_id.eq(event))
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(enrollments::status.eq(status.to_owned()));
    }
    query.count().get_result(&mut app.db()).unwrap()
}

async fn bulk(app: &TestApp, token: &str, path: String, body: Value) -> reqwest::Response {
    app.send(Method::POST, &path, token, Some(body)).await
}

fn nominations(ids: &[Uuid]) -> Value {
    json!({"nominations": ids.iter().map(|id| json!({"participant_id": id})).collect::<Vec<_>>()})
}

fn statuses(body: &Value) -> Vec<String> {
    body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_operators_bulk_nomination_writes_all_or_nothing_or_the_rows_that_pass() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 100);
    let (operator, token) = app.user_with_token(Role::UnitOperator).await;
    let unit = app.unit_of(&operator);
    let other_unit = app.seed_unit("LAPAS-BULK-OTHER");
    let b = app.seed_participant(unit, "Bambang");
    let c = app.seed_participant(unit, "Citra");
    let d = app.seed_participant(other_unit, "Dodi");
    let a = app.seed_participant(unit, "Ani");
    app.seed_enrollment(event, a, "nominated");
    let path = format!("/api/v1/events/{event}/enrollments/bulk");
    let body = nominations(&[b, c, d, a, b]);

    // all_or_nothing (the default): every failing row named, nothing written
    let response = bulk(&app, &token, path.clone(), body.clone()).await;
    let problem = assert_problem(response, 422, "bulk_rejected").await;
    assert_eq!(
        error_fields(&problem),
        [
            "[2].participant_id",
            "[3].participant_id",
            "[4].participant_id"
        ]
    );
    let codes: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["forbidden", "already_enrolled", "duplicate"]);
    assert_eq!(
        statuses(&problem),
        ["nominated", "nominated", "error", "error", "error"]
    );
    assert!(problem["rows"][0]["enrollment_id"].is_null(), "{problem}");
    assert_eq!(problem["summary"]["nominated"], 2);
    assert_eq!(problem["summary"]["error"], 3);
    assert_eq!(count(&app, event, None), 1);

    // best_effort: the passing rows are written
    let response = bulk(&app, &token, format!("{path}?mode=best_effort"), body).await;
    let result = ok_json(response, 200).await;
    assert_eq!(result["mode"], "best_effort");
    assert_eq!(
        statuses(&result),
        ["nominated", "nominated", "error", "error", "error"]
    );
    assert_eq!(count(&app, event, Some("nominated")), 3);
    let written: Uuid = result["rows"][0]["enrollment_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(app.enrollment_status(written), "nominated");
    assert_eq!(result["rows"][0]["participant_id"], b.to_string());
    // the answers name no officer
    assert!(!result.to_string().contains("Bambang"));
}

#[tokio::test]
async fn a_bulk_body_is_checked_whole_before_anything_runs() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 100);
    let (_, token) = app.organizer_of(event).await;
    let unit = app.seed_unit("LAPAS-BULK-CHECK");
    let officer = app.seed_participant(unit, "Eka");
    let path = format!("/api/v1/events/{event}/enrollments/bulk");
    let too_many: Vec<Uuid> = (0..501).map(|_| officer).collect();
    let response = bulk(&app, &token, path.clone(), nominations(&too_many)).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["nominations"]);
    let response = bulk(&app, &token, path.clone(), json!({"nominations": []})).await;
    assert_problem(response, 422, "validation_failed").await;
    let long_note = "x".repeat(1001);
    let response = bulk(
        &app,
        &token,
        path.clone(),
        json!({"nominations": [{"participant_id": officer}, {"participant_id": officer, "note": long_note}]}),
    )
    .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["nominations[1].note"]);
    let response = bulk(
        &app,
        &token,
        format!("/api/v1/events/{event}/enrollments/decisions"),
        json!({"decisions": [{"enrollment_id": Uuid::new_v4(), "action": "promote"}]}),
    )
    .await;
    assert_eq!(response.status(), 422);
    assert_eq!(count(&app, event, None), 0);
    // a participant account may not decide for others, a facilitator not nominate
    let (_, _, participant) = app.participant_account(unit, "Fajar").await;
    let response = bulk(
        &app,
        &participant,
        format!("/api/v1/events/{event}/enrollments/decisions"),
        json!({"decisions": [{"enrollment_id": Uuid::new_v4(), "action": "approve"}]}),
    )
    .await;
    assert_problem(response, 403, "forbidden").await;
    let (_, facilitator) = app.user_with_token(Role::Facilitator).await;
    let response = bulk(&app, &facilitator, path, nominations(&[officer])).await;
    assert_problem(response, 403, "forbidden").await;
}

#[tokio::test]
async fn bulk_decisions_follow_the_capacity_the_waitlist_and_who_may_act() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 2);
    let other_event = app.seed_event("published", 10);
    let (_, organizer) = app.organizer_of(event).await;
    let (operator, operator_token) = app.user_with_token(Role::UnitOperator).await;
    let unit = app.unit_of(&operator);
    let e: Vec<Uuid> = (0..4)
        .map(|i| {
            let officer = app.seed_participant(unit, &format!("Petugas {i}"));
            app.seed_enrollment(event, officer, "nominated").0
        })
        .collect();
    let elsewhere = {
        let officer = app.seed_participant(unit, "Petugas Lain");
        app.seed_enrollment(other_event, officer, "nominated").0
    };
    let path = format!("/api/v1/events/{event}/enrollments/decisions");
    let decisions = |rows: &[(Uuid, &str)]| json!({"decisions": rows.iter().map(|(id, action)| json!({"enrollment_id": id, "action": action})).collect::<Vec<_>>()});

    // an enrollment of another event fails its row, and all_or_nothing writes nothing
    let response = bulk(
        &app,
        &organizer,
        path.clone(),
        decisions(&[(e[0], "approve"), (elsewhere, "approve")]),
    )
    .await;
    let problem = assert_problem(response, 422, "bulk_rejected").await;
    assert_eq!(error_fields(&problem), ["[1].enrollment_id"]);
    assert_eq!(problem["errors"][0]["code"], "unknown_reference");
    assert_eq!(app.enrollment_status(e[0]), "nominated");

    // capacity 2: the third approval waits, the rejection is recorded
    let response = bulk(
        &app,
        &organizer,
        path.clone(),
        decisions(&[
            (e[0], "approve"),
            (e[1], "approve"),
            (e[2], "approve"),
            (e[3], "reject"),
        ]),
    )
    .await;
    let result = ok_json(response, 200).await;
    assert_eq!(
        statuses(&result),
        ["approved", "approved", "waitlisted", "rejected"]
    );
    assert_eq!(result["summary"]["approved"], 2);
    assert_eq!(app.enrollment_status(e[2]), "waitlisted");

    // the operator of the officers' unit may withdraw but not approve; a withdrawal frees the seat for the waitlist
    let response = bulk(
        &app,
        &operator_token,
        path.clone(),
        decisions(&[(e[0], "withdraw"), (e[3], "approve")]),
    )
    .await;
    let problem = assert_problem(response, 422, "bulk_rejected").await;
    assert_eq!(problem["errors"][0]["code"], "forbidden");
    assert_eq!(app.enrollment_status(e[0]), "approved");
    let response = bulk(
        &app,
        &operator_token,
        format!("{path}?mode=best_effort"),
        decisions(&[(e[0], "withdraw"), (e[3], "approve")]),
    )
    .await;
    let result = ok_json(response, 200).await;
    assert_eq!(statuses(&result), ["withdrawn", "error"]);
    assert_eq!(app.enrollment_status(e[0]), "withdrawn");
    assert_eq!(app.enrollment_status(e[2]), "approved");
    assert_eq!(count(&app, event, Some("approved")), 2);
    // a transition the single call refuses fails its row with the same code
    let response = bulk(&app, &organizer, path, decisions(&[(e[0], "approve")])).await;
    let problem = assert_problem(response, 422, "bulk_rejected").await;
    assert_eq!(problem["errors"][0]["code"], "transition_not_allowed");
}

#[tokio::test]
async fn a_bulk_of_approvals_keeps_the_capacity_the_unit_quotas_and_the_waitlist_order_of_single_approvals()
 {
    use bimtek_api::schema::{enrollments, event_unit_quotas};
    let app = spawn_app().await;
    let event = app.seed_event("published", 3);
    let (organizer_user, organizer) = app.organizer_of(event).await;
    let unit_a = app.seed_unit("LAPAS-QUOTA-A");
    let unit_b = app.seed_unit("LAPAS-QUOTA-B");
    diesel::insert_into(event_unit_quotas::table)
        .values((
            event_unit_quotas::event_id.eq(event),
            event_unit_quotas::unit_id.eq(unit_a),
            event_unit_quotas::quota.eq(1),
        ))
        .execute(&mut app.db())
        .unwrap();
    let enroll = |unit: Uuid, name: &str, status: &str| {
        let officer = app.seed_participant(unit, name);
        app.seed_enrollment(event, officer, status).0
    };
    let a1 = enroll(unit_a, "Ade", "nominated");
    let a2 = enroll(unit_a, "Agus", "nominated");
    let b1 = enroll(unit_b, "Bayu", "nominated");
    let b2 = enroll(unit_b, "Beni", "nominated");
    let waiting = enroll(unit_b, "Bima", "waitlisted");
    let waiting_since = chrono::Utc::now() - chrono::Duration::days(3);
    diesel::update(enrollments::table.find(waiting))
        .set(enrollments::waitlisted_at.eq(Some(waiting_since)))
        .execute(&mut app.db())
        .unwrap();
    let rejected = enroll(unit_b, "Budi", "rejected");
    let audit_before = app.count("audit_log WHERE action = 'enrollment.updated'");

    let rows: Vec<Value> = [a1, a2, b1, a1, b2, waiting, rejected, Uuid::new_v4()]
        .iter()
        .map(|id| json!({"enrollment_id": id, "action": "approve"}))
        .collect();
    let body = json!({ "decisions": rows });
    let path = format!("/api/v1/events/{event}/enrollments/decisions");
    // all_or_nothing: the failing rows are named, nothing is written
    let problem = assert_problem(
        bulk(&app, &organizer, path.clone(), body.clone()).await,
        422,
        "bulk_rejected",
    )
    .await;
    let codes: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["duplicate", "transition_not_allowed", "unknown_reference"]
    );
    assert_eq!(app.enrollment_status(a1), "nominated");

    // best_effort: in order, a seat each while the event and the unit's quota have one
    let result = ok_json(
        bulk(&app, &organizer, format!("{path}?mode=best_effort"), body).await,
        200,
    )
    .await;
    assert_eq!(
        statuses(&result),
        [
            "approved",
            "waitlisted",
            "approved",
            "error",
            "approved",
            "waitlisted",
            "error",
            "error"
        ]
    );
    assert!(result["rows"][1]["participant_id"].is_string());
    assert!(result["rows"][7]["participant_id"].is_null());
    for (id, status) in [
        (a1, "approved"),
        (a2, "waitlisted"),
        (b1, "approved"),
        (b2, "approved"),
        (waiting, "waitlisted"),
        (rejected, "rejected"),
    ] {
        assert_eq!(app.enrollment_status(id), status, "{id}");
    }
    let (decided_by, kept, version): (Option<Uuid>, Option<chrono::DateTime<chrono::Utc>>, i32) =
        enrollments::table
            .find(waiting)
            .select((
                enrollments::decided_by,
                enrollments::waitlisted_at,
                enrollments::version,
            ))
            .first(&mut app.db())
            .unwrap();
    assert_eq!(decided_by, Some(organizer_user.id));
    assert_eq!(
        kept.map(|t| t.timestamp_micros()),
        Some(waiting_since.timestamp_micros()),
        "an officer already waiting keeps their place"
    );
    assert_eq!(version, 2);
    let newly_waiting: Option<chrono::DateTime<chrono::Utc>> = enrollments::table
        .find(a2)
        .select(enrollments::waitlisted_at)
        .first(&mut app.db())
        .unwrap();
    assert!(newly_waiting.is_some());
    // one audit entry per changed enrollment, as single approvals would write
    assert_eq!(
        app.count("audit_log WHERE action = 'enrollment.updated'") - audit_before,
        5
    );
}

#[tokio::test]
async fn concurrent_bulk_approvals_never_put_more_than_the_capacity_in() {
    let app = spawn_app_with(|s| {
        s.db_pool_size = 8;
        s.db_pool_timeout = std::time::Duration::from_secs(20);
        s.workers = 2;
    })
    .await;
    let event = app.seed_event("published", 10);
    let (_, token) = app.organizer_of(event).await;
    let unit = app.seed_unit("LAPAS-BULK-RACE");
    let ids: Vec<Uuid> = (0..40)
        .map(|i| {
            let officer = app.seed_participant(unit, &format!("Officer {i}"));
            app.seed_enrollment(event, officer, "nominated").0
        })
        .collect();
    let fresh = reqwest::Client::new();
    let mut tasks = Vec::new();
    // four bulks of eight and eight single approvals, all at once
    for chunk in ids[..32].chunks(8) {
        let body = json!({"decisions": chunk.iter().map(|id| json!({"enrollment_id": id, "action": "approve"})).collect::<Vec<_>>()});
        let request = fresh
            .post(app.url(&format!("/api/v1/events/{event}/enrollments/decisions")))
            .bearer_auth(&token)
            .json(&body);
        tasks.push(tokio::spawn(async move {
            let response = request.send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }));
    }
    for id in &ids[32..] {
        let request = fresh
            .post(app.url(&format!("/api/v1/enrollments/{id}/approve")))
            .bearer_auth(&token);
        tasks.push(tokio::spawn(async move {
            let response = request.send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }));
    }
    let mut approved = 0;
    for task in futures_util::future::join_all(tasks).await {
        let (status, body) = task.unwrap();
        assert_eq!(status, 200, "{body}");
        approved += match body["summary"]["approved"].as_u64() {
            Some(n) => n,
            None => u64::from(body["status"] == "approved"),
        };
    }
    assert_eq!(approved, 10);
    assert_eq!(count(&app, event, Some("approved")), 10);
    assert_eq!(count(&app, event, Some("waitlisted")), 30);
}

#[tokio::test]
async fn a_bulk_nomination_with_an_idempotency_key_runs_once() {
    let app = spawn_app().await;
    let event = app.seed_event("published", 100);
    let (_, token) = app.organizer_of(event).await;
    let unit = app.seed_unit("LAPAS-BULK-KEY");
    let officers: Vec<Uuid> = (0..3)
        .map(|i| app.seed_participant(unit, &format!("Officer {i}")))
        .collect();
    let send = || {
        app.client
            .post(app.url(&format!("/api/v1/events/{event}/enrollments/bulk")))
            .bearer_auth(&token)
            .header("Idempotency-Key", "bulk-nomination-1")
            .json(&nominations(&officers))
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    let second = send().await.unwrap();
    assert_eq!(second.status(), 200);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let second: Value = second.json().await.unwrap();
    assert_eq!(first, second);
    assert_eq!(count(&app, event, Some("nominated")), 3);
}
