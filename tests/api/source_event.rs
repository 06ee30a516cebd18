//! The event of the source text, end to end through the API, run by one organizer and the operators of the seven
//! sending units, with no administrator after the first setup (issue 18): accounts issued in bulk and activated,
//! bulk nominations and approvals, the day's logins and check-ins from one address, the pre-test and the
//! post-test made from its template, an evaluation with every question kind, the results and certificates, a
//! level-3 follow-up created and answered four months after the event, and the reports.
//!
//! Four months cannot pass inside a test: once the event day's work is done, the test moves the event and its
//! sessions 120 days into the past with one SQL statement (its only write outside the API after the setup), so that
//! completing it, issuing certificates and the follow-up happen "after the fact", as an organizer records them.

use bimtek_api::domain::role::Role;
use chrono::{Duration, FixedOffset, Utc};
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp, ok_json, pdf_pages_text, spawn_app};

const LIKERT_LABELS: [&str; 5] = ["Sangat kurang", "Kurang", "Cukup", "Baik", "Sangat baik"];
const OFFICER_PASSWORD: &str = "kata-sandi-petugas-2025";

/// The sending units and how many officers each sends (17 in all, as in the source text).
const UNITS: [(&str, &str, usize); 7] = [
    ("LAPAS-PKY", "Lapas Kelas IIA Palangka Raya", 3),
    ("RUTAN-PKY", "Rutan Kelas IIA Palangka Raya", 3),
    ("LAPAS-SPT", "Lapas Kelas IIB Sampit", 3),
    ("LAPAS-PBUN", "Lapas Kelas IIB Pangkalan Bun", 2),
    ("LAPAS-MTW", "Lapas Kelas IIB Muara Teweh", 2),
    ("RUTAN-KKP", "Rutan Kelas IIB Kuala Kapuas", 2),
    ("BAPAS-PKY", "Bapas Kelas II Palangka Raya", 2),
];

struct Officer {
    id: Uuid,
    nip: String,
    unit: usize,
    enrollment: Uuid,
    token: String,
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Value {
    let response = app.send(method.clone(), path, token, body).await;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert!(
        (200..300).contains(&status),
        "{method} {path}: {status} {text}"
    );
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn login(app: &TestApp, username: &str, password: &str) -> String {
    let body = ok_json(app.login_response(username, password).await, 200).await;
    body["access_token"].as_str().unwrap().to_owned()
}

fn id(value: &Value) -> Uuid {
    value["id"].as_str().unwrap().parse().unwrap()
}

async fn open(app: &TestApp, token: &str, instrument: Uuid) {
    call(
        app,
        Method::PATCH,
        &format!("/api/v1/instruments/{instrument}"),
        token,
        Some(json!({"status": "open"})),
    )
    .await;
}

fn question_ids(instrument: &Value) -> Vec<String> {
    instrument["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_source_event_runs_end_to_end_with_an_organizer_and_the_operators_only() {
    let app = spawn_app().await;

    // --- first setup, by an administrator: the host, the sending units, the people who run the event
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let host = app.seed_unit("LPN-KSG");
    let units: Vec<Uuid> = UNITS
        .iter()
        .map(|(code, _, _)| app.seed_unit(code))
        .collect();
    let mut operators = Vec::new();
    for (i, unit) in units.iter().enumerate() {
        let username = format!("operator.{}", UNITS[i].0.to_lowercase());
        call(
            &app,
            Method::POST,
            "/api/v1/users",
            &admin,
            Some(
                json!({"username": username, "password": PASSWORD, "role": "unit_operator",
                "unit_id": unit, "display_name": format!("Operator {}", UNITS[i].1)}),
            ),
        )
        .await;
        operators.push(login(&app, &username, PASSWORD).await);
    }
    for (username, role) in [
        ("penyelenggara", "organizer"),
        ("narasumber", "facilitator"),
    ] {
        call(
            &app,
            Method::POST,
            "/api/v1/users",
            &admin,
            Some(json!({"username": username, "password": PASSWORD, "role": role})),
        )
        .await;
    }
    let organizer = login(&app, "penyelenggara", PASSWORD).await;
    let facilitator = login(&app, "narasumber", PASSWORD).await;
    let facilitator_id =
        call(&app, Method::GET, "/api/v1/me", &facilitator, None).await["id"].clone();
    drop(admin);

    // --- the operators register their officers and issue their accounts in bulk, printed as slips
    let mut officers: Vec<Officer> = Vec::new();
    let mut seq = 0;
    for (u, (_, _, count)) in UNITS.iter().enumerate() {
        for _ in 0..*count {
            seq += 1;
            let nip = format!("198503{:02}2010011{seq:03}", 1 + seq % 28);
            let created = call(
                &app,
                Method::POST,
                "/api/v1/participants",
                &operators[u],
                Some(
                    json!({"nip": nip, "full_name": format!("Pegawai {seq:02}"), "sex": "male",
                    "employee_type": "pns", "unit_id": units[u], "grade": "III/a"}),
                ),
            )
            .await;
            officers.push(Officer {
                id: id(&created),
                nip,
                unit: u,
                enrollment: Uuid::nil(),
                token: String::new(),
            });
        }
    }
    let mut codes = std::collections::HashMap::new();
    for (u, unit) in units.iter().enumerate() {
        let issued = call(
            &app,
            Method::POST,
            &format!("/api/v1/units/{unit}/participant-accounts"),
            &operators[u],
            Some(json!({"all_without_account": true})),
        )
        .await;
        assert_eq!(issued["summary"]["created"], UNITS[u].2, "{issued}");
        for row in issued["accounts"].as_array().unwrap() {
            codes.insert(
                row["participant_id"].as_str().unwrap().to_owned(),
                row["activation_code"].as_str().unwrap().to_owned(),
            );
        }
    }
    // one unit prints its slips instead (new codes, the earlier ones void)
    let slips = app
        .client
        .post(app.url(&format!("/api/v1/units/{}/participant-accounts", units[0])))
        .bearer_auth(&operators[0])
        .header("accept", "application/pdf")
        .json(&json!({"participant_ids": officers.iter().filter(|o| o.unit == 0).map(|o| o.id).collect::<Vec<_>>()}))
        .send()
        .await
        .unwrap();
    assert_eq!(slips.status(), 200);
    let text = pdf_pages_text(&slips.bytes().await.unwrap()).join("\n");
    for officer in officers.iter().filter(|o| o.unit == 0) {
        let lines: Vec<&str> = text.lines().collect();
        let at = lines.iter().position(|l| *l == officer.nip).unwrap();
        let code = lines[at..]
            .iter()
            .find(|l| l.len() == 14 && l.as_bytes()[4] == b'-' && l.as_bytes()[9] == b'-')
            .unwrap();
        codes.insert(officer.id.to_string(), (*code).to_owned());
    }

    // --- every officer activates and logs in with their NIP, all from this one address
    for officer in officers.iter_mut() {
        let code = &codes[&officer.id.to_string()];
        let response = app
            .client
            .post(app.url("/api/v1/auth/activate"))
            .json(
                &json!({"nip": officer.nip, "activation_code": code, "password": OFFICER_PASSWORD}),
            )
            .send()
            .await
            .unwrap();
        ok_json(response, 200).await;
        officer.token = login(&app, &officer.nip, OFFICER_PASSWORD).await;
    }

    // --- the organizer sets up the program, the event and its six sessions around this moment
    let program = call(
        &app,
        Method::POST,
        "/api/v1/programs",
        &organizer,
        Some(json!({"name": "PM Rehabilitasi Sosial", "year": 2025})),
    )
    .await;
    let wib = FixedOffset::east_opt(7 * 3600).unwrap();
    let now = Utc::now();
    // The sessions run back to back from 10 minutes ago: the event covers the days (WIB) they fall on.
    let first = now - Duration::minutes(10);
    let starts = |i: i64| first + Duration::minutes(10 * i);
    let event = call(
        &app,
        Method::POST,
        "/api/v1/events",
        &organizer,
        Some(json!({
            "title": "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial",
            "kind": "orientation", "host_unit_id": host, "program_id": id(&program),
            "starts_on": first.with_timezone(&wib).date_naive(),
            "ends_on": starts(6).with_timezone(&wib).date_naive(),
            "capacity": 20, "attendance_threshold": 80, "pass_score": 70, "jp_minutes": 45,
            "legal_basis": "W.16-UM.01.01-1234"
        })),
    )
    .await;
    let event_id = id(&event);
    let kinds = [
        ("morning_meeting", "Morning meeting"),
        ("seminar", "Seminar"),
        ("group_therapy", "Group therapy"),
        ("simulation", "Simulasi"),
        ("discussion", "Diskusi interaktif"),
        ("closing", "Penutupan"),
    ];
    let mut sessions = Vec::new();
    for (i, (kind, title)) in kinds.iter().enumerate() {
        let session = call(
            &app,
            Method::POST,
            &format!("/api/v1/events/{event_id}/sessions"),
            &organizer,
            Some(
                json!({"kind": kind, "title": title, "starts_at": starts(i as i64),
                "ends_at": starts(i as i64 + 1), "jp": 2, "facilitator_ids": [facilitator_id],
                "location": "Aula Lapas Narkotika Kelas IIA Kasongan"}),
            ),
        )
        .await;
        sessions.push(id(&session));
    }
    call(
        &app,
        Method::POST,
        &format!("/api/v1/events/{event_id}/publish"),
        &organizer,
        None,
    )
    .await;

    // --- each operator nominates their officers in one request; the organizer approves all in one
    let mut enrollment_ids = Vec::new();
    for (u, operator) in operators.iter().enumerate() {
        let nominations: Vec<Value> = officers
            .iter()
            .filter(|o| o.unit == u)
            .map(|o| json!({"participant_id": o.id}))
            .collect();
        let result = call(
            &app,
            Method::POST,
            &format!("/api/v1/events/{event_id}/enrollments/bulk"),
            operator,
            Some(json!({"nominations": nominations})),
        )
        .await;
        for row in result["rows"].as_array().unwrap() {
            assert_eq!(row["status"], "nominated", "{row}");
            let officer = officers
                .iter_mut()
                .find(|o| row["participant_id"] == o.id.to_string())
                .unwrap();
            officer.enrollment = row["enrollment_id"].as_str().unwrap().parse().unwrap();
            enrollment_ids.push(officer.enrollment);
        }
    }
    let decisions: Vec<Value> = enrollment_ids
        .iter()
        .map(|e| json!({"enrollment_id": e, "action": "approve"}))
        .collect();
    let decided = call(
        &app,
        Method::POST,
        &format!("/api/v1/events/{event_id}/enrollments/decisions"),
        &organizer,
        Some(json!({"decisions": decisions})),
    )
    .await;
    assert_eq!(decided["summary"]["approved"], 17, "{decided}");

    // --- the day: the event starts, the officers take the pre-test and check in to the seminar
    call(
        &app,
        Method::POST,
        &format!("/api/v1/events/{event_id}/start"),
        &organizer,
        None,
    )
    .await;
    let options = |correct: &str| {
        let options: Vec<Value> = ["a", "b", "c"]
            .iter()
            .map(|k| {
                let mut option = json!({"key": k, "label": format!("Pilihan {k}")});
                if *k == correct {
                    option["correct"] = json!(true);
                    option["points"] = json!(1);
                }
                option
            })
            .collect();
        json!({ "options": options })
    };
    let pre_test = call(
        &app,
        Method::POST,
        &format!("/api/v1/events/{event_id}/instruments"),
        &organizer,
        Some(json!({"kind": "pre_test", "title": "Pre-test PM Rehabilitasi Sosial", "questions": [
            {"type": "single_choice", "prompt": "Kegiatan yang membuka hari dalam metode TC adalah ...", "settings": options("a")},
            {"type": "single_choice", "prompt": "Group therapy dipimpin oleh ...", "settings": options("b")}
        ]})),
    )
    .await;
    open(&app, &organizer, id(&pre_test)).await;
    let pre_questions = question_ids(&pre_test);
    for (i, officer) in officers.iter().enumerate() {
        // half of them know the first answer before the training
        let first_answer = if i % 2 == 0 { "a" } else { "c" };
        call(
            &app,
            Method::POST,
            &format!("/api/v1/instruments/{}/responses", id(&pre_test)),
            &officer.token,
            Some(
                json!({"answers": [{"question_id": pre_questions[0], "value": first_answer},
                {"question_id": pre_questions[1], "value": "c"}]}),
            ),
        )
        .await;
    }
    for officer in &officers {
        let enrollment = call(
            &app,
            Method::GET,
            &format!("/api/v1/enrollments/{}", officer.enrollment),
            &officer.token,
            None,
        )
        .await;
        let checked = call(
            &app,
            Method::POST,
            &format!("/api/v1/sessions/{}/check-in", sessions[1]),
            &officer.token,
            Some(json!({"code": enrollment["check_in_code"]})),
        )
        .await;
        assert_eq!(checked["result"], "checked_in", "{checked}");
    }
    // the other sessions' lists are recorded by the organizer; the last officer misses three sessions
    for (s, session) in sessions.iter().enumerate() {
        if s == 1 {
            continue;
        }
        let records: Vec<Value> = officers
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let status = if i == 16 && s >= 3 {
                    "absent"
                } else {
                    "present"
                };
                json!({"participant_id": o.id, "status": status})
            })
            .collect();
        call(
            &app,
            Method::PUT,
            &format!("/api/v1/sessions/{session}/attendance"),
            &organizer,
            Some(json!({"records": records})),
        )
        .await;
    }

    // --- the post-test is the pre-test's questions, through a template
    let template = call(
        &app,
        Method::POST,
        "/api/v1/instrument-templates",
        &organizer,
        Some(json!({"name": "Tes PM Rehabilitasi Sosial", "from_instrument_id": id(&pre_test)})),
    )
    .await;
    let post_test = call(
        &app,
        Method::POST,
        &format!("/api/v1/events/{event_id}/instruments"),
        &organizer,
        Some(json!({"template_id": id(&template), "kind": "post_test", "title": "Post-test PM Rehabilitasi Sosial"})),
    )
    .await;
    assert_eq!(post_test["kind"], "post_test");
    open(&app, &organizer, id(&post_test)).await;
    let post_questions = question_ids(&post_test);
    for (i, officer) in officers.iter().enumerate() {
        // everybody but the last two answers both right after the training
        let second = if i >= 15 { "c" } else { "b" };
        call(
            &app,
            Method::POST,
            &format!("/api/v1/instruments/{}/responses", id(&post_test)),
            &officer.token,
            Some(
                json!({"answers": [{"question_id": post_questions[0], "value": "a"},
                {"question_id": post_questions[1], "value": second}]}),
            ),
        )
        .await;
    }

    // --- the evaluation of the event, with every question kind
    let evaluation = call(
        &app,
        Method::POST,
        &format!("/api/v1/events/{event_id}/instruments"),
        &organizer,
        Some(json!({"kind": "event_evaluation", "title": "Evaluasi penyelenggaraan", "anonymous": true, "questions": [
            {"type": "likert", "prompt": "Materi disampaikan dengan jelas", "settings": {"scale": 5, "labels": LIKERT_LABELS}},
            {"type": "single_choice", "prompt": "Sesi paling bermanfaat", "settings": {"options": [
                {"key": "seminar", "label": "Seminar"}, {"key": "simulasi", "label": "Simulasi"}]}},
            {"type": "number", "prompt": "Berapa jam persiapan yang Anda perlukan?", "settings": {"min": 0, "max": 40}},
            {"type": "text", "prompt": "Saran untuk penyelenggara", "required": false}
        ]})),
    )
    .await;
    open(&app, &organizer, id(&evaluation)).await;
    let eval_questions = question_ids(&evaluation);
    for (i, officer) in officers.iter().enumerate() {
        let mut answers = vec![
            json!({"question_id": eval_questions[0], "value": 4 + (i % 2)}),
            json!({"question_id": eval_questions[1], "value": if i % 3 == 0 { "seminar" } else { "simulasi" }}),
            json!({"question_id": eval_questions[2], "value": 2 + (i % 4)}),
        ];
        if i < 3 {
            answers.push(
                json!({"question_id": eval_questions[3], "value": format!("Saran nomor {i}")}),
            );
        }
        call(
            &app,
            Method::POST,
            &format!("/api/v1/instruments/{}/responses", id(&evaluation)),
            &officer.token,
            Some(json!({"answers": answers})),
        )
        .await;
    }

    // --- four months pass (see the module's comment), then the organizer completes the event
    {
        let mut conn = app.db();
        diesel::sql_query(
            "UPDATE events SET starts_on = starts_on - 120, ends_on = ends_on - 120 WHERE id = $1",
        )
        .bind::<diesel::sql_types::Uuid, _>(event_id)
        .execute(&mut conn)
        .unwrap();
        diesel::sql_query(
            "UPDATE sessions SET starts_at = starts_at - interval '120 days', ends_at = ends_at - interval '120 days' \
             WHERE event_id = $1",
        )
        .bind::<diesel::sql_types::Uuid, _>(event_id)
        .execute(&mut conn)
        .unwrap();
    }
    call(
        &app,
        Method::POST,
        &format!("/api/v1/events/{event_id}/complete"),
        &organizer,
        None,
    )
    .await;

    // the results: 6 sessions of 2 JP; 14 pass, two attended but failed the post-test, one missed three sessions
    let results = call(
        &app,
        Method::GET,
        &format!("/api/v1/events/{event_id}/results?limit=100"),
        &organizer,
        None,
    )
    .await;
    assert_eq!(results["total"], 17);
    let outcomes: Vec<&str> = results["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    let count = |o: &str| outcomes.iter().filter(|x| **x == o).count();
    assert_eq!(
        (
            count("certificate"),
            count("attendance_letter"),
            count("not_completed")
        ),
        (15, 1, 1),
        "{results}"
    );
    let full = results["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["participant"]["id"] == officers[0].id.to_string())
        .unwrap();
    assert_eq!(full["jp_earned"], 12.0, "{full}");
    assert_eq!(full["attendance_rate"], 100.0);

    let issued = call(
        &app,
        Method::POST,
        &format!("/api/v1/events/{event_id}/certificates"),
        &organizer,
        None,
    )
    .await;
    assert_eq!(issued["created"], 16, "{issued}");

    // --- the level-3 follow-up, four months after: the alumni answer, the operators enter the supervisors'
    let follow_up = call(
        &app,
        Method::POST,
        &format!("/api/v1/events/{event_id}/instruments"),
        &organizer,
        Some(json!({"kind": "follow_up", "title": "Evaluasi pasca pelatihan (4 bulan)",
            "respondent_kinds": ["alumnus", "supervisor"], "questions": [
            {"type": "likert", "prompt": "Saya menerapkan tahapan TC dalam tugas harian", "settings": {"scale": 5, "labels": LIKERT_LABELS}}
        ]})),
    )
    .await;
    open(&app, &organizer, id(&follow_up)).await;
    let follow_question = question_ids(&follow_up)[0].clone();
    for officer in officers.iter().take(10) {
        call(
            &app,
            Method::POST,
            &format!("/api/v1/instruments/{}/responses", id(&follow_up)),
            &officer.token,
            Some(json!({"answers": [{"question_id": follow_question, "value": 4}]})),
        )
        .await;
    }
    for officer in officers.iter().filter(|o| o.unit < 2) {
        call(
            &app,
            Method::POST,
            &format!("/api/v1/instruments/{}/responses", id(&follow_up)),
            &operators[officer.unit],
            Some(
                json!({"respondent_kind": "supervisor", "enrollment_id": officer.enrollment,
                "answers": [{"question_id": follow_question, "value": 3}]}),
            ),
        )
        .await;
    }

    // --- the reports: every question kind, level 3 by respondent, the levels of the program and of a unit
    let report = call(
        &app,
        Method::GET,
        &format!("/api/v1/events/{event_id}/report"),
        &organizer,
        None,
    )
    .await;
    let block = report["reaction"]["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["instrument_id"] == id(&evaluation).to_string())
        .unwrap_or_else(|| panic!("no evaluation block in {report}"));
    assert_eq!(block["responses"], 17, "{block}");
    assert_eq!(block["questions"].as_array().unwrap().len(), 1, "{block}");
    assert_eq!(
        block["choice_questions"].as_array().unwrap().len(),
        1,
        "{block}"
    );
    assert_eq!(
        block["number_questions"].as_array().unwrap().len(),
        1,
        "{block}"
    );
    assert_eq!(report["comments"]["total"], 3, "{report}");
    assert_eq!(report["attendance"]["officers"], 17);
    assert_eq!(report["learning"]["paired_n"], 17, "{report}");
    assert_eq!(report["outcomes"]["certificate"], 15);
    let follow = report["behavior"]["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["instrument_id"] == id(&follow_up).to_string())
        .unwrap_or_else(|| panic!("no follow-up block in {report}"));
    let by_respondent: Vec<(&str, i64)> = follow["by_respondent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["respondent_kind"].as_str().unwrap(),
                r["responses"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_respondent,
        [("alumnus", 10), ("supervisor", 6)],
        "{follow}"
    );

    let program_report = call(
        &app,
        Method::GET,
        &format!("/api/v1/programs/{}/report", id(&program)),
        &organizer,
        None,
    )
    .await;
    let levels = &program_report["events"][0]["levels"];
    assert_eq!(levels["reaction_n"], 17, "{program_report}");
    assert_eq!(levels["behavior_n"], 16, "{program_report}");
    assert_eq!(levels["passed"], 15, "{program_report}");

    let year = (Utc::now() - Duration::days(120))
        .with_timezone(&wib)
        .date_naive()
        .format("%Y")
        .to_string();
    let unit_report = call(
        &app,
        Method::GET,
        &format!("/api/v1/units/{}/report?year={year}", units[0]),
        &operators[0],
        None,
    )
    .await;
    assert_eq!(unit_report["levels"]["behavior_n"], 6, "{unit_report}");
    assert_eq!(unit_report["levels"]["passed"], 3, "{unit_report}");
}
