//! What answers when no route matched: 405 with `Allow` when the path exists under another method, 404 otherwise.
//!
//! And, for a route that matched: 400 `unknown_parameter` when the query names a parameter the operation does not
//! take (a mistyped filter must not silently return everything).
//!
//! The table of paths, methods and query parameters is read from the OpenAPI document generated from the
//! registered handlers, so it cannot drift from the routes.

use std::collections::{BTreeSet, HashMap};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, web};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{HttpMethod, ParameterIn};

use crate::error::{ApiError, FieldError};

/// Path templates (split into segments; `None` is a `{parameter}`) and the methods each allows; the query
/// parameters of each operation, by method and path template.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Option<String>>, Vec<&'static str>)>,
    query: HashMap<(&'static str, String), BTreeSet<String>>,
}

fn method_name(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Head => "HEAD",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Trace => "TRACE",
    }
}

impl RouteTable {
    pub fn from_openapi(api: &OpenApi) -> Self {
        let mut routes = Vec::new();
        let mut query = HashMap::new();
        for (path, item) in &api.paths.paths {
            let segments = path
                .trim_start_matches('/')
                .split('/')
                .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_owned()))
                .collect();
            let mut methods = Vec::new();
            for (method, op) in [
                (HttpMethod::Get, &item.get),
                (HttpMethod::Post, &item.post),
                (HttpMethod::Put, &item.put),
                (HttpMethod::Patch, &item.patch),
                (HttpMethod::Delete, &item.delete),
            ] {
                if let Some(op) = op {
                    methods.push(method_name(&method));
                    let names = op
                        .parameters
                        .iter()
                        .flatten()
                        .chain(item.parameters.iter().flatten())
                        .filter(|p| matches!(p.parameter_in, ParameterIn::Query))
                        .map(|p| p.name.clone())
                        .collect();
                    query.insert((method_name(&method), path.clone()), names);
                }
            }
            routes.push((segments, methods));
        }
        Self { routes, query }
    }

    /// The query parameters of `query` that the operation (`method` on the route template `pattern`) does not
    /// take, with those it takes; `None` when all are known or the operation is not in the document.
    pub fn unknown_parameters(
        &self,
        method: &str,
        pattern: &str,
        query: &str,
    ) -> Option<(BTreeSet<String>, &BTreeSet<String>)> {
        let known = self.query.get(&(method_key(method)?, pattern.to_owned()))?;
        let unknown: BTreeSet<String> = form_urlencoded::parse(query.as_bytes())
            .map(|(name, _)| name.into_owned())
            .filter(|name| !known.contains(name))
            .collect();
        (!unknown.is_empty()).then_some((unknown, known))
    }

    /// The methods allowed on `path`, if any route template matches it.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        self.routes.iter().find_map(|(segments, methods)| {
            let matches = segments.len() == parts.len()
                && segments
                    .iter()
                    .zip(&parts)
                    .all(|(s, p)| s.as_deref().is_none_or(|lit| lit == *p) && !p.is_empty());
            matches.then(|| methods.join(", "))
        })
    }
}

impl RouteTable {
    /// When `path` is a literal route of the document (`/api/v1/participants/import`) that does not allow `method`,
    /// the methods it allows: a request the router gave to a parameter route instead (`PATCH
    /// /api/v1/participants/{id}` with `id = import`) is then a wrong method (405), not a bad parameter (400).
    pub fn literal_route_refusing(&self, path: &str, method: &str) -> Option<String> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        self.routes.iter().find_map(|(segments, methods)| {
            let literal = segments.len() == parts.len()
                && segments
                    .iter()
                    .zip(&parts)
                    .all(|(s, p)| s.as_deref() == Some(*p));
            (literal && !methods.contains(&method)).then(|| methods.join(", "))
        })
    }
}

fn method_key(method: &str) -> Option<&'static str> {
    ["GET", "POST", "PUT", "PATCH", "DELETE"]
        .into_iter()
        .find(|m| *m == method)
}

/// The 400 of a query naming parameters the operation does not take: each is listed, with what it takes.
fn unknown_parameter(unknown: &BTreeSet<String>, known: &BTreeSet<String>) -> ApiError {
    let takes = if known.is_empty() {
        "this operation takes no query parameters".to_owned()
    } else {
        format!(
            "this operation takes: {}",
            known.iter().cloned().collect::<Vec<_>>().join(", ")
        )
    };
    ApiError::BadRequest {
        code: "unknown_parameter",
        detail: format!(
            "The query names {} this operation does not take.",
            if unknown.len() == 1 {
                "a parameter"
            } else {
                "parameters"
            }
        ),
        errors: unknown
            .iter()
            .map(|name| {
                FieldError::new(
                    name.clone(),
                    "unknown_parameter",
                    format!("is not a parameter of this operation; {takes}"),
                )
            })
            .collect(),
    }
}

/// The longest request target (path and query string) the service reads, in bytes: the common default of
/// proxies in front of it (8 KiB). Longer ones are 414 `uri_too_long`, as a problem document; one longer than
/// actix-web's buffer for the request head (about 64 KiB) is refused by actix-web itself with a bare 400.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Middleware: refuses a request whose path and query string are longer than [`MAX_URI_BYTES`] (414).
pub async fn refuse_long_uris(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let target = req
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if target > MAX_URI_BYTES {
        let error = ApiError::UriTooLong {
            limit: MAX_URI_BYTES,
        };
        return Ok(req.error_response(error).map_into_boxed_body());
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Middleware: refuses a request whose query names a parameter its operation does not document (400
/// `unknown_parameter`, every such name listed), before the handler runs. Routes outside the document (Swagger UI,
/// `/metrics`) are not checked.
pub async fn refuse_unknown_parameters(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !req.query_string().is_empty()
        && let Some(table) = req.app_data::<web::Data<RouteTable>>()
        && let Some(pattern) = req.match_pattern()
        && let Some((unknown, known)) =
            table.unknown_parameters(req.method().as_str(), &pattern, req.query_string())
    {
        let error = unknown_parameter(&unknown, known);
        return Ok(req.error_response(error).map_into_boxed_body());
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// The default service of the application.
pub async fn not_matched(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<actix_web::HttpResponse, ApiError> {
    Err(match table.allowed(req.path()) {
        Some(allow) => ApiError::MethodNotAllowed { allow },
        None => ApiError::NotFound {
            code: "route_not_found",
            detail:
                "No resource exists at this path. The API lives under /api/v1; see /swagger-ui/."
                    .into(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_by_segment() {
        let table = RouteTable {
            routes: vec![
                (
                    vec![Some("api".into()), Some("users".into())],
                    vec!["GET", "POST"],
                ),
                (
                    vec![Some("api".into()), Some("users".into()), None],
                    vec!["GET", "PATCH"],
                ),
            ],
            query: HashMap::new(),
        };
        assert_eq!(table.allowed("/api/users").as_deref(), Some("GET, POST"));
        assert_eq!(
            table.allowed("/api/users/42").as_deref(),
            Some("GET, PATCH")
        );
        assert_eq!(table.allowed("/api/users/"), None);
        assert_eq!(table.allowed("/api/other"), None);
    }

    #[test]
    fn a_query_parameter_outside_the_operation_is_named_with_those_it_takes() {
        let table = RouteTable {
            routes: Vec::new(),
            query: HashMap::from([
                (
                    ("GET", "/api/users".to_owned()),
                    BTreeSet::from(["limit".to_owned(), "q".to_owned()]),
                ),
                (("GET", "/api/users/{id}".to_owned()), BTreeSet::new()),
            ]),
        };
        assert!(
            table
                .unknown_parameters("GET", "/api/users", "q=dewi&limit=5")
                .is_none()
        );
        let (unknown, known) = table
            .unknown_parameters("GET", "/api/users", "nip=1987&q=x&sortt=name")
            .unwrap();
        assert_eq!(Vec::from_iter(unknown), ["nip", "sortt"]);
        assert_eq!(known.len(), 2);
        let (unknown, _) = table
            .unknown_parameters("GET", "/api/users/{id}", "a%20b=1")
            .unwrap();
        assert_eq!(Vec::from_iter(unknown), ["a b"]);
        assert!(
            table
                .unknown_parameters("GET", "/swagger-ui/{_:.*}", "x=1")
                .is_none()
        );
        assert!(
            table
                .unknown_parameters("OPTIONS", "/api/users", "x=1")
                .is_none()
        );
    }
}
