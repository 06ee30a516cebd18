//! Two instances on one database: every webhook delivery happens once, and an idempotency key holds across them.

use std::collections::HashSet;
use std::time::Duration;

use bimtek_api::config::Settings;
use bimtek_api::domain::role::Role;
use bimtek_api::startup::Application;
use diesel::RunQueryDsl;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{TestApp, test_settings};
use crate::webhooks::{Receiver, assert_signed, spawn_webhook_app, subscribe};

/// A second instance of the application on the first one's database, with the same settings. Returns its base
/// URL; it stops when the returned handle is dropped (or the database goes with the first instance).
pub struct SecondInstance {
    pub address: String,
    handle: actix_web::dev::ServerHandle,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl SecondInstance {
    /// Stops the instance and waits until it returned: its webhook worker stopped after the deliveries in hand.
    pub async fn stop(&mut self) {
        self.handle.stop(false).await;
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server ran");
        }
    }
}

impl Drop for SecondInstance {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn second_instance(first: &TestApp) -> SecondInstance {
    second_instance_with(first, |_| {}).await
}

/// [`second_instance`] with its settings changed by `tweak` first (its worker runs, polling every 50 ms).
pub async fn second_instance_with(
    first: &TestApp,
    tweak: impl FnOnce(&mut Settings),
) -> SecondInstance {
    let mut settings = test_settings(&first.db_url);
    settings.webhook_worker_enabled = true;
    settings.webhook_allow_private_targets = true;
    settings.webhook_poll_interval = Duration::from_millis(50);
    tweak(&mut settings);
    let app = Application::build(settings).expect("second instance builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let task = Some(tokio::spawn(app.run_until_stopped()));
    for _ in 0..100 {
        if let Ok(response) = first
            .client
            .get(format!("{address}/health/live"))
            .send()
            .await
            && response.status().is_success()
        {
            return SecondInstance {
                address,
                handle,
                task,
            };
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the second instance did not start");
}

#[tokio::test]
async fn two_instances_deliver_each_event_exactly_once() {
    let mut first = spawn_webhook_app().await;
    let mut second = second_instance(&first).await;
    let receiver = Receiver::start(vec![]).await;
    let (_, token) = first.user_with_token(Role::Admin).await;
    subscribe(&first, &token, &receiver.url, &["participant.created"]).await;

    // 60 changes in three transactions: both workers poll every 50 ms and claim from the same outbox.
    const N: usize = 60;
    let unit = first.seed_unit("SCALE");
    for batch in 0..3 {
        let values = (0..N / 3)
            .map(|i| {
                let n = batch * (N / 3) + i;
                format!(
                    "('19800101200501{:04}', 'Officer {n}', 'officer {n}', 'male', 'pns', '{unit}')",
                    1001 + n
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        diesel::sql_query(format!(
            "INSERT INTO participants (nip, full_name, name_search, sex, employee_type, unit_id) VALUES {values}"
        ))
        .execute(&mut first.db())
        .unwrap();
    }
    let got = receiver.wait_for(N).await;
    // A duplicate would be a second send of a claimed delivery: stop both instances, each worker after the
    // deliveries in hand, so that a duplicate, if there were one, has reached the receiver when it is counted.
    second.stop().await;
    first.stop().await;
    let got_later = receiver.received();
    assert_eq!(got_later.len(), N, "every delivery arrives exactly once");
    let ids: HashSet<String> = got
        .iter()
        .map(|r| r.headers["webhook-id"].clone())
        .collect();
    assert_eq!(ids.len(), N);
    got.iter().for_each(assert_signed);
    assert_eq!(
        first.count("webhook_deliveries WHERE status = 'delivered' AND attempts = 1"),
        N as i64
    );
}

#[tokio::test]
async fn an_idempotency_key_holds_across_instances() {
    let first = spawn_webhook_app().await;
    let second = second_instance(&first).await;
    let (_, token) = first.user_with_token(Role::Admin).await;
    let body = json!({"code": "ACROSS", "name": "Unit across instances", "type": "lapas"});
    let requests = (0..16).map(|i| {
        let base = if i % 2 == 0 {
            first.address.clone()
        } else {
            second.address.clone()
        };
        let (client, token, body) = (first.client.clone(), token.clone(), body.clone());
        async move {
            client
                .post(format!("{base}/api/v1/units"))
                .bearer_auth(token)
                .header("Idempotency-Key", "one-unit-two-instances")
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    });
    let responses = join_all(requests).await;
    let mut ids = HashSet::new();
    let mut fresh = 0;
    for response in responses {
        let status = response.status().as_u16();
        let replayed = response.headers().contains_key("idempotent-replayed");
        let body: Value = response.json().await.unwrap();
        match status {
            201 => {
                fresh += usize::from(!replayed);
                ids.insert(body["id"].as_str().unwrap().to_owned());
            }
            409 => assert_eq!(body["code"], "idempotency_request_in_flight"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(fresh, 1);
    assert_eq!(ids.len(), 1);
    assert_eq!(first.count("units WHERE code = 'ACROSS'"), 1);

    // A later retry on the other instance replays the first answer.
    let retry = first
        .client
        .post(format!("{}/api/v1/units", second.address))
        .bearer_auth(&token)
        .header("Idempotency-Key", "one-unit-two-instances")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn an_accounts_login_failures_count_across_instances() {
    let limits = |s: &mut Settings| {
        s.login_max_failures_per_account = 4;
        s.login_failure_delay = Duration::ZERO;
    };
    let first = crate::helpers::spawn_app_with(limits).await;
    let second = second_instance_with(&first, limits).await;
    let user = first.seed_user(Role::Organizer);
    let login = |base: String, password: &'static str| {
        let client = first.client.clone();
        let username = user.username.clone();
        async move {
            client
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"username": username, "password": password}))
                .send()
                .await
                .unwrap()
        }
    };
    // Two failures on each instance: each instance's own limiter has seen only two of the four.
    for base in [first.address.clone(), second.address.clone()] {
        for _ in 0..2 {
            assert_eq!(login(base.clone(), "wrong password").await.status(), 401);
        }
    }
    // The shared count refuses the fifth attempt, on either instance, even with the right password.
    for base in [first.address.clone(), second.address.clone()] {
        let refused = login(base, crate::helpers::PASSWORD).await;
        assert!(refused.headers().contains_key("retry-after"));
        crate::helpers::assert_problem(refused, 429, "too_many_requests").await;
    }
    assert_eq!(
        first.count("login_throttle WHERE scope = 'account' AND hits = 4"),
        1
    );
}

#[tokio::test]
async fn an_addresss_failed_logins_count_across_instances_and_its_successes_do_not() {
    let limits = |s: &mut Settings| {
        s.login_max_failures_per_address = 4;
        s.login_failure_delay = Duration::ZERO;
    };
    let first = crate::helpers::spawn_app_with(limits).await;
    let second = second_instance_with(&first, limits).await;
    let officers = first.seed_users(Role::Participant, 6);
    let login = |base: &str, username: &str, password: &str| {
        first
            .client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
    };
    // On each instance, from the one address: three officers log in and two guesses fail.
    let mut n = 0;
    for base in [first.address.as_str(), second.address.as_str()] {
        for officer in &officers[n..n + 3] {
            let response = login(base, &officer.username, crate::helpers::PASSWORD).await;
            assert_eq!(response.unwrap().status(), 200);
        }
        for i in 0..2 {
            let response = login(base, &format!("guess-{n}-{i}"), "wrong password").await;
            assert_eq!(response.unwrap().status(), 401);
        }
        n += 3;
    }
    // Four failures in all: the address is refused on either instance, even for an officer's right password.
    for base in [first.address.as_str(), second.address.as_str()] {
        let refused = login(base, &officers[0].username, crate::helpers::PASSWORD)
            .await
            .unwrap();
        assert!(refused.headers().contains_key("retry-after"));
        crate::helpers::assert_problem(refused, 429, "too_many_requests").await;
    }
}
