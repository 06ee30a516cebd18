//! The `users` table.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::page::ListRequest;
use crate::domain::role::Role;
use crate::domain::sort::UserSort;
use crate::schema::{participants, units, users};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub display_name: Option<String>,
    pub unit_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
    pub is_active: bool,
    pub token_version: i32,
    pub version: i32,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The technical user of a service account: no login, hidden from the user endpoints.
    pub service_account: bool,
}

/// The columns the auth extractor needs on every request.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct AuthRow {
    pub role: Role,
    pub unit_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
    pub is_active: bool,
    pub token_version: i32,
    pub service_account: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUserRow {
    pub id: Uuid,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub display_name: Option<String>,
    pub unit_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
}

/// A partial update; `None` leaves a column as it is, `Some(None)` clears a nullable one.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub role: Option<Role>,
    pub display_name: Option<Option<String>>,
    pub unit_id: Option<Option<Uuid>>,
    pub participant_id: Option<Option<Uuid>>,
    pub is_active: Option<bool>,
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub is_active: Option<bool>,
    pub unit_id: Option<Uuid>,
    pub q: Option<String>,
}

pub fn find_auth(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<AuthRow>> {
    users::table
        .find(id)
        .select(AuthRow::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_username(conn: &mut PgConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// The participant account of the officer who holds this NIP (an erased officer holds none).
pub fn find_by_participant_nip(conn: &mut PgConnection, nip: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .inner_join(participants::table.on(users::participant_id.eq(participants::id.nullable())))
        .filter(participants::nip.eq(nip))
        .filter(users::role.eq(Role::Participant))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut PgConnection, row: &NewUserRow) -> QueryResult<UserRow> {
    diesel::insert_into(users::table)
        .values(row)
        .returning(UserRow::as_returning())
        .get_result(conn)
}

/// Applies `changes` when the row's version is `expected_version` (if given), bumping `version` and, when
/// `revoke_tokens`, `token_version`. `None` when no row matched (absent, or a stale version).
pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    expected_version: Option<i32>,
    changes: &UserChanges,
    revoke_tokens: bool,
) -> QueryResult<Option<UserRow>> {
    let bump = i32::from(revoke_tokens);
    let mut query = diesel::update(users::table)
        .filter(users::id.eq(id))
        .into_boxed();
    if let Some(v) = expected_version {
        query = query.filter(users::version.eq(v));
    }
    query
        .set((
            changes,
            users::version.eq(users::version + 1),
            users::token_version.eq(users::token_version + bump),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .returning(UserRow::as_returning())
        .get_result(conn)
        .optional()
}

pub fn touch_last_login(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::last_login_at.eq(diesel::dsl::now))
        .execute(conn)
}

/// The user accounts of people: the technical users of service accounts are listed under `/api/v1/clients`.
fn filtered<'a>(filter: &'a UserFilter) -> users::BoxedQuery<'a, diesel::pg::Pg> {
    let mut query = users::table
        .filter(users::service_account.eq(false))
        .into_boxed();
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role));
    }
    if let Some(active) = filter.is_active {
        query = query.filter(users::is_active.eq(active));
    }
    if let Some(unit_id) = filter.unit_id {
        query = query.filter(users::unit_id.eq(unit_id));
    }
    if let Some(q) = &filter.q {
        let pattern = super::like_pattern(q);
        query = query.filter(
            users::username
                .ilike(pattern.clone())
                .or(users::display_name.ilike(pattern)),
        );
    }
    query
}

pub fn list(
    conn: &mut PgConnection,
    request: &ListRequest<UserFilter, UserSort>,
) -> QueryResult<(Vec<UserRow>, i64)> {
    let filter = &request.filter;
    let total = filtered(filter).count().get_result(conn)?;
    let query = filtered(filter).select(UserRow::as_select());
    let query = match request.sort {
        UserSort::Username => query.order((users::username.asc(), users::id.asc())),
        UserSort::UsernameDesc => query.order((users::username.desc(), users::id.desc())),
        UserSort::CreatedAt => query.order((users::created_at.asc(), users::id.asc())),
        UserSort::CreatedAtDesc => query.order((users::created_at.desc(), users::id.desc())),
    };
    let rows = query
        .limit(request.page.limit)
        .offset(request.page.offset)
        .load(conn)?;
    Ok((rows, total))
}

/// A unit as (id, code, name).
pub type UnitLink = (Uuid, String, String);
/// A participant as (id, full name).
pub type ParticipantLink = (Uuid, String);

/// The unit code and name of a user's unit, and the name of their linked participant, for `GET /me`.
pub fn me_links(
    conn: &mut PgConnection,
    unit_id: Option<Uuid>,
    participant_id: Option<Uuid>,
) -> QueryResult<(Option<UnitLink>, Option<ParticipantLink>)> {
    let unit = match unit_id {
        Some(id) => units::table
            .find(id)
            .select((units::id, units::code, units::name))
            .first(conn)
            .optional()?,
        None => None,
    };
    let participant = match participant_id {
        Some(id) => participants::table
            .find(id)
            .select((participants::id, participants::full_name))
            .first(conn)
            .optional()?,
        None => None,
    };
    Ok((unit, participant))
}

pub fn unit_exists(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(units::table.find(id))).get_result(conn)
}

pub fn participant_exists(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(participants::table.find(id))).get_result(conn)
}
