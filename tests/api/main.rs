//! Black-box tests: the real application on 127.0.0.1:0, a real PostgreSQL, real HTTP.
//! One test binary (faster to build); each test gets its own database cloned from a migrated template.

// Test code may unwrap: a failed unwrap is a failed test with its cause.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod attendance;
mod attendance_sheet;
mod audit_log;
mod auth;
mod certificates;
mod changes;
mod cli;
mod client_credentials;
mod clients;
mod concurrency;
mod conditional;
mod cors;
mod data_protection;
mod documents;
mod enrollment_bulk;
mod enrollments;
mod errors;
mod events;
mod exports;
mod health;
mod helpers;
mod idempotency;
mod imports;
mod instruments;
mod lookups;
mod metrics;
mod openapi;
mod outcome_rule;
mod participants;
mod programs;
mod rate_limits;
mod refresh_grace;
mod reports;
mod responses;
mod results;
mod retention;
mod scale_out;
mod schema_check;
mod schemathesis_findings;
mod scores;
mod security;
mod sessions;
mod snapshots;
mod stored_answers;
mod subject_export;
mod units;
mod users;
mod verify_page;
mod webhook_events;
mod webhook_secrets;
mod webhooks;
mod xlsx;
