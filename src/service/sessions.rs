//! sessions: business rules (being built).
