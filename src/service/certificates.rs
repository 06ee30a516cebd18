//! Certificate rules: issuing in bulk for an event's eligible officers, reading, revoking, and the public
//! verification by code.
//!
//! Who may do what: the event's managers (admins, its organizers) issue, list, read and revoke; the holder reads
//! their own certificates, and the operator of the holder's unit those of their unit's officers; anyone holding a
//! verification code learns whether the certificate it names is valid. Everybody else does not learn that a
//! certificate exists (404).
//!
//! A certificate keeps what it was issued with: the issue date chosen at issuance (never before the event ends;
//! the number's `{year}` follows it) and the signatory of the event (or, field by field, of its program) at that
//! moment. Its PDF ([`render_in`]) is not printed for a revoked certificate (409) nor for an officer whose
//! personal data was erased (410 `holder_erased`).
//!
//! Writes to `certificates` fire triggers that write the audit log's one entry per change (`certificate.issue` for
//! an insert, `certificate.revoke` with `status: valid -> revoked` and the reason, `certificate.updated` for an
//! erasure's holder name) and the change feed, and queue `certificate.issued` and `certificate.revoked` webhook
//! deliveries; no snapshot depends on them and `certificate_sequences` has no trigger (migrations 000008, 000009,
//! 000015). This module writes no audit entry of its own. Issuing also gives each certificate its credential's row
//! (`service::credentials::assign_in`, table `certificate_credentials`, no trigger).

use std::collections::HashSet;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::documents::Fonts;
use crate::documents::certificate::{self as document, CurriculumRow, Holder, Signatory};
use crate::domain::certificate::{self, NumberInputs, NumberPattern, wib_date};
use crate::domain::enums::{CertificateKind, EventStatus, Outcome};
use crate::domain::grade::pangkat_golongan;
use crate::domain::page::{ListRequest, Page};
use crate::domain::role::Role;
use crate::domain::sort::CertificateSort;
use crate::error::{ApiError, FieldError};
use crate::repo::access as access_repo;
use crate::repo::attendance::Scope;
use crate::repo::certificates::{
    self as repo, CertificateDetail, CertificateFilter, CertificateRow, NewCertificate,
};
use crate::repo::results;
use crate::service::ReadInput;
use crate::service::letterhead;
use crate::service::{DbPool, Input, Permit, access};

/// The filters of a list: which kind, valid or revoked (the caller's scope is the service's to add).
#[derive(Debug, Clone, Copy, Default)]
pub struct CertificateListFilter {
    pub kind: Option<CertificateKind>,
    /// `Some(true)`: only revoked; `Some(false)`: only valid.
    pub revoked: Option<bool>,
}

/// A request for a page of an event's certificates.
pub type CertificateList = ListRequest<CertificateListFilter, CertificateSort>;

/// A certificate as the service shows it.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub id: Uuid,
    pub event_id: Uuid,
    pub enrollment_id: Uuid,
    pub participant_id: Uuid,
    pub kind: CertificateKind,
    pub number: String,
    pub year: i32,
    pub seq: i32,
    pub holder_name: String,
    pub jp: f64,
    pub verification_code: String,
    pub issued_at: DateTime<Utc>,
    pub issued_by: Option<Uuid>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<Uuid>,
    pub revocation_reason: Option<String>,
    pub version: i32,
}

impl From<CertificateRow> for Certificate {
    fn from(row: CertificateRow) -> Self {
        Self {
            id: row.id,
            event_id: row.event_id,
            enrollment_id: row.enrollment_id,
            participant_id: row.participant_id,
            kind: row.kind,
            number: row.number,
            year: row.year,
            seq: row.seq,
            holder_name: row.holder_name,
            jp: row.jp,
            verification_code: row.verification_code,
            issued_at: row.issued_at,
            issued_by: row.issued_by,
            revoked_at: row.revoked_at,
            revoked_by: row.revoked_by,
            revocation_reason: row.revocation_reason,
            version: row.version,
        }
    }
}

/// What anyone holding a verification code learns of the certificate it names.
#[derive(Debug, Clone)]
pub struct Verification {
    pub kind: CertificateKind,
    pub number: String,
    /// `None` when the holder's personal data was erased.
    pub holder_name: Option<String>,
    pub event_title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub jp: f64,
    /// The issue date in WIB.
    pub issued_on: NaiveDate,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The issuing office: the office line of the letterhead the certificate prints (the host unit's, else the
    /// Kanwil's).
    pub issuer: String,
    /// The event's host unit.
    pub host_unit_name: String,
    /// The holder's NIP masked (`1987**********1001`); `None` after an erasure or when the officer has none.
    pub holder_nip_masked: Option<String>,
}

impl Verification {
    fn new(d: CertificateDetail, issuer: String) -> Self {
        let erased = d.holder_erased_at.is_some();
        let c = d.certificate;
        Self {
            issuer,
            host_unit_name: d.host_unit_name,
            holder_nip_masked: d
                .holder_nip
                .filter(|_| !erased)
                .map(|nip| crate::domain::nip::mask(&nip)),
            kind: c.kind,
            number: c.number,
            holder_name: d.holder_erased_at.is_none().then_some(c.holder_name),
            event_title: d.event_title,
            starts_on: d.starts_on,
            ends_on: d.ends_on,
            jp: c.jp,
            issued_on: c.issued_on,
            revoked_at: c.revoked_at,
        }
    }
}

/// A certificate's printable form: the PDF and the name of its file.
#[derive(Debug, Clone)]
pub struct CertificatePdf {
    /// `sertifikat-12-BIMTEK-LPN-KSG-2025.pdf`.
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The public page a certificate's QR code points to.
pub fn verify_url(public_base_url: &str, code: &str) -> String {
    format!("{public_base_url}/verify/{code}")
}

/// A file name for the download: `sertifikat-12-BIMTEK-LPN-KSG-2025.pdf`.
pub fn file_name(kind: CertificateKind, number: &str) -> String {
    let mut name = String::from(match kind {
        CertificateKind::Sertifikat => "sertifikat-",
        CertificateKind::SuratKeterangan => "surat-keterangan-",
    });
    let mut dash = false;
    for c in number.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c);
            dash = false;
        } else if !dash {
            name.push('-');
            dash = true;
        }
    }
    let trimmed = name.trim_end_matches('-').to_owned();
    trimmed + ".pdf"
}

/// What one issuing call did.
#[derive(Debug)]
pub struct IssueOutcome {
    /// The certificates created now, by number.
    pub created: Vec<Certificate>,
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

/// How a call issues: the issue date (default today in WIB).
#[derive(Debug, Clone, Copy, Default)]
pub struct IssueOptions {
    pub issued_on: Option<NaiveDate>,
}

/// Issues the certificates of a completed event in one transaction: a `sertifikat` for every approved officer
/// whose outcome is `certificate`, a `surat_keterangan` for `attendance_letter`. Officers who already have one are
/// skipped, so a second call creates nothing. Numbers come from the sequence of the issue date's year, in the
/// order of the officers' names. The issue date may not be before the event ends (422 `issued_on`).
pub async fn issue(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    pattern: NumberPattern,
    options: Input<IssueOptions>,
) -> Result<IssueOutcome, ApiError> {
    let actor = user.clone();
    let outcome = db::run(pool, move |conn| {
        visible_event(conn, &actor, event_id)?;
        let permit = manager(conn, &actor, event_id)?;
        let options = options.open(&permit)?;
        issue_in(conn, &actor, event_id, &pattern, options)
    })
    .await?;
    tracing::info!(
        event.id = %event_id,
        actor.id = %user.id,
        certificates.created = outcome.created.len(),
        certificates.already_issued = outcome.already_issued,
        "certificates issued"
    );
    Ok(outcome)
}

/// 404 for an unknown event or a draft hidden from the caller.
fn visible_event(conn: &mut PgConnection, user: &AuthUser, event_id: Uuid) -> Result<(), ApiError> {
    let status =
        access_repo::event_status(conn, event_id)?.ok_or_else(|| ApiError::not_found("Event"))?;
    if access::hides_draft(conn, user, event_id, &status)? {
        return Err(ApiError::not_found("Event"));
    }
    Ok(())
}

/// The event's managers; 403 for everybody else.
fn manager(conn: &mut PgConnection, user: &AuthUser, event_id: Uuid) -> Result<Permit, ApiError> {
    if access::manages_event(conn, user, event_id)? {
        Ok(Permit::granted())
    } else {
        Err(ApiError::forbidden())
    }
}

fn issue_in(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
    pattern: &NumberPattern,
    options: IssueOptions,
) -> Result<IssueOutcome, ApiError> {
    conn.transaction(|conn| {
        let event = repo::lock_event_for_issue(conn, event_id)?
            .ok_or_else(|| ApiError::not_found("Event"))?;
        if event.status != EventStatus::Completed {
            return Err(ApiError::conflict(
                "event_not_completed",
                "Certificates are issued only for a `completed` event: complete it first \
                 (POST /api/v1/events/{id}/complete).",
            ));
        }
        let now = Utc::now();
        let issued_on = options.issued_on.unwrap_or_else(|| wib_date(now));
        if issued_on < event.ends_on {
            return Err(ApiError::validation(vec![FieldError::new(
                "issued_on",
                "before_event_end",
                format!(
                    "must not be before the event ends ({}); without it the issue date is today in WIB",
                    event.ends_on
                ),
            )]));
        }
        // The event's signatory, field by field, else its program's.
        let program = match event.program_id {
            Some(id) => repo::program_signatory(conn, id)?,
            None => None,
        };
        let pick = |own: &Option<String>, default: Option<&Option<String>>| {
            own.clone().or_else(|| default.cloned().flatten())
        };
        let signatory_title = pick(&event.signatory_title, program.as_ref().map(|p| &p.title));
        let signatory_name = pick(&event.signatory_name, program.as_ref().map(|p| &p.name));
        let signatory_nip = pick(&event.signatory_nip, program.as_ref().map(|p| &p.nip));
        let signatory_place = pick(&event.signatory_place, program.as_ref().map(|p| &p.place));
        let signed_electronically = event
            .signed_electronically
            .or(program.as_ref().map(|p| p.signed_electronically))
            .unwrap_or(false);
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
        let (year, month) = (issued_on.year(), issued_on.month());
        let event_year = event.ends_on.year();
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
                kind,
                number: pattern.render(NumberInputs {
                    seq,
                    year,
                    event_year,
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
                issued_on,
                signatory_title: signatory_title.clone(),
                signatory_name: signatory_name.clone(),
                signatory_nip: signatory_nip.clone(),
                signatory_place: signatory_place.clone(),
                signed_electronically,
            })
            .collect();
        let mut created = repo::insert(conn, &rows)?;
        created.sort_by_key(|c| c.seq);
        // Each certificate's Open Badges credential: its subject id and its place in a status list.
        let ids: Vec<Uuid> = created.iter().map(|c| c.id).collect();
        super::credentials::assign_in(conn, &ids)?;
        // The `track_row` trigger writes one `certificate.issue` entry per certificate.
        Ok(IssueOutcome {
            created: created.into_iter().map(Certificate::from).collect(),
            already_issued,
            not_eligible,
        })
    })
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
pub async fn list(
    pool: &DbPool,
    user: &AuthUser,
    event_id: Uuid,
    request: Input<CertificateList>,
) -> Result<Page<Certificate>, ApiError> {
    let user = user.clone();
    let request = ReadInput::new(request);
    db::read(pool, move |conn| {
        visible_event(conn, &user, event_id)?;
        let scope = list_scope(conn, &user, event_id)?;
        let request = request.open(&Permit::granted())?;
        let list = ListRequest {
            filter: CertificateFilter {
                scope,
                kind: request.filter.kind,
                revoked: request.filter.revoked,
            },
            sort: request.sort,
            page: request.page,
        };
        let (rows, total) = repo::list(conn, event_id, &list)?;
        Ok(Page::new(rows, total, request.page).map(Certificate::from))
    })
    .await
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
pub async fn get(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<Certificate, ApiError> {
    let user = user.clone();
    db::read(pool, move |conn| {
        readable(conn, &user, id).map(Certificate::from)
    })
    .await
}

pub(super) fn readable(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
) -> Result<CertificateRow, ApiError> {
    let (row, holder_unit) = repo::find(conn, id)?.ok_or_else(not_found)?;
    if !may_read(conn, user, &row, holder_unit)? {
        return Err(not_found());
    }
    Ok(row)
}

/// The printable certificate (a PDF whose QR code points to `{public_base_url}/verify/{code}`); 404 for callers
/// who may not read it, 409 when it is revoked (a revoked certificate is not printed again: the public page tells
/// its status), 410 `holder_erased` when the holder's personal data was erased.
pub async fn pdf(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    fonts: std::sync::Arc<Fonts>,
    public_base_url: &str,
) -> Result<CertificatePdf, ApiError> {
    let user = user.clone();
    let base = public_base_url.to_owned();
    db::read(pool, move |conn| {
        readable(conn, &user, id)?;
        render_in(conn, &fonts, &base, id)
    })
    .await
}

/// The PDF of a certificate, for a caller that already holds a connection and has checked access (the bulk
/// download renders each certificate of an event with it): the letterhead of the host unit, the holder as their
/// record reads now, the signatory and the issue date stored at issuance, the event's curriculum. 404 for an
/// unknown id, 409 `certificate_revoked`, 410 `holder_erased`.
pub fn render_in(
    conn: &mut PgConnection,
    fonts: &Fonts,
    public_base_url: &str,
    id: Uuid,
) -> Result<CertificatePdf, ApiError> {
    let p = repo::printable(conn, id)?.ok_or_else(not_found)?;
    let c = &p.certificate;
    if c.revoked_at.is_some() {
        return Err(ApiError::conflict(
            "certificate_revoked",
            "This certificate was revoked; it is no longer printed. Its public page shows the revocation.",
        ));
    }
    if p.holder_erased_at.is_some() {
        return Err(ApiError::Gone {
            code: "holder_erased",
            detail: "The holder's personal data was erased (UU 27/2022 PDP): the certificate is no longer \
                     printed. Its number stays verifiable on its public page."
                .into(),
        });
    }
    let letterhead = letterhead::for_unit(conn, p.host_unit_id)?.drawable()?;
    let sessions = repo::curriculum(conn, c.event_id)?;
    let curriculum: Vec<CurriculumRow<'_>> = sessions
        .iter()
        .map(|s| CurriculumRow {
            title: &s.title,
            date: wib_date(s.starts_at),
            jp: f64::from(s.jp),
        })
        .collect();
    let url = verify_url(public_base_url, &c.verification_code);
    let bytes = document::render(
        fonts,
        &document::CertificatePage {
            kind: c.kind,
            number: &c.number,
            letterhead: &letterhead,
            holder: Holder {
                name: &c.holder_name,
                nip: p.holder_nip.as_deref(),
                rank: p.holder_grade.map(pangkat_golongan),
                position: p.holder_position.as_deref(),
                unit: &p.holder_unit_name,
            },
            event_title: &p.event_title,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            host_unit_name: &p.host_unit_name,
            jp: c.jp,
            issued_on: c.issued_on,
            signatory: Signatory {
                title: c.signatory_title.as_deref(),
                name: c.signatory_name.as_deref(),
                nip: c.signatory_nip.as_deref(),
                place: c.signatory_place.as_deref(),
                electronic: c.signed_electronically,
            },
            curriculum: &curriculum,
            verify_url: &url,
            created_at: Utc::now(),
        },
    )
    .map_err(ApiError::internal)?;
    Ok(CertificatePdf {
        file_name: file_name(c.kind, &c.number),
        bytes,
    })
}

/// The certificates a bulk download of the event gives the caller: the same access as the event's list (its
/// managers all, a unit's operator their unit's officers', a participant their own; others 403, a draft hidden
/// from them 404), valid ones only, holders erased left out; by number.
pub fn printable_in_scope(
    conn: &mut PgConnection,
    user: &AuthUser,
    event_id: Uuid,
) -> Result<Vec<Uuid>, ApiError> {
    visible_event(conn, user, event_id)?;
    let scope = list_scope(conn, user, event_id)?;
    Ok(repo::printable_ids(conn, event_id, scope)?)
}

/// Revokes a certificate with a reason (event managers; 409 `already_revoked` when it is). Honours `If-Match`.
pub async fn revoke(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    reason: Input<String>,
) -> Result<Certificate, ApiError> {
    let actor = user.clone();
    let revoked = db::run(pool, move |conn| {
        revoke_in(conn, &actor, id, expected_version, reason)
    })
    .await?;
    tracing::info!(certificate.id = %id, actor.id = %user.id, "certificate revoked");
    Ok(Certificate::from(revoked))
}

fn revoke_in(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    reason: Input<String>,
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
    let reason = reason.open(&Permit::granted())?;
    conn.transaction(|conn| {
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
        // The `track_row` trigger writes the `certificate.revoke` entry (with `status` and the reason).
        let revoked = repo::revoke(conn, id, user.id, &reason)?;
        Ok(revoked)
    })
}

/// The certificate a verification code names, for anyone; `None` for a code that names none (or cannot be one).
pub async fn verify(pool: &DbPool, code: String) -> Result<Option<Verification>, ApiError> {
    if !certificate::is_code_shaped(&code) {
        return Ok(None);
    }
    db::read(pool, move |conn| {
        let Some(detail) = repo::detail_by_code(conn, &code)? else {
            return Ok(None);
        };
        let letterhead = letterhead::for_unit(conn, detail.host_unit_id)?;
        let issuer = letterhead
            .heading
            .last()
            .cloned()
            .unwrap_or_else(|| detail.host_unit_name.clone());
        Ok(Some(Verification::new(detail, issuer)))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_made_of_the_number() {
        assert_eq!(
            file_name(CertificateKind::Sertifikat, "12/BIMTEK/LPN-KSG/2025"),
            "sertifikat-12-BIMTEK-LPN-KSG-2025.pdf"
        );
        assert_eq!(
            file_name(CertificateKind::SuratKeterangan, "W19.0007 / VIII"),
            "surat-keterangan-W19-0007-VIII.pdf"
        );
        assert_eq!(
            verify_url("https://bimtek.example.go.id", "abc"),
            "https://bimtek.example.go.id/verify/abc"
        );
    }
}
