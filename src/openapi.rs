//! The OpenAPI document: information, security scheme and shared problem responses. Paths and schemas come from
//! the handlers registered in `api::routes`, through utoipa-actix-web: no second list of paths exists.

use std::collections::BTreeSet;
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityRequirement,
    SecurityScheme,
};

use utoipa::openapi::schema::{ArrayItems, Schema, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr, ResponseBuilder, Server};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::auth::scopes::{self, Scope};
use crate::error::Problem;

pub const BEARER: &str = "bearer_auth";
/// The OAuth 2.0 client-credentials scheme of service accounts.
pub const CLIENT_CREDENTIALS: &str = "client_credentials";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "bimtek-api",
        description = "REST API for the technical-guidance trainings (Bimtek) of the regional corrections office \
(Kanwil Ditjenpas) of Central Kalimantan: the officers who take part, training events and their sessions, \
attendance and evaluations.\n\n\
**Authentication.** `POST /api/v1/auth/login` returns a short-lived access token (JWT) and a refresh token. \
Send the access token as `Authorization: Bearer <token>`; in Swagger UI, paste it into **Authorize**. \
Before it expires, trade the refresh token for a new pair at `POST /api/v1/auth/refresh`.\n\n\
**Service accounts** (machine to machine) get a token with the OAuth 2.0 client-credentials grant at \
`POST /api/v1/auth/token` (form-encoded; client id and secret from an administrator, `/api/v1/clients`). Such a \
token works only on the operations its scopes open: each operation lists the scope it needs under the \
`client_credentials` security scheme, and operations that list none refuse service accounts (403 \
`insufficient_scope`). In Swagger UI, use **Authorize** -> `client_credentials`.\n\n\
**Errors.** Every error is an RFC 9457 `application/problem+json` document with a stable `code`; validation \
errors (422) list every offending field in `errors[]`.\n\n\
**Lists** take `limit` (1-100, default 20) and `offset` and answer `{items, total, limit, offset}`.\n\n\
**Concurrency.** Mutable resources carry a `version`; `GET` sends it as `ETag`, and `PATCH`/`DELETE` with \
`If-Match` answer 412 when it is stale. A `GET` with `If-None-Match` naming the current `ETag` (weak comparison, \
`*` matches) answers 304 without a body; every answer is `Cache-Control: no-store`, except the public lookup lists \
(`/api/v1/session-kinds`, `/api/v1/lookups`: `public, max-age=3600`, `ETag` a hash of the body).",
        version = "1.0.0",
        contact(name = "Tim TI Kanwil Ditjenpas Kalimantan Tengah"),
        license(name = "MIT", identifier = "MIT")
    ),
    modifiers(&Security),
    components(schemas(crate::api::v1::exports::ExportName), responses(
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        TransitionConflict,
        InstrumentConflict,
        Gone,
        PreconditionFailed,
        PayloadTooLarge,
        UriTooLong,
        UnsupportedMediaType,
        ValidationFailed,
        TooManyRequests,
        ServiceUnavailable,
        InternalError
    )),
    tags(
        (name = "health", description = "Liveness and readiness probes."),
        (name = "auth", description = "Login, token refresh and logout; the client-credentials grant of service accounts."),
        (name = "users", description = "User accounts and roles (administrators only)."),
        (name = "clients", description = "Service accounts: OAuth 2.0 clients of the client-credentials grant and their scopes (administrators only)."),
        (name = "units", description = "The Kanwil and its technical units (UPT: Lapas, Rutan, Bapas, ...)."),
        (name = "participants", description = "Officers (pegawai) who take part in trainings. Personal data: the full NIP and contacts are shown only to those entitled."),
        (name = "programs", description = "Training tracks that group events, e.g. PM Rehabilitasi Sosial 2025."),
        (name = "events", description = "Training events (Bimtek) and their lifecycle draft -> published -> ongoing -> completed (or cancelled)."),
        (name = "sessions", description = "Sessions of an event (morning meeting, seminar, group therapy, ...) with facilitators and JP."),
        (name = "enrollments", description = "Nomination, approval up to capacity, waitlist and withdrawal of officers in an event."),
        (name = "attendance", description = "Attendance (presensi) per session: lists taken by facilitators, and check-in with a code."),
        (name = "results", description = "Scores (pre-test, post-test, practical), each officer's result and outcome (sertifikat, surat keterangan), reports per event, program and unit by Kirkpatrick level, and CSV exports (daftar hadir, rekap nilai, rekap evaluasi)."),
        (name = "instruments", description = "Tests (pre-test, post-test: Kirkpatrick level 2) and questionnaires (evaluasi penyelenggaraan and evaluasi narasumber: level 1; evaluasi pasca pelatihan, the follow-up: level 3) of an event, with their questions."),
        (name = "responses", description = "Answers to instruments: one submission per respondent, checked against the questions; tests scored from their key; anonymous evaluations stay unlinkable."),
        (name = "templates", description = "Reusable instruments, copied into an event."),
        (name = "certificates", description = "Certificates (sertifikat) and letters of attendance (surat keterangan): issued in bulk for a completed event, numbered per year, printable as PDF, revocable, and verifiable by anyone with their code (JSON, or the HTML page /verify/{code} that the QR code opens)."),
        (name = "credentials", description = "What a verifier of a certificate's Open Badges 3.0 credential needs without an account: the issuing office's profile, the public signing keys (also at /.well-known/jwks.json) and the signed revocation status lists. Public and cacheable for 5 minutes."),
        (name = "lookups", description = "The lists a frontend fills its forms with (session kinds, grades with their pangkat, unit types and classes, statuses, ...): each value's code and its Indonesian label. Public and cacheable."),
        (name = "documents", description = "What printed documents share: the letterhead (kop surat) of the Kanwil and of host units, with an optional logo."),
        (name = "changes", description = "The change feed: every create, update, delete and erasure of the training records, in transaction order, from an opaque cursor."),
        (name = "audit-log", description = "Who changed what and when, and who read personal data (administrators only)."),
        (name = "webhooks", description = "Signed event notifications (webhooks) to other systems: subscriptions, the delivery log and redelivery (administrators only).")
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from `POST /api/v1/auth/login` (valid for 15 minutes by default).",
                    ))
                    .build(),
            ),
        );
        let flow = ClientCredentials::new(
            "/api/v1/auth/token",
            Scopes::from_iter(
                Scope::ALL
                    .into_iter()
                    .map(|s| (s.as_str(), s.description())),
            ),
        );
        components.add_security_scheme(
            CLIENT_CREDENTIALS,
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(flow)],
                "Service accounts: the OAuth 2.0 client-credentials grant (RFC 6749 section 4.4) with a client id \
                 and secret from `/api/v1/clients`. The token works only where its scopes allow.",
            )),
        );
    }
}

/// Completes the document once every route is in it. Every operation with the bearer scheme gets the problem
/// responses any secured operation can give (401, 403, 500, 503), and every operation the 400 of an unreadable
/// request (a malformed id, query value or JSON, or a query parameter it does not take), so
/// that handlers declare only their own answers. Each operation that service accounts may call gets a second
/// security requirement, `client_credentials` with the scope it needs (from the scope table,
/// `crate::auth::scopes`), next to the bearer token of users. Operations without one refuse service accounts.
pub fn finish(mut openapi: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    for (path, item) in openapi.paths.paths.iter_mut() {
        let operations = [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("PATCH", &mut item.patch),
            ("DELETE", &mut item.delete),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation.as_mut() else {
                continue;
            };
            // Any query can name a parameter the operation does not take (400 `unknown_parameter`).
            operation
                .responses
                .responses
                .entry("400".to_owned())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name("BadRequest")));
            // Any request target longer than 8 KiB (`api::fallback::MAX_URI_BYTES`).
            operation
                .responses
                .responses
                .entry("414".to_owned())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name("UriTooLong")));
            // A GET whose answer carries an `ETag` answers 304 to an `If-None-Match` naming it (api::conditional).
            let tagged = operation.responses.responses.get("200").is_some_and(
                |r| matches!(r, RefOr::T(response) if response.headers.contains_key("ETag")),
            );
            if method == "GET" && tagged {
                operation
                    .responses
                    .responses
                    .entry("304".to_owned())
                    .or_insert_with(|| {
                        RefOr::T(
                            ResponseBuilder::new()
                                .description(
                                    "Not modified: `If-None-Match` named the current `ETag`; no body.",
                                )
                                .build(),
                        )
                    });
            }
            // Public operations say so (`security: []`), rather than leaving it to a document-wide default.
            let Some(security) = operation.security.as_mut().filter(|s| !s.is_empty()) else {
                operation.security = Some(Vec::new());
                continue;
            };
            // Any secured operation can answer these; they are declared here, once, not on every operation.
            let common = [
                ("401", "Unauthorized"),
                ("403", "Forbidden"),
                ("500", "InternalError"),
                ("503", "ServiceUnavailable"),
            ];
            for (status, response) in common {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(response)));
            }
            if let Some(scope) = scopes::required(method, path) {
                security.push(SecurityRequirement::new(
                    CLIENT_CREDENTIALS,
                    [scope.as_str()],
                ));
            }
        }
    }
    page_items_by_ref(&mut openapi);
    problem_codes(&mut openapi);
    sort_value_names(&mut openapi);
    require_always_sent_fields(&mut openapi);
    // Relative: the document is served by the service it describes, at whatever address that is.
    let mut server = Server::new("/");
    server.description =
        Some("This service (the address the document was fetched from)".to_owned());
    openapi.servers = Some(vec![server]);
    openapi
}

/// The `$ref`ed schema names in a part of the document.
fn referenced_schemas(part: &impl serde::Serialize, into: &mut BTreeSet<String>) {
    fn walk(value: &serde_json::Value, into: &mut BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("$ref", serde_json::Value::String(r)) => {
                            if let Some(name) = r.strip_prefix("#/components/schemas/") {
                                into.insert(name.to_owned());
                            }
                        }
                        _ => walk(v, into),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, into)),
            _ => {}
        }
    }
    if let Ok(value) = serde_json::to_value(part) {
        walk(&value, into);
    }
}

/// `Page<T>` is generic, and utoipa writes each `Page_T` with its item schema inline: generators then make a second
/// class per item type. The items of every page refer to the item's own schema instead.
fn page_items_by_ref(openapi: &mut utoipa::openapi::OpenApi) {
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    let names: Vec<String> = components.schemas.keys().cloned().collect();
    for name in names {
        let Some(item) = name.strip_prefix("Page_") else {
            continue;
        };
        if !components.schemas.contains_key(item) {
            continue;
        }
        if let Some(RefOr::T(Schema::Object(page))) = components.schemas.get_mut(&name)
            && let Some(RefOr::T(Schema::Array(items))) = page.properties.get_mut("items")
        {
            items.items =
                ArrayItems::RefOrSchema(Box::new(RefOr::Ref(Ref::from_schema_name(item))));
        }
    }
}

/// `Problem.code` is an enum of every code the service emits (`crate::error::PROBLEM_CODES`).
fn problem_codes(openapi: &mut utoipa::openapi::OpenApi) {
    if let Some(RefOr::T(Schema::Object(problem))) = openapi
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut("Problem"))
        && let Some(RefOr::T(Schema::Object(code))) = problem.properties.get_mut("code")
    {
        code.enum_values = Some(
            crate::error::PROBLEM_CODES
                .iter()
                .map(|c| serde_json::Value::from(*c))
                .collect(),
        );
    }
}

/// The name a generator gives a sort value: `full_name` -> `FULL_NAME`, `-full_name` -> `FULL_NAME_DESC`.
fn sort_value_name(value: &str) -> String {
    let (field, descending) = match value.strip_prefix('-') {
        Some(field) => (field, true),
        None => (value, false),
    };
    let mut name: String = field
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if descending {
        name.push_str("_DESC");
    }
    name
}

/// Sort values such as `-full_name` make generators invent names (`VALUE_1`): every string enum of a query
/// parameter with a descending value carries `x-enum-varnames` (the extension of OpenAPI Generator, also read by
/// openapi-python-client).
fn sort_value_names(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::extensions::Extensions;
    for item in openapi.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            for parameter in operation.parameters.iter_mut().flatten() {
                let Some(RefOr::T(Schema::Object(schema))) = parameter.schema.as_mut() else {
                    continue;
                };
                let Some(values) = schema.enum_values.as_ref() else {
                    continue;
                };
                let values: Vec<&str> = values.iter().filter_map(|v| v.as_str()).collect();
                if !values.iter().any(|v| v.starts_with('-')) {
                    continue;
                }
                let names: Vec<String> = values.iter().map(|v| sort_value_name(v)).collect();
                schema
                    .extensions
                    .get_or_insert_with(Extensions::default)
                    .insert("x-enum-varnames".to_owned(), serde_json::json!(names));
            }
        }
    }
}

/// Whether a property's schema admits `null`.
fn nullable(schema: &RefOr<Schema>) -> bool {
    let is_null = |s: &RefOr<Schema>| matches!(s, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null));
    match schema {
        RefOr::T(Schema::Object(o)) => {
            matches!(&o.schema_type, SchemaType::Array(types) if types.contains(&Type::Null))
        }
        RefOr::T(Schema::Array(a)) => {
            matches!(&a.schema_type, SchemaType::Array(types) if types.contains(&Type::Null))
        }
        RefOr::T(Schema::OneOf(one)) => one.items.iter().any(is_null),
        RefOr::T(Schema::AnyOf(any)) => any.items.iter().any(is_null),
        _ => false,
    }
}

/// The server sends every field of its answers, `null` or not; utoipa lists an `Option` field as not required, so a
/// generated client would type each one as optional as well as nullable. In the schemas that only answers use (no
/// request body or parameter refers to them, directly or through another schema), every nullable property is
/// required. A field the server leaves out when it has no value (`skip_serializing_if`) is declared
/// `#[schema(nullable = false)]`: absent, never `null`; it stays optional.
fn require_always_sent_fields(openapi: &mut utoipa::openapi::OpenApi) {
    let mut requested = BTreeSet::new();
    for item in openapi.paths.paths.values() {
        for operation in [&item.get, &item.post, &item.put, &item.patch, &item.delete]
            .into_iter()
            .flatten()
        {
            referenced_schemas(&operation.request_body, &mut requested);
            referenced_schemas(&operation.parameters, &mut requested);
        }
    }
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    // Everything a requested schema refers to is requested too.
    let mut pending: Vec<String> = requested.iter().cloned().collect();
    while let Some(name) = pending.pop() {
        let mut inner = BTreeSet::new();
        if let Some(schema) = components.schemas.get(&name) {
            referenced_schemas(schema, &mut inner);
        }
        for name in inner {
            if requested.insert(name.clone()) {
                pending.push(name);
            }
        }
    }
    for (name, schema) in components.schemas.iter_mut() {
        if requested.contains(name) {
            continue;
        }
        let RefOr::T(Schema::Object(object)) = schema else {
            continue;
        };
        let missing: Vec<String> = object
            .properties
            .iter()
            .filter(|(field, schema)| nullable(schema) && !object.required.contains(field))
            .map(|(field, _)| field.clone())
            .collect();
        object.required.extend(missing);
    }
}

/// The request cannot be read: malformed JSON or a member named twice (`duplicate_key`), a bad path or query value,
/// a query parameter the operation does not take (`unknown_parameter`, each one listed), or two `Authorization`
/// headers (`multiple_authorization_headers`).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:malformed_json", "title": "Bad Request", "status": 400,
        "detail": "The request body is not valid JSON (line 1, column 9).", "code": "malformed_json"})
)]
#[allow(dead_code)]
pub struct BadRequest(Problem);

/// No valid bearer token. The `WWW-Authenticate` header says `Bearer`, with `error="invalid_token"` when a token
/// was sent but refused.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"bimtek-api\"`, with `error=\"invalid_token\"` for a refused token")),
    example = json!({"type": "urn:bimtek-api:problem:invalid_token", "title": "Unauthorized", "status": 401,
        "detail": "The access token is invalid, expired or revoked.", "code": "invalid_token"})
)]
#[allow(dead_code)]
pub struct Unauthorized(Problem);

/// The token is valid but the caller's role or ownership does not allow the operation.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:forbidden", "title": "Forbidden", "status": 403,
        "detail": "Your role does not allow this operation.", "code": "forbidden"})
)]
#[allow(dead_code)]
pub struct Forbidden(Problem);

/// No such resource (or one the caller may not know of).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:not_found", "title": "Not Found", "status": 404,
        "detail": "User not found.", "code": "not_found"})
)]
#[allow(dead_code)]
pub struct NotFound(Problem);

/// The request conflicts with the current state, e.g. a username that is taken.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:already_exists", "title": "Conflict", "status": 409,
        "detail": "A resource with this username already exists.", "code": "already_exists",
        "errors": [{"field": "username", "code": "already_exists", "message": "is already taken"}]})
)]
#[allow(dead_code)]
pub struct Conflict(Problem);

/// The event cannot take this lifecycle step now. `code` says why: `transition_not_allowed` (not from its current
/// state), `event_has_no_sessions`, `event_not_started_yet` (a start before `starts_on`) or `event_not_ended_yet`
/// (a completion before `ends_on`). The two date codes name the day (WIB) in `detail` and, for a machine, in
/// `errors[0]`: `field` is `starts_on` or `ends_on`, `message` the date as `YYYY-MM-DD`.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    examples(
        ("event_not_started_yet" = (summary = "A start before the first day", value = json!({
            "type": "urn:bimtek-api:problem:event_not_started_yet", "title": "Conflict", "status": 409,
            "detail": "The event starts on 2027-03-01 (WIB): it can be started from that day on.",
            "code": "event_not_started_yet",
            "errors": [{"field": "starts_on", "code": "event_not_started_yet", "message": "2027-03-01"}]}))),
        ("event_not_ended_yet" = (summary = "A completion before the last day", value = json!({
            "type": "urn:bimtek-api:problem:event_not_ended_yet", "title": "Conflict", "status": 409,
            "detail": "The event ends on 2027-03-03 (WIB): it can be completed from that day on.",
            "code": "event_not_ended_yet",
            "errors": [{"field": "ends_on", "code": "event_not_ended_yet", "message": "2027-03-03"}]}))),
        ("transition_not_allowed" = (summary = "Not from the current state", value = json!({
            "type": "urn:bimtek-api:problem:transition_not_allowed", "title": "Conflict", "status": 409,
            "detail": "An event cannot go from draft to ongoing.", "code": "transition_not_allowed"})))
    )
)]
#[allow(dead_code)]
pub struct TransitionConflict(Problem);

/// The instrument cannot be written now. `code` says why: `event_not_editable` (the event is cancelled, or
/// completed and the instrument a pre- or post-test), `follow_up_window_closed` (a follow-up or evaluation more than
/// `FOLLOW_UP_WINDOW_MONTHS` after the event's last day: `errors[0]` is `ends_on` with the window's last day as
/// `YYYY-MM-DD`), `invalid_transition`, `questions_locked` or `has_responses`.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    examples(
        ("follow_up_window_closed" = (summary = "After the window following the event", value = json!({
            "type": "urn:bimtek-api:problem:follow_up_window_closed", "title": "Conflict", "status": 409,
            "detail": "The window after the event closed on 2026-08-02 (WIB): its follow-ups and evaluations can no \
                       longer be created, opened, changed or answered (closing is always allowed).",
            "code": "follow_up_window_closed",
            "errors": [{"field": "ends_on", "code": "follow_up_window_closed", "message": "2026-08-02"}]}))),
        ("event_not_editable" = (summary = "A test of a completed event", value = json!({
            "type": "urn:bimtek-api:problem:event_not_editable", "title": "Conflict", "status": 409,
            "detail": "The event is completed: its instruments can no longer be created or changed (follow-ups and \
                       evaluations of a completed event excepted, within the window after it; closing is always \
                       allowed).",
            "code": "event_not_editable"})))
    )
)]
#[allow(dead_code)]
pub struct InstrumentConflict(Problem);

/// What the request points at is gone for good, e.g. a change-feed cursor older than the feed's retention.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:cursor_expired", "title": "Gone", "status": 410,
        "detail": "The changes after this cursor are older than the feed keeps (90 days) and some were deleted: \
                   resynchronise from the lists, then poll again without `since`.",
        "code": "cursor_expired"})
)]
#[allow(dead_code)]
pub struct Gone(Problem);

/// `If-Match` does not name the current version: read the resource again.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:precondition_failed", "title": "Precondition Failed",
        "status": 412, "detail": "The resource has changed since you read it: If-Match does not name its current version. Read it again and retry.",
        "code": "precondition_failed"})
)]
#[allow(dead_code)]
pub struct PreconditionFailed(Problem);

/// The body is larger than the limit (64 KiB by default).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:payload_too_large", "title": "Payload Too Large",
        "status": 413, "detail": "The request body is larger than the limit of 65536 bytes.", "code": "payload_too_large"})
)]
#[allow(dead_code)]
pub struct PayloadTooLarge(Problem);

/// The path and query string are longer than the service reads (8 KiB).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:uri_too_long", "title": "URI Too Long", "status": 414,
        "detail": "The request's path and query string are longer than the limit of 8192 bytes; ask for less at a time (fewer filters, or several requests).",
        "code": "uri_too_long"})
)]
#[allow(dead_code)]
pub struct UriTooLong(Problem);

/// The body must be `application/json`.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:unsupported_media_type", "title": "Unsupported Media Type",
        "status": 415, "detail": "The request body must be sent as application/json.", "code": "unsupported_media_type"})
)]
#[allow(dead_code)]
pub struct UnsupportedMediaType(Problem);

/// The input is invalid; `errors[]` lists every offending field.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:validation_failed", "title": "Unprocessable Entity",
        "status": 422, "detail": "The request has 2 invalid fields.", "code": "validation_failed",
        "errors": [
            {"field": "password", "code": "too_short", "message": "must be at least 12 characters"},
            {"field": "role", "code": "invalid_value", "message": "unknown variant `root`, expected one of `admin`, `organizer`, `unit_operator`, `facilitator`, `participant`"}
        ]})
)]
#[allow(dead_code)]
pub struct ValidationFailed(Problem);

/// Too many requests; wait for `Retry-After` seconds.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds to wait before retrying")),
    example = json!({"type": "urn:bimtek-api:problem:too_many_requests", "title": "Too Many Requests",
        "status": 429, "detail": "Too many requests; retry after 30 seconds.", "code": "too_many_requests"})
)]
#[allow(dead_code)]
pub struct TooManyRequests(Problem);

/// The database is unreachable or every connection is busy; retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u64, description = "Seconds to wait before retrying")),
    example = json!({"type": "urn:bimtek-api:problem:service_unavailable", "title": "Service Unavailable",
        "status": 503, "detail": "The service cannot reach its database right now; retry after 2 seconds.",
        "code": "service_unavailable"})
)]
#[allow(dead_code)]
pub struct ServiceUnavailable(Problem);

/// An unexpected error; the body carries no internal detail (the log has it, under the `X-Request-Id`).
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    example = json!({"type": "urn:bimtek-api:problem:internal_error", "title": "Internal Server Error",
        "status": 500, "detail": "An unexpected error occurred. It has been logged.", "code": "internal_error"})
)]
#[allow(dead_code)]
pub struct InternalError(Problem);

/// The `Idempotency-Key` header, one definition added to every authenticated POST of the document but those whose
/// answers are never stored (utoipa has no
/// shared parameter components), with the 409 and 422 answers it can cause.
pub fn document_idempotency_key(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, Type};
    use utoipa::openapi::{Ref, RefOr, Required};

    let parameter = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes a retry of this POST safe: 1-255 visible ASCII characters, e.g. a UUID, unique per intended \
             operation (malformed: 400 `invalid_idempotency_key`). The first request runs; a repeat with the same \
             key, path and body within 24 hours gets the stored status, headers and body again with \
             `Idempotent-Replayed: true`. The same key with another request: 422 `idempotency_key_reused`. While the \
             first is still running: 409 `idempotency_request_in_flight` with `Retry-After`. Server errors (5xx) are \
             not stored, so the key may be retried. Keys belong to the caller and hold across instances.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                .pattern(Some("^[!-~]{1,255}$")),
        ))
        .build();
    for (path, item) in openapi.paths.paths.iter_mut() {
        // Operations whose answers are never stored refuse the header (`crate::idempotency`).
        if crate::idempotency::UNSTORED_ANSWERS
            .iter()
            .any(|suffix| path.ends_with(suffix))
        {
            continue;
        }
        let Some(operation) = item.post.as_mut() else {
            continue;
        };
        if operation.security.as_ref().is_none_or(Vec::is_empty) {
            continue;
        }
        operation
            .parameters
            .get_or_insert_with(Vec::new)
            .push(parameter.clone());
        let responses = &mut operation.responses.responses;
        for (status, name) in [("409", "Conflict"), ("422", "ValidationFailed")] {
            responses
                .entry(status.to_owned())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
        }
        // An operation with its own 422 body (a bulk import's row results) may also answer the plain problem of a
        // reused key: its schema becomes either of the two.
        if let Some(RefOr::T(response)) = responses.get_mut("422") {
            for content in response.content.values_mut() {
                let problem = RefOr::Ref(Ref::from_schema_name("Problem"));
                match content.schema.take() {
                    Some(own) if own != problem => {
                        content.schema = Some(RefOr::T(Schema::AnyOf(
                            AnyOfBuilder::new().item(own).item(problem).build(),
                        )));
                    }
                    other => content.schema = other,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two types deriving `ToSchema` under one name make one component: the last registered wins and the other
    /// endpoint's answer no longer matches its schema (the caller's `participant` of `/me` once sent `full_name`
    /// where the spec's `ParticipantRef` said `name`). Every schema name is one type's.
    #[test]
    fn no_two_types_share_a_schema_name() {
        let derive = regex::Regex::new(r"#\[derive\([^)]*\bToSchema\b").unwrap();
        let alias = regex::Regex::new(r"#\[schema\([^)]*\bas\s*=\s*([A-Za-z_:]+)").unwrap();
        let item =
            regex::Regex::new(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:struct|enum)\s+([A-Za-z0-9_]+)")
                .unwrap();
        let mut names: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (path, text) in crate::error::tests::sources() {
            let (mut pending, mut renamed) = (false, None::<String>);
            for (n, line) in text.lines().enumerate() {
                if derive.is_match(line) {
                    (pending, renamed) = (true, None);
                }
                if !pending {
                    continue;
                }
                if let Some(c) = alias.captures(line) {
                    renamed = c[1].rsplit("::").next().map(str::to_owned);
                }
                if let Some(c) = item.captures(line) {
                    let name = renamed.take().unwrap_or_else(|| c[1].to_owned());
                    names
                        .entry(name)
                        .or_default()
                        .push(format!("{}:{}", path.display(), n + 1));
                    pending = false;
                }
            }
        }
        assert!(
            names.len() > 100,
            "the scan found the schemas ({})",
            names.len()
        );
        let shared: Vec<_> = names.iter().filter(|(_, at)| at.len() > 1).collect();
        assert!(
            shared.is_empty(),
            "schema names of more than one type: {shared:?}"
        );
    }

    #[test]
    fn sort_values_get_names_a_generator_can_use() {
        assert_eq!(sort_value_name("full_name"), "FULL_NAME");
        assert_eq!(sort_value_name("-full_name"), "FULL_NAME_DESC");
        assert_eq!(sort_value_name("-jp.total"), "JP_TOTAL_DESC");
    }
}
