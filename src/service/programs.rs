//! programs: business rules (being built).
