//! The facilitator's narrower scope (issue 14, finding 3): the matrix calls every operation as a facilitator who
//! leads nothing of the world; here the same caller is made a facilitator of the world's event, once leading the
//! world's session and once leading only another session of the event, and every read of the world's officers,
//! attendance, results, scores, responses, exports and reports is checked against what that facilitator needs.

use bimtek_api::domain::role::Role;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use uuid::Uuid;

use super::fixtures::{Callers, Spec, World, seed_callers, seed_world};
use super::missing_security_headers;
use crate::helpers::{TestApp, spawn_app};

/// How the facilitator is tied to the world's event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tie {
    /// Leads the world's session.
    LeadsTheSession,
    /// Leads another session of the world's event only.
    LeadsAnotherSession,
}

/// What the facilitator must get.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// 200, showing the officer's name but never the NIP, the contacts or the check-in code.
    Masked,
    /// 200 without anything of the officer.
    Without,
    Refused(u16),
}

use Expect::{Masked, Refused, Without};
use Tie::{LeadsAnotherSession, LeadsTheSession};

struct Case {
    what: &'static str,
    path: fn(&World) -> String,
    spec: Spec,
    leads: Expect,
    other_session: Expect,
}

fn ongoing() -> Spec {
    Spec {
        event_status: "ongoing",
        attendance: true,
        ..Spec::default()
    }
}

fn cases() -> Vec<Case> {
    let case = |what, path, spec, leads, other_session| Case {
        what,
        path,
        spec,
        leads,
        other_session,
    };
    vec![
        case(
            "GET /api/v1/participants",
            |w| format!("/api/v1/participants?unit_id={}", w.unit),
            ongoing(),
            Masked,
            Masked,
        ),
        case(
            "GET /api/v1/participants/{id}",
            |w| format!("/api/v1/participants/{}", w.officer),
            ongoing(),
            Masked,
            Masked,
        ),
        // the spare officer has no enrollment anywhere
        case(
            "GET /api/v1/participants/{id} (not enrolled)",
            |w| format!("/api/v1/participants/{}", w.spare_officer),
            ongoing(),
            Refused(403),
            Refused(403),
        ),
        case(
            "GET /api/v1/participants (nominated)",
            |w| format!("/api/v1/participants?unit_id={}", w.unit),
            Spec {
                enrollment_status: "nominated",
                ..ongoing()
            },
            Without,
            Without,
        ),
        case(
            "GET /api/v1/participants (draft)",
            |w| format!("/api/v1/participants?unit_id={}", w.unit),
            Spec {
                event_status: "draft",
                ..ongoing()
            },
            Without,
            Without,
        ),
        case(
            "GET /api/v1/participants/{id}/attendance",
            |w| format!("/api/v1/participants/{}/attendance", w.officer),
            ongoing(),
            Refused(403),
            Refused(403),
        ),
        case(
            "GET /api/v1/sessions/{id}/attendance",
            |w| format!("/api/v1/sessions/{}/attendance", w.session),
            ongoing(),
            Masked,
            Refused(403),
        ),
        case(
            "GET /api/v1/events/{id}/attendance-summary",
            |w| format!("/api/v1/events/{}/attendance-summary", w.event),
            ongoing(),
            Masked,
            Masked,
        ),
        case(
            "GET /api/v1/events/{id}/enrollments",
            |w| format!("/api/v1/events/{}/enrollments", w.event),
            ongoing(),
            Masked,
            Masked,
        ),
        case(
            "GET /api/v1/events/{id}/results",
            |w| format!("/api/v1/events/{}/results", w.event),
            ongoing(),
            Masked,
            Masked,
        ),
        case(
            "GET /api/v1/events/{id}/scores",
            |w| format!("/api/v1/events/{}/scores", w.event),
            ongoing(),
            Masked,
            Masked,
        ),
        case(
            "GET /api/v1/events/{id}/report",
            |w| format!("/api/v1/events/{}/report", w.event),
            ongoing(),
            Refused(403),
            Refused(403),
        ),
        case(
            "GET /api/v1/events/{id}/exports/attendance.csv",
            |w| format!("/api/v1/events/{}/exports/attendance.csv", w.event),
            ongoing(),
            Refused(403),
            Refused(403),
        ),
        case(
            "GET /api/v1/events/{id}/exports/evaluations.csv",
            |w| format!("/api/v1/events/{}/exports/evaluations.csv", w.event),
            ongoing(),
            Refused(403),
            Refused(403),
        ),
        case(
            "GET /api/v1/instruments/{id}/responses",
            |w| format!("/api/v1/instruments/{}/responses", w.follow_up),
            ongoing(),
            Refused(403),
            Refused(403),
        ),
        case(
            "GET /api/v1/responses/{id}",
            |w| format!("/api/v1/responses/{}", w.response),
            ongoing(),
            Refused(404),
            Refused(404),
        ),
        case(
            "GET /api/v1/enrollments/{id}",
            |w| format!("/api/v1/enrollments/{}", w.enrollment),
            ongoing(),
            Masked,
            Masked,
        ),
        case(
            "GET /api/v1/programs/{id}/report",
            |w| format!("/api/v1/programs/{}/report", w.program),
            ongoing(),
            Refused(403),
            Refused(403),
        ),
        case(
            "GET /api/v1/units/{id}/report",
            |w| format!("/api/v1/units/{}/report", w.unit),
            ongoing(),
            Refused(403),
            Refused(403),
        ),
    ]
}

fn facilitator_id(app: &TestApp, callers: &Callers) -> Uuid {
    use bimtek_api::schema::users;
    users::table
        .filter(users::username.eq(&callers.get(Role::Facilitator).username))
        .select(users::id)
        .first(&mut app.db())
        .unwrap()
}

/// Ties the caller to the world's event.
fn tie(app: &TestApp, world: &World, facilitator: Uuid, tie: Tie) {
    let sql = match tie {
        Tie::LeadsTheSession => format!(
            "INSERT INTO session_facilitators (session_id, user_id) VALUES ('{}', '{facilitator}');",
            world.session
        ),
        // Tomorrow, so that it overlaps nothing the caller leads in other worlds.
        Tie::LeadsAnotherSession => {
            let session = Uuid::new_v4();
            format!(
                "INSERT INTO sessions (id, event_id, kind, title, starts_at, ends_at, jp)
                   VALUES ('{session}', '{}', 'discussion', 'Another session', now() + interval '1 day',
                           now() + interval '1 day 1 hour', 1);
                 INSERT INTO session_facilitators (session_id, user_id) VALUES ('{session}', '{facilitator}');",
                world.event
            )
        }
    };
    app.db().batch_execute(&sql).unwrap();
}

async fn check(
    app: &TestApp,
    callers: &Callers,
    facilitator: Uuid,
    case: &Case,
    how: Tie,
) -> Option<String> {
    let world = seed_world(&mut app.db(), case.spec);
    tie(app, &world, facilitator, how);
    let expect = match how {
        LeadsTheSession => case.leads,
        LeadsAnotherSession => case.other_session,
    };
    let response = app
        .client
        .get(app.url(&(case.path)(&world)))
        .bearer_auth(&callers.get(Role::Facilitator).token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let what = format!("{} as a facilitator who {how:?}: {status}", case.what);
    if let Some(missing) = missing_security_headers(&headers) {
        return Some(format!("{what}: {missing}"));
    }
    let leaked = |secrets: Vec<String>| -> Vec<String> {
        secrets
            .into_iter()
            .filter(|s| text.contains(s.as_str()))
            .collect()
    };
    let name = format!("Officer {}", world.tag);
    let problem = match expect {
        Masked if status != 200 => Some("expected 200".to_owned()),
        Masked if !text.contains(&name) => Some("expected the officer in the answer".to_owned()),
        Masked => {
            let shown = leaked(world.personal_details());
            (!shown.is_empty()).then(|| format!("shows {shown:?}"))
        }
        Without if status != 200 => Some("expected 200".to_owned()),
        Without => {
            let shown = leaked(world.officer_secrets());
            (!shown.is_empty()).then(|| format!("shows the officer: {shown:?}"))
        }
        Refused(expected) if status != expected => Some(format!("expected {expected}")),
        Refused(_) => {
            let shown = leaked(world.all_secrets());
            (!shown.is_empty()).then(|| format!("the refusal shows {shown:?}"))
        }
    };
    problem.map(|p| format!("{what}, {p}: {text}"))
}

#[tokio::test]
async fn a_facilitator_sees_the_officers_of_the_events_they_facilitate_and_the_attendance_of_their_sessions_only()
 {
    let app = spawn_app().await;
    let callers = seed_callers(&app).await;
    let facilitator = facilitator_id(&app, &callers);
    let mut problems = Vec::new();
    let mut calls = 0;
    for case in cases() {
        for how in [LeadsTheSession, LeadsAnotherSession] {
            problems.extend(check(&app, &callers, facilitator, &case, how).await);
            calls += 1;
        }
    }
    assert!(calls >= 30, "only {calls} calls");
    assert!(
        problems.is_empty(),
        "{} of {calls} calls broke the facilitator's scope:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
