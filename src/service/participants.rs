//! Participants (officers): who may see and change which records, the NIP and contact rules, archiving,
//! deletion of records without history, and the erasure of personal data (UU PDP), also from the audit log.
//!
//! Nothing here logs a NIP, a name or a contact: only ids.
//!
//! Writes to `participants` fire triggers that append `participant.*` to the audit log and the change feed
//! (`participant.erased` scrubbed of personal values), queue webhook deliveries (`participant.created`,
//! `participant.updated`, `participant.erased`; none on delete) and, when a name, NIP, unit or erasure changes or a
//! record is deleted, mark the snapshots of the officer's events stale and delete their cached result lines
//! (migrations 000008, 000009, 000011). The erasure's update of `certificates` adds `certificate.updated` to the
//! audit log and the change feed.

use chrono::{DateTime, Utc};
use diesel::Connection;
use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::enums::{EmployeeType, Grade, PositionKind, Sex};
use crate::domain::nip::{self, Nip};
use crate::domain::page::{ListRequest, Page};
use crate::domain::role::Role;
use crate::domain::sort::ParticipantSort;
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::repo::participants::{
    self as repo, NewParticipantRow, ParticipantChanges, ParticipantRow, Visible,
};
use crate::service::access;
use crate::service::audit_log::{self, AccessEvent};
use crate::service::{DbPool, Input, Permit, allow};

pub use crate::repo::participants::ParticipantFilter;

/// A participant (officer) as the caller may see it: the NIP masked and the contacts left out for callers who may
/// not see personal details.
#[derive(Debug, Clone)]
pub struct Participant {
    pub id: Uuid,
    pub nip: Option<String>,
    pub full_name: String,
    pub sex: Sex,
    pub employee_type: EmployeeType,
    pub grade: Option<Grade>,
    pub position: Option<String>,
    pub position_kind: Option<PositionKind>,
    pub unit_id: Uuid,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    /// The personal data was erased (UU PDP).
    pub erased: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ParticipantRow> for Participant {
    fn from(row: ParticipantRow) -> Self {
        Self {
            id: row.id,
            nip: row.nip,
            full_name: row.full_name,
            sex: row.sex,
            employee_type: row.employee_type,
            grade: row.grade,
            position: row.position,
            position_kind: row.position_kind,
            unit_id: row.unit_id,
            email: row.email,
            phone: row.phone,
            archived_at: row.archived_at,
            erased: row.erased_at.is_some(),
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A request for a page of participants.
pub type ParticipantList = ListRequest<ParticipantFilter, ParticipantSort>;

/// The name an erased participant keeps.
pub const ERASED_NAME: &str = "Peserta terhapus";

/// A request to create a participant, as sent (checked by [`create`]).
#[derive(Debug)]
pub struct NewParticipant {
    pub nip: String,
    pub full_name: String,
    pub sex: Sex,
    pub employee_type: EmployeeType,
    pub grade: Option<Grade>,
    pub position: Option<String>,
    pub position_kind: Option<PositionKind>,
    pub unit_id: Uuid,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A JSON merge patch as sent: `None` absent, `Some(None)` null, `Some(Some(v))` a value. Checked by [`update`].
#[derive(Debug, Default)]
pub struct ParticipantPatch {
    pub nip: Option<Option<String>>,
    pub full_name: Option<Option<String>>,
    pub sex: Option<Option<Sex>>,
    pub employee_type: Option<Option<EmployeeType>>,
    pub grade: Option<Option<Grade>>,
    pub position: Option<Option<String>>,
    pub position_kind: Option<Option<PositionKind>>,
    pub unit_id: Option<Option<Uuid>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub archived: Option<Option<bool>>,
}

impl ParticipantPatch {
    /// The names of the fields the patch sends, in declaration order.
    pub fn fields(&self) -> Vec<&'static str> {
        let present = [
            ("nip", self.nip.is_some()),
            ("full_name", self.full_name.is_some()),
            ("sex", self.sex.is_some()),
            ("employee_type", self.employee_type.is_some()),
            ("grade", self.grade.is_some()),
            ("position", self.position.is_some()),
            ("position_kind", self.position_kind.is_some()),
            ("unit_id", self.unit_id.is_some()),
            ("email", self.email.is_some()),
            ("phone", self.phone.is_some()),
            ("archived", self.archived.is_some()),
        ];
        present
            .into_iter()
            .filter_map(|(name, sent)| sent.then_some(name))
            .collect()
    }
}

/// The fields a participant may change on their own record.
const SELF_EDITABLE: &[&str] = &["email", "phone"];

/// Email: one `@`, something before it, a dot inside the domain, no spaces, at most 254 characters.
pub const EMAIL_PATTERN: &str = r"^[^@\s]+@[^@\s]+\.[^@\s]+$";
pub const EMAIL_MAX: usize = 254;
/// Phone: digits with an optional leading `+`, spaces or dashes between them; 7-20 digits, at most 32 characters.
pub const PHONE_PATTERN: &str = r"^\+?[0-9]([ -]*[0-9]){6,19}$";
pub const PHONE_MAX: usize = 32;
pub const PHONE_MIN: usize = 7;

pub fn parse_email(field: &str, input: &str) -> Result<String, FieldError> {
    let value = input.trim();
    if value.chars().count() > EMAIL_MAX {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("must be at most {EMAIL_MAX} characters"),
        ));
    }
    let invalid = || {
        FieldError::new(
            field,
            "invalid_format",
            "must be an email address such as nama@kemenkumham.go.id",
        )
    };
    if value.chars().any(char::is_whitespace) {
        return Err(invalid());
    }
    let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
    let chars: Vec<char> = domain.chars().collect();
    let inner_dot = chars.len() >= 3 && chars[1..chars.len() - 1].contains(&'.');
    if local.is_empty() || domain.contains('@') || !inner_dot {
        return Err(invalid());
    }
    Ok(value.to_owned())
}

pub fn parse_phone(field: &str, input: &str) -> Result<String, FieldError> {
    let value = input.trim();
    let invalid = || {
        FieldError::new(
            field,
            "invalid_format",
            "must be digits with an optional leading +, and spaces or dashes between digits",
        )
    };
    let body = value.strip_prefix('+').unwrap_or(value);
    let well_formed = body.starts_with(|c: char| c.is_ascii_digit())
        && body.ends_with(|c: char| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '-');
    if !well_formed {
        return Err(invalid());
    }
    if value.chars().count() > PHONE_MAX {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("must be at most {PHONE_MAX} characters"),
        ));
    }
    let digits = body.chars().filter(char::is_ascii_digit).count();
    if !(7..=20).contains(&digits) {
        return Err(FieldError::new(
            field,
            "out_of_range",
            "must have between 7 and 20 digits",
        ));
    }
    Ok(value.to_owned())
}

/// PPPK (contract) staff use another scale than the civil-service grades.
fn grade_error(employee_type: EmployeeType, grade: Option<Grade>) -> Option<FieldError> {
    (employee_type == EmployeeType::Pppk && grade.is_some()).then(|| {
        FieldError::new(
            "grade",
            "not_applicable",
            "a PPPK officer has no civil-service grade (golongan); send null",
        )
    })
}

fn ok_or_push<T>(result: Result<T, FieldError>, errors: &mut Vec<FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

fn position(input: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    ok_or_push(text::required("position", input, 200), errors)
}

/// Role-level gate of every write except erasure, checked before the body is read: facilitators never write,
/// participants only through `PATCH` of their own record.
fn authorize_write(user: &AuthUser) -> Result<Permit, ApiError> {
    allow(user, &[Role::Admin, Role::Organizer, Role::UnitOperator])
}

/// Whether the caller may see (read) this participant at all. A facilitator sees only the officers of the
/// events they facilitate: an approved enrollment in a non-draft event where they lead a session.
fn may_read(
    conn: &mut PgConnection,
    user: &AuthUser,
    row: &ParticipantRow,
) -> Result<bool, ApiError> {
    Ok(match user.role {
        Role::Admin | Role::Organizer => true,
        Role::Facilitator => repo::is_visible(conn, row.id, Visible::FacilitatedBy(user.id))?,
        Role::UnitOperator => user.unit_id == Some(row.unit_id),
        Role::Participant => user.participant_id == Some(row.id),
    })
}

/// Whether the caller may change (or delete) this participant.
fn may_write(user: &AuthUser, row: &ParticipantRow) -> bool {
    match user.role {
        Role::Admin | Role::Organizer => true,
        Role::UnitOperator => user.unit_id == Some(row.unit_id),
        Role::Participant => user.participant_id == Some(row.id),
        Role::Facilitator => false,
    }
}

/// Masks the NIP and hides the contacts of a participant the caller may not see in full.
fn present(user: &AuthUser, row: ParticipantRow) -> Participant {
    let mut shown = Participant::from(row);
    if !access::sees_personal_details(user, shown.id, shown.unit_id) {
        shown.nip = shown.nip.as_deref().map(nip::mask);
        shown.email = None;
        shown.phone = None;
    }
    shown
}

fn check_unit_access(user: &AuthUser, unit_id: Uuid) -> Result<(), ApiError> {
    if user.role == Role::UnitOperator && user.unit_id != Some(unit_id) {
        return Err(ApiError::Forbidden {
            code: "forbidden",
            detail: "A unit operator manages only the officers of their own unit.".into(),
        });
    }
    Ok(())
}

/// Checks a complete participant record with the rules of a create (NIP against sex and employee type, name,
/// position, contacts, grade against employee type), pushing every offending field; the unit's existence is the
/// caller's to check (one query for a whole import). Used by [`create`] and by the bulk import.
pub fn check_new(input: NewParticipant, errors: &mut Vec<FieldError>) -> Option<NewParticipantRow> {
    let before = errors.len();
    let nip = ok_or_push(
        Nip::parse("nip", &input.nip, input.sex, input.employee_type),
        errors,
    );
    let full_name = ok_or_push(text::required("full_name", &input.full_name, 200), errors);
    let position = input.position.as_deref().and_then(|p| position(p, errors));
    let email = input
        .email
        .as_deref()
        .and_then(|e| ok_or_push(parse_email("email", e), errors));
    let phone = input
        .phone
        .as_deref()
        .and_then(|p| ok_or_push(parse_phone("phone", p), errors));
    errors.extend(grade_error(input.employee_type, input.grade));
    let (Some(nip), Some(full_name)) = (nip, full_name) else {
        return None;
    };
    if errors.len() > before {
        return None;
    }
    Some(NewParticipantRow {
        id: Uuid::new_v4(),
        nip: nip.into_inner(),
        name_search: text::search_form(&full_name),
        full_name,
        sex: input.sex,
        employee_type: input.employee_type,
        grade: input.grade,
        position,
        position_kind: input.position_kind,
        unit_id: input.unit_id,
        email,
        phone,
    })
}

pub fn unknown_unit() -> FieldError {
    FieldError::new("unit_id", "unknown_reference", "no unit has this id")
}

pub async fn create(
    pool: &DbPool,
    user: &AuthUser,
    input: Input<NewParticipant>,
) -> Result<Participant, ApiError> {
    let input = input.open(&authorize_write(user)?)?;
    check_unit_access(user, input.unit_id)?;
    let created = db::run(pool, move |conn| {
        let mut errors = Vec::new();
        let unit_id = input.unit_id;
        let row = check_new(input, &mut errors);
        if !repo::unit_exists(conn, unit_id)? {
            errors.push(unknown_unit());
        }
        match row {
            Some(row) if errors.is_empty() => Ok(Participant::from(repo::insert(conn, &row)?)),
            _ => Err(ApiError::validation(errors)),
        }
    })
    .await?;
    tracing::info!(participant.id = %created.id, actor.id = %user.id, "participant created");
    Ok(created)
}

/// One participant as the caller may see it: 404 when absent, 403 when the caller may not see it at all. Showing
/// a full NIP to anyone but the officer is an access event of the audit log (buffered, not a write of this read).
pub async fn get(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<Participant, ApiError> {
    let user = user.clone();
    db::read(pool, move |conn| {
        let row = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("Participant"))?;
        if !may_read(conn, &user, &row)? {
            return Err(ApiError::forbidden());
        }
        let shown = present(&user, row);
        record_full_nips(&user, std::slice::from_ref(&shown));
        Ok(shown)
    })
    .await
}

/// Records, as one access event, the officers of an answer whose full NIP it shows (none when every NIP is
/// masked); the officer reading their own record is not recorded.
fn record_full_nips(user: &AuthUser, shown: &[Participant]) {
    let ids: Vec<Uuid> = shown
        .iter()
        .filter(|p| p.nip.is_some() && user.participant_id != Some(p.id))
        .filter(|p| access::sees_personal_details(user, p.id, p.unit_id))
        .map(|p| p.id)
        .collect();
    if !ids.is_empty() {
        audit_log::access(AccessEvent::nips_read(ids));
    }
}

/// A page of participants restricted to what the caller may see. Every role lists; a unit operator asking for
/// another unit's officers gets 403 (after the query was checked); a participant sees only themself; a
/// facilitator the officers of the events they facilitate. A page that shows full NIPs is one access event
/// naming its officers.
pub async fn list(
    pool: &DbPool,
    user: &AuthUser,
    request: Input<ParticipantList>,
) -> Result<Page<Participant>, ApiError> {
    let mut request = request.open(&Permit::granted())?;
    let visible = match user.role {
        Role::Admin | Role::Organizer => Visible::All,
        // A facilitator sees NIPs masked: finding an officer by the full NIP would tell it.
        Role::Facilitator if request.filter.nip.is_some() => {
            return Err(ApiError::Forbidden {
                code: "forbidden",
                detail: "Finding an officer by NIP is for the roles that see full NIPs.".into(),
            });
        }
        Role::Facilitator => Visible::FacilitatedBy(user.id),
        Role::UnitOperator => {
            let own = user.unit_id.ok_or_else(ApiError::forbidden)?;
            if request.filter.unit_id.is_some_and(|u| u != own) {
                return Err(ApiError::Forbidden {
                    code: "forbidden",
                    detail: "A unit operator may list only the officers of their own unit.".into(),
                });
            }
            request.filter.unit_id = Some(own);
            Visible::All
        }
        Role::Participant => match user.participant_id {
            Some(own) => Visible::Only(own),
            None => return Ok(Page::new(Vec::new(), 0, request.page)),
        },
    };
    let user = user.clone();
    db::read(pool, move |conn| {
        let (rows, total) = repo::list(conn, &request, visible)?;
        let page = Page::new(rows, total, request.page).map(|row| present(&user, row));
        record_full_nips(&user, &page.items);
        Ok(page)
    })
    .await
}

fn erased_conflict() -> ApiError {
    ApiError::conflict(
        "participant_erased",
        "The personal data of this participant was erased; the record can no longer be changed.",
    )
}

/// Locks the row and checks access, erasure and the expected version, in this order.
fn lock_for_write(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<ParticipantRow, ApiError> {
    let current =
        repo::find_for_update(conn, id)?.ok_or_else(|| ApiError::not_found("Participant"))?;
    if !may_write(user, &current) {
        return Err(ApiError::forbidden());
    }
    if current.erased_at.is_some() {
        return Err(erased_conflict());
    }
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(ApiError::PreconditionFailed);
    }
    Ok(current)
}

fn not_null<T>(
    field: &'static str,
    value: Option<Option<T>>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    match value {
        Some(None) => {
            errors.push(FieldError::new(field, "invalid_type", "may not be null"));
            None
        }
        Some(Some(v)) => Some(v),
        None => None,
    }
}

/// Applies a merge patch under optimistic concurrency. Access is checked on the locked row before the body is
/// parsed (`parse_body`); a participant may change only `email` and `phone` of their own record (403
/// `forbidden_field` otherwise); a unit operator may not move an officer to another unit.
pub async fn update(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    patch: Input<ParticipantPatch>,
) -> Result<Participant, ApiError> {
    let permit = allow(
        user,
        &[
            Role::Admin,
            Role::Organizer,
            Role::UnitOperator,
            Role::Participant,
        ],
    )?;
    let actor = user.clone();
    let changed = db::run(pool, move |conn| {
        apply(conn, &actor, id, expected_version, permit, patch)
    })
    .await?;
    tracing::info!(participant.id = %id, actor.id = %user.id, "participant changed");
    Ok(changed)
}

fn apply(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
    permit: Permit,
    patch: Input<ParticipantPatch>,
) -> Result<Participant, ApiError> {
    conn.transaction(|conn| {
        let current = lock_for_write(conn, user, id, expected_version)?;
        // The body is opened only after access to the locked record was checked.
        let patch = patch.open(&permit)?;
        if user.role == Role::Participant {
            let refused: Vec<&str> = patch
                .fields()
                .into_iter()
                .filter(|f| !SELF_EDITABLE.contains(f))
                .collect();
            if !refused.is_empty() {
                return Err(ApiError::ForbiddenFields(
                    refused
                        .iter()
                        .map(|field| {
                            FieldError::new(
                                *field,
                                "forbidden_field",
                                "you may change only email and phone of your own record",
                            )
                        })
                        .collect(),
                ));
            }
        }
        if let Some(Some(unit_id)) = patch.unit_id {
            check_unit_access(user, unit_id)?;
        }
        let (changes, archive) = check_patch(conn, &current, patch)?;
        Ok(Participant::from(repo::update(
            conn, id, &changes, archive,
        )?))
    })
}

/// Checks a patch against the current record (the NIP against the resulting sex and employee type, the grade
/// against the resulting employee type), reporting every offending field at once.
fn check_patch(
    conn: &mut PgConnection,
    current: &ParticipantRow,
    patch: ParticipantPatch,
) -> Result<(ParticipantChanges, Option<bool>), ApiError> {
    let mut errors = Vec::new();
    let sex_sent = not_null("sex", patch.sex, &mut errors);
    let type_sent = not_null("employee_type", patch.employee_type, &mut errors);
    let nip_sent = not_null("nip", patch.nip, &mut errors);
    let name_sent = not_null("full_name", patch.full_name, &mut errors);
    let unit_sent = not_null("unit_id", patch.unit_id, &mut errors);
    let archive = not_null("archived", patch.archived, &mut errors);

    let sex = sex_sent.unwrap_or(current.sex);
    let employee_type = type_sent.unwrap_or(current.employee_type);
    // The NIP must agree with the resulting sex and employee type: check it when any of the three changes, and
    // name the field the client sent.
    let nip = match nip_sent {
        Some(n) => {
            ok_or_push(Nip::parse("nip", &n, sex, employee_type), &mut errors).map(Nip::into_inner)
        }
        None => {
            if sex_sent.is_some() || type_sent.is_some() {
                let field = if sex_sent.is_some() {
                    "sex"
                } else {
                    "employee_type"
                };
                if let Some(existing) = &current.nip
                    && let Err(mut e) = Nip::parse(field, existing, sex, employee_type)
                {
                    e.message = format!("does not agree with the stored NIP: {}", e.message);
                    errors.push(e);
                }
            }
            None
        }
    };
    let grade = patch.grade.unwrap_or(current.grade);
    if patch.grade.is_some() || type_sent.is_some() {
        errors.extend(grade_error(employee_type, grade));
    }
    let full_name =
        name_sent.and_then(|n| ok_or_push(text::required("full_name", &n, 200), &mut errors));
    let position = patch
        .position
        .map(|p| p.and_then(|p| position(&p, &mut errors)));
    let email = patch
        .email
        .map(|e| e.and_then(|e| ok_or_push(parse_email("email", &e), &mut errors)));
    let phone = patch
        .phone
        .map(|p| p.and_then(|p| ok_or_push(parse_phone("phone", &p), &mut errors)));
    if let Some(unit_id) = unit_sent
        && unit_id != current.unit_id
        && !repo::unit_exists(conn, unit_id)?
    {
        errors.push(FieldError::new(
            "unit_id",
            "unknown_reference",
            "no unit has this id",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let changes = ParticipantChanges {
        nip,
        name_search: full_name.as_deref().map(text::search_form),
        full_name,
        sex: sex_sent,
        employee_type: type_sent,
        grade: patch.grade,
        position,
        position_kind: patch.position_kind,
        unit_id: unit_sent,
        email,
        phone,
    };
    Ok((changes, archive))
}

/// Deletes a participant without history (204); one with enrollments, attendance or a user account is refused
/// with 409 `in_use`: archive or erase it instead.
pub async fn delete(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    let _permit = authorize_write(user)?;
    let actor = user.clone();
    db::run(pool, move |conn| remove(conn, &actor, id, expected_version)).await?;
    tracing::info!(participant.id = %id, actor.id = %user.id, "participant deleted");
    Ok(())
}

fn remove(
    conn: &mut PgConnection,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<(), ApiError> {
    conn.transaction(|conn| {
        let current =
            repo::find_for_update(conn, id)?.ok_or_else(|| ApiError::not_found("Participant"))?;
        if !may_write(user, &current) {
            return Err(ApiError::forbidden());
        }
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        if repo::has_history(conn, id)? {
            return Err(ApiError::conflict(
                "in_use",
                "This participant has enrollments, attendance or a user account and cannot be deleted; archive it \
                 with PATCH {\"archived\": true}, or have an administrator erase its personal data \
                 (POST /api/v1/participants/{id}/erase).",
            ));
        }
        repo::delete(conn, id)?;
        Ok(())
    })
}

/// Erases the personal data of a participant (UU PDP), keeping the row, its enrollments and its attendance for
/// anonymous aggregates; the name snapshot on their certificates goes in the same transaction. Administrators
/// only.
pub async fn erase(
    pool: &DbPool,
    user: &AuthUser,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<Participant, ApiError> {
    let _permit = allow(user, &[Role::Admin])?;
    let erased = db::run(pool, move |conn| {
        erase_in(conn, id, expected_version).map(Participant::from)
    })
    .await?;
    tracing::info!(participant.id = %id, actor.id = %user.id, "participant personal data erased");
    Ok(erased)
}

fn erase_in(
    conn: &mut PgConnection,
    id: Uuid,
    expected_version: Option<i32>,
) -> Result<ParticipantRow, ApiError> {
    conn.transaction(|conn| {
        let current =
            repo::find_for_update(conn, id)?.ok_or_else(|| ApiError::not_found("Participant"))?;
        if current.erased_at.is_some() {
            return Err(ApiError::conflict(
                "already_erased",
                "The personal data of this participant was already erased.",
            ));
        }
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(ApiError::PreconditionFailed);
        }
        let row = repo::erase(conn, id, ERASED_NAME, &text::search_form(ERASED_NAME))?;
        // Certificates keep a snapshot of the holder's name: it goes too; their numbers stay verifiable.
        crate::repo::certificates::scrub_holder(conn, id, ERASED_NAME)?;
        // No stored idempotent answer may replay the erased values (`service::stored_answers`).
        super::stored_answers::forget_officer(
            conn,
            &super::stored_answers::ErasedValues {
                id,
                nip: current.nip.as_deref(),
                full_name: &current.full_name,
                email: current.email.as_deref(),
                phone: current.phone.as_deref(),
            },
        )?;
        // The training records from elsewhere say what the officer did: they go (their audit entries are scrubbed
        // below like the officer's own).
        crate::repo::competency_records::delete_of_participant(conn, id)?;
        // The officer's calendar feeds stop: their addresses are revoked.
        crate::repo::calendar::delete_tokens_of_participant(conn, id)?;
        // A waiting account's activation code no longer opens it (its NIP is gone anyway).
        crate::repo::participant_accounts::void_code_of_participant(conn, id)?;
        // Last, so that the entries written by this very transaction are covered too.
        audit_log::scrub_participant(conn, id)?;
        Ok(row)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_one_at_and_a_dot_in_the_domain() {
        assert_eq!(
            parse_email("email", " dewi@kemenkumham.go.id ")
                .ok()
                .as_deref(),
            Some("dewi@kemenkumham.go.id")
        );
        for bad in [
            "dewi",
            "@a.id",
            "dewi@id",
            "dewi@.id",
            "dewi@id.",
            "a@b@c.id",
            "de wi@a.id",
        ] {
            assert!(parse_email("email", bad).is_err(), "{bad}");
        }
        assert!(parse_email("email", &format!("{}@a.id", "x".repeat(250))).is_err());
    }

    #[test]
    fn phones_are_digits_with_separators() {
        assert!(parse_phone("phone", "+62 812-3456-7890").is_ok());
        assert!(parse_phone("phone", "0536 3221").is_ok());
        for bad in [
            "123456",
            "+62 812 abc",
            "--0812345678",
            "0812345678-",
            "+",
            "123456789012345678901",
        ] {
            assert!(parse_phone("phone", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pppk_officers_have_no_civil_service_grade() {
        assert!(grade_error(EmployeeType::Pppk, Some(Grade::IIIa)).is_some());
        assert!(grade_error(EmployeeType::Pppk, None).is_none());
        assert!(grade_error(EmployeeType::Pns, Some(Grade::IIIa)).is_none());
    }
}
