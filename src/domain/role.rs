//! The roles of user accounts.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The role of a user account (Indonesian: `admin` Kanwil staff, `organizer` penyelenggara, `unit_operator`
/// operator UPT, `facilitator` narasumber/fasilitator, `participant` peserta).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Organizer,
    UnitOperator,
    Facilitator,
    Participant,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Organizer,
        Role::UnitOperator,
        Role::Facilitator,
        Role::Participant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Organizer => "organizer",
            Role::UnitOperator => "unit_operator",
            Role::Facilitator => "facilitator",
            Role::Participant => "participant",
        }
    }

    /// Parses the stored form; `None` for anything else.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::domain::enums::text_column!(Role);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_stored_form() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
