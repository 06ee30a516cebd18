//! The `clients` table (service accounts) and the technical `users` rows they act as.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::domain::page::ListRequest;
use crate::domain::role::Role;
use crate::domain::sort::ClientSort;
use crate::schema::{clients, users};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = clients, check_for_backend(diesel::pg::Pg))]
pub struct ClientRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub scopes: Vec<Option<String>>,
    pub secret_hash: Vec<u8>,
    pub is_active: bool,
    pub token_version: i32,
    pub version: i32,
    pub secret_rotated_at: DateTime<Utc>,
    pub last_token_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ClientRow {
    /// The stored scope words (the column holds no NULLs: a check constraint).
    pub fn scope_words(&self) -> impl Iterator<Item = &str> {
        self.scopes.iter().filter_map(|s| s.as_deref())
    }
}

/// What the auth extractor needs of a client on every request: its technical user, whether both are active, and
/// its token version.
#[derive(Debug, Queryable)]
pub struct ClientAuthRow {
    pub user_id: Uuid,
    pub is_active: bool,
    pub token_version: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = clients)]
pub struct NewClientRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub scopes: Vec<String>,
    pub secret_hash: Vec<u8>,
    pub created_by: Option<Uuid>,
}

/// A partial update; `None` leaves a column as it is, `Some(None)` clears a nullable one.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = clients)]
pub struct ClientChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub scopes: Option<Vec<String>>,
    pub is_active: Option<bool>,
    pub secret_hash: Option<Vec<u8>>,
    pub secret_rotated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
pub struct ClientFilter {
    pub is_active: Option<bool>,
    pub q: Option<String>,
}

/// Inserts the technical user of a new client: an administrator without a usable password (the stored value is
/// not a PHC string, so no password verifies against it), marked `service_account`.
pub fn insert_service_user(conn: &mut PgConnection, id: Uuid, username: &str) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values((
            users::id.eq(id),
            users::username.eq(username),
            users::password_hash.eq("!service-account"),
            users::role.eq(Role::Admin),
            users::display_name.eq("Service account"),
            users::service_account.eq(true),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Keeps the technical user's active flag in step with its client.
pub fn set_service_user_active(
    conn: &mut PgConnection,
    user_id: Uuid,
    active: bool,
) -> QueryResult<usize> {
    diesel::update(
        users::table
            .filter(users::id.eq(user_id))
            .filter(users::service_account.eq(true)),
    )
    .set((
        users::is_active.eq(active),
        users::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
}

pub fn insert(conn: &mut PgConnection, row: &NewClientRow) -> QueryResult<ClientRow> {
    diesel::insert_into(clients::table)
        .values(row)
        .returning(ClientRow::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ClientRow>> {
    clients::table
        .find(id)
        .select(ClientRow::as_select())
        .first(conn)
        .optional()
}

/// The client and its technical user, both active, by client id: one indexed join.
pub fn find_auth(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ClientAuthRow>> {
    clients::table
        .inner_join(users::table.on(users::id.eq(clients::user_id)))
        .filter(clients::id.eq(id))
        .select((
            clients::user_id,
            clients::is_active.and(users::is_active),
            clients::token_version,
        ))
        .first(conn)
        .optional()
}

/// Applies `changes` when the row's version is `expected_version` (if given), bumping `version` and, when
/// `revoke_tokens`, `token_version`. `None` when no row matched (absent, or a stale version).
pub fn update(
    conn: &mut PgConnection,
    id: Uuid,
    expected_version: Option<i32>,
    changes: &ClientChanges,
    revoke_tokens: bool,
) -> QueryResult<Option<ClientRow>> {
    let bump = i32::from(revoke_tokens);
    let mut query = diesel::update(clients::table)
        .filter(clients::id.eq(id))
        .into_boxed();
    if let Some(v) = expected_version {
        query = query.filter(clients::version.eq(v));
    }
    query
        .set((
            changes,
            clients::version.eq(clients::version + 1),
            clients::token_version.eq(clients::token_version + bump),
            clients::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ClientRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Records that the client obtained a token (not a change of the resource: `version` stays).
pub fn touch_last_token(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::update(clients::table.find(id))
        .set(clients::last_token_at.eq(diesel::dsl::now))
        .execute(conn)
}

fn filtered<'a>(filter: &'a ClientFilter) -> clients::BoxedQuery<'a, diesel::pg::Pg> {
    let mut query = clients::table.into_boxed();
    if let Some(active) = filter.is_active {
        query = query.filter(clients::is_active.eq(active));
    }
    if let Some(q) = &filter.q {
        let pattern = super::like_pattern(q);
        query = query.filter(
            clients::name
                .ilike(pattern.clone())
                .or(clients::description.ilike(pattern)),
        );
    }
    query
}

pub fn list(
    conn: &mut PgConnection,
    request: &ListRequest<ClientFilter, ClientSort>,
) -> QueryResult<(Vec<ClientRow>, i64)> {
    let filter = &request.filter;
    let total = filtered(filter).count().get_result(conn)?;
    let query = filtered(filter).select(ClientRow::as_select());
    let query = match request.sort {
        ClientSort::Name => query.order((clients::name.asc(), clients::id.asc())),
        ClientSort::NameDesc => query.order((clients::name.desc(), clients::id.desc())),
        ClientSort::CreatedAt => query.order((clients::created_at.asc(), clients::id.asc())),
        ClientSort::CreatedAtDesc => query.order((clients::created_at.desc(), clients::id.desc())),
    };
    let rows = query
        .limit(request.page.limit)
        .offset(request.page.offset)
        .load(conn)?;
    Ok((rows, total))
}
