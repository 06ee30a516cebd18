//! Participant accounts for a whole unit, and their activation (issue 18).
//!
//! Writes to `users` fire the `track_row` trigger, which appends one `user.created` audit entry per new account
//! and one `user.updated` per new code or activation, the code's hash shown as "[redacted]" (migrations 000008,
//! 000019); this service adds `{"activation": "issued" | "activated"}` to those entries. No code is ever logged,
//! stored in plain or kept in an idempotent answer (the route refuses `Idempotency-Key`).
//!
//! Issuing: an administrator for any unit, a unit operator for their own, an organizer for the unit's officers
//! taking part in an event they organise (nominated, waitlisted or approved). Each officer named (or each officer of the unit without an account) gets
//! an account waiting for activation, or, when they have a participant account already, a new code that voids the
//! old one (an officer who forgot their password gets one the same way; their password keeps working until the
//! code is used). A code is valid for `ACTIVATION_CODE_DAYS`, returned once, in the answer only.
//!
//! Activating: the officer's NIP, the code and a new password (the policy of every password); the account's
//! tokens are revoked and the answer is a login. Throttled as logins are: the attempts and failures of the address,
//! the failures of the NIP (shared with logins by NIP).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use diesel::Connection;
use uuid::Uuid;

use crate::auth::{AuthUser, password};
use crate::db;
use crate::domain::activation::{ActivationCode, ActivationValidity};
use crate::domain::role::Role;
use crate::domain::user::NewPassword;
use crate::error::{ApiError, FieldError};
use crate::repo::audit;
use crate::repo::participant_accounts::{self as repo, Candidate, NewPendingAccount};
use crate::service::audit_log::{self, AccessEvent};
use crate::service::auth::{Issuer, TokenPair, signed_in};
use crate::service::imports::ImportMode;
use crate::service::{DbPool, Input, Permit, throttle};

/// The most officers one request issues accounts for.
pub const MAX_ACCOUNTS: usize = 500;

/// Whom to issue accounts for.
#[derive(Debug, Clone)]
pub enum Selection {
    /// These officers, in this order (each at most once).
    Officers(Vec<Uuid>),
    /// Every current officer of the unit with a NIP and without an account (for an organizer: taking part in one
    /// of their events), by name, at most [`MAX_ACCOUNTS`].
    AllWithoutAccount,
}

/// The settings of issuing: how long a code is valid and where an officer activates.
#[derive(Debug, Clone)]
pub struct IssueSettings {
    pub validity: ActivationValidity,
    pub activation_url: String,
}

/// What became of an officer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    /// A new account, waiting for activation.
    Created,
    /// The officer had a participant account: a new code voids the old one.
    Reissued,
    Error,
}

/// One officer's result. The personal fields and the code are present for issued rows only.
#[derive(Debug, Clone)]
pub struct IssuedAccount {
    pub row: usize,
    pub participant_id: Uuid,
    pub status: AccountStatus,
    pub user_id: Option<Uuid>,
    pub username: Option<String>,
    pub full_name: Option<String>,
    pub nip: Option<String>,
    pub unit_name: Option<String>,
    pub code: Option<ActivationCode>,
    pub errors: Vec<FieldError>,
}

/// The result of a request that was written.
#[derive(Debug, Clone)]
pub struct IssuedAccounts {
    pub mode: ImportMode,
    pub unit_name: String,
    pub activation_url: String,
    pub expires_at: DateTime<Utc>,
    /// With [`Selection::AllWithoutAccount`]: the officers without an account beyond this request's
    /// [`MAX_ACCOUNTS`], for the next request. 0 otherwise.
    pub remaining: i64,
    pub rows: Vec<IssuedAccount>,
}

impl IssuedAccounts {
    /// The number of rows per status, in the order of [`AccountStatus`].
    pub fn counts(&self) -> [usize; 3] {
        let mut counts = [0; 3];
        for row in &self.rows {
            counts[row.status as usize] += 1;
        }
        counts
    }
}

/// The unit's officers the caller may give accounts: all of them (`None`), or, for an organizer, those enrolled in
/// their events (`Some(organizer)`).
fn permit(user: &AuthUser, unit_id: Uuid) -> Result<(Permit, Option<Uuid>), ApiError> {
    match user.role {
        Role::Admin => Ok((Permit::granted(), None)),
        Role::UnitOperator if user.unit_id == Some(unit_id) => Ok((Permit::granted(), None)),
        Role::UnitOperator => Err(ApiError::Forbidden {
            code: "forbidden",
            detail: "A unit operator issues accounts only for the officers of their own unit."
                .into(),
        }),
        Role::Organizer => Ok((Permit::granted(), Some(user.id))),
        _ => Err(ApiError::forbidden()),
    }
}

fn row_error(code: &'static str, message: &str) -> FieldError {
    FieldError::new("participant_id", code, message)
}

/// Why an officer gets no account from this caller, if they get none.
fn refusal(
    candidate: &Candidate,
    unit_id: Uuid,
    organized: Option<&HashSet<Uuid>>,
) -> Option<FieldError> {
    if candidate.unit_id != unit_id {
        return Some(row_error("other_unit", "belongs to another unit"));
    }
    if organized.is_some_and(|o| !o.contains(&candidate.participant_id)) {
        return Some(row_error(
            "forbidden",
            "takes part in none of the events you organise",
        ));
    }
    if candidate.erased {
        return Some(row_error(
            "participant_erased",
            "has had their personal data erased",
        ));
    }
    if candidate.archived {
        return Some(row_error("archived", "is archived"));
    }
    if candidate.nip.is_none() {
        return Some(row_error(
            "no_nip",
            "has no NIP to activate an account with",
        ));
    }
    match &candidate.account {
        Some(account) if account.role != Role::Participant => Some(row_error(
            "not_a_participant_account",
            "is linked to an account of another role",
        )),
        Some(account) if !account.is_active => Some(row_error(
            "account_inactive",
            "has a deactivated account (an administrator reactivates it)",
        )),
        _ => None,
    }
}

/// Issues accounts and codes for officers of the unit (see the module's rules). `all_or_nothing`: any officer who
/// cannot get one, and nothing is written (422 `bulk_rejected` naming every such row); `best_effort`: the others
/// are written and those reported. One transaction either way. 404 for an unknown unit (to a caller who may
/// issue for it).
pub async fn issue(
    pool: &DbPool,
    user: &AuthUser,
    unit_id: Uuid,
    input: Input<(Selection, ImportMode)>,
    settings: IssueSettings,
) -> Result<IssuedAccounts, ApiError> {
    let (permit, organizer) = permit(user, unit_id)?;
    let (selection, mode) = input.open(&permit)?;
    if let Selection::Officers(ids) = &selection {
        check_ids(ids)?;
    }
    let actor = user.id;
    let issued = db::run(pool, move |conn| {
        conn.transaction(|conn| {
            let unit_name =
                repo::unit_name(conn, unit_id)?.ok_or_else(|| ApiError::not_found("Unit"))?;
            let (ordered, remaining) = match &selection {
                Selection::Officers(ids) => {
                    let mut found: HashMap<Uuid, Candidate> = repo::by_ids(conn, ids)?
                        .into_iter()
                        .map(|c| (c.participant_id, c))
                        .collect();
                    let ordered: Vec<(Uuid, Option<Candidate>)> =
                        ids.iter().map(|id| (*id, found.remove(id))).collect();
                    (ordered, 0)
                }
                Selection::AllWithoutAccount => {
                    let (found, total) =
                        repo::without_account(conn, unit_id, organizer, MAX_ACCOUNTS as i64)?;
                    let remaining = total - found.len() as i64;
                    let ordered = found
                        .into_iter()
                        .map(|c| (c.participant_id, Some(c)))
                        .collect();
                    (ordered, remaining)
                }
            };
            let ids: Vec<Uuid> = ordered.iter().map(|(id, _)| *id).collect();
            let organized = match organizer {
                Some(organizer) => Some(repo::enrolled_with_organizer(conn, organizer, &ids)?),
                None => None,
            };
            let expires_at =
                Utc::now() + chrono::Duration::days(i64::from(settings.validity.len_days()));
            let mut rows = Vec::with_capacity(ordered.len());
            let mut pending = Vec::new();
            let mut reissued = Vec::new();
            for (row, (participant_id, candidate)) in ordered.into_iter().enumerate() {
                let refused = match &candidate {
                    None => Some(row_error("unknown_reference", "no officer has this id")),
                    Some(c) => refusal(c, unit_id, organized.as_ref()),
                };
                let (Some(candidate), None) = (candidate, refused.clone()) else {
                    rows.push(IssuedAccount {
                        row,
                        participant_id,
                        status: AccountStatus::Error,
                        user_id: None,
                        username: None,
                        full_name: None,
                        nip: None,
                        unit_name: None,
                        code: None,
                        errors: refused.into_iter().collect(),
                    });
                    continue;
                };
                let code = ActivationCode::generate();
                let (status, user_id, username) = match candidate.account {
                    Some(account) => {
                        reissued.push((account.id, code.hash_for(account.id)));
                        (AccountStatus::Reissued, account.id, account.username)
                    }
                    None => {
                        let id = Uuid::new_v4();
                        let username = format!("peserta-{}", participant_id.simple());
                        pending.push(NewPendingAccount {
                            id,
                            username: username.clone(),
                            password_hash: repo::PENDING_PASSWORD,
                            role: Role::Participant,
                            participant_id: Some(participant_id),
                            activation_code_hash: Some(code.hash_for(id)),
                            activation_expires_at: Some(expires_at),
                        });
                        (AccountStatus::Created, id, username)
                    }
                };
                rows.push(IssuedAccount {
                    row,
                    participant_id,
                    status,
                    user_id: Some(user_id),
                    username: Some(username),
                    full_name: Some(candidate.full_name),
                    nip: candidate.nip,
                    unit_name: Some(candidate.unit_name),
                    code: Some(code),
                    errors: Vec::new(),
                });
            }
            let failed: Vec<FieldError> = rows
                .iter()
                .flat_map(|r| {
                    r.errors.iter().map(move |e| {
                        let mut e = e.clone();
                        e.field = format!("[{}].{}", r.row, e.field);
                        e
                    })
                })
                .collect();
            if mode == ImportMode::AllOrNothing && !failed.is_empty() {
                return Err(ApiError::Unprocessable {
                    code: "bulk_rejected",
                    detail: Cow::Owned(format!(
                        "{} of {} officers cannot get an account; nothing was written.",
                        rows.iter()
                            .filter(|r| r.status == AccountStatus::Error)
                            .count(),
                        rows.len()
                    )),
                    errors: failed,
                });
            }
            audit::with_detail(conn, &serde_json::json!({"activation": "issued"}), |conn| {
                repo::insert_pending(conn, &pending)?;
                for (user_id, hash) in &reissued {
                    repo::set_code(conn, *user_id, hash, expires_at)?;
                }
                Ok(())
            })?;
            Ok::<_, ApiError>(IssuedAccounts {
                mode,
                unit_name,
                activation_url: settings.activation_url.clone(),
                expires_at,
                remaining,
                rows,
            })
        })
    })
    .await?;
    let shown: Vec<Uuid> = issued
        .rows
        .iter()
        .filter(|r| r.nip.is_some())
        .map(|r| r.participant_id)
        .collect();
    if !shown.is_empty() {
        audit_log::access(AccessEvent::nips_read(shown));
    }
    let [created, reissued, failed] = issued.counts();
    tracing::info!(
        unit.id = %unit_id,
        actor.id = %actor,
        accounts.created = created,
        accounts.reissued = reissued,
        accounts.failed = failed,
        "participant accounts issued"
    );
    Ok(issued)
}

fn check_ids(ids: &[Uuid]) -> Result<(), ApiError> {
    if ids.is_empty() || ids.len() > MAX_ACCOUNTS {
        return Err(ApiError::field(
            "participant_ids",
            if ids.is_empty() {
                "too_short"
            } else {
                "too_long"
            },
            format!("must hold 1 to {MAX_ACCOUNTS} officers"),
        ));
    }
    let mut seen = HashSet::new();
    let errors: Vec<FieldError> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !seen.insert(**id))
        .map(|(i, _)| {
            FieldError::new(
                format!("participant_ids[{i}]"),
                "duplicate",
                "names an officer already named",
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// A checked activation: the officer's NIP (18 digits), the code as typed, the new password.
#[derive(Debug)]
pub struct Activation {
    pub nip: String,
    pub code: ActivationCode,
    pub password: NewPassword,
}

fn invalid_activation() -> ApiError {
    ApiError::Unauthorized {
        code: "invalid_activation_code",
        detail: Cow::Borrowed(
            "The NIP or the activation code is incorrect, or the account was already activated with it.",
        ),
        invalid_token: false,
    }
}

/// Activates an officer's account (see the module's rules) and logs them in. A wrong NIP, a wrong code and a
/// spent one give the same 401 `invalid_activation_code`; the right code after its expiry gives 401
/// `activation_code_expired` (the unit's operator issues a new one).
pub async fn activate(
    issuer: Issuer<'_>,
    address: IpAddr,
    activation: Activation,
) -> Result<TokenPair, ApiError> {
    let Activation {
        nip,
        code,
        password,
    } = activation;
    let delay = issuer.limiter.check_account(&nip)?;
    if !delay.is_zero() {
        actix_web::rt::time::sleep(delay).await;
    }
    let limits = issuer.limits;
    let lookup = nip.clone();
    let account = db::run(issuer.pool, move |conn| {
        throttle::admit(conn, limits, address, Some(&lookup))?;
        Ok(repo::activation_by_nip(conn, &lookup)?)
    })
    .await?;
    let matched = account
        .filter(|a| a.is_active && a.code_hash.as_deref() == Some(code.hash_for(a.id).as_slice()));
    let Some(account) = matched else {
        tracing::info!(auth.outcome = "failure", "activation refused");
        let key = nip.clone();
        db::run(issuer.pool, move |conn| {
            throttle::failed(conn, address, &key)
        })
        .await?;
        return Err(invalid_activation());
    };
    if account.expires_at.is_none_or(|at| at <= Utc::now()) {
        return Err(ApiError::Unauthorized {
            code: "activation_code_expired",
            detail: Cow::Borrowed(
                "This activation code has expired; ask your unit's operator for a new one.",
            ),
            invalid_token: false,
        });
    }
    let hash = actix_web::web::block(move || password::hash(password.expose())).await??;
    let user_id = account.id;
    let code_hash = code.hash_for(user_id);
    let token_version = db::run(issuer.pool, move |conn| {
        Ok(conn.transaction(|conn| {
            audit::with_detail(
                conn,
                &serde_json::json!({"activation": "activated"}),
                |conn| repo::activate(conn, user_id, &code_hash, &hash),
            )
        })?)
    })
    .await?
    .ok_or_else(invalid_activation)?;
    let pair = signed_in(&issuer, user_id, Role::Participant, token_version, nip).await?;
    tracing::info!(auth.outcome = "success", user.id = %user_id, "account activated");
    Ok(pair)
}

/// The printable slips of issued accounts, and their file name.
pub struct SlipsPdf {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The slips of the issued rows (the `error` rows have none), in the answer's order; 409 `no_accounts_issued`
/// when there is none (the request wrote nothing a slip could show).
pub async fn slips_pdf(
    fonts: std::sync::Arc<crate::documents::Fonts>,
    issued: IssuedAccounts,
) -> Result<SlipsPdf, ApiError> {
    use crate::documents::activation_slips::{self, Slip, SlipSheet};
    let valid_until = crate::domain::certificate::wib_date(issued.expires_at);
    let file_name = format!("kode-aktivasi-{}.pdf", valid_until.format("%Y-%m-%d"));
    let sheet = SlipSheet {
        office: issued.unit_name.clone(),
        activation_url: issued.activation_url.clone(),
        valid_until,
        password_min: NewPassword::MIN,
        slips: issued
            .rows
            .into_iter()
            .filter_map(|r| {
                Some(Slip {
                    full_name: r.full_name?,
                    nip: r.nip?,
                    unit_name: r.unit_name?,
                    code: r.code?.display(),
                })
            })
            .collect(),
        created_at: Utc::now(),
    };
    if sheet.slips.is_empty() {
        return Err(ApiError::conflict(
            "no_accounts_issued",
            "No officer got an account or a code, so there is no slip to print.",
        ));
    }
    let bytes = actix_web::web::block(move || activation_slips::render(&fonts, &sheet))
        .await?
        .map_err(ApiError::internal)?;
    Ok(SlipsPdf { file_name, bytes })
}
