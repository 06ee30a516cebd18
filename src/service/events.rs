//! events: business rules (being built).
