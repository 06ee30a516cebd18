//! Settings from the environment. Secrets are `SecretString`s: they never reach `Debug` output or logs.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

/// Where the service runs: development relaxes the secret checks, everything else is production-strict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// One signing key: the key id written into the token header (`kid`) and its HMAC secret.
#[derive(Clone)]
pub struct JwtKey {
    pub kid: String,
    pub secret: SecretString,
}

impl std::fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKey")
            .field("kid", &self.kid)
            .field("secret", &"[redacted]")
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub environment: Environment,
    pub host: String,
    pub port: u16,
    pub database_url: SecretString,
    pub db_pool_size: u32,
    pub db_pool_timeout: Duration,
    pub run_migrations: bool,
    pub workers: usize,
    pub jwt_current: JwtKey,
    /// Keys that still verify tokens during a rotation, never sign.
    pub jwt_previous: Vec<JwtKey>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// The audience of service-account tokens (client-credentials grant): never the users' audience.
    pub jwt_client_audience: String,
    pub access_token_ttl: Duration,
    /// The lifetime of service-account tokens.
    pub client_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub log_format: LogFormat,
    pub cors_allowed_origins: Vec<String>,
    pub max_body_bytes: usize,
    /// The body limit of the bulk imports (`IMPORT_MAX_BODY_BYTES`, default 5 MiB) and their row limit
    /// (`IMPORT_MAX_ROWS`, default 10,000); beyond either the answer is 413.
    pub import_max_body_bytes: usize,
    pub import_max_rows: usize,
    pub shutdown_timeout: Duration,
    /// How long a client may take to send the request head: slower clients get 408 (slowloris).
    pub client_request_timeout: Duration,
    /// How long an account checked for one request is trusted for the next ones (0: check every request).
    pub auth_cache_ttl: Duration,
    /// Registers `/__test/panic`: only the test harness turns this on.
    pub enable_test_routes: bool,
    /// Login throttling: failed logins per account per minute, attempts per client address per minute, the delay
    /// added per failure beyond the third, and whether `X-Forwarded-For` names the client (behind a proxy only).
    pub login_max_failures_per_account: u32,
    pub login_max_attempts_per_address: u32,
    pub login_failure_delay: Duration,
    pub trust_proxy_headers: bool,
    /// When set, `/metrics` requires `Authorization: Bearer <token>`.
    pub metrics_token: Option<SecretString>,
    /// How certificate numbers are built (`CERTIFICATE_NUMBER_PATTERN`), checked at start-up.
    pub certificate_number_pattern: crate::domain::certificate::NumberPattern,
    /// The public address of the service, without a trailing slash: certificates' QR codes point to
    /// `{public_base_url}/verify/{code}`. Required in production (a QR code must not point to localhost);
    /// development defaults to `http://localhost:8080`.
    pub public_base_url: String,
    /// The directory of the fonts printed documents embed (`PDF_FONT_DIR`, default Debian's
    /// `/usr/share/fonts/truetype/dejavu` from `fonts-dejavu-core`): DejaVuSans.ttf and DejaVuSans-Bold.ttf.
    pub pdf_font_dir: std::path::PathBuf,
    /// Idempotency keys: how long a request holds its key before another may take it over (a crashed instance).
    pub idempotency_lease: Duration,
    /// Webhooks: whether this instance runs the delivery worker, how often it looks for due deliveries, the
    /// timeout of one delivery, and whether private, loopback and link-local targets are allowed (tests only).
    pub webhook_worker_enabled: bool,
    pub webhook_poll_interval: Duration,
    /// Days the change feed keeps a change (`CHANGES_RETENTION_DAYS`, default 90; 0 keeps every change). Older
    /// ones are deleted by the worker's maintenance round; a cursor behind them gets 410 `cursor_expired`.
    pub changes_retention_days: u32,
    pub webhook_timeout: Duration,
    pub webhook_allow_private_targets: bool,
}

/// A configuration error: the message says which variable and what is wrong, never the secret's value.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

/// The shortest accepted HMAC secret (RFC 7518 section 3.2: at least the hash size, 256 bits).
pub const MIN_SECRET_BYTES: usize = 32;

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads the settings through `get`, so tests can pass a map instead of the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| get(key).filter(|v| !v.trim().is_empty());
        let environment = match get("APP_ENV").as_deref() {
            None | Some("production") => Environment::Production,
            Some("development") | Some("dev") => Environment::Development,
            Some(_) => {
                return Err(ConfigError(
                    "APP_ENV must be `development` or `production`".into(),
                ));
            }
        };
        let database_url =
            get("DATABASE_URL").ok_or_else(|| ConfigError("DATABASE_URL is required".into()))?;
        let jwt_current = JwtKey {
            kid: get("JWT_KEY_ID").unwrap_or_else(|| "k1".to_owned()),
            secret: read_secret(&get, "JWT_SECRET", environment)?,
        };
        let jwt_previous = match (get("JWT_PREVIOUS_KEY_ID"), get("JWT_PREVIOUS_SECRET")) {
            (Some(kid), Some(secret)) => {
                check_secret_length("JWT_PREVIOUS_SECRET", &secret)?;
                vec![JwtKey {
                    kid,
                    secret: secret.into(),
                }]
            }
            (None, None) => Vec::new(),
            _ => {
                return Err(ConfigError(
                    "JWT_PREVIOUS_KEY_ID and JWT_PREVIOUS_SECRET must be set together".into(),
                ));
            }
        };
        if jwt_previous.iter().any(|k| k.kid == jwt_current.kid) {
            return Err(ConfigError(
                "JWT_PREVIOUS_KEY_ID must differ from JWT_KEY_ID".into(),
            ));
        }
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(_) => return Err(ConfigError("LOG_FORMAT must be `json` or `pretty`".into())),
        };
        let settings = Self {
            environment,
            host: get("HOST").unwrap_or_else(|| "127.0.0.1".to_owned()),
            port: parse(&get, "PORT", 8080)?,
            database_url: database_url.into(),
            db_pool_size: parse(&get, "DB_POOL_SIZE", 4)?,
            db_pool_timeout: Duration::from_millis(parse(&get, "DB_POOL_TIMEOUT_MS", 2000)?),
            run_migrations: parse_bool(&get, "RUN_MIGRATIONS", true)?,
            workers: parse(&get, "WORKERS", default_workers())?,
            jwt_current,
            jwt_previous,
            jwt_issuer: get("JWT_ISSUER").unwrap_or_else(|| "bimtek-api".to_owned()),
            jwt_audience: get("JWT_AUDIENCE").unwrap_or_else(|| "bimtek-api".to_owned()),
            jwt_client_audience: get("JWT_CLIENT_AUDIENCE")
                .unwrap_or_else(|| "bimtek-api-m2m".to_owned()),
            access_token_ttl: Duration::from_secs(parse(&get, "ACCESS_TOKEN_TTL_SECONDS", 900)?),
            client_token_ttl: Duration::from_secs(parse(&get, "CLIENT_TOKEN_TTL_SECONDS", 600)?),
            refresh_token_ttl: Duration::from_secs(parse(
                &get,
                "REFRESH_TOKEN_TTL_SECONDS",
                14 * 24 * 3600,
            )?),
            log_format,
            cors_allowed_origins: get("CORS_ALLOWED_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            max_body_bytes: parse(&get, "MAX_BODY_BYTES", 64 * 1024)?,
            import_max_body_bytes: parse(&get, "IMPORT_MAX_BODY_BYTES", 5 * 1024 * 1024)?,
            import_max_rows: parse(&get, "IMPORT_MAX_ROWS", 10_000)?,
            shutdown_timeout: Duration::from_secs(parse(&get, "SHUTDOWN_TIMEOUT_SECONDS", 15)?),
            client_request_timeout: Duration::from_millis(parse(
                &get,
                "CLIENT_REQUEST_TIMEOUT_MS",
                5000,
            )?),
            auth_cache_ttl: Duration::from_secs(parse(&get, "AUTH_CACHE_SECONDS", 5)?),
            enable_test_routes: false,
            login_max_failures_per_account: parse(&get, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)?,
            login_max_attempts_per_address: parse(&get, "LOGIN_MAX_ATTEMPTS_PER_ADDRESS", 20)?,
            login_failure_delay: Duration::from_millis(parse(&get, "LOGIN_FAILURE_DELAY_MS", 500)?),
            trust_proxy_headers: parse_bool(&get, "TRUST_PROXY_HEADERS", false)?,
            metrics_token: get("METRICS_TOKEN").map(SecretString::from),
            certificate_number_pattern: crate::domain::certificate::NumberPattern::parse(
                &get("CERTIFICATE_NUMBER_PATTERN").unwrap_or_else(|| {
                    crate::domain::certificate::DEFAULT_NUMBER_PATTERN.to_owned()
                }),
            )
            .map_err(|e| ConfigError(format!("CERTIFICATE_NUMBER_PATTERN {e}")))?,
            public_base_url: public_base_url(&get, environment)?,
            pdf_font_dir: get("PDF_FONT_DIR")
                .unwrap_or_else(|| crate::documents::fonts::DEFAULT_FONT_DIR.to_owned())
                .into(),
            idempotency_lease: Duration::from_secs(parse(&get, "IDEMPOTENCY_LEASE_SECONDS", 60)?),
            webhook_worker_enabled: parse_bool(&get, "WEBHOOK_WORKER_ENABLED", true)?,
            webhook_poll_interval: Duration::from_millis(parse(
                &get,
                "WEBHOOK_POLL_INTERVAL_MS",
                1000,
            )?),
            webhook_timeout: Duration::from_millis(parse(&get, "WEBHOOK_TIMEOUT_MS", 5000)?),
            changes_retention_days: parse(&get, "CHANGES_RETENTION_DAYS", 90)?,
            webhook_allow_private_targets: parse_bool(
                &get,
                "WEBHOOK_ALLOW_PRIVATE_TARGETS",
                false,
            )?,
        };
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.db_pool_size == 0 || self.db_pool_size > 100 {
            return Err(ConfigError("DB_POOL_SIZE must be between 1 and 100".into()));
        }
        if self.access_token_ttl < Duration::from_secs(30)
            || self.access_token_ttl > Duration::from_secs(3600)
        {
            return Err(ConfigError(
                "ACCESS_TOKEN_TTL_SECONDS must be between 30 and 3600".into(),
            ));
        }
        if self.client_token_ttl < Duration::from_secs(30)
            || self.client_token_ttl > Duration::from_secs(3600)
        {
            return Err(ConfigError(
                "CLIENT_TOKEN_TTL_SECONDS must be between 30 and 3600".into(),
            ));
        }
        if self.jwt_client_audience == self.jwt_audience {
            return Err(ConfigError(
                "JWT_CLIENT_AUDIENCE must differ from JWT_AUDIENCE: user and service-account tokens must not pass for each other".into(),
            ));
        }
        if self.refresh_token_ttl <= self.access_token_ttl {
            return Err(ConfigError(
                "REFRESH_TOKEN_TTL_SECONDS must be longer than the access-token lifetime".into(),
            ));
        }
        if self.auth_cache_ttl > Duration::from_secs(60) {
            return Err(ConfigError("AUTH_CACHE_SECONDS must be at most 60".into()));
        }
        if self.login_max_failures_per_account == 0 || self.login_max_attempts_per_address == 0 {
            return Err(ConfigError(
                "LOGIN_MAX_FAILURES_PER_ACCOUNT and LOGIN_MAX_ATTEMPTS_PER_ADDRESS must be at least 1".into(),
            ));
        }
        if self.login_failure_delay > Duration::from_secs(5) {
            return Err(ConfigError(
                "LOGIN_FAILURE_DELAY_MS must be at most 5000".into(),
            ));
        }
        if self.client_request_timeout < Duration::from_millis(100)
            || self.client_request_timeout > Duration::from_secs(60)
        {
            return Err(ConfigError(
                "CLIENT_REQUEST_TIMEOUT_MS must be between 100 and 60000".into(),
            ));
        }
        if self.idempotency_lease < Duration::from_secs(5)
            || self.idempotency_lease > Duration::from_secs(3600)
        {
            return Err(ConfigError(
                "IDEMPOTENCY_LEASE_SECONDS must be between 5 and 3600".into(),
            ));
        }
        if self.webhook_poll_interval < Duration::from_millis(10)
            || self.webhook_poll_interval > Duration::from_secs(60)
        {
            return Err(ConfigError(
                "WEBHOOK_POLL_INTERVAL_MS must be between 10 and 60000".into(),
            ));
        }
        if self.webhook_timeout < Duration::from_millis(100)
            || self.webhook_timeout > Duration::from_secs(30)
        {
            return Err(ConfigError(
                "WEBHOOK_TIMEOUT_MS must be between 100 and 30000".into(),
            ));
        }
        if self.changes_retention_days > 36_500 {
            return Err(ConfigError(
                "CHANGES_RETENTION_DAYS must be between 0 (keep every change) and 36500".into(),
            ));
        }
        if self.import_max_rows == 0 || self.import_max_rows > 100_000 {
            return Err(ConfigError(
                "IMPORT_MAX_ROWS must be between 1 and 100000".into(),
            ));
        }
        if self.workers == 0 {
            return Err(ConfigError("WORKERS must be at least 1".into()));
        }
        if !(self.public_base_url.starts_with("http://")
            || self.public_base_url.starts_with("https://"))
            || self.public_base_url.contains(['?', '#', ' '])
        {
            return Err(ConfigError(
                "PUBLIC_BASE_URL must be an http(s) URL without query or fragment, e.g. https://bimtek.example.go.id"
                    .into(),
            ));
        }
        for origin in &self.cors_allowed_origins {
            if origin == "*" || !(origin.starts_with("http://") || origin.starts_with("https://")) {
                return Err(ConfigError(format!(
                    "CORS_ALLOWED_ORIGINS entries must be http(s) origins, not wildcards: `{origin}`"
                )));
            }
        }
        Ok(())
    }

    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }
}

/// `PUBLIC_BASE_URL`: required in production, where certificates' QR codes must point to the service's public
/// address; development falls back to `http://localhost:8080`.
fn public_base_url(
    get: &impl Fn(&str) -> Option<String>,
    environment: Environment,
) -> Result<String, ConfigError> {
    let url = match (get("PUBLIC_BASE_URL"), environment) {
        (Some(url), _) => url,
        (None, Environment::Development) => "http://localhost:8080".to_owned(),
        (None, Environment::Production) => {
            return Err(ConfigError(
                "PUBLIC_BASE_URL is required outside development mode (APP_ENV=development): the QR codes of \
                 certificates point to {PUBLIC_BASE_URL}/verify/{code}, so it must be the service's public \
                 address, e.g. https://bimtek.example.go.id"
                    .into(),
            ));
        }
    };
    Ok(url.trim().trim_end_matches('/').to_owned())
}

fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
}

fn check_secret_length(name: &str, secret: &str) -> Result<(), ConfigError> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(ConfigError(format!(
            "{name} must be at least {MIN_SECRET_BYTES} bytes long (it has {}); generate one with `openssl rand -base64 48`",
            secret.len()
        )));
    }
    Ok(())
}

/// The JWT secret comes from `JWT_SECRET` or from the file named by `JWT_SECRET_FILE`. Outside development a
/// missing or short secret is fatal; in development a missing one is replaced by a random per-process secret.
fn read_secret(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    environment: Environment,
) -> Result<SecretString, ConfigError> {
    let file_var = format!("{name}_FILE");
    let value = match (get(name), get(&file_var)) {
        (Some(_), Some(_)) => {
            return Err(ConfigError(format!(
                "set either {name} or {file_var}, not both"
            )));
        }
        (Some(v), None) => Some(v),
        (None, Some(path)) => Some(
            std::fs::read_to_string(&path)
                .map_err(|e| ConfigError(format!("{file_var}: cannot read the file: {e}")))?
                .trim_end_matches(['\n', '\r'])
                .to_owned(),
        ),
        (None, None) => None,
    };
    match (value, environment) {
        (Some(v), _) => {
            check_secret_length(name, &v)?;
            Ok(v.into())
        }
        (None, Environment::Development) => Ok(crate::auth::tokens::random_token(48).into()),
        (None, Environment::Production) => Err(ConfigError(format!(
            "{name} (or {file_var}) is required outside development mode (APP_ENV=development)"
        ))),
    }
}

fn parse<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: T,
) -> Result<T, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| ConfigError(format!("{name} has an invalid value `{v}`"))),
    }
}

fn parse_bool(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(name).as_deref().map(str::trim) {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(v) => Err(ConfigError(format!(
            "{name} must be true or false, not `{v}`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const URL: (&str, &str) = ("DATABASE_URL", "postgres://localhost/x");
    const SECRET: (&str, &str) = ("JWT_SECRET", "0123456789abcdef0123456789abcdef");
    const BASE: (&str, &str) = ("PUBLIC_BASE_URL", "https://bimtek.example.go.id");

    #[test]
    fn production_refuses_a_missing_secret() {
        let err = Settings::from_lookup(lookup(&[URL])).err().map(|e| e.0);
        assert!(err.is_some_and(|m| m.contains("JWT_SECRET")));
    }

    #[test]
    fn production_refuses_a_short_secret() {
        let err = Settings::from_lookup(lookup(&[URL, ("JWT_SECRET", "too-short")]))
            .err()
            .map(|e| e.0);
        assert!(err.is_some_and(|m| m.contains("at least 32 bytes") && !m.contains("too-short")));
    }

    #[test]
    fn development_generates_a_secret_when_none_is_set() {
        let s = Settings::from_lookup(lookup(&[URL, ("APP_ENV", "development")]));
        assert!(s.is_ok_and(|s| s.jwt_current.secret.expose_secret().len() >= 32));
    }

    #[test]
    fn development_still_refuses_a_short_secret() {
        let s = Settings::from_lookup(lookup(&[
            URL,
            ("APP_ENV", "development"),
            ("JWT_SECRET", "short"),
        ]));
        assert!(s.is_err());
    }

    #[test]
    fn wildcard_cors_is_refused() {
        let s = Settings::from_lookup(lookup(&[
            URL,
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("CORS_ALLOWED_ORIGINS", "*"),
            BASE,
        ]));
        assert!(s.is_err());
    }

    #[test]
    fn a_certificate_number_pattern_without_a_year_is_refused_at_start_up() {
        let err = Settings::from_lookup(lookup(&[
            URL,
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("CERTIFICATE_NUMBER_PATTERN", "{seq}/BIMTEK"),
            BASE,
        ]))
        .err()
        .map(|e| e.0);
        assert!(err.is_some_and(|m| {
            m.contains("CERTIFICATE_NUMBER_PATTERN must contain {seq} and {year}")
        }));
        let ok = Settings::from_lookup(lookup(&[
            URL,
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            (
                "CERTIFICATE_NUMBER_PATTERN",
                "{seq:4}/{unit_code}/{month_roman}/{year}",
            ),
            ("PUBLIC_BASE_URL", "https://bimtek.example.go.id/"),
        ]));
        assert!(ok.is_ok_and(|s| s.public_base_url == "https://bimtek.example.go.id"));
        let bad_url = Settings::from_lookup(lookup(&[
            URL,
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("PUBLIC_BASE_URL", "bimtek.example.go.id"),
        ]));
        assert!(bad_url.is_err());
    }

    #[test]
    fn production_refuses_to_start_without_a_public_base_url() {
        let err = Settings::from_lookup(lookup(&[URL, SECRET]))
            .err()
            .map(|e| e.0);
        assert!(
            err.as_deref()
                .is_some_and(|m| m.contains("PUBLIC_BASE_URL is required")
                    && m.contains("APP_ENV=development")),
            "{err:?}"
        );
        let dev = Settings::from_lookup(lookup(&[URL, ("APP_ENV", "development")]));
        assert!(
            dev.is_ok_and(|s| s.public_base_url == "http://localhost:8080"
                && s.pdf_font_dir == std::path::Path::new("/usr/share/fonts/truetype/dejavu"))
        );
        let set =
            Settings::from_lookup(lookup(&[URL, SECRET, BASE, ("PDF_FONT_DIR", "/opt/fonts")]));
        assert!(set.is_ok_and(|s| s.pdf_font_dir == std::path::Path::new("/opt/fonts")));
    }

    #[test]
    fn defaults_are_sane() {
        let s = Settings::from_lookup(lookup(&[
            URL,
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            BASE,
        ]));
        let s = s.ok();
        assert!(s.as_ref().is_some_and(|s| s.port == 8080
            && s.db_pool_timeout == Duration::from_secs(2)
            && s.log_format == LogFormat::Json));
    }
}
