//! CORS from the `CORS_ALLOWED_ORIGINS` allow-list (the tests configure `https://frontend.example`): real
//! preflight requests, the headers a frontend may send and read, and silence towards every other origin.

use bimtek_api::domain::role::Role;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const ALLOWED: &str = "https://frontend.example";

async fn preflight(app: &TestApp, origin: &str, method: &str, headers: &str) -> reqwest::Response {
    app.client
        .request(
            reqwest::Method::OPTIONS,
            app.url("/api/v1/participants/import"),
        )
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", headers)
        .send()
        .await
        .unwrap()
}

fn header_list(response: &reqwest::Response, name: &str) -> Vec<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

fn cors_headers(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| k.starts_with("access-control-"))
        .collect()
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_names_the_methods_and_headers_the_api_uses() {
    let app = spawn_app().await;
    let response = preflight(
        &app,
        ALLOWED,
        "POST",
        "authorization, content-type, if-match, if-none-match, idempotency-key",
    )
    .await;
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(response.headers()["access-control-allow-origin"], ALLOWED);
    let methods = header_list(&response, "access-control-allow-methods");
    for method in ["get", "post", "put", "patch", "delete"] {
        assert!(
            methods.contains(&method.to_owned()),
            "{method} in {methods:?}"
        );
    }
    let headers = header_list(&response, "access-control-allow-headers");
    for header in [
        "authorization",
        "content-type",
        "if-match",
        "if-none-match",
        "idempotency-key",
    ] {
        assert!(
            headers.contains(&header.to_owned()),
            "{header} in {headers:?}"
        );
    }
    assert!(response.headers().contains_key("access-control-max-age"));

    // A PATCH with If-Match is allowed too.
    let response = preflight(&app, ALLOWED, "PATCH", "authorization, if-match").await;
    assert!(response.status().is_success());
    assert_eq!(response.headers()["access-control-allow-origin"], ALLOWED);
}

#[tokio::test]
async fn an_allowed_origin_may_read_etag_location_request_id_and_retry_after() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    let response = app
        .client
        .get(app.url("/api/v1/me"))
        .header("origin", ALLOWED)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], ALLOWED);
    let exposed = header_list(&response, "access-control-expose-headers");
    for header in ["etag", "location", "x-request-id", "retry-after"] {
        assert!(
            exposed.contains(&header.to_owned()),
            "{header} in {exposed:?}"
        );
    }
    let vary = header_list(&response, "vary");
    assert!(vary.contains(&"origin".to_owned()), "{vary:?}");
}

#[tokio::test]
async fn other_origins_get_no_cors_headers_but_same_origin_callers_still_work() {
    let app = spawn_app().await;
    let (_, token) = app.user_with_token(Role::Admin).await;
    for origin in [
        "https://evil.example",
        "http://frontend.example",
        "https://frontend.example.evil",
    ] {
        let response = preflight(&app, origin, "POST", "authorization").await;
        assert_eq!(cors_headers(&response), Vec::<String>::new(), "{origin}");
        let response = app
            .client
            .get(app.url("/api/v1/me"))
            .header("origin", origin)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            200,
            "the server answers; the browser hides it"
        );
        assert_eq!(cors_headers(&response), Vec::<String>::new(), "{origin}");
    }
}

#[tokio::test]
async fn an_empty_allow_list_sends_no_cors_headers_at_all() {
    let app = spawn_app_with(|s| s.cors_allowed_origins.clear()).await;
    let response = preflight(&app, ALLOWED, "POST", "authorization").await;
    assert_eq!(cors_headers(&response), Vec::<String>::new());
    let response = app
        .client
        .get(app.url("/health/live"))
        .header("origin", ALLOWED)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(cors_headers(&response), Vec::<String>::new());
}

#[tokio::test]
async fn a_preflight_with_a_browser_tracing_header_is_allowed() {
    let app = spawn_app().await;
    for header in ["traceparent", "tracestate", "baggage", "sentry-trace"] {
        let response = preflight(
            &app,
            ALLOWED,
            "POST",
            &format!("authorization, content-type, {header}"),
        )
        .await;
        assert!(
            response.status().is_success(),
            "{header}: {}",
            response.status()
        );
        assert_eq!(
            response.headers()["access-control-allow-origin"],
            ALLOWED,
            "{header}"
        );
        let allowed = header_list(&response, "access-control-allow-headers");
        assert!(
            allowed.contains(&header.to_owned()),
            "{header} in {allowed:?}"
        );
    }
}

#[tokio::test]
async fn configured_extra_headers_are_allowed_and_other_headers_are_refused() {
    let app = spawn_app_with(|s| s.cors_allowed_headers = vec!["x-client-version".into()]).await;
    let response = preflight(&app, ALLOWED, "POST", "authorization, x-client-version").await;
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(response.headers()["access-control-allow-origin"], ALLOWED);
    let allowed = header_list(&response, "access-control-allow-headers");
    assert!(
        allowed.contains(&"x-client-version".to_owned()),
        "{allowed:?}"
    );
    for headers in ["x-not-configured", "authorization, x-not-configured"] {
        let response = preflight(&app, ALLOWED, "POST", headers).await;
        assert!(
            response.status().is_client_error(),
            "{headers}: {}",
            response.status()
        );
        assert!(
            !response
                .headers()
                .contains_key("access-control-allow-origin"),
            "{headers}"
        );
    }
    // Without the setting the extra header is refused as well.
    let plain = spawn_app().await;
    let response = preflight(&plain, ALLOWED, "POST", "x-client-version").await;
    assert!(response.status().is_client_error(), "{}", response.status());
}

#[tokio::test]
async fn a_cross_origin_download_exposes_its_file_name() {
    let app = spawn_app().await;
    let unit = app.seed_unit("CORSDL");
    let s = crate::results::scenario(&app, unit);
    let (_, token) = app.user_with_token(Role::Admin).await;
    let response = app
        .client
        .get(app.url(&format!(
            "/api/v1/events/{}/exports/attendance.csv",
            s.event
        )))
        .header("origin", ALLOWED)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("filename")),
        "{:?}",
        response.headers()
    );
    assert_eq!(response.headers()["access-control-allow-origin"], ALLOWED);
    let exposed = header_list(&response, "access-control-expose-headers");
    assert!(
        exposed.contains(&"content-disposition".to_owned()),
        "{exposed:?}"
    );
}
