//! Deny by default: every operation x every role, on objects the caller does not own. The operations come from
//! the OpenAPI document; their policy from `policy.rs`.

use std::collections::BTreeSet;

use bimtek_api::domain::role::Role;
use serde_json::Value;

use super::fixtures::{Callers, seed_callers, seed_world};
use super::policy::{Access, Rule, rules};
use super::{Operation, document, missing_security_headers, operations};
use crate::helpers::{TestApp, spawn_app};

#[test]
fn every_operation_has_an_entry_in_the_policy_table() {
    let doc = document();
    let ops = operations(&doc);
    let table = rules();
    let mut problems = Vec::new();
    for op in &ops {
        let key = op.key();
        let entries: Vec<&Rule> = table.iter().filter(|r| r.op == key).collect();
        let Some(main) = entries.iter().find(|r| r.variant.is_empty()) else {
            problems.push(format!(
                "{key} has no entry in the policy table (tests/api/security/policy.rs): add one saying which \
                 roles may call it on objects they do not own"
            ));
            continue;
        };
        match main.access {
            Access::Public if op.secured() => problems.push(format!(
                "{key} is secured in the document but public in the policy table"
            )),
            Access::Roles { .. } if !op.secured() => problems.push(format!(
                "{key} takes no token in the document, but the policy table gives it role rules: secure it or \
                 mark it public"
            )),
            _ => {}
        }
        if op.request_body().is_some() && main.body.is_none() {
            problems.push(format!("{key} takes a body: its policy entry needs one"));
        }
    }
    let known: BTreeSet<String> = ops.iter().map(Operation::key).collect();
    for rule in &table {
        if !known.contains(rule.op) {
            problems.push(format!(
                "the policy table names {} ({}), which the document does not have",
                rule.op, rule.variant
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for rule in &table {
        assert!(
            seen.insert((rule.op, rule.variant)),
            "{} ({}) appears twice in the policy table",
            rule.op,
            rule.variant
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Sends the operation of `rule` with `token` on a fresh world, and returns what is wrong with the answer.
async fn check(
    app: &TestApp,
    doc_ops: &[Operation],
    callers: &Callers,
    rule: &Rule,
    role: Role,
) -> Vec<String> {
    let Access::Roles {
        allow,
        hidden,
        scoped,
        masked,
    } = rule.access
    else {
        return Vec::new();
    };
    let op = doc_ops.iter().find(|o| o.key() == rule.op).unwrap();
    let world = seed_world(&mut app.db(), rule.spec);
    let path = (rule.path)(&world);
    let method = reqwest::Method::from_bytes(op.method.as_bytes()).unwrap();
    let mut request = app
        .client
        .request(method, app.url(&path))
        .bearer_auth(&callers.get(role).token);
    if let (Some(body), Some((media, _))) = (rule.body, op.request_body()) {
        // A file upload's body is given as a JSON string: its text is the file.
        let body = match body(&world, callers) {
            Value::String(raw) if !media.contains("json") => raw,
            other => other.to_string(),
        };
        request = request.header("content-type", media).body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let what = format!(
        "{}{} as {role}: {status}",
        rule.op,
        if rule.variant.is_empty() {
            String::new()
        } else {
            format!(" ({})", rule.variant)
        }
    );
    let mut problems = Vec::new();
    if let Some(missing) = missing_security_headers(&headers) {
        problems.push(format!("{what}: {missing}"));
    }
    let leaked = |secrets: Vec<String>| -> Vec<String> {
        secrets
            .into_iter()
            .filter(|s| text.contains(s.as_str()))
            .collect()
    };
    if let Some((roles, code)) = rule.rows_refused
        && roles.contains(&role)
    {
        let body: Value = serde_json::from_str(&text).unwrap_or_default();
        let codes: Vec<&str> = body["errors"]
            .as_array()
            .map(|e| e.iter().filter_map(|e| e["code"].as_str()).collect())
            .unwrap_or_default();
        if status != 422 || codes.is_empty() || codes.iter().any(|c| *c != code) {
            problems.push(format!(
                "{what}, expected 422 with every row refused as {code}: {text}"
            ));
        }
        let shown = leaked(world.all_secrets());
        if !shown.is_empty() {
            problems.push(format!(
                "{what}: the refusal shows the object's data {shown:?}: {text}"
            ));
        }
    } else if allow.contains(&role) {
        let expected = op.success_status();
        if status != expected {
            problems.push(format!("{what}, expected {expected}: {text}"));
        }
        let shown = if scoped.contains(&role) {
            leaked(world.officer_secrets())
        } else if masked.contains(&role) {
            leaked(world.personal_details())
        } else {
            Vec::new()
        };
        if !shown.is_empty() {
            problems.push(format!("{what} shows data it may not: {shown:?} in {text}"));
        }
    } else {
        let expected = if hidden.contains(&role) { 404 } else { 403 };
        if status != expected {
            problems.push(format!(
                "{what}, expected {expected} (the role is not allowed): {text}"
            ));
        }
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if content_type != "application/problem+json" {
            problems.push(format!("{what}: a refusal of type {content_type:?}"));
        }
        let shown = leaked(world.all_secrets());
        if !shown.is_empty() {
            problems.push(format!(
                "{what}: the refusal shows the object's data {shown:?}: {text}"
            ));
        }
        if let Ok(body) = serde_json::from_str::<Value>(&text)
            && body.get("items").is_some()
        {
            problems.push(format!("{what}: a refusal with items"));
        }
    }
    problems
}

/// Runs the matrix for the operations whose path starts with one of `prefixes`.
async fn run(prefixes: &[&str]) {
    let app = spawn_app().await;
    let callers = seed_callers(&app).await;
    let doc = document();
    let doc_ops = operations(&doc);
    let mut problems = Vec::new();
    let mut calls = 0;
    for rule in rules() {
        let path = rule.op.split_once(' ').unwrap().1;
        if !prefixes.iter().any(|p| path.starts_with(p)) {
            continue;
        }
        for role in Role::ALL {
            problems.extend(check(&app, &doc_ops, &callers, &rule, role).await);
            calls += 1;
        }
    }
    assert!(calls >= 20, "only {calls} calls: is the prefix right?");
    assert!(
        problems.is_empty(),
        "{} of {calls} calls broke the policy:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[tokio::test]
async fn accounts_units_and_programs_are_refused_to_every_role_the_policy_does_not_name() {
    run(&[
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/units",
        "/api/v1/programs",
    ])
    .await;
}

#[tokio::test]
async fn officers_are_refused_or_filtered_for_every_role_the_policy_does_not_name() {
    run(&["/api/v1/participants"]).await;
}

#[tokio::test]
async fn events_of_other_organizers_are_refused_to_every_role_the_policy_does_not_name() {
    run(&["/api/v1/events"]).await;
}

#[tokio::test]
async fn sessions_attendance_and_enrollments_of_others_are_refused_to_every_role_the_policy_does_not_name()
 {
    run(&["/api/v1/sessions", "/api/v1/enrollments"]).await;
}

#[tokio::test]
async fn instruments_responses_and_templates_of_others_are_refused_to_every_role_the_policy_does_not_name()
 {
    run(&[
        "/api/v1/instruments",
        "/api/v1/responses",
        "/api/v1/instrument-templates",
    ])
    .await;
}

#[tokio::test]
async fn certificates_of_others_are_refused_to_every_role_the_policy_does_not_name() {
    run(&["/api/v1/certificates", "/verify"]).await;
}

#[tokio::test]
async fn webhooks_are_refused_to_every_role_the_policy_does_not_name() {
    run(&["/api/v1/webhooks"]).await;
}

#[tokio::test]
async fn service_accounts_are_refused_to_every_role_but_administrators() {
    run(&["/api/v1/clients"]).await;
}
