//! Login, token checks (the forged-token suite), refresh rotation with reuse detection, logout, revocation.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bimtek_api::domain::role::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TEST_SECRET, TestApp, assert_problem, spawn_app, spawn_app_with};

async fn me(app: &TestApp, authorization: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url("/api/v1/me"));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap()
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": token}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn login_returns_a_bearer_token_that_opens_me() {
    let app = spawn_app().await;
    let user = app.seed_user(Role::Organizer);
    let response = app
        .login_response(&user.username.to_uppercase(), PASSWORD)
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(
        body["refresh_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 43)
    );
    let token = body["access_token"].as_str().unwrap();
    // The header says what the token is and which key signed it.
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["kid"], "k1");
    assert_eq!(header["alg"], "HS256");

    let response = me(&app, Some(&format!("Bearer {token}"))).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["id"], user.id.to_string());
    assert_eq!(body["role"], "organizer");
    assert_eq!(body["username"], user.username);
    // The scheme is case-insensitive.
    let response = me(&app, Some(&format!("bearer {token}"))).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn login_failures_do_not_reveal_whether_the_account_exists() {
    let app = spawn_app().await;
    let user = app.seed_user(Role::Admin);
    let wrong_password = app.login_response(&user.username, "not the password").await;
    let a = assert_problem(wrong_password, 401, "invalid_credentials").await;
    let unknown = app.login_response("nobody-here", "not the password").await;
    let b = assert_problem(unknown, 401, "invalid_credentials").await;
    assert_eq!(a, b, "identical bodies");

    diesel_deactivate(&app, user.id);
    let inactive = app.login_response(&user.username, PASSWORD).await;
    let c = assert_problem(inactive, 401, "invalid_credentials").await;
    assert_eq!(a, c);
}

fn diesel_deactivate(app: &TestApp, id: uuid::Uuid) {
    use bimtek_api::schema::users;
    use diesel::prelude::*;
    diesel::update(users::table.find(id))
        .set(users::is_active.eq(false))
        .execute(&mut app.db())
        .unwrap();
}

#[tokio::test]
async fn a_missing_token_is_a_401_with_a_bearer_challenge() {
    let app = spawn_app().await;
    for header in [
        None,
        Some("Basic YWRtaW46YWRtaW4="),
        Some("Bearer"),
        Some("Token abc"),
    ] {
        let response = me(&app, header).await;
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            challenge.starts_with("Bearer realm=\"bimtek-api\""),
            "{challenge}"
        );
        assert_eq!(response.status(), 401, "{header:?}");
    }
}

fn sign(header: &Header, claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(header, claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

fn good_header() -> Header {
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some("at+jwt".into());
    header.kid = Some("k1".into());
    header
}

fn good_claims(sub: &str, tv: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({"iss": "bimtek-api", "aud": "bimtek-api", "sub": sub, "exp": now + 600, "iat": now,
           "jti": "t", "role": "admin", "tv": tv})
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

#[tokio::test]
async fn forged_and_malformed_tokens_are_all_refused() {
    let app = spawn_app().await;
    let user = app.seed_user(Role::Admin);
    let sub = user.id.to_string();
    let claims = good_claims(&sub, 1);
    let valid = sign(&good_header(), &claims, TEST_SECRET);
    // The control: a well-formed token signed with the right key works.
    assert_eq!(
        me(&app, Some(&format!("Bearer {valid}"))).await.status(),
        200
    );

    let now = chrono::Utc::now().timestamp();
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "at+jwt", "kid": "k1"})),
        b64(&claims)
    );
    let mut parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
    // Another user's id with the original signature.
    parts[1] = b64(&with(
        claims.clone(),
        "sub",
        json!(uuid::Uuid::new_v4().to_string()),
    ));
    let tampered = parts.join(".");
    let mut wrong_typ = good_header();
    wrong_typ.typ = Some("JWT".into());
    let mut no_typ = good_header();
    no_typ.typ = None;
    let mut unknown_kid = good_header();
    unknown_kid.kid = Some("k9".into());
    let mut no_kid = good_header();
    no_kid.kid = None;
    let hs384 = {
        let mut h = good_header();
        h.alg = Algorithm::HS384;
        h
    };
    let cases: Vec<(&str, String)> = vec![
        ("alg none", alg_none),
        (
            "wrong key",
            sign(
                &good_header(),
                &claims,
                "another-secret-that-is-long-enough-000000",
            ),
        ),
        ("tampered payload", tampered),
        ("HS384 instead of HS256", sign(&hs384, &claims, TEST_SECRET)),
        (
            "expired",
            sign(
                &good_header(),
                &with(claims.clone(), "exp", json!(now - 3600)),
                TEST_SECRET,
            ),
        ),
        (
            "string exp",
            sign(
                &good_header(),
                &with(claims.clone(), "exp", json!("9999999999")),
                TEST_SECRET,
            ),
        ),
        (
            "string nbf",
            sign(
                &good_header(),
                &with(claims.clone(), "nbf", json!("0")),
                TEST_SECRET,
            ),
        ),
        (
            "future nbf",
            sign(
                &good_header(),
                &with(claims.clone(), "nbf", json!(now + 3600)),
                TEST_SECRET,
            ),
        ),
        (
            "issued in the future",
            sign(
                &good_header(),
                &with(claims.clone(), "iat", json!(now + 3600)),
                TEST_SECRET,
            ),
        ),
        (
            "missing exp",
            sign(&good_header(), &without(claims.clone(), "exp"), TEST_SECRET),
        ),
        (
            "missing iat",
            sign(&good_header(), &without(claims.clone(), "iat"), TEST_SECRET),
        ),
        (
            "missing iss",
            sign(&good_header(), &without(claims.clone(), "iss"), TEST_SECRET),
        ),
        (
            "missing aud",
            sign(&good_header(), &without(claims.clone(), "aud"), TEST_SECRET),
        ),
        (
            "missing sub",
            sign(&good_header(), &without(claims.clone(), "sub"), TEST_SECRET),
        ),
        (
            "wrong iss",
            sign(
                &good_header(),
                &with(claims.clone(), "iss", json!("someone-else")),
                TEST_SECRET,
            ),
        ),
        (
            "wrong aud",
            sign(
                &good_header(),
                &with(claims.clone(), "aud", json!("bimtek-api-m2m")),
                TEST_SECRET,
            ),
        ),
        (
            "sub not a uuid",
            sign(
                &good_header(),
                &with(claims.clone(), "sub", json!("admin")),
                TEST_SECRET,
            ),
        ),
        (
            "unknown user",
            sign(
                &good_header(),
                &with(
                    claims.clone(),
                    "sub",
                    json!(uuid::Uuid::new_v4().to_string()),
                ),
                TEST_SECRET,
            ),
        ),
        (
            "stale token version",
            sign(
                &good_header(),
                &with(claims.clone(), "tv", json!(0)),
                TEST_SECRET,
            ),
        ),
        ("wrong typ", sign(&wrong_typ, &claims, TEST_SECRET)),
        ("missing typ", sign(&no_typ, &claims, TEST_SECRET)),
        ("unknown kid", sign(&unknown_kid, &claims, TEST_SECRET)),
        ("missing kid", sign(&no_kid, &claims, TEST_SECRET)),
        ("garbage", "abc.def.ghi".to_owned()),
        ("empty", String::new()),
    ];
    for (name, token) in cases {
        let response = me(&app, Some(&format!("Bearer {token}"))).await;
        assert_eq!(response.status(), 401, "{name}");
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(challenge.starts_with("Bearer"), "{name}: {challenge}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["code"] == "invalid_token" || body["code"] == "unauthorized",
            "{name}: {body}"
        );
    }
    // The server still serves after the barrage.
    assert_eq!(
        me(&app, Some(&format!("Bearer {valid}"))).await.status(),
        200
    );
}

#[tokio::test]
async fn a_token_signed_with_the_previous_key_still_works_during_rotation() {
    let app = spawn_app_with(|s| {
        s.jwt_previous = vec![bimtek_api::config::JwtKey {
            kid: "k0".into(),
            secret: "the-previous-secret-of-the-rotation-0123456"
                .to_owned()
                .into(),
        }];
    })
    .await;
    let user = app.seed_user(Role::Participant);
    let mut header = good_header();
    header.kid = Some("k0".into());
    let old = sign(
        &header,
        &good_claims(&user.id.to_string(), 1),
        "the-previous-secret-of-the-rotation-0123456",
    );
    assert_eq!(me(&app, Some(&format!("Bearer {old}"))).await.status(), 200);
    // The previous key must be named by its own kid: under the current kid it is a wrong key.
    let confused = sign(
        &good_header(),
        &good_claims(&user.id.to_string(), 1),
        "the-previous-secret-of-the-rotation-0123456",
    );
    assert_eq!(
        me(&app, Some(&format!("Bearer {confused}"))).await.status(),
        401
    );
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_whole_family() {
    // Without the grace window (REFRESH_REUSE_GRACE_SECONDS=0) even an immediate reuse revokes the family.
    let app = spawn_app_with(|s| s.refresh_reuse_grace = std::time::Duration::ZERO).await;
    let user = app.seed_user(Role::Facilitator);
    let first: Value = app
        .login_response(&user.username, PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();

    let response = refresh(&app, &r1).await;
    assert_eq!(response.status(), 200);
    let second: Value = response.json().await.unwrap();
    let r2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    let access = second["access_token"].as_str().unwrap();
    assert_eq!(
        me(&app, Some(&format!("Bearer {access}"))).await.status(),
        200
    );

    // r1 was spent: presenting it again is theft or a bug, and kills r2 as well.
    assert_problem(refresh(&app, &r1).await, 401, "refresh_token_reused").await;
    assert_problem(refresh(&app, &r2).await, 401, "invalid_refresh_token").await;
    // Another login is a new family and is not affected.
    let other: Value = app
        .login_response(&user.username, PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let r3 = other["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(&app, r3).await.status(), 200);
    // Unknown tokens are refused.
    assert_problem(
        refresh(&app, "not-a-token").await,
        401,
        "invalid_refresh_token",
    )
    .await;
}

#[tokio::test]
async fn logout_revokes_the_refresh_token_family() {
    let app = spawn_app().await;
    let user = app.seed_user(Role::Participant);
    let login: Value = app
        .login_response(&user.username, PASSWORD)
        .await
        .json()
        .await
        .unwrap();
    let r1 = login["refresh_token"].as_str().unwrap().to_owned();
    let rotated: Value = refresh(&app, &r1).await.json().await.unwrap();
    let r2 = rotated["refresh_token"].as_str().unwrap().to_owned();
    let response = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .json(&json!({"refresh_token": r2}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_problem(refresh(&app, &r2).await, 401, "invalid_refresh_token").await;
    // Logging out with an unknown token still answers 204 (nothing to reveal).
    let response = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .json(&json!({"refresh_token": "unknown"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn a_role_change_a_new_password_or_a_deactivation_revoke_outstanding_tokens() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let patches = [
        json!({"role": "facilitator"}),
        json!({"password": "a brand new long password"}),
        json!({"is_active": false}),
    ];
    for patch in patches {
        let user = app.seed_user(Role::Organizer);
        let login: Value = app
            .login_response(&user.username, PASSWORD)
            .await
            .json()
            .await
            .unwrap();
        let access = login["access_token"].as_str().unwrap().to_owned();
        let refresh_token = login["refresh_token"].as_str().unwrap().to_owned();
        assert_eq!(
            me(&app, Some(&format!("Bearer {access}"))).await.status(),
            200
        );

        let response = app
            .client
            .patch(app.url(&format!("/api/v1/users/{}", user.id)))
            .bearer_auth(&admin)
            .json(&patch)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{patch}");
        let response = me(&app, Some(&format!("Bearer {access}"))).await;
        assert_problem(response, 401, "invalid_token").await;
        assert_eq!(refresh(&app, &refresh_token).await.status(), 401, "{patch}");
    }
    // A change that does not touch access keeps tokens valid.
    let user = app.seed_user(Role::Organizer);
    let token = app.token_for(&user).await;
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/users/{}", user.id)))
        .bearer_auth(&admin)
        .json(&json!({"display_name": "Renamed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        me(&app, Some(&format!("Bearer {token}"))).await.status(),
        200
    );
}

#[tokio::test]
async fn login_input_is_validated() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "", "password": "", "remember": true}))
        .send()
        .await
        .unwrap();
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(crate::helpers::error_fields(&body), ["remember"]);
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": "", "password": ""}))
        .send()
        .await
        .unwrap();
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(
        crate::helpers::error_fields(&body),
        ["password", "username"]
    );
}

#[tokio::test]
async fn an_officer_logs_in_with_their_nip_as_username() {
    let app = spawn_app().await;
    let unit = app.seed_unit("NIPLOGIN");
    let (user, officer, _) = app.participant_account(unit, "Dewi Lestari").await;
    let nip: String = {
        use bimtek_api::schema::participants;
        use diesel::prelude::*;
        participants::table
            .find(officer)
            .select(participants::nip)
            .first::<Option<String>>(&mut app.db())
            .unwrap()
            .unwrap()
    };
    let response = app.login_response(&nip, PASSWORD).await;
    assert_eq!(response.status(), 200);
    let token: Value = response.json().await.unwrap();
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let body: Value = me(&app, Some(&bearer)).await.json().await.unwrap();
    assert_eq!(body["id"], user.id.to_string(), "the officer's own account");
    // The same refusal as any other wrong login: a wrong password, and 18 digits no officer holds.
    let response = app.login_response(&nip, "wrong-password-123").await;
    assert_problem(response, 401, "invalid_credentials").await;
    let response = app.login_response("199001012020121001", PASSWORD).await;
    assert_problem(response, 401, "invalid_credentials").await;
    // An erased officer holds no NIP any more: nothing logs in with it.
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let response = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/participants/{officer}/erase"),
            &admin,
            None,
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let response = app.login_response(&nip, PASSWORD).await;
    assert_problem(response, 401, "invalid_credentials").await;
}
