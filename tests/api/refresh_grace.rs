//! The refresh grace window: two tabs that refresh with one token at the same moment both get the pair it was
//! rotated into (on one instance or on two); a reuse after the window still revokes the whole login.

use std::time::Duration;

use bimtek_api::domain::role::Role;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use futures_util::future::join;
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TestApp, TestUser, assert_problem, eventually, ok_json, spawn_app, spawn_app_with,
};
use crate::scale_out::second_instance_with;

async fn refresh_at(app: &TestApp, base: &str, token: &str) -> reqwest::Response {
    app.client
        .post(format!("{base}/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": token}))
        .send()
        .await
        .unwrap()
}

async fn me_at(app: &TestApp, base: &str, access: &str) -> reqwest::StatusCode {
    app.client
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .status()
}

async fn login(app: &TestApp, user: &TestUser) -> String {
    let body = ok_json(app.login_response(&user.username, PASSWORD).await, 200).await;
    body["refresh_token"].as_str().unwrap().to_owned()
}

fn field(body: &Value, name: &str) -> String {
    body[name].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn two_tabs_refreshing_with_one_token_both_get_its_successor_and_the_login_survives() {
    let app = spawn_app().await;
    let user = app.seed_user(Role::Facilitator);
    let base = app.address.clone();
    let r1 = login(&app, &user).await;

    // The first tab refreshes; the second, a moment later, presents the same (now spent) token.
    let first = ok_json(refresh_at(&app, &base, &r1).await, 200).await;
    let second = ok_json(refresh_at(&app, &base, &r1).await, 200).await;
    let r2 = field(&first, "refresh_token");
    assert_ne!(r2, r1);
    assert_eq!(field(&second, "refresh_token"), r2, "the same successor");
    assert!(second["refresh_expires_in"].as_i64().is_some_and(|s| s > 0));
    for body in [&first, &second] {
        assert_eq!(me_at(&app, &base, &field(body, "access_token")).await, 200);
    }

    // The login goes on: the successor rotates normally and its own successor is new.
    let third = ok_json(refresh_at(&app, &base, &r2).await, 200).await;
    let r3 = field(&third, "refresh_token");
    assert!(r3 != r1 && r3 != r2);
    assert_eq!(
        me_at(&app, &base, &field(&third, "access_token")).await,
        200
    );

    // Truly simultaneous refreshes (the row lock orders them) both succeed with the same successor.
    let (a, b) = join(refresh_at(&app, &base, &r3), refresh_at(&app, &base, &r3)).await;
    let (a, b) = (ok_json(a, 200).await, ok_json(b, 200).await);
    assert_eq!(field(&a, "refresh_token"), field(&b, "refresh_token"));
    let r4 = field(&a, "refresh_token");
    // A tab that is two rotations behind still lands on the live end of the chain.
    let late = ok_json(refresh_at(&app, &base, &r2).await, 200).await;
    assert_eq!(field(&late, "refresh_token"), r4);
    ok_json(refresh_at(&app, &base, &r4).await, 200).await;
}

#[tokio::test]
async fn a_reuse_after_the_grace_window_still_revokes_the_whole_login() {
    let grace = Duration::from_secs(1);
    let app = spawn_app_with(|s| s.refresh_reuse_grace = grace).await;
    let user = app.seed_user(Role::Facilitator);
    let base = app.address.clone();
    let r1 = login(&app, &user).await;
    let rotated = ok_json(refresh_at(&app, &base, &r1).await, 200).await;
    let r2 = field(&rotated, "refresh_token");

    // Precondition: the rotation of r1 is more than the window old (read from the row the service compares).
    let owner = user.id;
    eventually("the grace window to pass", Duration::from_secs(10), || {
        let mut conn = app.db();
        async move {
            use bimtek_api::schema::refresh_tokens::dsl::*;
            let used: Option<DateTime<Utc>> = refresh_tokens
                .filter(user_id.eq(owner))
                .filter(used_at.is_not_null())
                .select(used_at)
                .first(&mut conn)
                .unwrap();
            let age = Utc::now() - used.unwrap();
            (age > chrono::Duration::from_std(grace).unwrap() + chrono::Duration::milliseconds(200))
                .then_some(())
        }
    })
    .await;

    assert_problem(
        refresh_at(&app, &base, &r1).await,
        401,
        "refresh_token_reused",
    )
    .await;
    assert_problem(
        refresh_at(&app, &base, &r2).await,
        401,
        "invalid_refresh_token",
    )
    .await;
}

#[tokio::test]
async fn the_second_tab_may_refresh_on_another_instance() {
    let app = spawn_app().await;
    let other = second_instance_with(&app, |s| s.webhook_worker_enabled = false).await;
    let user = app.seed_user(Role::Facilitator);
    let r1 = login(&app, &user).await;

    let (a, b) = join(
        refresh_at(&app, &app.address, &r1),
        refresh_at(&app, &other.address, &r1),
    )
    .await;
    let (a, b) = (ok_json(a, 200).await, ok_json(b, 200).await);
    let r2 = field(&a, "refresh_token");
    assert_eq!(field(&b, "refresh_token"), r2);
    assert_eq!(
        me_at(&app, &other.address, &field(&a, "access_token")).await,
        200
    );
    assert_eq!(
        me_at(&app, &app.address, &field(&b, "access_token")).await,
        200
    );

    // A later refresh on either instance carries on with the successor.
    ok_json(refresh_at(&app, &other.address, &r2).await, 200).await;
}
