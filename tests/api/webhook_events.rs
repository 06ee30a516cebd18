//! The webhook event types are one vocabulary: the trigger functions in the database enqueue exactly the types
//! the API accepts and documents (`EventType`), no more and no fewer.

use std::collections::BTreeSet;

use bimtek_api::domain::enums::EventType;
use diesel::prelude::*;
use diesel::sql_query;

use crate::helpers::spawn_app;

#[derive(QueryableByName)]
struct Source {
    #[diesel(sql_type = diesel::sql_types::Text)]
    src: String,
}

/// The event type literals passed to `webhook_enqueue('<type>', ...)` in a function body.
fn enqueued_types(source: &str) -> Vec<String> {
    const CALL: &str = "webhook_enqueue('";
    source
        .match_indices(CALL)
        .filter_map(|(at, _)| {
            let rest = &source[at + CALL.len()..];
            rest.find('\'').map(|end| rest[..end].to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_triggers_enqueue_exactly_the_event_types_of_the_api() {
    let app = spawn_app().await;
    let functions = sql_query(
        "SELECT p.prosrc AS src FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE n.nspname = current_schema() AND p.prosrc LIKE '%webhook_enqueue(''%'",
    )
    .load::<Source>(&mut app.db())
    .unwrap();
    assert!(
        !functions.is_empty(),
        "no trigger function enqueues webhooks"
    );
    let in_triggers: BTreeSet<String> = functions
        .iter()
        .flat_map(|f| enqueued_types(&f.src))
        .collect();
    let vocabulary: BTreeSet<String> = EventType::ALL
        .iter()
        .map(|t| t.as_str().to_owned())
        .collect();
    assert_eq!(in_triggers, vocabulary);
}
