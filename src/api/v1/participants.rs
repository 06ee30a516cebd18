//! `/api/v1/participants`: officers (pegawai) who take part in trainings. Personal data: the full NIP and the
//! contacts go only to those entitled (see `service::access::sees_personal_details`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::{ApiQuery, IfMatch, JsonBody};
use crate::api::v1::double_option;
use crate::auth::AuthUser;
use crate::domain::enums::{EmployeeType, Grade, PositionKind, Sex};
use crate::domain::page::{Page, PageRequest};
use crate::domain::sort::ParticipantSort;
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::participants::{
    NewParticipant, Participant, ParticipantFilter, ParticipantList, ParticipantPatch,
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_participants)
        .service(create_participant)
        .service(get_participant)
        .service(update_participant)
        .service(delete_participant)
        .service(erase_participant);
}

/// An officer. Callers who may not see personal details (facilitators) get the NIP masked
/// (`1987**********1001`) and `email`/`phone` as null.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "5b0e7a52-8f1e-4d8e-9a57-1f5b3c2d9e01",
    "nip": "198703142010121001",
    "full_name": "Budi Santoso",
    "sex": "male",
    "employee_type": "pns",
    "grade": "III/b",
    "position": "Pembimbing Kemasyarakatan",
    "position_kind": "functional",
    "unit_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "email": "budi.santoso@example.go.id",
    "phone": "+62 812-3456-7890",
    "archived_at": null,
    "erased": false,
    "version": 1,
    "created_at": "2025-07-20T03:00:00Z",
    "updated_at": "2025-07-20T03:00:00Z"
}))]
pub struct ParticipantResponse {
    pub id: Uuid,
    /// The 18-digit NIP, masked for callers who may not see it in full; null after an erasure.
    pub nip: Option<String>,
    /// `Peserta terhapus` after an erasure.
    pub full_name: String,
    pub sex: Sex,
    pub employee_type: EmployeeType,
    /// The civil-service grade (golongan); null for PPPK staff and when unknown.
    pub grade: Option<Grade>,
    /// The position (jabatan).
    pub position: Option<String>,
    pub position_kind: Option<PositionKind>,
    pub unit_id: Uuid,
    /// Null when not set, after an erasure, or for callers who may not see contacts.
    pub email: Option<String>,
    /// Null when not set, after an erasure, or for callers who may not see contacts.
    pub phone: Option<String>,
    /// When the record was archived (hidden from lists by default); null when active.
    pub archived_at: Option<DateTime<Utc>>,
    /// True once an administrator erased the personal data (UU PDP). Read-only.
    pub erased: bool,
    /// Increases with every change; sent as `ETag`, expected in `If-Match`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Participant> for ParticipantResponse {
    fn from(row: Participant) -> Self {
        Self {
            sex: row.sex,
            employee_type: row.employee_type,
            grade: row.grade,
            position_kind: row.position_kind,
            id: row.id,
            nip: row.nip,
            full_name: row.full_name,
            position: row.position,
            unit_id: row.unit_id,
            email: row.email,
            phone: row.phone,
            archived_at: row.archived_at,
            erased: row.erased,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new officer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "nip": "198703142010121001",
    "full_name": "Budi Santoso",
    "sex": "male",
    "employee_type": "pns",
    "grade": "III/b",
    "position": "Pembimbing Kemasyarakatan",
    "position_kind": "functional",
    "unit_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "email": "budi.santoso@example.go.id",
    "phone": "+62 812-3456-7890"
}))]
pub struct CreateParticipantRequest {
    /// 18 digits: birth date `YYYYMMDD`, first appointment `YYYYMM` (checked for PNS only), sex digit (1 male,
    /// 2 female, agreeing with `sex`), a sequence that is not `000`. Unique.
    #[schema(min_length = 18, max_length = 18, pattern = "^[0-9]{18}$")]
    pub nip: String,
    #[schema(min_length = 1, max_length = 200)]
    pub full_name: String,
    pub sex: Sex,
    pub employee_type: EmployeeType,
    /// Civil-service grade; must be null (or absent) for `pppk`.
    pub grade: Option<Grade>,
    #[schema(min_length = 1, max_length = 200)]
    pub position: Option<String>,
    pub position_kind: Option<PositionKind>,
    /// The officer's unit; a unit operator may only name their own.
    pub unit_id: Uuid,
    /// An email address: one `@` and a dot in the domain.
    #[schema(max_length = 254, pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    pub email: Option<String>,
    /// Digits with an optional leading `+`, spaces or dashes between them; 7-20 digits.
    #[schema(
        min_length = 7,
        max_length = 32,
        pattern = r"^\+?[0-9]([ -]*[0-9]){6,19}$"
    )]
    pub phone: Option<String>,
}

impl From<CreateParticipantRequest> for NewParticipant {
    fn from(r: CreateParticipantRequest) -> Self {
        Self {
            nip: r.nip,
            full_name: r.full_name,
            sex: r.sex,
            employee_type: r.employee_type,
            grade: r.grade,
            position: r.position,
            position_kind: r.position_kind,
            unit_id: r.unit_id,
            email: r.email,
            phone: r.phone,
        }
    }
}

/// A JSON merge patch of an officer: send only the fields to change; `null` clears a nullable field.
/// `archived: true` archives the record (hidden from lists by default), `false` restores it. A participant may
/// send only `email` and `phone` of their own record.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grade": "III/c", "position": "Kepala Seksi Bimbingan Kemasyarakatan", "position_kind": "structural"}))]
pub struct UpdateParticipantRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 18, max_length = 18, pattern = "^[0-9]{18}$")]
    pub nip: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub full_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Sex)]
    pub sex: Option<Option<Sex>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = EmployeeType)]
    pub employee_type: Option<Option<EmployeeType>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Grade>, nullable)]
    pub grade: Option<Option<Grade>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, min_length = 1, max_length = 200)]
    pub position: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<PositionKind>, nullable)]
    pub position_kind: Option<Option<PositionKind>>,
    /// Moves the officer; a unit operator may not move officers to another unit.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Uuid)]
    pub unit_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 254, pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, min_length = 7, max_length = 32, pattern = r"^\+?[0-9]([ -]*[0-9]){6,19}$")]
    pub phone: Option<Option<String>>,
    /// `true` archives the record, `false` restores it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = bool)]
    pub archived: Option<Option<bool>>,
}

impl From<UpdateParticipantRequest> for ParticipantPatch {
    fn from(r: UpdateParticipantRequest) -> Self {
        Self {
            nip: r.nip,
            full_name: r.full_name,
            sex: r.sex,
            employee_type: r.employee_type,
            grade: r.grade,
            position: r.position,
            position_kind: r.position_kind,
            unit_id: r.unit_id,
            email: r.email,
            phone: r.phone,
            archived: r.archived,
        }
    }
}

/// Filters and paging of the participant list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParticipantsQuery {
    /// Page size, 1-100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// Items to skip.
    #[param(minimum = 0, maximum = 1000000, default = 0)]
    pub offset: Option<i64>,
    /// Only officers of this unit. A unit operator always sees only their own unit: naming another is 403.
    pub unit_id: Option<Uuid>,
    /// Only officers with this grade (e.g. `III/a`, URL-encoded `III%2Fa`).
    #[param(inline)]
    pub grade: Option<Grade>,
    /// Only PNS or only PPPK officers.
    #[param(inline)]
    pub employee_type: Option<EmployeeType>,
    /// A part of the name, case- and accent-insensitive (`elia` finds `Élia`). NIPs are never searched here.
    #[param(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub q: Option<String>,
    /// Only the officer with exactly this NIP (18 digits). For the roles that see full NIPs (administrators,
    /// organizers, unit operators within their unit, an officer for themself); a facilitator gets 403. Erased
    /// officers have no NIP left to find.
    #[param(pattern = "^[0-9]{18}$", example = "198703142010121001")]
    pub nip: Option<String>,
    /// Include archived and erased records (default false).
    #[param(default = false)]
    pub include_archived: Option<bool>,
    /// Sort order; `-` means descending. Ties are broken by id.
    #[param(inline)]
    pub sort: Option<ParticipantSort>,
    /// Only records changed at or after this time (RFC 3339, e.g. `2025-08-01T00:00:00Z`): an incremental sync.
    /// Deletions and erasures do not show here; the change feed (`GET /api/v1/changes`) has them.
    pub updated_since: Option<DateTime<Utc>>,
}

impl ListParticipantsQuery {
    fn parse(self) -> Result<ParticipantList, ApiError> {
        let mut errors = Vec::new();
        let page = PageRequest::parse(self.limit, self.offset, &mut errors);
        let q = super::search_query(self.q, &mut errors);
        let name = q.as_deref().map(text::search_form);
        if name.as_deref() == Some("") && q.as_deref().is_some_and(|q| !q.is_empty()) {
            errors.push(FieldError::new(
                "q",
                "too_short",
                "must contain a letter or digit",
            ));
        }
        if let Some(nip) = &self.nip
            && (nip.len() != 18 || !nip.bytes().all(|b| b.is_ascii_digit()))
        {
            errors.push(FieldError::new(
                "nip",
                "invalid_format",
                "must be exactly 18 digits",
            ));
        }
        let filter = ParticipantFilter {
            unit_id: self.unit_id,
            nip: self.nip,
            grade: self.grade,
            employee_type: self.employee_type,
            name,
            include_archived: self.include_archived.unwrap_or(false),
            updated_since: self.updated_since,
        };
        let sort = self.sort.unwrap_or_default();
        super::checked_query(ParticipantList { filter, sort, page }, errors)
    }
}

fn participant_response(participant: Participant, status: StatusCode) -> HttpResponse {
    let body = ParticipantResponse::from(participant);
    super::versioned(status, "participants", body.id, body.version, body)
}

/// List participants
///
/// Pages through the officers the caller may see, filtered by unit, grade, employee type, a part of the name
/// (`q`, case- and accent-insensitive) or the exact NIP (`nip`: not for facilitators, who see NIPs masked: 403). Archived and erased records are left out unless `include_archived=true`.
/// Admins and organizers see every officer; a unit operator only those of their own unit (asking for another
/// unit is 403); a facilitator only the officers approved in the (non-draft) events where they lead a session,
/// with the NIP masked and no contacts; a participant sees only themself. A page that shows full NIPs is
/// recorded in the audit log as one `participant.nip_read` access event naming its officers.
#[utoipa::path(
    tag = "participants",
    params(ListParticipantsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of officers.", body = Page<ParticipantResponse>)
    )
)]
#[get("/participants")]
pub async fn list_participants(
    user: AuthUser,
    state: web::Data<AppState>,
    query: ApiQuery<ListParticipantsQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = service::participants::list(&state.pool, &user, query.0.parse().into()).await?;
    Ok(HttpResponse::Ok().json(page.map(ParticipantResponse::from)))
}

/// Create a participant
///
/// Registers an officer. The NIP is checked against `sex` and `employee_type` (422 with field `nip` and a code
/// such as `invalid_format`, `invalid_birth_date`, `sex_mismatch`, `invalid_sequence`,
/// `invalid_appointment_date`) and must be unique (409 naming `nip`). A PPPK officer has no civil-service
/// grade. Admins and organizers may create officers in any unit; a unit operator only in their own (403
/// otherwise).
#[utoipa::path(
    tag = "participants",
    request_body = CreateParticipantRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created; `Location` names the new officer.", body = ParticipantResponse,
            headers(("Location" = String, description = "The URL of the new officer"), ("ETag" = String, description = "The version"))),
        (status = 409, response = responses::Conflict),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/participants")]
pub async fn create_participant(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<CreateParticipantRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner().map(NewParticipant::from);
    let created = service::participants::create(&state.pool, &user, input.into()).await?;
    Ok(participant_response(created, StatusCode::CREATED))
}

/// Read a participant
///
/// Admins and organizers read any officer, a unit operator those of their own unit, a participant their own
/// record (403 otherwise). Facilitators read the officers approved in the (non-draft) events where they lead a
/// session (403 otherwise), with the NIP masked and no contacts. The `ETag` header
/// carries the version for a later `If-Match`.
#[utoipa::path(
    tag = "participants",
    params(("id" = Uuid, Path, description = "The participant id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The officer.", body = ParticipantResponse,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, response = responses::NotFound)
    )
)]
#[get("/participants/{id}")]
pub async fn get_participant(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let found = service::participants::get(&state.pool, &user, id.into_inner()).await?;
    Ok(participant_response(found, StatusCode::OK))
}

/// Change a participant
///
/// A JSON merge patch (`application/merge-patch+json` or `application/json`) of `nip`, `full_name`, `sex`,
/// `employee_type`, `grade`, `position`, `position_kind`, `unit_id`, `email`, `phone` and `archived`. Read-only
/// fields (`id`, `erased`, `version`, ...) are refused with 422. A changed NIP, sex or employee type is checked
/// against the other two. Admins and organizers change any officer; a unit operator those of their own unit and
/// never moves one to another unit (403); a participant only `email` and `phone` of their own record (403
/// `forbidden_field` for any other field). An erased record cannot be changed (409 `participant_erased`). With
/// `If-Match: "<version>"` the change applies only to that version (412 otherwise).
#[utoipa::path(
    tag = "participants",
    params(
        ("id" = Uuid, Path, description = "The participant id"),
        IfMatch
    ),
    request_body(content = UpdateParticipantRequest, content_type = "application/merge-patch+json"),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The changed officer.", body = ParticipantResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[patch("/participants/{id}")]
pub async fn update_participant(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateParticipantRequest>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().map(ParticipantPatch::from);
    let changed = service::participants::update(
        &state.pool,
        &user,
        id.into_inner(),
        if_match.0,
        patch.into(),
    )
    .await?;
    Ok(participant_response(changed, StatusCode::OK))
}

/// Delete a participant
///
/// Deletes an officer who has no history. One with enrollments, attendance or a linked user account is kept:
/// 409 `in_use`; archive it (`PATCH {"archived": true}`) or have an administrator erase its personal data.
/// Honours `If-Match`. Admins, organizers, and the operator of the officer's unit.
#[utoipa::path(
    tag = "participants",
    params(
        ("id" = Uuid, Path, description = "The participant id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[delete("/participants/{id}")]
pub async fn delete_participant(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    service::participants::delete(&state.pool, &user, id.into_inner(), if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Erase a participant's personal data
///
/// On request of the officer (UU 27/2022 PDP), removes the NIP, name (replaced by `Peserta terhapus`), email,
/// phone and position, and archives the record. Enrollments and attendance stay, so anonymous aggregates keep
/// working; the record can no longer be changed. The holder's name on the officer's certificates is replaced too
/// (their numbers stay verifiable; the public page says the holder's data was erased). Erasing twice is 409 `already_erased`. Honours `If-Match`.
/// Administrators only.
#[utoipa::path(
    tag = "participants",
    params(
        ("id" = Uuid, Path, description = "The participant id"),
        IfMatch
    ),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The erased record.", body = ParticipantResponse,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, response = responses::NotFound),
        (status = 409, response = responses::Conflict),
        (status = 412, response = responses::PreconditionFailed)
    )
)]
#[post("/participants/{id}/erase")]
pub async fn erase_participant(
    user: AuthUser,
    state: web::Data<AppState>,
    if_match: IfMatch,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let erased =
        service::participants::erase(&state.pool, &user, id.into_inner(), if_match.0).await?;
    Ok(participant_response(erased, StatusCode::OK))
}
