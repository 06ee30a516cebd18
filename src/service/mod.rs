//! Business rules, authorization and transactions.
//!
//! The boundary every handler crosses is the same: a handler parses its request into domain values, wraps the body
//! it parsed in an [`Input`], and awaits one service function with the caller (`&AuthUser`) and the pool. The service
//! decides whether the caller may act (and gets a [`Permit`] for it), only then opens the input (so an unauthorized
//! caller gets 403 and learns nothing about the validity of its body), picks its connection (`db::read` for reads,
//! `db::run` for writes, which hands the actor to the audit triggers), opens its transaction, and returns view types
//! of its own, never repository rows. Sync functions taking `&mut PgConnection` remain for callers that already hold
//! a connection (the CLI, the demo seed, other services inside one transaction).

pub mod access;
pub mod attendance;
pub mod attendance_sheet;
pub mod audit_log;
pub mod auth;
pub mod calendar;
pub mod certificate_bundle;
pub mod certificates;
pub mod changes;
pub mod clients;
pub mod competency_records;
pub mod compliance;
pub mod credentials;
pub mod demo;
pub mod enrollment_bulk;
pub mod enrollments;
pub mod events;
pub mod exports;
pub mod health;
pub mod imports;
pub mod instruments;
pub mod letterhead;
pub mod lookups;
pub mod participant_accounts;
pub mod participants;
pub mod programs;
pub mod qualifications;
pub mod reports;
pub mod responses;
pub mod results;
pub mod retention;
pub mod riwayat_kursus;
pub mod scores;
pub mod sessions;
pub mod signatory;
pub mod snapshots;
pub mod stored_answers;
pub mod subject_export;
pub mod throttle;
pub mod trainings;
pub mod units;
pub mod users;
pub mod webhooks;

use std::sync::{Mutex, OnceLock};

use crate::auth::AuthUser;
use crate::domain::role::Role;
use crate::error::ApiError;

/// The pool services take their connections from.
pub use crate::db::DbPool;

/// Requests waiting for a pooled connection right now (for `/metrics`).
pub fn pool_waiting() -> u64 {
    crate::db::waiting()
}

/// Proof that the caller passed the authorization check of the operation being served. Only the services make one
/// (through [`allow`] or [`Permit::granted`] after a check of their own), and only with one can an [`Input`] be
/// opened.
#[derive(Debug)]
#[must_use = "a permit opens the input of the operation it was granted for"]
pub struct Permit(());

impl Permit {
    /// After a check the service made itself (ownership, the unit of an operator, the organizer of an event).
    pub(crate) fn granted() -> Self {
        Permit(())
    }
}

/// The caller's role is one of `roles` (403 otherwise).
pub(crate) fn allow(user: &AuthUser, roles: &[Role]) -> Result<Permit, ApiError> {
    user.require(roles).map(|()| Permit::granted())
}

/// The input of a request as the handler parsed it, valid or not. The service opens it with the [`Permit`] of its
/// authorization check: 403 comes before 422, with one mechanism for every operation.
#[derive(Debug)]
#[must_use = "the service must open the input after authorizing the caller"]
pub struct Input<T>(Result<T, ApiError>);

impl<T> Input<T> {
    /// The parsed input, or the error of parsing it, once the caller is authorized.
    pub fn open(self, _permit: &Permit) -> Result<T, ApiError> {
        self.0
    }
}

impl<T> From<Result<T, ApiError>> for Input<T> {
    fn from(parsed: Result<T, ApiError>) -> Self {
        Input(parsed)
    }
}

/// The input of a read, opened once: `db::read` may run its closure a second time (on a fresh connection after
/// a lost one), and the second run gets the value the first one opened.
pub struct ReadInput<T> {
    input: Mutex<Option<Input<T>>>,
    opened: OnceLock<T>,
}

impl<T: Clone> ReadInput<T> {
    pub fn new(input: Input<T>) -> Self {
        Self {
            input: Mutex::new(Some(input)),
            opened: OnceLock::new(),
        }
    }

    /// The parsed input, or the error of parsing it, once the caller is authorized.
    pub fn open(&self, permit: &Permit) -> Result<T, ApiError> {
        if let Some(value) = self.opened.get() {
            return Ok(value.clone());
        }
        let input = self
            .input
            .lock()
            .map_err(|_| ApiError::internal_msg("input lock poisoned"))?
            .take()
            .ok_or_else(|| ApiError::internal_msg("input refused before"))?;
        let value = input.open(permit)?;
        Ok(self.opened.get_or_init(|| value).clone())
    }
}
