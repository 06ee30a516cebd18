//! The `participants` table (being built).
