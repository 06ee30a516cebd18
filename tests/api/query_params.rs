//! Unknown query parameters are refused on every operation (a mistyped filter must not return everything), each
//! one named, with the parameters the operation takes.

use bimtek_api::domain::role::Role;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{assert_problem, ok_json, spawn_app};

#[tokio::test]
async fn a_mistyped_filter_is_400_naming_it_instead_of_the_whole_list() {
    let app = spawn_app().await;
    let unit = app.seed_unit("LAPAS-Q");
    app.seed_participant(unit, "Dewi Lestari");
    app.seed_participant(unit, "Budi Santoso");
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let all = ok_json(
        app.send(
            Method::GET,
            "/api/v1/participants?q=dewi&limit=5",
            &admin,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(all["total"], 1);

    let response = app
        .send(
            Method::GET,
            "/api/v1/participants?nipp=198503142010121002&q=dewi&sortt=full_name",
            &admin,
            None,
        )
        .await;
    let body = assert_problem(response, 400, "unknown_parameter").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["nipp", "sortt"], "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("q") && message.contains("limit") && message.contains("sort"),
        "{message}"
    );
    // The value is not repeated back (it may be a NIP).
    assert!(!body.to_string().contains("198503142010121002"), "{body}");
}

#[tokio::test]
async fn every_operation_of_the_document_refuses_a_parameter_it_does_not_take() {
    let app = spawn_app().await;
    let doc: Value = serde_json::to_value(bimtek_api::startup::openapi()).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    // `{id}` and `{id}.pdf`: any value matches the route's segment.
                    segment.replacen(
                        &segment[..=segment.find('}').unwrap()],
                        "5eed0000-0000-4000-8000-000000000001",
                        1,
                    )
                } else {
                    segment.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app
                .client
                .request(
                    method.clone(),
                    app.url(&format!("{concrete}?zz_not_a_parameter=1")),
                )
                .send()
                .await
                .unwrap();
            let body = assert_problem(response, 400, "unknown_parameter").await;
            assert_eq!(
                body["errors"][0]["field"], "zz_not_a_parameter",
                "{method} {path}"
            );
            let documented = &item[method.as_str().to_lowercase()]["responses"]["400"];
            assert!(
                !documented.is_null(),
                "{method} {path} does not document its 400"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} operations");
}
