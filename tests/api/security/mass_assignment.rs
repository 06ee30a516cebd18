//! Mass assignment: every write operation with a JSON body refuses each read-only field of its resource with 422
//! `unknown_field` naming it, and the database is left exactly as it was. The operations and the fields come from
//! the OpenAPI document (the response's properties that the request does not have, plus the usual server-owned
//! names), so a new write operation or a new response field is covered without editing this file.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::fixtures::{fingerprint, seed_callers, seed_world};
use super::policy::{Access, main_rule};
use super::{Operation, document, missing_security_headers, operations, resolve};
use crate::helpers::spawn_app;
use bimtek_api::domain::role::Role;

/// Names the server owns on any resource; each is sent unless the request schema declares it.
const SERVER_OWNED: &[&str] = &[
    "id",
    "version",
    "created_at",
    "updated_at",
    "status",
    "archived_at",
    "erased",
    "erased_at",
    "approved_count",
    "session_count",
    "event_count",
    "check_in_code",
    "token_version",
    "password_hash",
    "role",
    "last_login_at",
    "created_by",
    "nominated_by",
    "decided_by",
    "decided_at",
    "is_active",
    "unit_id",
    "participant_id",
];

/// What a caller of the public account operations (login, refresh) might try to set.
const ACCOUNT_FIELDS: &[&str] = &["id", "role", "token_version", "password_hash", "is_active"];

/// The object schema of a request body (the item schema for an array body) and whether the body is an array.
fn request_object<'a>(doc: &'a Value, schema: &'a Value) -> (&'a Value, bool) {
    let schema = resolve(doc, schema);
    if schema["type"] == "array" {
        (resolve(doc, &schema["items"]), true)
    } else {
        (schema, false)
    }
}

fn property_names(schema: &Value) -> BTreeSet<String> {
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// The properties of the success response of an operation, and of the items of a page or an array.
fn response_properties(doc: &Value, op: &Operation) -> BTreeSet<String> {
    let status = op.success_status().to_string();
    let schema = &op.op["responses"][&status]["content"]["application/json"]["schema"];
    let mut names = BTreeSet::new();
    let mut schema = resolve(doc, schema);
    if schema["type"] == "array" {
        schema = resolve(doc, &schema["items"]);
    }
    names.extend(property_names(schema));
    if let Some(items) = schema["properties"]["items"].get("items") {
        names.extend(property_names(resolve(doc, items)));
    }
    names
}

/// Every object schema reachable from a request body must refuse unknown properties.
fn open_objects(doc: &Value, schema: &Value, at: &str, out: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if let Some(variants) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        for v in variants {
            open_objects(doc, v, at, out);
        }
    }
    if schema["type"] == "array" || schema.get("items").is_some() {
        open_objects(doc, &schema["items"], &format!("{at}[]"), out);
    }
    if let Some(properties) = schema["properties"].as_object() {
        if schema["additionalProperties"] != json!(false) {
            out.push(at.to_owned());
        }
        for (name, property) in properties {
            open_objects(doc, property, &format!("{at}.{name}"), out);
        }
    }
}

#[test]
fn every_request_body_schema_refuses_unknown_properties() {
    let doc = document();
    let mut open = Vec::new();
    let mut bodies = 0;
    for op in operations(&doc) {
        if let Some((_, schema)) = op.request_body() {
            bodies += 1;
            open_objects(&doc, &schema, &op.key(), &mut open);
        }
    }
    assert!(bodies >= 15, "only {bodies} operations with a body");
    assert!(
        open.is_empty(),
        "these request schemas do not have `additionalProperties: false` (add #[serde(deny_unknown_fields)]):\n{}",
        open.join("\n")
    );
}

#[tokio::test]
async fn every_read_only_field_sent_to_a_write_operation_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let callers = seed_callers(&app).await;
    let doc = document();
    let mut problems = Vec::new();
    let mut checked_ops = 0;
    let mut sent = 0;
    for op in operations(&doc) {
        let Some((media, schema)) = op.request_body() else {
            continue;
        };
        // A form-encoded body (the OAuth token endpoint) follows RFC 6749 section 3.2: unrecognised parameters are
        // ignored, not refused; tests/api/client_credentials.rs shows that they grant nothing.
        if !media.contains("json") {
            continue;
        }
        let key = op.key();
        let rule =
            main_rule(&key).unwrap_or_else(|| panic!("{key} has no entry in the policy table"));
        let (object, is_array) = request_object(&doc, &schema);
        let writable = property_names(object);
        let mut read_only: BTreeSet<String> = response_properties(&doc, &op);
        // The public (login) operations get the account fields only: few requests, under any login rate limit.
        let extra = match rule.access {
            Access::Public => ACCOUNT_FIELDS,
            Access::Roles { .. } => SERVER_OWNED,
        };
        read_only.extend(extra.iter().map(|s| (*s).to_owned()));
        read_only.retain(|f| !writable.contains(f));
        let token = match rule.access {
            Access::Public => None,
            Access::Roles { .. } => Some(callers.get(Role::Admin).token.clone()),
        };
        let mut conn = app.db();
        let world = seed_world(&mut conn, rule.spec);
        let path = (rule.path)(&world);
        let base = (rule.body.unwrap())(&world, &callers);
        let method = reqwest::Method::from_bytes(op.method.as_bytes()).unwrap();
        let send = |body: Value| {
            let mut request = app
                .client
                .request(method.clone(), app.url(&path))
                .header("content-type", media.as_str())
                .body(body.to_string());
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            request.send()
        };
        let before = fingerprint(&mut conn);
        for field in &read_only {
            let mut body = base.clone();
            let target = if is_array { &mut body[0] } else { &mut body };
            target[field.as_str()] = json!("2025-01-01T00:00:00Z");
            let expected_field = if is_array {
                format!("[0].{field}")
            } else {
                field.clone()
            };
            let response = send(body).await.unwrap();
            sent += 1;
            let status = response.status().as_u16();
            if let Some(missing) = missing_security_headers(response.headers()) {
                problems.push(format!("{key} + {field}: {missing}"));
            }
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            let fields: Vec<(String, String)> = answer["errors"]
                .as_array()
                .map(|errors| {
                    errors
                        .iter()
                        .map(|e| {
                            (
                                e["field"].as_str().unwrap_or_default().to_owned(),
                                e["code"].as_str().unwrap_or_default().to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            if status != 422 || fields != [(expected_field.clone(), "unknown_field".to_owned())] {
                problems.push(format!(
                    "{key} with `{field}`: expected 422 naming only {expected_field} as unknown_field, got {status} \
                     {answer}"
                ));
            }
        }
        if fingerprint(&mut conn) != before {
            problems.push(format!("{key}: a refused request changed the database"));
        }
        // The base body is valid: without the read-only field the same request succeeds, so each 422 above was
        // the field's doing.
        let control = send(base).await.unwrap();
        if control.status().as_u16() != op.success_status() {
            let status = control.status();
            let text = control.text().await.unwrap_or_default();
            if !(key.starts_with("POST /api/v1/auth/") && key != "POST /api/v1/auth/login") {
                problems.push(format!("{key}: the base body was refused: {status} {text}"));
            }
        }
        checked_ops += 1;
    }
    assert!(checked_ops >= 15, "only {checked_ops} write operations");
    assert!(sent >= 200, "only {sent} requests");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
