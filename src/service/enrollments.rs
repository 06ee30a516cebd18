//! enrollments: business rules (being built).
