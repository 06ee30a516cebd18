//! An officer's year: the transcript of their trainings and the JP ledger against the civil-service rule.

use bimtek_api::domain::role::Role;
use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::Value;

use crate::certificates::{account_of, issue, scenario};
use crate::helpers::{TestApp, assert_problem, error_fields, ok_json, spawn_app, spawn_app_with};

async fn get(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.send(Method::GET, path, token, None).await
}

fn this_year() -> i32 {
    bimtek_api::service::trainings::current_year()
}

/// Dates the scenario's event in June of the current year (WIB), whatever the day the test runs.
fn in_this_year(app: &TestApp, event: uuid::Uuid) {
    app.db()
        .batch_execute(&format!(
            "UPDATE events SET starts_on = make_date({y}, 6, 1), ends_on = make_date({y}, 6, 2) WHERE id = '{event}'",
            y = this_year()
        ))
        .unwrap();
}

#[tokio::test]
async fn the_transcript_lists_every_training_with_its_results_and_certificate_for_those_who_may_read_it()
 {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    in_this_year(&app, s.event);
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let budi = account_of(&app, s.budi).await;

    let page = ok_json(get(&app, "/api/v1/me/trainings", &budi).await, 200).await;
    assert_eq!(page["total"], 1, "{page}");
    let t = &page["items"][0];
    assert_eq!(t["event"]["id"], s.event.to_string());
    assert_eq!(t["event"]["status"], "completed");
    assert_eq!(t["enrollment_status"], "approved");
    assert_eq!(t["attendance_rate"], 100.0);
    assert_eq!(t["jp_earned"], 4);
    assert_eq!(t["outcome"], "certificate");
    assert_eq!(t["certificate"], Value::Null);

    assert_eq!(issue(&app, s.event, &admin).await.status(), 201);
    let page = ok_json(get(&app, "/api/v1/me/trainings", &budi).await, 200).await;
    let certificate = &page["items"][0]["certificate"];
    assert_eq!(certificate["kind"], "sertifikat");
    assert_eq!(certificate["status"], "valid");
    let id = certificate["id"].as_str().unwrap();
    assert_eq!(
        certificate["pdf_url"],
        format!("/api/v1/certificates/{id}.pdf")
    );
    assert_eq!(
        certificate["credential_url"],
        format!("/api/v1/certificates/{id}/credential")
    );
    assert!(
        certificate["verification_url"]
            .as_str()
            .unwrap()
            .starts_with("http://localhost:8080/verify/")
    );
    // The links work for the holder.
    assert_eq!(
        get(&app, certificate["pdf_url"].as_str().unwrap(), &budi)
            .await
            .status(),
        200
    );

    // The year of the trainings' last day.
    let path = format!("/api/v1/participants/{}/trainings", s.budi);
    let same = ok_json(
        get(&app, &format!("{path}?year={}", this_year()), &admin).await,
        200,
    )
    .await;
    assert_eq!(same["total"], 1);
    let other = ok_json(
        get(&app, &format!("{path}?year={}", this_year() - 1), &admin).await,
        200,
    )
    .await;
    assert_eq!(other["total"], 0);
    let body = assert_problem(
        get(&app, &format!("{path}?year=1999&limit=0"), &admin).await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(error_fields(&body), ["limit", "year"]);

    // An officer who did not complete the attendance.
    let citra_path = format!("/api/v1/participants/{}/trainings", s.citra);
    let citra = ok_json(get(&app, &citra_path, &admin).await, 200).await;
    assert_eq!(citra["items"][0]["outcome"], "not_completed");

    // Who: the unit's operator and the event's organizer read it; another officer, a foreign operator and a
    // facilitator do not; an organizer of other events sees none of these trainings.
    let operator = app.operator_of(s.unit).await;
    assert_eq!(
        ok_json(get(&app, &path, &operator).await, 200).await["total"],
        1
    );
    let (_, organizer) = app.organizer_of(s.event).await;
    assert_eq!(
        ok_json(get(&app, &path, &organizer).await, 200).await["total"],
        1
    );
    let (_, other_organizer) = app.user_with_token(Role::Organizer).await;
    assert_eq!(
        ok_json(get(&app, &path, &other_organizer).await, 200).await["total"],
        0
    );
    let (_, _, other_officer) = app.participant_account(s.unit, "Eka Putri").await;
    let (_, foreign_operator) = app.user_with_token(Role::UnitOperator).await;
    let (_, facilitator) = app.user_with_token(Role::Facilitator).await;
    for token in [&other_officer, &foreign_operator, &facilitator] {
        assert_problem(get(&app, &path, token).await, 403, "forbidden").await;
    }
    assert_problem(
        get(&app, "/api/v1/me/trainings", &admin).await,
        404,
        "no_officer",
    )
    .await;
    assert_problem(
        get(
            &app,
            "/api/v1/participants/5eed0000-0000-4000-8000-00000000ffff/trainings",
            &admin,
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn the_ledger_counts_completed_trainings_of_the_year_against_the_rule_of_the_employment_type()
{
    let app = spawn_app().await;
    let s = scenario(&app, "");
    in_this_year(&app, s.event);
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let year = this_year();

    // Budi (PNS): 4 JP of a completed training, below the minimum of 20.
    let budi = account_of(&app, s.budi).await;
    let ledger = ok_json(get(&app, "/api/v1/me/jp-ledger", &budi).await, 200).await;
    assert_eq!(ledger["year"], year, "the current year by default");
    assert_eq!(ledger["participant_id"], s.budi.to_string());
    assert_eq!(ledger["total_jp"], 4);
    assert_eq!(ledger["rule"]["kind"], "minimum");
    assert_eq!(ledger["rule"]["jp"], 20);
    assert!(
        ledger["rule"]["legal_basis"]
            .as_str()
            .unwrap()
            .contains("PP 11/2017")
    );
    assert_eq!(ledger["status"], "below");
    assert_eq!(ledger["shortfall"], 16);
    assert_eq!(ledger["entries"].as_array().unwrap().len(), 1);
    assert_eq!(ledger["entries"][0]["event"]["id"], s.event.to_string());

    // Ani passed no test but attended: her JP count. Citra did not complete the attendance: nothing counts.
    let ani = ok_json(
        get(
            &app,
            &format!("/api/v1/participants/{}/jp-ledger", s.ani),
            &admin,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (
            ani["total_jp"].as_i64(),
            ani["entries"][0]["outcome"].as_str()
        ),
        (Some(4), Some("attendance_letter"))
    );
    let citra = ok_json(
        get(
            &app,
            &format!("/api/v1/participants/{}/jp-ledger", s.citra),
            &admin,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(citra["total_jp"], 0);
    assert_eq!(citra["entries"], serde_json::json!([]));
    assert_eq!(citra["shortfall"], 20);

    // A PPPK officer: a ceiling, met while not passed.
    app.db()
        .batch_execute(&format!(
            "UPDATE participants SET employee_type = 'pppk', grade = NULL WHERE id = '{}'",
            s.budi
        ))
        .unwrap();
    let pppk = ok_json(get(&app, "/api/v1/me/jp-ledger", &budi).await, 200).await;
    assert_eq!(
        (pppk["rule"]["kind"].as_str(), pppk["rule"]["jp"].as_i64()),
        (Some("ceiling"), Some(24))
    );
    assert_eq!(pppk["status"], "met");
    assert!(
        pppk["rule"]["legal_basis"]
            .as_str()
            .unwrap()
            .contains("PP 49/2018")
    );

    // A training from 30 December to 2 January counts in the year of its last day.
    app.db()
        .batch_execute(&format!(
            "UPDATE events SET starts_on = make_date({previous}, 12, 30), ends_on = make_date({year}, 1, 2)
             WHERE id = '{event}'",
            previous = year - 1,
            event = s.event
        ))
        .unwrap();
    let path = format!("/api/v1/participants/{}/jp-ledger", s.ani);
    let ends = ok_json(get(&app, &format!("{path}?year={year}"), &admin).await, 200).await;
    assert_eq!(ends["total_jp"], 4);
    let starts = ok_json(
        get(&app, &format!("{path}?year={}", year - 1), &admin).await,
        200,
    )
    .await;
    assert_eq!(starts["total_jp"], 0);
    assert_eq!(starts["year"], year - 1);

    // An ongoing event's outcome may still change: it does not count yet.
    app.db()
        .batch_execute(&format!(
            "UPDATE events SET status = 'ongoing' WHERE id = '{}'",
            s.event
        ))
        .unwrap();
    let ongoing = ok_json(get(&app, &format!("{path}?year={year}"), &admin).await, 200).await;
    assert_eq!(ongoing["total_jp"], 0);

    // Who: not an organizer (a part of a year is no ledger), not another officer; a bad year is 400.
    let (_, organizer) = app.organizer_of(s.event).await;
    assert_problem(get(&app, &path, &organizer).await, 403, "forbidden").await;
    assert_problem(
        get(&app, &format!("{path}?year=2101"), &admin).await,
        400,
        "invalid_query",
    )
    .await;
    assert_problem(
        get(&app, "/api/v1/me/jp-ledger", &admin).await,
        404,
        "no_officer",
    )
    .await;
}

#[tokio::test]
async fn the_minimum_is_configurable() {
    let app = spawn_app_with(|settings| settings.jp_rules.minimum_pns = 4).await;
    let s = scenario(&app, "");
    in_this_year(&app, s.event);
    let budi = account_of(&app, s.budi).await;
    let ledger = ok_json(get(&app, "/api/v1/me/jp-ledger", &budi).await, 200).await;
    assert_eq!(
        (ledger["rule"]["jp"].as_i64(), ledger["status"].as_str()),
        (Some(4), Some("met"))
    );
    assert_eq!(ledger["shortfall"], 0);
}
