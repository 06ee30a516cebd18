//! The `audit_log` table: one row per audited write, inserted in the transaction of the change.

use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

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

/// One field's change, for `changes`.
pub fn change(old: impl Into<Value>, new: impl Into<Value>) -> Value {
    serde_json::json!({ "old": old.into(), "new": new.into() })
}
