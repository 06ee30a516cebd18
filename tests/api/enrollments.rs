//! Tests of enrollments (being built).
