//! Tests of programs (being built).
