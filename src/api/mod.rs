//! The HTTP layer: handlers, DTOs, extractors and the route table.

pub mod activation_page;
pub mod conditional;
pub mod extract;
pub mod fallback;
pub mod health;
pub mod metrics;
pub mod v1;
pub mod verify_page;

use actix_web::middleware::{DefaultHeaders, from_fn};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every documented route. The server and the OpenAPI document both come from this function.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(health::live)
        .service(health::ready)
        .service(verify_page::verify_page)
        .service(activation_page::activation_form)
        .service(activation_page::activation_submit)
        // Public and cacheable (`public, max-age=300`, set by the handler), with `304` to `If-None-Match`.
        .service(
            scope::scope("/.well-known")
                .wrap(from_fn(conditional::not_modified))
                .service(v1::credentials::key_set),
        )
        .service(
            scope::scope("/api/v1")
                // Inside the default headers: a 304 gets `Cache-Control: no-store` like the 200 it stands for.
                .wrap(from_fn(conditional::not_modified))
                // Responses of the API carry personal data or tokens: no cache may keep them.
                .wrap(DefaultHeaders::new().add(("Cache-Control", "no-store")))
                .configure(v1::routes),
        );
}
