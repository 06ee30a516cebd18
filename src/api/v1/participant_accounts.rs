//! `POST /api/v1/units/{id}/participant-accounts` (accounts and activation codes for a unit's officers, as JSON
//! or as printable slips) and `POST /api/v1/auth/activate` (an officer activates with NIP and code).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::extract::{ApiQuery, JsonBody};
use crate::api::v1::auth::{TokenResponse, issuer};
use crate::api::v1::certificates::PdfFile;
use crate::api::v1::enrollment_bulk::BulkQuery;
use crate::api::v1::imports::ImportModeParam;
use crate::auth::AuthUser;
use crate::domain::activation::ActivationCode;
use crate::domain::user::NewPassword;
use crate::error::{ApiError, FieldError};
use crate::openapi as responses;
use crate::service;
use crate::service::imports::ImportMode;
use crate::service::participant_accounts::{
    AccountStatus, Activation, IssueSettings, IssuedAccounts, Selection,
};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(issue_accounts).service(activate);
}

/// Whom to give accounts: `participant_ids`, or `all_without_account: true` (exactly one of the two).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"participant_ids": ["5eed0000-0000-4000-8000-00000000a001", "5eed0000-0000-4000-8000-00000000a002"]}))]
pub struct IssueAccountsRequest {
    /// 1 to 500 officers of the unit, each at most once. An officer who has a participant account gets a new
    /// code (the old one stops working).
    #[schema(min_items = 1, max_items = 500)]
    pub participant_ids: Option<Vec<Uuid>>,
    /// `true`: every current officer of the unit with a NIP and without an account (for an organizer: taking part
    /// in one of their events), by name, at most 500 a request (`remaining` says how many are left).
    pub all_without_account: Option<bool>,
}

impl IssueAccountsRequest {
    fn parse(self) -> Result<Selection, ApiError> {
        match (self.participant_ids, self.all_without_account) {
            (Some(ids), None | Some(false)) => Ok(Selection::Officers(ids)),
            (None, Some(true)) => Ok(Selection::AllWithoutAccount),
            (Some(_), Some(true)) => Err(ApiError::validation(vec![
                FieldError::new(
                    "participant_ids",
                    "conflicting_fields",
                    "give either participant_ids or all_without_account, not both",
                ),
                FieldError::new(
                    "all_without_account",
                    "conflicting_fields",
                    "give either participant_ids or all_without_account, not both",
                ),
            ])),
            (None, None | Some(false)) => Err(ApiError::field(
                "participant_ids",
                "required",
                "give participant_ids, or all_without_account: true",
            )),
        }
    }
}

/// What became of an officer.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountRowStatus {
    /// A new account, waiting for its activation.
    Created,
    /// The officer's account got a new code; the old one no longer works.
    Reissued,
    Error,
}

/// One officer's account and code.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"row": 0, "participant_id": "5eed0000-0000-4000-8000-00000000a001", "status": "created",
    "user_id": "0b7e2f4c-3a1d-4e5f-8a9b-0c1d2e3f4a5b", "username": "peserta-5eed000000004000800000000000a001",
    "full_name": "Budi Santoso", "nip": "198503142010121002", "unit_name": "Lapas Kelas IIA Samarinda",
    "activation_code": "7KQ4-M2XD-9RTB", "errors": []}))]
pub struct AccountRow {
    /// The row's position (in `participant_ids`, or in the list of officers found), from 0.
    pub row: usize,
    pub participant_id: Uuid,
    pub status: AccountRowStatus,
    /// The account; null for an `error` row.
    pub user_id: Option<Uuid>,
    /// The account's username (officers log in with their NIP instead); null for an `error` row.
    pub username: Option<String>,
    /// Null for an `error` row.
    pub full_name: Option<String>,
    /// The full NIP, to log in and activate with; null for an `error` row.
    pub nip: Option<String>,
    /// Null for an `error` row.
    pub unit_name: Option<String>,
    /// The one-time code, shown in this answer only (never again, never stored in plain); null for an `error`
    /// row.
    pub activation_code: Option<String>,
    /// Every error of an `error` row (`unknown_reference`, `other_unit`, `forbidden`, `participant_erased`,
    /// `archived`, `no_nip`, `not_a_participant_account`, `account_inactive`); empty otherwise.
    pub errors: Vec<FieldError>,
}

/// The number of officers per status.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"created": 17, "reissued": 1, "error": 0}))]
pub struct AccountSummary {
    pub created: usize,
    pub reissued: usize,
    pub error: usize,
}

/// Accounts issued.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "mode": "all_or_nothing",
    "activation_url": "https://bimtek.example.go.id/aktivasi",
    "expires_at": "2025-08-16T02:00:00Z",
    "remaining": 0,
    "summary": {"created": 1, "reissued": 0, "error": 0},
    "accounts": [{"row": 0, "participant_id": "5eed0000-0000-4000-8000-00000000a001", "status": "created",
        "user_id": "0b7e2f4c-3a1d-4e5f-8a9b-0c1d2e3f4a5b", "username": "peserta-5eed000000004000800000000000a001",
        "full_name": "Budi Santoso", "nip": "198503142010121002", "unit_name": "Lapas Kelas IIA Samarinda",
        "activation_code": "7KQ4-M2XD-9RTB", "errors": []}]
}))]
pub struct IssuedAccountsResponse {
    pub mode: ImportModeParam,
    /// Where an officer activates their account (`POST /api/v1/auth/activate` behind it).
    pub activation_url: String,
    /// When the codes of this answer stop working.
    pub expires_at: DateTime<Utc>,
    /// With `all_without_account`: officers without an account beyond this answer's 500, for another request.
    pub remaining: i64,
    pub summary: AccountSummary,
    pub accounts: Vec<AccountRow>,
}

impl From<IssuedAccounts> for IssuedAccountsResponse {
    fn from(issued: IssuedAccounts) -> Self {
        let [created, reissued, error] = issued.counts();
        Self {
            mode: match issued.mode {
                ImportMode::AllOrNothing => ImportModeParam::AllOrNothing,
                ImportMode::BestEffort => ImportModeParam::BestEffort,
            },
            activation_url: issued.activation_url,
            expires_at: issued.expires_at,
            remaining: issued.remaining,
            summary: AccountSummary {
                created,
                reissued,
                error,
            },
            accounts: issued
                .rows
                .into_iter()
                .map(|r| AccountRow {
                    row: r.row,
                    participant_id: r.participant_id,
                    status: match r.status {
                        AccountStatus::Created => AccountRowStatus::Created,
                        AccountStatus::Reissued => AccountRowStatus::Reissued,
                        AccountStatus::Error => AccountRowStatus::Error,
                    },
                    user_id: r.user_id,
                    username: r.username,
                    full_name: r.full_name,
                    nip: r.nip,
                    unit_name: r.unit_name,
                    activation_code: r.code.map(|c| c.display()),
                    errors: r.errors,
                })
                .collect(),
        }
    }
}

/// Whether the caller asked for the slips: `Accept` prefers `application/pdf` to JSON.
fn wants_pdf(req: &HttpRequest) -> bool {
    crate::api::extract::negotiate(req, &["application/json", "application/pdf"])
        == "application/pdf"
}

/// Issue participant accounts for a unit's officers
///
/// Gives each officer named in `participant_ids` (or, with `all_without_account: true`, every current officer of
/// the unit with a NIP and without an account, by name, 500 at most) a participant account waiting for its
/// activation and a one-time activation code, valid for 14 days by default (`ACTIVATION_CODE_DAYS`). An officer
/// who has a participant account gets a new code, and the old one stops working (also the way to reset a
/// forgotten password: the password keeps working until the code is used). The officer activates at
/// `activation_url` (`POST /api/v1/auth/activate`) with their NIP, the code and a new password, then logs in with
/// NIP and password.
///
/// Who: administrators for any unit, a unit operator for their own unit (another unit: 403), an organizer for the
/// unit's officers taking part in an event they organise (nominated, waitlisted or approved; other officers are
/// `forbidden` rows). `mode` as in the
/// imports: `all_or_nothing` (default: an officer who cannot get an account, and nothing is written, 422
/// `bulk_rejected` naming every such row as `[row].participant_id`) or `best_effort`.
///
/// **The codes are in this answer only**: with `Accept: application/pdf` the answer is the printable slips instead
/// (A4, four a page, one officer per slip: name, NIP, unit, code, expiry, the activation address with a QR code).
/// Nothing stores the codes in plain, so `Idempotency-Key` is refused here (400 `idempotency_key_not_accepted`);
/// repeating the request issues new codes and voids the earlier ones. Each account and code is in the audit log
/// (`user.created`, `user.updated` with `activation: issued`), the answer's full NIPs are an access event.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path, description = "The unit id"), BulkQuery),
    request_body = IssueAccountsRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The accounts and their codes, as JSON, or as the printable slips \
            (`Accept: application/pdf`).", content(
                (IssuedAccountsResponse = "application/json"),
                (PdfFile = "application/pdf")
            ),
            headers(("Cache-Control" = String, description = "`no-store`: the answer holds one-time codes."))),
        (status = 400, response = responses::BadRequest),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 409, description = "Slips asked for (`Accept: application/pdf`), but no officer got a code \
            (`no_accounts_issued`).", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:bimtek-api:problem:no_accounts_issued", "title": "Conflict", "status": 409,
                "detail": "No officer got an account or a code, so there is no slip to print.", "code": "no_accounts_issued"})),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed)
    )
)]
#[post("/units/{id}/participant-accounts")]
pub async fn issue_accounts(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: ApiQuery<BulkQuery>,
    body: JsonBody<IssueAccountsRequest>,
) -> Result<HttpResponse, ApiError> {
    let mode = query.0.mode();
    let input = body
        .into_inner()
        .and_then(IssueAccountsRequest::parse)
        .map(|selection| (selection, mode));
    let settings = IssueSettings {
        validity: state.settings.activation_validity,
        activation_url: state.settings.activation_url.clone(),
    };
    let issued = service::participant_accounts::issue(
        &state.pool,
        &user,
        id.into_inner(),
        input.into(),
        settings,
    )
    .await?;
    if wants_pdf(&req) {
        let fonts = std::sync::Arc::clone(&state.fonts);
        let pdf = service::participant_accounts::slips_pdf(fonts, issued).await?;
        return Ok(HttpResponse::Ok()
            .content_type("application/pdf")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!(
                    "inline; filename=\"{0}\"; filename*=UTF-8''{0}",
                    pdf.file_name
                ),
            ))
            .body(pdf.bytes));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(IssuedAccountsResponse::from(issued)))
}

/// An officer's NIP, their activation code and the password they choose.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"nip": "198503142010121002", "activation_code": "7KQ4-M2XD-9RTB",
    "password": "kata-sandi-baru-2025"}))]
pub struct ActivateRequest {
    /// The officer's NIP (18 digits).
    #[schema(min_length = 18, max_length = 18, pattern = "^[0-9]{18}$")]
    pub nip: String,
    /// The code from the slip; case, spaces and hyphens do not matter.
    #[schema(min_length = 12, max_length = 32)]
    pub activation_code: String,
    /// The new password: 12 to 128 characters, not only whitespace.
    #[schema(min_length = 12, max_length = 128)]
    pub password: String,
}

impl ActivateRequest {
    pub(crate) fn parse(self) -> Result<Activation, ApiError> {
        let mut errors = Vec::new();
        let nip = self.nip.trim().to_owned();
        if nip.len() != 18 || !nip.bytes().all(|b| b.is_ascii_digit()) {
            errors.push(FieldError::new(
                "nip",
                "invalid_format",
                "must be 18 digits",
            ));
        }
        let code = ActivationCode::parse(&self.activation_code);
        if code.is_none() {
            errors.push(FieldError::new(
                "activation_code",
                "invalid_format",
                "must be the 12 characters printed on the slip (such as 7KQ4-M2XD-9RTB)",
            ));
        }
        let password = NewPassword::parse("password", self.password).map_err(|e| errors.push(e));
        match (code, password) {
            (Some(code), Ok(password)) if errors.is_empty() => Ok(Activation {
                nip,
                code,
                password,
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// Activate a participant account
///
/// An officer whose account was issued by their unit (`POST /api/v1/units/{id}/participant-accounts`) gives
/// their NIP, the activation code of their slip and a new password; the answer is a login (the tokens of
/// `POST /api/v1/auth/login`). From then on they log in with NIP (or username) and password. The code works once;
/// every earlier token of the account is revoked.
///
/// A wrong NIP, a wrong code and a code already used give the same 401 `invalid_activation_code`; the right code
/// after its expiry gives 401 `activation_code_expired` (the operator issues a new one). Throttled as logins are
/// (failures per NIP and per address, attempts per address: 429 with `Retry-After`).
#[utoipa::path(
    tag = "auth",
    request_body = ActivateRequest,
    responses(
        (status = 200, description = "Activated and logged in.", body = TokenResponse),
        (status = 400, response = responses::BadRequest),
        (status = 401, description = "Wrong NIP or code, a spent code (`invalid_activation_code`), or an expired \
            one (`activation_code_expired`).", content_type = "application/problem+json", body = crate::error::Problem),
        (status = 413, response = responses::PayloadTooLarge),
        (status = 415, response = responses::UnsupportedMediaType),
        (status = 422, response = responses::ValidationFailed),
        (status = 429, response = responses::TooManyRequests),
        (status = 500, response = responses::InternalError),
        (status = 503, response = responses::ServiceUnavailable)
    )
)]
#[post("/auth/activate")]
pub async fn activate(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<ActivateRequest>,
) -> Result<HttpResponse, ApiError> {
    let activation = body.into_inner().and_then(ActivateRequest::parse)?;
    state.login_limiter.check_address(&req)?;
    let address = state.login_limiter.client_address(&req);
    let pair = service::participant_accounts::activate(issuer(&state), address, activation).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse::from(pair)))
}
