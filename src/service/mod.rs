//! Business rules and transactions. Functions take `&mut PgConnection` and return `ApiError`s; the few that also
//! need CPU-heavy work (password hashing) are async and keep that work off the database connection.

pub mod access;
pub mod attendance;
pub mod audit_log;
pub mod auth;
pub mod certificates;
pub mod changes;
pub mod clients;
pub mod demo;
pub mod enrollments;
pub mod events;
pub mod exports;
pub mod imports;
pub mod instruments;
pub mod participants;
pub mod programs;
pub mod reports;
pub mod responses;
pub mod results;
pub mod scores;
pub mod sessions;
pub mod snapshots;
pub mod throttle;
pub mod units;
pub mod users;
pub mod webhooks;
