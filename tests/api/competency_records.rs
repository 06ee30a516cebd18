//! Training records from elsewhere: entered by the officer or their operator, verified or rejected by the operator,
//! counted in the JP ledger and the compliance lists once verified, with a scan of the certificate.

use bimtek_api::domain::role::Role;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};

use crate::certificates::{account_of, scenario};
use crate::helpers::{TestApp, assert_problem, error_fields, ok_json, spawn_app};

async fn get(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.send(Method::GET, path, token, None).await
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Value,
) -> reqwest::Response {
    app.send(method, path, token, Some(body)).await
}

fn this_year() -> i32 {
    bimtek_api::service::trainings::current_year()
}

/// A record of 24 JP in January of this year (WIB).
fn record(title: &str) -> Value {
    let y = this_year();
    json!({"title": title, "institution": "BNN Provinsi Kalimantan Tengah", "form": "pelatihan",
           "starts_on": format!("{y}-01-05"), "ends_on": format!("{y}-01-07"), "jp": 24,
           "certificate_number": "045/BNNP-KT/I"})
}

async fn upload(
    app: &TestApp,
    id: &str,
    token: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/v1/competency-records/{id}/scan")))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_record_counts_in_the_ledger_once_the_operator_verified_it() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let budi = account_of(&app, s.budi).await;
    let operator = app.operator_of(s.unit).await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let collection = format!("/api/v1/participants/{}/competency-records", s.budi);

    // The officer enters it: pending.
    let created = send(
        &app,
        Method::POST,
        &collection,
        &budi,
        record("Pelatihan Konselor Adiksi"),
    )
    .await;
    assert_eq!(created.status(), 201);
    assert!(
        created.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/api/v1/competency-records/")
    );
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["status"], "pending");
    assert_eq!(created["scan"], Value::Null);
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/competency-records/{id}");

    let ledger_path = format!("/api/v1/participants/{}/jp-ledger", s.budi);
    let ledger = ok_json(get(&app, &ledger_path, &admin).await, 200).await;
    assert_eq!(
        ledger["total_jp"], 4,
        "the event's 4 JP only: a pending record does not count"
    );
    assert_eq!(ledger["records"], json!([]));

    // The officer cannot verify their own; another unit's operator does not see it.
    assert_problem(
        send(
            &app,
            Method::POST,
            &format!("{path}/verify"),
            &budi,
            Value::Null,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let (_, foreign_operator) = app.user_with_token(Role::UnitOperator).await;
    assert_problem(get(&app, &path, &foreign_operator).await, 404, "not_found").await;
    assert_problem(
        send(
            &app,
            Method::POST,
            &format!("{path}/verify"),
            &foreign_operator,
            Value::Null,
        )
        .await,
        404,
        "not_found",
    )
    .await;

    // The operator verifies: 24 JP count, in the ledger and in the unit's compliance.
    let verified = ok_json(
        send(
            &app,
            Method::POST,
            &format!("{path}/verify"),
            &operator,
            Value::Null,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(verified["status"], "verified");
    assert!(verified["decided_at"].is_string());
    let ledger = ok_json(get(&app, &ledger_path, &budi).await, 200).await;
    assert_eq!(ledger["total_jp"], 28);
    assert_eq!(ledger["status"], "met");
    assert_eq!(ledger["records"][0]["id"], id.as_str());
    let compliance = ok_json(
        get(
            &app,
            &format!("/api/v1/units/{}/jp-compliance?status=met", s.unit),
            &operator,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(compliance["total"], 1);
    assert_eq!(compliance["items"][0]["participant_id"], s.budi.to_string());
    assert_eq!(compliance["items"][0]["total_jp"], 28);
    assert_problem(
        send(
            &app,
            Method::POST,
            &format!("{path}/verify"),
            &operator,
            Value::Null,
        )
        .await,
        409,
        "record_not_pending",
    )
    .await;

    // A verified record is not changed, nor deleted by the officer; the operator deletes it.
    assert_problem(
        send(&app, Method::PUT, &path, &budi, record("Lain")).await,
        409,
        "record_verified",
    )
    .await;
    assert_problem(
        app.send(Method::DELETE, &path, &budi, None).await,
        409,
        "record_verified",
    )
    .await;

    // A rejected record carries its reason; corrected, it is pending again.
    let second: Value = send(
        &app,
        Method::POST,
        &collection,
        &operator,
        record("Seminar Rehabilitasi"),
    )
    .await
    .json()
    .await
    .unwrap();
    let second_path = format!(
        "/api/v1/competency-records/{}",
        second["id"].as_str().unwrap()
    );
    let rejected = ok_json(
        send(
            &app,
            Method::POST,
            &format!("{second_path}/reject"),
            &operator,
            json!({"reason": "Sertifikat tidak terbaca"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (
            rejected["status"].as_str(),
            rejected["rejection_reason"].as_str()
        ),
        (Some("rejected"), Some("Sertifikat tidak terbaca"))
    );
    let body = assert_problem(
        send(
            &app,
            Method::POST,
            &format!("{path}/reject"),
            &operator,
            json!({"reason": " "}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&body), ["reason"]);
    let corrected = ok_json(
        send(
            &app,
            Method::PUT,
            &second_path,
            &budi,
            record("Seminar Rehabilitasi Sosial"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(corrected["status"], "pending");
    assert_eq!(corrected["rejection_reason"], Value::Null);
    assert_eq!(corrected["version"], 3);
    let list = ok_json(
        get(&app, "/api/v1/me/competency-records?status=pending", &budi).await,
        200,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_problem(
        get(&app, "/api/v1/me/competency-records", &admin).await,
        404,
        "no_officer",
    )
    .await;

    assert_eq!(
        app.send(Method::DELETE, &path, &operator, None)
            .await
            .status(),
        204
    );
    assert_problem(get(&app, &path, &admin).await, 404, "not_found").await;
    let ledger = ok_json(get(&app, &ledger_path, &admin).await, 200).await;
    assert_eq!(ledger["total_jp"], 4);

    // The audit log and the change feed have every step.
    let actions: Vec<String> = {
        use bimtek_api::schema::audit_log;
        audit_log::table
            .filter(audit_log::resource_type.eq("competency_record"))
            .select(audit_log::action)
            .order(audit_log::id)
            .load(&mut app.db())
            .unwrap()
    };
    assert_eq!(
        actions.first().map(String::as_str),
        Some("competency_record.created")
    );
    assert!(
        actions.iter().any(|a| a == "competency_record.deleted"),
        "{actions:?}"
    );
    let feed: i64 = {
        use bimtek_api::schema::changes;
        changes::table
            .filter(changes::resource_type.eq("competency_record"))
            .count()
            .get_result(&mut app.db())
            .unwrap()
    };
    assert!(feed >= 6, "{feed}");
}

#[tokio::test]
async fn a_bad_record_names_every_offending_field() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let operator = app.operator_of(s.unit).await;
    let collection = format!("/api/v1/participants/{}/competency-records", s.budi);
    let body = assert_problem(
        send(&app, Method::POST, &collection, &operator,
            json!({"title": " ", "institution": "BNN", "form": "pelatihan", "starts_on": "2025-03-12",
                   "ends_on": "2025-03-10", "jp": 0})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(error_fields(&body), ["ends_on", "jp", "title"]);
    let tomorrow =
        bimtek_api::domain::certificate::wib_date(chrono::Utc::now()) + chrono::Duration::days(1);
    let body = assert_problem(
        send(&app, Method::POST, &collection, &operator,
            json!({"title": "Kursus", "institution": "BNN", "form": "kursus", "starts_on": "1999-12-30",
                   "ends_on": tomorrow})).await,
        422,
        "validation_failed",
    )
    .await;
    assert!(
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "jp" && e["code"] == "required"),
        "{body}"
    );
    let body = assert_problem(
        send(&app, Method::POST, &collection, &operator,
            json!({"title": "Kursus", "institution": "BNN", "form": "kursus", "starts_on": "1999-12-30",
                   "ends_on": tomorrow, "jp": 2})).await,
        422,
        "validation_failed",
    )
    .await;
    let codes: Vec<(String, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("starts_on".to_owned(), "out_of_range".to_owned()),
            ("ends_on".to_owned(), "in_the_future".to_owned())
        ]
    );
    let mut webinar = record("Webinar");
    webinar["form"] = json!("webinar");
    let body = assert_problem(
        send(&app, Method::POST, &collection, &operator, webinar).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["code"], "unknown_reference");
    // The forms are a public lookup list.
    let forms = ok_json(
        app.client
            .get(app.url("/api/v1/development-forms"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let coaching = forms["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "coaching")
        .unwrap()
        .clone();
    assert_eq!(coaching["classical"], false);
}

#[tokio::test]
async fn the_scan_is_a_pdf_png_or_jpeg_of_at_most_2_mib_served_to_the_records_readers_only() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let budi = account_of(&app, s.budi).await;
    let created: Value = send(
        &app,
        Method::POST,
        &format!("/api/v1/participants/{}/competency-records", s.budi),
        &budi,
        record("Pelatihan"),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();

    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n".to_vec();
    // Declared as a JPEG, recognised as the PDF it is.
    let stored = ok_json(
        upload(&app, &id, &budi, "image/jpeg", pdf.clone()).await,
        200,
    )
    .await;
    assert_eq!(stored["scan"]["media_type"], "application/pdf");
    assert_eq!(stored["scan"]["bytes"], pdf.len());
    let url = stored["scan"]["url"].as_str().unwrap().to_owned();
    let operator = app.operator_of(s.unit).await;
    let served = get(&app, &url, &operator).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "application/pdf");
    assert_eq!(served.headers()["cache-control"], "private, no-store");
    assert_eq!(served.bytes().await.unwrap().to_vec(), pdf);

    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let stored = ok_json(upload(&app, &id, &operator, "image/png", png).await, 200).await;
    assert_eq!(stored["scan"]["media_type"], "image/png");

    let body = assert_problem(
        upload(&app, &id, &budi, "image/png", b"GIF89a....".to_vec()).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["code"], "unsupported_file_type");
    assert_problem(
        upload(&app, &id, &budi, "text/plain", pdf.clone()).await,
        415,
        "unsupported_media_type",
    )
    .await;
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(2 * 1024 * 1024 + 1, b' ');
    assert_problem(
        upload(&app, &id, &budi, "application/pdf", big).await,
        413,
        "payload_too_large",
    )
    .await;

    let (_, foreign_operator) = app.user_with_token(Role::UnitOperator).await;
    let (_, facilitator) = app.user_with_token(Role::Facilitator).await;
    for token in [&foreign_operator, &facilitator] {
        assert_problem(get(&app, &url, token).await, 404, "not_found").await;
    }

    // An erasure takes the officer's records with it, and scrubs their texts from the audit log.
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let erased = app
        .send(
            Method::POST,
            &format!("/api/v1/participants/{}/erase", s.budi),
            &admin,
            None,
        )
        .await;
    assert_eq!(erased.status(), 200);
    assert_problem(
        get(&app, &format!("/api/v1/competency-records/{id}"), &admin).await,
        404,
        "not_found",
    )
    .await;
    let left: i64 = {
        use bimtek_api::schema::competency_record_scans;
        competency_record_scans::table
            .count()
            .get_result(&mut app.db())
            .unwrap()
    };
    assert_eq!(left, 0);
    let texts: Vec<Value> = {
        use bimtek_api::schema::audit_log;
        audit_log::table
            .filter(audit_log::resource_type.eq("competency_record"))
            .select(audit_log::changes)
            .load(&mut app.db())
            .unwrap()
    };
    assert!(!texts.is_empty());
    assert!(
        texts.iter().all(|c| !c.to_string().contains("Pelatihan")),
        "{texts:?}"
    );
}

#[tokio::test]
async fn the_transcript_merges_the_records_from_elsewhere_with_the_trainings_newest_first() {
    use diesel::connection::SimpleConnection;
    let app = spawn_app().await;
    let s = scenario(&app, "");
    app.db()
        .batch_execute(&format!(
            "UPDATE events SET starts_on = '2025-06-01', ends_on = '2025-06-02' WHERE id = '{}'",
            s.event
        ))
        .unwrap();
    let budi = account_of(&app, s.budi).await;
    let operator = app.operator_of(s.unit).await;
    let collection = format!("/api/v1/participants/{}/competency-records", s.budi);
    let enter = |title: &str, starts_on: &str, ends_on: &str, jp: i64| {
        json!({"title": title, "institution": "BPSDM Hukum dan HAM", "form": "seminar",
               "starts_on": starts_on, "ends_on": ends_on, "jp": jp})
    };
    let newer = ok_json(
        send(
            &app,
            Method::POST,
            &collection,
            &budi,
            enter("Seminar Pemasyarakatan", "2025-07-01", "2025-07-02", 8),
        )
        .await,
        201,
    )
    .await;
    ok_json(
        send(
            &app,
            Method::POST,
            &collection,
            &budi,
            enter("Kursus Daring Asesmen", "2025-01-05", "2025-01-07", 24),
        )
        .await,
        201,
    )
    .await;
    let verify = format!(
        "/api/v1/competency-records/{}/verify",
        newer["id"].as_str().unwrap()
    );
    assert_eq!(
        send(&app, Method::POST, &verify, &operator, Value::Null)
            .await
            .status(),
        200
    );

    // Newest first by first day: the verified record of July, the training of June, the pending record of January.
    let page = ok_json(get(&app, "/api/v1/me/trainings", &budi).await, 200).await;
    assert_eq!(page["total"], 3, "{page}");
    let lines: Vec<(&str, &str, Value)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["source"].as_str().unwrap(),
                l["title"].as_str().unwrap(),
                l["jp_earned"].clone(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("competency_record", "Seminar Pemasyarakatan", json!(8)),
            (
                "enrollment",
                page["items"][1]["enrollment"]["event"]["title"]
                    .as_str()
                    .unwrap(),
                json!(4)
            ),
            ("competency_record", "Kursus Daring Asesmen", Value::Null),
        ]
    );
    let record = &page["items"][0];
    assert_eq!(record["enrollment"], Value::Null);
    assert_eq!(record["competency_record"]["status"], "verified");
    assert_eq!(
        record["competency_record"]["institution"],
        "BPSDM Hukum dan HAM"
    );
    assert_eq!(record["starts_on"], "2025-07-01");
    assert_eq!(page["items"][2]["competency_record"]["status"], "pending");

    // Paged and filtered over the merged list.
    let path = format!("/api/v1/participants/{}/trainings", s.budi);
    let second = ok_json(
        get(&app, &format!("{path}?limit=1&offset=1"), &operator).await,
        200,
    )
    .await;
    assert_eq!(
        (
            second["total"].clone(),
            second["items"].as_array().unwrap().len()
        ),
        (json!(3), 1)
    );
    assert_eq!(second["items"][0]["source"], "enrollment");
    assert_eq!(
        ok_json(
            get(&app, &format!("{path}?year=2025"), &operator).await,
            200
        )
        .await["total"],
        3
    );
    assert_eq!(
        ok_json(
            get(&app, &format!("{path}?year=2024"), &operator).await,
            200
        )
        .await["total"],
        0
    );

    // The event's organizer sees the training of their event, not the officer's records.
    let (_, organizer) = app.organizer_of(s.event).await;
    let theirs = ok_json(get(&app, &path, &organizer).await, 200).await;
    assert_eq!(theirs["total"], 1);
    assert_eq!(theirs["items"][0]["source"], "enrollment");
}
