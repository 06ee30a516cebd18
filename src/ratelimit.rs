//! Login throttling over `governor` (GCRA): failed logins per account and attempts per client address.
//!
//! - Per address: every login, refresh and token attempt takes a cell of the address's bucket
//!   (`LOGIN_MAX_ATTEMPTS_PER_ADDRESS` per minute, 600 by default): the ceiling on all attempts, successful or
//!   not, so that a training room behind one address logs in together. The tighter limit of an address, on its
//!   failed logins (`LOGIN_MAX_FAILURES_PER_ADDRESS`), is counted in PostgreSQL only (`service::throttle`).
//! - Per account (the username, trimmed and lower-cased, whether or not such an account exists): every login attempt
//!   takes a cell (`LOGIN_MAX_FAILURES_PER_ACCOUNT` per minute, 5 by default) and a successful login gives them all
//!   back, so the bucket counts the failures since the last success. After three failures, each further attempt
//!   waits a little longer before its password is checked (`LOGIN_FAILURE_DELAY_MS` per failure beyond the third,
//!   at most 3 s), in an asynchronous sleep that holds no thread.
//!
//! Beyond a limit the answer is 429 with `Retry-After`. The state lives in this process's memory: it is the first
//! line, which turns floods away before they reach the database; `service::throttle` keeps these limits, and the
//! failures per address, in PostgreSQL so that they hold across instances. It is bounded: keys whose bucket is full again are swept regularly, and a
//! limiter that still tracks [`MAX_KEYS`] keys refuses new ones (429) until its sweep frees room.

use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use actix_web::http::header::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::{NoOpMiddleware, StateInformationMiddleware};
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::state::keyed::{DashMapStateStore, ShrinkableKeyedStateStore};
use governor::{Quota, RateLimiter};

use crate::config::Settings;
use crate::error::ApiError;

/// The most keys one limiter tracks (about 10 MB for usernames of 64 characters).
pub const MAX_KEYS: usize = 100_000;
/// The longest delay added to a failed login.
pub const MAX_FAILURE_DELAY: Duration = Duration::from_secs(3);
/// Failures of an account answered without delay.
const FREE_FAILURES: u32 = 3;
/// How often stale keys are swept (and at most how often when a limiter is full: once a second).
const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// A `DashMap` state store that the limiter and its owner share, so that the owner can forget a key.
struct SharedStore<K: Hash + Eq + Clone>(Arc<DashMapStateStore<K>>);

impl<K: Hash + Eq + Clone> StateStore for SharedStore<K> {
    type Key = K;

    fn measure_and_replace<T, F, E>(&self, key: &K, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        StateStore::measure_and_replace(&*self.0, key, f)
    }
}

impl<K: Hash + Eq + Clone> ShrinkableKeyedStateStore<K> for SharedStore<K> {
    fn retain_recent(&self, drop_below: Nanos) {
        ShrinkableKeyedStateStore::retain_recent(&*self.0, drop_below);
    }

    fn shrink_to_fit(&self) {
        self.0.shrink_to_fit();
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The outcome of taking a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Let through; `used` cells of the burst are now taken (this one included).
    Allowed { used: u32 },
    /// Refused; a cell frees up in `retry_after` seconds.
    Refused { retry_after: u64 },
}

/// A keyed GCRA limiter: `burst` cells per key, all replenished over one minute.
pub struct KeyedLimiter<K: Hash + Eq + Clone> {
    limiter: RateLimiter<K, SharedStore<K>, DefaultClock, StateInformationMiddleware>,
    store: Arc<DashMapStateStore<K>>,
    burst: u32,
    max_keys: usize,
    started: Instant,
    /// Milliseconds since `started` of the last sweep.
    last_sweep: AtomicU64,
    refused: AtomicU64,
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    pub fn per_minute(burst: NonZeroU32, max_keys: usize) -> Self {
        let store = Arc::new(DashMapStateStore::<K>::default());
        let limiter =
            RateLimiter::<_, _, _, NoOpMiddleware<<DefaultClock as Clock>::Instant>>::new(
                Quota::per_minute(burst),
                SharedStore(Arc::clone(&store)),
                DefaultClock::default(),
            )
            .with_middleware::<StateInformationMiddleware>();
        Self {
            limiter,
            store,
            burst: burst.get(),
            max_keys,
            started: Instant::now(),
            last_sweep: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        }
    }

    /// Takes one cell of `key`'s bucket.
    pub fn check(&self, key: &K) -> Decision {
        self.sweep_if_due();
        if self.store.len() >= self.max_keys && !self.store.contains_key(key) {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Decision::Refused { retry_after: 60 };
        }
        match self.limiter.check_key(key) {
            Ok(snapshot) => Decision::Allowed {
                used: self
                    .burst
                    .saturating_sub(snapshot.remaining_burst_capacity()),
            },
            Err(not_until) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                let wait = not_until.wait_time_from(self.limiter.clock().now());
                Decision::Refused {
                    retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
                }
            }
        }
    }

    /// Gives back every cell of `key`: its bucket is full again.
    pub fn forget(&self, key: &K) {
        self.store.remove(key);
    }

    /// How many keys are tracked.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// How many checks were refused since the start.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Drops the keys whose bucket is full again, every [`SWEEP_EVERY`], or every second while the limiter is full.
    fn sweep_if_due(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.last_sweep.load(Ordering::Relaxed);
        let interval = if self.store.len() >= self.max_keys {
            1_000
        } else {
            u64::try_from(SWEEP_EVERY.as_millis()).unwrap_or(u64::MAX)
        };
        if now.saturating_sub(last) < interval {
            return;
        }
        // One caller sweeps; the others go on.
        if self
            .last_sweep
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
    }
}

/// Which limit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Account,
    Address,
}

/// The throttle of `POST /api/v1/auth/login` and `/auth/refresh`.
pub struct LoginLimiter {
    accounts: KeyedLimiter<String>,
    addresses: KeyedLimiter<IpAddr>,
    failure_delay: Duration,
    trust_proxy_headers: bool,
}

fn at_least_one(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl LoginLimiter {
    pub fn new(settings: &Settings) -> Self {
        Self {
            accounts: KeyedLimiter::per_minute(
                at_least_one(settings.login_max_failures_per_account),
                MAX_KEYS,
            ),
            addresses: KeyedLimiter::per_minute(
                at_least_one(settings.login_max_attempts_per_address),
                MAX_KEYS,
            ),
            failure_delay: settings.login_failure_delay,
            trust_proxy_headers: settings.trust_proxy_headers,
        }
    }

    /// The client's address: the peer, or with `TRUST_PROXY_HEADERS` the address the proxy in front of the service
    /// appended last to `X-Forwarded-For`. An IPv6 address counts as its /64 network (one host usually has a whole
    /// /64 to rotate through).
    pub fn client_address(&self, req: &HttpRequest) -> IpAddr {
        let forwarded = if self.trust_proxy_headers {
            last_forwarded_for(req.headers())
        } else {
            None
        };
        let ip = forwarded
            .or_else(|| req.peer_addr().map(|a| a.ip()))
            .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        network_key(ip)
    }

    /// One login or refresh attempt from the client of `req`.
    pub fn check_address(&self, req: &HttpRequest) -> Result<(), ApiError> {
        match self.addresses.check(&self.client_address(req)) {
            Decision::Allowed { .. } => Ok(()),
            Decision::Refused { retry_after } => {
                tracing::warn!(rate_limit.scope = "address", "login attempts throttled");
                Err(ApiError::TooManyRequests { retry_after })
            }
        }
    }

    /// One login attempt for `account` (the normalised username), counted as a failure until [`Self::succeeded`]
    /// clears it. Answers how long to wait before checking the password.
    pub fn check_account(&self, account: &str) -> Result<Duration, ApiError> {
        match self.accounts.check(&account.to_owned()) {
            Decision::Allowed { used } => Ok(self.delay_for(used)),
            Decision::Refused { retry_after } => {
                // The username is personal data: it is not logged.
                tracing::warn!(rate_limit.scope = "account", "login attempts throttled");
                Err(ApiError::TooManyRequests { retry_after })
            }
        }
    }

    /// A successful login: the account's failures are forgotten.
    pub fn succeeded(&self, account: &str) {
        self.accounts.forget(&account.to_owned());
    }

    fn delay_for(&self, attempt: u32) -> Duration {
        let beyond = attempt.saturating_sub(FREE_FAILURES);
        self.failure_delay
            .saturating_mul(beyond)
            .min(MAX_FAILURE_DELAY)
    }

    /// Requests refused so far by one of the limits.
    pub fn refused(&self, scope: Scope) -> u64 {
        match scope {
            Scope::Account => self.accounts.refused(),
            Scope::Address => self.addresses.refused(),
        }
    }

    /// Keys tracked by one of the limits.
    pub fn tracked(&self, scope: Scope) -> usize {
        match scope {
            Scope::Account => self.accounts.len(),
            Scope::Address => self.addresses.len(),
        }
    }
}

/// The last well-formed address of the `X-Forwarded-For` headers (`1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or
/// `[2001:db8::1]:5678`): the one the trusted proxy appended, which the client cannot choose.
fn last_forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let value = headers.get_all("x-forwarded-for").last()?.to_str().ok()?;
    let last = value.rsplit(',').next()?.trim();
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

/// IPv4 addresses as they are (IPv4-mapped IPv6 ones too), IPv6 ones reduced to their /64 network.
fn network_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn limiter(burst: u32) -> KeyedLimiter<String> {
        KeyedLimiter::per_minute(at_least_one(burst), 3)
    }

    #[test]
    fn a_bucket_lets_its_burst_through_then_refuses_with_a_retry_time() {
        let l = limiter(3);
        let key = "a".to_owned();
        assert_eq!(l.check(&key), Decision::Allowed { used: 1 });
        assert_eq!(l.check(&key), Decision::Allowed { used: 2 });
        assert_eq!(l.check(&key), Decision::Allowed { used: 3 });
        // One cell comes back every 20 s.
        assert!(
            matches!(l.check(&key), Decision::Refused { retry_after } if (19..=20).contains(&retry_after))
        );
        assert_eq!(l.check(&"b".to_owned()), Decision::Allowed { used: 1 });
        assert_eq!(l.refused(), 1);
    }

    #[test]
    fn forgetting_a_key_refills_its_bucket() {
        let l = limiter(2);
        let key = "a".to_owned();
        l.check(&key);
        l.check(&key);
        l.forget(&key);
        assert_eq!(l.check(&key), Decision::Allowed { used: 1 });
    }

    #[test]
    fn a_full_limiter_refuses_new_keys_but_serves_known_ones() {
        let l = limiter(5);
        for k in ["a", "b", "c"] {
            l.check(&k.to_owned());
        }
        assert!(matches!(l.check(&"d".to_owned()), Decision::Refused { .. }));
        assert!(matches!(l.check(&"a".to_owned()), Decision::Allowed { .. }));
        assert_eq!(l.len(), 3);
    }

    #[test]
    fn forwarded_for_takes_the_last_address_and_ipv6_counts_per_64() {
        let mut headers = HeaderMap::new();
        headers.insert(
            actix_web::http::header::HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_static("10.0.0.1, 203.0.113.7"),
        );
        assert_eq!(last_forwarded_for(&headers), "203.0.113.7".parse().ok());
        headers.insert(
            actix_web::http::header::HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_static("[2001:db8::1]:443"),
        );
        assert_eq!(last_forwarded_for(&headers), "2001:db8::1".parse().ok());
        let a = network_key(
            "2001:db8:1:2:aaaa::1"
                .parse()
                .unwrap_or(IpAddr::V4(0.into())),
        );
        let b = network_key(
            "2001:db8:1:2:bbbb::9"
                .parse()
                .unwrap_or(IpAddr::V4(0.into())),
        );
        assert_eq!(a, b);
        assert_eq!(
            network_key("::ffff:192.0.2.1".parse().unwrap_or(IpAddr::V4(0.into()))),
            IpAddr::V4([192, 0, 2, 1].into())
        );
    }

    #[test]
    fn failures_beyond_the_third_wait_longer_each_time_up_to_a_cap() {
        let settings = Settings::from_lookup(|key| match key {
            "DATABASE_URL" => Some("postgres://localhost/x".to_owned()),
            "JWT_SECRET" => Some("0123456789abcdef0123456789abcdef".to_owned()),
            "WEBHOOK_SECRET_KEY" => Some("KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=".to_owned()),
            "LOGIN_FAILURE_DELAY_MS" => Some("500".to_owned()),
            "PUBLIC_BASE_URL" => Some("https://bimtek.example.go.id".to_owned()),
            _ => None,
        });
        let Ok(settings) = settings else {
            panic!("the test settings are valid");
        };
        let l = LoginLimiter::new(&settings);
        assert_eq!(l.delay_for(3), Duration::ZERO);
        assert_eq!(l.delay_for(4), Duration::from_millis(500));
        assert_eq!(l.delay_for(5), Duration::from_millis(1000));
        assert_eq!(l.delay_for(50), MAX_FAILURE_DELAY);
    }
}
