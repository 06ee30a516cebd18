//! The event report and the results are served from snapshots (`service::snapshots`): every change to what they
//! show, through the API or straight in the database, must show in the next read, and a refresh must not store
//! figures that a write still in flight would change.

use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use bimtek_api::repo::snapshots::FORMAT_VERSION;

use crate::helpers::{TestApp, eventually, ok_json, spawn_app};
use crate::metrics::{sample, scrape};
use crate::reports::seed_evaluations;
use crate::results::scenario;

async fn results(app: &TestApp, event: Uuid, token: &str) -> Value {
    ok_json(
        app.send(
            Method::GET,
            &format!("/api/v1/events/{event}/results"),
            token,
            None,
        )
        .await,
        200,
    )
    .await
}

async fn report(app: &TestApp, event: Uuid, token: &str) -> Value {
    ok_json(
        app.send(
            Method::GET,
            &format!("/api/v1/events/{event}/report"),
            token,
            None,
        )
        .await,
        200,
    )
    .await
}

/// This process's count of snapshot reads of `kind` that went `outcome` (tests of other events add to it too).
async fn reads(app: &TestApp, kind: &str, outcome: &str) -> f64 {
    let series = format!("bimtek_snapshot_reads_total{{kind=\"{kind}\",outcome=\"{outcome}\"}}");
    sample(&scrape(app).await, &series).unwrap_or_else(|| panic!("no {series}"))
}

fn line(body: &Value, enrollment: Uuid) -> &Value {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["enrollment_id"] == enrollment.to_string())
        .unwrap_or_else(|| panic!("{enrollment} not in {body}"))
}

/// The stored snapshots of an event that are valid right now, by kind.
fn valid_snapshots(app: &TestApp, event: Uuid) -> Vec<String> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        kind: String,
    }
    diesel::sql_query(
        "SELECT kind FROM event_snapshots
         WHERE event_id = $1 AND NOT stale AND ready_generation = generation AND format_version = $2
         ORDER BY kind",
    )
    .bind::<diesel::sql_types::Uuid, _>(event)
    .bind::<diesel::sql_types::Integer, _>(FORMAT_VERSION)
    .load::<Row>(&mut app.db())
    .unwrap()
    .into_iter()
    .map(|r| r.kind)
    .collect()
}

#[tokio::test]
async fn every_change_to_what_the_report_and_results_show_reaches_the_next_read() {
    let app = spawn_app().await;
    let unit = app.seed_unit(&format!(
        "S{}",
        &Uuid::new_v4().simple().to_string()[..8].to_uppercase()
    ));
    let s = scenario(&app, unit);
    let facilitator = seed_evaluations(&app, &s);
    let (_, token) = app.organizer_of(s.event).await;
    let (ahmad, budi) = (s.officers[0], s.officers[1]);

    let r = report(&app, s.event, &token).await;
    assert_eq!(r["learning"]["passed"], 2);
    let body = results(&app, s.event, &token).await;
    assert_eq!(line(&body, budi.1)["outcome"], "attendance_letter");
    assert_eq!(
        valid_snapshots(&app, s.event),
        ["report", "results"],
        "both stored by the first reads"
    );
    // a second read is served from them, with the same figures
    let hits = (
        reads(&app, "report", "hit").await,
        reads(&app, "results", "hit").await,
    );
    assert_eq!(report(&app, s.event, &token).await, r);
    assert_eq!(results(&app, s.event, &token).await, body);
    assert!(reads(&app, "report", "hit").await > hits.0);
    assert!(reads(&app, "results", "hit").await > hits.1);
    // pages of the stored lines: a range of the list, with or without a filter, and past its end
    let all: Vec<Value> = body["items"].as_array().unwrap().clone();
    for (query, expected, total) in [
        ("?limit=2&offset=1", all[1..3].to_vec(), all.len()),
        (
            &format!("?unit_id={unit}&limit=1&offset=1") as &str,
            vec![all[1].clone()],
            3,
        ),
        (
            "?outcome=attendance_letter&limit=5",
            vec![all[1].clone(), all[3].clone()],
            2,
        ),
        ("?limit=5&offset=10", vec![], all.len()),
    ] {
        let page = ok_json(
            app.send(
                Method::GET,
                &format!("/api/v1/events/{}/results{query}", s.event),
                &token,
                None,
            )
            .await,
            200,
        )
        .await;
        assert_eq!(page["items"], Value::Array(expected), "{query}");
        assert_eq!(page["total"], total, "{query}");
    }

    // a score through the API: Budi passes
    ok_json(
        app.send(
            Method::PUT,
            &format!("/api/v1/events/{}/scores", s.event),
            &token,
            Some(json!({"items": [{"enrollment_id": budi.1, "kind": "post_test", "score": 75}]})),
        )
        .await,
        200,
    )
    .await;
    assert!(valid_snapshots(&app, s.event).is_empty());
    let body = results(&app, s.event, &token).await;
    assert_eq!(line(&body, budi.1)["post_score"], 75.0);
    assert_eq!(line(&body, budi.1)["outcome"], "certificate");
    assert_eq!(report(&app, s.event, &token).await["learning"]["passed"], 3);

    // attendance changed in the database, by no service code: Ahmad falls below the threshold
    app.db()
        .batch_execute(&format!(
            "UPDATE attendance SET status = 'absent'
             WHERE enrollment_id = '{}' AND session_id = '{}'",
            ahmad.1, s.sessions[0]
        ))
        .unwrap();
    let body = results(&app, s.event, &token).await;
    assert_eq!(line(&body, ahmad.1)["sessions_attended"], 3);
    assert_eq!(line(&body, ahmad.1)["outcome"], "not_completed");
    let r = report(&app, s.event, &token).await;
    assert_eq!(r["attendance"]["per_session"][0]["present"], 2);
    assert_eq!(r["attendance"]["per_session"][0]["absent"], 1);

    // an officer renamed: the name in the results, and the stored lines that carried the old one are gone at once
    app.db()
        .batch_execute(&format!(
            "UPDATE participants SET full_name = 'Ahmad Fauzi Rahman' WHERE id = '{}'",
            ahmad.2
        ))
        .unwrap();
    let stored: i64 = {
        use diesel::dsl::sql;
        use diesel::prelude::*;
        diesel::select(sql::<diesel::sql_types::BigInt>(&format!(
            "(SELECT count(*) FROM event_result_rows WHERE participant_id = '{}')",
            ahmad.2
        )))
        .get_result(&mut app.db())
        .unwrap()
    };
    assert_eq!(stored, 0, "the old name is not kept in the snapshot");
    let body = results(&app, s.event, &token).await;
    assert_eq!(
        line(&body, ahmad.1)["participant"]["full_name"],
        "Ahmad Fauzi Rahman"
    );

    // an officer withdrawn: their line goes, the others stay as stored
    let citra = s.officers[2];
    app.db()
        .batch_execute(&format!(
            "UPDATE enrollments SET status = 'withdrawn' WHERE id = '{}'",
            citra.1
        ))
        .unwrap();
    let after = results(&app, s.event, &token).await;
    assert_eq!(after["total"], body["total"].as_i64().unwrap() - 1);
    assert!(
        after["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["enrollment_id"] != citra.1.to_string()),
        "{after}"
    );
    assert_eq!(line(&after, ahmad.1), line(&body, ahmad.1));

    // a unit renamed: the report's attendance per unit
    app.db()
        .batch_execute(&format!(
            "UPDATE units SET name = 'Lapas Kelas IIA Dirapikan' WHERE id = '{unit}'"
        ))
        .unwrap();
    let r = report(&app, s.event, &token).await;
    let per_unit = r["attendance"]["per_unit"].as_array().unwrap();
    assert!(
        per_unit
            .iter()
            .any(|u| u["unit_id"] == unit.to_string()
                && u["unit_name"] == "Lapas Kelas IIA Dirapikan"),
        "{per_unit:?}"
    );

    // a facilitator renamed: the report's means per facilitator
    app.db()
        .batch_execute(&format!(
            "UPDATE users SET display_name = 'Narasumber Baru' WHERE id = '{facilitator}'"
        ))
        .unwrap();
    let r = report(&app, s.event, &token).await;
    assert_eq!(
        r["reaction"]["per_facilitator"][0]["name"],
        "Narasumber Baru"
    );

    // one more answer to the facilitator evaluation: its mean moves
    app.db()
        .batch_execute(&format!(
            "WITH q AS (SELECT q.id FROM questions q JOIN instruments i ON i.id = q.instrument_id
                        WHERE i.event_id = '{}' AND i.kind = 'facilitator_evaluation' AND q.question_type = 'likert'),
                  r AS (INSERT INTO responses (instrument_id, enrollment_id, respondent_kind, submitted_at)
                        SELECT i.id, NULL, 'participant', NULL FROM instruments i
                        WHERE i.event_id = '{}' AND i.kind = 'facilitator_evaluation' RETURNING id)
             INSERT INTO answers (response_id, question_id, value_number) SELECT r.id, q.id, 2 FROM r, q",
            s.event, s.event
        ))
        .unwrap();
    let r = report(&app, s.event, &token).await;
    assert_eq!(
        r["reaction"]["per_facilitator"][0]["mean"], 3.0,
        "(4 + 3 + 2) / 3"
    );
    assert_eq!(r["reaction"]["per_facilitator"][0]["responses"], 3);
    assert_eq!(
        valid_snapshots(&app, s.event),
        ["report"],
        "the results were not read since"
    );
}

#[tokio::test]
async fn a_refresh_does_not_store_figures_that_an_unfinished_write_would_change() {
    let app = spawn_app().await;
    let unit = app.seed_unit(&format!(
        "R{}",
        &Uuid::new_v4().simple().to_string()[..8].to_uppercase()
    ));
    let s = scenario(&app, unit);
    let (_, token) = app.organizer_of(s.event).await;
    let budi = s.officers[1];

    // a write still open: it holds the event's refresh lock in shared mode
    let mut writer = app.db();
    writer
        .batch_execute(&format!(
            "BEGIN;
             UPDATE scores SET score = 75 WHERE enrollment_id = '{}' AND kind = 'post_test';",
            budi.1
        ))
        .unwrap();

    // the readers see the figures without it (not committed) and, unable to wait for it, store nothing
    let unstored = (
        reads(&app, "report", "unstored").await,
        reads(&app, "results", "unstored").await,
    );
    let body = results(&app, s.event, &token).await;
    assert_eq!(line(&body, budi.1)["post_score"], 60.0);
    assert_eq!(report(&app, s.event, &token).await["learning"]["passed"], 2);
    assert!(
        valid_snapshots(&app, s.event).is_empty(),
        "a snapshot stored now would miss the open write for good"
    );
    assert!(reads(&app, "report", "unstored").await > unstored.0);
    assert!(reads(&app, "results", "unstored").await > unstored.1);

    writer.batch_execute("COMMIT").unwrap();
    let body = results(&app, s.event, &token).await;
    assert_eq!(line(&body, budi.1)["post_score"], 75.0);
    assert_eq!(line(&body, budi.1)["outcome"], "certificate");
    assert_eq!(report(&app, s.event, &token).await["learning"]["passed"], 3);
    assert_eq!(valid_snapshots(&app, s.event), ["report", "results"]);
}

#[tokio::test]
async fn a_reader_waits_for_a_refresh_under_way_and_serves_what_it_stored() {
    let app = spawn_app().await;
    let unit = app.seed_unit(&format!(
        "W{}",
        &Uuid::new_v4().simple().to_string()[..8].to_uppercase()
    ));
    let s = scenario(&app, unit);
    let (_, token) = app.organizer_of(s.event).await;

    // another reader has begun refreshing the report (step 1 done) and not stored it yet
    app.db()
        .batch_execute(&format!(
            "INSERT INTO event_snapshots (event_id, kind, generation, stale, refreshing_until)
             VALUES ('{}', 'report', 7, false, now() + interval '30 seconds')",
            s.event
        ))
        .unwrap();
    let reader = {
        let (client, url) = (
            app.client.clone(),
            app.url(&format!("/api/v1/events/{}/report", s.event)),
        );
        tokio::spawn(async move { client.get(url).bearer_auth(token).send().await.unwrap() })
    };
    // Once the reader is waiting (its connection's statement is the check for a refresh under way, repeated every
    // few ms for up to 2 s) ...
    let waiting = "pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() \
                   AND query LIKE 'SELECT EXISTS%refreshing_until%'";
    eventually(
        "the reader to wait for the refresh under way",
        std::time::Duration::from_secs(10),
        || async { (app.count(waiting) > 0).then_some(()) },
    )
    .await;
    // ... the other reader stores it: the waiting reader serves that, not figures of its own
    app.db()
        .batch_execute(&format!(
            "UPDATE event_snapshots SET ready_generation = generation, format_version = {FORMAT_VERSION},
                    body = convert_to('{{\"stored_by\": \"the other reader\"}}', 'UTF8')
             WHERE event_id = '{}' AND kind = 'report'",
            s.event
        ))
        .unwrap();
    let response = reader.await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"stored_by": "the other reader"}));
}

#[tokio::test]
async fn no_snapshot_is_begun_for_an_event_that_no_longer_exists() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    let generation: Option<i64> = diesel::select(diesel::dsl::sql::<
        diesel::sql_types::Nullable<diesel::sql_types::BigInt>,
    >(&format!(
        "snapshot_begin_refresh('{}', 'report')",
        Uuid::new_v4()
    )))
    .get_result(&mut app.db())
    .unwrap();
    assert_eq!(generation, None, "no foreign-key error, no row");
}

#[tokio::test]
async fn a_snapshot_stored_with_another_format_version_is_recomputed_on_the_next_read() {
    let app = spawn_app().await;
    let unit = app.seed_unit(&format!(
        "F{}",
        &Uuid::new_v4().simple().to_string()[..8].to_uppercase()
    ));
    let s = scenario(&app, unit);
    seed_evaluations(&app, &s);
    let (_, token) = app.organizer_of(s.event).await;
    let r = report(&app, s.event, &token).await;
    let body = results(&app, s.event, &token).await;
    assert_eq!(valid_snapshots(&app, s.event), ["report", "results"]);

    // What a build of another format left behind: a report of another shape and result lines whose outcome the
    // current rule does not give, both still "valid" by generation and staleness.
    app.db()
        .batch_execute(&format!(
            "UPDATE event_snapshots SET format_version = {old}, body = convert_to('{{\"old\": true}}', 'UTF8')
              WHERE event_id = '{event}';
             UPDATE event_result_rows SET outcome = 'not_completed', attendance_rate = 0 WHERE event_id = '{event}';",
            old = FORMAT_VERSION - 1,
            event = s.event
        ))
        .unwrap();
    assert!(valid_snapshots(&app, s.event).is_empty());
    let refreshed = (
        reads(&app, "report", "refreshed").await,
        reads(&app, "results", "refreshed").await,
    );
    assert_eq!(
        report(&app, s.event, &token).await,
        r,
        "the old body is not served"
    );
    assert_eq!(
        results(&app, s.event, &token).await,
        body,
        "nor the old lines"
    );
    assert!(reads(&app, "report", "refreshed").await > refreshed.0);
    assert!(reads(&app, "results", "refreshed").await > refreshed.1);
    assert_eq!(
        valid_snapshots(&app, s.event),
        ["report", "results"],
        "stored again, with this build's format"
    );
}
