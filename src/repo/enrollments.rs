//! The `enrollments` table (being built).
