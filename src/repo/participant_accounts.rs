//! Participant accounts issued in bulk and their activation codes (columns of `users`, migration 000019).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::enums::EnrollmentStatus;
use crate::domain::role::Role;
use crate::schema::{enrollments, event_organizers, participants, units, users};

/// Enrollments that no longer make an officer one of an organizer's: rejected and withdrawn.
const NOT_TAKING_PART: [EnrollmentStatus; 2] =
    [EnrollmentStatus::Rejected, EnrollmentStatus::Withdrawn];

/// The stored password of an account that waits for its activation: no PHC string, so no password matches it.
pub const PENDING_PASSWORD: &str = "!activation-pending";

/// An officer asked for, with their account if they have one.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub participant_id: Uuid,
    pub unit_id: Uuid,
    pub unit_name: String,
    pub nip: Option<String>,
    pub full_name: String,
    pub archived: bool,
    pub erased: bool,
    pub account: Option<ExistingAccount>,
}

/// The account an officer already has.
#[derive(Debug, Clone)]
pub struct ExistingAccount {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
    pub is_active: bool,
}

type CandidateTuple = (
    Uuid,
    Uuid,
    String,
    Option<String>,
    String,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<Uuid>,
    Option<String>,
    Option<Role>,
    Option<bool>,
);

fn candidate(row: CandidateTuple) -> Candidate {
    let (
        participant_id,
        unit_id,
        unit_name,
        nip,
        full_name,
        archived,
        erased,
        id,
        username,
        role,
        active,
    ) = row;
    Candidate {
        participant_id,
        unit_id,
        unit_name,
        nip,
        full_name,
        archived: archived.is_some(),
        erased: erased.is_some(),
        account: match (id, username, role, active) {
            (Some(id), Some(username), Some(role), Some(is_active)) => Some(ExistingAccount {
                id,
                username,
                role,
                is_active,
            }),
            _ => None,
        },
    }
}

macro_rules! candidate_query {
    () => {
        participants::table
            .inner_join(units::table.on(units::id.eq(participants::unit_id)))
            .left_join(users::table.on(users::participant_id.eq(participants::id.nullable())))
            .select((
                participants::id,
                participants::unit_id,
                units::name,
                participants::nip,
                participants::full_name,
                participants::archived_at,
                participants::erased_at,
                users::id.nullable(),
                users::username.nullable(),
                users::role.nullable(),
                users::is_active.nullable(),
            ))
    };
}

/// The officers of `ids` that exist, with their accounts (in no particular order).
pub fn by_ids(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<Candidate>> {
    let rows: Vec<CandidateTuple> = candidate_query!()
        .filter(participants::id.eq_any(ids))
        .load(conn)?;
    Ok(rows.into_iter().map(candidate).collect())
}

/// The unit's current officers (neither archived nor erased) with a NIP and without an account, by name, at most
/// `limit`; with `organizer`, only those taking part in an event they organise. Also how many there are in all.
pub fn without_account(
    conn: &mut PgConnection,
    unit_id: Uuid,
    organizer: Option<Uuid>,
    limit: i64,
) -> QueryResult<(Vec<Candidate>, i64)> {
    let filtered = || {
        let mut query = participants::table
            .left_join(users::table.on(users::participant_id.eq(participants::id.nullable())))
            .filter(participants::unit_id.eq(unit_id))
            .filter(participants::archived_at.is_null())
            .filter(participants::erased_at.is_null())
            .filter(participants::nip.is_not_null())
            .filter(users::id.nullable().is_null())
            .select(participants::id)
            .into_boxed();
        if let Some(organizer) = organizer {
            query = query.filter(
                participants::id.eq_any(
                    enrollments::table
                        .inner_join(
                            event_organizers::table
                                .on(event_organizers::event_id.eq(enrollments::event_id)),
                        )
                        .filter(event_organizers::user_id.eq(organizer))
                        .filter(enrollments::status.ne_all(NOT_TAKING_PART))
                        .select(enrollments::participant_id),
                ),
            );
        }
        query
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows: Vec<CandidateTuple> = candidate_query!()
        .filter(participants::id.eq_any(filtered()))
        .order((participants::name_search.asc(), participants::id.asc()))
        .limit(limit)
        .load(conn)?;
    Ok((rows.into_iter().map(candidate).collect(), total))
}

/// Which of `ids` take part in an event that `organizer` organises (nominated, waitlisted or approved).
pub fn enrolled_with_organizer(
    conn: &mut PgConnection,
    organizer: Uuid,
    ids: &[Uuid],
) -> QueryResult<HashSet<Uuid>> {
    let found: Vec<Uuid> = enrollments::table
        .inner_join(
            event_organizers::table.on(event_organizers::event_id.eq(enrollments::event_id)),
        )
        .filter(event_organizers::user_id.eq(organizer))
        .filter(enrollments::status.ne_all(NOT_TAKING_PART))
        .filter(enrollments::participant_id.eq_any(ids))
        .select(enrollments::participant_id)
        .distinct()
        .load(conn)?;
    Ok(found.into_iter().collect())
}

pub fn unit_name(conn: &mut PgConnection, unit_id: Uuid) -> QueryResult<Option<String>> {
    units::table
        .find(unit_id)
        .select(units::name)
        .first(conn)
        .optional()
}

/// A new participant account waiting for its activation (its username is the participant id's, never shown to
/// log in with: officers give their NIP).
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewPendingAccount {
    pub id: Uuid,
    pub username: String,
    pub password_hash: &'static str,
    pub role: Role,
    pub participant_id: Option<Uuid>,
    pub activation_code_hash: Option<Vec<u8>>,
    pub activation_expires_at: Option<DateTime<Utc>>,
}

pub fn insert_pending(conn: &mut PgConnection, rows: &[NewPendingAccount]) -> QueryResult<usize> {
    diesel::insert_into(users::table).values(rows).execute(conn)
}

/// Gives an existing account a new code, which voids the one it had.
pub fn set_code(
    conn: &mut PgConnection,
    user_id: Uuid,
    code_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set((
            users::activation_code_hash.eq(code_hash),
            users::activation_expires_at.eq(expires_at),
            users::version.eq(users::version + 1),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
}

/// The activation state of the participant account of the officer holding `nip`.
#[derive(Debug, Queryable)]
pub struct ActivationRow {
    pub id: Uuid,
    pub is_active: bool,
    pub code_hash: Option<Vec<u8>>,
    pub expires_at: Option<DateTime<Utc>>,
}

pub fn activation_by_nip(conn: &mut PgConnection, nip: &str) -> QueryResult<Option<ActivationRow>> {
    users::table
        .inner_join(participants::table.on(users::participant_id.eq(participants::id.nullable())))
        .filter(participants::nip.eq(nip))
        .filter(participants::erased_at.is_null())
        .filter(users::role.eq(Role::Participant))
        .select((
            users::id,
            users::is_active,
            users::activation_code_hash,
            users::activation_expires_at,
        ))
        .first(conn)
        .optional()
}

/// Sets the chosen password and spends the code, if the account still holds `code_hash` (a second activation
/// with the same code finds nothing); every token of the account is revoked. The new token version, or `None`.
pub fn activate(
    conn: &mut PgConnection,
    user_id: Uuid,
    code_hash: &[u8],
    password_hash: &str,
) -> QueryResult<Option<i32>> {
    diesel::update(
        users::table
            .find(user_id)
            .filter(users::activation_code_hash.eq(code_hash)),
    )
    .set((
        users::password_hash.eq(password_hash),
        users::activation_code_hash.eq(None::<Vec<u8>>),
        users::activation_expires_at.eq(None::<DateTime<Utc>>),
        users::token_version.eq(users::token_version + 1),
        users::version.eq(users::version + 1),
        users::updated_at.eq(diesel::dsl::now),
    ))
    .returning(users::token_version)
    .get_result(conn)
    .optional()
}

/// Voids the activation code of an officer's account (their personal data is being erased).
pub fn void_code_of_participant(
    conn: &mut PgConnection,
    participant_id: Uuid,
) -> QueryResult<usize> {
    diesel::update(
        users::table
            .filter(users::participant_id.eq(participant_id))
            .filter(users::activation_code_hash.is_not_null()),
    )
    .set((
        users::activation_code_hash.eq(None::<Vec<u8>>),
        users::activation_expires_at.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)
}
