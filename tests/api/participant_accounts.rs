//! Participant accounts for a whole unit (`POST /units/{id}/participant-accounts`) and their activation
//! (`POST /auth/activate`, the `/aktivasi` page): who may issue, the codes (one-time, hashed, expiring, voided by a
//! new one), the printable slips, the login that follows.

use bimtek_api::domain::role::Role;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, ok_json, pdf_pages_text, spawn_app};

const NEW_PASSWORD: &str = "kata-sandi-baru-2025";

fn nip_of(app: &TestApp, participant: Uuid) -> String {
    use bimtek_api::schema::participants;
    participants::table
        .find(participant)
        .select(participants::nip)
        .first::<Option<String>>(&mut app.db())
        .unwrap()
        .unwrap()
}

fn issue_path(unit: Uuid) -> String {
    format!("/api/v1/units/{unit}/participant-accounts")
}

async fn issue(app: &TestApp, token: &str, unit: Uuid, body: Value) -> reqwest::Response {
    app.send(Method::POST, &issue_path(unit), token, Some(body))
        .await
}

async fn activate(app: &TestApp, nip: &str, code: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/activate"))
        .json(&json!({"nip": nip, "activation_code": code, "password": password}))
        .send()
        .await
        .unwrap()
}

/// The row of `participant` in an answer.
fn row_of(body: &Value, participant: Uuid) -> &Value {
    body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["participant_id"] == participant.to_string())
        .unwrap_or_else(|| panic!("no row of {participant} in {body}"))
}

fn code_of(body: &Value, participant: Uuid) -> String {
    row_of(body, participant)["activation_code"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_operator_issues_accounts_for_the_unit_and_each_officer_activates_with_nip_and_code() {
    let app = spawn_app().await;
    let (operator, token) = app.user_with_token(Role::UnitOperator).await;
    let unit = app.unit_of(&operator);
    let other_unit = app.seed_unit("LAPAS-ACC-OTHER");
    let ani = app.seed_participant(unit, "Ani");
    let budi = app.seed_participant(unit, "Budi");
    let (_, with_account, _) = app.participant_account(unit, "Citra").await;
    let _elsewhere = app.seed_participant(other_unit, "Dodi");

    let response = issue(&app, &token, unit, json!({"all_without_account": true})).await;
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let body = ok_json(response, 200).await;
    assert_eq!(
        body["summary"],
        json!({"created": 2, "reissued": 0, "error": 0}),
        "{body}"
    );
    assert_eq!(body["remaining"], 0);
    assert!(
        body["activation_url"]
            .as_str()
            .unwrap()
            .ends_with("/aktivasi")
    );
    let names: Vec<&str> = body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Ani", "Budi"],
        "by name, the officer with an account left out"
    );
    assert_eq!(row_of(&body, ani)["nip"], nip_of(&app, ani));
    let code = code_of(&body, ani);
    assert_eq!(code.len(), 14, "{code}");
    assert!(!body.to_string().contains(&with_account.to_string()));

    // only a salted hash is stored, and the audit log shows that a code was issued, never the code
    let stored: Vec<u8> = {
        use bimtek_api::schema::users;
        users::table
            .filter(users::participant_id.eq(ani))
            .select(users::activation_code_hash)
            .first::<Option<Vec<u8>>>(&mut app.db())
            .unwrap()
            .unwrap()
    };
    assert_eq!(stored.len(), 32);
    let audit: Vec<Value> = {
        use bimtek_api::schema::audit_log;
        audit_log::table
            .filter(audit_log::participant_id.eq(ani))
            .filter(audit_log::action.eq("user.created"))
            .select(audit_log::changes)
            .load(&mut app.db())
            .unwrap()
    };
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["activation"], "issued", "{}", audit[0]);
    assert_eq!(audit[0]["activation_code_hash"]["new"], "[redacted]");
    assert!(!audit[0].to_string().contains(&code));
    assert!(!audit[0].to_string().contains(&code.replace('-', "")));

    // before the activation no password opens the account, not even the placeholder
    let nip = nip_of(&app, ani);
    assert_problem(
        app.login_response(&nip, "!activation-pending").await,
        401,
        "invalid_credentials",
    )
    .await;

    // the officer activates (typing the code in lower case without hyphens) and is logged in
    let typed = code.to_lowercase().replace('-', " ");
    let tokens = ok_json(activate(&app, &nip, &typed, NEW_PASSWORD).await, 200).await;
    let me = ok_json(
        app.send(
            Method::GET,
            "/api/v1/me",
            tokens["access_token"].as_str().unwrap(),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(me["role"], "participant");
    assert_eq!(me["participant"]["id"], ani.to_string());
    // the code works once; the NIP and the new password log in from now on
    assert_problem(
        activate(&app, &nip, &code, "another-password-2025").await,
        401,
        "invalid_activation_code",
    )
    .await;
    ok_json(app.login_response(&nip, NEW_PASSWORD).await, 200).await;
    let activated: Value = {
        use bimtek_api::schema::audit_log;
        audit_log::table
            .filter(audit_log::participant_id.eq(ani))
            .filter(audit_log::action.eq("user.updated"))
            .select(audit_log::changes)
            .first(&mut app.db())
            .unwrap()
    };
    assert_eq!(activated["activation"], "activated", "{activated}");
    assert_eq!(activated["password_hash"]["new"], "[redacted]");

    // a wrong code and a wrong NIP get the same answer
    let budi_nip = nip_of(&app, budi);
    assert_problem(
        activate(&app, &budi_nip, "AAAA-BBBB-CCCC", NEW_PASSWORD).await,
        401,
        "invalid_activation_code",
    )
    .await;
    assert_problem(
        activate(
            &app,
            "199001012020121001",
            &code_of(&body, budi),
            NEW_PASSWORD,
        )
        .await,
        401,
        "invalid_activation_code",
    )
    .await;
}

#[tokio::test]
async fn a_new_code_voids_the_old_one_and_an_expired_or_erased_officers_code_opens_nothing() {
    let app = spawn_app().await;
    let (operator, token) = app.user_with_token(Role::UnitOperator).await;
    let unit = app.unit_of(&operator);
    let eka = app.seed_participant(unit, "Eka");
    let fajar = app.seed_participant(unit, "Fajar");
    let first = ok_json(
        issue(&app, &token, unit, json!({"participant_ids": [eka, fajar]})).await,
        200,
    )
    .await;
    let again = ok_json(
        issue(&app, &token, unit, json!({"participant_ids": [eka]})).await,
        200,
    )
    .await;
    assert_eq!(row_of(&again, eka)["status"], "reissued");
    assert_eq!(
        row_of(&again, eka)["user_id"],
        row_of(&first, eka)["user_id"],
        "the same account"
    );
    let nip = nip_of(&app, eka);
    assert_problem(
        activate(&app, &nip, &code_of(&first, eka), NEW_PASSWORD).await,
        401,
        "invalid_activation_code",
    )
    .await;
    ok_json(
        activate(&app, &nip, &code_of(&again, eka), NEW_PASSWORD).await,
        200,
    )
    .await;

    // an activated officer who forgot the password gets a new code; the password works until it is used
    let reset = ok_json(
        issue(&app, &token, unit, json!({"participant_ids": [eka]})).await,
        200,
    )
    .await;
    ok_json(app.login_response(&nip, NEW_PASSWORD).await, 200).await;
    ok_json(
        activate(&app, &nip, &code_of(&reset, eka), "a-newer-password-2026").await,
        200,
    )
    .await;
    assert_problem(
        app.login_response(&nip, NEW_PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;

    // the right code after its expiry says so
    {
        use bimtek_api::schema::users;
        diesel::update(users::table.filter(users::participant_id.eq(fajar)))
            .set(users::activation_expires_at.eq(chrono::Utc::now() - chrono::Duration::minutes(1)))
            .execute(&mut app.db())
            .unwrap();
    }
    let fajar_nip = nip_of(&app, fajar);
    assert_problem(
        activate(&app, &fajar_nip, &code_of(&first, fajar), NEW_PASSWORD).await,
        401,
        "activation_code_expired",
    )
    .await;

    // erasure voids a waiting code
    let gita = app.seed_participant(unit, "Gita");
    let issued = ok_json(
        issue(&app, &token, unit, json!({"participant_ids": [gita]})).await,
        200,
    )
    .await;
    let gita_nip = nip_of(&app, gita);
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let erased = app
        .send(
            Method::POST,
            &format!("/api/v1/participants/{gita}/erase"),
            &admin,
            None,
        )
        .await;
    assert!(erased.status().is_success(), "{}", erased.status());
    let waiting: Option<Vec<u8>> = {
        use bimtek_api::schema::users;
        users::table
            .filter(users::participant_id.eq(gita))
            .select(users::activation_code_hash)
            .first(&mut app.db())
            .unwrap()
    };
    assert!(waiting.is_none());
    assert_problem(
        activate(&app, &gita_nip, &code_of(&issued, gita), NEW_PASSWORD).await,
        401,
        "invalid_activation_code",
    )
    .await;
}

#[tokio::test]
async fn operators_issue_for_their_unit_organizers_for_their_events_officers_and_others_not_at_all()
{
    let app = spawn_app().await;
    let (operator, operator_token) = app.user_with_token(Role::UnitOperator).await;
    let unit = app.unit_of(&operator);
    let other_unit = app.seed_unit("LAPAS-ACC-ELSEWHERE");
    let enrolled = app.seed_participant(other_unit, "Hadi");
    let not_enrolled = app.seed_participant(other_unit, "Indah");
    let archived = app.seed_participant(other_unit, "Joko");
    {
        use bimtek_api::schema::participants;
        diesel::update(participants::table.find(archived))
            .set(participants::archived_at.eq(chrono::Utc::now()))
            .execute(&mut app.db())
            .unwrap();
    }
    let event = app.seed_event("published", 10);
    app.seed_enrollment(event, enrolled, "nominated");
    app.seed_enrollment(event, archived, "nominated");
    // a rejected nomination does not make an officer one of the organizer's
    let turned_down = app.seed_participant(other_unit, "Kurnia");
    app.seed_enrollment(event, turned_down, "rejected");
    let (_, organizer) = app.organizer_of(event).await;

    // an operator of another unit: 403 before the body is looked at
    let response = issue(
        &app,
        &operator_token,
        other_unit,
        json!({"participant_ids": "x"}),
    )
    .await;
    assert_problem(response, 403, "forbidden").await;
    for role in [Role::Facilitator, Role::Participant] {
        let (_, token) = app.user_with_token(role).await;
        let response = issue(
            &app,
            &token,
            other_unit,
            json!({"participant_ids": [enrolled]}),
        )
        .await;
        assert_problem(response, 403, "forbidden").await;
    }

    // an organizer: the officers enrolled in their events only; all_or_nothing writes nothing
    let body =
        json!({"participant_ids": [enrolled, not_enrolled, archived, Uuid::new_v4(), turned_down]});
    let problem = assert_problem(
        issue(&app, &organizer, other_unit, body.clone()).await,
        422,
        "bulk_rejected",
    )
    .await;
    assert_eq!(
        error_fields(&problem),
        [
            "[1].participant_id",
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
    assert_eq!(
        codes,
        ["forbidden", "archived", "unknown_reference", "forbidden"]
    );
    assert!(!problem.to_string().contains("Hadi"), "{problem}");
    assert_eq!(app.count("users WHERE participant_id IS NOT NULL"), 0);

    // best_effort: the enrolled officer gets an account, the others are reported
    let response = app
        .send(
            Method::POST,
            &format!("{}?mode=best_effort", issue_path(other_unit)),
            &organizer,
            Some(body),
        )
        .await;
    let issued = ok_json(response, 200).await;
    assert_eq!(
        issued["summary"],
        json!({"created": 1, "reissued": 0, "error": 4})
    );
    assert_eq!(row_of(&issued, not_enrolled)["full_name"], Value::Null);
    // "all without an account" for an organizer: their events' officers only (the archived one is no candidate,
    // nor the one whose nomination was rejected)
    let all = ok_json(
        issue(
            &app,
            &organizer,
            other_unit,
            json!({"all_without_account": true}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(all["summary"]["created"], 0, "{all}");

    // an administrator, for any unit
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let all = ok_json(
        issue(
            &app,
            &admin,
            other_unit,
            json!({"all_without_account": true}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(all["summary"]["created"], 2, "{all}");
    assert_eq!(row_of(&all, not_enrolled)["status"], "created");
    assert_eq!(row_of(&all, turned_down)["status"], "created");
    assert_problem(
        issue(
            &app,
            &admin,
            Uuid::new_v4(),
            json!({"all_without_account": true}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let _ = unit;
}

#[tokio::test]
async fn the_slips_carry_each_officers_code_and_the_request_refuses_to_be_stored() {
    let app = spawn_app().await;
    let (operator, token) = app.user_with_token(Role::UnitOperator).await;
    let unit = app.unit_of(&operator);
    let officers: Vec<Uuid> = (1..=5)
        .map(|i| app.seed_participant(unit, &format!("Pegawai {i:02}")))
        .collect();
    let response = app
        .client
        .post(app.url(&issue_path(unit)))
        .bearer_auth(&token)
        .header("accept", "application/pdf")
        .json(&json!({"participant_ids": officers}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    let bytes = response.bytes().await.unwrap();
    let pages = pdf_pages_text(&bytes);
    assert_eq!(pages.len(), 2, "four slips a page");
    assert!(pages[0].contains("AKTIVASI AKUN PESERTA BIMTEK"));
    assert!(pages[1].contains("Pegawai 05") && !pages[1].contains("Pegawai 04"));
    assert!(pages[0].contains(&nip_of(&app, officers[0])));
    assert!(pages[0].contains("Berlaku sampai"));
    // the code printed on the slip activates the account
    let code = pages[0]
        .lines()
        .find(|l| {
            l.len() == 14
                && l.chars().enumerate().all(|(i, c)| {
                    if i == 4 || i == 9 {
                        c == '-'
                    } else {
                        c.is_ascii_alphanumeric()
                    }
                })
        })
        .unwrap_or_else(|| panic!("no code on {}", pages[0]))
        .to_owned();
    ok_json(
        activate(&app, &nip_of(&app, officers[0]), &code, NEW_PASSWORD).await,
        200,
    )
    .await;

    // nothing to print: 409
    let response = app
        .client
        .post(app.url(&issue_path(unit)))
        .bearer_auth(&token)
        .header("accept", "application/pdf")
        .json(&json!({"all_without_account": true}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 409, "no_accounts_issued").await;

    // an idempotency key would store the codes: refused
    let response = app
        .client
        .post(app.url(&issue_path(unit)))
        .bearer_auth(&token)
        .header("idempotency-key", "accounts-1")
        .json(&json!({"participant_ids": [officers[1]]}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "idempotency_key_not_accepted").await;
}

#[tokio::test]
async fn malformed_requests_name_every_offending_field() {
    let app = spawn_app().await;
    let (operator, token) = app.user_with_token(Role::UnitOperator).await;
    let unit = app.unit_of(&operator);
    let a = app.seed_participant(unit, "Kartika");
    let problem = assert_problem(
        issue(
            &app,
            &token,
            unit,
            json!({"participant_ids": [a], "all_without_account": true}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        error_fields(&problem),
        ["all_without_account", "participant_ids"]
    );
    let problem = assert_problem(
        issue(&app, &token, unit, json!({})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["participant_ids"]);
    let problem = assert_problem(
        issue(&app, &token, unit, json!({"participant_ids": [a, a]})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&problem), ["participant_ids[1]"]);
    let problem = assert_problem(
        activate(&app, "12345", "short", "short").await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        error_fields(&problem),
        ["activation_code", "nip", "password"]
    );
}

#[tokio::test]
async fn the_activation_page_activates_in_indonesian_without_javascript() {
    let app = spawn_app().await;
    let (operator, token) = app.user_with_token(Role::UnitOperator).await;
    let unit = app.unit_of(&operator);
    let lina = app.seed_participant(unit, "Lina");
    let issued = ok_json(
        issue(&app, &token, unit, json!({"participant_ids": [lina]})).await,
        200,
    )
    .await;
    let nip = nip_of(&app, lina);

    let form = app.client.get(app.url("/aktivasi")).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let csp = form
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        csp.contains("form-action 'self'") && !csp.contains("script-src"),
        "{csp}"
    );
    let html = form.text().await.unwrap();
    assert!(
        html.contains("<form method=\"post\" action=\"/aktivasi\""),
        "{html}"
    );
    assert!(!html.contains("<script"));

    let post = |fields: Vec<(&'static str, String)>| {
        let request = app.client.post(app.url("/aktivasi")).form(&fields);
        async move { request.send().await.unwrap() }
    };
    let code = code_of(&issued, lina);
    let mismatch = post(vec![
        ("nip", nip.clone()),
        ("activation_code", code.clone()),
        ("password", NEW_PASSWORD.to_owned()),
        ("password_again", "something-else-2025".to_owned()),
    ])
    .await;
    assert_eq!(mismatch.status(), 422);
    let html = mismatch.text().await.unwrap();
    assert!(html.contains("Kedua kata sandi tidak sama."), "{html}");
    assert!(
        html.contains(&format!("value=\"{nip}\"")),
        "the NIP is kept"
    );
    assert!(!html.contains(&code), "the code is never echoed");

    let wrong = post(vec![
        ("nip", nip.clone()),
        ("activation_code", "AAAA-BBBB-CCCC".to_owned()),
        ("password", NEW_PASSWORD.to_owned()),
        ("password_again", NEW_PASSWORD.to_owned()),
    ])
    .await;
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("NIP atau kode aktivasi salah")
    );

    let done = post(vec![
        ("nip", nip.clone()),
        ("activation_code", code),
        ("password", NEW_PASSWORD.to_owned()),
        ("password_again", NEW_PASSWORD.to_owned()),
    ])
    .await;
    assert_eq!(done.status(), 200);
    let html = done.text().await.unwrap();
    assert!(html.contains("Akun Anda sudah aktif."), "{html}");
    assert!(!html.contains("access_token") && !html.contains("eyJ"));
    ok_json(app.login_response(&nip, NEW_PASSWORD).await, 200).await;
}
