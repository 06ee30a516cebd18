//! `GET /api/v1/participants/{id}/export`: a subject's own data (UU 27/2022 PDP arts. 7-8) as one JSON file.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::v1::participants::ParticipantResponse;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::openapi as responses;
use crate::service;
use crate::service::subject_export::SubjectData;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(export_participant_data);
}

/// Everything the service holds about one officer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "exported_at": "2025-08-05T03:10:00Z",
    "participant": {
        "id": "5b0e7a52-8f1e-4d8e-9a57-1f5b3c2d9e01", "nip": "198703142010121001", "full_name": "Budi Santoso",
        "sex": "male", "employee_type": "pns", "grade": "III/b", "position": "Pembimbing Kemasyarakatan",
        "position_kind": "functional", "unit_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "email": "budi.santoso@example.go.id", "phone": "+62 812-3456-7890", "archived_at": null, "erased": false,
        "version": 1, "created_at": "2025-07-20T03:00:00Z", "updated_at": "2025-07-20T03:00:00Z"
    },
    "accounts": [], "enrollments": [], "attendance": [], "responses": [], "scores": [], "results": [],
    "certificates": [],
    "audit_entries": [{"id": 4211, "at": "2025-08-05T03:10:00Z", "actor_user_id": "8d1f3c2a-5b7e-4f10-9a3c-2e6d4b8a1f07",
        "actor_client_id": null, "actor_role": "admin", "action": "participant.data_export",
        "resource_type": "participant", "resource_id": "5b0e7a52-8f1e-4d8e-9a57-1f5b3c2d9e01", "changes": {}}]
}))]
pub struct SubjectExportResponse {
    /// When the document was made.
    pub exported_at: DateTime<Utc>,
    /// The profile, with the full NIP and contacts (null after an erasure).
    pub participant: ParticipantResponse,
    #[serde(flatten)]
    pub data: SubjectData,
}

/// Export a participant's own data
///
/// Everything the service holds about one officer (UU 27/2022 PDP arts. 7-8), as one JSON file: the profile with
/// the full NIP, linked user accounts (no password hashes), enrollments, attendance, responses that are not
/// anonymous with their answers, scores, results, certificates and the audit entries about the officer. For the
/// officer themself, the operator of their unit and administrators (403 for everybody else; not for service
/// accounts). Each export is recorded in the audit log as `participant.data_export`.
#[utoipa::path(
    tag = "participants",
    params(("id" = Uuid, Path, description = "The participant id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The officer's data, as a file to save.", body = SubjectExportResponse,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"data-peserta-<id>.json\"`"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/participants/{id}/export")]
pub async fn export_participant_data(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let export = service::subject_export::export(&state.pool, &user, id.into_inner()).await?;
    let disposition = format!(
        "attachment; filename=\"data-peserta-{}.json\"",
        export.participant.id
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .json(SubjectExportResponse {
            exported_at: export.exported_at,
            participant: export.participant.into(),
            data: export.data,
        }))
}
