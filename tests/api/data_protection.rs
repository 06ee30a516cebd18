//! Issue 14 (data protection), findings 3, 4 and 8: a facilitator sees only the officers of the events they
//! facilitate and the attendance of the sessions they lead; every answer that shows full NIPs is one access event
//! naming the officers shown; a score change and a certificate are one audit entry each.

use std::collections::BTreeSet;
use std::time::Duration;

use bimtek_api::domain::role::Role;
use diesel::prelude::*;
use diesel::sql_types::{Array, Jsonb, Nullable, Text, Uuid as SqlUuid};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, eventually, ok_json, spawn_app};

/// An entry of the audit log, as stored.
#[derive(Debug, QueryableByName)]
struct Entry {
    #[diesel(sql_type = Text)]
    action: String,
    #[diesel(sql_type = Text)]
    resource_type: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    resource_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    participant_id: Option<Uuid>,
    #[diesel(sql_type = Array<SqlUuid>)]
    participant_ids: Vec<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    actor_user_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    actor_client_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    actor_role: Option<String>,
    #[diesel(sql_type = Jsonb)]
    changes: Value,
    #[diesel(sql_type = Nullable<Text>)]
    request_id: Option<String>,
}

/// The entries matching `condition` (SQL over `audit_log`), oldest first.
fn entries(app: &TestApp, condition: &str) -> Vec<Entry> {
    diesel::sql_query(format!(
        "SELECT action, resource_type, resource_id, participant_id, participant_ids, actor_user_id, actor_client_id,
                actor_role, changes, request_id
         FROM audit_log WHERE {condition} ORDER BY id"
    ))
    .load(&mut app.db())
    .unwrap()
}

/// The `participant.nip_read` entries once at least `n` are written (they are buffered for about a second).
async fn nip_reads(app: &TestApp, n: usize) -> Vec<Entry> {
    eventually(
        "the buffered participant.nip_read access events",
        Duration::from_secs(10),
        || async {
            let found = entries(app, "action = 'participant.nip_read'");
            (found.len() >= n).then_some(found)
        },
    )
    .await
}

fn ids_of(page: &Value) -> BTreeSet<Uuid> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

fn set(ids: &[Uuid]) -> BTreeSet<Uuid> {
    ids.iter().copied().collect()
}

fn fresh_code(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        &Uuid::new_v4().simple().to_string()[..8].to_uppercase()
    )
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.send(Method::GET, path, token, None).await
}

// --- finding 3: facilitators' least privilege

#[tokio::test]
async fn a_facilitator_lists_and_reads_only_the_officers_of_the_events_they_facilitate() {
    let app = spawn_app().await;
    let unit = app.seed_unit(&fresh_code("FAC"));
    let (facilitator, token) = app.user_with_token(Role::Facilitator).await;
    let other = app.seed_user(Role::Facilitator);
    // Their event: one approved officer, one only nominated.
    let theirs = app.seed_event("ongoing", 10);
    app.add_facilitator(app.seed_session(theirs, -5, 60, 1), facilitator.id);
    let approved = app.seed_participant(unit, "Ani Approved");
    let nominated = app.seed_participant(unit, "Nina Nominated");
    app.seed_enrollment(theirs, approved, "approved");
    app.seed_enrollment(theirs, nominated, "nominated");
    // Another facilitator's event, and a draft they will lead.
    let foreign = app.seed_event("ongoing", 10);
    app.add_facilitator(app.seed_session(foreign, -5, 60, 1), other.id);
    let elsewhere = app.seed_participant(unit, "Budi Elsewhere");
    app.seed_enrollment(foreign, elsewhere, "approved");
    let draft = app.seed_event("draft", 10);
    app.add_facilitator(app.seed_session(draft, 120, 180, 1), facilitator.id);
    let in_draft = app.seed_participant(unit, "Dedi Draft");
    app.seed_enrollment(draft, in_draft, "approved");
    let never = app.seed_participant(unit, "Eko Never");

    let page = ok_json(
        get(
            &app,
            &token,
            &format!("/api/v1/participants?unit_id={unit}"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(ids_of(&page), set(&[approved]), "{page}");
    assert_eq!(page["total"], 1);
    assert!(page["items"][0]["nip"].as_str().unwrap().contains('*'));

    let one = ok_json(
        get(&app, &token, &format!("/api/v1/participants/{approved}")).await,
        200,
    )
    .await;
    assert!(one["nip"].as_str().unwrap().contains('*'), "{one}");
    for refused in [nominated, elsewhere, in_draft, never] {
        let response = get(&app, &token, &format!("/api/v1/participants/{refused}")).await;
        assert_eq!(response.status(), 403, "{refused}");
    }
}

#[tokio::test]
async fn a_facilitator_reads_the_attendance_of_the_sessions_they_lead_only() {
    let app = spawn_app().await;
    let event = app.seed_event("ongoing", 10);
    let (_, organizer) = app.organizer_of(event).await;
    let led = app.seed_session(event, -300, -240, 2);
    let not_led = app.seed_session(event, -200, -140, 3);
    let (facilitator, token) = app.user_with_token(Role::Facilitator).await;
    let colleague = app.seed_user(Role::Facilitator);
    app.add_facilitator(led, facilitator.id);
    app.add_facilitator(not_led, colleague.id);
    let unit = app.seed_unit(&fresh_code("ATT"));
    let officer = app.seed_participant(unit, "Ani");
    app.seed_enrollment(event, officer, "approved");
    for session in [led, not_led] {
        ok_json(
            app.send(
                Method::PUT,
                &format!("/api/v1/sessions/{session}/attendance"),
                &organizer,
                Some(json!({"records": [{"participant_id": officer, "status": "present"}]})),
            )
            .await,
            200,
        )
        .await;
    }

    let sheet = ok_json(
        get(&app, &token, &format!("/api/v1/sessions/{led}/attendance")).await,
        200,
    )
    .await;
    assert_eq!(sheet["items"][0]["status"], "present");
    let refused = get(
        &app,
        &token,
        &format!("/api/v1/sessions/{not_led}/attendance"),
    )
    .await;
    assert_eq!(refused.status(), 403);

    // The event's summary counts only the sessions the facilitator leads; its managers see every session.
    let summary = format!("/api/v1/events/{event}/attendance-summary");
    let own = ok_json(get(&app, &token, &summary).await, 200).await;
    assert_eq!(own["items"][0]["sessions_total"], 1, "{own}");
    assert_eq!(own["items"][0]["sessions_attended"], 1);
    assert_eq!(own["items"][0]["jp_earned"], 2);
    let full = ok_json(get(&app, &organizer, &summary).await, 200).await;
    assert_eq!(full["items"][0]["sessions_total"], 2, "{full}");
    assert_eq!(full["items"][0]["jp_earned"], 5);
}

// --- finding 4: every answer that shows a full NIP is recorded

#[tokio::test]
async fn an_organizers_list_page_is_one_access_event_naming_exactly_the_officers_shown() {
    let app = spawn_app().await;
    let unit = app.seed_unit(&fresh_code("LST"));
    let officers: Vec<Uuid> = ["Ani", "Bayu", "Candra"]
        .iter()
        .map(|n| app.seed_participant(unit, n))
        .collect();
    let event = app.seed_event("ongoing", 10);
    let (facilitator, facilitator_token) = app.user_with_token(Role::Facilitator).await;
    app.add_facilitator(app.seed_session(event, -5, 60, 1), facilitator.id);
    for officer in &officers {
        app.seed_enrollment(event, *officer, "approved");
    }
    let (organizer, organizer_token) = app.user_with_token(Role::Organizer).await;
    let (_, admin) = app.user_with_token(Role::Admin).await;

    // A masked page (the facilitator's) is no access event: it is read first, so its entry would be written no
    // later than the organizer's.
    let masked = ok_json(
        get(
            &app,
            &facilitator_token,
            &format!("/api/v1/participants?unit_id={unit}"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(masked["total"], 3);
    assert!(masked["items"][0]["nip"].as_str().unwrap().contains('*'));

    let response = app
        .client
        .get(app.url(&format!("/api/v1/participants?unit_id={unit}&limit=2")))
        .bearer_auth(&organizer_token)
        .header("X-Request-Id", "req-list-nips")
        .send()
        .await
        .unwrap();
    let page = ok_json(response, 200).await;
    let shown = ids_of(&page);
    assert_eq!(shown.len(), 2);
    assert_eq!(page["items"][0]["nip"].as_str().unwrap().len(), 18);

    let reads = nip_reads(&app, 1).await;
    assert_eq!(
        reads.len(),
        1,
        "one entry for the page, none for the masked one"
    );
    let entry = &reads[0];
    assert_eq!(
        entry
            .participant_ids
            .iter()
            .copied()
            .collect::<BTreeSet<_>>(),
        shown
    );
    assert_eq!(entry.participant_ids.len(), 2);
    assert_eq!(entry.actor_user_id, Some(organizer.id));
    assert_eq!(entry.actor_role.as_deref(), Some("organizer"));
    assert_eq!(entry.request_id.as_deref(), Some("req-list-nips"));
    assert_eq!(entry.resource_type, "participant");
    assert_eq!(entry.participant_id, None);

    // "Every entry about this officer" finds the page too.
    let first = shown.iter().next().unwrap();
    let about = ok_json(
        get(
            &app,
            &admin,
            &format!("/api/v1/audit-log?participant_id={first}&action=participant.nip_read"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(about["total"], 1, "{about}");
    assert_eq!(
        about["items"][0]["participant_ids"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_service_accounts_list_read_is_one_access_event_naming_the_officers_shown() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit(&fresh_code("SVC"));
    let officers: Vec<Uuid> = ["Ani", "Bayu"]
        .iter()
        .map(|n| app.seed_participant(unit, n))
        .collect();
    let client =
        crate::clients::register(&app, &admin, "SDP Pemasyarakatan", &["participants:read"]).await;
    let client_id: Uuid = client["client_id"].as_str().unwrap().parse().unwrap();
    let form = format!(
        "grant_type=client_credentials&client_id={client_id}&client_secret={}",
        client["client_secret"].as_str().unwrap()
    );
    let token = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    let token = ok_json(token, 200).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let page = ok_json(
        get(
            &app,
            &token,
            &format!("/api/v1/participants?unit_id={unit}"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(ids_of(&page), set(&officers));

    let reads = nip_reads(&app, 1).await;
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].actor_client_id, Some(client_id));
    assert_eq!(
        reads[0]
            .participant_ids
            .iter()
            .copied()
            .collect::<BTreeSet<_>>(),
        set(&officers)
    );
}

#[tokio::test]
async fn an_export_and_an_import_report_name_the_officers_whose_nip_they_show() {
    let app = spawn_app().await;
    let unit = app.seed_unit(&fresh_code("EXP"));
    let event = app.seed_event("ongoing", 10);
    let (organizer, organizer_token) = app.organizer_of(event).await;
    app.seed_session(event, -5, 60, 1);
    let approved: Vec<Uuid> = ["Ani", "Bayu"]
        .iter()
        .map(|n| app.seed_participant(unit, n))
        .collect();
    for officer in &approved {
        app.seed_enrollment(event, *officer, "approved");
    }
    let nominated = app.seed_participant(unit, "Nina");
    app.seed_enrollment(event, nominated, "nominated");

    let response = get(
        &app,
        &organizer_token,
        &format!("/api/v1/events/{event}/exports/attendance.csv"),
    )
    .await;
    assert_eq!(response.status(), 200);
    response.text().await.unwrap();
    let exports = entries(&app, "action = 'export.attendance'");
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0].resource_id, Some(event));
    assert_eq!(exports[0].actor_user_id, Some(organizer.id));
    assert_eq!(
        exports[0]
            .participant_ids
            .iter()
            .copied()
            .collect::<BTreeSet<_>>(),
        set(&approved),
        "the approved officers, not the nominated one"
    );
    assert!(exports[0].request_id.is_some());

    // An import's row report ties the file's NIPs to the officers holding them.
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let existing_nip: String = bimtek_api::schema::participants::table
        .find(approved[0])
        .select(bimtek_api::schema::participants::nip)
        .first::<Option<String>>(&mut app.db())
        .unwrap()
        .unwrap();
    let rows = json!([
        {"nip": existing_nip, "full_name": "Ani", "sex": "male", "employee_type": "pns", "unit_id": unit},
        {"nip": "199001012015031002", "full_name": "Fajar Baru", "sex": "male", "employee_type": "pns",
         "unit_id": unit},
    ]);
    let report = ok_json(
        app.send(
            Method::POST,
            "/api/v1/participants/import",
            &admin,
            Some(rows),
        )
        .await,
        200,
    )
    .await;
    let reported: BTreeSet<Uuid> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(reported.contains(&approved[0]), "{report}");
    assert_eq!(reported.len(), 2);
    let reads = nip_reads(&app, 1).await;
    assert_eq!(reads.len(), 1);
    assert_eq!(
        reads[0]
            .participant_ids
            .iter()
            .copied()
            .collect::<BTreeSet<_>>(),
        reported
    );
}

#[tokio::test]
async fn a_page_of_the_audit_log_showing_nips_is_an_access_event_naming_their_officers() {
    let app = spawn_app().await;
    let (admin_user, admin) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit(&fresh_code("LOG"));
    let officer = app.seed_participant(unit, "Ani");
    let other = app.seed_participant(unit, "Bayu");
    // Units' entries show no NIP: no access event.
    ok_json(
        get(&app, &admin, "/api/v1/audit-log?resource_type=unit").await,
        200,
    )
    .await;
    let page = ok_json(
        get(
            &app,
            &admin,
            &format!("/api/v1/audit-log?resource_type=participant&resource_id={officer}"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        page["items"][0]["changes"]["nip"]["new"]
            .as_str()
            .unwrap()
            .len(),
        18
    );
    let reads = nip_reads(&app, 1).await;
    assert_eq!(reads.len(), 1, "{reads:?}");
    assert_eq!(reads[0].participant_ids, vec![officer]);
    assert_eq!(reads[0].actor_user_id, Some(admin_user.id));
    assert!(!reads[0].participant_ids.contains(&other));
}

// --- finding 8: one audit entry per change

#[tokio::test]
async fn one_score_change_is_one_audit_entry_carrying_what_both_writers_carried() {
    let app = spawn_app().await;
    let (event, _, officers) = crate::scores::scored_event(&app);
    let (organizer, token) = app.organizer_of(event).await;
    let (enrollment, officer) = officers[0];
    let put = |score: Value, request_id: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let response = app
                .client
                .put(app.url(&format!("/api/v1/events/{event}/scores")))
                .bearer_auth(token)
                .header("X-Request-Id", request_id)
                .json(&json!({"items": [{"enrollment_id": enrollment, "kind": "practical", "score": score}]}))
                .send()
                .await
                .unwrap();
            ok_json(response, 200).await
        }
    };
    put(json!(80), "req-score-once").await;
    let all = entries(&app, "resource_type = 'score'");
    assert_eq!(all.len(), 1, "{all:?}");
    let entry = &all[0];
    assert_eq!(entry.action, "score.set");
    assert_eq!(entry.resource_id, Some(enrollment));
    assert_eq!(entry.participant_id, Some(officer));
    assert_eq!(entry.actor_user_id, Some(organizer.id));
    assert_eq!(entry.actor_role.as_deref(), Some("organizer"));
    assert_eq!(entry.request_id.as_deref(), Some("req-score-once"));
    // the service's form (the kind) and the row's (every changed column)
    assert_eq!(entry.changes["practical"], json!({"old": null, "new": 80}));
    assert_eq!(entry.changes["score"], json!({"old": null, "new": 80}));
    assert_eq!(
        entry.changes["source"],
        json!({"old": null, "new": "manual"})
    );
    assert_eq!(
        entry.changes["kind"],
        json!({"old": null, "new": "practical"})
    );
    assert_eq!(entry.changes["recorded_by"]["new"], json!(organizer.id));

    put(json!(null), "req-score-clear").await;
    let all = entries(&app, "resource_type = 'score'");
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].action, "score.clear");
    assert_eq!(all[1].changes["practical"], json!({"old": 80, "new": null}));
    assert_eq!(all[1].request_id.as_deref(), Some("req-score-clear"));
}

#[tokio::test]
async fn one_certificate_issued_or_revoked_is_one_audit_entry_carrying_what_both_writers_carried() {
    let app = spawn_app().await;
    let s = crate::certificates::scenario(&app, "");
    let (organizer, token) = app.organizer_of(s.event).await;
    let response = app
        .client
        .post(app.url(&format!("/api/v1/events/{}/certificates", s.event)))
        .bearer_auth(&token)
        .header("X-Request-Id", "req-issue-once")
        .send()
        .await
        .unwrap();
    let issued = ok_json(response, 201).await;
    assert_eq!(issued["created"], 2);
    let all = entries(&app, "resource_type = 'certificate'");
    assert_eq!(all.len(), 2, "one entry per certificate: {all:?}");
    for (entry, certificate) in all.iter().zip(issued["items"].as_array().unwrap()) {
        assert_eq!(entry.action, "certificate.issue");
        assert_eq!(
            entry.resource_id.map(|id| id.to_string()).as_deref(),
            certificate["id"].as_str()
        );
        assert_eq!(entry.actor_user_id, Some(organizer.id));
        assert_eq!(entry.request_id.as_deref(), Some("req-issue-once"));
        assert_eq!(
            entry.changes["event_id"],
            json!({"old": null, "new": s.event})
        );
        assert_eq!(entry.changes["number"]["new"], certificate["number"]);
        assert_eq!(entry.changes["kind"]["new"], certificate["kind"]);
        assert_eq!(entry.changes["verification_code"]["new"], "[redacted]");
    }

    let id = issued["items"][0]["id"].as_str().unwrap();
    ok_json(
        app.send(
            Method::POST,
            &format!("/api/v1/certificates/{id}/revoke"),
            &token,
            Some(json!({"reason": "Issued by mistake"})),
        )
        .await,
        200,
    )
    .await;
    let all = entries(&app, "resource_type = 'certificate'");
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].action, "certificate.revoke");
    assert_eq!(
        all[2].changes["status"],
        json!({"old": "valid", "new": "revoked"})
    );
    assert_eq!(
        all[2].changes["revocation_reason"],
        json!({"old": null, "new": "Issued by mistake"})
    );
    assert_eq!(all[2].changes["revoked_by"]["new"], json!(organizer.id));
}
