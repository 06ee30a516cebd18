//! Certificate rules: issuing in bulk for an event's eligible officers, reading, revoking, and the public
//! verification by code.
//!
//! Who may do what: the event's managers (admins, its organizers) issue, list, read and revoke; the holder reads
//! their own certificates, and the operator of the holder's unit those of their unit's officers; anyone holding a
//! verification code learns whether the certificate it names is valid. Everybody else does not learn that a
//! certificate exists (404).
//!
//! Writes to `certificates` fire triggers that append `certificate.*` to the audit log (beside this module's own
//! `certificate.issue` and `certificate.revoke` entries) and the change feed, and queue `certificate.issued` and
//! `certificate.revoked` webhook deliveries; no snapshot depends on them and `certificate_sequences` has no trigger
//! (migrations 000008, 000009).

use std::collections::HashSet;

use chrono::Utc;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::certificate::{self, NumberInputs, NumberPattern};
use crate::domain::enums::{CertificateKind, EventStatus, Outcome};
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo::access as access_repo;
use crate::repo::attendance::Scope;
use crate::repo::audit::{self, NewAuditEntry};
use crate::repo::certificates::{
    self as repo, CertificateDetail, CertificateFilter, CertificateOrder, CertificateRow,
    NewCertificate,
};
use crate::repo::results;
use crate::service::access;

/// What one issuing call did.
#[derive(Debug)]
pub struct IssueOutcome {
    /// The certificates created now, by number.
    pub created: Vec<CertificateRow>,
    /// Approved officers who already had a certificate of the event.
    pub already_issued: usize,
    /// Approved officers whose outcome is `not_completed`.
    pub not_eligible: usize,
}

fn not_found() -> ApiError {
    ApiError::not_found("Certificate")
}

/// The certificate kind an outcome earns, if any.
pub fn kind_for(outcome: Outcome) -> Option<CertificateKind> {
    match outcome {
        Outcome::Certificate => Some(CertificateKind::Sertifikat),
        Outcome::AttendanceLetter => Some(CertificateKind::SuratKeterangan),
        Outcome::NotCompleted => None,
    }
}

/// Issues the certificates of a completed event in one transaction: a `sertifikat` for every approved officer
/// whose outcome is `certificate`, a `surat_keterangan` for `attendance_letter`. Officers who already have one are
/// skipped, so a second call creates nothing. Numbers come from the year's sequence (the year of the issue date in
/// WIB), in the order of the officers' names.
pub fn issue(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    pattern: &NumberPattern,
    request_id: Option<String>,
) -> Result<IssueOutcome, ApiError> {
    let status =
        access_repo::event_status(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    if access::hides_draft(conn, user, event_id, &status)? {
        return Err(ApiError::not_found("Event"));
    }
    access::require_event_manager(conn, user, event_id)?;
    let outcome = conn.transaction(|conn| {
        let event = repo::lock_event_for_issue(conn, event_id)?
            .ok_or_else(|| ApiError::not_found("Event"))?;
        if event.status != EventStatus::Completed.as_str() {
            return Err(ApiError::conflict(
                "event_not_completed",
                "Certificates are issued only for a `completed` event: complete it first \
                 (POST /api/v1/events/{id}/complete).",
            ));
        }
        let officers = results::for_event(
            conn,
            event_id,
            &results::ResultFilter::default(),
            i64::MAX,
            results::PageStart::Offset(0),
        )?;
        let issued: HashSet<Uuid> = repo::issued_enrollments(conn, event_id)?
            .into_iter()
            .collect();
        let mut already_issued = 0;
        let mut not_eligible = 0;
        let mut due = Vec::new();
        for officer in officers {
            if issued.contains(&officer.enrollment_id) {
                already_issued += 1;
            } else if let Some(kind) = kind_for(officer.inputs().outcome()) {
                due.push((officer, kind));
            } else {
                not_eligible += 1;
            }
        }
        if due.is_empty() {
            return Ok(IssueOutcome {
                created: Vec::new(),
                already_issued,
                not_eligible,
            });
        }
        let now = Utc::now();
        let (year, month) = certificate::issue_year_month(now);
        let unit_code = repo::unit_code(conn, event.host_unit_id)?;
        let count = i32::try_from(due.len()).map_err(ApiError::internal)?;
        let first = repo::reserve_numbers(conn, year, count)?;
        let rows: Vec<NewCertificate> = due
            .into_iter()
            .zip(first..)
            .map(|((officer, kind), seq)| NewCertificate {
                id: Uuid::new_v4(),
                enrollment_id: officer.enrollment_id,
                event_id,
                participant_id: officer.participant_id,
                kind: kind.as_str().to_owned(),
                number: pattern.render(NumberInputs {
                    seq,
                    year,
                    month,
                    unit_code: &unit_code,
                }),
                year,
                seq,
                verification_code: certificate::new_verification_code(),
                holder_name: officer.full_name,
                // JP earned: the JP of the sessions the officer attended.
                jp: officer.jp_earned as f64,
                issued_by: Some(user.id),
                issued_at: now,
            })
            .collect();
        let mut created = repo::insert(conn, &rows)?;
        created.sort_by_key(|c| c.seq);
        let entries: Vec<NewAuditEntry> = created
            .iter()
            .map(|c| NewAuditEntry {
                actor_user_id: Some(user.id),
                actor_client_id: None,
                actor_role: Some(user.role.as_str().to_owned()),
                action: "certificate.issue".to_owned(),
                resource_type: "certificate".to_owned(),
                resource_id: Some(c.id),
                participant_id: Some(c.participant_id),
                changes: serde_json::json!({
                    "event_id": audit::change(serde_json::Value::Null, c.event_id.to_string()),
                    "kind": audit::change(serde_json::Value::Null, c.kind.clone()),
                    "number": audit::change(serde_json::Value::Null, c.number.clone()),
                }),
                request_id: request_id.clone(),
            })
            .collect();
        audit::record(conn, &entries)?;
        Ok(IssueOutcome {
            created,
            already_issued,
            not_eligible,
        })
    })?;
    tracing::info!(
        event.id = %event_id,
        actor.id = %user.id,
        certificates.created = outcome.created.len(),
        certificates.already_issued = outcome.already_issued,
        "certificates issued"
    );
    Ok(outcome)
}

/// What of an event's certificates the caller may list: everything (managers), a unit's (its operator) or their
/// own (a participant); 403 for everybody else.
fn list_scope(conn: &mut PgConnection, user: &AuthUser, event_id: Uuid) -> Result<Scope, ApiError> {
    if access::manages_event(conn, user, event_id)? {
        return Ok(Scope::default());
    }
    match user.role {
        Role::UnitOperator => Ok(Scope {
            unit_id: Some(user.unit_id.unwrap_or_else(Uuid::nil)),
            participant_id: None,
        }),
        Role::Participant => Ok(Scope {
            unit_id: None,
            participant_id: Some(user.participant_id.unwrap_or_else(Uuid::nil)),
        }),
        _ => Err(ApiError::forbidden()),
    }
}

/// A page of an event's certificates, as the caller may see them.
pub fn list(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    filter: CertificateFilter<'_>,
    order: CertificateOrder,
    page: PageRequest,
) -> Result<Page<CertificateRow>, ApiError> {
    let status =
        access_repo::event_status(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    if access::hides_draft(conn, user, event_id, &status)? {
        return Err(ApiError::not_found("Event"));
    }
    let scope = list_scope(conn, user, event_id)?;
    let (rows, total) = repo::list(
        conn,
        event_id,
        scope,
        filter,
        order,
        page.limit,
        page.offset,
    )?;
    Ok(Page::new(rows, total, page))
}

/// Whether the caller may read this certificate: the event's managers, the holder, the operator of the holder's
/// unit.
fn may_read(
    conn: &mut PgConnection,
    user: &AuthUser,
    row: &CertificateRow,
    holder_unit: Uuid,
) -> Result<bool, ApiError> {
    Ok(match user.role {
        Role::Participant => user.participant_id == Some(row.participant_id),
        Role::UnitOperator => user.unit_id == Some(holder_unit),
        _ => access::manages_event(conn, user, row.event_id)?,
    })
}

/// One certificate; 404 for callers who may not read it.
pub fn get(conn: &mut PgConnection, user: &AuthUser, id: Uuid) -> Result<CertificateRow, ApiError> {
    let (row, holder_unit) = repo::find(conn, id)?.ok_or_else(not_found)?;
    if !may_read(conn, user, &row, holder_unit)? {
        return Err(not_found());
    }
    Ok(row)
}

/// A certificate with what its printed form shows; 404 for callers who may not read it, 409 when it is revoked
/// (a revoked certificate is not printed again: the public page tells its status).
pub fn printable(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
) -> Result<CertificateDetail, ApiError> {
    get(conn, user, id)?;
    let detail = repo::detail_by_id(conn, id)?.ok_or_else(not_found)?;
    if detail.certificate.revoked_at.is_some() {
        return Err(ApiError::conflict(
            "certificate_revoked",
            "This certificate was revoked; it is no longer printed. Its public page shows the revocation.",
        ));
    }
    Ok(detail)
}

/// Revokes a certificate with a reason (event managers; 409 `already_revoked` when it is). Honours `If-Match`.
pub fn revoke(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    request_id: Option<String>,
    parse: impl FnOnce() -> Result<String, ApiError>,
) -> Result<CertificateRow, ApiError> {
    let (row, holder_unit) = repo::find(conn, id)?.ok_or_else(not_found)?;
    if !access::manages_event(conn, user, row.event_id)? {
        // Those who may read it learn that they may not revoke it; the others that it does not exist.
        return Err(if may_read(conn, user, &row, holder_unit)? {
            ApiError::forbidden()
        } else {
            not_found()
        });
    }
    let reason = parse()?;
    let revoked = conn.transaction(|conn| {
        let current = repo::lock(conn, id)?.ok_or_else(not_found)?;
        if current.revoked_at.is_some() {
            return Err(ApiError::conflict(
                "already_revoked",
                "This certificate is already revoked.",
            ));
        }
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let revoked = repo::revoke(conn, id, user.id, &reason)?;
        audit::record(
            conn,
            &[NewAuditEntry {
                actor_user_id: Some(user.id),
                actor_client_id: None,
                actor_role: Some(user.role.as_str().to_owned()),
                action: "certificate.revoke".to_owned(),
                resource_type: "certificate".to_owned(),
                resource_id: Some(id),
                participant_id: Some(revoked.participant_id),
                changes: serde_json::json!({
                    "status": audit::change("valid", "revoked"),
                    "revocation_reason": audit::change(serde_json::Value::Null, reason.clone()),
                }),
                request_id,
            }],
        )?;
        Ok(revoked)
    })?;
    tracing::info!(certificate.id = %id, actor.id = %user.id, "certificate revoked");
    Ok(revoked)
}

/// The certificate a verification code names, for anyone; `None` for a code that names none (or cannot be one).
pub fn verify(conn: &mut PgConnection, code: &str) -> Result<Option<CertificateDetail>, ApiError> {
    if !certificate::is_code_shaped(code) {
        return Ok(None);
    }
    Ok(repo::detail_by_code(conn, code)?)
}
