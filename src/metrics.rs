//! The request metrics: the registry of request series and the middleware that feeds it. A leaf: the `/metrics`
//! endpoint that renders it with the pool, outbox, snapshot and throttle figures is `api::metrics`.
//!
//! The middleware runs on every request, so it stays cheap: the route is the matched resource's name (a slice of
//! the route table, no allocation, no second match), its series is found under a read lock in a small map filled
//! on the first request of each (route, method, status), and the observation is three relaxed atomic additions.
//! Only the first request of a series allocates, to register it. Labels carry the route *template*
//! (`/api/v1/participants/{id}`), never the raw path.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::Instant;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::Method;
use actix_web::{Error, HttpRequest};

/// Upper bounds of the latency buckets, in microseconds (1 ms to 5 s).
const BUCKETS_MICROS: [u64; 12] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    5_000_000,
];
const BUCKET_LABELS: [&str; 12] = [
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5",
];

/// The route label of requests that matched no route (404, 405), and of requests that failed before a response
/// existed (a panic).
const UNMATCHED: &str = "unmatched";
const UNKNOWN: &str = "unknown";

/// Counts and latencies of one (route, method, status).
struct Series {
    method: Method,
    status: u16,
    /// Requests per latency bucket (not cumulative); the last slot is above the largest bound.
    buckets: [AtomicU64; BUCKETS_MICROS.len() + 1],
    sum_micros: AtomicU64,
}

impl Series {
    fn new(method: Method, status: u16) -> Self {
        Self {
            method,
            status,
            buckets: Default::default(),
            sum_micros: AtomicU64::new(0),
        }
    }

    fn observe(&self, micros: u64) {
        let slot = BUCKETS_MICROS
            .iter()
            .position(|&bound| micros <= bound)
            .unwrap_or(BUCKETS_MICROS.len());
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

/// The series of one route.
struct Route {
    template: String,
    series: RwLock<Vec<Arc<Series>>>,
}

impl Route {
    fn series(&self, method: &Method, status: u16) -> Arc<Series> {
        let found = |list: &Vec<Arc<Series>>| {
            list.iter()
                .find(|s| s.status == status && s.method == method)
                .cloned()
        };
        if let Some(series) = found(&self.series.read().unwrap_or_else(PoisonError::into_inner)) {
            return series;
        }
        let mut list = self.series.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(series) = found(&list) {
            return series;
        }
        let series = Arc::new(Series::new(method.clone(), status));
        list.push(Arc::clone(&series));
        series
    }
}

/// The request metrics of the process.
#[derive(Default)]
pub struct Metrics {
    /// By resource name (the handler's name), or by template for unnamed resources.
    routes: RwLock<HashMap<Box<str>, Arc<Route>>>,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    fn route(&self, key: &str, template: impl FnOnce() -> String) -> Arc<Route> {
        if let Some(route) = self
            .routes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
        {
            return Arc::clone(route);
        }
        let mut routes = self.routes.write().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(routes.entry(key.into()).or_insert_with(|| {
            Arc::new(Route {
                template: template(),
                series: RwLock::new(Vec::new()),
            })
        }))
    }

    /// Counts a request under `key` (registering the route with `template()` on its first request).
    fn observe(
        &self,
        key: &str,
        template: impl FnOnce() -> String,
        method: &Method,
        status: u16,
        micros: u64,
    ) {
        // The common case: route and series exist; two read locks, no allocation, no reference count.
        if let Some(route) = self
            .routes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            && let Some(series) = route
                .series
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .find(|s| s.status == status && s.method == method)
        {
            series.observe(micros);
            return;
        }
        self.route(key, template)
            .series(method, status)
            .observe(micros);
    }

    fn observe_response(&self, req: &HttpRequest, status: u16, micros: u64) {
        let method = req.method();
        match req.match_name() {
            Some(name) => self.observe(
                name,
                || req.match_pattern().unwrap_or_else(|| name.to_owned()),
                method,
                status,
                micros,
            ),
            // Resources without a name (Swagger UI) are rare: their template is the key.
            None => match req.match_pattern() {
                Some(pattern) => self.observe(&pattern, || pattern.clone(), method, status, micros),
                None => self.observe(UNMATCHED, || UNMATCHED.to_owned(), method, status, micros),
            },
        }
    }

    fn observe_failure(&self, method: &Method, status: u16, micros: u64) {
        self.observe(UNKNOWN, || UNKNOWN.to_owned(), method, status, micros);
    }

    /// The request counters and histograms in the Prometheus text format.
    /// The request series, in the exposition format.
    pub fn render_requests(&self, out: &mut String) {
        let routes: Vec<Arc<Route>> = self
            .routes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        let mut rows: Vec<(String, Arc<Series>)> = Vec::new();
        for route in &routes {
            for series in route
                .series
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
            {
                let labels = format!(
                    "method=\"{}\",route=\"{}\",status=\"{}\"",
                    escape(series.method.as_str()),
                    escape(&route.template),
                    series.status
                );
                rows.push((labels, Arc::clone(series)));
            }
        }
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let snapshot: Vec<(&str, [u64; BUCKETS_MICROS.len() + 1], u64)> = rows
            .iter()
            .map(|(labels, s)| {
                let counts = std::array::from_fn(|i| s.buckets[i].load(Ordering::Relaxed));
                (
                    labels.as_str(),
                    counts,
                    s.sum_micros.load(Ordering::Relaxed),
                )
            })
            .collect();

        out.push_str(
            "# HELP http_requests_total HTTP requests answered, by method, route template and status.\n\
             # TYPE http_requests_total counter\n",
        );
        for (labels, counts, _) in &snapshot {
            let total: u64 = counts.iter().sum();
            let _ = writeln!(out, "http_requests_total{{{labels}}} {total}");
        }
        out.push_str(
            "# HELP http_request_duration_seconds Time to answer an HTTP request (until the response head), by method, route template and status.\n\
             # TYPE http_request_duration_seconds histogram\n",
        );
        for (labels, counts, sum_micros) in &snapshot {
            let mut cumulative = 0;
            for (bound, count) in BUCKET_LABELS.iter().zip(counts) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let total: u64 = counts.iter().sum();
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {total}"
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_sum{{{labels}}} {}",
                *sum_micros as f64 / 1e6
            );
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{{labels}}} {total}"
            );
        }
    }
}

pub(crate) fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The middleware that times every request and counts it under its route template and status.
pub struct Track(pub Arc<Metrics>);

impl<S, B> Transform<S, ServiceRequest> for Track
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = TrackService<S>;
    type InitError = ();
    type Future = std::future::Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        std::future::ready(Ok(TrackService {
            service: Rc::new(service),
            metrics: Arc::clone(&self.0),
        }))
    }
}

pub struct TrackService<S> {
    service: Rc<S>,
    metrics: Arc<Metrics>,
}

impl<S, B> Service<ServiceRequest> for TrackService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = TrackFuture<S::Future>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        // Kept for a request that ends in an error instead of a response (its request is gone then).
        let method = req.method().clone();
        TrackFuture {
            inner: self.service.call(req),
            metrics: Arc::clone(&self.metrics),
            method,
            started: Instant::now(),
        }
    }
}

pin_project_lite::pin_project! {
    pub struct TrackFuture<F> {
        #[pin]
        inner: F,
        metrics: Arc<Metrics>,
        method: Method,
        started: Instant,
    }
}

impl<F, B> Future for TrackFuture<F>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let outcome = std::task::ready!(this.inner.poll(cx));
        let micros = u64::try_from(this.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        match &outcome {
            Ok(response) => this.metrics.observe_response(
                response.request(),
                response.status().as_u16(),
                micros,
            ),
            Err(error) => this.metrics.observe_failure(
                this.method,
                error.as_response_error().status_code().as_u16(),
                micros,
            ),
        }
        Poll::Ready(outcome)
    }
}
