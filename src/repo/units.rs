//! The `units` table (being built).
