//! Business rules and transactions. Functions take `&mut PgConnection` and return `ApiError`s; the few that also
//! need CPU-heavy work (password hashing) are async and keep that work off the database connection.

pub mod auth;
pub mod demo;
pub mod users;
