//! One error type for the whole service, rendered as RFC 9457 `application/problem+json`.
//!
//! Every failure a client can see goes through [`ApiError`]: handler errors, extractor failures, unknown routes and
//! methods, panics. 5xx bodies never carry internal text; the cause is logged once, here, at the boundary.

use std::borrow::Cow;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Every `code` a problem document of this service can carry, sorted: the enum of `Problem.code` in the OpenAPI
/// document. A test beside this list reads the source for the codes it emits (`code: "..."`, `ApiError::conflict`,
/// the fixed codes of [`ApiError::code`], ...) and fails on one missing here; the integration tests check every code
/// they meet against it too. A new code is added to clients' enums with the service's next version.
pub const PROBLEM_CODES: &[&str] = &[
    "activation_code_expired",
    "already_enrolled",
    "already_erased",
    "already_exists",
    "already_revoked",
    "already_submitted",
    "attendance_closed",
    "bulk_rejected",
    "cannot_change_own_access",
    "capacity_below_approved",
    "certificate_revoked",
    "cursor_expired",
    "duplicate_key",
    "enrollment_closed",
    "event_has_no_sessions",
    "event_not_completed",
    "event_not_editable",
    "event_not_ended_yet",
    "event_not_final",
    "event_not_started_yet",
    "facilitator_busy",
    "follow_up_window_closed",
    "forbidden",
    "forbidden_field",
    "has_responses",
    "holder_erased",
    "idempotency_answer_lost",
    "idempotency_key_erased",
    "idempotency_key_not_accepted",
    "idempotency_key_reused",
    "idempotency_request_in_flight",
    "import_conflict",
    "import_rejected",
    "in_use",
    "instrument_closed",
    "insufficient_scope",
    "internal_error",
    "invalid_activation_code",
    "invalid_credentials",
    "invalid_cursor",
    "invalid_encoding",
    "invalid_idempotency_key",
    "invalid_if_match",
    "invalid_path_parameter",
    "invalid_query",
    "invalid_refresh_token",
    "invalid_token",
    "invalid_transition",
    "malformed_csv",
    "malformed_json",
    "method_not_allowed",
    "multiple_authorization_headers",
    "no_accounts_issued",
    "no_officer",
    "no_scan",
    "no_sessions",
    "not_enrolled",
    "not_found",
    "participant_erased",
    "payload_too_large",
    "precondition_failed",
    "questions_locked",
    "record_not_pending",
    "record_verified",
    "refresh_token_reused",
    "route_not_found",
    "scores_closed",
    "service_account",
    "service_unavailable",
    "sessions_outside_dates",
    "signing_key_missing",
    "too_many_requests",
    "too_many_rows",
    "transition_not_allowed",
    "unauthorized",
    "unknown_parameter",
    "unreadable_body",
    "unsupported_media_type",
    "uri_too_long",
    "validation_failed",
    "webhook_url_forbidden",
];

/// One offending input field of a validation error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"field": "password", "code": "too_short", "message": "must be at least 12 characters"}))]
pub struct FieldError {
    /// The offending field: a property name, or a dotted path such as `items[2].nip`.
    pub field: String,
    /// A stable machine code: `required`, `unknown_field`, `invalid_type`, `invalid_format`, `too_short`,
    /// `too_long`, `out_of_range`, `invalid_value`, `already_exists`, `unknown_reference`, ...
    pub code: Cow<'static, str>,
    /// A human-readable explanation in English.
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:bimtek-api:problem:validation_failed",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "The request body has 1 invalid field.",
    "code": "validation_failed",
    "errors": [{"field": "password", "code": "too_short", "message": "must be at least 12 characters"}]
}))]
pub struct Problem {
    /// A URI that names the problem type: `urn:bimtek-api:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The HTTP reason phrase of the status.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, for a human.
    pub detail: String,
    /// A stable machine-readable code; clients branch on this, never on `detail`.
    pub code: String,
    /// For validation errors (422): every offending field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(nullable = false)]
    pub errors: Vec<FieldError>,
}

/// The error of every fallible operation in the service.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 422: the input is well-formed but invalid; every offending field is listed.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 400: the request cannot be read (malformed JSON, bad path or query value).
    #[error("{detail}")]
    BadRequest {
        code: &'static str,
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 401: no or an invalid credential. `invalid_token` says a token was presented and refused.
    #[error("{detail}")]
    Unauthorized {
        code: &'static str,
        detail: Cow<'static, str>,
        invalid_token: bool,
    },
    /// 403: authenticated, but not allowed.
    #[error("{detail}")]
    Forbidden {
        code: &'static str,
        detail: Cow<'static, str>,
    },
    /// 403: authenticated and allowed the operation, but not on these fields.
    #[error("forbidden fields")]
    ForbiddenFields(Vec<FieldError>),
    /// 404: the resource (or route) does not exist, or the caller may not know it exists.
    #[error("{detail}")]
    NotFound {
        code: &'static str,
        detail: Cow<'static, str>,
    },
    /// 405: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    /// 409: the request conflicts with the current state.
    #[error("{detail}")]
    Conflict {
        code: &'static str,
        detail: Cow<'static, str>,
        errors: Vec<FieldError>,
    },
    /// 422 with its own code: a well-formed request the service refuses for a reason other than field validation
    /// (an idempotency key reused with another request, a webhook URL pointing to a forbidden address).
    #[error("{detail}")]
    Unprocessable {
        code: &'static str,
        detail: Cow<'static, str>,
        errors: Vec<FieldError>,
    },
    /// 410 with its own code: what the request points at existed but is gone for good (a change-feed cursor
    /// behind the retention horizon).
    #[error("{detail}")]
    Gone {
        code: &'static str,
        detail: Cow<'static, str>,
    },
    /// 412: `If-Match` names a version that is no longer current.
    #[error("precondition failed")]
    PreconditionFailed,
    /// 413: the body is larger than allowed.
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    /// 414: the request target (path and query) is longer than the service reads.
    #[error("uri too long")]
    UriTooLong { limit: usize },
    /// 415: the body is not JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType { expected: &'static str },
    /// 429: too many requests; retry after the given seconds.
    #[error("too many requests")]
    TooManyRequests { retry_after: u64 },
    /// 503: a dependency (the database) is unavailable; retry after the given seconds.
    #[error("service unavailable")]
    Unavailable { retry_after: u64 },
    /// 500: a bug or an unexpected failure. The source is logged, never shown.
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self::Validation(errors)
    }

    pub fn field(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn not_found(what: &'static str) -> Self {
        Self::NotFound {
            code: "not_found",
            detail: Cow::Owned(format!("{what} not found.")),
        }
    }

    pub fn forbidden() -> Self {
        Self::Forbidden {
            code: "forbidden",
            detail: Cow::Borrowed("Your role does not allow this operation."),
        }
    }

    pub fn conflict(code: &'static str, detail: impl Into<Cow<'static, str>>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn missing_token() -> Self {
        Self::Unauthorized {
            code: "unauthorized",
            detail: Cow::Borrowed(
                "This operation needs a bearer token in the Authorization header.",
            ),
            invalid_token: false,
        }
    }

    pub fn invalid_token() -> Self {
        Self::Unauthorized {
            code: "invalid_token",
            detail: Cow::Borrowed("The access token is invalid, expired or revoked."),
            invalid_token: true,
        }
    }

    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(err))
    }

    pub fn internal_msg(msg: &'static str) -> Self {
        Self::Internal(msg.into())
    }

    /// The stable machine code of this error.
    pub fn code(&self) -> &str {
        match self {
            Self::Validation(_) => "validation_failed",
            Self::BadRequest { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Forbidden { code, .. }
            | Self::NotFound { code, .. }
            | Self::Conflict { code, .. }
            | Self::Gone { code, .. }
            | Self::Unprocessable { code, .. } => code,
            Self::ForbiddenFields(_) => "forbidden_field",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::PreconditionFailed => "precondition_failed",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UriTooLong { .. } => "uri_too_long",
            Self::UnsupportedMediaType { .. } => "unsupported_media_type",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Unavailable { .. } => "service_unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::Validation(errors) => match errors.len() {
                1 => "The request has 1 invalid field.".to_owned(),
                n => format!("The request has {n} invalid fields."),
            },
            Self::BadRequest { detail, .. } => detail.clone(),
            Self::Unauthorized { detail, .. }
            | Self::Forbidden { detail, .. }
            | Self::NotFound { detail, .. }
            | Self::Conflict { detail, .. }
            | Self::Gone { detail, .. }
            | Self::Unprocessable { detail, .. } => detail.to_string(),
            Self::ForbiddenFields(errors) => format!(
                "You may not change {}.",
                errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>().join(", ")
            ),
            Self::MethodNotAllowed { allow } => {
                format!("This path does not support the method; allowed: {allow}.")
            }
            Self::PreconditionFailed => {
                "The resource has changed since you read it: If-Match does not name its current version. Read it again and retry.".to_owned()
            }
            Self::UriTooLong { limit } => format!(
                "The request's path and query string are longer than the limit of {limit} bytes; ask for less at \
                 a time (fewer filters, or several requests)."
            ),
            Self::PayloadTooLarge { limit } => {
                format!("The request body is larger than the limit of {limit} bytes.")
            }
            Self::UnsupportedMediaType { expected } => {
                format!("The request body must be sent as {expected}.")
            }
            Self::TooManyRequests { retry_after } => {
                format!("Too many requests; retry after {retry_after} seconds.")
            }
            Self::Unavailable { retry_after } => format!(
                "The service cannot reach its database right now; retry after {retry_after} seconds."
            ),
            Self::Internal(_) => "An unexpected error occurred. It has been logged.".to_owned(),
        }
    }

    /// The problem document of this error.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let errors = match self {
            Self::Validation(errors)
            | Self::ForbiddenFields(errors)
            | Self::BadRequest { errors, .. }
            | Self::Conflict { errors, .. }
            | Self::Unprocessable { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        Problem {
            type_: format!("urn:bimtek-api:problem:{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.detail(),
            code: self.code().to_owned(),
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } | Self::ForbiddenFields(_) => StatusCode::FORBIDDEN,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Gone { .. } => StatusCode::GONE,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            // The cause chain is logged once, here. Database and library messages carry no personal values.
            Self::Internal(source) => {
                tracing::error!(error.cause = %error_chain(source.as_ref()), "internal error")
            }
            Self::Unavailable { .. } => tracing::warn!("database unavailable"),
            _ => {}
        }
        let mut builder = HttpResponse::build(self.status_code());
        builder.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        builder.insert_header((header::CACHE_CONTROL, "no-store"));
        // Also here, not only in the app's `DefaultHeaders`: an error that a middleware returns (a handler panic)
        // is rendered after the middlewares, which add headers to successful answers only.
        builder.insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
        match self {
            Self::Unauthorized { invalid_token, .. } => {
                let value = if *invalid_token {
                    r#"Bearer realm="bimtek-api", error="invalid_token""#
                } else {
                    r#"Bearer realm="bimtek-api""#
                };
                builder.insert_header((header::WWW_AUTHENTICATE, value));
            }
            Self::MethodNotAllowed { allow } => {
                builder.insert_header((header::ALLOW, allow.as_str()));
            }
            Self::TooManyRequests { retry_after } | Self::Unavailable { retry_after } => {
                builder.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            _ => {}
        }
        builder.json(self.problem())
    }
}

fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// True when a database error means the connection itself is gone (server restarted, network cut).
pub fn is_connection_error(err: &DieselError) -> bool {
    match err {
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => true,
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            let msg = info.message();
            [
                "server closed the connection",
                "terminating connection",
                "no connection to the server",
                "could not receive data",
                "could not send data",
                "connection to server",
                "the database system is",
            ]
            .iter()
            .any(|needle| msg.contains(needle))
        }
        _ => false,
    }
}

/// Derives the field a constraint guards from its conventional name: `<table>_<field>_key` or `_fkey`.
fn constraint_field(constraint: &str, suffix: &str) -> Option<String> {
    let stem = constraint.strip_suffix(suffix)?;
    for table in [
        "event_unit_quotas",
        "enrollments",
        "attendance",
        "event_organizers",
        "session_facilitators",
        "refresh_tokens",
        "clients",
        "participants",
        "programs",
        "sessions",
        "events",
        "units",
        "users",
    ] {
        if let Some(field) = stem.strip_prefix(table).and_then(|s| s.strip_prefix('_')) {
            return Some(field.to_owned());
        }
    }
    None
}

impl From<DieselError> for ApiError {
    fn from(err: DieselError) -> Self {
        if is_connection_error(&err) {
            return Self::Unavailable { retry_after: 2 };
        }
        match err {
            DieselError::NotFound => Self::not_found("Resource"),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, ref info) => {
                let field = info
                    .constraint_name()
                    .and_then(|c| constraint_field(c, "_key"))
                    .unwrap_or_else(|| "id".to_owned());
                Self::Conflict {
                    code: "already_exists",
                    detail: Cow::Owned(format!("A resource with this {field} already exists.")),
                    errors: vec![FieldError::new(field, "already_exists", "is already taken")],
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, ref info) => {
                match info
                    .constraint_name()
                    .and_then(|c| constraint_field(c, "_fkey"))
                {
                    Some(field) => Self::field(
                        field,
                        "unknown_reference",
                        "refers to a resource that does not exist",
                    ),
                    None => Self::conflict(
                        "in_use",
                        "The resource is still referenced by other resources.",
                    ),
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::conflict(
                    "concurrent_update",
                    "A concurrent request changed the same data; retry the request.",
                )
            }
            other => Self::internal(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(_: diesel::r2d2::PoolError) -> Self {
        // Pool checkout timed out: the database is down or every connection is busy.
        Self::Unavailable { retry_after: 2 }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::internal(err)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The source files of the crate, read as text.
    pub(crate) fn sources() -> Vec<(std::path::PathBuf, String)> {
        fn walk(dir: &std::path::Path, into: &mut Vec<(std::path::PathBuf, String)>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, into);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    into.push((path, text));
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        files
    }

    #[test]
    fn every_problem_code_in_the_source_is_in_the_list() {
        // The ways the code names a problem code: a variant's `code` field, `ApiError::conflict`, a refusal of a
        // refresh token, a problem answered outside ApiError (`problem(status, code, ..)`), the lifecycle's
        // constants, and the fixed codes of `ApiError::code`.
        let patterns = [
            r#"\bcode: "([a-z][a-z0-9_]*)""#,
            r#"ApiError::conflict\(\s*"([a-z][a-z0-9_]*)""#,
            r#"(?:invalid_refresh|Refused)\(\s*"([a-z][a-z0-9_]*)""#,
            r#"problem\(\s*StatusCode::[A-Z_]+,\s*"([a-z][a-z0-9_]*)""#,
            r#"pub const [A-Z_]+: &str = "(event_[a-z_]+|[a-z_]+_window_closed)";"#,
        ]
        .map(|p| regex::Regex::new(p).unwrap());
        let fixed = regex::Regex::new(r#"=> "([a-z_]+)""#).unwrap();
        let mut found = std::collections::BTreeMap::new();
        for (path, text) in sources() {
            for pattern in &patterns {
                for capture in pattern.captures_iter(&text) {
                    found.insert(capture[1].to_owned(), path.display().to_string());
                }
            }
            if path.ends_with("error.rs") {
                let start = text.find("pub fn code(&self)").unwrap();
                let end = start + text[start..].find("fn detail(&self)").unwrap();
                for capture in fixed.captures_iter(&text[start..end]) {
                    found.insert(capture[1].to_owned(), path.display().to_string());
                }
            }
        }
        let missing: Vec<String> = found
            .iter()
            .filter(|(code, _)| !PROBLEM_CODES.contains(&code.as_str()))
            .map(|(code, file)| format!("{code} ({file})"))
            .collect();
        assert!(
            missing.is_empty(),
            "problem codes missing from PROBLEM_CODES: {missing:?}"
        );
        assert!(
            found.len() > 70,
            "the scan found only {} codes",
            found.len()
        );
        let mut sorted = PROBLEM_CODES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            sorted, PROBLEM_CODES,
            "PROBLEM_CODES is sorted, each code once"
        );
    }

    #[test]
    fn constraint_names_map_to_fields() {
        assert_eq!(
            constraint_field("users_username_key", "_key").as_deref(),
            Some("username")
        );
        assert_eq!(
            constraint_field("users_unit_id_fkey", "_fkey").as_deref(),
            Some("unit_id")
        );
        assert_eq!(
            constraint_field("participants_nip_key", "_key").as_deref(),
            Some("nip")
        );
        assert_eq!(constraint_field("weird", "_key"), None);
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let err = ApiError::internal_msg("secret database detail");
        let problem = err.problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.contains("secret"));
        assert_eq!(problem.code, "internal_error");
    }
}
