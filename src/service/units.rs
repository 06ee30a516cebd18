//! units: business rules (being built).
