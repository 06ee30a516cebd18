//! The `attendance` table (being built).
