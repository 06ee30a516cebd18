//! Business rules and transactions. Functions take `&mut PgConnection` and return `ApiError`s; the few that also
//! need CPU-heavy work (password hashing) are async and keep that work off the database connection.

pub mod access;
pub mod attendance;
pub mod auth;
pub mod demo;
pub mod enrollments;
pub mod events;
pub mod imports;
pub mod participants;
pub mod programs;
pub mod sessions;
pub mod units;
pub mod users;
