//! `GET /participants/{id}/export`: a subject's own data (UU PDP arts. 7-8), who may have it, and its audit entry.

use bimtek_api::domain::role::Role;
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{Text, Uuid as SqlUuid};
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app};

fn export_path(id: Uuid) -> String {
    format!("/api/v1/participants/{id}/export")
}

fn exports_of(app: &TestApp, id: Uuid) -> i64 {
    app.count(&format!(
        "audit_log WHERE action = 'participant.data_export' AND participant_id = '{id}'"
    ))
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

fn insert_returning_id(app: &TestApp, sql: &str, binds: &[Uuid]) -> Uuid {
    let mut query = sql_query(sql).into_boxed::<diesel::pg::Pg>();
    for b in binds {
        query = query.bind::<SqlUuid, _>(*b);
    }
    query.get_result::<IdRow>(&mut app.db()).unwrap().id
}

/// A response with one text answer to a one-question instrument of `event`; `anonymous` ones carry no enrollment.
fn seed_answer(app: &TestApp, event: Uuid, enrollment: Uuid, anonymous: bool, text: &str) {
    let instrument = insert_returning_id(
        app,
        &format!(
            "INSERT INTO instruments (event_id, kind, title, status, anonymous) \
             VALUES ($1, 'event_evaluation', 'Evaluasi {text}', 'open', {anonymous}) RETURNING id"
        ),
        &[event],
    );
    let question = insert_returning_id(
        app,
        "INSERT INTO questions (instrument_id, position, question_type, prompt) \
         VALUES ($1, 1, 'text', 'Saran untuk penyelenggara?') RETURNING id",
        &[instrument],
    );
    let response = if anonymous {
        insert_returning_id(
            app,
            "INSERT INTO responses (instrument_id) VALUES ($1) RETURNING id",
            &[instrument],
        )
    } else {
        insert_returning_id(
            app,
            "INSERT INTO responses (instrument_id, enrollment_id, submitted_at) VALUES ($1, $2, now()) \
             RETURNING id",
            &[instrument, enrollment],
        )
    };
    sql_query("INSERT INTO answers (response_id, question_id, value_text) VALUES ($1, $2, $3)")
        .bind::<SqlUuid, _>(response)
        .bind::<SqlUuid, _>(question)
        .bind::<Text, _>(text)
        .execute(&mut app.db())
        .unwrap();
}

#[tokio::test]
async fn an_officer_exports_everything_held_about_them_as_one_json_file() {
    let app = spawn_app().await;
    let operator = app.seed_user(Role::UnitOperator);
    let unit = app.unit_of(&operator);
    let (account, officer, token) = app.participant_account(unit, "Rahmat Hidayat").await;
    let event = app.seed_event("ongoing", 30);
    let session = app.seed_session(event, -60, 30, 2);
    let (enrollment, check_in_code) = app.seed_enrollment(event, officer, "approved");
    sql_query(
        "INSERT INTO attendance (session_id, enrollment_id, participant_id, status, method) \
         VALUES ($1, $2, $3, 'present', 'manual')",
    )
    .bind::<SqlUuid, _>(session)
    .bind::<SqlUuid, _>(enrollment)
    .bind::<SqlUuid, _>(officer)
    .execute(&mut app.db())
    .unwrap();
    sql_query(
        "INSERT INTO scores (enrollment_id, kind, score, source) VALUES ($1, 'post_test', 85, 'manual')",
    )
    .bind::<SqlUuid, _>(enrollment)
    .execute(&mut app.db())
    .unwrap();
    seed_answer(&app, event, enrollment, false, "Materi sangat bermanfaat");
    seed_answer(&app, event, enrollment, true, "Rahasia anonim");
    // Another officer's records stay out.
    let other = app.seed_participant(unit, "Siti Aminah");
    app.seed_enrollment(event, other, "approved");
    let nip: String = sql_query("SELECT nip AS id FROM participants WHERE id = $1")
        .bind::<SqlUuid, _>(officer)
        .get_result::<NipRow>(&mut app.db())
        .unwrap()
        .id;

    let response = app
        .send(reqwest::Method::GET, &export_path(officer), &token, None)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-disposition"],
        format!("attachment; filename=\"data-peserta-{officer}.json\"").as_str()
    );
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();

    assert_eq!(body["participant"]["id"], officer.to_string());
    assert_eq!(body["participant"]["nip"], nip.as_str(), "the full NIP");
    assert_eq!(body["participant"]["full_name"], "Rahmat Hidayat");
    assert_eq!(body["accounts"][0]["id"], account.id.to_string());
    assert_eq!(body["accounts"][0]["username"], account.username.as_str());
    assert_eq!(body["accounts"][0]["role"], "participant");
    assert_eq!(body["enrollments"].as_array().unwrap().len(), 1);
    assert_eq!(body["enrollments"][0]["id"], enrollment.to_string());
    assert_eq!(body["enrollments"][0]["status"], "approved");
    assert_eq!(body["attendance"].as_array().unwrap().len(), 1);
    assert_eq!(body["attendance"][0]["session_id"], session.to_string());
    assert_eq!(body["attendance"][0]["status"], "present");
    assert_eq!(body["scores"][0]["kind"], "post_test");
    assert_eq!(body["scores"][0]["score"], 85.0);
    assert_eq!(body["results"].as_array().unwrap().len(), 1);
    assert_eq!(body["results"][0]["enrollment_id"], enrollment.to_string());
    assert_eq!(body["results"][0]["post_score"], 85.0);
    assert_eq!(body["results"][0]["sessions_attended"], 1);
    let responses = body["responses"].as_array().unwrap();
    assert_eq!(
        responses.len(),
        1,
        "the anonymous response is not the officer's"
    );
    assert_eq!(
        responses[0]["answers"][0]["value_text"],
        "Materi sangat bermanfaat"
    );
    assert!(body["certificates"].as_array().unwrap().is_empty());
    let actions: Vec<&str> = body["audit_entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"enrollment.created") && actions.contains(&"attendance.created"),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"participant.data_export"),
        "the export lists itself"
    );
    for absent in [
        "Rahasia anonim",
        "Siti Aminah",
        "$argon2",
        &check_in_code,
        &other.to_string(),
    ] {
        assert!(!text.contains(absent), "{absent} in the export");
    }
    assert_eq!(exports_of(&app, officer), 1);
}

#[derive(QueryableByName)]
struct NipRow {
    #[diesel(sql_type = Text)]
    id: String,
}

#[tokio::test]
async fn only_the_officer_their_operator_and_admins_export_and_each_export_is_audited() {
    let app = spawn_app().await;
    let operator = app.seed_user(Role::UnitOperator);
    let unit = app.unit_of(&operator);
    let (_, officer, _) = app.participant_account(unit, "Dedi Kurniawan").await;
    let operator_token = app.token_for(&operator).await;
    let (_, other_operator) = app.user_with_token(Role::UnitOperator).await;
    let (_, organizer) = app.user_with_token(Role::Organizer).await;
    let (_, facilitator) = app.user_with_token(Role::Facilitator).await;
    let (_, _, other_participant) = app.participant_account(unit, "Eko Prasetyo").await;
    let (admin_user, admin) = app.user_with_token(Role::Admin).await;

    for (who, token) in [
        ("another unit's operator", &other_operator),
        ("an organizer", &organizer),
        ("a facilitator", &facilitator),
        ("another officer", &other_participant),
    ] {
        let response = app
            .send(reqwest::Method::GET, &export_path(officer), token, None)
            .await;
        assert_eq!(response.status(), 403, "{who}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "forbidden", "{who}");
    }
    assert_eq!(
        exports_of(&app, officer),
        0,
        "a refused export is no export"
    );

    for token in [&operator_token, &admin] {
        let response = app
            .send(reqwest::Method::GET, &export_path(officer), token, None)
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["participant"]["id"], officer.to_string());
    }
    assert_eq!(exports_of(&app, officer), 2);
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE action = 'participant.data_export' AND participant_id = '{officer}' \
             AND resource_type = 'participant' AND resource_id = '{officer}' \
             AND actor_user_id = '{}' AND actor_role = 'admin'",
            admin_user.id
        )),
        1
    );

    let unknown = app
        .send(
            reqwest::Method::GET,
            &export_path(Uuid::new_v4()),
            &admin,
            None,
        )
        .await;
    assert_eq!(unknown.status(), 404);
}
