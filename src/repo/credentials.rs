//! The credentials' storage (migration 000021): the issuer's signing keys, the status lists and each certificate's
//! credential (its opaque subject id, the salt of its NIP hash, its place in a status list). No trigger.

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::Text;
use uuid::Uuid;

use crate::schema::{
    certificate_credentials, certificates, events, participants, signing_keys, status_lists, units,
};

/// A stored signing key.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signing_keys)]
pub struct KeyRow {
    pub kid: String,
    pub alg: String,
    pub public_jwk: serde_json::Value,
    pub private_ciphertext: Vec<u8>,
    pub private_nonce: Vec<u8>,
    pub secret_key_id: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = signing_keys)]
pub struct NewKey<'a> {
    pub kid: &'a str,
    pub alg: &'a str,
    pub public_jwk: &'a serde_json::Value,
    pub private_ciphertext: &'a [u8],
    pub private_nonce: &'a [u8],
    pub secret_key_id: &'a str,
}

pub fn insert_key(conn: &mut PgConnection, key: &NewKey<'_>) -> QueryResult<()> {
    diesel::insert_into(signing_keys::table)
        .values(key)
        .execute(conn)
        .map(drop)
}

/// Every key, current and retired, oldest first: the published key set.
pub fn keys(conn: &mut PgConnection) -> QueryResult<Vec<KeyRow>> {
    signing_keys::table
        .order((signing_keys::created_at.asc(), signing_keys::kid.asc()))
        .select(KeyRow::as_select())
        .load(conn)
}

/// The key of `alg` that signs now.
pub fn current_key(conn: &mut PgConnection, alg: &str) -> QueryResult<Option<KeyRow>> {
    signing_keys::table
        .filter(signing_keys::alg.eq(alg))
        .filter(signing_keys::retired_at.is_null())
        .select(KeyRow::as_select())
        .first(conn)
        .optional()
}

/// One key by its id.
pub fn key(conn: &mut PgConnection, kid: &str) -> QueryResult<Option<KeyRow>> {
    signing_keys::table
        .find(kid)
        .select(KeyRow::as_select())
        .first(conn)
        .optional()
}

/// Retires every current key; returns how many.
pub fn retire_current(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::update(signing_keys::table.filter(signing_keys::retired_at.is_null()))
        .set(signing_keys::retired_at.eq(diesel::dsl::now))
        .execute(conn)
}

/// Serialises the choice of status-list indexes of one issuing unit until the transaction ends.
pub fn lock_unit_lists(conn: &mut PgConnection, unit_id: Uuid) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 16))")
        .bind::<Text, _>(unit_id.to_string())
        .execute(conn)
        .map(drop)
}

/// A status list.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = status_lists)]
pub struct ListRow {
    pub n: i32,
    pub unit_id: Uuid,
    pub size: i32,
    pub created_at: DateTime<Utc>,
}

/// The newest list of a unit and how many of its indexes are taken.
pub fn newest_list(conn: &mut PgConnection, unit_id: Uuid) -> QueryResult<Option<(ListRow, i64)>> {
    let Some(list) = status_lists::table
        .filter(status_lists::unit_id.eq(unit_id))
        .order(status_lists::n.desc())
        .select(ListRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let used = certificate_credentials::table
        .filter(certificate_credentials::status_list.eq(list.n))
        .select(count_star())
        .get_result::<i64>(conn)?;
    Ok(Some((list, used)))
}

pub fn create_list(conn: &mut PgConnection, unit_id: Uuid) -> QueryResult<ListRow> {
    diesel::insert_into(status_lists::table)
        .values(status_lists::unit_id.eq(unit_id))
        .returning(ListRow::as_returning())
        .get_result(conn)
}

/// The taken indexes of a list.
pub fn used_indexes(conn: &mut PgConnection, n: i32) -> QueryResult<Vec<i32>> {
    certificate_credentials::table
        .filter(certificate_credentials::status_list.eq(n))
        .select(certificate_credentials::status_index)
        .load(conn)
}

pub fn list(conn: &mut PgConnection, n: i32) -> QueryResult<Option<(ListRow, String)>> {
    status_lists::table
        .inner_join(units::table)
        .filter(status_lists::n.eq(n))
        .select((ListRow::as_select(), units::code))
        .first(conn)
        .optional()
}

/// The indexes of a list whose bit is 1 (the certificate is revoked, or its holder's data was erased), and the
/// time of the latest such change (`None` when no bit is set).
pub fn set_bits(conn: &mut PgConnection, n: i32) -> QueryResult<(Vec<i32>, Option<DateTime<Utc>>)> {
    type SetBit = (i32, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let rows: Vec<SetBit> = certificate_credentials::table
        .inner_join(certificates::table.inner_join(participants::table))
        .filter(certificate_credentials::status_list.eq(n))
        .filter(
            certificates::revoked_at
                .is_not_null()
                .or(participants::erased_at.is_not_null()),
        )
        .select((
            certificate_credentials::status_index,
            certificates::revoked_at,
            participants::erased_at,
        ))
        .load(conn)?;
    let changed = rows
        .iter()
        .flat_map(|(_, revoked, erased)| [*revoked, *erased])
        .flatten()
        .max();
    Ok((rows.into_iter().map(|(i, _, _)| i).collect(), changed))
}

#[derive(Debug, Insertable)]
#[diesel(table_name = certificate_credentials)]
pub struct NewCredential {
    pub certificate_id: Uuid,
    pub subject_id: Uuid,
    pub identity_salt: String,
    pub status_list: i32,
    pub status_index: i32,
}

pub fn insert_credentials(conn: &mut PgConnection, rows: &[NewCredential]) -> QueryResult<usize> {
    // 5 parameters a row: well below PostgreSQL's 65,535 per statement in chunks of 5,000.
    let mut inserted = 0;
    for chunk in rows.chunks(5000) {
        inserted += diesel::insert_into(certificate_credentials::table)
            .values(chunk)
            .execute(conn)?;
    }
    Ok(inserted)
}

/// The host unit of each of these certificates that has no credential yet.
pub fn without_credential(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<(Uuid, Uuid)>> {
    certificates::table
        .inner_join(events::table)
        .left_join(certificate_credentials::table)
        .filter(certificates::id.eq_any(ids))
        .filter(certificate_credentials::certificate_id.is_null())
        .select((certificates::id, events::host_unit_id))
        .load(conn)
}

/// A certificate's credential row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certificate_credentials)]
pub struct CredentialRow {
    pub certificate_id: Uuid,
    pub subject_id: Uuid,
    pub identity_salt: String,
    pub status_list: i32,
    pub status_index: i32,
}

pub fn credential(
    conn: &mut PgConnection,
    certificate_id: Uuid,
) -> QueryResult<Option<CredentialRow>> {
    certificate_credentials::table
        .find(certificate_id)
        .select(CredentialRow::as_select())
        .first(conn)
        .optional()
}

/// What a credential says of its event beyond the printable certificate: the rule that earned it and its
/// description.
#[derive(Debug, Clone, Queryable)]
pub struct EventRule {
    pub attendance_threshold: i16,
    pub pass_score: i16,
    pub description: Option<String>,
    pub host_unit_code: String,
}

pub fn event_rule(conn: &mut PgConnection, event_id: Uuid) -> QueryResult<EventRule> {
    events::table
        .inner_join(units::table)
        .filter(events::id.eq(event_id))
        .select((
            events::attendance_threshold,
            events::pass_score,
            events::description,
            units::code,
        ))
        .first(conn)
}

/// A unit by its code: its id and name, when it exists and is not archived.
pub fn unit_by_code(conn: &mut PgConnection, code: &str) -> QueryResult<Option<(Uuid, String)>> {
    units::table
        .filter(units::code.eq(code))
        .filter(units::archived_at.is_null())
        .select((units::id, units::name))
        .first(conn)
        .optional()
}
