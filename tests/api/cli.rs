//! The binary's commands, run as a user would run them.

use std::io::Write;
use std::process::{Command, Stdio};

use bimtek_api::domain::role::Role;
use serde_json::Value;

use crate::helpers::spawn_app;

fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bimtek-api"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

#[test]
fn serve_refuses_to_start_without_a_strong_secret_outside_development() {
    for secret in [None, Some("short-secret")] {
        let mut command = bin();
        command
            .args(["serve"])
            .env("DATABASE_URL", "postgres://127.0.0.1:1/none");
        if let Some(s) = secret {
            command.env("JWT_SECRET", s);
        }
        let output = command.output().unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("JWT_SECRET"), "{stderr}");
        assert!(
            !stderr.contains("short-secret"),
            "the secret is never printed"
        );
    }
}

#[test]
fn serve_refuses_to_start_without_the_webhook_secret_key_outside_development() {
    let output = bin()
        .args(["serve"])
        .env("DATABASE_URL", "postgres://127.0.0.1:1/none")
        .env("JWT_SECRET", crate::helpers::TEST_SECRET)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("WEBHOOK_SECRET_KEY") && stderr.contains("required outside development"),
        "{stderr}"
    );
    // A key that is not 32 bytes is refused too, without being printed.
    let output = bin()
        .args(["serve"])
        .env("DATABASE_URL", "postgres://127.0.0.1:1/none")
        .env("JWT_SECRET", crate::helpers::TEST_SECRET)
        .env("WEBHOOK_SECRET_KEY", "c2hvcnQta2V5")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("WEBHOOK_SECRET_KEY") && !stderr.contains("c2hvcnQta2V5"),
        "{stderr}"
    );
}

#[test]
fn the_openapi_command_prints_the_document() {
    let output = bin().arg("openapi").output().unwrap();
    assert!(output.status.success());
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        printed,
        serde_json::to_value(bimtek_api::startup::openapi()).unwrap()
    );
}

#[tokio::test]
async fn seed_demo_is_idempotent_and_its_logins_work_while_serve_alone_creates_none() {
    let app = spawn_app().await;
    // A database the demo seed never ran on has no accounts at all.
    assert_eq!(app.count("users"), 0);
    assert_eq!(
        app.login_response("admin", "admin-demo-2025")
            .await
            .status(),
        401
    );

    let run = || {
        bin()
            .arg("seed-demo")
            .env("DATABASE_URL", &app.db_url)
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let stdout = String::from_utf8_lossy(&first.stdout);
    for login in bimtek_api::service::demo::DEMO_LOGINS {
        assert!(stdout.contains(login.username) && stdout.contains(login.password));
    }
    let counts = |app: &crate::helpers::TestApp| {
        [
            "units",
            "participants",
            "programs",
            "events",
            "sessions",
            "session_facilitators",
            "users",
            "enrollments",
            "attendance",
        ]
        .map(|t| app.count(t))
    };
    let after_first = counts(&app);
    assert_eq!(after_first, [12, 20, 1, 2, 8, 6, 5, 23, 120]);
    let second = run();
    assert!(second.status.success());
    assert_eq!(counts(&app), after_first, "a second run changes nothing");

    for login in bimtek_api::service::demo::DEMO_LOGINS {
        let response = app.login_response(login.username, login.password).await;
        assert_eq!(response.status(), 200, "{}", login.username);
        let token: Value = response.json().await.unwrap();
        let me: Value = app
            .client
            .get(app.url("/api/v1/me"))
            .bearer_auth(token["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["role"], login.role.as_str());
        if login.role == Role::Participant {
            assert!(me["participant"]["full_name"].is_string());
        }
        if login.role == Role::UnitOperator {
            assert_eq!(me["unit"]["code"], "LAPAS-PALANGKARAYA");
        }
    }
}

#[tokio::test]
async fn create_admin_creates_then_resets_with_the_password_from_stdin() {
    let app = spawn_app().await;
    let run = |password: &str| {
        let mut child = bin()
            .args(["create-admin", "--username", "Kanwil.Admin"])
            .env("DATABASE_URL", &app.db_url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let created = run("first long password");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("created"));
    assert_eq!(
        app.login_response("kanwil.admin", "first long password")
            .await
            .status(),
        200
    );

    let reset = run("second long password");
    assert!(reset.status.success());
    assert_eq!(
        app.login_response("kanwil.admin", "first long password")
            .await
            .status(),
        401
    );
    assert_eq!(
        app.login_response("kanwil.admin", "second long password")
            .await
            .status(),
        200
    );

    let weak = run("short");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));
    assert_eq!(app.count("users"), 1);
}

#[tokio::test]
async fn the_readme_curl_examples_run_as_written_against_the_demo_data() {
    let app = spawn_app().await;
    // Under the test server's key, so that the signing keys seed-demo generates open in the server.
    let seeded = bin()
        .arg("seed-demo")
        .env("DATABASE_URL", &app.db_url)
        .env("WEBHOOK_SECRET_KEY", crate::helpers::TEST_WEBHOOK_KEY)
        .output()
        .unwrap();
    assert!(seeded.status.success());
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let block = readme
        .split("<!-- curl-examples -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- /curl-examples -->").next())
        .expect("the README marks its curl examples");
    let script: String = block
        .lines()
        .filter(|line| !line.starts_with("```"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("http://127.0.0.1:8080", &app.address);
    let output = Command::new("bash")
        .args(["-eu", "-o", "pipefail", "-c", &script])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains(r#""username":"admin""#), "me: {stdout}");
    assert!(
        stdout.contains(r#""username":"facilitator""#),
        "list: {stdout}"
    );
    assert!(
        stdout.contains(r#""code":"validation_failed""#),
        "error: {stdout}"
    );
    assert!(stdout.contains("Dewi Lestari"), "search: {stdout}");
    assert!(stdout.contains(r#""attendance_rate""#), "summary: {stdout}");
    assert!(
        stdout.contains(r#""activation_code":""#) && stdout.contains(r#""summary":{"created":"#),
        "participant accounts: {stdout}"
    );
    assert!(
        stdout.contains(r#""year":2025,"total_jp":9,"rule":{"kind":"minimum","jp":20"#)
            && stdout.contains(r#""status":"below","shortfall":11"#),
        "ledger: {stdout}"
    );
    assert!(
        stdout.contains(r#""summary":{"officers":"#) && stdout.contains(r#""rule_kind":"minimum""#),
        "unit compliance: {stdout}"
    );
    assert!(
        // `{"typ":"JWT","alg":"RS256",` as base64url: the start of the VC-JWT.
        stdout.contains("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIs")
            && stdout.contains(r#"{"keys":[{"kty":"#),
        "credential and key set: {stdout}"
    );
}

#[tokio::test]
async fn keys_generate_keeps_existing_keys_and_rotate_retires_them_sealed_at_rest() {
    use diesel::prelude::*;
    use diesel::sql_types::{Bool, Text};
    let app = spawn_app().await;
    let keys = |action: &str| {
        let output = bin()
            .args(["keys", action])
            .env("DATABASE_URL", &app.db_url)
            .env("WEBHOOK_SECRET_KEY", crate::helpers::TEST_WEBHOOK_KEY)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{action}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    };
    let first = keys("generate");
    assert_eq!(first.matches("signing key generated").count(), 2, "{first}");
    assert!(
        first.contains("(RS256)") && first.contains("(EdDSA)"),
        "{first}"
    );
    let again = keys("generate");
    assert_eq!(again.matches("signing key kept").count(), 2, "{again}");
    assert!(!again.contains("generated"), "{again}");
    let rotated = keys("rotate");
    assert!(rotated.contains("signing keys retired: 2"), "{rotated}");
    assert_eq!(rotated.matches("signing key generated").count(), 2);

    #[derive(QueryableByName)]
    struct Key {
        #[diesel(sql_type = Text)]
        alg: String,
        #[diesel(sql_type = Bool)]
        current: bool,
        #[diesel(sql_type = Bool)]
        sealed: bool,
        #[diesel(sql_type = Bool)]
        public_only: bool,
    }
    let rows: Vec<Key> = diesel::sql_query(
        "SELECT alg, retired_at IS NULL AS current,
                -- a PKCS#1 / PKCS#8 DER starts with a SEQUENCE tag (0x30): sealed bytes do not show it in plain
                length(private_ciphertext) > 32 AND length(private_nonce) = 24 AND secret_key_id <> '' AS sealed,
                NOT (public_jwk ?| ARRAY['d', 'p', 'q', 'dp', 'dq', 'qi']) AS public_only
         FROM signing_keys ORDER BY created_at",
    )
    .load(&mut app.db())
    .unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows.iter().filter(|k| k.current).count(), 2);
    for alg in ["RS256", "EdDSA"] {
        assert_eq!(
            rows.iter().filter(|k| k.alg == alg && k.current).count(),
            1,
            "one current {alg} key"
        );
    }
    assert!(rows.iter().all(|k| k.sealed && k.public_only));
}
