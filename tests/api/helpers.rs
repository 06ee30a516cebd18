//! The test harness: a per-test database cloned from a migrated template, the application built by the same
//! `Application::build` as `main`, its requests ([`TestApp::send`], [`ok_json`]), the seeding of accounts, units,
//! officers, events, sessions and enrollments (plain SQL through diesel, methods of [`TestApp`]), and [`eventually`],
//! the one way the tests wait for something to happen.

use std::future::Future;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use bimtek_api::config::Settings;
use bimtek_api::db;
use bimtek_api::domain::role::Role;
use bimtek_api::startup::Application;
use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_query;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const TEST_SECRET: &str = "test-secret-for-the-integration-tests-0123456789";
/// The key that seals the webhook signing secrets of the test applications (32 bytes in hex), id `k1`.
pub const TEST_WEBHOOK_KEY: &str =
    "7465737420776562686f6f6b206b657920666f72207468652074657374732121";
/// The audit entries named by what a request did (`score.set`, `certificate.issue`, `export.attendance`, `client.*`,
/// ...), not the row-change entries of every write (`<resource>.<created|updated|deleted>`), nor what a test's own
/// seeding SQL wrote (no actor).
pub const EXPLICIT_AUDIT: &str = "audit_log WHERE (action !~ '\\.(created|updated|deleted|erased)$' OR resource_type = 'client') \
     AND (actor_user_id IS NOT NULL OR actor_client_id IS NOT NULL)";
pub const PASSWORD: &str = "a long test password";

/// The server PostgreSQL URL the tests use: `DATABASE_URL` (any database on the server), or the local default.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The URL of database `name` on the test server.
pub fn database_url(name: &str) -> String {
    let url = server_url();
    let (base, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    if query.is_empty() {
        format!("{root}/{name}")
    } else {
        format!("{root}/{name}?{query}")
    }
}

fn admin_connection() -> PgConnection {
    PgConnection::establish(&database_url("postgres")).unwrap_or_else(|e| {
        panic!("cannot reach PostgreSQL (set DATABASE_URL or run `make test`): {e}")
    })
}

/// A name for the template that changes whenever a migration changes.
fn template_name() -> String {
    let mut hasher = Sha256::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("migrations dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for entry in entries {
        for file in ["up.sql", "down.sql"] {
            hasher.update(
                entry
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .as_bytes(),
            );
            hasher.update(std::fs::read(entry.join(file)).unwrap_or_default());
        }
    }
    let digest = hasher.finalize();
    format!("bimtek_tpl_{}", &format!("{digest:x}")[..16])
}

/// Creates the migrated template once per process (under an advisory lock, so parallel test processes agree),
/// then clones a fresh database from it.
pub fn create_test_database() -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    let template = TEMPLATE.get_or_init(template_name).clone();
    let mut admin = admin_connection();
    sql_query("SELECT pg_advisory_lock(727274)")
        .execute(&mut admin)
        .expect("advisory lock");
    #[derive(QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let exists = sql_query(format!(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{template}') AS exists"
    ))
    .get_result::<Exists>(&mut admin)
    .expect("template lookup")
    .exists;
    if !exists {
        let building = format!("{template}_building");
        sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .execute(&mut admin)
            .expect("drop leftover");
        sql_query(format!("CREATE DATABASE {building}"))
            .execute(&mut admin)
            .expect("create template");
        {
            let mut conn =
                PgConnection::establish(&database_url(&building)).expect("template conn");
            db::run_migrations(&mut conn).expect("migrations");
        }
        sql_query(format!("ALTER DATABASE {building} RENAME TO {template}"))
            .execute(&mut admin)
            .expect("publish template");
    }
    let name = format!("bimtek_test_{}", Uuid::new_v4().simple());
    sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .execute(&mut admin)
        .expect("clone template");
    sql_query("SELECT pg_advisory_unlock(727274)")
        .execute(&mut admin)
        .expect("advisory unlock");
    name
}

pub fn drop_database(name: &str) {
    if let Ok(mut admin) = PgConnection::establish(&database_url("postgres")) {
        let _ =
            sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
    }
}

/// The settings of a test application: port 0, one worker, a short pool timeout.
pub fn test_settings(database_url: &str) -> Settings {
    let db = database_url.to_owned();
    let mut settings = Settings::from_lookup(move |key| {
        Some(
            match key {
                "DATABASE_URL" => db.as_str(),
                "JWT_SECRET" => TEST_SECRET,
                "WEBHOOK_SECRET_KEY" => TEST_WEBHOOK_KEY,
                "PORT" => "0",
                "WORKERS" => "1",
                "DB_POOL_SIZE" => "3",
                "DB_POOL_TIMEOUT_MS" => "1000",
                "CORS_ALLOWED_ORIGINS" => "https://frontend.example",
                "PUBLIC_BASE_URL" => "http://localhost:8080",
                // Only the webhook tests run the delivery worker (spawn_webhook_app): hundreds of idle workers
                // polling to the very end of the run would race the process exit.
                "WEBHOOK_WORKER_ENABLED" => "false",
                _ => return None,
            }
            .to_owned(),
        )
    })
    .expect("test settings");
    settings.enable_test_routes = true;
    settings
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db_name: String,
    pub db_url: String,
    handle: actix_web::dev::ServerHandle,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // `stop` sends its command at once; the database goes with all its connections.
        drop(self.handle.stop(false));
        drop_database(&self.db_name);
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Builds the application exactly as `main` does, after `customize` adjusted the settings.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        static LOGGING: std::sync::Once = std::sync::Once::new();
        LOGGING.call_once(|| {
            // The service's panic hook logs only where a panic happened (its message may hold personal data);
            // a failing test must still show its assertion message, so the test harness's hook runs after it.
            let harness_hook = std::panic::take_hook();
            bimtek_api::telemetry::init(bimtek_api::config::LogFormat::Json);
            let service_hook = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                service_hook(info);
                harness_hook(info);
            }));
        });
    }
    let db_name = tokio::task::spawn_blocking(create_test_database)
        .await
        .expect("create database");
    let db_url = database_url(&db_name);
    let mut settings = test_settings(&db_url);
    customize(&mut settings);
    let app = Application::build(settings).expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let task = tokio::spawn(app.run_until_stopped());
    let test_app = TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // Below the server's 5 s keep-alive: a connection idle that long is not reused, so a slow seed step
            // between two requests cannot race the server closing it (`IncompleteMessage` on a loaded machine).
            .pool_idle_timeout(Duration::from_secs(3))
            .build()
            .expect("client"),
        db_name,
        db_url,
        handle,
        task: Some(task),
    };
    // The server starts its workers when its future is first polled: wait until it answers, so that tests may
    // block this thread (running the binary, say) without starving it.
    for _ in 0..100 {
        if let Ok(response) = test_app
            .client
            .get(test_app.url("/health/live"))
            .send()
            .await
            && response.status().is_success()
        {
            return test_app;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the test application did not start");
}

/// Polls `f` every 10 ms until it gives `Some`, and returns that; panics naming `what` when `deadline` has passed
/// first. The tests wait for something to happen (a delivery arrives, a row appears, a worker ran) only with this.
pub async fn eventually<T, F, Fut>(what: &str, deadline: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = f().await {
            return value;
        }
        assert!(
            started.elapsed() < deadline,
            "timed out after {deadline:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Asserts that a response has this status and returns its JSON body (named in the failure).
pub async fn ok_json(response: reqwest::Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(got, status, "{body}");
    body
}

static NIP_SEQ: AtomicU32 = AtomicU32::new(0);

/// A valid NIP, distinct for every call in this process.
fn next_nip() -> String {
    let n = NIP_SEQ.fetch_add(1, Ordering::Relaxed);
    let day = 1 + (n / 999) % 28;
    let seq = 1 + n % 999;
    format!("198503{day:02}2010011{seq:03}")
}

/// An account seeded straight into the database, with the shared test password.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: Uuid,
    pub username: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn db(&self) -> PgConnection {
        PgConnection::establish(&self.db_url).expect("test db connection")
    }

    /// Inserts a unit and returns its id.
    pub fn seed_unit(&self, code: &str) -> Uuid {
        use bimtek_api::schema::units;
        diesel::insert_into(units::table)
            .values((
                units::code.eq(code),
                units::name.eq(format!("Unit {code}")),
                units::unit_type.eq("lapas"),
            ))
            .returning(units::id)
            .get_result(&mut self.db())
            .expect("seed unit")
    }

    /// Inserts an account with the role (and, for a unit operator, a fresh unit).
    pub fn seed_user(&self, role: Role) -> TestUser {
        let hash = bimtek_api::auth::password::hash(PASSWORD).expect("hash");
        self.insert_user(role, &hash)
    }

    /// Inserts `count` accounts with the role, all with the shared password, hashed once (a hash costs tens of
    /// milliseconds of CPU).
    pub fn seed_users(&self, role: Role, count: usize) -> Vec<TestUser> {
        let hash = bimtek_api::auth::password::hash(PASSWORD).expect("hash");
        (0..count).map(|_| self.insert_user(role, &hash)).collect()
    }

    fn insert_user(&self, role: Role, password_hash: &str) -> TestUser {
        use bimtek_api::schema::users;
        let username = format!(
            "{}-{}",
            role.as_str().replace('_', "-"),
            &Uuid::new_v4().simple().to_string()[..8]
        );
        let unit_id = (role == Role::UnitOperator).then(|| {
            self.seed_unit(&format!(
                "U{}",
                &Uuid::new_v4().simple().to_string()[..8].to_uppercase()
            ))
        });
        let id: Uuid = diesel::insert_into(users::table)
            .values((
                users::username.eq(&username),
                users::password_hash.eq(password_hash),
                users::role.eq(role.as_str()),
                users::unit_id.eq(unit_id),
            ))
            .returning(users::id)
            .get_result(&mut self.db())
            .expect("seed user");
        TestUser { id, username }
    }

    /// Logs in through the API and returns the whole token response.
    pub async fn login_response(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .expect("login request")
    }

    /// Logs in and returns the access token.
    pub async fn token_for(&self, user: &TestUser) -> String {
        let response = self.login_response(&user.username, PASSWORD).await;
        assert_eq!(response.status(), 200, "login of a seeded user");
        let body: serde_json::Value = response.json().await.expect("token json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// A seeded account of the role and its access token.
    pub async fn user_with_token(&self, role: Role) -> (TestUser, String) {
        let user = self.seed_user(role);
        let token = self.token_for(&user).await;
        (user, token)
    }

    /// Stops the server (without waiting for idle connections) and waits until `run_until_stopped` returned: the
    /// webhook worker has stopped after the deliveries in hand. The database stays until the app is dropped.
    pub async fn stop(&mut self) {
        self.handle.stop(false).await;
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server ran");
        }
    }

    /// A request with the bearer `token` and, when given, a JSON body.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// Inserts an officer of `unit` and returns its id.
    pub fn seed_participant(&self, unit: Uuid, name: &str) -> Uuid {
        use bimtek_api::schema::participants;
        diesel::insert_into(participants::table)
            .values((
                participants::nip.eq(next_nip()),
                participants::full_name.eq(name),
                participants::name_search.eq(name.to_lowercase()),
                participants::sex.eq("male"),
                participants::employee_type.eq("pns"),
                participants::unit_id.eq(unit),
            ))
            .returning(participants::id)
            .get_result(&mut self.db())
            .unwrap()
    }

    /// Inserts an event with this status and capacity (hosted by a fresh unit) and returns its id.
    pub fn seed_event(&self, status: &str, capacity: i32) -> Uuid {
        use bimtek_api::schema::events;
        let host = self.seed_unit(&format!(
            "H{}",
            &Uuid::new_v4().simple().to_string()[..8].to_uppercase()
        ));
        let today = Utc::now().date_naive();
        diesel::insert_into(events::table)
            .values((
                events::title.eq("Orientasi Lapangan PM Rehabilitasi Sosial"),
                events::kind.eq("orientation"),
                events::host_unit_id.eq(host),
                events::starts_on.eq(today - chrono::Duration::days(1)),
                events::ends_on.eq(today + chrono::Duration::days(2)),
                events::capacity.eq(capacity),
                events::status.eq(status),
            ))
            .returning(events::id)
            .get_result(&mut self.db())
            .unwrap()
    }

    pub fn set_event_status(&self, event: Uuid, status: &str) {
        use bimtek_api::schema::events;
        diesel::update(events::table.find(event))
            .set(events::status.eq(status))
            .execute(&mut self.db())
            .unwrap();
    }

    /// Moves an event to other days (both in the event's own dates, as an organizer's PATCH would leave them).
    pub fn set_event_dates(
        &self,
        event: Uuid,
        starts_on: chrono::NaiveDate,
        ends_on: chrono::NaiveDate,
    ) {
        use bimtek_api::schema::events;
        diesel::update(events::table.find(event))
            .set((events::starts_on.eq(starts_on), events::ends_on.eq(ends_on)))
            .execute(&mut self.db())
            .unwrap();
    }

    pub fn add_organizer(&self, event: Uuid, user: Uuid) {
        use bimtek_api::schema::event_organizers;
        diesel::insert_into(event_organizers::table)
            .values((
                event_organizers::event_id.eq(event),
                event_organizers::user_id.eq(user),
            ))
            .execute(&mut self.db())
            .unwrap();
    }

    /// Inserts a session of `event` running from now + `start_min` to now + `end_min` minutes, worth `jp`.
    pub fn seed_session(&self, event: Uuid, start_min: i64, end_min: i64, jp: i16) -> Uuid {
        use bimtek_api::schema::sessions;
        let now = Utc::now();
        diesel::insert_into(sessions::table)
            .values((
                sessions::event_id.eq(event),
                sessions::kind.eq("seminar"),
                sessions::title.eq("Seminar"),
                sessions::starts_at.eq(now + chrono::Duration::minutes(start_min)),
                sessions::ends_at.eq(now + chrono::Duration::minutes(end_min)),
                sessions::jp.eq(jp),
            ))
            .returning(sessions::id)
            .get_result(&mut self.db())
            .unwrap()
    }

    pub fn add_facilitator(&self, session: Uuid, user: Uuid) {
        use bimtek_api::schema::session_facilitators;
        diesel::insert_into(session_facilitators::table)
            .values((
                session_facilitators::session_id.eq(session),
                session_facilitators::user_id.eq(user),
            ))
            .execute(&mut self.db())
            .unwrap();
    }

    /// Inserts an enrollment in this status and returns (id, check-in code).
    pub fn seed_enrollment(&self, event: Uuid, participant: Uuid, status: &str) -> (Uuid, String) {
        use bimtek_api::schema::enrollments;
        let code = Uuid::new_v4().simple().to_string();
        let waitlisted_at = (status == "waitlisted").then(Utc::now);
        let id = diesel::insert_into(enrollments::table)
            .values((
                enrollments::event_id.eq(event),
                enrollments::participant_id.eq(participant),
                enrollments::status.eq(status),
                enrollments::check_in_code.eq(&code),
                enrollments::waitlisted_at.eq(waitlisted_at),
            ))
            .returning(enrollments::id)
            .get_result(&mut self.db())
            .unwrap();
        (id, code)
    }

    pub fn enrollment_status(&self, id: Uuid) -> String {
        use bimtek_api::schema::enrollments;
        enrollments::table
            .find(id)
            .select(enrollments::status)
            .first(&mut self.db())
            .unwrap()
    }

    /// The unit of a seeded unit operator.
    pub fn unit_of(&self, user: &TestUser) -> Uuid {
        use bimtek_api::schema::users;
        users::table
            .find(user.id)
            .select(users::unit_id)
            .first::<Option<Uuid>>(&mut self.db())
            .unwrap()
            .unwrap()
    }

    /// A participant account linked to a new officer of `unit`: (account, officer id, token).
    pub async fn participant_account(&self, unit: Uuid, name: &str) -> (TestUser, Uuid, String) {
        use bimtek_api::schema::users;
        let officer = self.seed_participant(unit, name);
        let user = self.seed_user(Role::Participant);
        diesel::update(users::table.find(user.id))
            .set(users::participant_id.eq(officer))
            .execute(&mut self.db())
            .unwrap();
        let token = self.token_for(&user).await;
        (user, officer, token)
    }

    /// An organizer account that organizes `event`, and its token.
    /// A unit operator of `unit`, and their token.
    pub async fn operator_of(&self, unit: Uuid) -> String {
        use bimtek_api::schema::users;
        let account = self.seed_user(Role::UnitOperator);
        diesel::update(users::table.find(account.id))
            .set(users::unit_id.eq(unit))
            .execute(&mut self.db())
            .unwrap();
        self.token_for(&account).await
    }

    pub async fn organizer_of(&self, event: Uuid) -> (TestUser, String) {
        let (user, token) = self.user_with_token(Role::Organizer).await;
        self.add_organizer(event, user.id);
        (user, token)
    }

    /// Inserts `n` officers of `unit` with a grade and a position, named `<prefix> 001`, `<prefix> 002`, ... (so that
    /// the name order is the number order), NIPs `<birth date>2010011001` with distinct birth dates from
    /// `birth_from`, each with an approved enrollment in `event`: one statement each, for large events.
    /// Returns (participant, enrollment) in name order.
    pub fn seed_approved_officers(
        &self,
        event: Uuid,
        unit: Uuid,
        n: usize,
        prefix: &str,
        birth_from: &str,
    ) -> Vec<(Uuid, Uuid)> {
        #[derive(QueryableByName)]
        struct Seeded {
            #[diesel(sql_type = diesel::sql_types::Uuid)]
            participant_id: Uuid,
            #[diesel(sql_type = diesel::sql_types::Uuid)]
            enrollment_id: Uuid,
        }
        let mut conn = self.db();
        sql_query(
            "INSERT INTO participants (nip, full_name, name_search, sex, employee_type, grade, position, unit_id)
             SELECT to_char($4::date + i, 'YYYYMMDD') || '2010011001', $3 || ' ' || lpad(i::text, 3, '0'),
                    lower($3 || ' ' || lpad(i::text, 3, '0')), 'male', 'pns',
                    (ARRAY['II/c', 'III/a', 'III/b', 'IV/a'])[1 + i % 4], 'Pembina Kemasyarakatan Ahli Pertama', $2
             FROM generate_series(1, $1) AS i",
        )
        .bind::<diesel::sql_types::Integer, _>(n as i32)
        .bind::<diesel::sql_types::Uuid, _>(unit)
        .bind::<diesel::sql_types::Text, _>(prefix)
        .bind::<diesel::sql_types::Text, _>(birth_from)
        .execute(&mut conn)
        .expect("seed officers");
        sql_query(
            "INSERT INTO enrollments (event_id, participant_id, status, check_in_code)
             SELECT $1, p.id, 'approved', md5(random()::text || p.id::text)
             FROM participants p WHERE p.unit_id = $2 AND p.full_name LIKE $3 || ' %'",
        )
        .bind::<diesel::sql_types::Uuid, _>(event)
        .bind::<diesel::sql_types::Uuid, _>(unit)
        .bind::<diesel::sql_types::Text, _>(prefix)
        .execute(&mut conn)
        .expect("seed enrollments");
        sql_query(
            "SELECT e.participant_id, e.id AS enrollment_id FROM enrollments e
             JOIN participants p ON p.id = e.participant_id
             WHERE e.event_id = $1 AND p.unit_id = $2 AND p.full_name LIKE $3 || ' %' ORDER BY p.name_search",
        )
        .bind::<diesel::sql_types::Uuid, _>(event)
        .bind::<diesel::sql_types::Uuid, _>(unit)
        .bind::<diesel::sql_types::Text, _>(prefix)
        .load::<Seeded>(&mut conn)
        .expect("seeded officers")
        .into_iter()
        .map(|s| (s.participant_id, s.enrollment_id))
        .collect()
    }

    pub fn count(&self, table: &str) -> i64 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        sql_query(format!("SELECT count(*) AS n FROM {table}"))
            .get_result::<Count>(&mut self.db())
            .expect("count")
            .n
    }
}

/// The text of each page of a PDF, one line per text section (one drawn line of text), read back with the PDF
/// library of the service (which decodes the embedded fonts' ToUnicode maps).
pub fn pdf_pages_text(bytes: &[u8]) -> Vec<String> {
    let parsed = printpdf::PdfDocument::parse(bytes, &Default::default(), &mut Vec::new())
        .expect("a readable PDF");
    parsed
        .extract_text()
        .into_iter()
        .map(|page| page.join("\n"))
        .collect()
}

/// Asserts that a response is a problem document with this status and code, and returns its body.
pub async fn assert_problem(
    response: reqwest::Response,
    status: u16,
    code: &str,
) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: serde_json::Value = response.json().await.expect("problem json");
    assert_eq!(body["status"], status);
    assert_eq!(body["code"], code, "code in {body}");
    assert!(
        bimtek_api::error::PROBLEM_CODES.contains(&code),
        "{code} is not in bimtek_api::error::PROBLEM_CODES (the enum of Problem.code in the spec)"
    );
    assert_eq!(body["type"], format!("urn:bimtek-api:problem:{code}"));
    assert!(body["title"].is_string() && body["detail"].is_string());
    body
}

/// The fields named in a problem's `errors[]`, sorted.
pub fn error_fields(body: &serde_json::Value) -> Vec<String> {
    let mut fields: Vec<String> = body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    fields.sort();
    fields
}
