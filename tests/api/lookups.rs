//! `/api/v1/session-kinds` and `/api/v1/lookups`: the lists of forms, public and cacheable.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.unwrap()
}

/// The item of `list` whose `code` is `code`.
fn item<'a>(list: &'a Value, code: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("{code} is not in {list}"))
}

#[tokio::test]
async fn session_kinds_are_listed_without_a_token_in_display_order_with_their_labels() {
    let app = spawn_app().await;
    let response = get(&app, "/api/v1/session-kinds").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "public, max-age=3600");
    assert!(response.headers().contains_key("etag"));
    let body: Value = response.json().await.unwrap();
    let items = &body["items"];
    assert_eq!(items.as_array().unwrap().len(), 15);
    assert_eq!(
        items[0],
        json!({"code": "opening", "label": "Pembukaan", "label_en": "Opening", "sort_order": 10})
    );
    assert_eq!(item(items, "group_therapy")["label"], "Terapi kelompok");
    assert_eq!(item(items, "presentation")["label"], "Paparan");
    let orders: Vec<i64> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sort_order"].as_i64().unwrap())
        .collect();
    assert!(orders.windows(2).all(|w| w[0] <= w[1]), "{orders:?}");
}

#[tokio::test]
async fn a_session_kind_added_to_the_table_is_listed_and_changes_the_etag() {
    let app = spawn_app().await;
    let before = get(&app, "/api/v1/session-kinds").await;
    let tag = before.headers()["etag"].to_str().unwrap().to_owned();
    diesel::sql_query(
        "INSERT INTO session_kinds (code, label_id, label_en, sort_order) \
         VALUES ('pull_up', 'Pull up', 'Pull up', 65)",
    )
    .execute(&mut app.db())
    .unwrap();
    let after = get(&app, "/api/v1/session-kinds").await;
    assert_ne!(after.headers()["etag"].to_str().unwrap(), tag);
    let body: Value = after.json().await.unwrap();
    let codes: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    let at = codes.iter().position(|c| *c == "pull_up").unwrap();
    assert_eq!(
        (codes[at - 1], codes[at + 1]),
        ("static_group", "encounter_group")
    );
}

#[tokio::test]
async fn a_matching_if_none_match_answers_304_with_the_same_tag_and_cache_control() {
    let app = spawn_app().await;
    for path in ["/api/v1/session-kinds", "/api/v1/lookups"] {
        let first = get(&app, path).await;
        let tag = first.headers()["etag"].to_str().unwrap().to_owned();
        let response = app
            .client
            .get(app.url(path))
            .header("If-None-Match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 304, "{path}");
        assert_eq!(response.headers()["etag"].to_str().unwrap(), tag);
        assert_eq!(response.headers()["cache-control"], "public, max-age=3600");
        assert!(response.bytes().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn every_lookup_list_holds_its_known_values_with_indonesian_labels() {
    let app = spawn_app().await;
    let response = get(&app, "/api/v1/lookups").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "public, max-age=3600");
    let body: Value = response.json().await.unwrap();

    let grades = body["grades"].as_array().unwrap();
    assert_eq!(grades.len(), 17);
    assert_eq!(grades[0]["code"], "I/a");
    assert_eq!(grades[16]["code"], "IV/e");
    assert_eq!(
        *item(&body["grades"], "III/b"),
        json!({"code": "III/b", "pangkat": "Penata Muda Tingkat I", "label": "Penata Muda Tingkat I, III/b"})
    );
    assert_eq!(item(&body["grades"], "IV/e")["pangkat"], "Pembina Utama");

    let expected = [
        ("session_kinds", "group_therapy", "Terapi kelompok", 15),
        ("event_kinds", "orientation", "Orientasi Lapangan", 6),
        ("event_kinds", "closing", "Penutupan", 6),
        ("event_statuses", "ongoing", "Berlangsung", 5),
        ("enrollment_statuses", "waitlisted", "Daftar Tunggu", 5),
        ("attendance_statuses", "present", "Hadir", 5),
        ("attendance_statuses", "late", "Terlambat", 5),
        ("attendance_statuses", "excused", "Izin", 5),
        ("attendance_statuses", "sick", "Sakit", 5),
        ("attendance_statuses", "absent", "Alpa", 5),
        ("unit_types", "lapas", "Lembaga Pemasyarakatan", 8),
        ("unit_types", "pos_bapas", "Pos Balai Pemasyarakatan", 8),
        ("unit_classes", "IIA", "Kelas IIA", 5),
        ("sexes", "female", "Perempuan", 2),
        (
            "employee_types",
            "pppk",
            "Pegawai Pemerintah dengan Perjanjian Kerja (PPPK)",
            2,
        ),
        ("position_kinds", "functional", "Fungsional", 3),
        (
            "instrument_kinds",
            "follow_up",
            "Evaluasi Pasca Pelatihan",
            5,
        ),
        ("question_types", "single_choice", "Pilihan Tunggal", 5),
        ("respondent_kinds", "supervisor", "Atasan Langsung", 3),
        ("score_kinds", "practical", "Penilaian Praktik", 3),
    ];
    for (list, code, label, len) in expected {
        assert_eq!(body[list].as_array().unwrap().len(), len, "{list}");
        assert_eq!(item(&body[list], code)["label"], label, "{list} {code}");
    }
    // The attendance statuses in their declared order, as a form lists them.
    let codes: Vec<&str> = body["attendance_statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["present", "late", "excused", "sick", "absent"]);
}

#[tokio::test]
async fn the_lookup_lists_are_typed_in_the_spec_with_required_fields() {
    let app = spawn_app().await;
    let spec: Value = get(&app, "/api-docs/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let schemas = &spec["components"]["schemas"];
    let lookups = &schemas["LookupsResponse"];
    assert_eq!(
        lookups["properties"]["grades"]["items"]["$ref"],
        "#/components/schemas/GradeItem"
    );
    assert_eq!(
        lookups["properties"]["attendance_statuses"]["items"]["$ref"],
        "#/components/schemas/AttendanceStatusItem"
    );
    assert!(lookups["required"].as_array().unwrap().len() >= 15);
    assert_eq!(
        schemas["GradeItem"]["required"],
        json!(["code", "pangkat", "label"])
    );
    assert_eq!(
        schemas["AttendanceStatusItem"]["properties"]["code"]["$ref"],
        "#/components/schemas/AttendanceStatus"
    );
    assert_eq!(
        schemas["SessionKindItem"]["required"],
        json!(["code", "label", "label_en", "sort_order"])
    );
    for path in ["/api/v1/session-kinds", "/api/v1/lookups"] {
        let operation = &spec["paths"][path]["get"];
        assert!(
            operation
                .get("security")
                .is_none_or(|s| s.as_array().is_some_and(|a| a.is_empty())),
            "{path}"
        );
    }
}
