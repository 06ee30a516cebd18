//! Results per officer: attendance, JP, scores, gains and the outcome by the event's own rules; filters; who sees
//! which lines.

use bimtek_api::domain::role::Role;
use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, ok_json, spawn_app};

/// Officers of an event with five sessions of 2 JP each (threshold 80%, pass score 70, 45-minute JP).
pub struct Scenario {
    pub event: Uuid,
    pub unit: Uuid,
    pub other_unit: Uuid,
    pub sessions: Vec<Uuid>,
    /// (name, enrollment, officer)
    pub officers: Vec<(&'static str, Uuid, Uuid)>,
}

/// Attendance and scores:
/// - Ahmad: 4 of 5 sessions (80%), pre 40, post 70 -> certificate, gain 30, normalized 0.5
/// - Budi: 5 of 5, pre 50, post 60 -> attendance_letter, gain 10
/// - Citra: 3 of 5 (one late), post 95 -> not_completed
/// - Dewi (other unit): 5 of 5, no scores -> attendance_letter; practical 88
pub fn scenario(app: &TestApp, unit: Uuid) -> Scenario {
    let event = app.seed_event("ongoing", 20);
    let other_unit = app.seed_unit(&format!(
        "O{}",
        &Uuid::new_v4().simple().to_string()[..8].to_uppercase()
    ));
    let sessions: Vec<Uuid> = (0..5)
        .map(|i| app.seed_session(event, -600 + i * 100, -550 + i * 100, 2))
        .collect();
    let mut officers = Vec::new();
    let mut sql = format!(
        "UPDATE events SET attendance_threshold = 80, pass_score = 70, jp_minutes = 45 WHERE id = '{event}';"
    );
    for (name, unit, attended, pre, post) in [
        ("Ahmad Fauzi", unit, 4, Some(40.0), Some(70.0)),
        ("Budi Santoso", unit, 5, Some(50.0), Some(60.0)),
        ("Citra Dewi", unit, 3, None, Some(95.0)),
        ("Dewi Lestari", other_unit, 5, None, None),
    ] {
        let officer = app.seed_participant(unit, name);
        let (enrollment, _) = app.seed_enrollment(event, officer, "approved");
        for (i, session) in sessions.iter().enumerate() {
            let status = if i < attended {
                if name.starts_with("Citra") && i == 0 {
                    "late"
                } else {
                    "present"
                }
            } else {
                "absent"
            };
            sql.push_str(&format!(
                "INSERT INTO attendance (session_id, enrollment_id, participant_id, status, method)
                   VALUES ('{session}', '{enrollment}', '{officer}', '{status}', 'manual');"
            ));
        }
        for (kind, score) in [("pre_test", pre), ("post_test", post)] {
            if let Some(score) = score {
                sql.push_str(&format!(
                    "INSERT INTO scores (enrollment_id, kind, score, source) VALUES ('{enrollment}', '{kind}', {score}, 'manual');"
                ));
            }
        }
        if name.starts_with("Dewi") {
            sql.push_str(&format!(
                "INSERT INTO scores (enrollment_id, kind, score, source) VALUES ('{enrollment}', 'practical', 88, 'manual');"
            ));
        }
        officers.push((name, enrollment, officer));
    }
    // A withdrawn officer never appears in results.
    let gone = app.seed_participant(unit, "Eko Prasetyo");
    app.seed_enrollment(event, gone, "withdrawn");
    app.db().batch_execute(&sql).unwrap();
    Scenario {
        event,
        unit,
        other_unit,
        sessions,
        officers,
    }
}

fn results_path(event: Uuid, query: &str) -> String {
    format!("/api/v1/events/{event}/results{query}")
}

fn line<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["participant"]["full_name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {body}"))
}

#[tokio::test]
async fn results_follow_the_events_own_rules_and_compute_gains() {
    let app = spawn_app().await;
    let unit = app.seed_unit("RES1");
    let s = scenario(&app, unit);
    let (_, token) = app.organizer_of(s.event).await;
    let body = ok_json(
        app.send(Method::GET, &results_path(s.event, ""), &token, None)
            .await,
        200,
    )
    .await;
    assert_eq!(body["total"], 4);
    let names: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["participant"]["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Ahmad Fauzi", "Budi Santoso", "Citra Dewi", "Dewi Lestari"]
    );
    let ahmad = line(&body, "Ahmad Fauzi");
    assert_eq!(ahmad["sessions_total"], 5);
    assert_eq!(ahmad["sessions_attended"], 4);
    assert_eq!(ahmad["attendance_rate"], 80.0);
    assert_eq!(ahmad["jp_earned"], 8);
    assert_eq!(ahmad["minutes_earned"], 360);
    assert_eq!(ahmad["gain"], 30.0);
    assert_eq!(ahmad["normalized_gain"], 0.5);
    assert_eq!(ahmad["outcome"], "certificate");
    let budi = line(&body, "Budi Santoso");
    assert_eq!(budi["gain"], 10.0);
    assert_eq!(budi["outcome"], "attendance_letter");
    let citra = line(&body, "Citra Dewi");
    assert_eq!(citra["sessions_attended"], 3, "late counts as attended");
    assert_eq!(citra["attendance_rate"], 60.0);
    assert_eq!(citra["gain"], Value::Null);
    assert_eq!(citra["outcome"], "not_completed");
    let dewi = line(&body, "Dewi Lestari");
    assert_eq!(dewi["practical_score"], 88.0);
    assert_eq!(dewi["outcome"], "attendance_letter");
    assert_eq!(dewi["unit_id"], s.other_unit.to_string());

    // Filters: by outcome (computed in SQL with the same rule) and by unit.
    let body = ok_json(
        app.send(
            Method::GET,
            &results_path(s.event, "?outcome=attendance_letter"),
            &token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(body["total"], 2);
    let body = ok_json(
        app.send(
            Method::GET,
            &results_path(s.event, &format!("?unit_id={}&limit=1&offset=1", s.unit)),
            &token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(body["total"], 3);
    assert_eq!(body["items"][0]["participant"]["full_name"], "Budi Santoso");

    // The rules are the event's fields: with no pass score and a 60% threshold everyone is certified.
    app.db()
        .batch_execute(&format!(
            "UPDATE events SET pass_score = 0, attendance_threshold = 60 WHERE id = '{}'",
            s.event
        ))
        .unwrap();
    let body = ok_json(
        app.send(
            Method::GET,
            &results_path(s.event, "?outcome=certificate"),
            &token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(body["total"], 4, "{body}");
    assert!(
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["outcome"] == "certificate")
    );

    let response = app
        .send(
            Method::GET,
            &results_path(s.event, "?outcome=passed"),
            &token,
            None,
        )
        .await;
    assert_problem(response, 400, "invalid_query").await;
}

#[tokio::test]
async fn results_are_scoped_like_the_attendance_summary() {
    let app = spawn_app().await;
    let (operator, operator_token) = app.user_with_token(Role::UnitOperator).await;
    let unit = app.unit_of(&operator);
    let s = scenario(&app, unit);
    let count = |body: &Value| body["total"].as_i64().unwrap();

    let body = ok_json(
        app.send(
            Method::GET,
            &results_path(s.event, ""),
            &operator_token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(count(&body), 3, "the operator sees their unit's officers");
    assert!(!body.to_string().contains("Dewi Lestari"));

    let (_, officer, participant_token) = app.participant_account(unit, "Fajar Nugroho").await;
    app.seed_enrollment(s.event, officer, "approved");
    let body = ok_json(
        app.send(
            Method::GET,
            &results_path(s.event, ""),
            &participant_token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(count(&body), 1);
    assert_eq!(body["items"][0]["participant"]["id"], officer.to_string());

    let (facilitator, facilitator_token) = app.user_with_token(Role::Facilitator).await;
    app.add_facilitator(s.sessions[0], facilitator.id);
    let body = ok_json(
        app.send(
            Method::GET,
            &results_path(s.event, ""),
            &facilitator_token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(count(&body), 5);

    let (_, stranger) = app.user_with_token(Role::Facilitator).await;
    let (_, organizer) = app.user_with_token(Role::Organizer).await;
    for token in [&stranger, &organizer] {
        let response = app
            .send(Method::GET, &results_path(s.event, ""), token, None)
            .await;
        assert_problem(response, 403, "forbidden").await;
    }
    app.set_event_status(s.event, "draft");
    let response = app
        .send(
            Method::GET,
            &results_path(s.event, ""),
            &operator_token,
            None,
        )
        .await;
    assert_problem(response, 404, "not_found").await;
    let response = app
        .send(
            Method::GET,
            &results_path(Uuid::new_v4(), ""),
            &facilitator_token,
            None,
        )
        .await;
    assert_problem(response, 404, "not_found").await;
}
