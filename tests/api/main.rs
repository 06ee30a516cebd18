//! Black-box tests: the real application on 127.0.0.1:0, a real PostgreSQL, real HTTP.
//! One test binary (faster to build); each test gets its own database cloned from a migrated template.

// Test code may unwrap: a failed unwrap is a failed test with its cause.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod cli;
mod errors;
mod health;
mod helpers;
mod openapi;
mod schema_check;
mod users;
