//! `/api/v1/webhooks`: subscriptions to change events, their delivery log and redelivery (administrators only).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::{ApiQuery, IfMatch, JsonBody};
use crate::api::v1::{double_option, not_null};
use crate::auth::AuthUser;
use crate::domain::page::{Page, PageRequest};
use crate::domain::text;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::webhooks::{
    CreatedSubscription, Delivery, DeliveryFilter, DeliveryList, NewSubscription, Subscription,
    SubscriptionFilter, SubscriptionList, SubscriptionPatch, check_event_types, check_secret,
    check_url, generated_secret,
};
use crate::state::AppState;
use crate::webhooks::{DeliveryStatus, EventType};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(list_deliveries)
        .service(redeliver);
}

/// A webhook subscription (the secret is never shown again after creation).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0b6e9a4c-6f1d-4d8e-9a51-0c1f2e3d4b5a",
    "url": "https://sdp.example.go.id/hooks/bimtek",
    "event_types": ["enrollment.changed", "certificate.issued"],
    "description": "Sistem Database Pemasyarakatan",
    "active": true,
    "version": 1,
    "created_at": "2025-08-01T02:00:00Z",
    "updated_at": "2025-08-01T02:00:00Z"
}))]
pub struct WebhookResponse {
    pub id: Uuid,
    /// Where events are POSTed.
    pub url: String,
    /// The event types delivered to this URL.
    #[schema(value_type = Vec<EventType>)]
    pub event_types: Vec<EventType>,
    pub description: Option<String>,
    /// Inactive subscriptions receive nothing; their pending deliveries wait until reactivation.
    pub active: bool,
    /// Increases with every change; sent as `ETag`, expected in `If-Match`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Subscription> for WebhookResponse {
    fn from(s: Subscription) -> Self {
        Self {
            id: s.id,
            url: s.url,
            event_types: s.event_types,
            description: s.description,
            active: s.active,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A new subscription, with its signing secret: store it now, it is not shown again.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0b6e9a4c-6f1d-4d8e-9a51-0c1f2e3d4b5a",
    "url": "https://sdp.example.go.id/hooks/bimtek",
    "event_types": ["enrollment.changed", "certificate.issued"],
    "description": "Sistem Database Pemasyarakatan",
    "active": true,
    "secret": "whsec_3q2-7wEAAAB5f0lR0yJ0c0hN8lJw3cT8ZkQpVq1xYz0",
    "version": 1,
    "created_at": "2025-08-01T02:00:00Z",
    "updated_at": "2025-08-01T02:00:00Z"
}))]
pub struct WebhookCreatedResponse {
    pub id: Uuid,
    pub url: String,
    #[schema(value_type = Vec<EventType>)]
    pub event_types: Vec<EventType>,
    pub description: Option<String>,
    pub active: bool,
    /// The HMAC-SHA256 key of the `Webhook-Signature` header. Shown only in this answer.
    pub secret: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new subscription.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://sdp.example.go.id/hooks/bimtek",
    "event_types": ["enrollment.changed", "certificate.issued"],
    "description": "Sistem Database Pemasyarakatan"
}))]
pub struct CreateWebhookRequest {
    /// An absolute `http` or `https` URL without credentials whose host resolves to public addresses only.
    #[schema(min_length = 8, max_length = 2000)]
    pub url: String,
    /// At least one event type; duplicates are ignored.
    #[schema(min_items = 1, max_items = 9)]
    pub event_types: Vec<EventType>,
    /// The signing secret (32-200 characters); when left out, a random one is generated and returned once.
    #[schema(min_length = 32, max_length = 200)]
    pub secret: Option<String>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// Default `true`.
    pub active: Option<bool>,
}

/// A JSON merge patch of a subscription: send only the fields to change; `null` clears `description`. A new
/// `secret` (32-200 characters) replaces the old one at once.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active": false}))]
pub struct UpdateWebhookRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 8, max_length = 2000)]
    pub url: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Vec<EventType>, min_items = 1, max_items = 9)]
    pub event_types: Option<Option<Vec<EventType>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 32, max_length = 200)]
    pub secret: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 500)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = bool)]
    pub active: Option<Option<bool>>,
}

impl CreateWebhookRequest {
    fn parse(self) -> Result<NewSubscription, ApiError> {
        let mut errors = Vec::new();
        let url = check_url(&self.url, &mut errors);
        let event_types = check_event_types(self.event_types, &mut errors);
        let secret = match self.secret {
            Some(secret) => check_secret(secret, &mut errors),
            None => Some(generated_secret()),
        };
        let description = text::optional("description", self.description.as_deref(), 500)
            .map_err(|e| errors.push(e))
            .ok();
        match (url, event_types, secret, description) {
            (Some(url), Some(event_types), Some(secret), Some(description))
                if errors.is_empty() =>
            {
                Ok(NewSubscription {
                    url,
                    event_types,
                    secret,
                    description,
                    active: self.active.unwrap_or(true),
                })
            }
            _ => Err(ApiError::validation(errors)),
        }
    }
}

impl UpdateWebhookRequest {
    fn parse(self) -> Result<SubscriptionPatch, ApiError> {
        let mut errors = Vec::new();
        let url = not_null("url", self.url, &mut errors).and_then(|u| check_url(&u, &mut errors));
        let event_types = not_null("event_types", self.event_types, &mut errors)
            .and_then(|t| check_event_types(t, &mut errors));
        let secret =
            not_null("secret", self.secret, &mut errors).and_then(|s| check_secret(s, &mut errors));
        let active = not_null("active", self.active, &mut errors);
        let description = match self.description {
            Some(Some(d)) => text::optional("description", Some(&d), 500)
                .map_err(|e| errors.push(e))
                .ok(),
            other => other,
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(SubscriptionPatch {
            url,
            event_types,
            secret,
            description,
            active,
        })
    }
}

/// Filters and paging of the subscription list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListWebhooksQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only active (`true`) or inactive (`false`) subscriptions.
    pub active: Option<bool>,
}

/// Filters and paging of the delivery log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListDeliveriesQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only deliveries in this state.
    #[param(inline)]
    pub status: Option<DeliveryStatus>,
}

/// One delivery of one event to one subscription, with the outcome of its latest attempt.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "5f0c7a1e-2b3d-4c5e-8f9a-0b1c2d3e4f50",
    "subscription_id": "0b6e9a4c-6f1d-4d8e-9a51-0c1f2e3d4b5a",
    "event_id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
    "event_type": "enrollment.changed",
    "status": "pending",
    "attempts": 2,
    "next_attempt_at": "2025-08-01T02:02:40Z",
    "last_attempt_at": "2025-08-01T02:00:40Z",
    "last_status_code": 500,
    "last_error": "HTTP 500",
    "delivered_at": null,
    "redelivery_of": null,
    "created_at": "2025-08-01T02:00:00Z",
    "payload": {"id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", "type": "enrollment.changed",
        "occurred_at": "2025-08-01T02:00:00.000000Z",
        "data": {"enrollment_id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "event_id": "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a",
                 "participant_id": "3e4f5a6b-7c8d-4e9f-0a1b-2c3d4e5f6a7b", "status": "approved", "previous_status": "nominated", "version": 2}}
}))]
pub struct DeliveryResponse {
    pub id: Uuid,
    pub subscription_id: Uuid,
    /// The event id, sent as `Webhook-Id` (the same for every attempt and redelivery of the event).
    pub event_id: Uuid,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due (pending deliveries only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The HTTP status of the latest answer (null when no answer came).
    pub last_status_code: Option<i32>,
    /// Why the latest attempt failed: `HTTP 500`, `timeout`, `connection failed`, a refused address, ...
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// For a manual redelivery: the delivery it repeats.
    pub redelivery_of: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// The body that is POSTed: `{id, type, occurred_at, data}`.
    pub payload: serde_json::Value,
}

impl From<Delivery> for DeliveryResponse {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id,
            subscription_id: d.subscription_id,
            event_id: d.event_id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_attempt_at: d.last_attempt_at,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            delivered_at: d.delivered_at,
            redelivery_of: d.redelivery_of,
            created_at: d.created_at,
            payload: d.payload,
        }
    }
}

impl From<CreatedSubscription> for WebhookCreatedResponse {
    fn from(created: CreatedSubscription) -> Self {
        let s = created.subscription;
        Self {
            id: s.id,
            url: s.url,
            event_types: s.event_types,
            description: s.description,
            active: s.active,
            secret: created.secret.expose_secret().to_owned(),
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

impl ListWebhooksQuery {
    fn parse(self) -> Result<SubscriptionList, ApiError> {
        let mut errors = Vec::new();
        let page = PageRequest::parse(self.limit, self.offset, &mut errors);
        let filter = SubscriptionFilter {
            active: self.active,
        };
        super::checked_query(
            SubscriptionList {
                filter,
                sort: (),
                page,
            },
            errors,
        )
    }
}

impl ListDeliveriesQuery {
    fn parse(self, subscription_id: Uuid) -> Result<DeliveryList, ApiError> {
        let mut errors = Vec::new();
        let page = PageRequest::parse(self.limit, self.offset, &mut errors);
        let filter = DeliveryFilter {
            subscription_id,
            status: self.status,
        };
        super::checked_query(
            DeliveryList {
                filter,
                sort: (),
                page,
            },
            errors,
        )
    }
}

fn webhook_response(subscription: Subscription, status: StatusCode) -> HttpResponse {
    let body = WebhookResponse::from(subscription);
    super::versioned(status, "webhooks", body.id, body.version, body)
}

/// List webhook subscriptions
///
/// Pages through the webhook subscriptions, oldest first (ties by id). Secrets are never shown. Administrators
/// only.
#[utoipa::path(
    tag = "webhooks",
    params(ListWebhooksQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of subscriptions.", body = Page<WebhookResponse>)
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListWebhooksQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::webhooks::list(&state.pool, &user, query.0.parse().into()).await?;
    Ok(HttpResponse::Ok().json(page.map(WebhookResponse::from)))
}

/// Subscribe to events
///
/// Creates a subscription: events of the listed types are POSTed to `url`, signed with the secret (headers
/// `Webhook-Id`, `Webhook-Timestamp` and `Webhook-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`;
/// see the README for a verification example). The secret is generated unless given, and shown only in this
/// answer. The URL must be http(s); its host is resolved and a private, loopback, link-local, unique-local, CGNAT
/// or multicast address is refused with 422 `webhook_url_forbidden` (the check is repeated at every delivery).
/// Administrators only.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhookRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; `Location` names the subscription. The only answer with the secret.",
            body = WebhookCreatedResponse,
            headers(("Location" = String, description = "The URL of the new subscription"), ("ETag" = String, description = "The version"))),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, description = "Invalid fields (`validation_failed`), or a URL that resolves to a non-public address (`webhook_url_forbidden`).",
            content_type = "application/problem+json", body = crate::error::Problem,
            example = json!({"type": "urn:bimtek-api:problem:webhook_url_forbidden", "title": "Unprocessable Entity",
                "status": 422, "detail": "The webhook URL points to a private, loopback, link-local or otherwise non-public address.",
                "code": "webhook_url_forbidden", "errors": [{"field": "url", "code": "forbidden_address", "message": "resolves to a non-public address"}]}))
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().and_then(CreateWebhookRequest::parse);
    let settings = &state.settings;
    let created = service::webhooks::create(
        &state.pool,
        &user,
        settings.webhook_allow_private_targets,
        &settings.webhook_secret_keys,
        input.into(),
    )
    .await?;
    let body = WebhookCreatedResponse::from(created);
    Ok(super::versioned(
        StatusCode::CREATED,
        "webhooks",
        body.id,
        body.version,
        body,
    ))
}

/// Read a webhook subscription
///
/// The subscription without its secret; `ETag` carries the version. Administrators only.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The subscription id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The subscription.", body = WebhookResponse,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let subscription = service::webhooks::get(&state.pool, &user, id.into_inner()).await?;
    Ok(webhook_response(subscription, StatusCode::OK))
}

/// Change a webhook subscription
///
/// A JSON merge patch of `url`, `event_types`, `secret` (a new one, 32-200 characters, replaces the old at
/// once), `description` and `active`. A new URL is checked like on creation (422 `webhook_url_forbidden`).
/// Deliveries already queued go to the URL current when they are sent. Honours `If-Match` (412 on a stale
/// version). Administrators only.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "The subscription id"),
        IfMatch
    ),
    request_body(content = UpdateWebhookRequest, content_type = "application/merge-patch+json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The changed subscription.", body = WebhookResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 412, response = responses::PreconditionFailed),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().and_then(UpdateWebhookRequest::parse);
    let settings = &state.settings;
    let subscription = service::webhooks::update(
        &state.pool,
        &user,
        settings.webhook_allow_private_targets,
        &settings.webhook_secret_keys,
        id.into_inner(),
        if_match.0,
        patch.into(),
    )
    .await?;
    Ok(webhook_response(subscription, StatusCode::OK))
}

/// Delete a webhook subscription
///
/// Deletes the subscription with its delivery log; pending deliveries are dropped. Honours `If-Match`.
/// Administrators only.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "The subscription id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, response = responses::NotFound),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service::webhooks::delete(&state.pool, &user, id.into_inner(), if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The delivery log of a subscription
///
/// Every delivery of the subscription, newest first (ties by id): event type, state, attempts, the status code or
/// error of the latest attempt, and the times. A delivery is retried with exponential backoff and jitter (10 s,
/// 30 s, 2 min, 10 min, 1 h, 4 h, 12 h) and marked `failed` after 8 attempts. Administrators only.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path, description = "The subscription id"), ListDeliveriesQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of deliveries.", body = Page<DeliveryResponse>),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<ListDeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let request = query.0.parse(id.into_inner());
    let page = service::webhooks::deliveries(&state.pool, &user, request.into()).await?;
    Ok(HttpResponse::Ok().json(page.map(DeliveryResponse::from)))
}

/// Redeliver an event
///
/// Queues the event of a delivery again, whatever became of it, as a new pending delivery due at once (the
/// original stays in the log). The receiver gets the same `Webhook-Id` and payload, with a fresh timestamp and
/// signature. Administrators only.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path, description = "The subscription id"),
        ("delivery_id" = Uuid, Path, description = "The delivery to repeat")
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 202, description = "Queued: the new delivery.", body = DeliveryResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = path.into_inner();
    let delivery = service::webhooks::redeliver(&state.pool, &user, id, delivery_id).await?;
    Ok(HttpResponse::Accepted().json(DeliveryResponse::from(delivery)))
}
