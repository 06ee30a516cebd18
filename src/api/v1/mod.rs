//! Version 1 of the API.

pub mod attendance;
pub mod auth;
pub mod enrollments;
pub mod events;
pub mod me;
pub mod participants;
pub mod programs;
pub mod sessions;
pub mod units;
pub mod users;

use serde::{Deserialize, Deserializer};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(me::me)
        .service(users::list_users)
        .service(users::create_user)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::deactivate_user)
        .configure(units::routes)
        .configure(programs::routes)
        .configure(participants::routes)
        .configure(events::routes)
        .configure(sessions::routes)
        .configure(enrollments::routes)
        .configure(attendance::routes);
}

/// For JSON merge patch: an absent field is `None`, `null` is `Some(None)`, a value is `Some(Some(v))`.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
