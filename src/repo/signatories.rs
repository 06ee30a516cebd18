//! The signatory columns of `events` and `programs` (migration 000016).

use diesel::prelude::*;
use uuid::Uuid;

use crate::schema::{events, programs};

/// The signatory of an event or program as stored; `signed_electronically` `None` on an event: as its program.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatoryValues {
    pub title: Option<String>,
    pub name: Option<String>,
    pub nip: Option<String>,
    pub place: Option<String>,
    pub signed_electronically: Option<bool>,
}

type Columns = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<bool>,
);

fn values((title, name, nip, place, signed_electronically): Columns) -> SignatoryValues {
    SignatoryValues {
        title,
        name,
        nip,
        place,
        signed_electronically,
    }
}

/// Sets the event's signatory (bumping its version); `None` for an unknown event.
pub fn set_event(
    conn: &mut PgConnection,
    event_id: Uuid,
    v: &SignatoryValues,
) -> QueryResult<Option<SignatoryValues>> {
    diesel::update(events::table.find(event_id))
        .set((
            events::signatory_title.eq(&v.title),
            events::signatory_name.eq(&v.name),
            events::signatory_nip.eq(&v.nip),
            events::signatory_place.eq(&v.place),
            events::signed_electronically.eq(v.signed_electronically),
            events::version.eq(events::version + 1),
            events::updated_at.eq(diesel::dsl::now),
        ))
        .returning((
            events::signatory_title,
            events::signatory_name,
            events::signatory_nip,
            events::signatory_place,
            events::signed_electronically,
        ))
        .get_result::<Columns>(conn)
        .optional()
        .map(|row| row.map(values))
}

/// Sets the program's signatory (bumping its version); `None` for an unknown program.
pub fn set_program(
    conn: &mut PgConnection,
    program_id: Uuid,
    v: &SignatoryValues,
) -> QueryResult<Option<SignatoryValues>> {
    diesel::update(programs::table.find(program_id))
        .set((
            programs::signatory_title.eq(&v.title),
            programs::signatory_name.eq(&v.name),
            programs::signatory_nip.eq(&v.nip),
            programs::signatory_place.eq(&v.place),
            programs::signed_electronically.eq(v.signed_electronically.unwrap_or(false)),
            programs::version.eq(programs::version + 1),
            programs::updated_at.eq(diesel::dsl::now),
        ))
        .returning((
            programs::signatory_title,
            programs::signatory_name,
            programs::signatory_nip,
            programs::signatory_place,
            programs::signed_electronically.nullable(),
        ))
        .get_result::<Columns>(conn)
        .optional()
        .map(|row| row.map(values))
}
