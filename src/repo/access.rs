//! Ownership lookups for authorization: who organizes an event, who leads a session, where an officer works.

use diesel::dsl::exists;
use diesel::prelude::*;
use uuid::Uuid;

use crate::schema::{event_organizers, participants, session_facilitators, sessions};

pub fn is_event_organizer(
    conn: &mut PgConnection,
    event_id: Uuid,
    user_id: Uuid,
) -> QueryResult<bool> {
    diesel::select(exists(
        event_organizers::table
            .filter(event_organizers::event_id.eq(event_id))
            .filter(event_organizers::user_id.eq(user_id)),
    ))
    .get_result(conn)
}

pub fn leads_session(
    conn: &mut PgConnection,
    session_id: Uuid,
    user_id: Uuid,
) -> QueryResult<bool> {
    diesel::select(exists(
        session_facilitators::table
            .filter(session_facilitators::session_id.eq(session_id))
            .filter(session_facilitators::user_id.eq(user_id)),
    ))
    .get_result(conn)
}

pub fn leads_a_session_of_event(
    conn: &mut PgConnection,
    event_id: Uuid,
    user_id: Uuid,
) -> QueryResult<bool> {
    diesel::select(exists(
        session_facilitators::table
            .inner_join(sessions::table)
            .filter(sessions::event_id.eq(event_id))
            .filter(session_facilitators::user_id.eq(user_id)),
    ))
    .get_result(conn)
}

pub fn participant_unit(
    conn: &mut PgConnection,
    participant_id: Uuid,
) -> QueryResult<Option<Uuid>> {
    participants::table
        .find(participant_id)
        .select(participants::unit_id)
        .first(conn)
        .optional()
}

/// The status of an event, if it exists.
pub fn event_status(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<Option<String>> {
    crate::schema::events::table
        .find(event_id)
        .select(crate::schema::events::status)
        .first(conn)
        .optional()
}
