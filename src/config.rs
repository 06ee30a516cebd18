//! Settings from the environment. Secrets are `SecretString`s: they never reach `Debug` output or logs.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::domain::lifecycle::FollowUpWindow;

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
    /// How long after its rotation a spent refresh token still answers the pair it was rotated into
    /// (`REFRESH_REUSE_GRACE_SECONDS`, default 10; 0: any reuse revokes the login).
    pub refresh_reuse_grace: Duration,
    /// How long after an event its follow-ups and evaluations can be created, opened and answered
    /// (`FOLLOW_UP_WINDOW_MONTHS`, 1 to 60, default 12).
    pub follow_up_window: FollowUpWindow,
    /// How long the activation code of a participant account issued in bulk stays valid
    /// (`ACTIVATION_CODE_DAYS`, 1 to 90, default 14).
    pub activation_validity: crate::domain::activation::ActivationValidity,
    /// The yearly JP rules of the ledger (`JP_MINIMUM_PNS`, default 20; `JP_CEILING_PPPK`, default 24; 1 to 1000).
    pub jp_rules: crate::domain::jp::JpRules,
    /// The SIASN kind (`jenisDiklatId`, `jenisKursus`) of each event kind in the riwayat kursus export
    /// (`SIASN_COURSE_KINDS`, `kind=code:name;...` over the defaults of `domain::siasn::KindMap`).
    pub siasn_kinds: crate::domain::siasn::KindMap,
    /// The address printed on activation slips, where an officer activates their account
    /// (`ACTIVATION_URL`; default `{PUBLIC_BASE_URL}/aktivasi`, this service's own page).
    pub activation_url: String,
    pub log_format: LogFormat,
    pub cors_allowed_origins: Vec<String>,
    /// Request headers a cross-origin frontend may send beyond the built-in list (`CORS_ALLOWED_HEADERS`, a comma
    /// list of header names, lower-cased).
    pub cors_allowed_headers: Vec<String>,
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
    /// Login throttling: failed logins per account per minute, failed logins per client address per minute,
    /// attempts (failed or not) per client address per minute, the delay added per failure beyond the third, and
    /// whether `X-Forwarded-For` names the client (behind a proxy only). See `service::throttle`.
    pub login_max_failures_per_account: u32,
    pub login_max_failures_per_address: u32,
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
    /// Retention (`service::retention`, README "Retention"): days the audit log keeps an entry of a change
    /// (`AUDIT_LOG_RETENTION_DAYS`, 1825) and an access event (`ACCESS_EVENT_RETENTION_DAYS`, 730), days a finished
    /// webhook delivery stays in the log (`WEBHOOK_DELIVERY_RETENTION_DAYS`, 30), days an expired refresh token is
    /// kept (`REFRESH_TOKEN_RETENTION_DAYS`, 14); 0 keeps forever (refresh tokens: deleted at expiry). How often
    /// the worker's maintenance round runs (`MAINTENANCE_INTERVAL_SECONDS`, 600).
    pub audit_log_retention_days: u32,
    pub access_event_retention_days: u32,
    pub webhook_delivery_retention_days: u32,
    pub refresh_token_retention_days: u32,
    pub maintenance_interval: Duration,
    pub webhook_timeout: Duration,
    pub webhook_allow_private_targets: bool,
    /// The keys that seal webhook signing secrets at rest (`WEBHOOK_SECRET_KEY` or `WEBHOOK_SECRET_KEY_FILE`, id
    /// `WEBHOOK_SECRET_KEY_ID`, retired keys `WEBHOOK_SECRET_KEYS_OLD`); required outside development.
    pub webhook_secret_keys: crate::webhooks::secrets::SecretKeys,
    /// The algorithm that signs new credentials and status lists (`CREDENTIAL_SIGNING_ALG`: `RS256`, the default
    /// and the one Open Badges 3.0 requires every verifier to support, or `EdDSA`).
    pub credential_signing_alg: crate::credentials::keys::KeyAlg,
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
        let webhook_secret_keys = webhook_secret_keys(&get, environment)?;
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(_) => return Err(ConfigError("LOG_FORMAT must be `json` or `pretty`".into())),
        };
        let mut settings = Self {
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
            refresh_reuse_grace: Duration::from_secs(parse(
                &get,
                "REFRESH_REUSE_GRACE_SECONDS",
                10,
            )?),
            follow_up_window: {
                let months = parse(
                    &get,
                    "FOLLOW_UP_WINDOW_MONTHS",
                    FollowUpWindow::DEFAULT_MONTHS,
                )?;
                FollowUpWindow::months(months).ok_or_else(|| {
                    ConfigError(format!(
                        "FOLLOW_UP_WINDOW_MONTHS must be between 1 and {}",
                        FollowUpWindow::MAX_MONTHS
                    ))
                })?
            },
            activation_validity: {
                use crate::domain::activation::ActivationValidity;
                let days = parse(
                    &get,
                    "ACTIVATION_CODE_DAYS",
                    ActivationValidity::DEFAULT_DAYS,
                )?;
                ActivationValidity::days(days).ok_or_else(|| {
                    ConfigError(format!(
                        "ACTIVATION_CODE_DAYS must be between 1 and {}",
                        ActivationValidity::MAX_DAYS
                    ))
                })?
            },
            activation_url: String::new(),
            jp_rules: {
                let defaults = crate::domain::jp::JpRules::default();
                let minimum_pns: u16 = parse(&get, "JP_MINIMUM_PNS", defaults.minimum_pns)?;
                let ceiling_pppk: u16 = parse(&get, "JP_CEILING_PPPK", defaults.ceiling_pppk)?;
                for (name, value) in [
                    ("JP_MINIMUM_PNS", minimum_pns),
                    ("JP_CEILING_PPPK", ceiling_pppk),
                ] {
                    if !(1..=1000).contains(&value) {
                        return Err(ConfigError(format!("{name} must be between 1 and 1000")));
                    }
                }
                crate::domain::jp::JpRules {
                    minimum_pns,
                    ceiling_pppk,
                }
            },
            siasn_kinds: match get("SIASN_COURSE_KINDS") {
                None => crate::domain::siasn::KindMap::default(),
                Some(spec) => crate::domain::siasn::KindMap::parse(&spec)
                    .map_err(|e| ConfigError(format!("SIASN_COURSE_KINDS: {e}")))?,
            },
            log_format,
            cors_allowed_headers: get("CORS_ALLOWED_HEADERS")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_ascii_lowercase())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
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
            login_max_failures_per_address: parse(&get, "LOGIN_MAX_FAILURES_PER_ADDRESS", 20)?,
            login_max_attempts_per_address: parse(&get, "LOGIN_MAX_ATTEMPTS_PER_ADDRESS", 600)?,
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
            audit_log_retention_days: parse(&get, "AUDIT_LOG_RETENTION_DAYS", 1825)?,
            access_event_retention_days: parse(&get, "ACCESS_EVENT_RETENTION_DAYS", 730)?,
            webhook_delivery_retention_days: parse(&get, "WEBHOOK_DELIVERY_RETENTION_DAYS", 30)?,
            refresh_token_retention_days: parse(&get, "REFRESH_TOKEN_RETENTION_DAYS", 14)?,
            maintenance_interval: Duration::from_secs(parse(
                &get,
                "MAINTENANCE_INTERVAL_SECONDS",
                600,
            )?),
            webhook_allow_private_targets: parse_bool(
                &get,
                "WEBHOOK_ALLOW_PRIVATE_TARGETS",
                false,
            )?,
            webhook_secret_keys,
            credential_signing_alg: match get("CREDENTIAL_SIGNING_ALG").as_deref() {
                None => crate::credentials::keys::KeyAlg::Rs256,
                Some(text) => crate::credentials::keys::KeyAlg::parse(text).ok_or_else(|| {
                    ConfigError("CREDENTIAL_SIGNING_ALG must be `RS256` or `EdDSA`".into())
                })?,
            },
        };
        settings.activation_url = match get("ACTIVATION_URL") {
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => url,
            Some(_) => {
                return Err(ConfigError(
                    "ACTIVATION_URL must be an http:// or https:// address".into(),
                ));
            }
            None => format!("{}/aktivasi", settings.public_base_url),
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
        if self.login_max_failures_per_account == 0 {
            return Err(ConfigError(
                "LOGIN_MAX_FAILURES_PER_ACCOUNT must be at least 1".into(),
            ));
        }
        for (name, value) in [
            (
                "LOGIN_MAX_FAILURES_PER_ADDRESS",
                self.login_max_failures_per_address,
            ),
            (
                "LOGIN_MAX_ATTEMPTS_PER_ADDRESS",
                self.login_max_attempts_per_address,
            ),
        ] {
            if !(1..=MAX_LOGIN_LIMIT).contains(&value) {
                return Err(ConfigError(format!(
                    "{name} must be between 1 and {MAX_LOGIN_LIMIT}"
                )));
            }
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
        // The audit log answers "who changed what" (UU PDP art. 31) and access events "which records were read"
        // (art. 46): a typo must not delete them after a day.
        if self.audit_log_retention_days != 0
            && !(365..=36_500).contains(&self.audit_log_retention_days)
        {
            return Err(ConfigError(
                "AUDIT_LOG_RETENTION_DAYS must be 0 (keep every entry) or between 365 and 36500"
                    .into(),
            ));
        }
        if self.access_event_retention_days != 0
            && !(90..=36_500).contains(&self.access_event_retention_days)
        {
            return Err(ConfigError(
                "ACCESS_EVENT_RETENTION_DAYS must be 0 (keep every event) or between 90 and 36500"
                    .into(),
            ));
        }
        if self.webhook_delivery_retention_days > 36_500 {
            return Err(ConfigError(
                "WEBHOOK_DELIVERY_RETENTION_DAYS must be between 0 (keep every delivery) and 36500"
                    .into(),
            ));
        }
        if self.refresh_token_retention_days > 365 {
            return Err(ConfigError(
                "REFRESH_TOKEN_RETENTION_DAYS must be between 0 (delete at expiry) and 365".into(),
            ));
        }
        if self.maintenance_interval < Duration::from_secs(10)
            || self.maintenance_interval > Duration::from_secs(86_400)
        {
            return Err(ConfigError(
                "MAINTENANCE_INTERVAL_SECONDS must be between 10 and 86400".into(),
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
        for name in &self.cors_allowed_headers {
            if name == "*"
                || actix_web::http::header::HeaderName::from_bytes(name.as_bytes()).is_err()
            {
                return Err(ConfigError(format!(
                    "CORS_ALLOWED_HEADERS entries must be header names, not wildcards: `{name}`"
                )));
            }
        }
        if self.refresh_reuse_grace > Duration::from_secs(60) {
            return Err(ConfigError(
                "REFRESH_REUSE_GRACE_SECONDS must be between 0 (off) and 60".into(),
            ));
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

/// The value of `name`, or the content of the file named by `{name}_FILE` (without its final line break); both
/// set is an error.
fn read_value_or_file(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
) -> Result<Option<String>, ConfigError> {
    let file_var = format!("{name}_FILE");
    Ok(match (get(name), get(&file_var)) {
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
    })
}

/// The JWT secret comes from `JWT_SECRET` or from the file named by `JWT_SECRET_FILE`. Outside development a
/// missing or short secret is fatal; in development a missing one is replaced by a random per-process secret.
fn read_secret(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    environment: Environment,
) -> Result<SecretString, ConfigError> {
    let file_var = format!("{name}_FILE");
    let value = read_value_or_file(get, name)?;
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

/// The keys of the webhook secrets at rest, from the process environment (`APP_ENV` and the `WEBHOOK_SECRET_*`
/// variables only), for the `reencrypt-webhook-secrets` command.
pub fn webhook_secret_keys_from_env() -> Result<crate::webhooks::secrets::SecretKeys, ConfigError> {
    let get = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
    let environment = match get("APP_ENV").as_deref() {
        Some("development") | Some("dev") => Environment::Development,
        _ => Environment::Production,
    };
    webhook_secret_keys(&get, environment)
}

/// The keys of the webhook secrets at rest. Outside development a missing key is fatal; in development the fixed
/// development key stands in (the server warns at start).
fn webhook_secret_keys(
    get: &impl Fn(&str) -> Option<String>,
    environment: Environment,
) -> Result<crate::webhooks::secrets::SecretKeys, ConfigError> {
    use crate::webhooks::secrets::SecretKeys;
    let id = get("WEBHOOK_SECRET_KEY_ID").unwrap_or_else(|| "k1".to_owned());
    let old = get("WEBHOOK_SECRET_KEYS_OLD");
    match (read_value_or_file(get, "WEBHOOK_SECRET_KEY")?, environment) {
        (Some(key), _) => SecretKeys::parse(id.trim(), &key, old.as_deref()).map_err(|e| {
            ConfigError(format!(
                "WEBHOOK_SECRET_KEY, WEBHOOK_SECRET_KEY_ID or WEBHOOK_SECRET_KEYS_OLD: {e}"
            ))
        }),
        (None, Environment::Development) if old.is_none() => Ok(SecretKeys::development()),
        (None, Environment::Development) => Err(ConfigError(
            "WEBHOOK_SECRET_KEYS_OLD needs a current WEBHOOK_SECRET_KEY".into(),
        )),
        (None, Environment::Production) => Err(ConfigError(
            "WEBHOOK_SECRET_KEY (or WEBHOOK_SECRET_KEY_FILE) is required outside development mode: the key that \
             encrypts webhook signing secrets at rest, 32 bytes in base64 or hex (`openssl rand -base64 32`)"
                .into(),
        )),
    }
}

/// The largest per-address login limit: high enough to switch a limit off in effect (load tests), low enough that
/// a typo of many digits is caught at start-up.
const MAX_LOGIN_LIMIT: u32 = 1_000_000;

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
    const JWT: (&str, &str) = ("JWT_SECRET", "0123456789abcdef0123456789abcdef");
    const SECRET: (&str, &str) = JWT;
    const KEY: (&str, &str) = (
        "WEBHOOK_SECRET_KEY",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    );
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
            KEY,
            ("CORS_ALLOWED_ORIGINS", "*"),
            BASE,
        ]));
        assert!(s.is_err());
    }

    #[test]
    fn extra_cors_headers_are_header_names() {
        let settings = |value: &str| {
            Settings::from_lookup(lookup(&[
                URL,
                ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
                KEY,
                BASE,
                ("CORS_ALLOWED_HEADERS", value),
            ]))
        };
        assert!(
            settings(" X-Tenant , x-client-version,")
                .is_ok_and(|s| s.cors_allowed_headers == ["x-tenant", "x-client-version"])
        );
        for bad in ["*", "x tenant", "x-tenant, bad:header", "é"] {
            let err = settings(bad).err().map(|e| e.0);
            assert!(
                err.is_some_and(|m| m.contains("CORS_ALLOWED_HEADERS")),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_follow_up_window_defaults_to_twelve_months_and_is_bounded() {
        let settings = |value: Option<&str>| {
            let mut pairs = vec![URL, SECRET, KEY, BASE];
            pairs.extend(value.map(|v| ("FOLLOW_UP_WINDOW_MONTHS", v)));
            Settings::from_lookup(lookup(&pairs))
        };
        assert!(settings(None).is_ok_and(|s| s.follow_up_window.len_months() == 12));
        assert!(settings(Some("6")).is_ok_and(|s| s.follow_up_window.len_months() == 6));
        for bad in ["0", "61", "-1", "twelve"] {
            let err = settings(Some(bad)).err().map(|e| e.0);
            assert!(
                err.is_some_and(|m| m.contains("FOLLOW_UP_WINDOW_MONTHS")),
                "{bad}"
            );
        }
    }

    #[test]
    fn activation_codes_last_fourteen_days_and_point_to_the_own_page_by_default() {
        let settings = |pairs: &[(&'static str, &'static str)]| {
            let mut all = vec![URL, SECRET, KEY, BASE];
            all.extend_from_slice(pairs);
            Settings::from_lookup(lookup(&all))
        };
        let default = settings(&[]);
        assert!(
            default
                .as_ref()
                .is_ok_and(|s| s.activation_validity.len_days() == 14)
        );
        assert!(default.is_ok_and(
            |s| s.activation_url.ends_with("/aktivasi") && s.activation_url.starts_with("http")
        ));
        assert!(
            settings(&[("ACTIVATION_CODE_DAYS", "30")])
                .is_ok_and(|s| s.activation_validity.len_days() == 30)
        );
        assert!(
            settings(&[("ACTIVATION_URL", "https://bimtek.example.go.id/aktivasi")])
                .is_ok_and(|s| s.activation_url == "https://bimtek.example.go.id/aktivasi")
        );
        for (name, bad) in [
            ("ACTIVATION_CODE_DAYS", "0"),
            ("ACTIVATION_CODE_DAYS", "91"),
            ("ACTIVATION_URL", "bimtek.example.go.id"),
        ] {
            let err = settings(&[(name, bad)]).err().map(|e| e.0);
            assert!(err.is_some_and(|m| m.contains(name)), "{name}={bad}");
        }
    }

    #[test]
    fn the_refresh_grace_window_defaults_to_ten_seconds_and_is_bounded() {
        let settings = |value: Option<&str>| {
            let mut pairs = vec![URL, SECRET, KEY, BASE];
            pairs.extend(value.map(|v| ("REFRESH_REUSE_GRACE_SECONDS", v)));
            Settings::from_lookup(lookup(&pairs))
        };
        assert!(settings(None).is_ok_and(|s| s.refresh_reuse_grace == Duration::from_secs(10)));
        assert!(settings(Some("0")).is_ok_and(|s| s.refresh_reuse_grace.is_zero()));
        assert!(settings(Some("61")).is_err());
        assert!(settings(Some("-1")).is_err());
    }

    #[test]
    fn a_certificate_number_pattern_without_a_year_is_refused_at_start_up() {
        let err = Settings::from_lookup(lookup(&[
            URL,
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            KEY,
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
            KEY,
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
            KEY,
            ("PUBLIC_BASE_URL", "bimtek.example.go.id"),
        ]));
        assert!(bad_url.is_err());
    }

    #[test]
    fn production_refuses_to_start_without_a_public_base_url() {
        let err = Settings::from_lookup(lookup(&[URL, SECRET, KEY]))
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
        let set = Settings::from_lookup(lookup(&[
            URL,
            SECRET,
            KEY,
            BASE,
            ("PDF_FONT_DIR", "/opt/fonts"),
        ]));
        assert!(set.is_ok_and(|s| s.pdf_font_dir == std::path::Path::new("/opt/fonts")));
    }

    #[test]
    fn defaults_are_sane() {
        let s = Settings::from_lookup(lookup(&[
            URL,
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            KEY,
            BASE,
        ]));
        let s = s.ok();
        assert!(s.as_ref().is_some_and(|s| s.port == 8080
            && s.db_pool_timeout == Duration::from_secs(2)
            && s.log_format == LogFormat::Json));
    }

    #[test]
    fn production_refuses_to_start_without_the_webhook_secret_key() {
        let err = Settings::from_lookup(lookup(&[URL, JWT]))
            .err()
            .map(|e| e.0);
        assert!(
            err.as_deref()
                .is_some_and(|m| m.contains("WEBHOOK_SECRET_KEY") && m.contains("openssl rand")),
            "{err:?}"
        );
        let ok = Settings::from_lookup(lookup(&[URL, JWT, KEY, BASE]));
        assert!(ok.is_ok_and(|s| s.webhook_secret_keys.current_id() == "k1"
            && !s.webhook_secret_keys.is_development()));
    }

    #[test]
    fn development_uses_the_fixed_development_key_when_none_is_set() {
        let s = Settings::from_lookup(lookup(&[URL, ("APP_ENV", "development")]));
        assert!(s.is_ok_and(|s| s.webhook_secret_keys.is_development()
            && s.webhook_secret_keys.current_id() == "dev"));
    }

    #[test]
    fn webhook_keys_are_checked_and_never_shown() {
        let k2 = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";
        let rotated = Settings::from_lookup(lookup(&[
            URL,
            JWT,
            BASE,
            ("WEBHOOK_SECRET_KEY", k2),
            ("WEBHOOK_SECRET_KEY_ID", "k2"),
            ("WEBHOOK_SECRET_KEYS_OLD", &format!("k1:{}", KEY.1)),
        ]));
        let rotated = rotated.ok();
        assert!(
            rotated
                .as_ref()
                .is_some_and(|s| s.webhook_secret_keys.current_id() == "k2")
        );
        let shown = format!("{rotated:?}");
        assert!(!shown.contains(k2) && !shown.contains(KEY.1), "{shown}");
        for bad in [
            vec![URL, JWT, ("WEBHOOK_SECRET_KEY", "c2hvcnQ=")],
            vec![URL, JWT, KEY, ("WEBHOOK_SECRET_KEY_ID", "no spaces")],
            vec![
                URL,
                JWT,
                KEY,
                (
                    "WEBHOOK_SECRET_KEYS_OLD",
                    "k1:KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=",
                ),
            ],
            vec![URL, JWT, KEY, ("WEBHOOK_SECRET_KEYS_OLD", "c2hvcnQ=")],
            vec![URL, JWT, KEY, ("WEBHOOK_SECRET_KEY_FILE", "/nonexistent")],
        ] {
            let err = Settings::from_lookup(lookup(&bad)).err().map(|e| e.0);
            assert!(
                err.as_deref()
                    .is_some_and(|m| m.contains("WEBHOOK_SECRET_KEY")
                        && !m.contains("c2hvcnQ")
                        && !m.contains(KEY.1)),
                "{bad:?}: {err:?}"
            );
        }
    }

    #[test]
    fn the_webhook_key_can_come_from_a_file() {
        let path = std::env::temp_dir().join(format!("bimtek-key-{}", std::process::id()));
        assert!(std::fs::write(&path, format!("{}\n", KEY.1)).is_ok());
        let file = path.to_string_lossy().into_owned();
        let s = Settings::from_lookup(lookup(&[
            URL,
            JWT,
            BASE,
            ("WEBHOOK_SECRET_KEY_FILE", &file),
        ]));
        let _ = std::fs::remove_file(&path);
        assert!(s.is_ok_and(|s| s.webhook_secret_keys.current_id() == "k1"));
    }

    #[test]
    fn retention_periods_have_sane_defaults_and_bounds() {
        let s = Settings::from_lookup(lookup(&[URL, JWT, KEY, BASE])).ok();
        assert!(s.is_some_and(|s| s.changes_retention_days == 90
            && s.audit_log_retention_days == 1825
            && s.access_event_retention_days == 730
            && s.webhook_delivery_retention_days == 30
            && s.refresh_token_retention_days == 14
            && s.maintenance_interval == Duration::from_secs(600)));
        for (name, good, bad) in [
            (
                "AUDIT_LOG_RETENTION_DAYS",
                ["0", "365", "36500"],
                ["1", "364", "36501"],
            ),
            (
                "ACCESS_EVENT_RETENTION_DAYS",
                ["0", "90", "36500"],
                ["30", "89", "36501"],
            ),
            (
                "WEBHOOK_DELIVERY_RETENTION_DAYS",
                ["0", "1", "36500"],
                ["36501", "-1", "x"],
            ),
            (
                "REFRESH_TOKEN_RETENTION_DAYS",
                ["0", "1", "365"],
                ["366", "-1", "1.5"],
            ),
            (
                "MAINTENANCE_INTERVAL_SECONDS",
                ["10", "600", "86400"],
                ["0", "9", "86401"],
            ),
            (
                "CHANGES_RETENTION_DAYS",
                ["0", "1", "36500"],
                ["36501", "-1", "x"],
            ),
        ] {
            for value in good {
                let s = Settings::from_lookup(lookup(&[URL, JWT, KEY, BASE, (name, value)]));
                assert!(s.is_ok(), "{name}={value}");
            }
            for value in bad {
                let err = Settings::from_lookup(lookup(&[URL, JWT, KEY, BASE, (name, value)]))
                    .err()
                    .map(|e| e.0);
                assert!(
                    err.as_deref().is_some_and(|m| m.contains(name)),
                    "{name}={value}: {err:?}"
                );
            }
        }
    }

    #[test]
    fn the_per_address_login_limits_count_failures_tightly_and_every_attempt_loosely() {
        let s = Settings::from_lookup(lookup(&[URL, JWT, KEY, BASE])).ok();
        assert!(s.is_some_and(|s| s.login_max_failures_per_address == 20
            && s.login_max_attempts_per_address == 600
            && s.login_max_failures_per_account == 5));
        for name in [
            "LOGIN_MAX_FAILURES_PER_ADDRESS",
            "LOGIN_MAX_ATTEMPTS_PER_ADDRESS",
        ] {
            for value in ["1", "20", "1000000"] {
                let s = Settings::from_lookup(lookup(&[URL, JWT, KEY, BASE, (name, value)]));
                assert!(s.is_ok(), "{name}={value}");
            }
            for value in ["0", "1000001", "-1", "x", "2.5"] {
                let err = Settings::from_lookup(lookup(&[URL, JWT, KEY, BASE, (name, value)]))
                    .err()
                    .map(|e| e.0);
                assert!(
                    err.as_deref().is_some_and(|m| m.contains(name)),
                    "{name}={value}: {err:?}"
                );
            }
        }
        let zero = Settings::from_lookup(lookup(&[
            URL,
            JWT,
            KEY,
            BASE,
            ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "0"),
        ]))
        .err()
        .map(|e| e.0);
        assert!(zero.is_some_and(|m| m.contains("LOGIN_MAX_FAILURES_PER_ACCOUNT")));
    }
}
