//! The audit log: reading it (administrators), removing an erased officer's values from it, and access events.
//! A page of the log that shows NIPs (the entries of their writes) is itself an access event naming the officers.
//!
//! Writes are audited by database triggers (migration 000008) in the transaction of the change. Reads of
//! personal data (a full NIP, an export) are *access events*: recording them with a synchronous insert would
//! slow every such `GET` down, so they are buffered in memory and written by a background task in one
//! multi-row insert every second, or as soon as 500 are waiting. An instance that dies loses at most the last
//! second of access events (never a write's entry).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::context::{self, PendingAccess};
use crate::db::DbPool;
use crate::domain::page::{ListRequest, Page};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo::audit::{self as repo, AuditRow, NewAuditEntry};
use crate::service::{Input, allow};

pub use crate::repo::audit::AuditFilter;

/// How often buffered access events are written.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// Written at once when this many access events wait.
pub const FLUSH_BATCH: usize = 500;
/// Beyond this many waiting events (the database is down), new ones are dropped with a warning.
const MAX_PENDING: usize = 100_000;
/// Rows per insert statement (PostgreSQL allows 65,535 parameters; an entry takes 9).
const ROWS_PER_INSERT: usize = 1_000;

pub use crate::context::AccessEvent;

/// The in-memory buffer of one application's access events.
#[derive(Default)]
pub struct AccessLog {
    pending: Mutex<Vec<NewAuditEntry>>,
    wake: tokio::sync::Notify,
}

impl AccessLog {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn push(&self, entry: NewAuditEntry) {
        let Ok(mut pending) = self.pending.lock() else {
            return;
        };
        if pending.len() >= MAX_PENDING {
            tracing::warn!("access-event buffer full: an access event was dropped");
            return;
        }
        pending.push(entry);
        if pending.len() >= FLUSH_BATCH {
            self.wake.notify_one();
        }
    }

    fn take(&self) -> Vec<NewAuditEntry> {
        self.pending
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default()
    }

    /// Puts entries that could not be written back in front of the newer ones.
    fn put_back(&self, mut entries: Vec<NewAuditEntry>) {
        if let Ok(mut pending) = self.pending.lock() {
            entries.append(&mut pending);
            entries.truncate(MAX_PENDING);
            *pending = entries;
        }
    }

    /// Queues the access events of one request (the `request_id` middleware calls this after the handler).
    pub fn record(&self, request_id: Option<&str>, events: Vec<PendingAccess>) {
        for PendingAccess { event, actor } in events {
            let actor = actor.unwrap_or_default();
            self.push(NewAuditEntry {
                actor_user_id: actor.user_id,
                actor_client_id: actor.client_id,
                actor_role: actor.role.map(|r| r.as_str().to_owned()),
                action: event.action,
                resource_type: event.resource_type,
                resource_id: event.resource_id,
                participant_id: event.participant_id,
                participant_ids: event.participant_ids,
                changes: event.detail,
                request_id: request_id.map(str::to_owned),
            });
        }
    }

    /// How many events wait.
    pub fn pending(&self) -> usize {
        self.pending.lock().map(|p| p.len()).unwrap_or(0)
    }

    /// Writes what waits, in multi-row inserts; on failure the entries are kept for the next try.
    pub async fn flush(&self, pool: &DbPool) {
        let entries = self.take();
        if entries.is_empty() {
            return;
        }
        let pool = pool.clone();
        let written = tokio::task::spawn_blocking(move || {
            let result = pool
                .get()
                .map_err(ApiError::from)
                .and_then(|mut conn| write_entries(&mut conn, &entries));
            (result, entries)
        })
        .await;
        match written {
            Ok((Ok(()), _)) => {}
            Ok((Err(error), entries)) => {
                tracing::warn!(access_events = entries.len(), error = %error, "access events not written yet");
                self.put_back(entries);
            }
            Err(_) => tracing::error!("the access-event writer panicked"),
        }
    }

    /// The background task: flushes every [`FLUSH_INTERVAL`], or when [`FLUSH_BATCH`] events wait.
    pub async fn run_flusher(self: Arc<Self>, pool: DbPool) {
        loop {
            // Either the interval passes or a full batch wakes the task early.
            let _woken_early = tokio::time::timeout(FLUSH_INTERVAL, self.wake.notified())
                .await
                .is_ok();
            self.flush(&pool).await;
        }
    }
}

fn write_entries(conn: &mut PgConnection, entries: &[NewAuditEntry]) -> Result<(), ApiError> {
    for chunk in entries.chunks(ROWS_PER_INSERT) {
        repo::record(conn, chunk)?;
    }
    Ok(())
}

/// Records an access event of the current request: handed to the access log after the handler, written within a
/// second by a background task. Callable from async handlers and from service code inside `db::run`/`db::read`.
/// Outside a request there is no actor: the event is not recorded (returns `false`).
pub fn access(event: AccessEvent) -> bool {
    context::record_access(event)
}

/// One entry of the audit log as the service shows it.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_user_id: Option<Uuid>,
    pub actor_client_id: Option<Uuid>,
    /// The role the actor had at the time, as recorded (free text: entries outlive the vocabulary).
    pub actor_role: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
    /// The officers an access event's answer showed.
    pub participant_ids: Vec<Uuid>,
    pub changes: serde_json::Value,
    pub request_id: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> Self {
        Self {
            id: row.id,
            at: row.at,
            actor_user_id: row.actor_user_id,
            actor_client_id: row.actor_client_id,
            actor_role: row.actor_role,
            action: row.action,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            participant_id: row.participant_id,
            participant_ids: row.participant_ids.into_iter().flatten().collect(),
            changes: row.changes,
            request_id: row.request_id,
        }
    }
}

/// A request for a page of the audit log (newest first: there is no other order).
pub type AuditList = ListRequest<AuditFilter, ()>;

/// A page of the audit log, newest first. Administrators only.
pub async fn list(
    pool: &DbPool,
    user: &AuthUser,
    request: Input<AuditList>,
) -> Result<Page<AuditEntry>, ApiError> {
    let request = request.open(&allow(user, &[Role::Admin])?)?;
    crate::db::read(pool, move |conn| {
        let (rows, total) = repo::list(conn, &request)?;
        let page = Page::new(rows, total, request.page).map(AuditEntry::from);
        // An entry of a NIP's change shows that NIP in full: reading it is an access event too.
        let mut shown: Vec<Uuid> = page
            .items
            .iter()
            .filter(|e| shows_a_nip(&e.changes))
            .filter_map(|e| e.participant_id)
            .collect();
        shown.sort_unstable();
        shown.dedup();
        if !shown.is_empty() {
            access(AccessEvent::nips_read(shown));
        }
        Ok(page)
    })
    .await
}

/// Whether `changes` holds a NIP value (not `"[erased]"`).
fn shows_a_nip(changes: &serde_json::Value) -> bool {
    changes.get("nip").is_some_and(|nip| {
        ["old", "new"].iter().any(|side| {
            nip.get(side)
                .and_then(|v| v.as_str())
                .is_some_and(|v| v != "[erased]")
        })
    })
}

/// Removes an erased officer's personal values from the log. Called inside the erasure's transaction, after
/// the erasing write (whose own entry the trigger already wrote without them).
pub fn scrub_participant(conn: &mut PgConnection, participant_id: Uuid) -> Result<usize, ApiError> {
    Ok(repo::scrub_participant(conn, participant_id)?)
}
