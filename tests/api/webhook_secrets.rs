//! Secrets at rest: webhook signing secrets are stored encrypted (a dump of the database reveals none), keys rotate
//! (a retired key still opens, the command re-encrypts under the current one, plain rows from before are encrypted
//! at start), and service-account secrets and refresh tokens are stored as hashes only.

use std::process::Command;

use bimtek_api::domain::role::Role;
use bimtek_api::webhooks::secrets::SecretKeys;
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{Nullable, Text};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TEST_WEBHOOK_KEY, TestApp, ok_json, spawn_app_with};
use crate::scale_out::second_instance_with;
use crate::webhooks::{Receiver, SECRET, assert_signed, spawn_webhook_app, subscribe};

/// The key a rotation moves to (32 bytes of 0x2a, base64), id `k2`.
const K2: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every row of every table of the test database as text: what a dump would hold.
fn dump(app: &TestApp) -> String {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        tablename: String,
    }
    #[derive(QueryableByName)]
    struct Rows {
        #[diesel(sql_type = Nullable<Text>)]
        rows: Option<String>,
    }
    let mut conn = app.db();
    let tables: Vec<Name> =
        sql_query("SELECT tablename::text AS tablename FROM pg_tables WHERE schemaname = 'public'")
            .load(&mut conn)
            .unwrap();
    assert!(
        tables
            .iter()
            .any(|t| t.tablename == "webhook_subscriptions")
    );
    tables
        .iter()
        .map(|t| {
            sql_query(format!(
                "SELECT string_agg(t::text, E'\\n') AS rows FROM \"{}\" t",
                t.tablename
            ))
            .get_result::<Rows>(&mut conn)
            .unwrap()
            .rows
            .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(QueryableByName, Debug, PartialEq)]
struct StoredSecret {
    #[diesel(sql_type = Nullable<Text>)]
    legacy_secret: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    key_id: Option<String>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Integer>)]
    nonce_bytes: Option<i32>,
}

fn stored(app: &TestApp, id: &str) -> StoredSecret {
    sql_query(
        "SELECT legacy_secret, secret_key_id AS key_id, octet_length(secret_nonce) AS nonce_bytes \
           FROM webhook_subscriptions WHERE id = $1::uuid",
    )
    .bind::<Text, _>(id)
    .get_result(&mut app.db())
    .unwrap()
}

fn sealed_under(key_id: &str) -> StoredSecret {
    StoredSecret {
        legacy_secret: None,
        key_id: Some(key_id.to_owned()),
        nonce_bytes: Some(24),
    }
}

#[tokio::test]
async fn a_database_dump_reveals_no_webhook_secret_and_deliveries_are_still_signed() {
    let app = spawn_webhook_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let receiver = Receiver::start(vec![]).await;
    let given = subscribe(&app, &token, &receiver.url, &["participant.created"]).await;
    // A generated secret too: it is shown once and stored sealed like a given one.
    let generated = ok_json(
        app.send(
            reqwest::Method::POST,
            "/api/v1/webhooks",
            &token,
            Some(json!({"url": receiver.url, "event_types": ["certificate.issued"]})),
        )
        .await,
        201,
    )
    .await;
    let generated_secret = generated["secret"].as_str().unwrap().to_owned();
    // And one replaced by a PATCH.
    let replaced = "whsec_a-replacement-secret-given-by-patch-0123456789";
    let patched = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/webhooks/{}", generated["id"].as_str().unwrap()),
            &token,
            Some(json!({"secret": replaced})),
        )
        .await;
    assert_eq!(patched.status(), 200);

    for subscription in [&given, &generated] {
        assert_eq!(
            stored(&app, subscription["id"].as_str().unwrap()),
            sealed_under("k1")
        );
    }
    let dump = dump(&app);
    for secret in [SECRET, generated_secret.as_str(), replaced] {
        assert!(!dump.contains(secret), "the dump holds a secret");
        assert!(
            !dump.contains(&hex(secret.as_bytes())),
            "the dump holds a secret in hex"
        );
        assert!(
            !dump.contains(&secret[8..24]),
            "the dump holds part of a secret"
        );
    }

    // The worker opens the sealed secret and signs with it.
    let unit = app.seed_unit("UPT-SECRETS");
    app.seed_participant(unit, "Dewi Lestari");
    let received = receiver.wait_for(1).await;
    assert_signed(&received[0]);
}

#[tokio::test]
async fn a_retired_key_still_opens_plain_rows_are_sealed_at_start_and_the_command_reseals_under_the_new_key()
 {
    // The first instance seals under k1 and runs no worker.
    let app = spawn_app_with(|s| s.webhook_allow_private_targets = true).await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let sealed_receiver = Receiver::start(vec![]).await;
    let sealed = subscribe(&app, &token, &sealed_receiver.url, &["participant.created"]).await;
    let sealed_id = sealed["id"].as_str().unwrap().to_owned();
    assert_eq!(stored(&app, &sealed_id), sealed_under("k1"));
    // A subscription written before secrets were encrypted: plain text in the database.
    let plain_receiver = Receiver::start(vec![]).await;
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = Text)]
        id: String,
    }
    let plain_id = sql_query(
        "INSERT INTO webhook_subscriptions (url, event_types, legacy_secret) \
         VALUES ($1, '{participant.created}', $2) RETURNING id::text AS id",
    )
    .bind::<Text, _>(&plain_receiver.url)
    .bind::<Text, _>(SECRET)
    .get_result::<Id>(&mut app.db())
    .unwrap()
    .id;

    // An instance whose current key is k2, with k1 retired: at start it seals the plain secret under k2, and it
    // still opens the secret sealed under k1.
    let rotated = || SecretKeys::parse("k2", K2, Some(&format!("k1:{TEST_WEBHOOK_KEY}"))).unwrap();
    let mut second = second_instance_with(&app, |s| s.webhook_secret_keys = rotated()).await;
    assert_eq!(stored(&app, &plain_id), sealed_under("k2"));
    assert_eq!(stored(&app, &sealed_id), sealed_under("k1"));
    assert!(!dump(&app).contains(SECRET));
    let unit = app.seed_unit("UPT-ROTATION");
    app.seed_participant(unit, "Budi Santoso");
    for receiver in [&sealed_receiver, &plain_receiver] {
        let received = receiver.wait_for(1).await;
        assert_signed(&received[0]);
    }
    second.stop().await;

    // The command re-encrypts everything under the current key; a second run has nothing left to do.
    let command = |key: &str, id: &str, old: Option<String>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_bimtek-api"));
        command
            .arg("reencrypt-webhook-secrets")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &app.db_url)
            .env("WEBHOOK_SECRET_KEY", key)
            .env("WEBHOOK_SECRET_KEY_ID", id);
        if let Some(old) = old {
            command.env("WEBHOOK_SECRET_KEYS_OLD", old);
        }
        command.output().unwrap()
    };
    let first = command(K2, "k2", Some(format!("k1:{TEST_WEBHOOK_KEY}")));
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(stdout.contains("under key `k2`: 1"), "{stdout}");
    assert_eq!(stored(&app, &sealed_id), sealed_under("k2"));
    assert_eq!(stored(&app, &plain_id), sealed_under("k2"));
    let again = command(K2, "k2", None);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("under key `k2`: 0"));
    // Without the key the secrets are under, the command names the problem and changes nothing.
    let wrong = command(TEST_WEBHOOK_KEY, "k1", None);
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(!wrong.status.success());
    assert!(stderr.contains("WEBHOOK_SECRET_KEYS_OLD"), "{stderr}");
    assert!(
        !stderr.contains(TEST_WEBHOOK_KEY) && !stderr.contains(K2),
        "{stderr}"
    );
    assert_eq!(stored(&app, &sealed_id), sealed_under("k2"));

    // The old key can go: an instance with k2 alone delivers to both.
    let _third = second_instance_with(&app, |s| {
        s.webhook_secret_keys = SecretKeys::parse("k2", K2, None).unwrap();
    })
    .await;
    app.seed_participant(unit, "Siti Rahmawati");
    for receiver in [&sealed_receiver, &plain_receiver] {
        let received = receiver.wait_for(2).await;
        assert_signed(&received[1]);
    }
}

#[tokio::test]
async fn refresh_tokens_and_client_secrets_are_stored_as_hashes_only() {
    let app = spawn_app_with(|_| {}).await;
    let (user, admin) = app.user_with_token(Role::Admin).await;
    let login: Value = app
        .login_response(&user.username, crate::helpers::PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let refresh = login["refresh_token"].as_str().unwrap().to_owned();
    let client = ok_json(
        app.send(
            reqwest::Method::POST,
            "/api/v1/clients",
            &admin,
            Some(json!({"name": "SDP Pemasyarakatan", "scopes": ["units:read"]})),
        )
        .await,
        201,
    )
    .await;
    let client_secret = client["client_secret"].as_str().unwrap().to_owned();

    #[derive(QueryableByName)]
    struct Hash {
        #[diesel(sql_type = diesel::sql_types::Bytea)]
        hash: Vec<u8>,
    }
    let hashes: Vec<Vec<u8>> = sql_query("SELECT token_hash AS hash FROM refresh_tokens")
        .load::<Hash>(&mut app.db())
        .unwrap()
        .into_iter()
        .map(|h| h.hash)
        .collect();
    assert!(
        hashes.contains(&Sha256::digest(refresh.as_bytes()).to_vec()),
        "the refresh token is stored as its SHA-256"
    );
    let dump = dump(&app);
    for secret in [refresh.as_str(), client_secret.as_str()] {
        assert!(!dump.contains(secret), "the dump holds a token or secret");
        assert!(!dump.contains(&secret[secret.len() - 20..]));
    }
}
