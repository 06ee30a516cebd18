//! bimtek-api: the REST service for the technical-guidance trainings (Bimtek) of a regional corrections office.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod context;
pub mod credentials;
pub mod db;
pub mod documents;
pub mod domain;
pub mod error;
pub mod idempotency;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod ratelimit;
pub mod repo;
pub mod schema;
pub mod service;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod webhooks;
pub mod xlsx;
