//! Tests of sessions (being built).
