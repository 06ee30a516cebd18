//! Tests of units (being built).
