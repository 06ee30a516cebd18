//! Certificates: bulk issuing for a completed event (idempotent, numbered per year without gaps, also under
//! concurrent issuing), who may read what, revocation, the public verification by code, the PDF and erasure.

use bimtek_api::domain::certificate::{NumberPattern, issue_year_month};
use bimtek_api::domain::role::Role;
use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app, spawn_app_with};

/// An event with two sessions of 2 JP and officers whose outcomes differ.
pub struct Scenario {
    pub event: Uuid,
    pub host_code: String,
    pub unit: Uuid,
    /// Attended everything, post-test 80: `sertifikat`.
    pub budi: Uuid,
    /// Attended everything, post-test 50: `surat_keterangan`.
    pub ani: Uuid,
    /// Attended one session of two: no certificate.
    pub citra: Uuid,
    pub citra_enrollment: Uuid,
    pub second_session: Uuid,
}

/// Seeds the scenario in a completed event, in one batch (seeding several stays quick); `prefix` keeps names of
/// several scenarios apart.
pub fn scenario(app: &TestApp, prefix: &str) -> Scenario {
    let id = || Uuid::new_v4();
    let (event, host, unit, s1, s2) = (id(), id(), id(), id(), id());
    let (budi, ani, citra, dedi) = (id(), id(), id(), id());
    let (eb, ea, ec, ed) = (id(), id(), id(), id());
    let host_code = format!(
        "H{}",
        &Uuid::new_v4().simple().to_string()[..8].to_uppercase()
    );
    let unit_code = format!(
        "U{}",
        &Uuid::new_v4().simple().to_string()[..8].to_uppercase()
    );
    let now = Utc::now();
    let today = now.date_naive();
    let mut sql = format!(
        "INSERT INTO units (id, code, name, unit_type) VALUES
           ('{host}', '{host_code}', 'Lapas Narkotika {host_code}', 'lapas'), ('{unit}', '{unit_code}', 'Unit {unit_code}', 'rutan');
         INSERT INTO events (id, title, kind, host_unit_id, starts_on, ends_on, capacity, status) VALUES
           ('{event}', 'Orientasi Lapangan PM Rehabilitasi Sosial', 'orientation', '{host}', '{starts}', '{ends}', 30,
            'completed');
         INSERT INTO sessions (id, event_id, kind, title, starts_at, ends_at, jp) VALUES
           ('{s1}', '{event}', 'seminar', 'Seminar', '{t1}', '{t2}', 2),
           ('{s2}', '{event}', 'group_therapy', 'Group therapy', '{t3}', '{t4}', 2);",
        starts = today - chrono::Duration::days(1),
        ends = today,
        t1 = (now - chrono::Duration::minutes(300)).to_rfc3339(),
        t2 = (now - chrono::Duration::minutes(240)).to_rfc3339(),
        t3 = (now - chrono::Duration::minutes(200)).to_rfc3339(),
        t4 = (now - chrono::Duration::minutes(140)).to_rfc3339(),
    );
    for (officer, enrollment, name, status) in [
        (budi, eb, "Budi Santoso", "approved"),
        (ani, ea, "Ani Rahmawati", "approved"),
        (citra, ec, "Citra Dewi", "approved"),
        (dedi, ed, "Dedi Nominated", "nominated"),
    ] {
        let name = format!("{prefix}{name}");
        sql.push_str(&format!(
            "INSERT INTO participants (id, nip, full_name, name_search, sex, employee_type, unit_id)
               VALUES ('{officer}', '{nip}', '{name}', '{search}', 'male', 'pns', '{unit}');
             INSERT INTO enrollments (id, event_id, participant_id, status, check_in_code)
               VALUES ('{enrollment}', '{event}', '{officer}', '{status}', '{code}');",
            nip = fresh_nip(),
            search = name.to_lowercase(),
            code = Uuid::new_v4().simple(),
        ));
    }
    for (session, enrollment, officer) in [
        (s1, eb, budi),
        (s2, eb, budi),
        (s1, ea, ani),
        (s2, ea, ani),
        (s1, ec, citra),
    ] {
        sql.push_str(&attendance_sql(session, enrollment, officer));
    }
    for (enrollment, score) in [(eb, 80.0), (ea, 50.0), (ec, 95.0)] {
        sql.push_str(&format!(
            "INSERT INTO scores (enrollment_id, kind, score, source) VALUES ('{enrollment}', 'post_test', {score}, 'manual');"
        ));
    }
    app.db().batch_execute(&sql).unwrap();
    Scenario {
        event,
        host_code,
        unit,
        budi,
        ani,
        citra,
        citra_enrollment: ec,
        second_session: s2,
    }
}

/// The parsed PDF and its text, page after page (printpdf reads the embedded fonts' ToUnicode maps back).
pub fn pdf_text(bytes: &[u8]) -> (printpdf::PdfDocument, String) {
    let parsed = printpdf::PdfDocument::parse(bytes, &Default::default(), &mut Vec::new())
        .expect("a readable PDF");
    let text = parsed
        .extract_text()
        .into_iter()
        .map(|page| page.join("\n"))
        .collect::<Vec<_>>()
        .join("\n");
    (parsed, text)
}

/// A valid synthetic NIP, unique in this process.
fn fresh_nip() -> String {
    static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("199001{:02}2015031{:03}", 1 + (n / 999) % 28, 1 + n % 999)
}

fn attendance_sql(session: Uuid, enrollment: Uuid, officer: Uuid) -> String {
    format!(
        "INSERT INTO attendance (session_id, enrollment_id, participant_id, status, method)
         VALUES ('{session}', '{enrollment}', '{officer}', 'present', 'manual');"
    )
}

/// A participant account of an existing officer, and its token.
pub async fn account_of(app: &TestApp, officer: Uuid) -> String {
    use bimtek_api::schema::users;
    let account = app.seed_user(Role::Participant);
    diesel::update(users::table.find(account.id))
        .set(users::participant_id.eq(officer))
        .execute(&mut app.db())
        .unwrap();
    app.token_for(&account).await
}

pub async fn issue(app: &TestApp, event: Uuid, token: &str) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/events/{event}/certificates"),
        token,
        None,
    )
    .await
}

async fn status_and_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn sequence(app: &TestApp, year: i32) -> Option<i32> {
    use bimtek_api::schema::certificate_sequences;
    certificate_sequences::table
        .find(year)
        .select(certificate_sequences::last_value)
        .first(&mut app.db())
        .optional()
        .unwrap()
}

#[tokio::test]
async fn issuing_gives_each_eligible_officer_one_numbered_certificate_and_a_second_call_creates_nothing()
 {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let (organizer, token) = app.organizer_of(s.event).await;
    let (year, _) = issue_year_month(Utc::now());

    let response = issue(&app, s.event, &token).await;
    assert_eq!(
        response.headers()["location"],
        format!("/api/v1/events/{}/certificates", s.event).as_str()
    );
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["created"], 2);
    assert_eq!(body["already_issued"], 0);
    assert_eq!(body["not_eligible"], 1);
    let items = body["items"].as_array().unwrap();
    // Numbered in the order of the names: Ani before Budi.
    assert_eq!(items[0]["participant_id"], s.ani.to_string());
    assert_eq!(items[0]["kind"], "surat_keterangan");
    assert_eq!(items[0]["seq"], 1);
    assert_eq!(
        items[0]["number"],
        format!("1/BIMTEK/{}/{year}", s.host_code)
    );
    assert_eq!(items[1]["participant_id"], s.budi.to_string());
    assert_eq!(items[1]["kind"], "sertifikat");
    assert_eq!(
        items[1]["number"],
        format!("2/BIMTEK/{}/{year}", s.host_code)
    );
    assert_eq!(items[1]["holder_name"], "Budi Santoso");
    assert_eq!(items[1]["jp"], 4, "whole JP, as results count them");
    assert_eq!(items[1]["status"], "valid");
    assert_eq!(items[1]["year"], year);
    assert_eq!(items[1]["issued_by"], organizer.id.to_string());
    let code = items[1]["verification_code"].as_str().unwrap();
    assert_eq!(code.len(), 32);
    assert_ne!(code, items[0]["verification_code"].as_str().unwrap());
    assert_eq!(
        items[1]["verification_url"],
        format!("http://localhost:8080/verify/{code}")
    );
    assert!(
        items
            .iter()
            .all(|c| c["participant_id"] != s.citra.to_string())
    );
    assert_eq!(app.count("certificates"), 2);
    assert_eq!(sequence(&app, year), Some(2));
    assert_eq!(
        app.count("audit_log WHERE action = 'certificate.issue' AND resource_type = 'certificate'"),
        2
    );

    let (status, again) = status_and_json(issue(&app, s.event, &token).await).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["created"], 0);
    assert_eq!(again["already_issued"], 2);
    assert_eq!(again["items"], json!([]));
    assert_eq!(app.count("certificates"), 2);
    assert_eq!(sequence(&app, year), Some(2));
    assert_eq!(app.count(crate::helpers::EXPLICIT_AUDIT), 2);

    // An officer who becomes eligible later gets the next number of the year; the others keep theirs.
    app.db()
        .batch_execute(&attendance_sql(
            s.second_session,
            s.citra_enrollment,
            s.citra,
        ))
        .unwrap();
    let (status, third) = status_and_json(issue(&app, s.event, &token).await).await;
    assert_eq!(status, 201, "{third}");
    assert_eq!(third["created"], 1);
    assert_eq!(third["already_issued"], 2);
    assert_eq!(third["items"][0]["seq"], 3);
    assert_eq!(third["items"][0]["kind"], "sertifikat");
}

#[tokio::test]
async fn issuing_for_an_event_that_is_not_completed_is_409_and_writes_nothing() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let (_, token) = app.organizer_of(s.event).await;
    for status in ["published", "ongoing", "cancelled"] {
        app.set_event_status(s.event, status);
        let response = issue(&app, s.event, &token).await;
        assert_problem(response, 409, "event_not_completed").await;
    }
    assert_eq!(app.count("certificates"), 0);
    assert_eq!(app.count("certificate_sequences"), 0);
    assert_eq!(app.count(crate::helpers::EXPLICIT_AUDIT), 0);

    // Only the event's managers issue; an unknown event is 404.
    app.set_event_status(s.event, "completed");
    let (_, other) = app.user_with_token(Role::Organizer).await;
    assert_problem(issue(&app, s.event, &other).await, 403, "forbidden").await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    assert_problem(issue(&app, Uuid::new_v4(), &admin).await, 404, "not_found").await;
    assert_eq!(app.count("certificates"), 0);
}

#[tokio::test]
async fn concurrent_issuing_numbers_the_year_without_gaps_or_duplicates() {
    let app = spawn_app().await;
    let events: Vec<Uuid> = (0..4)
        .map(|i| scenario(&app, &format!("E{i} ")).event)
        .collect();
    // Logged in after the seeding: the login's keep-alive connection must not idle out before it is reused.
    let (_, admin) = app.user_with_token(Role::Admin).await;
    // Every event twice, all at once: eight transactions race for the same year's sequence.
    let calls = events
        .iter()
        .chain(events.iter())
        .map(|event| issue(&app, *event, &admin));
    let responses = futures_util::future::join_all(calls).await;
    let mut created = 0;
    for response in responses {
        let (status, body) = status_and_json(response).await;
        assert!(status == 201 || status == 200, "{status} {body}");
        created += body["created"].as_u64().unwrap();
    }
    assert_eq!(created, 8);
    let (year, _) = issue_year_month(Utc::now());
    let mut seqs: Vec<i32> = {
        use bimtek_api::schema::certificates;
        certificates::table
            .filter(certificates::year.eq(year))
            .select(certificates::seq)
            .load(&mut app.db())
            .unwrap()
    };
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=8).collect::<Vec<_>>());
    assert_eq!(sequence(&app, year), Some(8));
    // Each event's certificates got consecutive numbers (one reservation per transaction).
    for event in events {
        use bimtek_api::schema::certificates;
        let mut mine: Vec<i32> = certificates::table
            .filter(certificates::event_id.eq(event))
            .select(certificates::seq)
            .load(&mut app.db())
            .unwrap();
        mine.sort_unstable();
        assert_eq!(mine.len(), 2);
        assert_eq!(mine[1], mine[0] + 1);
    }
}

#[tokio::test]
async fn the_number_pattern_is_configurable() {
    let app = spawn_app_with(|s| {
        s.certificate_number_pattern =
            NumberPattern::parse("W19-{unit_code}.{seq:4}/{month_roman}/{year}").unwrap();
    })
    .await;
    let s = scenario(&app, "");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (status, body) = status_and_json(issue(&app, s.event, &admin).await).await;
    assert_eq!(status, 201);
    let (year, month) = issue_year_month(Utc::now());
    let roman = bimtek_api::domain::certificate::month_roman(month);
    assert_eq!(
        body["items"][0]["number"],
        format!("W19-{}.0001/{roman}/{year}", s.host_code)
    );
}

#[tokio::test]
async fn holders_and_their_unit_operator_read_their_certificates_and_nobody_else_does() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (_, body) = status_and_json(issue(&app, s.event, &admin).await).await;
    let budi_cert = body["items"][1]["id"].as_str().unwrap().to_owned();

    // Budi's account sees only Budi's certificate.
    let budi_token = account_of(&app, s.budi).await;
    let list = app
        .send(
            Method::GET,
            &format!("/api/v1/events/{}/certificates", s.event),
            &budi_token,
            None,
        )
        .await;
    let (status, list) = status_and_json(list).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], budi_cert.as_str());
    let own = app
        .send(
            Method::GET,
            &format!("/api/v1/certificates/{budi_cert}"),
            &budi_token,
            None,
        )
        .await;
    assert_eq!(own.status(), 200);
    assert_eq!(own.headers()["etag"], "\"1\"");

    // Another officer's account: Budi's certificate does not exist for them, and their list is empty.
    let (_, _, other) = app.participant_account(s.unit, "Eka Putri").await;
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/certificates/{budi_cert}"),
            &other,
            None,
        )
        .await;
    assert_problem(response, 404, "not_found").await;
    let (_, list) = status_and_json(
        app.send(
            Method::GET,
            &format!("/api/v1/events/{}/certificates", s.event),
            &other,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(list["total"], 0);

    // The operator of the officers' unit sees their certificates (and reads them); one of another unit none.
    let operator = app.operator_of(s.unit).await;
    let (_, list) = status_and_json(
        app.send(
            Method::GET,
            &format!("/api/v1/events/{}/certificates", s.event),
            &operator,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(list["total"], 2);
    let read = app
        .send(
            Method::GET,
            &format!("/api/v1/certificates/{budi_cert}"),
            &operator,
            None,
        )
        .await;
    assert_eq!(read.status(), 200);
    let (_, foreign_operator) = app.user_with_token(Role::UnitOperator).await;
    let read = app
        .send(
            Method::GET,
            &format!("/api/v1/certificates/{budi_cert}"),
            &foreign_operator,
            None,
        )
        .await;
    assert_problem(read, 404, "not_found").await;

    // The managers see all, filtered and sorted as asked; a facilitator of nothing is refused.
    let (_, list) = status_and_json(
        app.send(
            Method::GET,
            &format!(
                "/api/v1/events/{}/certificates?kind=sertifikat&sort=-holder_name",
                s.event
            ),
            &admin,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["holder_name"], "Budi Santoso");
    let (_, facilitator) = app.user_with_token(Role::Facilitator).await;
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/events/{}/certificates", s.event),
            &facilitator,
            None,
        )
        .await;
    assert_problem(response, 403, "forbidden").await;
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/events/{}/certificates?status=expired", s.event),
            &admin,
            None,
        )
        .await;
    assert_problem(response, 400, "invalid_query").await;
}

async fn revoke(app: &TestApp, id: &str, token: &str, body: Value) -> reqwest::Response {
    app.send(
        Method::POST,
        &format!("/api/v1/certificates/{id}/revoke"),
        token,
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_certificate_is_revoked_once_with_a_reason_and_verification_then_says_revoked() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let (_, token) = app.organizer_of(s.event).await;
    let (_, body) = status_and_json(issue(&app, s.event, &token).await).await;
    let cert = body["items"][1]["id"].as_str().unwrap().to_owned();
    let code = body["items"][1]["verification_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let audit_before = app.count(crate::helpers::EXPLICIT_AUDIT);

    // Bad input: every offending field named, nothing written.
    let response = revoke(&app, &cert, &token, json!({"reason": "  "})).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["reason"]);
    let response = revoke(&app, &cert, &token, json!({"reason": "x".repeat(1001)})).await;
    assert_problem(response, 422, "validation_failed").await;
    let response = revoke(&app, &cert, &token, json!({})).await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["reason"]);
    // The holder may read it but not revoke it.
    let holder = account_of(&app, s.budi).await;
    let response = revoke(&app, &cert, &holder, json!({"reason": "Saya sendiri"})).await;
    assert_problem(response, 403, "forbidden").await;
    let stale = app
        .client
        .post(app.url(&format!("/api/v1/certificates/{cert}/revoke")))
        .bearer_auth(&token)
        .header("if-match", "\"7\"")
        .json(&json!({"reason": "Salah input"}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, 412, "precondition_failed").await;
    assert_eq!(app.count("certificates WHERE revoked_at IS NOT NULL"), 0);
    assert_eq!(app.count(crate::helpers::EXPLICIT_AUDIT), audit_before);

    let response = app
        .client
        .post(app.url(&format!("/api/v1/certificates/{cert}/revoke")))
        .bearer_auth(&token)
        .header("if-match", "\"1\"")
        .json(&json!({"reason": "Nilai post-test salah input"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"2\"");
    let (status, revoked) = status_and_json(response).await;
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(revoked["revocation_reason"], "Nilai post-test salah input");
    assert!(revoked["revoked_at"].is_string());
    assert_eq!(
        app.count("audit_log WHERE action = 'certificate.revoke'"),
        1
    );

    let response = revoke(&app, &cert, &token, json!({"reason": "Lagi"})).await;
    assert_problem(response, 409, "already_revoked").await;

    let verified = app
        .client
        .get(app.url(&format!("/api/v1/certificates/verify/{code}")))
        .send()
        .await
        .unwrap();
    let (status, verified) = status_and_json(verified).await;
    assert_eq!(status, 200);
    assert_eq!(verified["status"], "revoked");
    assert!(verified["revoked_at"].is_string());
    assert!(verified.get("revocation_reason").is_none());

    // A revoked certificate is not printed again.
    let pdf = app
        .send(
            Method::GET,
            &format!("/api/v1/certificates/{cert}.pdf"),
            &token,
            None,
        )
        .await;
    assert_problem(pdf, 409, "certificate_revoked").await;
}

#[tokio::test]
async fn verification_without_a_token_shows_only_what_the_certificate_certifies() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (_, body) = status_and_json(issue(&app, s.event, &admin).await).await;
    let code = body["items"][1]["verification_code"].as_str().unwrap();

    let response = app
        .client
        .get(app.url(&format!("/api/v1/certificates/verify/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let (status, verified) = status_and_json(response).await;
    assert_eq!(status, 200);
    let mut keys: Vec<&str> = verified
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "ends_on",
            "event_title",
            "holder_erased",
            "holder_name",
            "holder_nip_masked",
            "host_unit_name",
            "issued_on",
            "issuer",
            "jp",
            "kind",
            "number",
            "revoked_at",
            "starts_on",
            "status"
        ]
    );
    // The NIP only masked: its first and last four digits.
    let masked = verified["holder_nip_masked"].as_str().unwrap();
    assert!(
        masked.len() == 18 && masked[4..14].chars().all(|c| c == '*'),
        "{masked}"
    );
    assert_eq!(verified["status"], "valid");
    assert_eq!(verified["kind"], "sertifikat");
    assert_eq!(verified["holder_name"], "Budi Santoso");
    assert_eq!(verified["holder_erased"], false);
    assert_eq!(
        verified["event_title"],
        "Orientasi Lapangan PM Rehabilitasi Sosial"
    );
    assert_eq!(verified["jp"], 4);

    for unknown in [
        "abcdefghijklmnopqrstuvwxyz234567".to_owned(),
        "not-a-code".to_owned(),
        code.to_uppercase(),
        "a".repeat(65),
    ] {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/certificates/verify/{unknown}")))
            .send()
            .await
            .unwrap();
        assert_problem(response, 404, "not_found").await;
    }
}

#[tokio::test]
async fn the_pdf_is_an_a4_landscape_page_for_its_readers() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (_, body) = status_and_json(issue(&app, s.event, &admin).await).await;
    let cert = body["items"][1]["id"].as_str().unwrap();

    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/certificates/{cert}.pdf"),
            &admin,
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let year = issue_year_month(Utc::now()).0;
    assert_eq!(
        response.headers()["content-disposition"],
        format!(
            "inline; filename=\"sertifikat-2-BIMTEK-{}-{year}.pdf\"",
            s.host_code
        )
        .as_str()
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let (parsed, text) = pdf_text(&bytes);
    // Page 1 the certificate, page 2 the curriculum.
    assert_eq!(parsed.pages.len(), 2);
    let media = &parsed.pages[0].media_box;
    // A4 landscape: 297 x 210 mm.
    assert!((media.width.0 - 841.9).abs() < 1.0, "{media:?}");
    assert!((media.height.0 - 595.3).abs() < 1.0, "{media:?}");
    for expected in [
        "SERTIFIKAT",
        "diberikan kepada",
        "Budi Santoso",
        "Orientasi Lapangan PM Rehabilitasi Sosial",
        "sebanyak 4 jam pelajaran (JP)",
        &format!("Nomor: 2/BIMTEK/{}/{year}", s.host_code),
        "/verify/",
        "kredensial digital terverifikasi (Open Badges 3.0)",
        "KEMENTERIAN IMIGRASI DAN PEMASYARAKATAN REPUBLIK INDONESIA",
        "KURIKULUM",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }

    // Nobody else learns it exists.
    let (_, stranger) = app.user_with_token(Role::Organizer).await;
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/certificates/{cert}.pdf"),
            &stranger,
            None,
        )
        .await;
    assert_problem(response, 404, "not_found").await;
}

#[tokio::test]
async fn erasing_an_officer_scrubs_the_name_from_their_certificates() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (_, body) = status_and_json(issue(&app, s.event, &admin).await).await;
    let code = body["items"][1]["verification_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let erase = app
        .send(
            Method::POST,
            &format!("/api/v1/participants/{}/erase", s.budi),
            &admin,
            None,
        )
        .await;
    assert_eq!(erase.status(), 200, "{}", erase.text().await.unwrap());
    {
        use bimtek_api::schema::certificates;
        let names: Vec<String> = certificates::table
            .filter(certificates::participant_id.eq(s.budi))
            .select(certificates::holder_name)
            .load(&mut app.db())
            .unwrap();
        assert_eq!(names, ["Peserta terhapus"]);
    }
    assert_eq!(app.count("certificates WHERE holder_name LIKE '%Budi%'"), 0);
    let verified: Value = app
        .client
        .get(app.url(&format!("/api/v1/certificates/verify/{code}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(verified["holder_name"], Value::Null);
    assert_eq!(verified["holder_erased"], true);
    assert_eq!(verified["status"], "valid");
}
