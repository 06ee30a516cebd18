//! Event snapshots: the report and the results of an event are served from what the first reader after a change
//! computed and stored, so that reading them costs a lookup, not an aggregation over every attendance record,
//! score and answer of the event. Triggers mark an event's snapshots stale on every change to what they show
//! (migration `000011_event_snapshots`); a refresh waits for the writes in flight on the event, computes on a
//! snapshot taken after them, and stores its figures only if no write marked them stale meanwhile; otherwise it
//! answers with the figures it computed without storing them.

use diesel::Connection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::error::ApiError;
use crate::repo::results::{self as results_repo, ResultFilter, ResultRow};
use crate::repo::snapshots::{self as repo, Refresh};

pub use crate::repo::snapshots::Kind;

/// How a read of a snapshot went.
#[derive(Debug, Clone, Copy)]
pub enum ReadOutcome {
    /// Served from the stored snapshot.
    Hit,
    /// Recomputed and stored for the next readers.
    Refreshed,
    /// Recomputed, not stored (writes in flight on the event, or one raced the refresh).
    Unstored,
}

impl ReadOutcome {
    pub const ALL: [ReadOutcome; 3] = [Self::Hit, Self::Refreshed, Self::Unstored];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Refreshed => "refreshed",
            Self::Unstored => "unstored",
        }
    }
}

/// Reads of this process by kind (report, results) and outcome, for `/metrics`.
static READS: [[AtomicU64; 3]; 2] = [
    [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)],
    [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)],
];

fn count(kind: Kind, outcome: ReadOutcome) {
    READS[kind as usize][outcome as usize].fetch_add(1, Ordering::Relaxed);
}

/// How many reads of `kind` snapshots went `outcome` in this process.
pub fn reads(kind: Kind, outcome: ReadOutcome) -> u64 {
    READS[kind as usize][outcome as usize].load(Ordering::Relaxed)
}

/// The body of an event's report: the stored one while valid, else `compute` run on a consistent snapshot of the
/// database (and stored for the next readers when no write raced it).
pub fn report<F>(conn: &mut PgConnection, event_id: Uuid, compute: F) -> Result<Vec<u8>, ApiError>
where
    F: Fn(&mut PgConnection) -> Result<Vec<u8>, ApiError>,
{
    if let Some(body) = repo::valid_report(conn, event_id)? {
        count(Kind::Report, ReadOutcome::Hit);
        return Ok(body);
    }
    if await_refresh(conn, event_id, Kind::Report)?
        && let Some(body) = repo::valid_report(conn, event_id)?
    {
        count(Kind::Report, ReadOutcome::Hit);
        return Ok(body);
    }
    let refresh = begin(conn, event_id, Kind::Report)?;
    let body = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(&compute)?;
    let stored = match refresh {
        Some(refresh) => repo::store_report(conn, event_id, refresh, &body)?,
        None => false,
    };
    count(
        Kind::Report,
        if stored {
            ReadOutcome::Refreshed
        } else {
            ReadOutcome::Unstored
        },
    );
    Ok(body)
}

/// A page of an event's results from the stored lines, refreshing them first when they are not valid; `None` when
/// the refresh could not store them (writes raced it): the caller computes the page itself then.
pub fn results_page(
    conn: &mut PgConnection,
    event_id: Uuid,
    filter: &ResultFilter,
    limit: i64,
    offset: i64,
) -> Result<Option<Vec<ResultRow>>, ApiError> {
    if let Some(rows) = repo::results_page(conn, event_id, filter, limit, offset)? {
        count(Kind::Results, ReadOutcome::Hit);
        return Ok(Some(rows));
    }
    if await_refresh(conn, event_id, Kind::Results)?
        && let Some(rows) = repo::results_page(conn, event_id, filter, limit, offset)?
    {
        count(Kind::Results, ReadOutcome::Hit);
        return Ok(Some(rows));
    }
    if refresh_results(conn, event_id)?
        && let Some(rows) = repo::results_page(conn, event_id, filter, limit, offset)?
    {
        count(Kind::Results, ReadOutcome::Refreshed);
        return Ok(Some(rows));
    }
    count(Kind::Results, ReadOutcome::Unstored);
    Ok(None)
}

/// Refreshes the stored result lines of `event_ids` (events whose lines are not valid), in order, until `budget`
/// is spent: the reads over many events (a unit's or the Kanwil's JP compliance) then read stored lines instead of
/// aggregating attendance, and compute only what is left (`repo::results::figures`). A
/// bounded first read after many changes, fast reads after it; each later read refreshes what is left. Returns how
/// many it stored. An event another reader is refreshing is left to them.
pub fn refresh_results_of(
    conn: &mut PgConnection,
    event_ids: &[Uuid],
    budget: Duration,
) -> Result<usize, ApiError> {
    let started = Instant::now();
    let mut stored = 0;
    for &event_id in event_ids {
        if started.elapsed() >= budget {
            break;
        }
        // another reader's refresh of the same event stores it for both
        if repo::refresh_under_way(conn, event_id, Kind::Results)? {
            continue;
        }
        if refresh_results(conn, event_id)? {
            count(Kind::Results, ReadOutcome::Refreshed);
            stored += 1;
        }
    }
    Ok(stored)
}

/// Computes every officer's result line on a consistent snapshot and stores them; whether it stored.
fn refresh_results(conn: &mut PgConnection, event_id: Uuid) -> Result<bool, ApiError> {
    let Some(refresh) = begin(conn, event_id, Kind::Results)? else {
        return Ok(false);
    };
    let rows = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(|conn| results_repo::all_for_event(conn, event_id))?;
    Ok(conn.transaction(|conn| repo::store_results(conn, event_id, refresh, &rows))?)
}

/// How long a reader waits for another reader's refresh of the same snapshot at most (step 1 gives a refresh two
/// seconds), and how often it looks.
const AWAIT_MAX: Duration = Duration::from_secs(2);
const AWAIT_STEP: Duration = Duration::from_millis(5);

/// Waits while another reader refreshes the event's snapshot of `kind` (so that a crowd arriving after a change
/// costs one computation, not one each); whether there was one to wait for.
fn await_refresh(conn: &mut PgConnection, event_id: Uuid, kind: Kind) -> Result<bool, ApiError> {
    let started = Instant::now();
    let mut waited = false;
    while started.elapsed() < AWAIT_MAX && repo::refresh_under_way(conn, event_id, kind)? {
        waited = true;
        std::thread::sleep(AWAIT_STEP);
    }
    Ok(waited)
}

fn begin(conn: &mut PgConnection, event_id: Uuid, kind: Kind) -> Result<Option<Refresh>, ApiError> {
    Ok(conn.transaction(|conn| repo::begin_refresh(conn, event_id, kind))?)
}
