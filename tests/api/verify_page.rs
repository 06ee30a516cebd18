//! The public page a certificate's QR code opens, loaded in headless Chromium (Debian's `chromium` package) as a
//! person's phone would: what it shows before and after a revocation, for an unknown code, and that markup in a
//! name stays text. Chromium is required: without it these tests fail (`scripts/test.sh` installs it).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bimtek_api::domain::role::Role;
use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::{Value, json};

use crate::certificates::{issue, scenario};
use crate::helpers::TestApp;
use crate::helpers::spawn_app;

const CHROMIUM: &str = "chromium";

/// The DOM of `url` after Chromium loaded it (no JavaScript is needed, none runs).
async fn dump_dom(url: String) -> String {
    tokio::task::spawn_blocking(move || {
        let profile = std::env::temp_dir().join(format!("bimtek-chromium-{}", uuid::Uuid::new_v4()));
        let mut child = Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-extensions",
                "--window-size=390,844",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("--dump-dom")
            .arg(&url)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run `{CHROMIUM}` ({e}): these tests need headless Chromium; install it with \
                     `apt-get install -y chromium` (scripts/test.sh does)"
                )
            });
        let started = Instant::now();
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if started.elapsed() > Duration::from_secs(90) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish loading {url} within 90 s");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let output = child.wait_with_output().unwrap();
        let _ = std::fs::remove_dir_all(&profile);
        let dom = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            dom.contains("<html"),
            "chromium printed no page for {url}: {dom:?}"
        );
        dom
    })
    .await
    .unwrap()
}

/// The text of the element with this id in a dumped DOM (its markup as serialized, entities kept).
fn element(dom: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = dom
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {dom}"))
        + marker.len();
    let end = dom[start..].find("</").unwrap() + start;
    dom[start..end].to_owned()
}

async fn issue_one(app: &TestApp) -> (String, String, String) {
    let s = scenario(app, "");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let body: Value = issue(app, s.event, &admin).await.json().await.unwrap();
    let cert = &body["items"][1];
    (
        cert["id"].as_str().unwrap().to_owned(),
        cert["verification_code"].as_str().unwrap().to_owned(),
        admin,
    )
}

#[tokio::test]
async fn the_scanned_page_shows_a_valid_certificate_then_its_revocation() {
    let app = spawn_app().await;
    let (id, code, admin) = issue_one(&app).await;
    let url = app.url(&format!("/verify/{code}"));

    let response = app.client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.starts_with("default-src 'none'; style-src 'sha256-") && !csp.contains("unsafe"),
        "{csp}"
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("<meta name=\"viewport\""));
    assert!(!html.contains("<script"));

    let dom = dump_dom(url.clone()).await;
    assert_eq!(element(&dom, "status"), "SAH");
    assert_eq!(element(&dom, "holder"), "Budi Santoso");
    assert_eq!(
        element(&dom, "event"),
        "Orientasi Lapangan PM Rehabilitasi Sosial"
    );
    assert_eq!(element(&dom, "kind"), "Sertifikat");
    assert_eq!(element(&dom, "jp"), "4 JP");
    assert!(element(&dom, "number").starts_with("2/BIMTEK/"));
    assert!(element(&dom, "explanation").contains("sah"));
    assert!(dom.contains("class=\"status valid\""));
    assert!(
        element(&dom, "credential").contains("kredensial digital terverifikasi (Open Badges 3.0)"),
        "the holder is offered the credential"
    );

    let revoked = app
        .send(
            Method::POST,
            &format!("/api/v1/certificates/{id}/revoke"),
            &admin,
            Some(json!({"reason": "Diterbitkan karena kesalahan data"})),
        )
        .await;
    assert_eq!(revoked.status(), 200);
    let dom = dump_dom(url).await;
    assert_eq!(element(&dom, "status"), "DICABUT");
    assert!(element(&dom, "explanation").contains("telah dicabut pada"));
    assert_eq!(element(&dom, "holder"), "Budi Santoso");
    // The reason stays with the organisers; a revoked certificate's credential is no longer offered.
    assert!(!dom.contains("kesalahan data"));
    assert!(!dom.contains("id=\"credential\""));
}

#[tokio::test]
async fn an_unknown_code_gets_a_404_page_in_indonesian() {
    let app = spawn_app().await;
    for code in ["abcdefghijklmnopqrstuvwxyz234567", "bukan-kode"] {
        let url = app.url(&format!("/verify/{code}"));
        let response = app.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 404);
        assert_eq!(
            response.headers()["content-type"],
            "text/html; charset=utf-8"
        );
        assert_eq!(response.headers()["cache-control"], "no-store");
        let dom = dump_dom(url).await;
        assert_eq!(element(&dom, "status"), "TIDAK DITEMUKAN");
        assert!(element(&dom, "explanation").contains("tidak dikenal"));
    }
}

#[tokio::test]
async fn names_with_markup_are_shown_as_text_and_an_erased_holder_as_erased() {
    let app = spawn_app().await;
    let (_, code, admin) = issue_one(&app).await;
    // A name with markup, as if it had been stored so: the page must show it, not run or render it.
    app.db()
        .batch_execute(
            "UPDATE certificates SET holder_name = 'Budi <img src=x onerror=alert(1)> & \"Co\"'",
        )
        .unwrap();
    let url = app.url(&format!("/verify/{code}"));
    let dom = dump_dom(url.clone()).await;
    assert_eq!(
        element(&dom, "holder"),
        "Budi &lt;img src=x onerror=alert(1)&gt; &amp; \"Co\""
    );
    assert!(!dom.contains("<img"));

    let participant: String = {
        use bimtek_api::schema::certificates;
        use diesel::prelude::*;
        certificates::table
            .filter(certificates::verification_code.eq(&code))
            .select(certificates::participant_id)
            .first::<uuid::Uuid>(&mut app.db())
            .unwrap()
            .to_string()
    };
    let erase = app
        .send(
            Method::POST,
            &format!("/api/v1/participants/{participant}/erase"),
            &admin,
            None,
        )
        .await;
    assert_eq!(erase.status(), 200);
    let dom = dump_dom(url).await;
    assert_eq!(
        element(&dom, "holder"),
        "Data pribadi pemegang telah dihapus"
    );
    assert_eq!(element(&dom, "status"), "SAH");
}
