//! The OpenAPI document: committed, served, complete, and every secured operation really is secured.

use serde_json::Value;

use crate::helpers::{assert_problem, spawn_app};

fn generated() -> Value {
    serde_json::to_value(bimtek_api::startup::openapi()).unwrap()
}

#[test]
fn openapi_document_matches_the_committed_file() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let current = bimtek_api::startup::openapi().to_pretty_json().unwrap() + "\n";
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &current).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    // Compared as documents, not as text: the same operations, parameters, schemas and responses, wherever in
    // the code they are declared; the message names every place where the two differ.
    let committed: Value = serde_json::from_str(&committed).unwrap_or(Value::Null);
    let current: Value = serde_json::from_str(&current).unwrap();
    let mut differences = Vec::new();
    differ("", &committed, &current, &mut differences);
    assert!(
        differences.is_empty(),
        "openapi/openapi.json differs from the code at {differences:#?}: run `make openapi` (UPDATE_OPENAPI=1) and \
         commit the file"
    );
}

/// The JSON pointers at which `a` and `b` differ (at most 50).
fn differ(at: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    if out.len() >= 50 {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                match (x.get(key), y.get(key)) {
                    (Some(u), Some(v)) => differ(&here, u, v, out),
                    (Some(_), None) => out.push(format!("{here}: only in the committed file")),
                    _ => out.push(format!("{here}: only in the code")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                differ(&format!("{at}/{i}"), u, v, out);
            }
        }
        _ if a != b => out.push(format!("{at}: {a} != {b}")),
        _ => {}
    }
}

#[test]
fn the_semantic_comparison_names_where_two_documents_differ() {
    let a = serde_json::json!({"paths": {"/a/{id}": {"get": {"responses": {"200": {}, "404": {}}}}}, "x": [1, 2]});
    let b = serde_json::json!({"x": [1, 3], "paths": {"/a/{id}": {"get": {"responses": {"404": {}, "200": {}, "403": {}}}}}});
    let mut out = Vec::new();
    differ("", &a, &b, &mut out);
    assert_eq!(
        out,
        [
            "/paths/~1a~1{id}/get/responses/403: only in the code".to_owned(),
            "/x/1: 2 != 3".to_owned(),
        ]
    );
    let mut same = Vec::new();
    differ("", &a, &a.clone(), &mut same);
    assert!(same.is_empty());
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.to_uppercase(), path.clone(), op.clone()));
        }
    }
    out
}

#[test]
fn every_operation_is_documented_for_a_frontend_developer() {
    let doc = generated();
    for (method, path, op) in operations(&doc) {
        let summary = op["summary"].as_str().unwrap_or_default();
        let description = op["description"].as_str().unwrap_or_default();
        assert!(!summary.is_empty(), "{method} {path} has no summary");
        assert!(description.len() > 20, "{method} {path} has no description");
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path}: no success response"
        );
        if path.starts_with("/api/") {
            assert!(responses.contains_key("500"), "{method} {path}: no 500");
            assert!(responses.contains_key("503"), "{method} {path}: no 503");
        }
        if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
            assert!(
                responses.contains_key("401"),
                "{method} {path}: secured without 401"
            );
            assert!(
                responses.contains_key("403") || path == "/api/v1/me",
                "{method} {path}: no 403"
            );
        }
        if let Some(body) = op.get("requestBody") {
            // 422 is the answer to invalid JSON fields; the form-encoded OAuth token endpoint answers RFC 6749
            // errors (400/401) instead.
            let json = body["content"]
                .as_object()
                .is_some_and(|c| c.keys().any(|m| m.contains("json")));
            let statuses: &[&str] = if json {
                &["413", "415", "422"]
            } else {
                &["413", "415"]
            };
            for status in statuses {
                assert!(
                    responses.contains_key(*status),
                    "{method} {path}: no {status}"
                );
            }
        }
    }
    // Every schema a client reads or sends has an example.
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if schema.get("properties").is_some() && !name.starts_with("Page") {
            assert!(
                schema.get("example").is_some(),
                "schema {name} has no example"
            );
        }
    }
}

#[tokio::test]
async fn every_secured_operation_refuses_a_request_without_a_token() {
    let app = spawn_app().await;
    let doc = generated();
    let mut checked = 0;
    for (method, path, op) in operations(&doc) {
        if op["security"].as_array().is_none_or(Vec::is_empty) {
            continue;
        }
        let concrete = path.replace("{id}", "6f1c8b2e-2a4f-4c9e-8a61-3d1b2c3d4e5f");
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = app
            .client
            .request(method.clone(), app.url(&concrete))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert!(
            response.headers().contains_key("www-authenticate"),
            "{method} {path}"
        );
        assert_problem(response, 401, "unauthorized").await;
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} secured operations found");
}

#[tokio::test]
async fn the_served_document_is_the_generated_one_and_swagger_ui_is_served() {
    let app = spawn_app().await;
    let served: Value = app
        .client
        .get(app.url("/api-docs/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, generated());
    assert_eq!(
        served["components"]["securitySchemes"]["bearer_auth"]["scheme"],
        "bearer"
    );

    let page = app
        .client
        .get(app.url("/swagger-ui/"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("swagger"));
    let config = app
        .client
        .get(app.url("/swagger-ui/swagger-initializer.js"))
        .send()
        .await
        .unwrap();
    let js = config.text().await.unwrap();
    assert!(js.contains("/api-docs/openapi.json"), "{js}");
    let redirect = app.client.get(app.url("/swagger-ui")).send().await.unwrap();
    assert!(redirect.status().is_redirection());
    assert_eq!(redirect.headers()["location"], "/swagger-ui/");
}

/// What linters (Redocly `security-defined`, `no-empty-servers`) and generators need stated: a server, the public
/// operations as public, and the 304 of every GET that sends an `ETag`.
#[test]
fn public_operations_servers_and_not_modified_answers_are_stated() {
    let doc = generated();
    assert_eq!(doc["servers"][0]["url"], "/");
    let mut public = Vec::new();
    for (method, path, op) in operations(&doc) {
        let security = op["security"]
            .as_array()
            .unwrap_or_else(|| panic!("{method} {path} states no security"));
        if security.is_empty() {
            public.push(format!("{method} {path}"));
        }
        let etag = !op["responses"]["200"]["headers"]["ETag"].is_null();
        if method == "GET" && etag {
            assert!(
                !op["responses"]["304"].is_null(),
                "{method} {path} sends an ETag but does not document 304"
            );
        }
    }
    for expected in [
        "POST /api/v1/auth/login",
        "GET /api/v1/certificates/verify/{code}",
        "GET /.well-known/jwks.json",
        "GET /health/live",
    ] {
        assert!(
            public.contains(&expected.to_owned()),
            "{expected} is not public: {public:?}"
        );
    }
    assert!(!public.contains(&"GET /api/v1/participants".to_owned()));
}

#[test]
fn every_reference_resolves_and_list_items_and_problem_codes_are_typed() {
    let doc = generated();
    let mut refs = Vec::new();
    fn collect(value: &Value, into: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("$ref", Value::String(r)) => into.push(r.clone()),
                        _ => collect(v, into),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect(v, into)),
            _ => {}
        }
    }
    collect(&doc, &mut refs);
    let unresolved: Vec<&String> = refs
        .iter()
        .filter(|r| {
            let pointer = r.strip_prefix('#').unwrap_or(r);
            doc.pointer(pointer).is_none()
        })
        .collect();
    assert!(
        unresolved.is_empty(),
        "unresolved references: {unresolved:?}"
    );

    // Every page refers to its item's schema; the problem's code is the enum of the service's codes.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let pages: Vec<&String> = schemas.keys().filter(|k| k.starts_with("Page_")).collect();
    assert!(pages.len() > 15);
    for page in pages {
        let item = page.strip_prefix("Page_").unwrap();
        assert_eq!(
            schemas[page]["properties"]["items"]["items"]["$ref"],
            format!("#/components/schemas/{item}"),
            "{page}"
        );
    }
    let codes = schemas["Problem"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap();
    assert_eq!(codes.len(), bimtek_api::error::PROBLEM_CODES.len());
    assert!(codes.contains(&Value::from("validation_failed")));
    // Always-sent nullable fields of answers are required; optional request fields are not.
    let required = |schema: &str| -> Vec<&str> {
        schemas[schema]["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    };
    assert!(required("ParticipantResponse").contains(&"email"));
    assert!(!required("UpdateParticipantRequest").contains(&"email"));
    assert!(
        !required("CheckInResponse").contains(&"attendance"),
        "left out when absent"
    );
}
