//! The `sessions` table (being built).
