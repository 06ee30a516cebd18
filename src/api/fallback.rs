//! What answers when no route matched: 405 with `Allow` when the path exists under another method, 404 otherwise.
//!
//! The table of paths and methods is read from the OpenAPI document generated from the registered handlers, so
//! it cannot drift from the routes.

use actix_web::{HttpRequest, web};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::HttpMethod;

use crate::error::ApiError;

/// Path templates (split into segments; `None` is a `{parameter}`) and the methods each allows.
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Option<String>>, Vec<&'static str>)>,
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
                if op.is_some() {
                    methods.push(method_name(&method));
                }
            }
            routes.push((segments, methods));
        }
        Self { routes }
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
        };
        assert_eq!(table.allowed("/api/users").as_deref(), Some("GET, POST"));
        assert_eq!(
            table.allowed("/api/users/42").as_deref(),
            Some("GET, PATCH")
        );
        assert_eq!(table.allowed("/api/users/"), None);
        assert_eq!(table.allowed("/api/other"), None);
    }
}
