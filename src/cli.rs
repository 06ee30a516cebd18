//! The command line: `serve` (default), `migrate`, `openapi`, `create-admin`, `seed-demo`,
//! `reencrypt-webhook-secrets`, `keys generate`, `keys rotate`.

use std::io::BufRead;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use diesel::{Connection, PgConnection};

use crate::auth::password;
use crate::config::Settings;
use crate::domain::user::{NewPassword, Username};
use crate::service;
use crate::startup::{self, Application};
use crate::{db, telemetry};

#[derive(Debug, Parser)]
#[command(
    name = "bimtek-api",
    version,
    about = "REST API for Bimtek trainings of a corrections regional office"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default). Configuration comes from the environment; see README.md.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document (JSON) to standard output.
    Openapi,
    /// Create an administrator, or reset the password of an existing account and make it an active admin.
    /// The password is read from the first line of standard input.
    CreateAdmin {
        #[arg(long)]
        username: String,
    },
    /// Load the demo data (the Bimtek of 2 August 2025 at Lapas Narkotika Kasongan) and print the demo logins.
    /// Running it again changes nothing.
    SeedDemo,
    /// Encrypt every webhook signing secret under the current key (WEBHOOK_SECRET_KEY, WEBHOOK_SECRET_KEY_ID):
    /// plain ones left from before encryption and those sealed under a retired key (WEBHOOK_SECRET_KEYS_OLD).
    /// Run it after a key rotation, once every instance has the new key; then the old key can be removed.
    ReencryptWebhookSecrets,
    /// The keys that sign the certificates' Open Badges credentials and the status lists. They are sealed at rest
    /// under the webhook secret key (WEBHOOK_SECRET_KEY) and never leave the database unsealed.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Generate a signing key for each algorithm (RS256, EdDSA) that has none. Running it again changes nothing.
    Generate,
    /// Retire the current keys and generate new ones. New credentials are signed with the new keys; the retired
    /// ones stay published in /.well-known/jwks.json, so credentials they signed still verify.
    Rotate,
}

/// Runs the parsed command; the exit code says whether it worked.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::Migrate => migrate().map(|n| println!("migrations applied: {n}")),
        Command::Openapi => print_openapi(),
        Command::CreateAdmin { username } => create_admin(&username),
        Command::SeedDemo => seed_demo(),
        Command::ReencryptWebhookSecrets => reencrypt_webhook_secrets(),
        Command::Keys { action } => signing_keys(action),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve() -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    telemetry::init(settings.log_format);
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings.clone()).map_err(|e| e.to_string())?;
        tracing::info!(
            http.host = %settings.host,
            http.port = app.port(),
            "listening; Swagger UI at /swagger-ui/"
        );
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn connect() -> Result<PgConnection, String> {
    let url = std::env::var("DATABASE_URL").map_err(|_| "DATABASE_URL is required".to_owned())?;
    PgConnection::establish(&url)
        .map_err(|_| "cannot connect to the database named by DATABASE_URL".to_owned())
}

fn migrate() -> Result<usize, String> {
    let mut conn = connect()?;
    db::run_migrations(&mut conn).map_err(|e| e.to_string())
}

fn print_openapi() -> Result<(), String> {
    let json = startup::openapi()
        .to_pretty_json()
        .map_err(|e| e.to_string())?;
    println!("{json}");
    Ok(())
}

fn create_admin(username: &str) -> Result<(), String> {
    let username =
        Username::parse("username", username).map_err(|e| format!("username {}", e.message))?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let pw = line.trim_end_matches(['\n', '\r']).to_owned();
    let pw = NewPassword::parse("password", pw).map_err(|e| format!("password {}", e.message))?;
    let hash = password::hash(pw.expose()).map_err(|e| e.to_string())?;
    let mut conn = connect()?;
    db::run_migrations(&mut conn).map_err(|e| e.to_string())?;
    let created = service::users::create_or_reset_admin(&mut conn, &username, hash)
        .map_err(|e| e.to_string())?;
    if created {
        println!("administrator `{}` created", username.as_str());
    } else {
        println!(
            "account `{}` is now an active administrator with the new password; its old tokens are revoked",
            username.as_str()
        );
    }
    Ok(())
}

fn seed_demo() -> Result<(), String> {
    let mut conn = connect()?;
    db::run_migrations(&mut conn).map_err(|e| e.to_string())?;
    let summary = service::demo::seed(&mut conn).map_err(|e| e.to_string())?;
    // The demo's certificates get credentials: a signing key for each algorithm, if none exists yet. Without the
    // key that seals them (WEBHOOK_SECRET_KEY outside development) the demo still loads; `keys generate` can follow.
    match crate::config::webhook_secret_keys_from_env() {
        Ok(secrets) => {
            let keys = service::credentials::generate_keys(&mut conn, &secrets)
                .map_err(|e| e.to_string())?;
            print_key_report(&keys);
        }
        Err(e) => {
            println!("no credential signing key generated ({e}); run `bimtek-api keys generate`")
        }
    }
    println!(
        "demo data ready: {} units, {} officers, {} sessions; the completed Bimtek of 2 August 2025 is event {} \
         (all officers enrolled, attendance taken), an upcoming published one is event {} (3 nominations)",
        summary.units,
        summary.participants,
        summary.sessions,
        service::demo::DEMO_EVENT_ID,
        service::demo::UPCOMING_EVENT_ID,
    );
    println!("demo logins (demo data only, never for production):");
    println!("  {:<14} {:<12} password", "role", "username");
    for login in service::demo::DEMO_LOGINS {
        println!(
            "  {:<14} {:<12} {}",
            login.role.as_str(),
            login.username,
            login.password
        );
    }
    Ok(())
}

fn signing_keys(action: KeysAction) -> Result<(), String> {
    let secrets = crate::config::webhook_secret_keys_from_env().map_err(|e| e.to_string())?;
    let mut conn = connect()?;
    db::run_migrations(&mut conn).map_err(|e| e.to_string())?;
    let report = match action {
        KeysAction::Generate => service::credentials::generate_keys(&mut conn, &secrets),
        KeysAction::Rotate => service::credentials::rotate_keys(&mut conn, &secrets),
    }
    .map_err(|e| e.to_string())?;
    print_key_report(&report);
    Ok(())
}

fn print_key_report(report: &service::credentials::KeyReport) {
    if report.retired > 0 {
        println!(
            "signing keys retired: {} (still published, so what they signed still verifies)",
            report.retired
        );
    }
    for (kid, alg) in &report.created {
        println!("signing key generated: {kid} ({})", alg.as_str());
    }
    for kid in &report.kept {
        println!("signing key kept: {kid}");
    }
}

fn reencrypt_webhook_secrets() -> Result<(), String> {
    let keys = crate::config::webhook_secret_keys_from_env().map_err(|e| e.to_string())?;
    let mut conn = connect()?;
    db::run_migrations(&mut conn).map_err(|e| e.to_string())?;
    let report = service::webhooks::reseal(&mut conn, &keys, false).map_err(|e| e.to_string())?;
    println!(
        "webhook secrets re-encrypted under key `{}`: {}",
        keys.current_id(),
        report.resealed
    );
    if report.unreadable > 0 {
        return Err(format!(
            "{} webhook secrets are sealed under a key that is not configured (or do not open): add that key to \
             WEBHOOK_SECRET_KEYS_OLD and run this again",
            report.unreadable
        ));
    }
    Ok(())
}
