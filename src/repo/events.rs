//! The `events` table (being built).
