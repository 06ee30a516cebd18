//! Open Badges 3.0 credentials over HTTP: the credential's members (checked one by one against the spec's required
//! members of `OpenBadgeCredential`, `Profile`, `AchievementSubject` and `Achievement`), its signature against the
//! published key set, who gets it, the status list's bits after a revocation and an erasure (decoded here, not
//! with the service's own decoder), key rotation, EdDSA, and that no plain NIP leaves the service in any of it.
//!
//! An independent verifier (PyJWT + cryptography, in a venv) checks the same documents in
//! `scripts/verify-credentials.sh`.

use std::io::Read;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bimtek_api::domain::role::Role;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use jsonwebtoken::{DecodingKey, Validation, jwk::Jwk};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Digest;
use uuid::Uuid;

use crate::certificates::{Scenario, account_of, issue, scenario};
use crate::helpers::{
    TEST_WEBHOOK_KEY, TestApp, assert_problem, ok_json, spawn_app, spawn_app_with,
};

const VC_JWT: &str = "application/vc+jwt";

/// Runs the binary's `keys` command (`generate` or `rotate`) against the app's database.
fn keys(app: &TestApp, action: &str) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_bimtek-api"))
        .args(["keys", action])
        .env("DATABASE_URL", &app.db_url)
        .env("WEBHOOK_SECRET_KEY", TEST_WEBHOOK_KEY)
        .env("APP_ENV", "development")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "keys {action}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The certificates of the scenario, issued by an administrator: (Budi's sertifikat, Ani's surat keterangan).
async fn issued(app: &TestApp, s: &Scenario, admin: &str) -> (String, String) {
    let body = ok_json(issue(app, s.event, admin).await, 201).await;
    let items = body["items"].as_array().unwrap();
    let of = |officer: Uuid| {
        items
            .iter()
            .find(|c| c["participant_id"] == officer.to_string())
            .unwrap_or_else(|| panic!("no certificate for {officer}: {body}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    (of(s.budi), of(s.ani))
}

async fn get(app: &TestApp, path: &str, token: Option<&str>, accept: &str) -> reqwest::Response {
    let mut request = app.client.get(app.url(path)).header("accept", accept);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// The path of one of the service's own URLs (`http://localhost:8080/...` in the tests' settings).
fn path_of(url: &str) -> String {
    let rest = url
        .strip_prefix("http://localhost:8080")
        .unwrap_or_else(|| panic!("{url} is not under PUBLIC_BASE_URL"));
    rest.split('#').next().unwrap().to_owned()
}

async fn credential_json(app: &TestApp, id: &str, token: &str) -> Value {
    let response = get(
        app,
        &format!("/api/v1/certificates/{id}/credential"),
        Some(token),
        "application/json",
    )
    .await;
    let vary = response.headers()["vary"].to_str().unwrap().to_owned();
    assert!(
        vary.split(',').any(|v| v.trim() == "Accept"),
        "Vary: {vary}"
    );
    ok_json(response, 200).await
}

async fn credential_jwt(app: &TestApp, id: &str, token: &str) -> String {
    let response = get(
        app,
        &format!("/api/v1/certificates/{id}/credential"),
        Some(token),
        VC_JWT,
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], VC_JWT);
    response.text().await.unwrap()
}

/// Verifies a compact JWS with the key its header names, found in the published key set; returns the header and
/// the claims.
async fn verify(app: &TestApp, token: &str) -> (jsonwebtoken::Header, Value) {
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    let kid = header.kid.clone().expect("a kid");
    let set = ok_json(get(app, "/.well-known/jwks.json", None, "*/*").await, 200).await;
    let jwk = set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap_or_else(|| panic!("{kid} is not in the key set {set}"))
        .clone();
    for private in ["d", "p", "q", "dp", "dq", "qi"] {
        assert!(
            jwk.get(private).is_none(),
            "a private member {private} is published"
        );
    }
    // The kid dereferences to the same key.
    let own = get(app, &path_of(&kid), None, "*/*").await;
    assert_eq!(own.headers()["content-type"], "application/jwk+json");
    assert_eq!(ok_json(own, 200).await, jwk);
    let jwk: Jwk = serde_json::from_value(jwk).unwrap();
    let key = DecodingKey::from_jwk(&jwk).unwrap();
    let mut validation = Validation::new(header.alg);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .unwrap_or_else(|e| panic!("the token does not verify: {e}"))
        .claims;
    (header, claims)
}

/// The bits of a status list credential's `encodedList`, decoded here: `u` + base64url (no padding) of GZIP.
fn bits(status_list: &Value) -> Vec<u8> {
    let encoded = status_list["credentialSubject"]["encodedList"]
        .as_str()
        .unwrap();
    let compressed = URL_SAFE_NO_PAD
        .decode(encoded.strip_prefix('u').expect("multibase u prefix"))
        .unwrap();
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(compressed.as_slice())
        .read_to_end(&mut raw)
        .unwrap();
    raw
}

/// Bit `index` of the list (bit 0 is the first byte's most significant bit).
fn bit(raw: &[u8], index: usize) -> bool {
    raw[index / 8] & (0x80 >> (index % 8)) != 0
}

/// The status list a credential names, fetched signed and verified; returns its claims and `ETag`.
async fn status_of(app: &TestApp, credential: &Value) -> (Value, bool, String) {
    let entry = &credential["credentialStatus"];
    let response = get(
        app,
        &path_of(entry["statusListCredential"].as_str().unwrap()),
        None,
        "*/*",
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], VC_JWT);
    assert_eq!(response.headers()["cache-control"], "public, max-age=300");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let token = response.text().await.unwrap();
    let (_, claims) = verify(app, &token).await;
    let index: usize = entry["statusListIndex"].as_str().unwrap().parse().unwrap();
    let raw = bits(&claims);
    (claims, bit(&raw, index), etag)
}

fn nip_of(app: &TestApp, officer: Uuid) -> String {
    use bimtek_api::schema::participants;
    participants::table
        .find(officer)
        .select(participants::nip)
        .first::<Option<String>>(&mut app.db())
        .unwrap()
        .unwrap()
}

fn types(value: &Value) -> Vec<&str> {
    match value {
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        Value::String(s) => vec![s.as_str()],
        _ => Vec::new(),
    }
}

fn is_uri(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.starts_with("https://") || s.starts_with("http://") || s.starts_with("urn:")
    })
}

fn is_datetime(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
}

#[tokio::test]
async fn the_credential_has_every_required_member_verifies_with_the_published_key_and_holds_no_plain_nip()
 {
    let app = spawn_app().await;
    keys(&app, "generate");
    let s = scenario(&app, "");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (budi_cert, _) = issued(&app, &s, &admin).await;
    let budi = account_of(&app, s.budi).await;
    let c = credential_json(&app, &budi_cert, &budi).await;

    // OpenBadgeCredential (OB 3.0, B.1.1): @context, id, type, issuer, validFrom, name, credentialSubject.
    assert_eq!(
        c["@context"][0], "https://www.w3.org/ns/credentials/v2",
        "{c}"
    );
    assert!(
        c["@context"][1]
            .as_str()
            .unwrap()
            .starts_with("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0"),
        "{c}"
    );
    assert!(is_uri(&c["id"]), "{c}");
    assert_eq!(c["id"], format!("urn:uuid:{budi_cert}"));
    let t = types(&c["type"]);
    assert!(t.contains(&"VerifiableCredential") && t.contains(&"OpenBadgeCredential"));
    assert!(is_datetime(&c["validFrom"]), "{c}");
    assert!(
        c["name"]
            .as_str()
            .is_some_and(|n| n.contains("Orientasi Lapangan")),
        "{c}"
    );
    // Profile (B.2.6): id, type, name; the address of the office.
    let issuer = &c["issuer"];
    assert_eq!(
        issuer["id"],
        format!("http://localhost:8080/api/v1/issuers/{}", s.host_code)
    );
    assert!(types(&issuer["type"]).contains(&"Profile"));
    assert!(issuer["name"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(issuer["address"]["addressCountryCode"], "ID");
    // AchievementSubject (B.1.3): type, and id or identifier; the achievement.
    let subject = &c["credentialSubject"];
    assert!(types(&subject["type"]).contains(&"AchievementSubject"));
    assert!(
        subject["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("urn:uuid:"))
    );
    assert_ne!(
        subject["id"],
        format!("urn:uuid:{}", s.budi),
        "not the officer's id"
    );
    // The NIP only as its salted hash (IdentityObject, B.1.6): a verifier given the NIP checks it.
    let nip = nip_of(&app, s.budi);
    let identifiers = subject["identifier"].as_array().unwrap();
    let by_nip = identifiers
        .iter()
        .find(|i| i["identityType"] == "ext:NIP")
        .unwrap();
    assert_eq!(by_nip["type"], "IdentityObject");
    assert_eq!(by_nip["hashed"], true);
    let salt = by_nip["salt"].as_str().unwrap();
    let digest = sha2::Sha256::digest(format!("{nip}{salt}").as_bytes());
    assert_eq!(by_nip["identityHash"], format!("sha256${digest:x}"));
    let number = identifiers
        .iter()
        .find(|i| i["identityType"] == "ext:NomorSertifikat")
        .unwrap();
    assert_eq!(number["hashed"], false);
    let certificate = ok_json(
        app.send(
            Method::GET,
            &format!("/api/v1/certificates/{budi_cert}"),
            &admin,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(number["identityHash"], certificate["number"]);
    // Achievement (B.1.2): id, type, criteria, description, name; the JP as credits.
    let achievement = &subject["achievement"];
    assert_eq!(
        achievement["id"],
        format!("http://localhost:8080/api/v1/events/{}#sertifikat", s.event)
    );
    assert!(types(&achievement["type"]).contains(&"Achievement"));
    assert_eq!(achievement["achievementType"], "Certificate");
    assert!(achievement["name"].as_str().is_some_and(|n| !n.is_empty()));
    assert!(
        achievement["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    let narrative = achievement["criteria"]["narrative"].as_str().unwrap();
    assert!(
        narrative.contains("80%") && narrative.contains("70"),
        "{narrative}"
    );
    assert_eq!(achievement["creditsAvailable"], 4.0);
    assert_eq!(subject["creditsEarned"], 4.0);
    assert_eq!(certificate["jp"], 4);
    // The status entry (Bitstring Status List, 2.1) and the schema.
    let status = &c["credentialStatus"];
    assert_eq!(status["type"], "BitstringStatusListEntry");
    assert_eq!(status["statusPurpose"], "revocation");
    let index: usize = status["statusListIndex"].as_str().unwrap().parse().unwrap();
    assert!(index < 131_072);
    assert!(is_uri(&status["statusListCredential"]));
    assert_eq!(
        c["credentialSchema"][0]["type"],
        "1EdTechJsonSchemaValidator2019"
    );

    // The signed form: the same credential, with the JWT claims of VC-JWT (OB 3.0, 8.2.4.1).
    let token = credential_jwt(&app, &budi_cert, &budi).await;
    let (header, claims) = verify(&app, &token).await;
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    assert!(
        header
            .kid
            .as_deref()
            .unwrap()
            .starts_with("http://localhost:8080/api/v1/signing-keys/rs256-")
    );
    assert_eq!(claims["iss"], issuer["id"]);
    assert_eq!(claims["jti"], c["id"]);
    assert_eq!(claims["sub"], subject["id"]);
    let valid_from =
        chrono::DateTime::parse_from_rfc3339(c["validFrom"].as_str().unwrap()).unwrap();
    assert_eq!(claims["nbf"], valid_from.timestamp());
    let mut members = claims.clone();
    for claim in ["iss", "jti", "sub", "nbf"] {
        members.as_object_mut().unwrap().remove(claim);
    }
    assert_eq!(members, c, "the JWT carries the credential the JSON shows");

    // The issuer's profile is where `issuer.id` points, public and cacheable.
    let profile = get(&app, &path_of(issuer["id"].as_str().unwrap()), None, "*/*").await;
    assert_eq!(profile.headers()["cache-control"], "public, max-age=300");
    let profile = ok_json(profile, 200).await;
    assert_eq!(profile["id"], issuer["id"]);
    assert_eq!(profile["name"], issuer["name"]);
    assert_eq!(
        profile["@context"][0],
        "https://www.w3.org/ns/credentials/v2"
    );
    assert_problem(
        get(&app, "/api/v1/issuers/NO-SUCH-UNIT", None, "*/*").await,
        404,
        "not_found",
    )
    .await;

    // Nowhere the plain NIP (nor the name): JSON, the JWT's payload, the status list.
    let (list, _, _) = status_of(&app, &c).await;
    let payload = String::from_utf8(
        URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    for text in [c.to_string(), payload, list.to_string(), token.clone()] {
        assert!(!text.contains(&nip), "a plain NIP in {text}");
        assert!(!text.contains("Budi"), "the holder's name in {text}");
    }
    // The NIP's base64 is not in the token either.
    assert!(!token.contains(&STANDARD.encode(&nip)));

    // A certificate issued before credentials existed gets its credential (and place) on the first fetch.
    app.db()
        .batch_execute(&format!(
            "DELETE FROM certificate_credentials WHERE certificate_id = '{budi_cert}'"
        ))
        .unwrap();
    let again = credential_json(&app, &budi_cert, &budi).await;
    assert_ne!(
        again["credentialSubject"]["id"], subject["id"],
        "a new subject id"
    );
    assert_eq!(
        app.count(&format!(
            "certificate_credentials WHERE certificate_id = '{budi_cert}'"
        )),
        1
    );
}

#[tokio::test]
async fn revoking_sets_the_bit_to_one_an_erasure_too_and_a_valid_certificate_keeps_zero() {
    let app = spawn_app().await;
    keys(&app, "generate");
    let s = scenario(&app, "");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (budi_cert, ani_cert) = issued(&app, &s, &admin).await;
    let budi = credential_json(&app, &budi_cert, &admin).await;
    let ani = credential_json(&app, &ani_cert, &admin).await;
    assert_eq!(
        ani["credentialSubject"]["achievement"]["achievementType"],
        "ext:SuratKeterangan"
    );
    assert_ne!(
        budi["credentialStatus"]["statusListIndex"],
        ani["credentialStatus"]["statusListIndex"]
    );
    let (list, budi_bit, etag) = status_of(&app, &budi).await;
    assert!(!budi_bit, "a valid certificate's bit is 0");
    assert_eq!(
        list["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(list["credentialSubject"]["statusPurpose"], "revocation");
    assert!(bits(&list).len() >= 16 * 1024, "at least 16 KB of bits");
    assert_eq!(bits(&list).iter().filter(|b| **b != 0).count(), 0);
    // Unchanged: the same tag, and 304 to If-None-Match.
    let list_path = path_of(
        budi["credentialStatus"]["statusListCredential"]
            .as_str()
            .unwrap(),
    );
    let cached = app
        .client
        .get(app.url(&list_path))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
    assert_eq!(cached.headers()["cache-control"], "public, max-age=300");
    // The JSON form, for reading: its own tag.
    let readable = get(&app, &list_path, None, "application/json").await;
    assert_ne!(readable.headers()["etag"].to_str().unwrap(), etag);
    let readable = ok_json(readable, 200).await;
    assert_eq!(
        readable["credentialSubject"]["encodedList"],
        list["credentialSubject"]["encodedList"]
    );

    let revoked = app
        .send(
            Method::POST,
            &format!("/api/v1/certificates/{budi_cert}/revoke"),
            &admin,
            Some(json!({"reason": "Salah terbit"})),
        )
        .await;
    assert_eq!(revoked.status(), 200);
    let (_, budi_bit, after) = status_of(&app, &budi).await;
    assert!(budi_bit, "a revoked certificate's bit is 1");
    assert_ne!(after, etag, "the list changed");
    let (_, ani_bit, _) = status_of(&app, &ani).await;
    assert!(!ani_bit);
    let response = get(
        &app,
        &format!("/api/v1/certificates/{budi_cert}/credential"),
        Some(&admin),
        VC_JWT,
    )
    .await;
    assert_problem(response, 409, "certificate_revoked").await;

    // Erasing Ani's data revokes her credential.
    let erased = app
        .send(
            Method::POST,
            &format!("/api/v1/participants/{}/erase", s.ani),
            &admin,
            None,
        )
        .await;
    assert_eq!(erased.status(), 200, "{}", erased.text().await.unwrap());
    let (_, ani_bit, _) = status_of(&app, &ani).await;
    assert!(ani_bit, "an erased holder's bit is 1");
    let response = get(
        &app,
        &format!("/api/v1/certificates/{ani_cert}/credential"),
        Some(&admin),
        "application/json",
    )
    .await;
    assert_problem(response, 410, "holder_erased").await;

    assert_problem(
        get(&app, "/api/v1/status-lists/999", None, "*/*").await,
        404,
        "not_found",
    )
    .await;
    assert_problem(
        get(&app, "/api/v1/status-lists/x", None, "*/*").await,
        404,
        "not_found",
    )
    .await;
}

/// Registers a service account with every scope and returns its access token.
async fn service_account(app: &TestApp, admin: &str) -> String {
    let scopes: Vec<&str> = bimtek_api::auth::scopes::Scope::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    let created = crate::clients::register(app, admin, "SIMPEG", &scopes).await;
    let basic = STANDARD.encode(format!(
        "{}:{}",
        created["client_id"].as_str().unwrap(),
        created["client_secret"].as_str().unwrap()
    ));
    let token = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("authorization", format!("Basic {basic}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    ok_json(token, 200).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn only_the_holder_their_operator_the_organizers_and_admins_get_a_credential() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (budi_cert, _) = issued(&app, &s, &admin).await;
    let path = format!("/api/v1/certificates/{budi_cert}/credential");
    let holder = account_of(&app, s.budi).await;
    let operator = app.operator_of(s.unit).await;
    let (_, organizer) = app.organizer_of(s.event).await;
    let mut subjects = Vec::new();
    for token in [&holder, &operator, &organizer, &admin] {
        let c = ok_json(get(&app, &path, Some(token), "application/json").await, 200).await;
        subjects.push(c["credentialSubject"]["id"].clone());
    }
    assert!(
        subjects.windows(2).all(|w| w[0] == w[1]),
        "one credential: {subjects:?}"
    );

    let (_, _, other_officer) = app.participant_account(s.unit, "Eka Putri").await;
    let (_, foreign_operator) = app.user_with_token(Role::UnitOperator).await;
    let (_, other_organizer) = app.user_with_token(Role::Organizer).await;
    let (_, facilitator) = app.user_with_token(Role::Facilitator).await;
    for token in [
        &other_officer,
        &foreign_operator,
        &other_organizer,
        &facilitator,
    ] {
        assert_problem(
            get(&app, &path, Some(token), "application/json").await,
            404,
            "not_found",
        )
        .await;
    }
    let client = service_account(&app, &admin).await;
    assert_problem(
        get(&app, &path, Some(&client), VC_JWT).await,
        403,
        "insufficient_scope",
    )
    .await;
    let anonymous = get(&app, &path, None, "application/json").await;
    assert_eq!(anonymous.status(), 401);

    // Before `keys generate`, the JSON is readable and the signed form says what is missing.
    assert_problem(
        get(&app, &path, Some(&holder), VC_JWT).await,
        409,
        "signing_key_missing",
    )
    .await;
}

#[tokio::test]
async fn after_a_rotation_old_credentials_still_verify_and_new_ones_use_the_new_key() {
    let app = spawn_app().await;
    keys(&app, "generate");
    let s = scenario(&app, "");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (budi_cert, _) = issued(&app, &s, &admin).await;
    let old = credential_jwt(&app, &budi_cert, &admin).await;
    let (old_header, _) = verify(&app, &old).await;
    let before = get(&app, "/.well-known/jwks.json", None, "*/*").await;
    assert_eq!(before.headers()["cache-control"], "public, max-age=300");
    let before_tag = before.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(
        ok_json(before, 200).await["keys"].as_array().unwrap().len(),
        2
    );

    keys(&app, "rotate");
    let set = get(&app, "/.well-known/jwks.json", None, "*/*").await;
    assert_ne!(set.headers()["etag"].to_str().unwrap(), before_tag);
    assert_eq!(ok_json(set, 200).await["keys"].as_array().unwrap().len(), 4);
    let (_, claims) = verify(&app, &old).await;
    assert_eq!(claims["jti"], format!("urn:uuid:{budi_cert}"));
    let new = credential_jwt(&app, &budi_cert, &admin).await;
    let (new_header, _) = verify(&app, &new).await;
    assert_ne!(new_header.kid, old_header.kid);
    assert_eq!(new_header.alg, jsonwebtoken::Algorithm::RS256);
    let cached = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .header("if-none-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
}

#[tokio::test]
async fn with_eddsa_configured_credentials_and_status_lists_are_signed_with_ed25519() {
    let app = spawn_app_with(|settings| {
        settings.credential_signing_alg = bimtek_api::credentials::keys::KeyAlg::EdDsa;
    })
    .await;
    keys(&app, "generate");
    let s = scenario(&app, "");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (budi_cert, _) = issued(&app, &s, &admin).await;
    let token = credential_jwt(&app, &budi_cert, &admin).await;
    let (header, _) = verify(&app, &token).await;
    assert_eq!(header.alg, jsonwebtoken::Algorithm::EdDSA);
    let c = credential_json(&app, &budi_cert, &admin).await;
    let list = get(
        &app,
        &path_of(
            c["credentialStatus"]["statusListCredential"]
                .as_str()
                .unwrap(),
        ),
        None,
        VC_JWT,
    )
    .await
    .text()
    .await
    .unwrap();
    assert_eq!(
        verify(&app, &list).await.0.alg,
        jsonwebtoken::Algorithm::EdDSA
    );
}
