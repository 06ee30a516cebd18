//! Calendar feeds: a private feed behind a rotating token, and a public feed per event.

use bimtek_api::domain::role::Role;
use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::Value;

use crate::certificates::{account_of, scenario};
use crate::helpers::{TestApp, assert_problem, spawn_app};

/// The feed at `path` (no credential): status, ETag and text (its folded lines unfolded, RFC 5545 3.1).
async fn feed(app: &TestApp, path: &str, etag: Option<&str>) -> (u16, String, String) {
    let mut request = app.client.get(app.url(path));
    if let Some(tag) = etag {
        request = request.header("if-none-match", tag);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let tag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    if status == 200 {
        assert_eq!(
            response.headers()["content-type"],
            "text/calendar; charset=utf-8"
        );
    }
    (
        status,
        tag,
        response.text().await.unwrap().replace("\r\n ", ""),
    )
}

fn path_of(issued: &Value) -> String {
    let url = issued["url"].as_str().unwrap();
    url[url.find("/api/v1/").unwrap()..].to_owned()
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

#[tokio::test]
async fn an_officers_feed_follows_their_sessions_and_dies_with_its_token() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let budi = account_of(&app, s.budi).await;
    let issued: Value = app
        .send(Method::POST, "/api/v1/me/calendar-token", &budi, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(issued["token"].as_str().unwrap().len(), 43);
    let path = path_of(&issued);

    let (status, tag, text) = feed(&app, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(count(&text, "BEGIN:VEVENT"), 2, "{text}");
    assert!(text.contains(&format!("UID:session-{}@bimtek-api", s.second_session)));
    assert!(text.contains("DTSTART;TZID=Asia/Jakarta:"));
    assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Asia/Jakarta"));
    assert!(text.contains("STATUS:CONFIRMED"));
    assert!(text.contains("SEQUENCE:0"));
    assert!(
        !text.contains("Budi") && !text.contains("Santoso"),
        "no name: {text}"
    );
    let nip: String = {
        use bimtek_api::schema::participants;
        use diesel::prelude::*;
        participants::table
            .find(s.budi)
            .select(participants::nip.assume_not_null())
            .first(&mut app.db())
            .unwrap()
    };
    assert!(!text.contains(&nip), "no NIP");

    // Unchanged: 304. A change of the session: a new tag and a higher SEQUENCE; a cancelled event: CANCELLED.
    let (status, _, _) = feed(&app, &path, Some(&tag)).await;
    assert_eq!(status, 304);
    app.db()
        .batch_execute(&format!(
            "UPDATE sessions SET title = 'Group therapy (diundur)', version = version + 1, updated_at = now()
             WHERE id = '{}'",
            s.second_session
        ))
        .unwrap();
    let (status, changed_tag, text) = feed(&app, &path, Some(&tag)).await;
    assert_eq!(status, 200);
    assert_ne!(changed_tag, tag);
    assert!(text.contains("SEQUENCE:1"), "{text}");
    app.db()
        .batch_execute(&format!(
            "UPDATE events SET status = 'cancelled', version = version + 1 WHERE id = '{}'",
            s.event
        ))
        .unwrap();
    let (_, _, text) = feed(&app, &path, None).await;
    assert_eq!(count(&text, "STATUS:CANCELLED"), 2, "{text}");

    // Rotating stops the old address; revoking stops the new one; an unknown token is the same 404.
    let rotated: Value = app
        .send(Method::POST, "/api/v1/me/calendar-token", &budi, None)
        .await
        .json()
        .await
        .unwrap();
    let (old, _, body) = feed(&app, &path, None).await;
    assert_eq!(old, 404);
    let (unknown, _, unknown_body) = feed(
        &app,
        "/api/v1/calendar/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics",
        None,
    )
    .await;
    assert_eq!(
        (unknown, unknown_body),
        (404, body),
        "no hint whether it existed"
    );
    let new_path = path_of(&rotated);
    assert_eq!(feed(&app, &new_path, None).await.0, 200);
    let revoked = app
        .send(Method::DELETE, "/api/v1/me/calendar-token", &budi, None)
        .await;
    assert_eq!(revoked.status(), 204);
    assert_eq!(feed(&app, &new_path, None).await.0, 404);

    // An erasure revokes the officer's feed.
    let again: Value = app
        .send(Method::POST, "/api/v1/me/calendar-token", &budi, None)
        .await
        .json()
        .await
        .unwrap();
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let erased = app
        .send(
            Method::POST,
            &format!("/api/v1/participants/{}/erase", s.budi),
            &admin,
            None,
        )
        .await;
    assert_eq!(erased.status(), 200);
    assert_eq!(feed(&app, &path_of(&again), None).await.0, 404);
}

#[tokio::test]
async fn a_facilitator_sees_the_sessions_they_lead_and_an_event_has_a_public_feed() {
    let app = spawn_app().await;
    let s = scenario(&app, "");
    let (facilitator, token) = app.user_with_token(Role::Facilitator).await;
    app.db()
        .batch_execute(&format!(
            "INSERT INTO session_facilitators (session_id, user_id) VALUES ('{}', '{}')",
            s.second_session, facilitator.id
        ))
        .unwrap();
    let issued: Value = app
        .send(Method::POST, "/api/v1/me/calendar-token", &token, None)
        .await
        .json()
        .await
        .unwrap();
    let (status, _, text) = feed(&app, &path_of(&issued), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        count(&text, "BEGIN:VEVENT"),
        1,
        "only the session they lead: {text}"
    );
    assert!(text.contains("JP: 2"));
    assert!(text.contains("Presensi: dibuka 30 menit"), "{text}");

    let event_path = format!("/api/v1/events/{}/calendar.ics", s.event);
    let (status, tag, text) = feed(&app, &event_path, None).await;
    assert_eq!(status, 200);
    assert_eq!(count(&text, "BEGIN:VEVENT"), 2);
    assert!(
        text.contains("X-WR-CALNAME:Orientasi Lapangan PM Rehabilitasi Sosial"),
        "{text}"
    );
    assert_eq!(feed(&app, &event_path, Some(&tag)).await.0, 304);
    app.db()
        .batch_execute(&format!(
            "UPDATE events SET status = 'draft' WHERE id = '{}'",
            s.event
        ))
        .unwrap();
    let (status, _, _) = feed(&app, &event_path, None).await;
    assert_eq!(status, 404, "a draft has no feed");
    let response = app.client.get(app.url(&event_path)).send().await.unwrap();
    assert_problem(response, 404, "not_found").await;
}
