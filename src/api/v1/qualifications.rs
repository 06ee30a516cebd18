//! `/api/v1/programs/{id}/qualified-officers`: who holds a valid sertifikat of a program, per unit.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::ApiQuery;
use crate::api::v1::compliance::UnitBrief;
use crate::auth::AuthUser;
use crate::domain::certificate::wib_date;
use crate::domain::page::PageRequest;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::qualifications::{Qualified, QualifiedOfficer, QualifiedRequest};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(qualified_officers);
}

/// The day, the unit and the page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QualifiedQuery {
    /// Only the officers of this unit (a unit operator: their own, the default).
    pub unit_id: Option<Uuid>,
    /// The day the certificates must be valid on: issued on or before it, not revoked by its end (WIB). Default:
    /// today in WIB.
    #[param(example = "2025-08-02")]
    pub valid_on: Option<NaiveDate>,
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
}

impl QualifiedQuery {
    fn parse(self) -> Result<QualifiedRequest, ApiError> {
        let mut errors = Vec::new();
        let page = PageRequest::parse(self.limit, self.offset, &mut errors);
        super::checked_query(
            QualifiedRequest {
                valid_on: self
                    .valid_on
                    .unwrap_or_else(|| wib_date(chrono::Utc::now())),
                unit_id: self.unit_id,
                page,
            },
            errors,
        )
    }
}

/// The certificate that qualifies an officer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0b6f1a52-8f3e-4c1d-9a7b-2c3d4e5f6a7b", "number": "12/BIMTEK/LPN-KSG/2025",
    "issued_on": "2025-08-02", "event_id": "5eed0000-0000-4000-8000-000000000001",
    "event_title": "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial"}))]
pub struct QualifyingCertificate {
    pub id: Uuid,
    pub number: String,
    pub issued_on: NaiveDate,
    pub event_id: Uuid,
    pub event_title: String,
}

/// An officer holding a valid sertifikat of the program (the newest one when several).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"participant_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "full_name": "Dewi Lestari",
    "nip": "198503012010012001",
    "unit": {"id": "3f2c1b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b", "code": "LPN-KSG",
        "name": "Lapas Narkotika Kelas IIA Kasongan"},
    "certificate": {"id": "0b6f1a52-8f3e-4c1d-9a7b-2c3d4e5f6a7b", "number": "12/BIMTEK/LPN-KSG/2025",
        "issued_on": "2025-08-02", "event_id": "5eed0000-0000-4000-8000-000000000001",
        "event_title": "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial"}}))]
pub struct QualifiedOfficerResponse {
    pub participant_id: Uuid,
    pub full_name: String,
    /// The full NIP (each answer is recorded as an access).
    pub nip: Option<String>,
    pub unit: UnitBrief,
    pub certificate: QualifyingCertificate,
}

impl From<QualifiedOfficer> for QualifiedOfficerResponse {
    fn from(o: QualifiedOfficer) -> Self {
        Self {
            participant_id: o.participant_id,
            full_name: o.full_name,
            nip: o.nip,
            unit: o.unit.into(),
            certificate: QualifyingCertificate {
                id: o.certificate_id,
                number: o.certificate_number,
                issued_on: o.issued_on,
                event_id: o.event_id,
                event_title: o.event_title,
            },
        }
    }
}

/// How many officers of a unit are qualified.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"unit": {"id": "3f2c1b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b", "code": "LPN-KSG",
    "name": "Lapas Narkotika Kelas IIA Kasongan"}, "officers": 2}))]
pub struct QualifiedUnitCount {
    pub unit: UnitBrief,
    pub officers: i64,
}

/// The program a list is about.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d", "name": "PM Rehabilitasi Sosial 2025",
    "year": 2025}))]
pub struct QualifiedProgram {
    pub id: Uuid,
    pub name: String,
    pub year: i32,
}

/// The qualified officers of a program on a day.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "program": {"id": "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d", "name": "PM Rehabilitasi Sosial 2025", "year": 2025},
    "valid_on": "2025-08-02",
    "units": [{"unit": {"id": "3f2c1b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b", "code": "LPN-KSG",
        "name": "Lapas Narkotika Kelas IIA Kasongan"}, "officers": 1}],
    "items": [{"participant_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "full_name": "Dewi Lestari",
        "nip": "198503012010012001",
        "unit": {"id": "3f2c1b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b", "code": "LPN-KSG",
            "name": "Lapas Narkotika Kelas IIA Kasongan"},
        "certificate": {"id": "0b6f1a52-8f3e-4c1d-9a7b-2c3d4e5f6a7b", "number": "12/BIMTEK/LPN-KSG/2025",
            "issued_on": "2025-08-02", "event_id": "5eed0000-0000-4000-8000-000000000001",
            "event_title": "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial"}}],
    "total": 1, "limit": 20, "offset": 0}))]
pub struct QualifiedOfficersResponse {
    pub program: QualifiedProgram,
    pub valid_on: NaiveDate,
    /// Every unit with a qualified officer, by code, with how many (over all pages).
    pub units: Vec<QualifiedUnitCount>,
    /// By unit code, then name.
    pub items: Vec<QualifiedOfficerResponse>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

impl From<Qualified> for QualifiedOfficersResponse {
    fn from(q: Qualified) -> Self {
        Self {
            program: QualifiedProgram {
                id: q.program_id,
                name: q.program_name,
                year: q.program_year,
            },
            valid_on: q.valid_on,
            units: q
                .units
                .into_iter()
                .map(|(unit, officers)| QualifiedUnitCount {
                    unit: unit.into(),
                    officers,
                })
                .collect(),
            total: q.page.total,
            limit: q.page.limit,
            offset: q.page.offset,
            items: q.page.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// A program's qualified officers
///
/// The officers holding a sertifikat of an event of the program that is valid on `valid_on` (default: today in
/// WIB): issued on or before that day and not revoked by its end. A surat keterangan (attended, post-test not
/// passed) does not qualify; archived and erased officers are left out. One line per officer with their newest
/// such certificate, by unit code then name, and the count per unit. For the corrections information system
/// (service accounts with `qualifications:read`), admins, organizers, and a unit's operator for their own unit
/// (the default; another unit: 403). Full NIPs: the answer is recorded as an access.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "The program id"), QualifiedQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The qualified officers.", body = QualifiedOfficersResponse),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/programs/{id}/qualified-officers")]
pub async fn qualified_officers(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<QualifiedQuery>,
) -> Result<HttpResponse, ApiError> {
    let list = service::qualifications::qualified(
        &state.pool,
        &user,
        id.into_inner(),
        query.0.parse().into(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(QualifiedOfficersResponse::from(list)))
}
