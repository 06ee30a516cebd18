//! Concurrency and faults seen from a client: many writers racing on one `If-Match`, many approvals racing for
//! few seats, an exhausted connection pool, and a SIGTERM to the real binary while it serves.
//!
//! Not here: concurrent POSTs with one `Idempotency-Key` (idempotency keys do not exist yet), and the database
//! restart and `kill -9` cases, which restart processes and live in `scripts/faults/` (`make faults`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bimtek_api::domain::role::Role;
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TEST_SECRET, TestApp, assert_problem, eventually, spawn_app, spawn_app_with};

/// An application with room for real concurrency: two workers, a pool of 8, and a pool timeout long enough that
/// queueing for a connection never turns into a 503 in these tests.
async fn roomy_app() -> TestApp {
    spawn_app_with(|s| {
        s.db_pool_size = 8;
        s.db_pool_timeout = Duration::from_secs(20);
        s.workers = 2;
    })
    .await
}

fn participant_version(app: &TestApp, id: Uuid) -> (i32, String) {
    use bimtek_api::schema::participants;
    participants::table
        .find(id)
        .select((participants::version, participants::full_name))
        .get_result(&mut app.db())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_writers_with_one_if_match_give_one_200_and_forty_nine_412s_in_every_round() {
    let app = roomy_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-RACE");
    let officer = app.seed_participant(unit, "Budi Santoso");
    let url = app.url(&format!("/api/v1/participants/{officer}"));
    for round in 0..10 {
        let read = app
            .client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), 200);
        let etag = read.headers()["etag"].to_str().unwrap().to_owned();
        let (before, _) = participant_version(&app, officer);
        assert_eq!(etag, format!("\"{before}\""));
        let tasks: Vec<_> = (0..50)
            .map(|writer| {
                let client = app.client.clone();
                let (url, token, etag) = (url.clone(), token.clone(), etag.clone());
                tokio::spawn(async move {
                    let name = format!("Penulis {round} {writer}");
                    let response = client
                        .patch(url)
                        .bearer_auth(token)
                        .header("content-type", "application/merge-patch+json")
                        .header("if-match", etag)
                        .body(json!({ "full_name": name }).to_string())
                        .send()
                        .await
                        .unwrap();
                    let status = response.status().as_u16();
                    let body: Value = response.json().await.unwrap();
                    (status, name, body)
                })
            })
            .collect();
        let mut winners = Vec::new();
        let mut refused = 0;
        for task in futures_util::future::join_all(tasks).await {
            let (status, name, body) = task.unwrap();
            match status {
                200 => winners.push((name, body)),
                412 => {
                    assert_eq!(body["code"], "precondition_failed", "{body}");
                    refused += 1;
                }
                other => panic!("round {round}: unexpected {other}: {body}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: exactly one writer wins");
        assert_eq!(refused, 49, "round {round}");
        let (after, stored_name) = participant_version(&app, officer);
        assert_eq!(after, before + 1, "round {round}: one version step");
        let (name, body) = &winners[0];
        assert_eq!(&stored_name, name, "the stored name is the winner's");
        assert_eq!(body["version"], after);
    }
}

/// Inserts `n` officers of `unit`, each nominated to `event`, in one statement each; returns the enrollment ids.
fn seed_nominations(app: &TestApp, event: Uuid, unit: Uuid, n: usize) -> Vec<Uuid> {
    use bimtek_api::schema::{enrollments, participants};
    let mut conn = app.db();
    let rows: Vec<_> = (0..n)
        .map(|i| {
            let name = format!("Calon Peserta {i:03}");
            (
                participants::nip.eq(format!("19900101201501{:04}", 1001 + i)),
                participants::name_search.eq(name.to_lowercase()),
                participants::full_name.eq(name),
                participants::sex.eq("male"),
                participants::employee_type.eq("pns"),
                participants::unit_id.eq(unit),
            )
        })
        .collect();
    let officers: Vec<Uuid> = diesel::insert_into(participants::table)
        .values(&rows)
        .returning(participants::id)
        .get_results(&mut conn)
        .unwrap();
    let nominations: Vec<_> = officers
        .iter()
        .map(|officer| {
            (
                enrollments::event_id.eq(event),
                enrollments::participant_id.eq(*officer),
                enrollments::status.eq("nominated"),
                enrollments::check_in_code.eq(Uuid::new_v4().simple().to_string()),
            )
        })
        .collect();
    diesel::insert_into(enrollments::table)
        .values(&nominations)
        .returning(enrollments::id)
        .get_results(&mut conn)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_approvals_for_fifty_seats_approve_exactly_fifty() {
    let app = roomy_app().await;
    let event = app.seed_event("published", 50);
    let (_, token) = app.organizer_of(event).await;
    let unit = app.seed_unit("LAPAS-SEATS");
    let ids = seed_nominations(&app, event, unit, 200);
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let client = app.client.clone();
            let url = app.url(&format!("/api/v1/enrollments/{id}/approve"));
            let token = token.clone();
            tokio::spawn(async move {
                let response = client.post(url).bearer_auth(token).send().await.unwrap();
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap();
                (status, body)
            })
        })
        .collect();
    let mut approved = 0;
    let mut positions = Vec::new();
    for task in futures_util::future::join_all(tasks).await {
        let (status, body) = task.unwrap();
        assert_eq!(status, 200, "{body}");
        match body["status"].as_str().unwrap() {
            "approved" => approved += 1,
            "waitlisted" => positions.push(body["waitlist_position"].as_i64().unwrap()),
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(approved, 50);
    positions.sort_unstable();
    assert_eq!(
        positions,
        (1..=150).collect::<Vec<_>>(),
        "a gapless waitlist"
    );
    use bimtek_api::schema::enrollments;
    let in_db: Vec<(String, i64)> = enrollments::table
        .filter(enrollments::event_id.eq(event))
        .group_by(enrollments::status)
        .select((enrollments::status, diesel::dsl::count_star()))
        .order_by(enrollments::status)
        .load(&mut app.db())
        .unwrap();
    assert_eq!(
        in_db,
        vec![("approved".to_owned(), 50), ("waitlisted".to_owned(), 150)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_exhausted_pool_answers_503_with_retry_after_within_3_seconds_and_recovers_at_once() {
    // The production pool timeout (2 s); the test route keeps every connection for 3.5 s.
    let app = spawn_app_with(|s| s.db_pool_timeout = Duration::from_secs(2)).await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-POOL");
    let officer = app.seed_participant(unit, "Sari Wulandari");
    let url = app.url(&format!("/api/v1/participants/{officer}"));
    let read = || app.client.get(&url).bearer_auth(&token).send();
    assert_eq!(read().await.unwrap().status(), 200);

    let hold = {
        let client = app.client.clone();
        let url = app.url("/__test/hold-connections?ms=3500");
        tokio::spawn(async move { client.get(url).send().await.unwrap() })
    };
    // Reads succeed until the holder has every connection; then each one waits for the pool timeout.
    let mut exhausted = None;
    for _ in 0..200 {
        let started = Instant::now();
        let response = read().await.unwrap();
        if response.status() == 503 {
            exhausted = Some((started.elapsed(), response));
            break;
        }
        assert_eq!(response.status(), 200);
    }
    let (elapsed, response) = exhausted.expect("the pool was never exhausted");
    assert!(
        elapsed <= Duration::from_secs(3),
        "503 after {elapsed:?}, more than 3 s"
    );
    assert!(
        elapsed >= Duration::from_millis(1500),
        "503 after {elapsed:?}: it should come from the 2 s pool timeout"
    );
    assert_eq!(response.headers()["retry-after"], "2");
    assert_problem(response, 503, "service_unavailable").await;

    let held = hold.await.unwrap();
    assert_eq!(held.status(), 200);
    assert_eq!(held.json::<Value>().await.unwrap()["held"], 3);
    // Released: the next read is served at once.
    let started = Instant::now();
    let response = read().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn the_connection_holding_route_exists_only_with_test_routes() {
    let app = spawn_app_with(|s| s.enable_test_routes = false).await;
    let response = app
        .client
        .get(app.url("/__test/hold-connections?ms=10"))
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, "route_not_found").await;
}

/// The real binary, serving the test database of `app` on a free port; returns the child and its port. Its
/// standard output (JSON logs) is collected by a thread into `logs`.
fn start_binary(
    app: &TestApp,
    shutdown_timeout: u64,
    logs: Arc<std::sync::Mutex<Vec<String>>>,
) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bimtek-api"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.db_url)
        .env("JWT_SECRET", TEST_SECRET)
        .env("WEBHOOK_SECRET_KEY", crate::helpers::TEST_WEBHOOK_KEY)
        .env("PUBLIC_BASE_URL", "http://localhost:8080")
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("WORKERS", "2")
        .env("DB_POOL_SIZE", "4")
        .env("RUN_MIGRATIONS", "false")
        .env("SHUTDOWN_TIMEOUT_SECONDS", shutdown_timeout.to_string())
        .env("LOG_FORMAT", "json")
        .env(
            "RUST_LOG",
            "info,actix_server=info,actix_web=warn,r2d2=warn",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && let Some(port) = v["fields"]["http.port"].as_u64()
            {
                let _ = port_tx.send(port as u16);
            }
            logs.lock().unwrap().push(line);
        }
    });
    let port = match port_rx.recv_timeout(Duration::from_secs(30)) {
        Ok(port) => port,
        Err(_) => {
            let _ = child.kill();
            panic!("the binary did not report its port");
        }
    };
    (child, port)
}

/// Reads one HTTP/1.1 response with a `Content-Length` body: (status line and headers, body).
fn read_response(stream: &mut TcpStream) -> (String, String) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).unwrap();
    (head, String::from_utf8(body).unwrap())
}

/// What the load loops saw.
#[derive(Default)]
struct Tally {
    ok: AtomicUsize,
    ok_after_signal: AtomicUsize,
    server_errors: AtomicUsize,
    other_statuses: AtomicUsize,
    bad_bodies: AtomicUsize,
    refused_after_signal: AtomicUsize,
    errors_before_signal: AtomicUsize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_finishes_in_flight_requests_without_5xx_and_exits_0_in_time() {
    const SHUTDOWN_TIMEOUT: u64 = 10;
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-TERM");
    let officer = app.seed_participant(unit, "Agus Salim");
    let logs = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (mut child, port) = start_binary(&app, SHUTDOWN_TIMEOUT, logs.clone());
    let base = format!("http://127.0.0.1:{port}");

    // Eight loops of authenticated reads: four on keep-alive connections, four on a new connection per request.
    let tally = Arc::new(Tally::default());
    let signalled = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(40);
    let loops: Vec<_> = (0..8)
        .map(|i| {
            let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(15));
            if i % 2 == 1 {
                builder = builder.pool_max_idle_per_host(0);
            }
            let client = builder.build().unwrap();
            let url = if i < 4 {
                format!("{base}/api/v1/participants/{officer}")
            } else {
                format!("{base}/api/v1/participants?limit=20&sort=full_name")
            };
            let (token, tally) = (token.clone(), tally.clone());
            let (signalled, stop) = (signalled.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                    let after_signal = signalled.load(Ordering::SeqCst);
                    match client.get(&url).bearer_auth(&token).send().await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let body = response.bytes().await;
                            if status >= 500 {
                                tally.server_errors.fetch_add(1, Ordering::SeqCst);
                            } else if status != 200 {
                                tally.other_statuses.fetch_add(1, Ordering::SeqCst);
                            } else if body
                                .ok()
                                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                                .is_none()
                            {
                                tally.bad_bodies.fetch_add(1, Ordering::SeqCst);
                            } else {
                                tally.ok.fetch_add(1, Ordering::SeqCst);
                                if after_signal {
                                    tally.ok_after_signal.fetch_add(1, Ordering::SeqCst);
                                }
                            }
                        }
                        // Once the listener is closed new connections are refused, and idle keep-alive
                        // connections are closed: a connection error, never a 5xx. The load stops there.
                        Err(_) if signalled.load(Ordering::SeqCst) => {
                            tally.refused_after_signal.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                        Err(_) => {
                            tally.errors_before_signal.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
            })
        })
        .collect();
    // Let the load reach the server before the signal.
    eventually(
        "the load to get going (200 answers)",
        Duration::from_secs(20),
        || async { (tally.ok.load(Ordering::SeqCst) >= 200).then_some(()) },
    )
    .await;

    // A request in flight across the signal: headers and half the body before SIGTERM, the rest after the
    // listener closed; it must still be served in full.
    let pid = child.id().to_string();
    let in_flight = {
        let (token, signalled) = (token.clone(), signalled.clone());
        tokio::task::spawn_blocking(move || {
            let body = json!({ "full_name": "Agus Salim Sesudah Sinyal" }).to_string();
            let (first, rest) = body.split_at(body.len() / 2);
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(15)))
                .unwrap();
            write!(
                stream,
                "PATCH /api/v1/participants/{officer} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                 Authorization: Bearer {token}\r\nContent-Type: application/merge-patch+json\r\n\
                 Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
                body.len()
            )
            .unwrap();
            // `100 Continue` comes when the handler asks for the body: the request is now being served.
            let (head, _) = read_response(&mut stream);
            assert!(head.starts_with("HTTP/1.1 100"), "{head}");
            stream.write_all(first.as_bytes()).unwrap();
            stream.flush().unwrap();
            let signal_at = Instant::now();
            signalled.store(true, Ordering::SeqCst);
            let kill = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
            assert!(kill.success());
            // Wait (bounded) until the listener refuses new connections: the server is shutting down.
            let mut closed = false;
            for _ in 0..500 {
                if TcpStream::connect(("127.0.0.1", port)).is_err() {
                    closed = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            stream.write_all(rest.as_bytes()).unwrap();
            let response = read_response(&mut stream);
            (signal_at, closed, response)
        })
    };
    let (signal_at, listener_closed, response) = in_flight.await.unwrap();
    stop.store(true, Ordering::SeqCst);
    for task in loops {
        task.await.unwrap();
    }
    // The load's clients are gone with their tasks, so the server has no connection left to wait for.
    let exit = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some((status, signal_at.elapsed()));
        }
        if signal_at.elapsed() > Duration::from_secs(SHUTDOWN_TIMEOUT + 5) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    assert!(listener_closed, "the listener still accepted after SIGTERM");
    let (head, body) = response;
    assert!(
        head.starts_with("HTTP/1.1 200"),
        "in-flight request: {head}"
    );
    let body: Value = serde_json::from_str(&body).expect("a complete JSON body");
    assert_eq!(body["full_name"], "Agus Salim Sesudah Sinyal");
    assert_eq!(
        participant_version(&app, officer).1,
        "Agus Salim Sesudah Sinyal"
    );

    let count = |c: &AtomicUsize| c.load(Ordering::SeqCst);
    assert_eq!(count(&tally.server_errors), 0, "5xx during the shutdown");
    assert_eq!(count(&tally.other_statuses), 0);
    assert_eq!(count(&tally.bad_bodies), 0, "truncated or broken bodies");
    assert_eq!(count(&tally.errors_before_signal), 0);

    let (status, took) = exit.expect("the process did not exit within the shutdown timeout");
    assert!(status.success(), "exit status {status:?}");
    assert!(
        took <= Duration::from_secs(SHUTDOWN_TIMEOUT),
        "exited {took:?} after SIGTERM"
    );
    let logs = logs.lock().unwrap();
    assert!(
        !logs.iter().any(|l| l.contains("\"ERROR\"")),
        "errors logged: {logs:?}"
    );
    // Exit figures for the record (`--nocapture`).
    println!(
        "sigterm: {} ok ({} after the signal), exit after {took:?}, {} loops refused after the signal",
        count(&tally.ok),
        count(&tally.ok_after_signal),
        count(&tally.refused_after_signal),
    );
}
