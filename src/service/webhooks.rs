//! Webhook subscriptions and their delivery log: administrators only. A subscription's URL is checked twice: its
//! form when the request is parsed ([`check_url`]), its target (a DNS lookup, the SSRF guard) here, after the
//! caller is authorized and before anything is written.
//!
//! Signing secrets are stored sealed (`webhooks::secrets`, migration 000013): this service seals them under the
//! current key before the insert or update, and [`reseal`] seals legacy plain rows (at start) or every secret
//! under the current key (the `reencrypt-webhook-secrets` command). The table has no trigger.

use chrono::{DateTime, Utc};
use diesel::{Connection, PgConnection};
use secrecy::SecretString;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::auth::tokens::random_token;
use crate::db;
use crate::domain::page::{ListRequest, Page};
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use crate::repo::webhooks::{
    self as repo, DeliveryRow, NewSubscriptionRow, SealedSecretChange, StoredSecret,
    SubscriptionChanges, SubscriptionRow,
};
use crate::service::{DbPool, Input, Permit, allow};
use crate::webhooks::secrets::{OpenError, Sealed, SecretKeys};
use crate::webhooks::{DeliveryStatus, EventType, ssrf};

pub use crate::repo::webhooks::{DeliveryFilter, OutboxDepth, SubscriptionFilter};

/// How many deliveries wait in the outbox and the age of the oldest (one indexed count), for `/metrics`.
pub async fn outbox_depth(pool: &DbPool) -> Result<OutboxDepth, ApiError> {
    db::read(pool, |conn| Ok(crate::repo::webhooks::outbox_depth(conn)?)).await
}

const MAX_URL: usize = 2000;
const MIN_SECRET: usize = 32;
const MAX_SECRET: usize = 200;

/// A checked new subscription. `secret` is the one given or a generated one.
#[derive(Debug)]
pub struct NewSubscription {
    pub url: url::Url,
    pub event_types: Vec<EventType>,
    pub secret: SecretString,
    pub description: Option<String>,
    pub active: bool,
}

/// A checked partial update. `None` leaves a field unchanged.
#[derive(Debug, Default)]
pub struct SubscriptionPatch {
    pub url: Option<url::Url>,
    pub event_types: Option<Vec<EventType>>,
    pub secret: Option<SecretString>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
}

/// A request for a page of subscriptions (oldest first: there is one order).
pub type SubscriptionList = ListRequest<SubscriptionFilter, ()>;

/// A request for a page of a subscription's delivery log (newest first: there is one order).
pub type DeliveryList = ListRequest<DeliveryFilter, ()>;

/// A subscription as the service shows it (never with its secret).
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: Uuid,
    pub url: String,
    pub event_types: Vec<EventType>,
    pub description: Option<String>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SubscriptionRow> for Subscription {
    fn from(row: SubscriptionRow) -> Self {
        Self {
            id: row.id,
            url: row.url,
            event_types: row.event_types.into_iter().flatten().collect(),
            description: row.description,
            active: row.active,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new subscription with its secret, shown this once.
#[derive(Debug, Clone)]
pub struct CreatedSubscription {
    pub subscription: Subscription,
    pub secret: SecretString,
}

/// One delivery of one event to one subscription, with the outcome of its latest attempt.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// Pending deliveries only.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub redelivery_of: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub payload: serde_json::Value,
}

impl From<DeliveryRow> for Delivery {
    fn from(row: DeliveryRow) -> Self {
        Self {
            id: row.id,
            subscription_id: row.subscription_id,
            event_id: row.event_id,
            event_type: row.event_type,
            next_attempt_at: (row.status == DeliveryStatus::Pending).then_some(row.next_attempt_at),
            status: row.status,
            attempts: row.attempts,
            last_attempt_at: row.last_attempt_at,
            last_status_code: row.last_status_code,
            last_error: row.last_error,
            delivered_at: row.delivered_at,
            redelivery_of: row.redelivery_of,
            created_at: row.created_at,
            payload: row.payload,
        }
    }
}

/// Webhooks reach outside the service with its data: administrators only.
fn authorize(user: &AuthUser) -> Result<Permit, ApiError> {
    allow(user, &[Role::Admin])
}

fn not_found() -> ApiError {
    ApiError::not_found("Webhook subscription")
}

/// The form of a subscription URL: at most 2000 characters, absolute http(s), no credentials.
pub fn check_url(raw: &str, errors: &mut Vec<FieldError>) -> Option<url::Url> {
    if raw.chars().count() > MAX_URL {
        errors.push(FieldError::new(
            "url",
            "too_long",
            format!("must be at most {MAX_URL} characters"),
        ));
        return None;
    }
    match ssrf::parse_url(raw.trim()) {
        Ok(url) => Some(url),
        Err(ssrf::TargetError::Credentials) => {
            errors.push(FieldError::new(
                "url",
                "invalid_value",
                "must not contain a user name or password",
            ));
            None
        }
        Err(_) => {
            errors.push(FieldError::new(
                "url",
                "invalid_format",
                "must be an absolute http or https URL",
            ));
            None
        }
    }
}

/// At least one event type; duplicates are dropped (the first occurrence keeps its place).
pub fn check_event_types(
    types: Vec<EventType>,
    errors: &mut Vec<FieldError>,
) -> Option<Vec<EventType>> {
    if types.is_empty() {
        errors.push(FieldError::new(
            "event_types",
            "too_short",
            "must name at least one event type",
        ));
        return None;
    }
    let mut unique: Vec<EventType> = Vec::new();
    for t in types {
        if !unique.contains(&t) {
            unique.push(t);
        }
    }
    Some(unique)
}

/// A signing secret: 32-200 characters, no control characters.
pub fn check_secret(secret: String, errors: &mut Vec<FieldError>) -> Option<SecretString> {
    let length = secret.chars().count();
    if !(MIN_SECRET..=MAX_SECRET).contains(&length) {
        errors.push(FieldError::new(
            "secret",
            if length < MIN_SECRET {
                "too_short"
            } else {
                "too_long"
            },
            format!("must be {MIN_SECRET} to {MAX_SECRET} characters"),
        ));
        return None;
    }
    if secret.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "secret",
            "invalid_characters",
            "must not contain control characters",
        ));
        return None;
    }
    Some(secret.into())
}

/// A generated signing secret, for a subscription created without one.
pub fn generated_secret() -> SecretString {
    format!("whsec_{}", random_token(32)).into()
}

/// Resolves the URL's host and refuses non-public targets (unless the configuration allows them).
async fn check_target(url: &url::Url, allow_private: bool) -> Result<(), ApiError> {
    match ssrf::check_target(url, allow_private).await {
        Ok(()) => Ok(()),
        Err(ssrf::TargetError::Forbidden) => Err(ApiError::Unprocessable {
            code: "webhook_url_forbidden",
            detail: "The webhook URL points to a private, loopback, link-local or otherwise non-public address."
                .into(),
            errors: vec![FieldError::new(
                "url",
                "forbidden_address",
                "resolves to a non-public address",
            )],
        }),
        Err(_) => Err(ApiError::field(
            "url",
            "unresolvable_host",
            "the host name does not resolve",
        )),
    }
}

/// Creates a subscription; `allow_private` lets its URL reach non-public addresses (a configuration setting).
pub async fn create(
    pool: &DbPool,
    user: &AuthUser,
    allow_private: bool,
    keys: &SecretKeys,
    input: Input<NewSubscription>,
) -> Result<CreatedSubscription, ApiError> {
    let input = input.open(&authorize(user)?)?;
    check_target(&input.url, allow_private).await?;
    let id = Uuid::new_v4();
    let sealed = keys.seal(id, &input.secret);
    let row = NewSubscriptionRow {
        id,
        url: input.url.to_string(),
        event_types: input.event_types,
        secret_ciphertext: sealed.ciphertext,
        secret_nonce: sealed.nonce,
        secret_key_id: sealed.key_id,
        description: input.description,
        active: input.active,
        created_by: Some(user.id),
    };
    let row = db::run(pool, move |conn| Ok(repo::insert(conn, &row)?)).await?;
    tracing::info!(webhook.id = %row.id, actor.id = %user.id, "webhook subscription created");
    Ok(CreatedSubscription {
        subscription: Subscription::from(row),
        secret: input.secret,
    })
}

pub async fn get(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<Subscription, ApiError> {
    let _permit = authorize(user)?;
    db::read(pool, move |conn| {
        repo::find(conn, id)?
            .map(Subscription::from)
            .ok_or_else(not_found)
    })
    .await
}

pub async fn list(
    pool: &DbPool,
    user: &AuthUser,
    request: Input<SubscriptionList>,
) -> Result<Page<Subscription>, ApiError> {
    let request = request.open(&authorize(user)?)?;
    db::read(pool, move |conn| {
        let (rows, total) = repo::list(conn, &request)?;
        Ok(Page::new(rows, total, request.page).map(Subscription::from))
    })
    .await
}

/// Applies a patch under optimistic concurrency; a new URL is checked like on creation.
pub async fn update(
    pool: &DbPool,
    user: &AuthUser,
    allow_private: bool,
    keys: &SecretKeys,
    id: Uuid,
    expected_version: Option<i32>,
    patch: Input<SubscriptionPatch>,
) -> Result<Subscription, ApiError> {
    let patch = patch.open(&authorize(user)?)?;
    if let Some(url) = &patch.url {
        check_target(url, allow_private).await?;
    }
    let secret = patch.secret.as_ref().map(|secret| {
        let sealed = keys.seal(id, secret);
        SealedSecretChange::new(sealed.ciphertext, sealed.nonce, sealed.key_id)
    });
    let row = db::run(pool, move |conn| {
        conn.transaction(|conn| {
            let current = repo::find_for_update(conn, id)?.ok_or_else(not_found)?;
            if expected_version.is_some_and(|v| v != current.version) {
                return Err(ApiError::PreconditionFailed);
            }
            let changes = SubscriptionChanges {
                url: patch.url.as_ref().map(url::Url::to_string),
                event_types: patch.event_types,
                description: patch.description,
                active: patch.active,
            };
            Ok(repo::update(conn, id, &changes, secret.as_ref())?)
        })
    })
    .await?;
    tracing::info!(webhook.id = %id, actor.id = %user.id, "webhook subscription changed");
    Ok(Subscription::from(row))
}

/// Deletes a subscription with its delivery log; pending deliveries are dropped.
pub async fn delete(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let _permit = authorize(user)?;
    db::run(pool, move |conn| {
        conn.transaction(|conn| {
            let current = repo::find_for_update(conn, id)?.ok_or_else(not_found)?;
            if expected_version.is_some_and(|v| v != current.version) {
                return Err(ApiError::PreconditionFailed);
            }
            repo::delete(conn, id)?;
            Ok(())
        })
    })
    .await?;
    tracing::info!(webhook.id = %id, actor.id = %user.id, "webhook subscription deleted");
    Ok(())
}

/// The delivery log of a subscription, newest first.
pub async fn deliveries(
    pool: &DbPool,
    user: &AuthUser,
    request: Input<DeliveryList>,
) -> Result<Page<Delivery>, ApiError> {
    let request = request.open(&authorize(user)?)?;
    db::read(pool, move |conn| {
        repo::find(conn, request.filter.subscription_id)?.ok_or_else(not_found)?;
        let (rows, total) = repo::deliveries(conn, &request)?;
        Ok(Page::new(rows, total, request.page).map(Delivery::from))
    })
    .await
}

/// Queues the event of a delivery again (whatever became of it) as a new delivery, due now; the original stays in
/// the log. The receiver sees the same `Webhook-Id`, so it can recognise a repeat.
pub async fn redeliver(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    delivery_id: Uuid,
) -> Result<Delivery, ApiError> {
    let _permit = authorize(user)?;
    let row = db::run(pool, move |conn| {
        conn.transaction(|conn| {
            repo::find(conn, id)?.ok_or_else(not_found)?;
            let original = repo::find_delivery(conn, id, delivery_id)?
                .ok_or_else(|| ApiError::not_found("Delivery"))?;
            Ok(repo::redeliver(conn, &original)?)
        })
    })
    .await?;
    tracing::info!(webhook.id = %id, webhook.delivery_id = %row.id, actor.id = %user.id, "webhook redelivery queued");
    Ok(Delivery::from(row))
}

/// The signing secret of a subscription from its stored form: sealed (opened with the key it names), or a legacy
/// plain one not sealed yet.
pub fn open_secret(
    keys: &SecretKeys,
    subscription_id: Uuid,
    stored: StoredSecret,
) -> Result<SecretString, OpenError> {
    match stored {
        StoredSecret {
            secret_ciphertext: Some(ciphertext),
            secret_nonce: Some(nonce),
            secret_key_id: Some(key_id),
            ..
        } => keys.open(
            subscription_id,
            &Sealed {
                ciphertext,
                nonce,
                key_id,
            },
        ),
        StoredSecret {
            legacy_secret: Some(plain),
            ..
        } => Ok(plain.into()),
        _ => Err(OpenError::Corrupt),
    }
}

/// What [`reseal`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResealReport {
    /// Secrets sealed under the current key (legacy plain ones, or sealed under a retired key).
    pub resealed: u64,
    /// Secrets sealed under a key that is not configured (or that do not open): left as they are.
    pub unreadable: u64,
}

/// Rows per transaction of [`reseal`].
const RESEAL_BATCH: i64 = 100;

/// Seals secrets under the current key, in transactions of [`RESEAL_BATCH`] locked rows: legacy plain secrets
/// only (`legacy_only`, at start), or also every secret sealed under another key (the command, after a rotation).
/// A subscription's version does not change. For the CLI and the start-up, which hold a connection.
pub fn reseal(
    conn: &mut PgConnection,
    keys: &SecretKeys,
    legacy_only: bool,
) -> Result<ResealReport, ApiError> {
    let mut report = ResealReport::default();
    let mut after = Uuid::nil();
    loop {
        let (last, batch) = conn.transaction(|conn| -> Result<_, ApiError> {
            let rows =
                repo::secrets_to_reseal(conn, keys.current_id(), legacy_only, after, RESEAL_BATCH)?;
            let mut batch = ResealReport::default();
            for row in &rows {
                match open_secret(keys, row.id, row.secret.clone()) {
                    Ok(secret) => {
                        let sealed = keys.seal(row.id, &secret);
                        repo::store_sealed(
                            conn,
                            row.id,
                            &SealedSecretChange::new(
                                sealed.ciphertext,
                                sealed.nonce,
                                sealed.key_id,
                            ),
                        )?;
                        batch.resealed += 1;
                    }
                    Err(_) => batch.unreadable += 1,
                }
            }
            Ok((rows.last().map(|r| r.id), batch))
        })?;
        report.resealed += batch.resealed;
        report.unreadable += batch.unreadable;
        match last {
            Some(last) => after = last,
            None => return Ok(report),
        }
    }
}
