//! attendance: business rules (being built).
