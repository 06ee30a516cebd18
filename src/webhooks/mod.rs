//! Webhooks: the event vocabulary, request signing, the signing secrets at rest, the SSRF guard and the delivery
//! worker.
//!
//! Events are written to an outbox (`webhook_deliveries`) by database triggers in the transaction of the change;
//! the worker of any instance claims due deliveries (`FOR UPDATE SKIP LOCKED` with a lease) and POSTs them.

pub mod secrets;
pub mod signing;
pub mod ssrf;
pub mod worker;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The event types a subscription may listen to: one closed vocabulary, which the triggers write (a test compares
/// it with the trigger functions in the database).
pub use crate::domain::enums::EventType;

/// The state of a delivery.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed (8 attempts over about 17 hours).
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

crate::domain::enums::text_column!(DeliveryStatus);

/// How many delivery attempts are made before a delivery is marked failed.
pub const MAX_ATTEMPTS: i32 = 8;

/// The pause after failed attempt `n` (1-based) before the next one, without jitter: 10 s, 30 s, 2 min, 10 min,
/// 1 h, 4 h, 12 h (about 17 hours from the first attempt to the eighth).
pub fn backoff_seconds(attempt: i32) -> u64 {
    const SCHEDULE: [u64; 7] = [10, 30, 120, 600, 3600, 4 * 3600, 12 * 3600];
    let index = usize::try_from(attempt.max(1) - 1).unwrap_or(0);
    SCHEDULE[index.min(SCHEDULE.len() - 1)]
}

/// The backoff with +-20% jitter, so that deliveries failed together do not retry together.
pub fn backoff_with_jitter(attempt: i32) -> f64 {
    use rand::Rng;
    let base = backoff_seconds(attempt) as f64;
    base * rand::thread_rng().gen_range(0.8..1.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_within_a_day() {
        assert_eq!(backoff_seconds(1), 10);
        assert_eq!(backoff_seconds(2), 30);
        assert_eq!(backoff_seconds(3), 120);
        let total: u64 = (1..MAX_ATTEMPTS).map(backoff_seconds).sum();
        assert!(total < 24 * 3600, "{total}");
        assert!(total > 12 * 3600, "{total}");
        for attempt in 1..MAX_ATTEMPTS {
            let j = backoff_with_jitter(attempt);
            let b = backoff_seconds(attempt) as f64;
            assert!(j >= b * 0.8 && j <= b * 1.2);
        }
    }
}
