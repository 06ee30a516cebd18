//! Tests of attendance (being built).
