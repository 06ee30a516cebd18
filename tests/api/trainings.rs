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
    let line = &page["items"][0];
    assert_eq!(line["source"], "enrollment");
    assert_eq!(line["competency_record"], Value::Null);
    assert_eq!(line["jp_earned"], 4);
    assert_eq!(line["ends_on"], format!("{}-06-02", this_year()));
    let t = &line["enrollment"];
    assert_eq!(line["title"], t["event"]["title"]);
    assert_eq!(t["event"]["id"], s.event.to_string());
    assert_eq!(t["event"]["status"], "completed");
    assert_eq!(t["enrollment_status"], "approved");
    assert_eq!(t["attendance_rate"], 100.0);
    assert_eq!(t["jp_earned"], 4);
    assert_eq!(t["outcome"], "certificate");
    assert_eq!(t["certificate"], Value::Null);

    assert_eq!(issue(&app, s.event, &admin).await.status(), 201);
    let page = ok_json(get(&app, "/api/v1/me/trainings", &budi).await, 200).await;
    let certificate = &page["items"][0]["enrollment"]["certificate"];
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
    assert_eq!(citra["items"][0]["enrollment"]["outcome"], "not_completed");

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

#[tokio::test]
async fn a_units_compliance_lists_every_active_officer_against_the_rule_of_their_employment_type() {
    // A minimum of 4 and a ceiling of 3, so that the scenario's 4 JP make every status.
    let app = spawn_app_with(|settings| {
        settings.jp_rules.minimum_pns = 4;
        settings.jp_rules.ceiling_pppk = 3;
    })
    .await;
    let s = scenario(&app, "");
    in_this_year(&app, s.event);
    app.db()
        .batch_execute(&format!(
            "UPDATE participants SET employee_type = 'pppk', grade = NULL WHERE id = '{}'",
            s.budi
        ))
        .unwrap();
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let path = format!("/api/v1/units/{}/jp-compliance", s.unit);

    let list = ok_json(get(&app, &path, &admin).await, 200).await;
    assert_eq!(list["year"], this_year());
    assert_eq!(list["unit"]["id"], s.unit.to_string());
    assert_eq!(
        list["summary"],
        serde_json::json!({"officers": 4, "met": 1, "below": 2, "above_ceiling": 1, "mean_jp": 2.0})
    );
    assert_eq!(list["rules"]["pns"]["jp"], 4);
    assert_eq!(list["rules"]["pppk"]["kind"], "ceiling");
    let lines: Vec<(String, i64, String, i64)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["full_name"].as_str().unwrap().to_owned(),
                l["total_jp"].as_i64().unwrap(),
                l["status"].as_str().unwrap().to_owned(),
                l["shortfall"].as_i64().unwrap(),
            )
        })
        .collect();
    let line = |name: &str, jp, status: &str, shortfall| {
        (name.to_owned(), jp, status.to_owned(), shortfall)
    };
    assert_eq!(
        lines,
        [
            line("Ani Rahmawati", 4, "met", 0),
            line("Budi Santoso", 4, "above_ceiling", 0),
            line("Citra Dewi", 0, "below", 4),
            line("Dedi Nominated", 0, "below", 4),
        ],
        "by name; Citra's attendance is incomplete and Dedi was never approved: nothing counts"
    );
    assert_eq!(list["items"][1]["rule_kind"], "ceiling");
    assert_eq!(list["items"][1]["rule_jp"], 3);
    assert!(
        list["items"][0]["nip"].as_str().unwrap().len() == 18,
        "the full NIP"
    );

    // The same total as each officer's ledger.
    let ledger = ok_json(
        get(
            &app,
            &format!("/api/v1/participants/{}/jp-ledger", s.ani),
            &admin,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(ledger["total_jp"], list["items"][0]["total_jp"]);

    // Who is below, furthest first; the summary still counts everyone.
    let below = ok_json(
        get(
            &app,
            &format!("{path}?status=below&sort=-shortfall&limit=1"),
            &admin,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (below["total"].as_i64(), below["limit"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(below["items"][0]["full_name"], "Citra Dewi");
    assert_eq!(below["summary"]["officers"], 4);
    let by_total = ok_json(
        get(&app, &format!("{path}?sort=-total_jp"), &admin).await,
        200,
    )
    .await;
    assert_eq!(by_total["items"][0]["full_name"], "Ani Rahmawati");
    assert_eq!(by_total["items"][3]["full_name"], "Dedi Nominated");

    // Another year has nothing; an archived officer is not an active one.
    let other = ok_json(
        get(&app, &format!("{path}?year={}", this_year() - 1), &admin).await,
        200,
    )
    .await;
    assert_eq!(other["summary"]["below"], 3);
    assert_eq!(other["summary"]["above_ceiling"], 0);
    app.db()
        .batch_execute(&format!(
            "UPDATE participants SET archived_at = now() WHERE full_name = 'Dedi Nominated' AND unit_id = '{}'",
            s.unit
        ))
        .unwrap();
    let active = ok_json(get(&app, &path, &admin).await, 200).await;
    assert_eq!(active["summary"]["officers"], 3);

    // Who: the unit's operator; not another unit's, not an organizer, not an officer.
    let operator = app.operator_of(s.unit).await;
    assert_eq!(
        ok_json(get(&app, &path, &operator).await, 200).await["total"],
        3
    );
    let (_, foreign_operator) = app.user_with_token(Role::UnitOperator).await;
    let (_, organizer) = app.organizer_of(s.event).await;
    let budi = account_of(&app, s.budi).await;
    for token in [&foreign_operator, &organizer, &budi] {
        assert_problem(get(&app, &path, token).await, 403, "forbidden").await;
    }
    assert_problem(
        get(
            &app,
            "/api/v1/units/5eed0000-0000-4000-8000-00000000ffff/jp-compliance",
            &admin,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let body = assert_problem(
        get(&app, &format!("{path}?year=1999&limit=0"), &admin).await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(error_fields(&body), ["limit", "year"]);
    let body = assert_problem(
        get(&app, &format!("{path}?status=late"), &admin).await,
        400,
        "invalid_query",
    )
    .await;
    assert_eq!(error_fields(&body), ["status"]);
}

/// Whether the event's stored result lines are valid (`event_snapshots`, kind `results`).
fn stored_lines_valid(app: &TestApp, event: uuid::Uuid) -> bool {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Valid {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        valid: bool,
    }
    diesel::sql_query(format!(
        "SELECT coalesce(bool_or(NOT stale AND ready_generation = generation), false) AS valid
         FROM event_snapshots WHERE event_id = '{event}' AND kind = 'results'"
    ))
    .get_result::<Valid>(&mut app.db())
    .unwrap()
    .valid
}

#[tokio::test]
async fn the_year_is_read_from_the_stored_result_lines_and_follows_every_change_after_them() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    in_this_year(&app, s.event);
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let path = format!("/api/v1/units/{}/jp-compliance?sort=name", s.unit);
    let citra = |list: &Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["full_name"] == "Citra Dewi")
            .map(|l| {
                (
                    l["total_jp"].as_i64().unwrap(),
                    l["status"].as_str().unwrap().to_owned(),
                )
            })
            .unwrap()
    };
    let ledger_of_citra = || async {
        ok_json(
            get(
                &app,
                &format!("/api/v1/participants/{}/jp-ledger", s.citra),
                &admin,
            )
            .await,
            200,
        )
        .await["total_jp"]
            .as_i64()
            .unwrap()
    };

    assert!(
        !stored_lines_valid(&app, s.event),
        "nothing stored before the first read"
    );
    let before = ok_json(get(&app, &path, &admin).await, 200).await;
    assert_eq!(
        citra(&before),
        (0, "below".to_owned()),
        "one session of two attended"
    );
    assert!(
        stored_lines_valid(&app, s.event),
        "the read refreshed the event's lines"
    );
    assert_eq!(ledger_of_citra().await, 0);

    // A late attendance record (a write that marks the lines stale): both reads count it at once.
    app.db()
        .batch_execute(&format!(
            "INSERT INTO attendance (session_id, enrollment_id, participant_id, status, method)
             VALUES ('{}', '{}', '{}', 'present', 'manual')",
            s.second_session, s.citra_enrollment, s.citra
        ))
        .unwrap();
    assert!(!stored_lines_valid(&app, s.event));
    assert_eq!(
        ledger_of_citra().await,
        4,
        "computed while the lines are stale"
    );
    let after = ok_json(get(&app, &path, &admin).await, 200).await;
    assert_eq!(
        citra(&after),
        (4, "below".to_owned()),
        "4 JP of the minimum of 20"
    );
    assert!(stored_lines_valid(&app, s.event));
    assert_eq!(ledger_of_citra().await, 4, "read from the stored lines");
    assert_eq!(
        ok_json(get(&app, "/api/v1/jp-compliance", &admin).await, 200).await["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit"]["id"] == s.unit.to_string())
            .unwrap()["summary"]["mean_jp"],
        3.0,
        "Ani, Budi and Citra 4 JP each, Dedi none"
    );
}

#[tokio::test]
async fn the_kanwil_sees_one_line_per_unit_and_every_officer_below_the_minimum() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    in_this_year(&app, s.event);
    let (_, admin) = app.user_with_token(Role::Admin).await;

    let table = ok_json(get(&app, "/api/v1/jp-compliance", &admin).await, 200).await;
    let units = table["units"].as_array().unwrap();
    let unit = units
        .iter()
        .find(|u| u["unit"]["id"] == s.unit.to_string())
        .expect("the scenario's unit");
    assert_eq!(
        unit["summary"],
        serde_json::json!({"officers": 4, "met": 0, "below": 4, "above_ceiling": 0, "mean_jp": 2.0})
    );
    let host = units
        .iter()
        .find(|u| {
            u["unit"]["name"]
                .as_str()
                .unwrap()
                .starts_with("Lapas Narkotika H")
        })
        .expect("the host unit, without officers");
    assert_eq!(host["summary"]["officers"], 0);
    assert_eq!(host["summary"]["mean_jp"], Value::Null);
    let officers: i64 = units
        .iter()
        .map(|u| u["summary"]["officers"].as_i64().unwrap())
        .sum();
    assert_eq!(table["summary"]["officers"], officers);

    let below = ok_json(
        get(
            &app,
            &format!(
                "/api/v1/jp-compliance/officers?unit_id={}&status=below",
                s.unit
            ),
            &admin,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(below["total"], 4);
    assert_eq!(below["unit"]["id"], s.unit.to_string());
    assert_eq!(below["items"][0]["unit"]["id"], s.unit.to_string());
    assert_problem(
        get(
            &app,
            "/api/v1/jp-compliance/officers?unit_id=5eed0000-0000-4000-8000-00000000ffff",
            &admin,
        )
        .await,
        404,
        "not_found",
    )
    .await;

    // The table as CSV names no officer; the unit's line carries its figures.
    let response = get(
        &app,
        "/api/v1/jp-compliance.csv?delimiter=semicolon",
        &admin,
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-disposition"],
        format!(
            "attachment; filename=\"rekap-jp-kanwil-{y}.csv\"; filename*=UTF-8''rekap-jp-kanwil-{y}.csv",
            y = this_year()
        )
        .as_str()
    );
    let text = response.text().await.unwrap();
    assert!(text.starts_with("\u{feff}No;Kode Unit;Unit Kerja;Jumlah Pegawai;Memenuhi;Belum Memenuhi;Melebihi Batas;Rata-rata JP\r\n"), "{text}");
    assert!(
        text.contains(&format!(
            ";Unit {};4;0;4;0;2\r\n",
            unit["unit"]["code"].as_str().unwrap()
        )),
        "{text}"
    );
    assert!(text.contains(";;Jumlah;"), "{text}");
    assert!(!text.contains("Budi"), "no officer in the Kanwil's table");

    // A unit's CSV: every officer, NIPs in full, values in Indonesian; recorded as an access naming them.
    let response = get(
        &app,
        &format!("/api/v1/units/{}/jp-compliance.csv?status=below", s.unit),
        &admin,
    )
    .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "\u{feff}No,NIP,Nama,Jenis Kepegawaian,Unit Kerja,Jumlah JP,Ketentuan,Batas JP,Status,Kekurangan JP"
        )
    );
    let first = lines.next().unwrap();
    assert!(first.starts_with("1,"), "{first}");
    assert!(first.contains(",Ani Rahmawati,PNS,"), "{first}");
    assert!(
        first.ends_with(",4,Paling Sedikit,20,Belum Memenuhi,16"),
        "{first}"
    );
    assert_eq!(lines.count(), 3);
    let audit = crate::scores::audit_rows(&app);
    let export = audit
        .iter()
        .find(|r| r.action == "export.jp_compliance")
        .expect("the export is in the audit log");
    assert_eq!(export.resource_id, Some(s.unit));
    assert_eq!(export.changes["count"], 4);
    assert_eq!(export.changes["format"], "csv");

    // Administrators only for the Kanwil's.
    let operator = app.operator_of(s.unit).await;
    for path in [
        "/api/v1/jp-compliance",
        "/api/v1/jp-compliance/officers",
        "/api/v1/jp-compliance.xlsx",
    ] {
        assert_problem(get(&app, path, &operator).await, 403, "forbidden").await;
    }
}

#[tokio::test]
async fn certificates_are_exported_as_siasn_riwayat_kursus_rows() {
    let app = spawn_app_with(|settings| {
        settings.siasn_kinds =
            bimtek_api::domain::siasn::KindMap::parse("orientation=3:Diklat Teknis").unwrap();
    })
    .await;
    let s = scenario(&app, "");
    app.db()
        .batch_execute(&format!(
            "UPDATE events SET starts_on = '2025-08-01', ends_on = '2025-08-02' WHERE id = '{}'",
            s.event
        ))
        .unwrap();
    let (_, admin) = app.user_with_token(Role::Admin).await;
    assert_eq!(issue(&app, s.event, &admin).await.status(), 201);

    let budi = account_of(&app, s.budi).await;
    let own = ok_json(
        get(
            &app,
            &format!("/api/v1/participants/{}/riwayat-kursus", s.budi),
            &budi,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(own["year"], Value::Null);
    let row = &own["items"][0];
    assert_eq!(
        row["namaKursus"],
        "Orientasi Lapangan PM Rehabilitasi Sosial"
    );
    assert!(
        row["institusiPenyelenggara"]
            .as_str()
            .unwrap()
            .starts_with("Lapas Narkotika H")
    );
    assert_eq!(
        (row["jenisDiklatId"].as_str(), row["jenisKursus"].as_str()),
        (Some("3"), Some("Diklat Teknis")),
        "the configured kind"
    );
    assert_eq!(row["jenisKursusSertipikat"], "Sertifikat");
    assert_eq!(row["jumlahJam"], 4);
    assert_eq!(row["tahunKursus"], 2025);
    assert_eq!(row["tanggalKursus"], "01-08-2025");
    assert_eq!(row["tanggalSelesaiKursus"], "02-08-2025");
    assert_eq!(row["nip"].as_str().unwrap().len(), 18);
    assert_eq!(row["nama"], "Budi Santoso");
    let number = row["nomorSertipikat"].as_str().unwrap().to_owned();

    // A unit's: its officers with a certificate standing (Ani's surat keterangan too), by name; a year filters.
    let path = format!("/api/v1/units/{}/riwayat-kursus", s.unit);
    let unit = ok_json(get(&app, &path, &admin).await, 200).await;
    let kinds: Vec<(&str, &str)> = unit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["nama"].as_str().unwrap(),
                r["jenisKursusSertipikat"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("Ani Rahmawati", "Surat Keterangan"),
            ("Budi Santoso", "Sertifikat")
        ]
    );
    let other = ok_json(get(&app, &format!("{path}?year=2024"), &admin).await, 200).await;
    assert_eq!(
        (
            other["year"].as_i64(),
            other["items"].as_array().unwrap().len()
        ),
        (Some(2024), 0)
    );

    // The CSV: SIASN's field names, recorded in the audit log.
    let operator = app.operator_of(s.unit).await;
    let response = get(&app, &format!("{path}.csv?year=2025"), &operator).await;
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("riwayat-kursus-u") && disposition.contains("-2025.csv"),
        "{disposition}"
    );
    let text = response.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "\u{feff}nip,nama,namaKursus,institusiPenyelenggara,jenisDiklatId,jenisKursus,jenisKursusSertipikat,jumlahJam,tahunKursus,tanggalKursus,tanggalSelesaiKursus,nomorSertipikat"
        )
    );
    let budi_line = lines.nth(1).unwrap();
    assert!(
        budi_line.ends_with(&format!(
            ",3,Diklat Teknis,Sertifikat,4,2025,01-08-2025,02-08-2025,{number}"
        )),
        "{budi_line}"
    );
    let audit = crate::scores::audit_rows(&app);
    let export = audit
        .iter()
        .find(|r| r.action == "export.riwayat_kursus")
        .expect("the export is in the audit log");
    assert_eq!(
        (export.resource_type.as_str(), export.resource_id),
        ("unit", Some(s.unit))
    );
    assert_eq!(export.changes["count"], 2);

    // A revoked certificate is no course record.
    let certificate = row["certificate_id"].as_str().unwrap();
    let revoked = app
        .send(
            Method::POST,
            &format!("/api/v1/certificates/{certificate}/revoke"),
            &admin,
            Some(serde_json::json!({"reason": "Diterbitkan untuk peserta yang salah"})),
        )
        .await;
    assert_eq!(revoked.status(), 200);
    let unit = ok_json(get(&app, &path, &admin).await, 200).await;
    assert_eq!(unit["items"].as_array().unwrap().len(), 1);

    // Who: not another unit's operator, not an organizer; a bad year is 400.
    let (_, foreign_operator) = app.user_with_token(Role::UnitOperator).await;
    let (_, organizer) = app.organizer_of(s.event).await;
    for token in [&foreign_operator, &organizer] {
        assert_problem(get(&app, &path, token).await, 403, "forbidden").await;
        assert_problem(
            get(
                &app,
                &format!("/api/v1/participants/{}/riwayat-kursus.csv", s.budi),
                token,
            )
            .await,
            403,
            "forbidden",
        )
        .await;
    }
    assert_problem(
        get(&app, &format!("{path}?year=99"), &admin).await,
        400,
        "invalid_query",
    )
    .await;
}
