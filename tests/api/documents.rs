//! Printed documents: the letterhead (default and per host unit, with a logo), the certificate as an office files
//! it (holder NIP, pangkat/golongan, jabatan and unit; the signatory; the issue date chosen at issuance; the
//! curriculum with its total JP), and no certificate printed for an erased officer. The PDFs are read back.

use base64::Engine;
use bimtek_api::domain::certificate::wib_date;
use bimtek_api::domain::role::Role;
use chrono::{Datelike, Utc};
use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::certificates::{Scenario, issue, pdf_text, scenario};
use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app, spawn_app_with};

/// A 4 x 2 RGBA PNG.
fn png() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, 4, 2);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[200u8; 4 * 2 * 4]).unwrap();
    }
    out
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Issues the scenario's certificates and returns the PDF text of Budi's (the `sertifikat`).
async fn budi_pdf(app: &TestApp, s: &Scenario, admin: &str, body: Option<Value>) -> (u16, String) {
    let response = app
        .send(
            Method::POST,
            &format!("/api/v1/events/{}/certificates", s.event),
            admin,
            body,
        )
        .await;
    let (status, issued) = json_of(response).await;
    assert_eq!(status, 201, "{issued}");
    let budi = issued["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["participant_id"] == s.budi.to_string())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/certificates/{budi}.pdf"),
            admin,
            None,
        )
        .await;
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (status, pdf_text(&bytes).1)
}

#[tokio::test]
async fn administrators_set_the_letterhead_and_organizers_read_it() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (_, organizer) = app.user_with_token(Role::Organizer).await;

    // Nothing stored: the built-in Kanwil lines.
    let (status, builtin) = json_of(
        app.send(Method::GET, "/api/v1/letterhead", &organizer, None)
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(builtin["source"], "builtin");
    assert_eq!(
        builtin["heading"][0],
        "KEMENTERIAN IMIGRASI DAN PEMASYARAKATAN REPUBLIK INDONESIA"
    );

    let logo = base64::engine::general_purpose::STANDARD.encode(png());
    let body = json!({
        "heading": ["KEMENTERIAN IMIGRASI DAN PEMASYARAKATAN REPUBLIK INDONESIA", "KANWIL UJI"],
        "contact": ["Jalan Uji 1, Palangka Raya"],
        "logo": logo,
    });
    let response = app
        .send(
            Method::PUT,
            "/api/v1/letterhead",
            &organizer,
            Some(body.clone()),
        )
        .await;
    assert_problem(response, 403, "forbidden").await;
    let response = app
        .send(Method::PUT, "/api/v1/letterhead", &admin, Some(body))
        .await;
    assert_eq!(response.headers()["etag"], "\"1\"");
    let (status, stored) = json_of(response).await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["source"], "default");
    assert_eq!(stored["logo_type"], "image/png");
    assert_eq!(stored["logo"], logo);
    let (_, read) = json_of(
        app.send(Method::GET, "/api/v1/letterhead", &organizer, None)
            .await,
    )
    .await;
    assert_eq!(read["heading"][1], "KANWIL UJI");

    // Every offending field is named; a GIF is no logo.
    let gif = base64::engine::general_purpose::STANDARD.encode(b"GIF89a\x01\x00\x01\x00");
    let bad = json!({"heading": [], "contact": ["", "b", "c", "d", "e"], "logo": gif});
    let response = app
        .send(Method::PUT, "/api/v1/letterhead", &admin, Some(bad))
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    let fields = error_fields(&problem);
    for field in ["contact", "contact[0]", "heading", "logo"] {
        assert!(fields.iter().any(|f| f == field), "{field} in {fields:?}");
    }
    let not_base64 = json!({"heading": ["A"], "logo": "not base64!"});
    let response = app
        .send(Method::PUT, "/api/v1/letterhead", &admin, Some(not_base64))
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["logo"]);
    assert_eq!(problem["errors"][0]["code"], "invalid_format");
    // Every string of the schema's base64 pattern decodes, also one whose last character leaves unused bits set
    // (`i=`, found by schemathesis): these bytes are no image, which is the refusal.
    let loose = json!({"heading": ["A"], "logo": "tKL5cDV9YVLGFIuDM0QnuMleQYw6wGV7+fyxZti="});
    let response = app
        .send(Method::PUT, "/api/v1/letterhead", &admin, Some(loose))
        .await;
    let problem = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(
        (error_fields(&problem), problem["errors"][0]["code"].clone()),
        (vec!["logo".to_owned()], json!("invalid_image"))
    );
    // A stale If-Match is refused.
    let response = app
        .client
        .put(app.url("/api/v1/letterhead"))
        .bearer_auth(&admin)
        .header("If-Match", "\"7\"")
        .json(&json!({"heading": ["A"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 412);
}

#[tokio::test]
async fn a_certificate_carries_the_letterhead_holder_signatory_and_curriculum() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    // The host unit's own letterhead wins over the default.
    let response = app
        .send(
            Method::PUT,
            "/api/v1/letterhead",
            &admin,
            Some(json!({"heading": ["DEFAULT KANWIL"]})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let host: Uuid = {
        use bimtek_api::schema::events;
        use diesel::prelude::*;
        events::table
            .find(s.event)
            .select(events::host_unit_id)
            .first(&mut app.db())
            .unwrap()
    };
    let response = app
        .send(
            Method::PUT,
            &format!("/api/v1/units/{host}/letterhead"),
            &admin,
            Some(json!({
                "heading": ["KEMENTERIAN IMIGRASI DAN PEMASYARAKATAN REPUBLIK INDONESIA",
                            "LAPAS NARKOTIKA KELAS IIA KASONGAN"],
                "contact": ["Jalan Tjilik Riwut Km. 5, Kasongan"],
                "logo": base64::engine::general_purpose::STANDARD.encode(png()),
            })),
        )
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    // Budi's record: grade and position.
    app.db()
        .batch_execute(&format!(
            "UPDATE participants SET grade = 'III/a', position = 'Pengelola Rehabilitasi Sosial' WHERE id = '{}'",
            s.budi
        ))
        .unwrap();
    let nip: String = {
        use bimtek_api::schema::participants;
        use diesel::prelude::*;
        participants::table
            .find(s.budi)
            .select(participants::nip.assume_not_null())
            .first(&mut app.db())
            .unwrap()
    };
    let response = app
        .send(
            Method::PUT,
            &format!("/api/v1/events/{}/signatory", s.event),
            &admin,
            Some(json!({
                "title": "Kepala Kantor Wilayah",
                "name": "I Putu Murdiana",
                "nip": "197001011990031001",
                "place": "Palangka Raya"
            })),
        )
        .await;
    let (status, signatory) = json_of(response).await;
    assert_eq!(status, 200, "{signatory}");
    let bad = app
        .send(
            Method::PUT,
            &format!("/api/v1/events/{}/signatory", s.event),
            &admin,
            Some(json!({"nip": "1970", "name": ""})),
        )
        .await;
    let problem = assert_problem(bad, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["nip"]);

    let today = wib_date(Utc::now());
    let (status, text) = budi_pdf(&app, &s, &admin, None).await;
    assert_eq!(status, 200, "{text}");
    for expected in [
        "LAPAS NARKOTIKA KELAS IIA KASONGAN",
        "Jalan Tjilik Riwut Km. 5, Kasongan",
        "SERTIFIKAT",
        "Budi Santoso",
        nip.as_str(),
        "Penata Muda, III/a",
        "Pengelola Rehabilitasi Sosial",
        "I Putu Murdiana",
        "NIP. 197001011990031001",
        "Kepala Kantor Wilayah",
        &format!(
            "Palangka Raya, {}",
            bimtek_api::domain::certificate::tanggal(today)
        ),
        "KURIKULUM",
        "Seminar",
        "Group therapy",
        "Jumlah",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    assert!(!text.contains("DEFAULT KANWIL"), "{text}");
    // The public verification names the issuing office, the kind and the holder's NIP masked.
    let code: String = {
        use bimtek_api::schema::certificates;
        use diesel::prelude::*;
        certificates::table
            .filter(certificates::participant_id.eq(s.budi))
            .select(certificates::verification_code)
            .first(&mut app.db())
            .unwrap()
    };
    let verified: Value = app
        .client
        .get(app.url(&format!("/api/v1/certificates/verify/{code}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(verified["issuer"], "LAPAS NARKOTIKA KELAS IIA KASONGAN");
    assert_eq!(verified["kind"], "sertifikat");
    let masked = format!("{}**********{}", &nip[..4], &nip[14..]);
    assert_eq!(verified["holder_nip_masked"], masked.as_str());
    assert!(!verified.to_string().contains(&nip), "{verified}");
    let page = app
        .client
        .get(app.url(&format!("/verify/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<h1>Verifikasi Sertifikat</h1>"), "{page}");
    assert!(
        page.contains(&format!("<dd id=\"nip\">{masked}</dd>")),
        "{page}"
    );
    assert!(
        page.contains("<dd id=\"issuer\">LAPAS NARKOTIKA KELAS IIA KASONGAN</dd>"),
        "{page}"
    );
    assert!(!page.contains(&nip));
    assert!(!text.contains("secara elektronik"), "{text}");
    // The curriculum's total: two sessions of 2 JP.
    let after_total = text.split("Jumlah").nth(1).unwrap_or_default();
    assert!(after_total.trim_start().starts_with('4'), "{after_total}");
}

#[tokio::test]
async fn the_issue_date_is_chosen_at_issuance_and_never_before_the_event_ends() {
    let app = spawn_app_with(|settings| {
        settings.certificate_number_pattern =
            bimtek_api::domain::certificate::NumberPattern::parse(
                "{seq}/BIMTEK/{event_year}/{year}",
            )
            .unwrap();
    })
    .await;
    let s = scenario(&app, "");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    // The event ends today (UTC): the day before is refused, naming the field, and nothing is written.
    let ends_on = Utc::now().date_naive();
    assert_eq!(issue(&app, s.event, &admin).await.status(), 201);
    let event2 = scenario(&app, "B-");
    let early = app
        .send(
            Method::POST,
            &format!("/api/v1/events/{}/certificates", event2.event),
            &admin,
            Some(json!({"issued_on": (ends_on - chrono::Duration::days(1)).to_string()})),
        )
        .await;
    let problem = assert_problem(early, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), ["issued_on"]);
    assert_eq!(app.count("certificates"), 2, "only the first event's two");
    let unknown = app
        .send(
            Method::POST,
            &format!("/api/v1/events/{}/certificates", event2.event),
            &admin,
            Some(json!({"issued_on": "2030-01-01", "signed": true})),
        )
        .await;
    assert_problem(unknown, 422, "validation_failed").await;

    // A date next year: the number's {year} and the printed date follow it, {event_year} stays the event's.
    let next_year = ends_on.year() + 1;
    let issued_on = chrono::NaiveDate::from_ymd_opt(next_year, 1, 5).unwrap();
    let (status, text) =
        budi_pdf(&app, &event2, &admin, Some(json!({"issued_on": issued_on}))).await;
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains(&format!("/BIMTEK/{}/{next_year}", ends_on.year())),
        "{text}"
    );
    assert!(text.contains(&format!("5 Januari {next_year}")), "{text}");
}

#[tokio::test]
async fn an_electronically_signed_event_prints_the_note_from_its_program() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let program = Uuid::new_v4();
    app.db()
        .batch_execute(&format!(
            "INSERT INTO programs (id, name, year) VALUES ('{program}', 'PM Rehabilitasi Sosial {program}', 2025);
             UPDATE events SET program_id = '{program}' WHERE id = '{}'",
            s.event
        ))
        .unwrap();
    let response = app
        .send(
            Method::PUT,
            &format!("/api/v1/programs/{program}/signatory"),
            &admin,
            Some(json!({"name": "Kepala Program", "signed_electronically": true})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let (status, text) = budi_pdf(&app, &s, &admin, None).await;
    assert_eq!(status, 200);
    assert!(text.contains("Kepala Program"), "{text}");
    assert!(text.contains("ditandatangani secara elektronik"), "{text}");
}

#[tokio::test]
async fn an_erased_officers_certificate_is_no_longer_printed() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (status, issued) = json_of(issue(&app, s.event, &admin).await).await;
    assert_eq!(status, 201);
    let cert = issued["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["participant_id"] == s.budi.to_string())
        .unwrap()["id"]
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
    assert_eq!(erase.status(), 200);
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/certificates/{cert}.pdf"),
            &admin,
            None,
        )
        .await;
    assert_problem(response, 410, "holder_erased").await;
    // Its number stays verifiable, without the holder's name or NIP.
    let code = issued["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["participant_id"] == s.budi.to_string())
        .unwrap()["verification_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let verified: Value = app
        .client
        .get(app.url(&format!("/api/v1/certificates/verify/{code}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(verified["status"], "valid");
    assert_eq!(verified["holder_erased"], true);
    assert!(verified["holder_nip_masked"].is_null(), "{verified}");
}
