//! The security suite (issue 6, part 5): the deny-by-default role x operation x ownership matrix, mass
//! assignment of read-only fields, body/page/header-time limits, and the security headers of every response.
//! Every operation list is derived from the generated OpenAPI document, so a new route is covered (or fails a
//! test asking for its policy) without anyone remembering to add it here.

mod facilitator;
mod fixtures;
mod headers;
mod limits;
mod mass_assignment;
mod matrix;
mod policy;

use serde_json::Value;

/// The generated OpenAPI document.
pub fn document() -> Value {
    serde_json::to_value(bimtek_api::startup::openapi()).unwrap()
}

/// One operation of the document.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: String,
    pub path: String,
    pub op: Value,
}

impl Operation {
    /// `METHOD path`, the key of the policy table.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The first documented success status.
    pub fn success_status(&self) -> u16 {
        let mut statuses: Vec<u16> = self.op["responses"]
            .as_object()
            .unwrap()
            .keys()
            .filter_map(|k| k.parse().ok())
            .filter(|s| (200..300).contains(s))
            .collect();
        statuses.sort_unstable();
        statuses[0]
    }

    pub fn secured(&self) -> bool {
        self.op
            .get("security")
            .and_then(Value::as_array)
            .is_some_and(|s| !s.is_empty())
    }

    /// The request body's media type and schema, if the operation takes one.
    pub fn request_body(&self) -> Option<(String, Value)> {
        let content = self.op["requestBody"]["content"].as_object()?;
        let (media, body) = content.iter().next()?;
        Some((media.clone(), body["schema"].clone()))
    }

    pub fn has_query_parameter(&self, name: &str) -> bool {
        self.op["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query" && p["name"] == name))
    }
}

/// Every operation of the document, sorted by path then method.
pub fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push(Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                op: op.clone(),
            });
        }
    }
    out.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    out
}

/// Follows a `$ref` into `components.schemas`.
pub fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// The problem if a response lacks the headers every API response must carry, `None` when it has them.
pub fn missing_security_headers(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("<absent>")
            .to_owned()
    };
    let cache = get("cache-control");
    let nosniff = get("x-content-type-options");
    (cache != "no-store" || nosniff != "nosniff")
        .then(|| format!("Cache-Control: {cache}, X-Content-Type-Options: {nosniff}"))
}
