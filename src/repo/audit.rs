//! The `audit_log` table: one row per audited write, inserted in the transaction of the change (by the
//! `track_row` trigger of migrations 000008 and 000015, or with [`record`] for tables without a trigger), and the
//! access events buffered by `service::audit_log`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::page::ListRequest;
use crate::schema::audit_log;

/// An entry to record. `changes` is `{"field": {"old": .., "new": ..}}` (see [`change`]).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditEntry {
    pub actor_user_id: Option<Uuid>,
    pub actor_client_id: Option<Uuid>,
    pub actor_role: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
    /// Every officer an access event's answer showed (migration 000015); empty for writes.
    pub participant_ids: Vec<Uuid>,
    pub changes: Value,
    pub request_id: Option<String>,
}

/// Writes entries in one statement.
pub fn record(conn: &mut PgConnection, entries: &[NewAuditEntry]) -> QueryResult<usize> {
    if entries.is_empty() {
        return Ok(0);
    }
    diesel::insert_into(audit_log::table)
        .values(entries)
        .execute(conn)
}

/// Runs `write` with `detail` (a JSON object) merged by the `track_row` trigger into the `changes` of every entry
/// the write makes (setting `bimtek.audit_detail`, transaction-local, migration 000015), then clears it, so the
/// trigger's entry is the one entry of the change and carries what only the service knows.
pub fn with_detail<T>(
    conn: &mut PgConnection,
    detail: &Value,
    write: impl FnOnce(&mut PgConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    set_detail(conn, &detail.to_string())?;
    // A failed write aborts the transaction, which takes the setting with it: its own error is the one to return.
    let written = write(conn)?;
    set_detail(conn, "")?;
    Ok(written)
}

fn set_detail(conn: &mut PgConnection, detail: &str) -> QueryResult<()> {
    diesel::sql_query("SELECT set_config('bimtek.audit_detail', $1, true)")
        .bind::<diesel::sql_types::Text, _>(detail)
        .execute(conn)
        .map(|_| ())
}

/// One field's change, for `changes`.
pub fn change(old: impl Into<Value>, new: impl Into<Value>) -> Value {
    serde_json::json!({ "old": old.into(), "new": new.into() })
}

/// An entry as read back.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log, check_for_backend(diesel::pg::Pg))]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    pub actor_client_id: Option<Uuid>,
    pub actor_role: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
    /// A PostgreSQL array (elements nullable to diesel); never holds a null.
    pub participant_ids: Vec<Option<Uuid>>,
    pub changes: Value,
    pub request_id: Option<String>,
}

/// The filters of the audit-log list; every one optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub resource_type: Option<String>,
    pub resource_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
    pub actor_client_id: Option<Uuid>,
    pub action: Option<String>,
    /// `at >= from`
    pub from: Option<DateTime<Utc>>,
    /// `at < to`
    pub to: Option<DateTime<Utc>>,
    /// Keyset paging: only entries older than this id.
    pub before: Option<i64>,
}

fn filtered(filter: &AuditFilter) -> audit_log::BoxedQuery<'_, diesel::pg::Pg> {
    let mut query = audit_log::table.into_boxed();
    if let Some(v) = &filter.resource_type {
        query = query.filter(audit_log::resource_type.eq(v));
    }
    if let Some(v) = filter.resource_id {
        query = query.filter(audit_log::resource_id.eq(v));
    }
    if let Some(v) = filter.participant_id {
        // The `<> '{}'` arm is the predicate of the partial index on `participant_ids` (migration 000015).
        query = query.filter(
            audit_log::participant_id
                .eq(v)
                .or(audit_log::participant_ids
                    .ne(Vec::<Uuid>::new())
                    .and(audit_log::participant_ids.contains(vec![v]))),
        );
    }
    if let Some(v) = filter.actor_user_id {
        query = query.filter(audit_log::actor_user_id.eq(v));
    }
    if let Some(v) = filter.actor_client_id {
        query = query.filter(audit_log::actor_client_id.eq(v));
    }
    if let Some(v) = &filter.action {
        query = query.filter(audit_log::action.eq(v));
    }
    if let Some(v) = filter.from {
        query = query.filter(audit_log::at.ge(v));
    }
    if let Some(v) = filter.to {
        query = query.filter(audit_log::at.lt(v));
    }
    if let Some(v) = filter.before {
        query = query.filter(audit_log::id.lt(v));
    }
    query
}

/// One page, newest first (the log has no other order), and the number of matching entries.
pub fn list(
    conn: &mut PgConnection,
    request: &ListRequest<AuditFilter, ()>,
) -> QueryResult<(Vec<AuditRow>, i64)> {
    let filter = &request.filter;
    let (limit, offset) = (request.page.limit, request.page.offset);
    let total_expr = filtered(filter).count().single_value();
    let rows: Vec<(AuditRow, Option<i64>)> = filtered(filter)
        .select((AuditRow::as_select(), total_expr))
        .order(audit_log::id.desc())
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    let total = match rows.first() {
        Some((_, total)) => total.unwrap_or(0),
        None if offset > 0 => filtered(filter).count().get_result(conn)?,
        None => 0,
    };
    Ok((rows.into_iter().map(|(row, _)| row).collect(), total))
}

/// Removes the personal values from every entry about an officer (their erasure): the values of the personal
/// columns become `"[erased]"` (SQL function `audit_scrub`, migration 000008). Returns the entries touched.
pub fn scrub_participant(conn: &mut PgConnection, participant_id: Uuid) -> QueryResult<usize> {
    diesel::update(audit_log::table.filter(audit_log::participant_id.eq(participant_id)))
        .set(audit_log::changes.eq(audit_scrub(audit_log::changes)))
        .execute(conn)
}

diesel::define_sql_function! {
    /// `audit_scrub(changes)`: the changes with the personal values replaced (migration 000008).
    fn audit_scrub(changes: diesel::sql_types::Jsonb) -> diesel::sql_types::Jsonb;
}
