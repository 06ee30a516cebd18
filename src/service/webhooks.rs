//! Webhook subscriptions and their delivery log: administrators only. The URL's SSRF check (a DNS lookup) happens
//! in the handler before the service runs; the rules here are the database ones.

use diesel::Connection;
use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo::webhooks::{
    self as repo, DeliveryRow, NewSubscriptionRow, SubscriptionChanges, SubscriptionRow,
};

/// A checked new subscription. `secret` is the one given or a generated one.
#[derive(Debug)]
pub struct NewSubscription {
    pub url: String,
    pub event_types: Vec<String>,
    pub secret: String,
    pub description: Option<String>,
    pub active: bool,
}

/// A checked partial update. `None` leaves a field unchanged.
#[derive(Debug, Default)]
pub struct SubscriptionPatch {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub secret: Option<String>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
}

/// Webhooks reach outside the service with its data: administrators only.
pub fn authorize(user: &AuthUser) -> Result<(), ApiError> {
    user.require(&[Role::Admin])
}

fn not_found() -> ApiError {
    ApiError::not_found("Webhook subscription")
}

pub fn create(
    conn: &mut PgConnection,
    user: &AuthUser,
    input: NewSubscription,
) -> Result<SubscriptionRow, ApiError> {
    authorize(user)?;
    let row = NewSubscriptionRow {
        id: Uuid::new_v4(),
        url: input.url,
        event_types: input.event_types,
        secret: input.secret,
        description: input.description,
        active: input.active,
        created_by: Some(user.id),
    };
    Ok(repo::insert(conn, &row)?)
}

pub fn get(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
) -> Result<SubscriptionRow, ApiError> {
    authorize(user)?;
    repo::find(conn, id)?.ok_or_else(not_found)
}

pub fn list(
    conn: &mut PgConnection,
    user: &AuthUser,
    active: Option<bool>,
    page: PageRequest,
) -> Result<Page<SubscriptionRow>, ApiError> {
    authorize(user)?;
    let (rows, total) = repo::list(conn, active, page.limit, page.offset)?;
    Ok(Page::new(rows, total, page))
}

/// Applies a patch under optimistic concurrency.
pub fn update(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    patch: SubscriptionPatch,
) -> Result<SubscriptionRow, ApiError> {
    authorize(user)?;
    conn.transaction(|conn| {
        let current = repo::find_for_update(conn, id)?.ok_or_else(not_found)?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let changes = SubscriptionChanges {
            url: patch.url,
            event_types: patch.event_types,
            secret: patch.secret,
            description: patch.description,
            active: patch.active,
        };
        Ok(repo::update(conn, id, &changes)?)
    })
}

/// Deletes a subscription with its delivery log; pending deliveries are dropped.
pub fn delete(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    authorize(user)?;
    conn.transaction(|conn| {
        let current = repo::find_for_update(conn, id)?.ok_or_else(not_found)?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        repo::delete(conn, id)?;
        Ok(())
    })
}

/// The delivery log of a subscription, newest first.
pub fn deliveries(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    status: Option<&str>,
    page: PageRequest,
) -> Result<Page<DeliveryRow>, ApiError> {
    authorize(user)?;
    repo::find(conn, id)?.ok_or_else(not_found)?;
    let (rows, total) = repo::deliveries(conn, id, status, page.limit, page.offset)?;
    Ok(Page::new(rows, total, page))
}

/// Queues the event of a delivery again (whatever became of it) as a new delivery, due now; the original stays in
/// the log. The receiver sees the same `Webhook-Id`, so it can recognise a repeat.
pub fn redeliver(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    delivery_id: Uuid,
) -> Result<DeliveryRow, ApiError> {
    authorize(user)?;
    conn.transaction(|conn| {
        repo::find(conn, id)?.ok_or_else(not_found)?;
        let original = repo::find_delivery(conn, id, delivery_id)?
            .ok_or_else(|| ApiError::not_found("Delivery"))?;
        Ok(repo::redeliver(conn, &original)?)
    })
}
