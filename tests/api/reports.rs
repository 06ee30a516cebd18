//! Reports: an event's aggregates by Kirkpatrick level (checked against hand-computed figures), a program across
//! its events, a unit's officers over a year, and who may read each.

use bimtek_api::domain::role::Role;
use chrono::{Datelike, Duration, Utc};
use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, ok_json, spawn_app};
use crate::results::{Scenario, scenario};

/// Evaluations of the scenario's event: an anonymous event evaluation (two Likert questions of scale 5 and a
/// comment), a facilitator evaluation of the first session (scale 4, a comment) and a follow-up. Returns the
/// facilitator's id.
pub fn seed_evaluations(app: &TestApp, s: &Scenario) -> Uuid {
    let facilitator = app.seed_user(Role::Facilitator).id;
    let (ahmad, budi) = (s.officers[0].1, s.officers[1].1);
    let [i1, i2, i3] = [Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()];
    let [q1, q2, q3, q4, q5, q6] = [(); 6].map(|_| Uuid::new_v4());
    let [r1, r2, r3, r4, r5, r6] = [(); 6].map(|_| Uuid::new_v4());
    let (event, session) = (s.event, s.sessions[0]);
    app.db()
        .batch_execute(&format!(
            "INSERT INTO instruments (id, event_id, kind, title, status, anonymous, created_at) VALUES
               ('{i1}', '{event}', 'event_evaluation', 'Evaluasi Penyelenggaraan', 'closed', true, now() - interval '3 minutes');
             INSERT INTO instruments (id, event_id, kind, title, status, session_id, facilitator_id, created_at) VALUES
               ('{i2}', '{event}', 'facilitator_evaluation', 'Evaluasi Narasumber', 'closed', '{session}', '{facilitator}',
                now() - interval '2 minutes');
             INSERT INTO instruments (id, event_id, kind, title, status, due_on, respondent_kinds) VALUES
               ('{i3}', '{event}', 'follow_up', 'Evaluasi Pasca Pelatihan', 'open', current_date + 90, '{{alumnus,supervisor}}');
             INSERT INTO questions (id, instrument_id, position, question_type, prompt, settings, required) VALUES
               ('{q1}', '{i1}', 1, 'likert', 'Materi sesuai kebutuhan', '{{\"scale\": 5}}', true),
               ('{q2}', '{i1}', 2, 'likert', 'Fasilitas memadai', '{{\"scale\": 5}}', false),
               ('{q3}', '{i1}', 3, 'text', 'Saran', '{{\"max_length\": 500}}', false),
               ('{q4}', '{i2}', 1, 'likert', 'Narasumber menguasai materi', '{{\"scale\": 4}}', true),
               ('{q5}', '{i2}', 2, 'text', 'Komentar', '{{}}', false),
               ('{q6}', '{i3}', 1, 'likert', 'Menerapkan materi di tempat kerja', '{{\"scale\": 5}}', true);
             INSERT INTO responses (id, instrument_id, enrollment_id, respondent_kind, submitted_at) VALUES
               ('{r1}', '{i1}', NULL, 'participant', NULL), ('{r2}', '{i1}', NULL, 'participant', NULL),
               ('{r3}', '{i1}', NULL, 'participant', NULL),
               ('{r4}', '{i2}', '{ahmad}', 'participant', now()), ('{r5}', '{i2}', '{budi}', 'participant', now()),
               ('{r6}', '{i3}', '{ahmad}', 'alumnus', now());
             INSERT INTO answers (response_id, question_id, value_number, value_text) VALUES
               ('{r1}', '{q1}', 4, NULL), ('{r2}', '{q1}', 5, NULL), ('{r3}', '{q1}', 5, NULL),
               ('{r1}', '{q2}', 3, NULL), ('{r2}', '{q2}', 4, NULL),
               ('{r1}', '{q3}', NULL, 'Sangat bermanfaat'), ('{r2}', '{q3}', NULL, '  '),
               ('{r3}', '{q3}', NULL, '=cmd()'),
               ('{r4}', '{q4}', 4, NULL), ('{r5}', '{q4}', 3, NULL), ('{r4}', '{q5}', NULL, 'Materi jelas'),
               ('{r6}', '{q6}', 4, NULL);"
        ))
        .unwrap();
    facilitator
}

fn report_path(event: Uuid) -> String {
    format!("/api/v1/events/{event}/report")
}

#[tokio::test]
async fn the_event_report_aggregates_every_block_with_its_kirkpatrick_level() {
    let app = spawn_app().await;
    let unit = app.seed_unit("REP1");
    let s = scenario(&app, unit);
    let facilitator = seed_evaluations(&app, &s);
    let (_, token) = app.organizer_of(s.event).await;
    let r = ok_json(
        app.send(Method::GET, &report_path(s.event), &token, None)
            .await,
        200,
    )
    .await;

    assert_eq!(r["event"]["pass_score"], 70);
    assert_eq!(
        r["enrollments"],
        json!({"nominated": 0, "approved": 4, "rejected": 0, "waitlisted": 0, "withdrawn": 1, "total": 5})
    );
    let a = &r["attendance"];
    assert_eq!(
        (a["officers"].as_i64(), a["sessions_total"].as_i64()),
        (Some(4), Some(5))
    );
    assert_eq!(a["rate"], 85.0, "17 of 20 officer-sessions");
    assert_eq!(a["per_session"][0]["present"], 3);
    assert_eq!(a["per_session"][0]["late"], 1);
    assert_eq!(a["per_session"][0]["rate"], 100.0);
    assert_eq!(a["per_session"][4]["absent"], 2);
    assert_eq!(a["per_session"][4]["unrecorded"], 0);
    assert_eq!(a["per_session"][4]["rate"], 50.0);
    let per_unit: Vec<(String, f64)> = a["per_unit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["unit_id"].as_str().unwrap().to_owned(),
                u["rate"].as_f64().unwrap(),
            )
        })
        .collect();
    assert!(
        per_unit.contains(&(s.unit.to_string(), 80.0)),
        "{per_unit:?}"
    );
    assert!(
        per_unit.contains(&(s.other_unit.to_string(), 100.0)),
        "{per_unit:?}"
    );

    let l = &r["learning"];
    assert_eq!(l["level"], "level_2_learning");
    assert_eq!(l["level_label"], "Level 2 - Pembelajaran");
    assert_eq!(l["pre_test"], json!({"n": 2, "mean": 45.0}));
    assert_eq!(l["post_test"], json!({"n": 3, "mean": 75.0}));
    assert_eq!(l["paired_n"], 2);
    assert_eq!(l["mean_gain"], 20.0);
    assert_eq!(l["mean_normalized_gain"], 0.35);
    assert_eq!(l["passed"], 2);
    assert_eq!(l["pass_rate"], 66.7);
    assert_eq!(l["practical"], json!({"n": 1, "mean": 88.0}));
    assert_eq!(
        r["outcomes"],
        json!({"certificate": 1, "attendance_letter": 2, "not_completed": 1})
    );

    let reaction = &r["reaction"];
    assert_eq!(reaction["level"], "level_1_reaction");
    assert_eq!(reaction["level_label"], "Level 1 - Reaksi");
    let instruments = reaction["instruments"].as_array().unwrap();
    assert_eq!(instruments.len(), 2);
    assert_eq!(instruments[0]["responses"], 3);
    assert_eq!(instruments[0]["anonymous"], true);
    let q1 = &instruments[0]["questions"][0];
    assert_eq!(
        (q1["n"].as_i64(), q1["mean"].as_f64()),
        (Some(3), Some(4.67))
    );
    let counts: Vec<i64> = q1["distribution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["count"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, [0, 0, 0, 1, 2], "every value of the 5-point scale");
    assert_eq!(instruments[0]["questions"][1]["mean"], 3.5);
    assert_eq!(
        instruments[1]["questions"][0]["distribution"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        reaction["per_facilitator"][0]["id"],
        facilitator.to_string()
    );
    assert_eq!(reaction["per_facilitator"][0]["mean"], 3.5);
    assert_eq!(reaction["per_facilitator"][0]["responses"], 2);
    assert_eq!(reaction["per_session"][0]["id"], s.sessions[0].to_string());
    assert_eq!(reaction["per_session"][0]["mean"], 3.5);

    let behavior = &r["behavior"];
    assert_eq!(behavior["level"], "level_3_behavior");
    assert_eq!(behavior["level_label"], "Level 3 - Perilaku");
    assert_eq!(behavior["instruments"][0]["questions"][0]["mean"], 4.0);

    let comments = &r["comments"];
    assert_eq!(comments["total"], 3, "blank answers are no comments");
    let items = comments["items"].as_array().unwrap();
    for c in &items[..2] {
        assert_eq!(c["participant_id"], Value::Null, "anonymous: no officer");
        assert_eq!(c["level"], "level_1_reaction");
    }
    assert_eq!(items[2]["text"], "Materi jelas");
    assert_eq!(items[2]["participant_id"], s.officers[0].2.to_string());
    let text = r.to_string();
    for (name, _, _) in &s.officers {
        assert!(!text.contains(name), "the report names no officer");
    }
}

#[tokio::test]
async fn only_the_events_managers_read_its_report() {
    let app = spawn_app().await;
    let unit = app.seed_unit("REP2");
    let s = scenario(&app, unit);
    let (_, admin) = app.user_with_token(Role::Admin).await;
    ok_json(
        app.send(Method::GET, &report_path(s.event), &admin, None)
            .await,
        200,
    )
    .await;
    for role in [
        Role::Organizer,
        Role::Facilitator,
        Role::UnitOperator,
        Role::Participant,
    ] {
        let (_, token) = app.user_with_token(role).await;
        let response = app
            .send(Method::GET, &report_path(s.event), &token, None)
            .await;
        assert_problem(response, 403, "forbidden").await;
    }
    let response = app
        .send(Method::GET, &report_path(Uuid::new_v4()), &admin, None)
        .await;
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn the_program_report_counts_outcomes_and_certificates_per_event() {
    let app = spawn_app().await;
    let unit = app.seed_unit("REP3");
    let s = scenario(&app, unit);
    let program = Uuid::new_v4();
    let draft = app.seed_event("draft", 5);
    seed_evaluations(&app, &s);
    let (ahmad_enrollment, ahmad) = (s.officers[0].1, s.officers[0].2);
    app.db()
        .batch_execute(&format!(
            "INSERT INTO programs (id, name, year) VALUES ('{program}', 'PM Rehabilitasi Sosial', 2025);
             UPDATE events SET program_id = '{program}' WHERE id IN ('{}', '{draft}');
             INSERT INTO certificates (enrollment_id, event_id, participant_id, kind, number, year, seq,
                                       verification_code, holder_name, jp)
               VALUES ('{ahmad_enrollment}', '{}', '{ahmad}', 'sertifikat', '1/BIMTEK/X/2025', 2025, 1,
                       'abcdefghijklmnop1234', 'Ahmad Fauzi', 8);",
            s.event, s.event
        ))
        .unwrap();
    let path = format!("/api/v1/programs/{program}/report");
    let (_, organizer) = app.user_with_token(Role::Organizer).await;
    let r = ok_json(app.send(Method::GET, &path, &organizer, None).await, 200).await;
    assert_eq!(r["program"]["name"], "PM Rehabilitasi Sosial");
    assert_eq!(
        r["events"].as_array().unwrap().len(),
        1,
        "organizers do not see drafts"
    );
    let e = &r["events"][0];
    assert_eq!(e["approved"], 4);
    assert_eq!(e["enrollments"], 5);
    assert_eq!(e["certificate"], 1);
    assert_eq!(e["completion_rate"], 75.0);
    assert_eq!(e["certificates_issued"], 1);
    assert_eq!(e["certificate_rate"], 25.0);
    assert_eq!(e["mean_attendance_rate"], 85.0);
    assert_eq!(r["totals"]["completed"], 3);
    // Kirkpatrick: level 1 the 7 Likert answers of the two evaluations (28 / 7), level 2 the scenario's scores
    // (2 paired, gain 20; 2 of 3 post-tests passed), level 3 the one follow-up answer.
    let levels = json!({"reaction_mean": 4.0, "reaction_n": 7, "mean_gain": 20.0, "paired_n": 2,
                        "pass_rate": 66.7, "passed": 2, "post_n": 3, "behavior_mean": 4.0, "behavior_n": 1});
    assert_eq!(e["levels"], levels);
    assert_eq!(r["totals"]["levels"], levels, "one event: the same");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let r = ok_json(app.send(Method::GET, &path, &admin, None).await, 200).await;
    assert_eq!(r["events"].as_array().unwrap().len(), 2);
    assert_eq!(
        r["events"][1]["approved"].as_i64().unwrap() + r["events"][0]["approved"].as_i64().unwrap(),
        4
    );
    for role in [Role::Facilitator, Role::UnitOperator, Role::Participant] {
        let (_, token) = app.user_with_token(role).await;
        let response = app.send(Method::GET, &path, &token, None).await;
        assert_problem(response, 403, "forbidden").await;
    }
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/programs/{}/report", Uuid::new_v4()),
            &admin,
            None,
        )
        .await;
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn the_unit_report_lists_each_officers_trainings_and_jp_of_the_year() {
    let app = spawn_app().await;
    let (operator, operator_token) = app.user_with_token(Role::UnitOperator).await;
    let unit = app.unit_of(&operator);
    let s = scenario(&app, unit);
    seed_evaluations(&app, &s);
    let year = (Utc::now() - Duration::days(1)).year();
    let path = format!("/api/v1/units/{unit}/report?year={year}");
    let r = ok_json(
        app.send(Method::GET, &path, &operator_token, None).await,
        200,
    )
    .await;
    assert_eq!(r["year"], year);
    let officers = r["officers"].as_array().unwrap();
    let by_name = |name: &str| -> &Value {
        officers
            .iter()
            .find(|o| o["participant"]["full_name"] == name)
            .unwrap_or_else(|| panic!("{name} missing in {r}"))
    };
    let ahmad = by_name("Ahmad Fauzi");
    assert_eq!(ahmad["jp_total"], 8);
    assert_eq!(ahmad["minutes_total"], 360);
    assert_eq!(ahmad["trainings_completed"], 1);
    assert_eq!(ahmad["trainings"][0]["event_id"], s.event.to_string());
    assert_eq!(ahmad["trainings"][0]["outcome"], "certificate");
    assert_eq!(by_name("Citra Dewi")["trainings_completed"], 0);
    assert_eq!(
        by_name("Eko Prasetyo")["trainings"],
        json!([]),
        "withdrawn: no training"
    );
    assert!(
        !r.to_string().contains("Dewi Lestari"),
        "another unit's officer"
    );
    assert_eq!(
        r["totals"],
        json!({"officers": 4, "officers_trained": 3, "jp_total": 24})
    );
    // Kirkpatrick of the unit's officers: level 2 Ahmad (+30), Budi (+10) and Citra (post only; 2 of 3 passed);
    // level 1 only the answers that name them (the facilitator evaluation by Ahmad and Budi: 4 and 3; the
    // anonymous event evaluation names nobody); level 3 Ahmad's follow-up.
    assert_eq!(
        r["levels"],
        json!({"reaction_mean": 3.5, "reaction_n": 2, "mean_gain": 20.0, "paired_n": 2, "pass_rate": 66.7,
               "passed": 2, "post_n": 3, "behavior_mean": 4.0, "behavior_n": 1})
    );

    // Another year has no trainings.
    let r = ok_json(
        app.send(
            Method::GET,
            &format!("/api/v1/units/{unit}/report?year={}", year - 1),
            &operator_token,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(r["totals"]["jp_total"], 0);
    assert_eq!(r["levels"]["post_n"], 0);
    assert_eq!(r["levels"]["reaction_mean"], Value::Null);

    let other = format!("/api/v1/units/{}/report", s.other_unit);
    let response = app.send(Method::GET, &other, &operator_token, None).await;
    assert_problem(response, 403, "forbidden").await;
    let (_, organizer) = app.user_with_token(Role::Organizer).await;
    let response = app.send(Method::GET, &path, &organizer, None).await;
    assert_problem(response, 403, "forbidden").await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    ok_json(app.send(Method::GET, &other, &admin, None).await, 200).await;
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/units/{unit}/report?year=1999"),
            &admin,
            None,
        )
        .await;
    assert_problem(response, 400, "invalid_query").await;
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/units/{}/report", Uuid::new_v4()),
            &admin,
            None,
        )
        .await;
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn every_question_kind_is_summarised_and_level_3_splits_alumni_from_supervisors() {
    let app = spawn_app().await;
    let unit = app.seed_unit("REP7");
    let s = scenario(&app, unit);
    let (ahmad, budi) = (s.officers[0].1, s.officers[1].1);
    let event = s.event;
    let [i1, i3] = [Uuid::new_v4(), Uuid::new_v4()];
    let [qc, qm, qn, ql] = [(); 4].map(|_| Uuid::new_v4());
    let [r1, r2, r3, r4, r5, r6] = [(); 6].map(|_| Uuid::new_v4());
    app.db()
        .batch_execute(&format!(
            "INSERT INTO instruments (id, event_id, kind, title, status, anonymous) VALUES
               ('{i1}', '{event}', 'event_evaluation', 'Evaluasi Penyelenggaraan', 'closed', true);
             INSERT INTO instruments (id, event_id, kind, title, status, due_on, respondent_kinds) VALUES
               ('{i3}', '{event}', 'follow_up', 'Evaluasi Pasca Pelatihan', 'open', current_date + 90, '{{alumnus,supervisor}}');
             INSERT INTO questions (id, instrument_id, position, question_type, prompt, settings, required) VALUES
               ('{qc}', '{i1}', 1, 'single_choice', 'Metode yang paling membantu',
                '{{\"options\": [{{\"key\": \"a\", \"label\": \"Ceramah\"}}, {{\"key\": \"b\", \"label\": \"Diskusi\"}},
                                 {{\"key\": \"c\", \"label\": \"Simulasi\"}}]}}', true),
               ('{qm}', '{i1}', 2, 'multiple_choice', 'Sarana yang dipakai',
                '{{\"options\": [{{\"key\": \"x\", \"label\": \"Modul\"}}, {{\"key\": \"y\", \"label\": \"Video\"}}]}}', false),
               ('{qn}', '{i1}', 3, 'number', 'Berapa jam belajar mandiri?', '{{\"min\": 0, \"max\": 100}}', false),
               ('{ql}', '{i3}', 1, 'likert', 'Menerapkan materi di tempat kerja', '{{\"scale\": 5}}', true);
             INSERT INTO responses (id, instrument_id, enrollment_id, respondent_kind, submitted_at) VALUES
               ('{r1}', '{i1}', NULL, 'participant', NULL), ('{r2}', '{i1}', NULL, 'participant', NULL),
               ('{r3}', '{i1}', NULL, 'participant', NULL),
               ('{r4}', '{i3}', '{ahmad}', 'alumnus', now()), ('{r5}', '{i3}', '{ahmad}', 'supervisor', now()),
               ('{r6}', '{i3}', '{budi}', 'supervisor', now());
             INSERT INTO answers (response_id, question_id, value_number, value_options) VALUES
               ('{r1}', '{qc}', NULL, '{{a}}'), ('{r2}', '{qc}', NULL, '{{b}}'), ('{r3}', '{qc}', NULL, '{{b}}'),
               ('{r1}', '{qm}', NULL, '{{x,y}}'), ('{r2}', '{qm}', NULL, '{{y}}'),
               ('{r1}', '{qn}', 2, NULL), ('{r2}', '{qn}', 4, NULL), ('{r3}', '{qn}', 9, NULL),
               ('{r4}', '{ql}', 4, NULL), ('{r5}', '{ql}', 2, NULL), ('{r6}', '{ql}', 3, NULL);"
        ))
        .unwrap();
    let (_, token) = app.organizer_of(event).await;
    let r = ok_json(
        app.send(Method::GET, &report_path(event), &token, None)
            .await,
        200,
    )
    .await;
    let evaluation = &r["reaction"]["instruments"][0];
    let distribution = |q: &Value| -> Vec<(String, String, i64)> {
        q["distribution"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["key"].as_str().unwrap().to_owned(),
                    o["label"].as_str().unwrap().to_owned(),
                    o["count"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let single = &evaluation["choice_questions"][0];
    assert_eq!(
        (single["question_type"].as_str(), single["n"].as_i64()),
        (Some("single_choice"), Some(3))
    );
    let named = |rows: &[(&str, &str, i64)]| -> Vec<(String, String, i64)> {
        rows.iter()
            .map(|(k, l, c)| ((*k).to_owned(), (*l).to_owned(), *c))
            .collect()
    };
    assert_eq!(
        distribution(single),
        named(&[
            ("a", "Ceramah", 1),
            ("b", "Diskusi", 2),
            ("c", "Simulasi", 0)
        ]),
        "every option, 0 where nobody chose it"
    );
    let multiple = &evaluation["choice_questions"][1];
    assert_eq!(multiple["n"], 2);
    assert_eq!(
        distribution(multiple),
        named(&[("x", "Modul", 1), ("y", "Video", 2)])
    );
    assert_eq!(
        evaluation["number_questions"][0],
        json!({"question_id": qn, "position": 3, "prompt": "Berapa jam belajar mandiri?", "n": 3, "mean": 5.0,
               "median": 4.0, "min": 2.0, "max": 9.0})
    );
    assert_eq!(evaluation["by_respondent"], json!([]));

    let follow_up = &r["behavior"]["instruments"][0];
    assert_eq!(follow_up["questions"][0]["mean"], 3.0, "all respondents");
    let split: Vec<(String, i64, f64)> = follow_up["by_respondent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["respondent_kind"].as_str().unwrap().to_owned(),
                b["responses"].as_i64().unwrap(),
                b["questions"][0]["mean"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        split,
        [
            ("alumnus".to_owned(), 1, 4.0),
            ("supervisor".to_owned(), 2, 2.5)
        ]
    );
    let supervisor_counts: Vec<i64> = follow_up["by_respondent"][1]["questions"][0]["distribution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["count"].as_i64().unwrap())
        .collect();
    assert_eq!(supervisor_counts, [0, 1, 1, 0, 0]);
}
