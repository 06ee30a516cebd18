//! Stored idempotent answers (issue 14): an erasure leaves no copy of the officer's personal data in them, and a
//! request's effect commits with its key, so a crash before the answer is stored never repeats the effect.

use bimtek_api::domain::role::Role;
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::Text;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app};

const NIP_SRI: &str = "198802142012122003";
const NAME_SRI: &str = "Sri Wahyuningsih";
const EMAIL_SRI: &str = "sri.wahyu@example.go.id";
const PHONE_SRI: &str = "+62 813-5555-0101";

async fn keyed_post(app: &TestApp, token: &str, path: &str, key: &str, body: &Value) -> Replay {
    let response = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.unwrap();
    Replay {
        status,
        replayed,
        content_type,
        text,
    }
}

struct Replay {
    status: u16,
    replayed: bool,
    content_type: String,
    text: String,
}

impl Replay {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap()
    }

    /// Asserts a replayed 410 `idempotency_key_erased` that names none of `values`.
    fn assert_erased_and_free_of(&self, values: &[&str]) {
        assert_eq!(self.status, 410, "status of {}", self.text);
        assert!(self.replayed, "a replay");
        assert_eq!(self.content_type, "application/problem+json");
        assert_eq!(self.json()["code"], "idempotency_key_erased");
        for value in values {
            assert!(
                !self.text.contains(value),
                "the replayed answer still holds an erased value: {}",
                self.text
            );
        }
    }
}

async fn erase(app: &TestApp, admin: &str, id: Uuid) {
    let response = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/participants/{id}/erase"),
            admin,
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
}

/// Gives a seeded officer contacts and returns their NIP, name, e-mail and phone.
fn with_contacts(app: &TestApp, id: Uuid, tag: &str) -> [String; 4] {
    #[derive(QueryableByName)]
    struct Values {
        #[diesel(sql_type = Text)]
        nip: String,
        #[diesel(sql_type = Text)]
        full_name: String,
        #[diesel(sql_type = Text)]
        email: String,
        #[diesel(sql_type = Text)]
        phone: String,
    }
    let v: Values = sql_query(
        "UPDATE participants SET email = $2, phone = $3 WHERE id = $1 \
         RETURNING nip, full_name, email, phone",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<Text, _>(format!("{tag}@example.go.id"))
    .bind::<Text, _>(format!("0812 7777 {:04}", tag.len() * 1111))
    .get_result(&mut app.db())
    .unwrap();
    [v.nip, v.full_name, v.email, v.phone]
}

#[tokio::test]
async fn a_participant_creation_replayed_after_the_erasure_is_gone_and_names_nothing_erased() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-ER1");
    let body = json!({
        "nip": NIP_SRI, "full_name": NAME_SRI, "sex": "female", "employee_type": "pns", "grade": "III/b",
        "unit_id": unit, "email": EMAIL_SRI, "phone": PHONE_SRI
    });
    let created = keyed_post(&app, &admin, "/api/v1/participants", "create-sri", &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id: Uuid = created.json()["id"].as_str().unwrap().parse().unwrap();
    // Before the erasure the replay is the full answer.
    let before = keyed_post(&app, &admin, "/api/v1/participants", "create-sri", &body).await;
    assert_eq!((before.status, before.replayed), (201, true));
    assert!(before.text.contains(NIP_SRI) && before.text.contains(NAME_SRI));

    erase(&app, &admin, id).await;

    let after = keyed_post(&app, &admin, "/api/v1/participants", "create-sri", &body).await;
    after.assert_erased_and_free_of(&[NIP_SRI, NAME_SRI, "Wahyuningsih", EMAIL_SRI, PHONE_SRI]);
    // The key stays taken: the request is not run again.
    assert_eq!(app.count("participants"), 1);
    assert_eq!(app.count("idempotency_keys WHERE erased_at IS NOT NULL"), 1);
}

#[tokio::test]
async fn a_nomination_replayed_after_the_erasure_is_gone_and_names_nothing_erased() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-ER2");
    let officer = app.seed_participant(unit, "Yohanes Kristiawan");
    let erased_values = with_contacts(&app, officer, "yohanes");
    let other = app.seed_participant(unit, "Maria Ulfa");
    let event = app.seed_event("published", 30);
    let (_, organizer) = app.organizer_of(event).await;
    let path = format!("/api/v1/events/{event}/enrollments");

    let nominated = keyed_post(
        &app,
        &organizer,
        &path,
        "nominate-yohanes",
        &json!({"participant_id": officer}),
    )
    .await;
    assert_eq!(nominated.status, 201, "{}", nominated.text);
    let kept = keyed_post(
        &app,
        &organizer,
        &path,
        "nominate-maria",
        &json!({"participant_id": other}),
    )
    .await;
    assert_eq!(kept.status, 201, "{}", kept.text);

    erase(&app, &admin, officer).await;

    let after = keyed_post(
        &app,
        &organizer,
        &path,
        "nominate-yohanes",
        &json!({"participant_id": officer}),
    )
    .await;
    let values: Vec<&str> = erased_values.iter().map(String::as_str).collect();
    after.assert_erased_and_free_of(&values);
    assert_eq!(app.count("enrollments"), 2, "not run again");
    // Another officer's stored answer is untouched.
    let other_replay = keyed_post(
        &app,
        &organizer,
        &path,
        "nominate-maria",
        &json!({"participant_id": other}),
    )
    .await;
    assert_eq!((other_replay.status, other_replay.replayed), (201, true));
    assert_eq!(other_replay.text, kept.text);
}

#[tokio::test]
async fn an_import_report_replayed_after_the_erasure_is_gone_and_names_nothing_erased() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("LAPAS-ER3");
    let rows = json!([
        {"nip": NIP_SRI, "full_name": NAME_SRI, "sex": "female", "employee_type": "pns", "grade": "III/b",
         "unit_id": unit, "email": EMAIL_SRI, "phone": PHONE_SRI},
        {"nip": "198703142010121007", "full_name": "Agus Salim", "sex": "male", "employee_type": "pns",
         "grade": "III/a", "unit_id": unit}
    ]);
    let path = "/api/v1/participants/import";
    let report = keyed_post(&app, &admin, path, "import-er3", &rows).await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(report.json()["summary"]["created"], 2);
    let id: Uuid = sql_query("SELECT id FROM participants WHERE nip = $1")
        .bind::<Text, _>(NIP_SRI)
        .get_result::<IdRow>(&mut app.db())
        .unwrap()
        .id;

    erase(&app, &admin, id).await;

    let after = keyed_post(&app, &admin, path, "import-er3", &rows).await;
    after.assert_erased_and_free_of(&[NIP_SRI, NAME_SRI, EMAIL_SRI, PHONE_SRI, &id.to_string()]);
    assert_eq!(app.count("participants"), 2, "not run again");
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
}

/// The state a crash between the effect's commit and the storing of its answer leaves: the answer is taken away
/// and the lease has run out; whatever the effect's transaction wrote to the key stays.
fn lose_the_answer(app: &TestApp, key: &str) {
    let n = sql_query(
        "UPDATE idempotency_keys SET response_status = NULL, response_headers = NULL, response_body = NULL, \
         completed_at = NULL, locked_until = now() - interval '1 second' WHERE key = $1",
    )
    .bind::<Text, _>(key)
    .execute(&mut app.db())
    .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_retry_after_a_crash_between_effect_and_answer_does_not_repeat_the_effect() {
    let app = spawn_app().await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let event = app.seed_event("published", 30);
    let starts = chrono::Utc::now() + chrono::Duration::hours(1);
    let body = json!({
        "kind": "morning_meeting", "title": "Apel pagi",
        "starts_at": starts.to_rfc3339(), "ends_at": (starts + chrono::Duration::hours(1)).to_rfc3339()
    });
    let path = format!("/api/v1/events/{event}/sessions");
    let first = keyed_post(&app, &admin, &path, "session-once", &body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    // The key was marked by the effect's own transaction.
    assert_eq!(
        app.count("idempotency_keys WHERE key = 'session-once' AND effect_at IS NOT NULL"),
        1
    );

    lose_the_answer(&app, "session-once");
    let retry = keyed_post(&app, &admin, &path, "session-once", &body).await;
    assert_eq!(retry.status, 409, "{}", retry.text);
    assert_eq!(retry.json()["code"], "idempotency_answer_lost");
    assert_eq!(
        app.count(&format!("sessions WHERE event_id = '{event}'")),
        1,
        "the effect ran once"
    );

    // A request that took no effect (refused) leaves its key unmarked: after a lost answer it runs again.
    let bad = json!({"kind": "morning_meeting", "title": "", "starts_at": "x", "ends_at": "y"});
    let refused = keyed_post(&app, &admin, &path, "session-refused", &bad).await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        app.count("idempotency_keys WHERE key = 'session-refused' AND effect_at IS NULL"),
        1
    );
    lose_the_answer(&app, "session-refused");
    let again = keyed_post(&app, &admin, &path, "session-refused", &bad).await;
    assert_eq!((again.status, again.replayed), (422, false));
}
