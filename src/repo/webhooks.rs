//! The `webhook_subscriptions` and `webhook_deliveries` tables: subscriptions, the delivery log, and the
//! worker's claim (`FOR UPDATE SKIP LOCKED` with a lease) and result.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Double, Integer, Uuid as SqlUuid};
use uuid::Uuid;

use crate::domain::page::ListRequest;
use crate::schema::{webhook_deliveries, webhook_subscriptions};
use crate::webhooks::{DeliveryStatus, EventType};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions, check_for_backend(diesel::pg::Pg))]
pub struct SubscriptionRow {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<Option<EventType>>,
    pub description: Option<String>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct NewSubscriptionRow {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<EventType>,
    /// The signing secret, sealed (`webhooks::secrets`): never the plain text.
    pub secret_ciphertext: Vec<u8>,
    pub secret_nonce: Vec<u8>,
    pub secret_key_id: String,
    pub description: Option<String>,
    pub active: bool,
    pub created_by: Option<Uuid>,
}

/// A partial update; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionChanges {
    pub url: Option<String>,
    pub event_types: Option<Vec<EventType>>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
}

/// A new sealed secret; it replaces a legacy plain one too.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = webhook_subscriptions, treat_none_as_null = true)]
pub struct SealedSecretChange {
    pub secret_ciphertext: Vec<u8>,
    pub secret_nonce: Vec<u8>,
    pub secret_key_id: String,
    pub legacy_secret: Option<String>,
}

impl SealedSecretChange {
    pub fn new(secret_ciphertext: Vec<u8>, secret_nonce: Vec<u8>, secret_key_id: String) -> Self {
        Self {
            secret_ciphertext,
            secret_nonce,
            secret_key_id,
            legacy_secret: None,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries, check_for_backend(diesel::pg::Pg))]
pub struct DeliveryRow {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    pub event_type: EventType,
    pub payload: serde_json::Value,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub redelivery_of: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

pub fn insert(conn: &mut PgConnection, row: &NewSubscriptionRow) -> QueryResult<SubscriptionRow> {
    diesel::insert_into(webhook_subscriptions::table)
        .values(row)
        .returning(SubscriptionRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<SubscriptionRow>> {
    webhook_subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<SubscriptionRow>> {
    webhook_subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Which subscriptions a list shows.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionFilter {
    /// Only active (`true`) or inactive (`false`) ones.
    pub active: Option<bool>,
}

/// Which deliveries of a subscription's log a list shows.
#[derive(Debug, Clone)]
pub struct DeliveryFilter {
    pub subscription_id: Uuid,
    pub status: Option<DeliveryStatus>,
}

/// A page of subscriptions, oldest first (the only order), and the total.
pub fn list(
    conn: &mut PgConnection,
    request: &ListRequest<SubscriptionFilter, ()>,
) -> QueryResult<(Vec<SubscriptionRow>, i64)> {
    let active = request.filter.active;
    let (limit, offset) = (request.page.limit, request.page.offset);
    let mut query = webhook_subscriptions::table.into_boxed();
    let mut count = webhook_subscriptions::table.into_boxed();
    if let Some(active) = active {
        query = query.filter(webhook_subscriptions::active.eq(active));
        count = count.filter(webhook_subscriptions::active.eq(active));
    }
    let rows = query
        .order((webhook_subscriptions::created_at, webhook_subscriptions::id))
        .limit(limit)
        .offset(offset)
        .select(SubscriptionRow::as_select())
        .load(conn)?;
    let total = count.count().get_result(conn)?;
    Ok((rows, total))
}

/// Applies the changes (and a new sealed secret) and increments the version.
pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &SubscriptionChanges,
    secret: Option<&SealedSecretChange>,
) -> QueryResult<SubscriptionRow> {
    diesel::update(webhook_subscriptions::table.find(id))
        .set((
            changes,
            secret,
            webhook_subscriptions::version.eq(webhook_subscriptions::version + 1),
            webhook_subscriptions::updated_at.eq(diesel::dsl::now),
        ))
        .returning(SubscriptionRow::as_returning())
        .get_result(conn)
}

/// Deletes the subscription and, with it, its delivery log.
pub fn delete(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(webhook_subscriptions::table.find(id)).execute(conn)
}

/// A page of the delivery log of a subscription, newest first (the only order), and the total.
pub fn deliveries(
    conn: &mut PgConnection,
    request: &ListRequest<DeliveryFilter, ()>,
) -> QueryResult<(Vec<DeliveryRow>, i64)> {
    let DeliveryFilter {
        subscription_id,
        status,
    } = request.filter;
    let (limit, offset) = (request.page.limit, request.page.offset);
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(subscription_id))
        .into_boxed();
    let mut count = webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(subscription_id))
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(webhook_deliveries::status.eq(status));
        count = count.filter(webhook_deliveries::status.eq(status));
    }
    let rows = query
        .order((
            webhook_deliveries::created_at.desc(),
            webhook_deliveries::id.desc(),
        ))
        .limit(limit)
        .offset(offset)
        .select(DeliveryRow::as_select())
        .load(conn)?;
    let total = count.count().get_result(conn)?;
    Ok((rows, total))
}

pub fn find_delivery(
    conn: &mut PgConnection,
    subscription_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<DeliveryRow>> {
    webhook_deliveries::table
        .find(id)
        .filter(webhook_deliveries::subscription_id.eq(subscription_id))
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()
}

/// Queues a new delivery of the same event (same event id and payload), due now.
pub fn redeliver(conn: &mut PgConnection, original: &DeliveryRow) -> QueryResult<DeliveryRow> {
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::subscription_id.eq(original.subscription_id),
            webhook_deliveries::event_id.eq(original.event_id),
            webhook_deliveries::event_type.eq(&original.event_type),
            webhook_deliveries::payload.eq(&original.payload),
            webhook_deliveries::redelivery_of.eq(original.id),
        ))
        .returning(DeliveryRow::as_returning())
        .get_result(conn)
}

/// A delivery claimed by a worker, with what it needs to send it.
#[derive(Debug, Clone, QueryableByName)]
pub struct ClaimedDelivery {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    /// The lease token of this claim: the outcome is recorded only while the claim holds.
    #[diesel(sql_type = SqlUuid)]
    pub lock_token: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub body: String,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = SqlUuid)]
    pub subscription_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub url: String,
    /// The subscription's secret as stored: sealed, or (before the application sealed it) plain.
    #[diesel(embed)]
    pub secret: StoredSecret,
}

/// A subscription's secret as stored: sealed (all three `secret_*` columns), or a legacy plain secret written
/// before migration 000013 and not sealed yet.
#[derive(Clone, QueryableByName, Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions, check_for_backend(diesel::pg::Pg))]
pub struct StoredSecret {
    pub secret_ciphertext: Option<Vec<u8>>,
    pub secret_nonce: Option<Vec<u8>>,
    pub secret_key_id: Option<String>,
    pub legacy_secret: Option<String>,
}

impl std::fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSecret")
            .field("secret_key_id", &self.secret_key_id)
            .field(
                "legacy_secret",
                &self.legacy_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

/// A subscription id with its stored secret, for re-sealing.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions, check_for_backend(diesel::pg::Pg))]
pub struct SubscriptionSecret {
    pub id: Uuid,
    #[diesel(embed)]
    pub secret: StoredSecret,
}

/// Up to `limit` subscriptions after `after` (by id) whose secret is plain or sealed under another key than
/// `current_key_id` (`legacy_only`: plain ones only), locked for the re-sealing transaction.
pub fn secrets_to_reseal(
    conn: &mut PgConnection,
    current_key_id: &str,
    legacy_only: bool,
    after: Uuid,
    limit: i64,
) -> QueryResult<Vec<SubscriptionSecret>> {
    let after_id = webhook_subscriptions::id.gt(after);
    let legacy = webhook_subscriptions::legacy_secret.is_not_null();
    if legacy_only {
        webhook_subscriptions::table
            .filter(after_id.and(legacy))
            .order(webhook_subscriptions::id)
            .limit(limit)
            .select(SubscriptionSecret::as_select())
            .for_update()
            .load(conn)
    } else {
        webhook_subscriptions::table
            .filter(
                after_id.and(legacy.or(webhook_subscriptions::secret_key_id.ne(current_key_id))),
            )
            .order(webhook_subscriptions::id)
            .limit(limit)
            .select(SubscriptionSecret::as_select())
            .for_update()
            .load(conn)
    }
}

/// Stores a sealed secret (and clears a legacy plain one) without touching the version: the subscription as
/// clients see it does not change.
pub fn store_sealed(
    conn: &mut PgConnection,
    id: Uuid,
    sealed: &SealedSecretChange,
) -> QueryResult<usize> {
    diesel::update(webhook_subscriptions::table.find(id))
        .set(sealed)
        .execute(conn)
}

/// Claims up to `limit` due deliveries of active subscriptions for `lease_seconds`, in one short statement: rows
/// another worker is claiming are skipped (`SKIP LOCKED`), claimed rows are not due again until the lease ends
/// (so a worker that dies mid-way is replaced), and no transaction stays open during the HTTP calls.
pub fn claim_due(
    conn: &mut PgConnection,
    limit: i32,
    lease_seconds: f64,
    lock_token: Uuid,
) -> QueryResult<Vec<ClaimedDelivery>> {
    diesel::sql_query(
        "UPDATE webhook_deliveries d \
            SET locked_until = now() + make_interval(secs => $2), lock_token = $3 \
           FROM webhook_subscriptions s \
          WHERE s.id = d.subscription_id \
            AND d.id IN (SELECT w.id FROM webhook_deliveries w \
                          WHERE w.status = 'pending' AND w.next_attempt_at <= now() \
                            AND (w.locked_until IS NULL OR w.locked_until < now()) \
                            AND EXISTS (SELECT 1 FROM webhook_subscriptions a \
                                         WHERE a.id = w.subscription_id AND a.active) \
                          ORDER BY w.next_attempt_at, w.id \
                          LIMIT $1 \
                          FOR UPDATE OF w SKIP LOCKED) \
      RETURNING d.id, d.event_id, d.lock_token, d.payload::text AS body, d.attempts, d.subscription_id, s.url, \
                s.secret_ciphertext, s.secret_nonce, s.secret_key_id, s.legacy_secret",
    )
    .bind::<Integer, _>(limit)
    .bind::<Double, _>(lease_seconds)
    .bind::<SqlUuid, _>(lock_token)
    .load(conn)
}

/// The outcome of one attempt.
#[derive(Debug, Clone)]
pub struct AttemptResult {
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub delivered: bool,
    /// For a failed attempt: failed for good (no attempts left) or retried after this many seconds.
    pub final_failure: bool,
    pub retry_after_seconds: f64,
}

/// Records an attempt on a delivery this worker holds (by its lease token).
pub fn record_attempt(
    conn: &mut PgConnection,
    id: Uuid,
    lock_token: Uuid,
    result: &AttemptResult,
) -> QueryResult<usize> {
    let status = if result.delivered {
        "delivered"
    } else if result.final_failure {
        "failed"
    } else {
        "pending"
    };
    let next = Utc::now()
        + chrono::Duration::milliseconds((result.retry_after_seconds * 1000.0).round() as i64);
    let target = webhook_deliveries::table
        .find(id)
        .filter(webhook_deliveries::lock_token.eq(lock_token));
    diesel::update(target)
        .set((
            webhook_deliveries::status.eq(status),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::last_attempt_at.eq(diesel::dsl::now),
            webhook_deliveries::last_status_code.eq(result.status_code),
            webhook_deliveries::last_error.eq(result.error.as_deref()),
            webhook_deliveries::locked_until.eq(None::<DateTime<Utc>>),
            webhook_deliveries::lock_token.eq(None::<Uuid>),
            webhook_deliveries::delivered_at.eq(result.delivered.then(Utc::now)),
            webhook_deliveries::next_attempt_at.eq(next),
        ))
        .execute(conn)
}

/// The outbox as `/metrics` shows it: deliveries waiting to be sent (due or retrying later) and the age in
/// seconds of the oldest of them (0 when none waits).
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct OutboxDepth {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub pending: i64,
    #[diesel(sql_type = Double)]
    pub oldest_seconds: f64,
}

pub fn outbox_depth(conn: &mut PgConnection) -> QueryResult<OutboxDepth> {
    diesel::sql_query(
        "SELECT count(*) AS pending, \
                coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_seconds \
           FROM webhook_deliveries WHERE status = 'pending'",
    )
    .get_result(conn)
}
