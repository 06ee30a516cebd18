//! participants: business rules (being built).
