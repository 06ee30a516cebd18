//! Liveness and readiness, including readiness across a database outage.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::helpers::{assert_problem, database_url, eventually, spawn_app, spawn_app_with};

#[tokio::test]
async fn live_answers_200() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn ready_answers_200_when_the_database_is_reachable() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/health/ready"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// A TCP proxy in front of PostgreSQL that the test can cut and restore, like a database outage.
struct Proxy {
    port: u16,
    target: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let proxy = Proxy {
            port,
            target,
            tasks: Arc::new(Mutex::new(Vec::new())),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let target = self.target.clone();
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(conn);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    /// Closes the listener and every proxied connection.
    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    async fn restore(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(listener) => return self.serve(listener),
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                Err(e) => panic!("cannot rebind the proxy: {e}"),
            }
        }
    }
}

fn host_port(url: &str) -> String {
    let after = url.split("://").nth(1).unwrap();
    let authority = after.split('/').next().unwrap();
    let host_port = authority.rsplit('@').next().unwrap();
    if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    }
}

// Multi-threaded: the proxy must keep running while `Application::build` blocks on its first connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_answers_503_while_the_database_is_unreachable_and_recovers_by_itself() {
    // The application talks to its database through a proxy that the test cuts.
    let direct = spawn_app().await;
    let proxy = Proxy::start(host_port(&database_url(&direct.db_name))).await;
    let proxied_url = direct.db_url.replacen(
        &host_port(&direct.db_url),
        &format!("127.0.0.1:{}", proxy.port),
        1,
    );
    let app = spawn_app_with(|s| {
        s.database_url = proxied_url.into();
        s.db_pool_timeout = Duration::from_millis(500);
    })
    .await;

    let ready = || app.client.get(app.url("/health/ready")).send();
    assert_eq!(ready().await.unwrap().status(), 200);

    proxy.cut();
    let response = ready().await.unwrap();
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 503, "service_unavailable").await;
    // Liveness does not depend on the database.
    let live = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);

    proxy.restore().await;
    eventually(
        "readiness to recover (200 from /health/ready)",
        Duration::from_secs(10),
        || async { (ready().await.unwrap().status() == 200).then_some(()) },
    )
    .await;
}
