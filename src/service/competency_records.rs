//! Training records from elsewhere (riwayat pengembangan kompetensi): what an officer did outside this service, with
//! its JP and an optional scan of its certificate. Triggers do part of each write's work (migration 000022): the
//! audit log and the change feed (`track_row`, resource `competency_record`) and the webhooks
//! (`competency_record.created`, `.updated`, `.verified`, `.rejected`, `.deleted`). The scan's bytes live in a table
//! of their own, outside the audit log; the record carries the scan's type, size and digest.
//!
//! Who: the officer, their unit's operator and admins read and enter an officer's records; the operator of the
//! officer's unit (and admins) verify or reject them (with a reason); only verified records count in the JP ledger
//! (`domain::jp::record_counts`). Changing a record puts it back to `pending`; a verified record is not changed
//! (409 `record_verified`): the operator deletes it and a new one is entered. An erasure deletes the records.

use chrono::NaiveDate;
use diesel::Connection;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::enums::RecordStatus;
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use crate::repo::access as access_repo;
use crate::repo::competency_records::{self as repo, RecordFields, RecordRow};
use crate::service::{DbPool, Input, Permit, ReadInput};

/// The largest scan, in bytes (2 MiB).
pub const MAX_SCAN_BYTES: usize = 2 * 1024 * 1024;

/// A record as the service shows it.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: Uuid,
    pub participant_id: Uuid,
    pub title: String,
    pub institution: String,
    pub form: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub jp: i32,
    pub certificate_number: Option<String>,
    pub status: RecordStatus,
    pub rejection_reason: Option<String>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    pub scan_media_type: Option<String>,
    pub scan_bytes: Option<i32>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<RecordRow> for Record {
    fn from(r: RecordRow) -> Self {
        Self {
            id: r.id,
            participant_id: r.participant_id,
            title: r.title,
            institution: r.institution,
            form: r.form,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            jp: r.jp,
            certificate_number: r.certificate_number,
            status: r.status,
            rejection_reason: r.rejection_reason,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            scan_media_type: r.scan_media_type,
            scan_bytes: r.scan_bytes,
            created_by: r.created_by,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The fields of a record, checked field by field by the handler (`domain::text`, the dates, the JP); the form's
/// existence is checked here.
#[derive(Debug, Clone)]
pub struct RecordInput {
    pub title: String,
    pub institution: String,
    pub form: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub jp: i32,
    pub certificate_number: Option<String>,
}

impl RecordInput {
    fn fields(self) -> RecordFields {
        RecordFields {
            title: self.title,
            institution: self.institution,
            form: self.form,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            jp: self.jp,
            certificate_number: self.certificate_number,
        }
    }
}

/// Filters of an officer's list.
#[derive(Debug, Clone, Copy)]
pub struct RecordFilter {
    pub year: Option<i32>,
    pub status: Option<RecordStatus>,
}

/// How the caller stands to an officer's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// The officer themself: reads and enters their own.
    Owner,
    /// Their unit's operator or an admin: also decides.
    Verifier,
}

fn standing(
    conn: &mut diesel::PgConnection,
    user: &AuthUser,
    participant_id: Uuid,
) -> Result<Standing, ApiError> {
    let unit = access_repo::participant_unit(conn, participant_id)?
        .ok_or_else(|| ApiError::not_found("Participant"))?;
    match user.role {
        Role::Admin => Ok(Standing::Verifier),
        Role::UnitOperator if user.unit_id == Some(unit) => Ok(Standing::Verifier),
        Role::Participant if user.participant_id == Some(participant_id) => Ok(Standing::Owner),
        _ => Err(ApiError::forbidden()),
    }
}

/// The record and the caller's standing; a record the caller may not read is 404 (its existence is the officer's).
fn record_for(
    conn: &mut diesel::PgConnection,
    user: &AuthUser,
    id: Uuid,
    lock: bool,
) -> Result<(RecordRow, Standing), ApiError> {
    let not_found = || ApiError::not_found("Competency record");
    let row = if lock {
        repo::find_for_update(conn, id)?
    } else {
        repo::find(conn, id)?
    }
    .ok_or_else(not_found)?;
    match standing(conn, user, row.participant_id) {
        Ok(s) => Ok((row, s)),
        Err(ApiError::Forbidden { .. }) => Err(not_found()),
        Err(e) => Err(e),
    }
}

fn check_form(conn: &mut diesel::PgConnection, form: &str) -> Result<(), ApiError> {
    if repo::form_exists(conn, form)? {
        Ok(())
    } else {
        Err(ApiError::field(
            "form",
            "unknown_reference",
            "is not a form of development (GET /api/v1/development-forms lists them)",
        ))
    }
}

fn verified_conflict() -> ApiError {
    ApiError::conflict(
        "record_verified",
        "A verified record is not changed: its unit's operator deletes it and a new one is entered.",
    )
}

/// The records of an officer, newest first.
pub async fn list(
    pool: &DbPool,
    user: &AuthUser,
    participant_id: Uuid,
    filter: Input<RecordFilter>,
) -> Result<Vec<Record>, ApiError> {
    let user = user.clone();
    let filter = ReadInput::new(filter);
    db::read(pool, move |conn| {
        standing(conn, &user, participant_id)?;
        let filter = filter.open(&Permit::granted())?;
        Ok(
            repo::of_participant(conn, participant_id, filter.year, filter.status)?
                .into_iter()
                .map(Record::from)
                .collect(),
        )
    })
    .await
}

/// One record.
pub async fn get(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<Record, ApiError> {
    let user = user.clone();
    db::read(pool, move |conn| {
        Ok(record_for(conn, &user, id, false)?.0.into())
    })
    .await
}

/// Enters a record of an officer (pending until the operator decides).
pub async fn create(
    pool: &DbPool,
    user: &AuthUser,
    participant_id: Uuid,
    input: Input<RecordInput>,
) -> Result<Record, ApiError> {
    let user = user.clone();
    db::run(pool, move |conn| {
        conn.transaction(|conn| {
            standing(conn, &user, participant_id)?;
            let erased = crate::repo::trainings::officer(conn, participant_id)?
                .is_some_and(|(_, erased_at)| erased_at.is_some());
            if erased {
                return Err(ApiError::conflict(
                    "participant_erased",
                    "The officer's personal data was erased; no record is entered for them.",
                ));
            }
            let input = input.open(&Permit::granted())?;
            check_form(conn, &input.form)?;
            Ok(repo::insert(conn, participant_id, &input.fields(), user.id)?.into())
        })
    })
    .await
}

/// Replaces a record's fields (not a verified one); it goes back to `pending`.
pub async fn update(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    input: Input<RecordInput>,
) -> Result<Record, ApiError> {
    let user = user.clone();
    db::run(pool, move |conn| {
        conn.transaction(|conn| {
            let (row, _) = record_for(conn, &user, id, true)?;
            let input = input.open(&Permit::granted())?;
            if row.status == RecordStatus::Verified {
                return Err(verified_conflict());
            }
            if expected_version.is_some_and(|v| v != row.version) {
                return Err(ApiError::PreconditionFailed);
            }
            check_form(conn, &input.form)?;
            Ok(repo::update(conn, id, &input.fields())?.into())
        })
    })
    .await
}

/// Deletes a record: the officer one that is not verified, their operator and admins any.
pub async fn delete(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<(), ApiError> {
    let user = user.clone();
    db::run(pool, move |conn| {
        conn.transaction(|conn| {
            let (row, standing) = record_for(conn, &user, id, true)?;
            if standing == Standing::Owner && row.status == RecordStatus::Verified {
                return Err(verified_conflict());
            }
            repo::delete(conn, id)?;
            Ok(())
        })
    })
    .await
}

/// The operator's decision: verify, or reject with a reason.
#[derive(Debug, Clone)]
pub enum Decision {
    Verify,
    Reject(String),
}

/// Verifies or rejects a pending record (the operator of the officer's unit, admins; the officer: 403).
pub async fn decide(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    decision: Input<Decision>,
) -> Result<Record, ApiError> {
    let user = user.clone();
    db::run(pool, move |conn| {
        conn.transaction(|conn| {
            let (row, standing) = record_for(conn, &user, id, true)?;
            if standing != Standing::Verifier {
                return Err(ApiError::forbidden());
            }
            let decision = decision.open(&Permit::granted())?;
            if row.status != RecordStatus::Pending {
                return Err(ApiError::conflict(
                    "record_not_pending",
                    format!(
                        "The record is already {}; only a pending record is decided (a changed record is pending \
                         again).",
                        row.status.as_str()
                    ),
                ));
            }
            let (status, reason) = match &decision {
                Decision::Verify => (RecordStatus::Verified, None),
                Decision::Reject(reason) => (RecordStatus::Rejected, Some(reason.as_str())),
            };
            Ok(repo::decide(conn, id, status, reason, user.id)?.into())
        })
    })
    .await
}

/// What a scan is, by its first bytes (never by a declared type).
pub fn scan_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Stores the scan of a record's certificate (replacing one): PDF, PNG or JPEG by content, at most 2 MiB (the
/// handler refuses a larger body with 413).
pub async fn put_scan(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    content: Vec<u8>,
) -> Result<Record, ApiError> {
    let user = user.clone();
    db::run(pool, move |conn| {
        conn.transaction(|conn| {
            let (row, _) = record_for(conn, &user, id, true)?;
            if row.status == RecordStatus::Verified {
                return Err(verified_conflict());
            }
            let Some(media_type) = scan_type(&content) else {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "scan",
                    "unsupported_file_type",
                    "must be a PDF, PNG or JPEG file (recognised by its content)",
                )]));
            };
            let digest: String = Sha256::digest(&content)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            Ok(repo::put_scan(conn, id, media_type, &content, &digest)?.into())
        })
    })
    .await
}

/// The scan of a record and its type: 404 when the caller may not read the record or it has none.
pub async fn scan(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<(String, Vec<u8>), ApiError> {
    let user = user.clone();
    db::read(pool, move |conn| {
        let (row, _) = record_for(conn, &user, id, false)?;
        let missing = || ApiError::NotFound {
            code: "no_scan",
            detail: "The record has no scan.".into(),
        };
        let media_type = row.scan_media_type.ok_or_else(missing)?;
        let bytes = repo::scan(conn, id)?.ok_or_else(missing)?;
        Ok((media_type, bytes))
    })
    .await
}

/// A form of development.
#[derive(Debug, Clone)]
pub struct DevelopmentForm {
    pub code: String,
    pub label_id: String,
    pub label_en: String,
    pub classical: bool,
    pub sort_order: i32,
}

/// The forms of development, in display order.
pub async fn forms(pool: &DbPool) -> Result<Vec<DevelopmentForm>, ApiError> {
    db::read(pool, |conn| {
        Ok(repo::forms(conn)?
            .into_iter()
            .map(|f| DevelopmentForm {
                code: f.code,
                label_id: f.label_id,
                label_en: f.label_en,
                classical: f.classical,
                sort_order: f.sort_order,
            })
            .collect())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_are_recognised_by_their_content() {
        assert_eq!(scan_type(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(scan_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(scan_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(scan_type(b"GIF89a"), None);
        assert_eq!(scan_type(b"<html>%PDF-"), None);
    }
}
