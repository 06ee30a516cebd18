//! Letterheads (kop surat) of printed documents: a default one (the Kanwil's) and one per host unit that has its
//! own. Administrators set them; administrators and organizers read them. [`for_unit`] says which letterhead a
//! document of a host unit prints: the unit's own, else the default, else the built-in Kanwil lines.
//!
//! `letterheads` has no trigger: this module writes the audit entry (`letterhead.set`, with the lines and the
//! logo's type, size and SHA-256, never its bytes) in the transaction of the change.

use diesel::Connection;
use diesel::pg::PgConnection;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::documents::image::{self, ImageKind};
use crate::documents::{self, letterhead};
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use crate::repo::audit::{self, NewAuditEntry};
use crate::repo::letterheads::{self as repo, LetterheadRow, LetterheadValues};
use crate::repo::units;
use crate::service::{DbPool, Input, Permit, allow};

/// The longest line, in characters.
pub const LINE_MAX: usize = 150;
/// At most this many heading lines and contact lines.
pub const HEADING_MAX: usize = 5;
pub const CONTACT_MAX: usize = 4;
/// The largest logo, in bytes (it travels base64-encoded in a JSON body of at most `MAX_BODY_BYTES`, 64 KiB by
/// default).
pub const LOGO_MAX_BYTES: usize = 40 * 1024;

/// Whose letterhead: the default or a unit's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Default,
    Unit(Uuid),
}

impl Scope {
    fn unit(self) -> Option<Uuid> {
        match self {
            Scope::Default => None,
            Scope::Unit(id) => Some(id),
        }
    }
}

/// Where a letterhead comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The unit's own.
    Unit,
    /// The default (the Kanwil's), set by an administrator.
    Default,
    /// None is stored: the built-in lines.
    Builtin,
}

/// A checked logo: its bytes and what they are (by their magic bytes).
#[derive(Debug, Clone)]
pub struct Logo {
    pub kind: ImageKind,
    pub bytes: Vec<u8>,
}

/// A checked letterhead to store.
#[derive(Debug, Clone)]
pub struct NewLetterhead {
    pub heading: Vec<String>,
    pub contact: Vec<String>,
    pub logo: Option<Logo>,
}

/// A letterhead as the service shows it.
#[derive(Debug, Clone)]
pub struct Letterhead {
    /// The unit whose letterhead this is (`None`: the default).
    pub unit_id: Option<Uuid>,
    pub source: Source,
    pub heading: Vec<String>,
    pub contact: Vec<String>,
    pub logo: Option<Logo>,
    /// 0 for the built-in letterhead, which is not stored.
    pub version: i32,
}

impl Letterhead {
    fn from_row(row: LetterheadRow, source: Source) -> Self {
        let logo = match (
            row.logo,
            row.logo_type.as_deref().and_then(ImageKind::from_mime),
        ) {
            (Some(bytes), Some(kind)) => Some(Logo { kind, bytes }),
            _ => None,
        };
        Self {
            unit_id: row.unit_id,
            source,
            heading: row.heading.into_iter().flatten().collect(),
            contact: row.contact.into_iter().flatten().collect(),
            logo,
            version: row.version,
        }
    }

    fn builtin(unit_id: Option<Uuid>) -> Self {
        let builtin = letterhead::builtin();
        Self {
            unit_id,
            source: Source::Builtin,
            heading: builtin.heading,
            contact: builtin.contact,
            logo: None,
            version: 0,
        }
    }

    /// The letterhead as a document draws it (the logo decoded).
    pub fn drawable(&self) -> Result<documents::Letterhead, ApiError> {
        let logo = match &self.logo {
            Some(logo) => Some(image::decode(&logo.bytes).map_err(|_| {
                ApiError::internal_msg("a stored letterhead logo cannot be decoded")
            })?),
            None => None,
        };
        Ok(documents::Letterhead {
            heading: self.heading.clone(),
            contact: self.contact.clone(),
            logo,
        })
    }
}

/// Checks the lines and the logo of a letterhead; every offending field is named.
pub fn check(
    heading: Vec<String>,
    contact: Vec<String>,
    logo: Option<Vec<u8>>,
) -> Result<NewLetterhead, ApiError> {
    let mut errors = Vec::new();
    let mut lines = |field: &str, lines: Vec<String>, min: usize, max: usize| -> Vec<String> {
        if lines.len() < min || lines.len() > max {
            errors.push(FieldError::new(
                field,
                "invalid_length",
                format!("must have {min} to {max} lines"),
            ));
        }
        lines
            .into_iter()
            .enumerate()
            .filter_map(|(i, line)| {
                let line = line.trim().to_owned();
                if line.is_empty()
                    || line.chars().count() > LINE_MAX
                    || line.chars().any(char::is_control)
                {
                    errors.push(FieldError::new(
                        format!("{field}[{i}]"),
                        "invalid",
                        format!("must be 1-{LINE_MAX} characters without control characters"),
                    ));
                    None
                } else {
                    Some(line)
                }
            })
            .collect()
    };
    let heading = lines("heading", heading, 1, HEADING_MAX);
    let contact = lines("contact", contact, 0, CONTACT_MAX);
    let logo = match logo {
        None => None,
        Some(bytes) if bytes.len() > LOGO_MAX_BYTES => {
            errors.push(FieldError::new(
                "logo",
                "too_large",
                format!(
                    "is {} bytes; a logo may have at most {LOGO_MAX_BYTES} (scale it to about 300 pixels)",
                    bytes.len()
                ),
            ));
            None
        }
        Some(bytes) => match (ImageKind::sniff(&bytes), image::decode(&bytes)) {
            (Some(kind), Ok(_)) => Some(Logo { kind, bytes }),
            (_, Err(reason)) => {
                errors.push(FieldError::new("logo", "invalid_image", reason));
                None
            }
            (None, Ok(_)) => None,
        },
    };
    if errors.is_empty() {
        Ok(NewLetterhead {
            heading,
            contact,
            logo,
        })
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Administrators and organizers read letterheads (organizers print the documents).
fn authorize_read(user: &AuthUser) -> Result<Permit, ApiError> {
    allow(user, &[Role::Admin, Role::Organizer])
}

/// Administrators set them.
fn authorize_write(user: &AuthUser) -> Result<Permit, ApiError> {
    allow(user, &[Role::Admin])
}

fn unit_exists(conn: &mut PgConnection, scope: Scope) -> Result<(), ApiError> {
    if let Scope::Unit(id) = scope {
        units::find(conn, id)?.ok_or_else(|| ApiError::not_found("Unit"))?;
    }
    Ok(())
}

/// The letterhead a document of `host_unit` prints: the unit's own, else the default, else the built-in one.
/// For services that already hold a connection (the certificate, the attendance list).
pub fn for_unit(conn: &mut PgConnection, host_unit: Uuid) -> Result<Letterhead, ApiError> {
    Ok(match repo::effective(conn, host_unit)? {
        Some(row) => {
            let source = if row.unit_id.is_some() {
                Source::Unit
            } else {
                Source::Default
            };
            Letterhead::from_row(row, source)
        }
        None => Letterhead::builtin(None),
    })
}

/// The letterhead of a scope as stored: for a unit without its own, the one it prints (the default or the
/// built-in one), with `source` saying which.
pub async fn get(pool: &DbPool, user: &AuthUser, scope: Scope) -> Result<Letterhead, ApiError> {
    let _permit = authorize_read(user)?;
    db::read(pool, move |conn| {
        unit_exists(conn, scope)?;
        match scope {
            Scope::Unit(id) => {
                let mut letterhead = for_unit(conn, id)?;
                letterhead.unit_id = Some(id);
                Ok(letterhead)
            }
            Scope::Default => Ok(match repo::find(conn, None, false)? {
                Some(row) => Letterhead::from_row(row, Source::Default),
                None => Letterhead::builtin(None),
            }),
        }
    })
    .await
}

/// Sets (creates or replaces) the letterhead of a scope. Honours `If-Match` (the version of the stored one).
pub async fn set(
    pool: &DbPool,
    user: &AuthUser,
    scope: Scope,
    expected_version: Option<i32>,
    input: Input<NewLetterhead>,
) -> Result<Letterhead, ApiError> {
    let permit = authorize_write(user)?;
    let input = input.open(&permit)?;
    let actor = user.clone();
    let letterhead = db::run(pool, move |conn| {
        unit_exists(conn, scope)?;
        set_in(conn, &actor, scope, expected_version, input)
    })
    .await?;
    tracing::info!(unit.id = ?scope.unit(), actor.id = %user.id, "letterhead set");
    Ok(letterhead)
}

/// Stores a letterhead inside the caller's transaction (also the demo seed's).
pub fn set_in(
    conn: &mut PgConnection,
    user: &AuthUser,
    scope: Scope,
    expected_version: Option<i32>,
    input: NewLetterhead,
) -> Result<Letterhead, ApiError> {
    conn.transaction(|conn| {
        let current = repo::find(conn, scope.unit(), true)?;
        if expected_version.is_some_and(|v| Some(v) != current.as_ref().map(|c| c.version)) {
            return Err(ApiError::PreconditionFailed);
        }
        let logo_summary = |logo: &Option<Vec<u8>>, kind: &Option<String>| match logo {
            Some(bytes) => serde_json::json!({
                "type": kind,
                "bytes": bytes.len(),
                "sha256": format!("{:x}", Sha256::digest(bytes)),
            }),
            None => serde_json::Value::Null,
        };
        let values = LetterheadValues {
            heading: input.heading,
            contact: input.contact,
            logo_type: input.logo.as_ref().map(|l| l.kind.mime().to_owned()),
            logo: input.logo.map(|l| l.bytes),
        };
        let old = current.as_ref().map(|c| {
            (
                serde_json::json!(c.heading),
                serde_json::json!(c.contact),
                logo_summary(&c.logo, &c.logo_type),
            )
        });
        let row = match &current {
            Some(c) => repo::update(conn, c.id, &values)?,
            None => repo::insert(conn, scope.unit(), &values)?,
        };
        let (old_heading, old_contact, old_logo) = old.unwrap_or_default();
        audit::record(
            conn,
            &[NewAuditEntry {
                actor_user_id: Some(user.id),
                actor_client_id: None,
                actor_role: Some(user.role.as_str().to_owned()),
                action: "letterhead.set".to_owned(),
                resource_type: "letterhead".to_owned(),
                resource_id: Some(row.id),
                participant_id: None,
                changes: serde_json::json!({
                    "unit_id": audit::change(serde_json::Value::Null, serde_json::json!(row.unit_id)),
                    "heading": audit::change(old_heading, serde_json::json!(values.heading)),
                    "contact": audit::change(old_contact, serde_json::json!(values.contact)),
                    "logo": audit::change(old_logo, logo_summary(&values.logo, &values.logo_type)),
                }),
                request_id: crate::context::current().and_then(|c| c.request_id),
            }],
        )?;
        let source = if row.unit_id.is_some() {
            Source::Unit
        } else {
            Source::Default
        };
        Ok(Letterhead::from_row(row, source))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_logos_are_checked_field_by_field() {
        let ok = check(vec!["KEMENTERIAN".into()], vec![], None).unwrap();
        assert_eq!(ok.heading, vec!["KEMENTERIAN"]);
        let err = check(
            vec![],
            vec![
                "x".repeat(LINE_MAX + 1),
                "a".into(),
                "b".into(),
                "c".into(),
                "d".into(),
            ],
            Some(b"GIF89a....".to_vec()),
        )
        .unwrap_err();
        let fields: Vec<String> = match err {
            ApiError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("{other:?}"),
        };
        for field in ["heading", "contact", "contact[0]", "logo"] {
            assert!(fields.iter().any(|f| f == field), "{field} in {fields:?}");
        }
        let big = check(vec!["A".into()], vec![], Some(vec![0; LOGO_MAX_BYTES + 1]));
        assert!(big.is_err());
    }
}
