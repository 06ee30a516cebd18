//! The `programs` table (being built).
