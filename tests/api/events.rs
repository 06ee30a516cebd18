//! Tests of events (being built).
