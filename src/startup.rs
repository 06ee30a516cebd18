//! `Application::build`: the one way the server is assembled, used by `main` and by the tests (on port 0).

use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::{Method, header};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use secrecy::ExposeSecret;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::api::{self, fallback};
use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::db;
use crate::error::{ApiError, FieldError};
use crate::middleware;
use crate::openapi::ApiDoc;
use crate::state::AppState;
use crate::telemetry::RequestSpan;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error(
        "cannot reach the database to run migrations (is DATABASE_URL right and PostgreSQL up?)"
    )]
    Database,
    #[error("{0}")]
    Api(#[from] ApiError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Fonts(#[from] crate::documents::FontError),
}

/// The OpenAPI document of the service, built from the same route registration as the server.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut openapi = crate::openapi::finish(
        App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .configure(api::routes)
            .split_for_parts()
            .1,
    );
    crate::openapi::document_idempotency_key(&mut openapi);
    openapi
}

/// How long the start-up waits for the database before it gives up (PostgreSQL starting beside the service, as in
/// docker-compose, or a loaded machine where a first connection takes longer than the pool's checkout timeout).
const DATABASE_STARTUP_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// A connection for the migrations: checked out again, each time with the pool's timeout, until
/// [`DATABASE_STARTUP_WAIT`] has passed.
fn startup_connection(
    pool: &db::DbPool,
) -> Result<diesel::r2d2::PooledConnection<db::Manager>, StartupError> {
    let deadline = std::time::Instant::now() + DATABASE_STARTUP_WAIT;
    loop {
        match pool.get() {
            Ok(conn) => return Ok(conn),
            Err(_) if std::time::Instant::now() < deadline => {
                tracing::warn!("the database does not answer yet; waiting");
            }
            Err(_) => return Err(StartupError::Database),
        }
    }
}

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    /// What the final flush of the access events needs.
    flush: (
        db::DbPool,
        std::sync::Arc<crate::service::audit_log::AccessLog>,
    ),
    settings: Settings,
}

impl Application {
    pub fn build(settings: Settings) -> Result<Self, StartupError> {
        // The fonts of printed documents first: without them no certificate could be printed.
        let fonts = std::sync::Arc::new(crate::documents::Fonts::load(&settings.pdf_font_dir)?);
        let pool = db::build_pool(&settings);
        if settings.run_migrations {
            let mut conn = startup_connection(&pool)?;
            let applied = db::run_migrations(&mut conn)?;
            if applied > 0 {
                tracing::info!(migrations.applied = applied, "database migrated");
            }
        }
        seal_legacy_webhook_secrets(&pool, &settings);
        let jwt = JwtKeys::from_settings(&settings);
        jwt.self_test()?;
        let addr = format!("{}:{}", settings.host, settings.port);
        let listener = TcpListener::bind(&addr).map_err(|source| StartupError::Bind {
            addr: addr.clone(),
            source,
        })?;
        let port = listener.local_addr()?.port();
        let workers = settings.workers;
        // As many blocking threads as the pool has connections: requests queue in the runtime instead of
        // contending for connections on r2d2's lock, which costs context switches (measured).
        let blocking_threads = (settings.db_pool_size as usize).div_ceil(workers) + 1;
        let shutdown = settings.shutdown_timeout.as_secs();
        let client_request_timeout = settings.client_request_timeout;
        let access_log = crate::service::audit_log::AccessLog::new();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(std::sync::Arc::clone(&access_log).run_flusher(pool.clone()));
        } else {
            tracing::warn!("no async runtime: access events will be written only at shutdown");
        }
        let cursor_keys = crate::service::changes::CursorKeys::new(
            std::iter::once(&settings.jwt_current)
                .chain(&settings.jwt_previous)
                .map(|key| key.secret.expose_secret().as_bytes()),
        );
        let flush = (pool.clone(), std::sync::Arc::clone(&access_log));
        let worker_settings = settings.clone();
        let state = web::Data::new(AppState {
            fonts,
            access_log,
            cursor_keys,
            pool,
            jwt,
            auth_cache: crate::auth::AuthCache::new(settings.auth_cache_ttl),
            login_limiter: crate::ratelimit::LoginLimiter::new(&settings),
            metrics: std::sync::Arc::new(crate::metrics::Metrics::new()),
            settings,
        });
        let server = HttpServer::new(move || build_app(state.clone()))
            .workers(workers)
            .worker_max_blocking_threads(blocking_threads)
            .shutdown_timeout(shutdown)
            .client_request_timeout(client_request_timeout)
            .max_connections(4096)
            .listen(listener)?
            .run();
        Ok(Self {
            port,
            server,
            flush,
            settings: worker_settings,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT/SIGTERM (or a stop through [`Self::handle`]), then lets in-flight requests finish (up to
    /// the shutdown timeout). The webhook worker runs alongside and stops after the deliveries in hand; buffered
    /// access events are written before it returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let worker = if self.settings.webhook_worker_enabled {
            Some(crate::webhooks::worker::start(&self.settings).map_err(std::io::Error::other)?)
        } else {
            None
        };
        let served = self.server.await;
        if let Some(worker) = worker {
            worker.stop(self.settings.shutdown_timeout).await;
        }
        let (pool, access_log) = self.flush;
        access_log.flush(&pool).await;
        served
    }

    /// A handle to stop the server from a test.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}

/// Webhook secrets written before migration 000013 are plain text: seal them before serving (every instance may;
/// the rows are locked, so two do not seal one twice). Without a database now, the next start or
/// `reencrypt-webhook-secrets` does it (the worker signs with a plain secret meanwhile). Warns when the fixed
/// development key is in use.
fn seal_legacy_webhook_secrets(pool: &db::DbPool, settings: &Settings) {
    let keys = &settings.webhook_secret_keys;
    if keys.is_development() {
        tracing::warn!(
            "WEBHOOK_SECRET_KEY is not set: webhook signing secrets are sealed with the fixed development key, \
             which protects nothing (development mode only)"
        );
    }
    let sealed = pool
        .get()
        .map_err(ApiError::from)
        .and_then(|mut conn| crate::service::webhooks::reseal(&mut conn, keys, true));
    match sealed {
        Ok(report) if report.resealed > 0 => tracing::info!(
            webhook.secrets_sealed = report.resealed,
            "plain webhook secrets encrypted"
        ),
        Ok(_) => {}
        Err(error) => {
            tracing::warn!(error = %error, "plain webhook secrets not encrypted at start")
        }
    }
}

fn cors(settings: &Settings) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static(middleware::REQUEST_ID_HEADER),
            // Set by the usual browser tracing and error-reporting SDKs (W3C Trace Context and Baggage, Sentry).
            header::HeaderName::from_static("traceparent"),
            header::HeaderName::from_static("tracestate"),
            header::HeaderName::from_static("baggage"),
            header::HeaderName::from_static("sentry-trace"),
        ])
        // Checked at start-up (`Settings::check`): only valid header names reach this.
        .allowed_headers(
            settings
                .cors_allowed_headers
                .iter()
                .filter_map(|name| header::HeaderName::from_bytes(name.as_bytes()).ok()),
        )
        .expose_headers([
            // A page reads the file name of a PDF or CSV download from it.
            header::CONTENT_DISPOSITION,
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::WWW_AUTHENTICATE,
            header::HeaderName::from_static(crate::idempotency::REPLAYED_HEADER),
            header::HeaderName::from_static(middleware::REQUEST_ID_HEADER),
        ])
        .max_age(3600)
        // A foreign origin gets a normal answer without CORS headers (the browser then hides it), not an error:
        // same-origin callers such as Swagger UI keep working whatever the allow-list says.
        .block_on_origin_mismatch(false);
    for origin in &settings.cors_allowed_origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// actix-cors sends `Access-Control-Expose-Headers` on answers to any origin; an origin that is not allowed (or an
/// empty allow-list) gets no CORS header at all.
async fn cors_only_for_allowed_origins(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    if !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        let names: Vec<header::HeaderName> = headers
            .keys()
            .filter(|name| name.as_str().starts_with("access-control-"))
            .cloned()
            .collect();
        for name in names {
            headers.remove(name);
        }
    }
    Ok(response)
}

fn problem_for_query(err: actix_web::error::QueryPayloadError) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_query",
        detail: "A query parameter has an invalid value.".to_owned(),
        errors: vec![FieldError::new("query", "invalid_value", err.to_string())],
    }
}

fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let max_body = state.settings.max_body_bytes;
    let test_routes = state.settings.enable_test_routes;
    let cors = cors(&state.settings);
    let metrics = std::sync::Arc::clone(&state.metrics);
    let (app, openapi) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .app_data(state)
        .app_data(web::PayloadConfig::new(max_body))
        .app_data(web::PathConfig::default().error_handler(|err, req| {
            let wrong_method = req
                .app_data::<web::Data<fallback::RouteTable>>()
                .and_then(|table| table.literal_route_refusing(req.path(), req.method().as_str()));
            if let Some(allow) = wrong_method {
                return ApiError::MethodNotAllowed { allow }.into();
            }
            ApiError::BadRequest {
                code: "invalid_path_parameter",
                detail: "A path parameter has an invalid value.".to_owned(),
                errors: vec![FieldError::new("path", "invalid_value", err.to_string())],
            }
            .into()
        }))
        .app_data(web::QueryConfig::default().error_handler(|err, _| problem_for_query(err).into()))
        .configure(api::routes)
        .split_for_parts();
    let mut openapi = crate::openapi::finish(openapi);
    crate::openapi::document_idempotency_key(&mut openapi);
    let table = fallback::RouteTable::from_openapi(&openapi);
    app.app_data(web::Data::new(table))
        .service(
            web::resource("/metrics")
                .name("metrics")
                .route(web::get().to(crate::api::metrics::serve)),
        )
        .service(web::redirect("/swagger-ui", "/swagger-ui/"))
        .service(
            SwaggerUi::new("/swagger-ui/{_:.*}")
                .url("/api-docs/openapi.json", openapi)
                .config(
                    SwaggerConfig::default()
                        .validator_url("none")
                        .persist_authorization(true)
                        // The operation filter: about a hundred and thirty operations are many to scroll through.
                        .filter(true),
                ),
        )
        .configure(|cfg| {
            if test_routes {
                cfg.route("/__test/panic", web::get().to(test_panic));
                cfg.route(
                    "/__test/hold-connections",
                    web::get().to(test_hold_connections),
                );
            }
        })
        .default_service(web::to(fallback::not_matched))
        .wrap(from_fn(fallback::refuse_unknown_parameters))
        .wrap(from_fn(middleware::catch_panic))
        // Outside the panic catcher, so that a panicking handler still releases its idempotency key.
        .wrap(from_fn(crate::idempotency::idempotency))
        .wrap(
            DefaultHeaders::new()
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("X-Frame-Options", "DENY"))
                .add(("Referrer-Policy", "no-referrer")),
        )
        .wrap(from_fn(fallback::refuse_long_uris))
        .wrap(cors)
        .wrap(from_fn(cors_only_for_allowed_origins))
        .wrap(TracingLogger::<RequestSpan>::new())
        .wrap(from_fn(middleware::request_id))
        .wrap(crate::metrics::Track(metrics))
}

#[allow(clippy::panic)]
async fn test_panic() -> actix_web::HttpResponse {
    panic!("deliberate panic of the test route");
}

/// `?ms=`: how long the test route holds every pooled connection (at most 10 s).
#[derive(Debug, serde::Deserialize)]
struct HoldQuery {
    ms: u64,
}

/// Checks out every connection of the pool and keeps them for `ms` milliseconds, so that a test can watch the
/// service answer 503 while the pool is exhausted. Registered only with `enable_test_routes`.
async fn test_hold_connections(
    state: web::Data<AppState>,
    query: web::Query<HoldQuery>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let pool = state.pool.clone();
    let hold = std::time::Duration::from_millis(query.ms.min(10_000));
    let held = web::block(move || -> Result<usize, ApiError> {
        let connections = (0..pool.max_size())
            .map(|_| pool.get())
            .collect::<Result<Vec<_>, _>>()?;
        std::thread::sleep(hold);
        Ok(connections.len())
    })
    .await??;
    Ok(actix_web::HttpResponse::Ok().json(serde_json::json!({ "held": held })))
}
