//! Conditional GET (RFC 9110, 13.1.2): a `GET` whose `200` carries an `ETag` that the request's `If-None-Match`
//! names is answered `304 Not Modified`, without a body, repeating the `ETag` (and the `Cache-Control`, which the
//! scope's default headers add: personal data stays `no-store`).
//!
//! The handler still runs (authorization and the read are unchanged); what is saved is the body on the wire and
//! the client's parsing. `If-None-Match` uses the weak comparison: `W/"3"` matches `"3"`, and `*` matches any
//! current representation.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse};

/// The headers a `304` repeats from the `200` it stands for (RFC 9110, 15.4.5).
const REPEATED: [header::HeaderName; 5] = [
    header::ETAG,
    header::CACHE_CONTROL,
    header::VARY,
    header::EXPIRES,
    header::CONTENT_LOCATION,
];

pub async fn not_modified(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let condition = (req.method() == Method::GET)
        .then(|| req.headers().get(header::IF_NONE_MATCH))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.call(req).await?;
    let Some(condition) = condition else {
        return Ok(response.map_into_boxed_body());
    };
    let current = response
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok());
    let matched = response.status() == StatusCode::OK
        && current.is_some_and(|tag| if_none_match_matches(&condition, tag));
    if !matched {
        return Ok(response.map_into_boxed_body());
    }
    let (request, full) = response.into_parts();
    let mut builder = HttpResponse::NotModified();
    for name in REPEATED {
        for value in full.headers().get_all(&name) {
            builder.append_header((name.clone(), value.clone()));
        }
    }
    Ok(ServiceResponse::new(request, builder.finish()))
}

/// The opaque part of an entity tag (`W/"3"` and `"3"` both give `"3"`), or `None` when it is malformed.
fn opaque(tag: &str) -> Option<&str> {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    let valid = tag.len() >= 2
        && tag.starts_with('"')
        && tag.ends_with('"')
        && !tag[1..tag.len() - 1].contains('"');
    valid.then_some(tag)
}

/// Whether an `If-None-Match` field value names the current tag, with the weak comparison. A malformed field
/// matches nothing (the full answer is sent).
pub fn if_none_match_matches(field: &str, current: &str) -> bool {
    let Some(current) = opaque(current) else {
        return false;
    };
    if field.trim() == "*" {
        return true;
    }
    // Entity tags may contain commas inside their quotes: split only outside them.
    let mut tags = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in field.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                tags.push(&field[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    tags.push(&field[start..]);
    tags.into_iter()
        .filter(|t| !t.trim().is_empty())
        .any(|t| opaque(t) == Some(current))
}

#[cfg(test)]
mod tests {
    use super::if_none_match_matches as matches;

    #[test]
    fn weak_comparison_ignores_the_weak_prefix() {
        assert!(matches("\"3\"", "\"3\""));
        assert!(matches("W/\"3\"", "\"3\""));
        assert!(matches("\"3\"", "W/\"3\""));
        assert!(!matches("\"4\"", "\"3\""));
        assert!(!matches("\"31\"", "\"3\""));
    }

    #[test]
    fn lists_and_the_star_match() {
        assert!(matches("\"1\", W/\"3\" , \"7\"", "\"3\""));
        assert!(matches("\"a,b\", \"3\"", "\"3\""));
        assert!(!matches("\"a,3\"", "\"3\""));
        assert!(matches("*", "\"3\""));
        assert!(matches(" * ", "\"12\""));
    }

    #[test]
    fn malformed_fields_match_nothing() {
        for field in ["3", "", "W/3", "\"3", "\"3\"\"", ","] {
            assert!(!matches(field, "\"3\""), "{field}");
        }
        assert!(!matches("*", "3"));
    }
}
