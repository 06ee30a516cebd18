//! Retention: one maintenance round (`service::retention::run`, what the worker runs every
//! `MAINTENANCE_INTERVAL_SECONDS`) deletes the rows older than their configured period and keeps the newer ones.

use bimtek_api::domain::role::Role;
use bimtek_api::service::retention::{self, Pruned, Retention};
use diesel::prelude::*;
use diesel::sql_query;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app};

fn exec(app: &TestApp, sql: &str) {
    sql_query(sql).execute(&mut app.db()).unwrap();
}

/// How many rows of `table` match `condition`.
fn count_where(app: &TestApp, table: &str, condition: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    sql_query(format!(
        "SELECT count(*) AS n FROM {table} WHERE {condition}"
    ))
    .get_result::<Count>(&mut app.db())
    .unwrap()
    .n
}

#[tokio::test]
async fn one_maintenance_round_deletes_rows_past_their_retention_and_keeps_the_newer_ones() {
    let app = spawn_app().await;
    let (user, _) = app.user_with_token(Role::Admin).await;
    let unit = app.seed_unit("UPT-RETENTION");
    let officer = app.seed_participant(unit, "Dewi Lestari");

    // Audit entries of changes (kept 365 days here), one of them an erased officer's; access events (90 days).
    sql_query(
        "INSERT INTO audit_log (at, action, resource_type, participant_id, changes) VALUES \
           (now() - interval '400 days', 'unit.updated', 'old', NULL, '{}'), \
           (now() - interval '400 days', 'participant.erased', 'old', $1, '{\"full_name\": \"[erased]\"}'), \
           (now() - interval '300 days', 'unit.updated', 'new', NULL, '{}'), \
           (now() - interval '300 days', 'participant.erased', 'new', $1, '{\"full_name\": \"[erased]\"}'), \
           (now() - interval '100 days', 'participant.nip_read', 'old', $1, '{}'), \
           (now() - interval '100 days', 'export.attendance', 'old', NULL, '{}'), \
           (now() - interval '80 days', 'participant.nip_read', 'new', $1, '{}'), \
           (now() - interval '80 days', 'export.attendance', 'new', NULL, '{}')",
    )
    .bind::<SqlUuid, _>(officer)
    .execute(&mut app.db())
    .unwrap();
    // Change feed (90 days): the officer's changes made old, the unit's stay new.
    exec(
        &app,
        &format!(
            "UPDATE changes SET at = now() - interval '100 days' WHERE resource_id = '{officer}'"
        ),
    );
    // Webhook deliveries (30 days): finished old ones go, a pending old one and a finished new one stay.
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let subscription = sql_query(
        "INSERT INTO webhook_subscriptions (url, event_types, legacy_secret) \
         VALUES ('https://hooks.example.com/x', '{participant.created}', $1) RETURNING id",
    )
    .bind::<Text, _>("whsec_retention-test-secret-0123456789abcdef")
    .get_result::<Id>(&mut app.db())
    .unwrap()
    .id;
    sql_query(
        "INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, payload, status, created_at) \
         SELECT $1, gen_random_uuid(), 'participant.created', jsonb_build_object('mark', mark), status, \
                now() - make_interval(days => age) \
           FROM (VALUES ('old', 'delivered', 40), ('old', 'failed', 40), ('new', 'pending', 40), \
                        ('new', 'delivered', 10)) AS v(mark, status, age)",
    )
    .bind::<SqlUuid, _>(subscription)
    .execute(&mut app.db())
    .unwrap();
    // Refresh tokens (14 days after expiry); the login's own token is current.
    sql_query(
        "INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) VALUES \
           ($1, gen_random_uuid(), '\\x01', now() - interval '20 days'), \
           ($1, gen_random_uuid(), '\\x02', now() - interval '5 days')",
    )
    .bind::<SqlUuid, _>(user.id)
    .execute(&mut app.db())
    .unwrap();
    // Idempotency keys (24 hours) and login-throttle windows (one minute).
    exec(
        &app,
        "INSERT INTO idempotency_keys (caller, key, fingerprint, lock_token, locked_until, created_at) VALUES \
           ('user:retention', 'old', sha256('a'), gen_random_uuid(), now(), now() - interval '25 hours'), \
           ('user:retention', 'new', sha256('b'), gen_random_uuid(), now(), now() - interval '23 hours')",
    );
    exec(
        &app,
        "INSERT INTO login_throttle (scope, key_hash, hits, window_start) VALUES \
           ('address', sha256('old'), 3, now() - interval '2 minutes'), \
           ('address', sha256('new'), 3, now())",
    );
    let refresh_before = app.count("refresh_tokens");
    let changes_before = app.count("changes");
    let officer_changes = count_where(&app, "changes", &format!("resource_id = '{officer}'"));
    assert!(officer_changes > 0);

    let retention = Retention {
        changes_days: 90,
        audit_log_days: 365,
        access_event_days: 90,
        webhook_delivery_days: 30,
        refresh_token_days: 14,
    };
    let pruned = retention::run(&mut app.db(), &retention).unwrap();
    assert_eq!(
        pruned,
        Pruned {
            idempotency_keys: 1,
            throttle_windows: 1,
            changes: officer_changes,
            audit_entries: 2,
            access_events: 2,
            webhook_deliveries: 2,
            refresh_tokens: 1,
        }
    );
    assert_eq!(count_where(&app, "audit_log", "resource_type = 'old'"), 0);
    assert_eq!(count_where(&app, "audit_log", "resource_type = 'new'"), 4);
    assert_eq!(
        count_where(
            &app,
            "audit_log",
            "resource_type = 'new' AND action = 'participant.erased' AND changes->>'full_name' = '[erased]'"
        ),
        1,
        "an erased officer's entry keeps [erased] until its period ends"
    );
    assert_eq!(app.count("changes"), changes_before - officer_changes);
    assert_eq!(
        count_where(&app, "webhook_deliveries", "payload->>'mark' = 'old'"),
        0
    );
    assert_eq!(
        count_where(&app, "webhook_deliveries", "payload->>'mark' = 'new'"),
        2
    );
    assert_eq!(app.count("refresh_tokens"), refresh_before - 1);
    assert_eq!(
        count_where(&app, "refresh_tokens", "token_hash = '\\x02'"),
        1
    );
    assert_eq!(count_where(&app, "idempotency_keys", "key = 'new'"), 1);
    assert_eq!(app.count("idempotency_keys"), 1);
    assert_eq!(
        count_where(&app, "login_throttle", "key_hash = sha256('old')"),
        0
    );
    assert_eq!(
        count_where(&app, "login_throttle", "key_hash = sha256('new')"),
        1
    );

    // A second round finds nothing left; with every period 0 (keep forever) nothing day-based is deleted.
    assert_eq!(
        retention::run(&mut app.db(), &retention).unwrap(),
        Pruned::default()
    );
    exec(&app, "UPDATE audit_log SET at = at - interval '100 years'");
    exec(
        &app,
        "UPDATE webhook_deliveries SET created_at = created_at - interval '100 years'",
    );
    exec(&app, "UPDATE changes SET at = at - interval '100 years'");
    let forever = Retention {
        changes_days: 0,
        audit_log_days: 0,
        access_event_days: 0,
        webhook_delivery_days: 0,
        refresh_token_days: 14,
    };
    assert_eq!(
        retention::run(&mut app.db(), &forever).unwrap(),
        Pruned::default()
    );
}
