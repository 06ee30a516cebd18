//! Request extractors that turn bad input into the service's problem documents.
//!
//! `JsonBody<T>` reads the body but parses it only when the handler asks (`into_inner`), after authorization:
//! an unauthorized caller learns nothing about the validation rules. Parsing reports every offending field it can
//! find: unknown and missing properties from the type's schema, then type errors one by one.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::PartialSchema;
use utoipa::openapi::{RefOr, Schema};

use crate::error::{ApiError, FieldError};

/// A JSON request body, read but not yet parsed.
pub struct JsonBody<T> {
    result: Result<web::Bytes, ApiError>,
    /// The request declared no body at all (no `Content-Type`, no length or a length of 0, not chunked).
    absent: bool,
    _type: std::marker::PhantomData<T>,
}

fn is_json_content_type(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<T: 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json_content_type(req);
        let headers = req.headers();
        let absent = !headers.contains_key(header::CONTENT_TYPE)
            && !headers.contains_key(header::TRANSFER_ENCODING)
            && headers
                .get(header::CONTENT_LENGTH)
                .is_none_or(|v| v.as_bytes() == b"0");
        let limit = req
            .app_data::<web::Data<crate::state::AppState>>()
            .map_or(64 * 1024, |state| state.settings.max_body_bytes);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let result = if json {
                bytes.await.map_err(|e| map_payload_error(e, limit))
            } else {
                // Nothing is read: the content type alone decides.
                Err(ApiError::UnsupportedMediaType {
                    expected: "application/json",
                })
            };
            Ok(JsonBody {
                result,
                absent,
                _type: std::marker::PhantomData,
            })
        })
    }
}

fn map_payload_error(err: actix_web::Error, limit: usize) -> ApiError {
    use actix_web::error::PayloadError;
    match err.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => ApiError::PayloadTooLarge { limit },
        _ => ApiError::BadRequest {
            code: "unreadable_body",
            detail: "The request body could not be read.".to_owned(),
            errors: Vec::new(),
        },
    }
}

impl<T: DeserializeOwned + PartialSchema> JsonBody<T> {
    /// Parses the body into `T`, or explains everything that is wrong with it.
    pub fn into_inner(self) -> Result<T, ApiError> {
        parse_json(&self.result?)
    }

    /// For an operation whose body is optional: `None` when the request has none or its body is JSON `null` (the
    /// spec's `oneOf: [null, T]`), else as `into_inner`.
    pub fn into_optional(self) -> Result<Option<T>, ApiError> {
        if self.absent {
            return Ok(None);
        }
        let bytes = self.result?;
        if bytes.trim_ascii() == b"null" {
            return Ok(None);
        }
        parse_json(&bytes).map(Some)
    }
}

/// Reads a JSON document as a value in one pass, refusing a member name given twice in one object (400
/// `duplicate_key`, every such member listed by its path): which of the two would count differs between parsers,
/// so a body that means one thing to a proxy or a signature check and another here is not accepted.
pub fn read_json(bytes: &[u8]) -> Result<Value, ApiError> {
    let mut duplicates = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde::de::DeserializeSeed::deserialize(
        JsonSeed {
            path: String::new(),
            duplicates: &mut duplicates,
        },
        &mut deserializer,
    )
    .and_then(|value| deserializer.end().map(|()| value))
    .map_err(|e| malformed_json(bytes, &e))?;
    if duplicates.is_empty() {
        return Ok(value);
    }
    Err(ApiError::BadRequest {
        code: "duplicate_key",
        detail: "The JSON body names a member twice in one object.".to_owned(),
        errors: duplicates
            .into_iter()
            .map(|path| FieldError::new(path, "duplicate_key", "is given more than once"))
            .collect(),
    })
}

fn malformed_json(bytes: &[u8], e: &serde_json::Error) -> ApiError {
    ApiError::BadRequest {
        code: "malformed_json",
        detail: if bytes.iter().all(u8::is_ascii_whitespace) {
            "The request body is empty; a JSON document is expected.".to_owned()
        } else {
            format!(
                "The request body is not valid JSON (line {}, column {}).",
                e.line(),
                e.column()
            )
        },
        errors: Vec::new(),
    }
}

/// Builds a [`Value`] like serde_json does, noting the path of every member name repeated within an object.
struct JsonSeed<'a> {
    path: String,
    duplicates: &'a mut Vec<String>,
}

impl<'de> serde::de::DeserializeSeed<'de> for JsonSeed<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for JsonSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(JsonSeed {
            path: format!("{}[{}]", self.path, items.len()),
            duplicates: &mut *self.duplicates,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.path.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.path)
            };
            let value = map.next_value_seed(JsonSeed {
                path: path.clone(),
                duplicates: &mut *self.duplicates,
            })?;
            if members.insert(key, value).is_some() {
                self.duplicates.push(path);
            }
        }
        Ok(Value::Object(members))
    }
}

/// Parses a JSON document into `T`, reporting all offending fields that can be found.
pub fn parse_json<T: DeserializeOwned + PartialSchema>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: Value = read_json(bytes)?;
    parse_value(value)
}

/// Parses one JSON value into `T` (a row of a bulk import, say), reporting all offending fields that can be found.
pub fn parse_value<T: DeserializeOwned + PartialSchema>(value: Value) -> Result<T, ApiError> {
    parse_value_with(&T::schema(), value)
}

/// [`parse_value`] with the schema of `T` built once by the caller (building it costs more than parsing a row).
pub fn parse_value_with<T: DeserializeOwned>(
    schema: &RefOr<Schema>,
    mut value: Value,
) -> Result<T, ApiError> {
    whole_numbers_as_integers(&mut value);
    let mut errors = schema_errors(schema, &value);
    if errors.iter().any(|e| e.field.is_empty()) {
        return Err(ApiError::validation(errors));
    }
    if let Value::Object(map) = &mut value {
        for error in errors.iter().filter(|e| e.code == "unknown_field") {
            map.remove(&error.field);
        }
        // PostgreSQL text cannot hold U+0000: refused here rather than failing in the database.
        let with_nul: Vec<String> = map
            .iter()
            .filter(|(_, v)| contains_nul(v))
            .map(|(k, _)| k.clone())
            .collect();
        for field in with_nul {
            map.remove(&field);
            errors.push(FieldError::new(
                field,
                "invalid_characters",
                "must not contain the NUL character (U+0000)",
            ));
        }
    }
    // Type errors come one at a time from serde: record one, remove the offending value, try again.
    for _ in 0..32 {
        match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(parsed) if errors.is_empty() => return Ok(parsed),
            Ok(_) => break,
            Err(err) => {
                let path = err.path().clone();
                let message = err.into_inner().to_string();
                // Removing an invalid required field makes serde call it missing: that one is already recorded.
                if message.starts_with("missing field") && !errors.is_empty() {
                    break;
                }
                let field = path_to_field(&path);
                errors.push(FieldError::new(field, error_code(&message), message));
                if !remove_path(&mut value, &path) {
                    break;
                }
            }
        }
    }
    Err(ApiError::validation(errors))
}

/// JSON (and JSON Schema's `integer`) does not tell `2025` from `2025.0`; serde's integer types do. Numbers with
/// no fractional part become integers, so that every value the schema calls an integer is accepted as one.
fn whole_numbers_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                #[allow(clippy::cast_possible_truncation)]
                let whole = f as i64;
                *value = Value::from(whole);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

fn contains_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(contains_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || contains_nul(v)),
        _ => false,
    }
}

/// The property names of a request type's schema and which of them are required (for CSV headers).
pub fn schema_properties<T: PartialSchema>() -> (Vec<String>, Vec<String>) {
    match T::schema() {
        RefOr::T(Schema::Object(object)) => (
            object.properties.keys().cloned().collect(),
            object.required.clone(),
        ),
        _ => (Vec::new(), Vec::new()),
    }
}

/// Unknown and missing top-level properties, judged by the type's OpenAPI schema.
fn schema_errors(schema: &RefOr<Schema>, value: &Value) -> Vec<FieldError> {
    let RefOr::T(Schema::Object(object)) = schema else {
        return Vec::new();
    };
    let Value::Object(map) = value else {
        return vec![FieldError::new(
            "",
            "invalid_type",
            "the request body must be a JSON object",
        )];
    };
    let mut errors: Vec<FieldError> = map
        .keys()
        .filter(|key| !object.properties.contains_key(key.as_str()))
        .map(|key| {
            FieldError::new(
                key.clone(),
                "unknown_field",
                "is not a field of this request, or may not be written",
            )
        })
        .collect();
    errors.extend(
        object
            .required
            .iter()
            .filter(|name| !map.contains_key(name.as_str()))
            .map(|name| FieldError::new(name.clone(), "required", "is required")),
    );
    errors
}

fn error_code(message: &str) -> &'static str {
    if message.starts_with("invalid type") {
        "invalid_type"
    } else if message.starts_with("unknown field") {
        "unknown_field"
    } else if message.starts_with("missing field") {
        "required"
    } else if message.starts_with("invalid length") {
        "invalid_length"
    } else {
        "invalid_value"
    }
}

fn path_to_field(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// Removes the value at `path`, or the innermost object property that contains it (array items cannot be removed
/// without renumbering their neighbours); false when there is nothing to remove (the error is at the root).
fn remove_path(value: &mut Value, path: &serde_path_to_error::Path) -> bool {
    use serde_path_to_error::Segment;
    let segments: Vec<&Segment> = path.iter().collect();
    let Some(cut) = segments
        .iter()
        .rposition(|s| matches!(s, Segment::Map { .. }))
    else {
        return false;
    };
    let mut current = value;
    for segment in &segments[..cut] {
        let next = match segment {
            Segment::Seq { index } => current.get_mut(*index),
            Segment::Map { key } => current.get_mut(key.as_str()),
            _ => None,
        };
        match next {
            Some(v) => current = v,
            None => return false,
        }
    }
    match (segments[cut], current) {
        (Segment::Map { key }, Value::Object(map)) => map.remove(key.as_str()).is_some(),
        _ => false,
    }
}

/// Query parameters parsed with the name of the offending parameter in the error.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let query = req.query_string();
        let parsed = serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(
            form_urlencoded::parse(query.as_bytes()),
        ))
        .map(ApiQuery)
        .map_err(|err| {
            let field = path_to_field(err.path());
            let message = err.into_inner().to_string();
            ApiError::BadRequest {
                code: "invalid_query",
                detail: "A query parameter has an invalid value.".to_owned(),
                errors: vec![FieldError::new(field, error_code(&message), message)],
            }
        });
        std::future::ready(parsed)
    }
}

/// The version named by an `If-Match` header: `None` when there is no header or it is `*`.
/// A value that is not `*` or a tag of digits (`"abc"`, a list) is a malformed request: 400 `invalid_if_match`.
/// A weak tag never matches; like a well-formed tag of another version, it gets 412 from the service.
pub fn if_match_version(req: &HttpRequest) -> Result<Option<i32>, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    // The shape the OpenAPI document states: `*` or a tag of 1-9 digits (`"3"`, `W/"3"`). Anything else is 400.
    let malformed = || ApiError::BadRequest {
        code: "invalid_if_match",
        detail: "If-Match must be * or the ETag of a version, e.g. \"3\".".to_owned(),
        errors: Vec::new(),
    };
    let value = value.to_str().map_err(|_| malformed())?.trim();
    if value == "*" {
        return Ok(None);
    }
    // A weak tag is well formed but never matches: If-Match compares strongly (RFC 9110, 13.1.1).
    let (weak, value) = match value.strip_prefix("W/") {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let version = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .filter(|v| (1..=9).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse::<i32>().ok())
        .ok_or_else(malformed)?;
    // Versions start at 1: -1 never matches, and the service answers 412 after checking the body like any other.
    Ok(Some(if weak { -1 } else { version }))
}

/// The `If-Match` header of a conditional write: the version it names, `None` without the header or for `*`
/// (see [`if_match_version`]). It documents itself: list it in `params(...)` of the operation.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i32>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(if_match_version(req).map(IfMatch))
    }
}

/// The one description of `If-Match` in the OpenAPI document.
const IF_MATCH_DESCRIPTION: &str = "The `ETag` of the version this request is based on, e.g. `\"3\"`: when the \
     resource has changed since, the answer is 412 and nothing is changed. Without it (or with `*`) the request applies \
     to the current version.";

impl utoipa::IntoParams for IfMatch {
    fn into_params(
        _parameter_in_provider: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::{ObjectBuilder, Required, Type};
        vec![
            ParameterBuilder::new()
                .name("If-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(IF_MATCH_DESCRIPTION))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(r#"^(\*|(W/)?"[0-9]{1,9}")$"#)),
                ))
                .build(),
        ]
    }
}

/// The strong entity tag of a resource version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The representation among `offers` that the request's `Accept` prefers (RFC 9110, 12.5.1): the highest `q`
/// (of the most specific range naming it), then the range written first, then the order of `offers`. Without an
/// `Accept`, or when it accepts none of them, `offers[0]`: these endpoints answer their default rather than 406.
pub fn negotiate<'a>(req: &HttpRequest, offers: &[&'a str]) -> &'a str {
    let accept = req
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    preferred(&accept, offers)
}

fn preferred<'a>(accept: &str, offers: &[&'a str]) -> &'a str {
    let ranges: Vec<(String, f32)> = accept
        .split(',')
        .filter_map(|range| {
            let mut parts = range.split(';');
            let media = parts.next()?.trim().to_ascii_lowercase();
            if media.is_empty() {
                return None;
            }
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q=").map(str::to_owned))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((media, q))
        })
        .collect();
    let score = |offer: &str| -> Option<(f32, usize)> {
        let (kind, _) = offer.split_once('/').unwrap_or((offer, ""));
        // The most specific matching range sets the offer's q (RFC 9110, 12.5.1).
        let mut best: Option<(u8, f32, usize)> = None;
        for (position, (media, q)) in ranges.iter().enumerate() {
            let specificity = if media == offer {
                3
            } else if media.strip_suffix("/*") == Some(kind) {
                2
            } else if media == "*/*" {
                1
            } else {
                continue;
            };
            if best.is_none_or(|(s, _, _)| specificity > s) {
                best = Some((specificity, *q, position));
            }
        }
        best.filter(|(_, q, _)| *q > 0.0).map(|(_, q, p)| (q, p))
    };
    let mut chosen: Option<(&'a str, f32, usize)> = None;
    for offer in offers {
        if let Some((q, position)) = score(offer) {
            let better = chosen.is_none_or(|(_, best_q, best_position)| {
                q > best_q || (q == best_q && position < best_position)
            });
            if better {
                chosen = Some((offer, q, position));
            }
        }
    }
    chosen.map_or(offers[0], |(offer, _, _)| offer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use utoipa::ToSchema;

    #[derive(Debug, Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        age: u8,
        tags: Option<Vec<String>>,
    }

    fn fields(err: ApiError) -> Vec<(String, String)> {
        match err {
            ApiError::Validation(errors) => errors
                .into_iter()
                .map(|e| (e.field, e.code.into_owned()))
                .collect(),
            other => vec![("status".into(), other.code().to_owned())],
        }
    }

    #[test]
    fn every_unknown_and_missing_field_is_reported() {
        let err = parse_json::<Sample>(br#"{"extra": 1, "other": 2}"#).err();
        let mut got = err.map(fields).unwrap_or_default();
        got.sort();
        assert_eq!(
            got,
            [
                ("age".to_owned(), "required".to_owned()),
                ("extra".to_owned(), "unknown_field".to_owned()),
                ("name".to_owned(), "required".to_owned()),
                ("other".to_owned(), "unknown_field".to_owned()),
            ]
        );
    }

    #[test]
    fn every_type_error_is_reported() {
        let err = parse_json::<Sample>(br#"{"tags": [1, 2], "name": 5, "age": "x"}"#).err();
        let got = err.map(fields).unwrap_or_default();
        let mut names: Vec<_> = got.iter().map(|(f, _)| f.as_str()).collect();
        names.sort();
        assert_eq!(names, ["age", "name", "tags[0]"]);
        assert!(got.iter().all(|(_, c)| c == "invalid_type"));
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        let err = parse_json::<Sample>(b"{\"name\": ").err();
        assert_eq!(
            err.map(|e| e.code().to_owned()).as_deref(),
            Some("malformed_json")
        );
        let err = parse_json::<Sample>(b"[1]").err();
        assert_eq!(err.map(fields).unwrap_or_default()[0].1, "invalid_type");
    }

    #[test]
    fn valid_input_parses() {
        let ok = parse_json::<Sample>(br#"{"name": "a", "age": 3}"#);
        assert!(ok.is_ok_and(|s| s.age == 3 && s.tags.is_none()));
    }

    #[test]
    fn negotiation_follows_q_then_the_order_of_the_header_then_the_offers() {
        let offers = ["application/json", "application/vc+jwt"];
        for (accept, expected) in [
            ("", "application/json"),
            ("*/*", "application/json"),
            ("application/vc+jwt", "application/vc+jwt"),
            ("application/vc+jwt, application/json", "application/vc+jwt"),
            ("application/json, application/vc+jwt", "application/json"),
            (
                "application/json;q=0.5, application/vc+jwt",
                "application/vc+jwt",
            ),
            ("application/vc+jwt;q=0, */*", "application/json"),
            (
                "application/*;q=0.2, application/vc+jwt;q=0.9",
                "application/vc+jwt",
            ),
            (
                "text/html, application/xhtml+xml, */*;q=0.8",
                "application/json",
            ),
            ("text/html", "application/json"),
            ("APPLICATION/VC+JWT ; q=1", "application/vc+jwt"),
        ] {
            assert_eq!(preferred(accept, &offers), expected, "Accept: {accept}");
        }
    }

    #[test]
    fn a_member_named_twice_is_refused_with_its_path_and_other_json_reads_as_serde_json_does() {
        let body = br#"{"name": "a", "tags": [{"x": 1, "x": 2}], "name": "b", "n": {"m": null}}"#;
        let Err(ApiError::BadRequest { code, errors, .. }) = read_json(body) else {
            panic!("a duplicate key is accepted");
        };
        assert_eq!(code, "duplicate_key");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["tags[0].x", "name"]);
        for text in [
            r#"{"a": [1, -2, 3.5, 18446744073709551615, true, null, "é\u00e9"], "b": {"c": {}}}"#,
            "[]",
            "\"x\"",
            "  7  ",
        ] {
            let ours = read_json(text.as_bytes()).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            let theirs: Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours, theirs, "{text}");
        }
        for broken in ["", "{", "{} x", r#"{"a": 1,}"#] {
            let Err(ApiError::BadRequest { code, .. }) = read_json(broken.as_bytes()) else {
                panic!("{broken:?} accepted");
            };
            assert_eq!(code, "malformed_json", "{broken:?}");
        }
    }
}
