//! Who is qualified, per unit: the officers holding a valid sertifikat of a program's events (for the corrections
//! information system, which assigns trained officers to rehabilitation work). Reads only; no trigger is involved.
//!
//! A surat keterangan (attendance without a passed post-test) does not qualify; a certificate revoked after the day
//! asked for was valid on it. Archived and erased officers are left out: they cannot be assigned.
//!
//! Who: admins, organizers, a unit's operator for their own unit (another unit: 403), service accounts with
//! `qualifications:read`; others 403; an unknown program 404. The answer shows full NIPs: recorded as an access.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo::qualifications as repo;
use crate::repo::reports::program as program_of;
use crate::service::audit_log::{self, AccessEvent};
use crate::service::compliance::UnitName;
use crate::service::{DbPool, Input, Permit, ReadInput};

/// The list asked for: the day, a unit, the page.
#[derive(Debug, Clone, Copy)]
pub struct QualifiedRequest {
    pub valid_on: NaiveDate,
    pub unit_id: Option<Uuid>,
    pub page: PageRequest,
}

/// An officer and the certificate that qualifies them.
#[derive(Debug, Clone)]
pub struct QualifiedOfficer {
    pub participant_id: Uuid,
    pub full_name: String,
    pub nip: Option<String>,
    pub unit: UnitName,
    pub certificate_id: Uuid,
    pub certificate_number: String,
    pub issued_on: NaiveDate,
    pub event_id: Uuid,
    pub event_title: String,
}

/// The qualified officers of a program on a day: the count per unit (of every unit with one) and a page.
#[derive(Debug)]
pub struct Qualified {
    pub program_id: Uuid,
    pub program_name: String,
    pub program_year: i32,
    pub valid_on: NaiveDate,
    /// By unit code.
    pub units: Vec<(UnitName, i64)>,
    pub page: Page<QualifiedOfficer>,
}

/// The unit the caller may ask for: any (or all) for admins and organizers, their own for an operator (the
/// default when none is named).
fn unit_scope(user: &AuthUser, asked: Option<Uuid>) -> Result<Option<Uuid>, ApiError> {
    match user.role {
        Role::Admin | Role::Organizer => Ok(asked),
        Role::UnitOperator => match (asked, user.unit_id) {
            (None, Some(own)) => Ok(Some(own)),
            (Some(asked), Some(own)) if asked == own => Ok(Some(own)),
            _ => Err(ApiError::forbidden()),
        },
        _ => Err(ApiError::forbidden()),
    }
}

/// The officers holding a valid sertifikat of the program on the day asked for.
pub async fn qualified(
    pool: &DbPool,
    user: &AuthUser,
    program_id: Uuid,
    request: Input<QualifiedRequest>,
) -> Result<Qualified, ApiError> {
    let user = user.clone();
    let request = ReadInput::new(request);
    db::read(pool, move |conn| {
        let (program_name, program_year) =
            program_of(conn, program_id)?.ok_or_else(|| ApiError::not_found("Program"))?;
        if !matches!(
            user.role,
            Role::Admin | Role::Organizer | Role::UnitOperator
        ) {
            return Err(ApiError::forbidden());
        }
        let request = request.open(&Permit::granted())?;
        let unit_id = unit_scope(&user, request.unit_id)?;
        let rows = repo::qualified(conn, program_id, request.valid_on, unit_id)?;
        let mut units: BTreeMap<String, (UnitName, i64)> = BTreeMap::new();
        for row in &rows {
            units
                .entry(row.unit_code.clone())
                .or_insert_with(|| {
                    (
                        UnitName {
                            id: row.unit_id,
                            code: row.unit_code.clone(),
                            name: row.unit_name.clone(),
                        },
                        0,
                    )
                })
                .1 += 1;
        }
        let page = Page::of_all(rows, request.page).map(|r| QualifiedOfficer {
            participant_id: r.participant_id,
            full_name: r.full_name,
            nip: r.nip,
            unit: UnitName {
                id: r.unit_id,
                code: r.unit_code,
                name: r.unit_name,
            },
            certificate_id: r.certificate_id,
            certificate_number: r.certificate_number,
            issued_on: r.issued_on,
            event_id: r.event_id,
            event_title: r.event_title,
        });
        let shown: Vec<Uuid> = page
            .items
            .iter()
            .filter(|o| o.nip.is_some())
            .map(|o| o.participant_id)
            .collect();
        if !shown.is_empty() {
            audit_log::access(AccessEvent::nips_read(shown));
        }
        Ok(Qualified {
            program_id,
            program_name,
            program_year,
            valid_on: request.valid_on,
            units: units.into_values().collect(),
            page,
        })
    })
    .await
}
