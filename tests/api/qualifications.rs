//! Who is qualified, per unit: the officers holding a valid sertifikat of a program's events.

use bimtek_api::domain::role::Role;
use diesel::connection::SimpleConnection;
use reqwest::Method;
use uuid::Uuid;

use crate::certificates::{issue, scenario};
use crate::client_credentials::{access_token, client};
use crate::helpers::{TestApp, assert_problem, ok_json, spawn_app};

async fn get(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.send(Method::GET, path, token, None).await
}

fn names(list: &serde_json::Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["full_name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn officers_with_a_valid_sertifikat_of_the_program_are_listed_per_unit() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let program = Uuid::new_v4();
    app.db()
        .batch_execute(&format!(
            "INSERT INTO programs (id, name, year) VALUES ('{program}', 'PM Rehabilitasi Sosial', 2025);
             UPDATE events SET program_id = '{program}' WHERE id = '{}'",
            s.event
        ))
        .unwrap();
    let (_, admin) = app.user_with_token(Role::Admin).await;
    assert_eq!(issue(&app, s.event, &admin).await.status(), 201);
    let path = format!("/api/v1/programs/{program}/qualified-officers");

    // Budi holds a sertifikat; Ani's surat keterangan does not qualify; Citra has nothing.
    let list = ok_json(get(&app, &path, &admin).await, 200).await;
    assert_eq!(names(&list), ["Budi Santoso"]);
    assert_eq!(list["program"]["name"], "PM Rehabilitasi Sosial");
    let line = &list["items"][0];
    assert_eq!(line["unit"]["id"], s.unit.to_string());
    assert_eq!(line["nip"].as_str().unwrap().len(), 18);
    assert_eq!(line["certificate"]["event_id"], s.event.to_string());
    assert!(
        line["certificate"]["number"]
            .as_str()
            .unwrap()
            .contains("/")
    );
    assert_eq!(list["units"].as_array().unwrap().len(), 1);
    assert_eq!(list["units"][0]["unit"]["id"], s.unit.to_string());
    assert_eq!(list["units"][0]["officers"], 1);

    // Valid on a day: issued ten days ago, revoked today: valid five days ago, not today.
    let today = bimtek_api::domain::certificate::wib_date(chrono::Utc::now());
    app.db()
        .batch_execute(&format!(
            "UPDATE certificates SET issued_on = '{}' WHERE participant_id = '{}'",
            today - chrono::Duration::days(10),
            s.budi
        ))
        .unwrap();
    let before = ok_json(
        get(
            &app,
            &format!("{path}?valid_on={}", today - chrono::Duration::days(11)),
            &admin,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(before["total"], 0, "not issued yet");
    let certificate = line["certificate"]["id"].as_str().unwrap();
    let revoked = app
        .send(
            Method::POST,
            &format!("/api/v1/certificates/{certificate}/revoke"),
            &admin,
            Some(serde_json::json!({"reason": "Diterbitkan untuk peserta yang salah"})),
        )
        .await;
    assert_eq!(revoked.status(), 200);
    let now = ok_json(get(&app, &path, &admin).await, 200).await;
    assert_eq!(now["total"], 0, "revoked today");
    assert_eq!(now["valid_on"], today.to_string());
    let then = ok_json(
        get(
            &app,
            &format!("{path}?valid_on={}", today - chrono::Duration::days(5)),
            &admin,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(names(&then), ["Budi Santoso"], "valid then");

    // Who: organizers and the unit's operator (their own unit by default; another unit: 403), and a service
    // account with qualifications:read; not facilitators, officers or clients without the scope.
    let day = format!("{path}?valid_on={}", today - chrono::Duration::days(5));
    let (_, organizer) = app.user_with_token(Role::Organizer).await;
    assert_eq!(
        ok_json(get(&app, &day, &organizer).await, 200).await["total"],
        1
    );
    let operator = app.operator_of(s.unit).await;
    assert_eq!(
        ok_json(get(&app, &day, &operator).await, 200).await["total"],
        1
    );
    let (_, foreign_operator) = app.user_with_token(Role::UnitOperator).await;
    assert_eq!(
        ok_json(get(&app, &day, &foreign_operator).await, 200).await["total"],
        0
    );
    assert_problem(
        get(
            &app,
            &format!("{day}&unit_id={}", s.unit),
            &foreign_operator,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let (_, facilitator) = app.user_with_token(Role::Facilitator).await;
    assert_problem(get(&app, &day, &facilitator).await, 403, "forbidden").await;
    let sik = client(&app, &admin, "SIK", &["qualifications:read"]).await;
    let machine = access_token(&app, &sik, None).await;
    assert_eq!(
        ok_json(
            get(&app, &format!("{day}&unit_id={}", s.unit), &machine).await,
            200
        )
        .await["total"],
        1
    );
    let other = client(&app, &admin, "Other", &["units:read"]).await;
    let other = access_token(&app, &other, None).await;
    assert_problem(get(&app, &day, &other).await, 403, "insufficient_scope").await;

    // An archived officer cannot be assigned; an unknown program is 404.
    app.db()
        .batch_execute(&format!(
            "UPDATE participants SET archived_at = now() WHERE id = '{}'",
            s.budi
        ))
        .unwrap();
    assert_eq!(
        ok_json(get(&app, &day, &admin).await, 200).await["total"],
        0
    );
    assert_problem(
        get(
            &app,
            "/api/v1/programs/5eed0000-0000-4000-8000-00000000ffff/qualified-officers",
            &admin,
        )
        .await,
        404,
        "not_found",
    )
    .await;
}
