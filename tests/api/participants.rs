//! Tests of participants (being built).
