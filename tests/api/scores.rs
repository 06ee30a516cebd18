//! Direct score entry: all-or-nothing writes with every bad row named, the audit trail of each change, who may
//! enter which kind, and the event states that accept scores. Seeded with SQL (the instrument code lives elsewhere).

use bimtek_api::domain::role::Role;
use diesel::prelude::*;
use diesel::sql_query;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, ok_json, spawn_app};

/// One audit entry, as stored.
#[derive(Debug, QueryableByName)]
pub struct AuditRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub action: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub resource_type: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    pub resource_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    pub participant_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    pub actor_user_id: Option<Uuid>,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub changes: Value,
}

pub fn audit_rows(app: &TestApp) -> Vec<AuditRow> {
    sql_query(
        format!(
            "SELECT action, resource_type, resource_id, participant_id, actor_user_id, changes FROM {} ORDER BY id",
            crate::helpers::EXPLICIT_AUDIT
        ),
    )
    .load(&mut app.db())
    .unwrap()
}

/// An ongoing event with two approved officers (of one unit); returns (event, unit, [(enrollment, officer)]).
pub fn scored_event(app: &TestApp) -> (Uuid, Uuid, Vec<(Uuid, Uuid)>) {
    let event = app.seed_event("ongoing", 10);
    let unit = app.seed_unit(&format!(
        "S{}",
        &Uuid::new_v4().simple().to_string()[..8].to_uppercase()
    ));
    let mut officers = Vec::new();
    for name in ["Ahmad Fauzi", "Budi Santoso"] {
        let officer = app.seed_participant(unit, name);
        let (enrollment, _) = app.seed_enrollment(event, officer, "approved");
        officers.push((enrollment, officer));
    }
    (event, unit, officers)
}

fn scores_path(event: Uuid) -> String {
    format!("/api/v1/events/{event}/scores")
}

#[tokio::test]
async fn scores_are_written_audited_per_change_and_unchanged_values_write_nothing() {
    let app = spawn_app().await;
    let (event, _, officers) = scored_event(&app);
    let (organizer, token) = app.organizer_of(event).await;
    let ((e1, p1), (e2, _)) = (officers[0], officers[1]);
    let body = ok_json(
        app.send(
            Method::PUT,
            &scores_path(event),
            &token,
            Some(json!({"items": [
                {"enrollment_id": e2, "kind": "practical", "score": 90},
                {"enrollment_id": e1, "kind": "pre_test", "score": 40},
                {"enrollment_id": e1, "kind": "post_test", "score": 85.5},
            ]})),
        )
        .await,
        200,
    )
    .await;
    let items = body["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        2,
        "one line per officer, in the order first named"
    );
    assert_eq!(items[0]["enrollment_id"], e2.to_string());
    assert_eq!(items[0]["practical"]["score"], 90.0);
    assert_eq!(items[1]["pre_test"]["score"], 40.0);
    assert_eq!(items[1]["post_test"]["source"], "manual");
    assert_eq!(
        items[1]["post_test"]["recorded_by"],
        organizer.id.to_string()
    );
    assert_eq!(items[1]["practical"], Value::Null);

    let audit = audit_rows(&app);
    assert_eq!(audit.len(), 3);
    let pre = audit
        .iter()
        .find(|a| a.changes.get("pre_test").is_some())
        .unwrap();
    assert_eq!(pre.action, "score.set");
    assert_eq!(pre.resource_type, "score");
    assert_eq!(pre.resource_id, Some(e1));
    assert_eq!(pre.participant_id, Some(p1));
    assert_eq!(pre.actor_user_id, Some(organizer.id));
    assert_eq!(pre.changes["pre_test"], json!({"old": null, "new": 40}));

    // The same values again and one change: one entry, old -> new.
    ok_json(
        app.send(
            Method::PUT,
            &scores_path(event),
            &token,
            Some(json!({"items": [
                {"enrollment_id": e1, "kind": "pre_test", "score": 40.0},
                {"enrollment_id": e1, "kind": "post_test", "score": 88},
            ]})),
        )
        .await,
        200,
    )
    .await;
    let audit = audit_rows(&app);
    assert_eq!(audit.len(), 4);
    assert_eq!(
        audit[3].changes["post_test"],
        json!({"old": 85.5, "new": 88})
    );

    // null clears a manual score.
    ok_json(
        app.send(
            Method::PUT,
            &scores_path(event),
            &token,
            Some(json!({"items": [
                {"enrollment_id": e2, "kind": "practical", "score": null},
            ]})),
        )
        .await,
        200,
    )
    .await;
    let audit = audit_rows(&app);
    assert_eq!(audit[4].action, "score.clear");
    assert_eq!(
        audit[4].changes["practical"],
        json!({"old": 90, "new": null})
    );
    assert_eq!(app.count("scores"), 2);

    let sheet = ok_json(
        app.send(Method::GET, &scores_path(event), &token, None)
            .await,
        200,
    )
    .await;
    assert_eq!(sheet["total"], 2);
    assert_eq!(sheet["items"][0]["participant_name"], "Ahmad Fauzi");
    assert_eq!(sheet["items"][0]["post_test"]["score"], 88.0);
    assert_eq!(sheet["items"][1]["practical"], Value::Null);
}

#[tokio::test]
async fn every_bad_row_is_named_and_nothing_is_written() {
    let app = spawn_app().await;
    let (event, unit, officers) = scored_event(&app);
    let (_, token) = app.organizer_of(event).await;
    let nominated = app.seed_participant(unit, "Citra Dewi");
    let (nominated, _) = app.seed_enrollment(event, nominated, "nominated");
    let other_event = app.seed_event("ongoing", 10);
    let stranger = app.seed_participant(unit, "Dodi Kurnia");
    let (foreign, _) = app.seed_enrollment(other_event, stranger, "approved");
    let (e1, e2) = (officers[0].0, officers[1].0);
    let response = app
        .send(
            Method::PUT,
            &scores_path(event),
            &token,
            Some(json!({"items": [
                {"enrollment_id": e1, "kind": "pre_test", "score": 55},
                {"enrollment_id": e1, "kind": "post_test", "score": 101},
                {"enrollment_id": e2, "kind": "pre_test", "score": -1},
                {"enrollment_id": e2, "kind": "post_test", "score": 87.255},
                {"enrollment_id": e2, "kind": "final", "score": 80},
                {"enrollment_id": e2, "kind": "practical"},
                {"enrollment_id": nominated, "kind": "pre_test", "score": 50},
                {"enrollment_id": foreign, "kind": "pre_test", "score": 50},
                {"enrollment_id": Uuid::new_v4(), "kind": "pre_test", "score": 50},
            ]})),
        )
        .await;
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(
        error_fields(&body),
        [
            "items[1].score",
            "items[2].score",
            "items[3].score",
            "items[4].kind",
            "items[5].score",
        ],
        "{body}"
    );
    // With the row shapes right, the rows are judged against the event.
    let response = app
        .send(
            Method::PUT,
            &scores_path(event),
            &token,
            Some(json!({"items": [
                {"enrollment_id": e1, "kind": "pre_test", "score": 55},
                {"enrollment_id": nominated, "kind": "pre_test", "score": 50},
                {"enrollment_id": foreign, "kind": "pre_test", "score": 50},
                {"enrollment_id": Uuid::new_v4(), "kind": "pre_test", "score": 50},
                {"enrollment_id": e1, "kind": "pre_test", "score": 60},
            ]})),
        )
        .await;
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(
        error_fields(&body),
        [
            "items[1].enrollment_id",
            "items[2].enrollment_id",
            "items[3].enrollment_id",
            "items[4]",
        ],
        "{body}"
    );
    assert_eq!(body["errors"][3]["code"], "duplicate");
    let too_many: Vec<Value> = (0..501)
        .map(|_| json!({"enrollment_id": e1, "kind": "pre_test", "score": 1}))
        .collect();
    let response = app
        .send(
            Method::PUT,
            &scores_path(event),
            &token,
            Some(json!({"items": too_many})),
        )
        .await;
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(error_fields(&body), ["items"]);
    assert_eq!(app.count("scores"), 0);
    assert_eq!(app.count(crate::helpers::EXPLICIT_AUDIT), 0);
}

#[tokio::test]
async fn facilitators_enter_practical_scores_of_their_event_only() {
    let app = spawn_app().await;
    let (event, _, officers) = scored_event(&app);
    let session = app.seed_session(event, -60, 60, 2);
    let (facilitator, token) = app.user_with_token(Role::Facilitator).await;
    app.add_facilitator(session, facilitator.id);
    let e1 = officers[0].0;
    let body = ok_json(
        app.send(
            Method::PUT,
            &scores_path(event),
            &token,
            Some(json!({"items": [
                {"enrollment_id": e1, "kind": "practical", "score": 77.25},
            ]})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(body["items"][0]["practical"]["score"], 77.25);
    let response = app
        .send(
            Method::PUT,
            &scores_path(event),
            &token,
            Some(json!({"items": [
                {"enrollment_id": e1, "kind": "practical", "score": 80},
                {"enrollment_id": e1, "kind": "post_test", "score": 80},
            ]})),
        )
        .await;
    assert_problem(response, 403, "forbidden").await;
    // A facilitator of another event, a unit operator and a participant may not write at all.
    let (_, other) = app.user_with_token(Role::Facilitator).await;
    let (_, operator) = app.user_with_token(Role::UnitOperator).await;
    for token in [&other, &operator] {
        let response = app
            .send(
                Method::PUT,
                &scores_path(event),
                token,
                Some(json!({"items": [
                    {"enrollment_id": e1, "kind": "practical", "score": 10},
                ]})),
            )
            .await;
        assert_problem(response, 403, "forbidden").await;
    }
    assert_eq!(app.count(crate::helpers::EXPLICIT_AUDIT), 1);
    let score: f64 = bimtek_api::schema::scores::table
        .select(bimtek_api::schema::scores::score)
        .first(&mut app.db())
        .unwrap();
    assert_eq!(score, 77.25);
}

#[tokio::test]
async fn scores_are_refused_in_draft_and_cancelled_events_and_unknown_events_are_404() {
    let app = spawn_app().await;
    let (event, _, officers) = scored_event(&app);
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let row = json!({"items": [{"enrollment_id": officers[0].0, "kind": "pre_test", "score": 50}]});
    for status in ["draft", "cancelled"] {
        app.set_event_status(event, status);
        let response = app
            .send(Method::PUT, &scores_path(event), &admin, Some(row.clone()))
            .await;
        assert_problem(response, 409, "scores_closed").await;
    }
    app.set_event_status(event, "draft");
    let (_, organizer) = app.user_with_token(Role::Organizer).await;
    let response = app
        .send(
            Method::PUT,
            &scores_path(event),
            &organizer,
            Some(row.clone()),
        )
        .await;
    assert_problem(response, 404, "not_found").await;
    let response = app
        .send(
            Method::PUT,
            &scores_path(Uuid::new_v4()),
            &admin,
            Some(row.clone()),
        )
        .await;
    assert_problem(response, 404, "not_found").await;
    let response = app
        .send(Method::GET, &scores_path(Uuid::new_v4()), &admin, None)
        .await;
    assert_problem(response, 404, "not_found").await;
    app.set_event_status(event, "completed");
    ok_json(
        app.send(Method::PUT, &scores_path(event), &admin, Some(row))
            .await,
        200,
    )
    .await;
    assert_eq!(app.count("scores"), 1);
}

#[tokio::test]
async fn a_score_from_an_answered_test_is_replaced_but_never_cleared() {
    let app = spawn_app().await;
    let (event, _, officers) = scored_event(&app);
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let e1 = officers[0].0;
    sql_query(format!(
        "INSERT INTO scores (enrollment_id, kind, score, source) VALUES ('{e1}', 'pre_test', 62.5, 'instrument')"
    ))
    .execute(&mut app.db())
    .unwrap();
    let response = app
        .send(
            Method::PUT,
            &scores_path(event),
            &admin,
            Some(json!({"items": [
                {"enrollment_id": e1, "kind": "pre_test", "score": null},
            ]})),
        )
        .await;
    let body = assert_problem(response, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "from_instrument");
    assert_eq!(app.count(crate::helpers::EXPLICIT_AUDIT), 0);
    let body = ok_json(
        app.send(
            Method::PUT,
            &scores_path(event),
            &admin,
            Some(json!({"items": [
                {"enrollment_id": e1, "kind": "pre_test", "score": 65},
            ]})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(body["items"][0]["pre_test"]["source"], "manual");
    let audit = audit_rows(&app);
    assert_eq!(
        audit[0].changes["pre_test"],
        json!({"old": 62.5, "new": 65})
    );
    assert_eq!(
        audit[0].changes["source"],
        json!({"old": "instrument", "new": "manual"})
    );
}
