//! Version 1 of the API.

pub mod attendance;
pub mod attendance_sheet;
pub mod audit_log;
pub mod auth;
pub mod calendar;
pub mod certificate_bundle;
pub mod certificates;
pub mod changes;
pub mod clients;
pub mod competency_records;
pub mod compliance;
pub mod credentials;
pub mod enrollment_bulk;
pub mod enrollments;
pub mod events;
pub mod exports;
pub mod imports;
pub mod instruments;
pub mod letterhead;
pub mod lookups;
pub mod me;
pub mod participant_accounts;
pub mod participants;
pub mod programs;
pub mod qualifications;
pub mod reports;
pub mod responses;
pub mod results;
pub mod riwayat_kursus;
pub mod scores;
pub mod sessions;
pub mod signatory;
pub mod subject_export;
pub mod templates;
pub mod token;
pub mod trainings;
pub mod units;
pub mod users;
pub mod webhooks;

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::api::extract::etag;
use crate::domain::page::PageRequest;
use crate::error::{ApiError, FieldError};
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
        // Before the `{id}` routes of the same collections.
        .configure(imports::routes)
        .configure(participant_accounts::routes)
        .configure(calendar::routes)
        .configure(compliance::routes)
        .configure(riwayat_kursus::routes)
        .configure(units::routes)
        .configure(qualifications::routes)
        .configure(programs::routes)
        .configure(trainings::routes)
        .configure(competency_records::routes)
        .configure(participants::routes)
        .configure(subject_export::routes)
        .configure(events::routes)
        .configure(sessions::routes)
        .configure(enrollment_bulk::routes)
        .configure(enrollments::routes)
        .configure(attendance::routes)
        .configure(attendance_sheet::routes)
        .configure(scores::routes)
        .configure(results::routes)
        .configure(reports::routes)
        .configure(exports::routes)
        .configure(instruments::routes)
        .configure(responses::routes)
        .configure(templates::routes)
        .configure(certificate_bundle::routes)
        .configure(credentials::routes)
        .configure(certificates::routes)
        .configure(letterhead::routes)
        .configure(lookups::routes)
        .configure(signatory::routes)
        .configure(changes::routes)
        .configure(audit_log::routes)
        .configure(webhooks::routes)
        .service(token::token)
        .configure(clients::routes);
}

/// For JSON merge patch: an absent field is `None`, `null` is `Some(None)`, a value is `Some(Some(v))`.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// For merge-patch fields that may be left out but not cleared: `null` is recorded as an error.
pub fn not_null<T>(
    field: &str,
    value: Option<Option<T>>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match value {
        Some(None) => {
            errors.push(FieldError::new(field, "invalid_type", "may not be null"));
            None
        }
        Some(Some(v)) => Some(v),
        None => None,
    }
}

/// A versioned resource as a response: its `ETag`, and for a 201 the `Location` under `/api/v1/<collection>/`.
pub fn versioned(
    status: StatusCode,
    collection: &str,
    id: Uuid,
    version: i32,
    body: impl Serialize,
) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header((header::ETAG, etag(version)));
    if status == StatusCode::CREATED {
        response.insert_header((header::LOCATION, format!("/api/v1/{collection}/{id}")));
    }
    response.json(body)
}

/// The `q` search parameter of the lists: at most 100 characters, not only spaces, no NUL (PostgreSQL text cannot
/// hold one). The schema states the same with `maxLength` and `pattern`. Returns it trimmed.
pub fn search_query(q: Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let q = q?;
    if q.chars().count() > 100 {
        errors.push(FieldError::new(
            "q",
            "too_long",
            "must be at most 100 characters",
        ));
    } else if q.contains('\0') {
        errors.push(FieldError::new(
            "q",
            "invalid_characters",
            "must not contain NUL characters",
        ));
    } else if q.trim().is_empty() {
        errors.push(FieldError::new("q", "too_short", "must not be empty"));
    }
    Some(q.trim().to_owned())
}

/// The 400 of a query string with offending parameters (every one of them listed).
pub fn invalid_query(errors: Vec<FieldError>) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_query",
        detail: "A query parameter has an invalid value.".to_owned(),
        errors,
    }
}

/// `Ok(value)` when no parameter was refused, else the 400 listing them.
pub fn checked_query<T>(value: T, errors: Vec<FieldError>) -> Result<T, ApiError> {
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(invalid_query(errors))
    }
}

/// The page of a list request on its own (for queries with no other parameters to check).
pub fn page_of(limit: Option<i64>, offset: Option<i64>) -> Result<PageRequest, ApiError> {
    let mut errors = Vec::new();
    let page = PageRequest::parse(limit, offset, &mut errors);
    checked_query(page, errors)
}
