//! A subject's own data (UU 27/2022 PDP arts. 7-8): everything the service holds about one officer in one
//! document, for the officer themself, the operator of their unit and administrators (others 403, an unknown
//! officer 404).
//!
//! Writes one audit entry itself (`participant.data_export`, with `repo::audit::record`, in the export's
//! transaction, before the entries are read, so the document lists its own export). Anonymous evaluations are not
//! included: nothing ties them to the officer.

use chrono::{DateTime, Utc};
use diesel::Connection;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::context;
use crate::db;
use crate::domain::enums::{
    AttendanceMethod, AttendanceStatus, CertificateKind, EnrollmentStatus, InstrumentKind, Outcome,
    RespondentKind, ScoreKind, ScoreSource,
};
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo::attendance::Scope;
use crate::repo::audit::{self, NewAuditEntry};
use crate::repo::participants as participants_repo;
use crate::repo::results::{self as results_repo, PageStart, ResultFilter};
use crate::repo::subject_export as repo;
use crate::service::DbPool;
use crate::service::participants::Participant;

/// The audit action of an export.
pub const EXPORT_ACTION: &str = "participant.data_export";

/// Everything about one officer.
#[derive(Debug)]
pub struct SubjectExport {
    pub exported_at: DateTime<Utc>,
    /// The profile, with the full NIP and contacts.
    pub participant: Participant,
    pub data: SubjectData,
}

/// The officer's records besides the profile.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"accounts": [], "enrollments": [], "attendance": [], "responses": [], "scores": [], "results": [], "certificates": [], "audit_entries": [{"id": 4211, "at": "2025-08-05T03:10:00Z", "actor_user_id": "8d1f3c2a-5b7e-4f10-9a3c-2e6d4b8a1f07", "actor_client_id": null, "actor_role": "admin", "action": "participant.data_export", "resource_type": "participant", "resource_id": "5b0e7a52-8f1e-4d8e-9a57-1f5b3c2d9e01", "changes": {}}]}))]
pub struct SubjectData {
    /// User accounts linked to the officer (no password hashes).
    pub accounts: Vec<ExportAccount>,
    pub enrollments: Vec<ExportEnrollment>,
    pub attendance: Vec<ExportAttendance>,
    /// Evaluation and test responses that name the officer (anonymous ones are not linked to anybody).
    pub responses: Vec<ExportResponse>,
    pub scores: Vec<ExportScore>,
    /// One result line per event with an approved enrollment.
    pub results: Vec<ExportResult>,
    pub certificates: Vec<ExportCertificate>,
    /// Audit entries about the officer, oldest first, including this export's own.
    pub audit_entries: Vec<ExportAuditEntry>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "8d1f3c2a-5b7e-4f10-9a3c-2e6d4b8a1f07", "username": "budi.santoso", "role": "participant", "display_name": "Budi Santoso", "is_active": true, "last_login_at": "2025-08-02T00:55:00Z", "created_at": "2025-07-20T03:00:00Z"}))]
pub struct ExportAccount {
    pub id: Uuid,
    pub username: String,
    pub role: Role,
    pub display_name: Option<String>,
    pub is_active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "3f2a9c1e-7b4d-4e8f-a6c5-0d9e8f7a6b5c", "event_id": "c2b1a0f9-e8d7-4c6b-b5a4-938271605f4e", "event_title": "Bimtek Pembimbing Kemasyarakatan Angkatan I", "status": "approved", "decided_at": "2025-07-25T02:00:00Z", "waitlisted_at": null, "note": null, "created_at": "2025-07-21T03:00:00Z", "updated_at": "2025-07-25T02:00:00Z"}))]
pub struct ExportEnrollment {
    pub id: Uuid,
    pub event_id: Uuid,
    pub event_title: String,
    pub status: EnrollmentStatus,
    pub decided_at: Option<DateTime<Utc>>,
    pub waitlisted_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "session_id": "d4c3b2a1-f6e5-4b7a-9c8d-5d4c3b2a1f0e", "session_title": "Morning meeting", "session_starts_at": "2025-08-02T01:00:00Z", "enrollment_id": "3f2a9c1e-7b4d-4e8f-a6c5-0d9e8f7a6b5c", "status": "present", "method": "code", "checked_in_at": "2025-08-02T00:58:00Z", "note": null, "created_at": "2025-08-02T00:58:00Z"}))]
pub struct ExportAttendance {
    pub id: Uuid,
    pub session_id: Uuid,
    pub session_title: String,
    pub session_starts_at: DateTime<Utc>,
    pub enrollment_id: Uuid,
    pub status: AttendanceStatus,
    pub method: AttendanceMethod,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b", "instrument_id": "6f5e4d3c-2b1a-4f0e-9d8c-7b6a5f4e3d2c", "instrument_title": "Evaluasi Penyelenggaraan", "instrument_kind": "event_evaluation", "enrollment_id": "3f2a9c1e-7b4d-4e8f-a6c5-0d9e8f7a6b5c", "respondent_kind": "participant", "score": null, "submitted_at": "2025-08-04T08:00:00Z", "answers": [{"question_id": "7a6b5c4d-3e2f-4a1b-8c0d-9e8f7a6b5c4d", "prompt": "Saran untuk penyelenggara?", "value_number": null, "value_options": null, "value_text": "Materi sangat bermanfaat", "points": null}]}))]
pub struct ExportResponse {
    pub id: Uuid,
    pub instrument_id: Uuid,
    pub instrument_title: String,
    pub instrument_kind: InstrumentKind,
    pub enrollment_id: Uuid,
    pub respondent_kind: RespondentKind,
    /// The score of a test, when scored.
    pub score: Option<f64>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub answers: Vec<ExportAnswer>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"question_id": "7a6b5c4d-3e2f-4a1b-8c0d-9e8f7a6b5c4d", "prompt": "Saran untuk penyelenggara?", "value_number": null, "value_options": null, "value_text": "Materi sangat bermanfaat", "points": null}))]
pub struct ExportAnswer {
    pub question_id: Uuid,
    pub prompt: Option<String>,
    pub value_number: Option<f64>,
    pub value_options: Option<Vec<Option<String>>>,
    pub value_text: Option<String>,
    pub points: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"enrollment_id": "3f2a9c1e-7b4d-4e8f-a6c5-0d9e8f7a6b5c", "event_id": "c2b1a0f9-e8d7-4c6b-b5a4-938271605f4e", "kind": "post_test", "score": 85.0, "source": "manual", "updated_at": "2025-08-04T09:00:00Z"}))]
pub struct ExportScore {
    pub enrollment_id: Uuid,
    pub event_id: Uuid,
    pub kind: ScoreKind,
    pub score: f64,
    pub source: ScoreSource,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"event_id": "c2b1a0f9-e8d7-4c6b-b5a4-938271605f4e", "enrollment_id": "3f2a9c1e-7b4d-4e8f-a6c5-0d9e8f7a6b5c", "sessions_total": 8, "sessions_attended": 8, "attendance_rate": 100.0, "jp_earned": 16, "pre_score": 60.0, "post_score": 85.0, "practical_score": null, "outcome": "certificate"}))]
pub struct ExportResult {
    pub event_id: Uuid,
    pub enrollment_id: Uuid,
    pub sessions_total: i64,
    pub sessions_attended: i64,
    /// Percent with one decimal.
    pub attendance_rate: f64,
    pub jp_earned: i64,
    pub pre_score: Option<f64>,
    pub post_score: Option<f64>,
    pub practical_score: Option<f64>,
    pub outcome: Outcome,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "9b8a7f6e-5d4c-4b3a-9f2e-1d0c9b8a7f6e", "event_id": "c2b1a0f9-e8d7-4c6b-b5a4-938271605f4e", "enrollment_id": "3f2a9c1e-7b4d-4e8f-a6c5-0d9e8f7a6b5c", "kind": "sertifikat", "number": "12/BIMTEK/LPN-KSG/2025", "holder_name": "Budi Santoso", "jp": 16.0, "issued_at": "2025-08-05T03:00:00Z", "revoked_at": null, "revocation_reason": null}))]
pub struct ExportCertificate {
    pub id: Uuid,
    pub event_id: Uuid,
    pub enrollment_id: Uuid,
    pub kind: CertificateKind,
    pub number: String,
    pub holder_name: String,
    pub jp: f64,
    pub issued_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revocation_reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 4211, "at": "2025-08-05T03:10:00Z", "actor_user_id": "8d1f3c2a-5b7e-4f10-9a3c-2e6d4b8a1f07", "actor_client_id": null, "actor_role": "participant", "action": "participant.data_export", "resource_type": "participant", "resource_id": "5b0e7a52-8f1e-4d8e-9a57-1f5b3c2d9e01", "changes": {}}))]
pub struct ExportAuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    pub actor_client_id: Option<Uuid>,
    pub actor_role: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: Option<Uuid>,
    /// The changed fields (`{"field": {"old": .., "new": ..}}`); credentials redacted, erased values `[erased]`.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
}

/// Whether the caller may export this officer's data: the officer, their unit's operator, administrators.
fn may_export(user: &AuthUser, participant_id: Uuid, unit_id: Uuid) -> bool {
    match user.role {
        Role::Admin => true,
        Role::UnitOperator => user.unit_id == Some(unit_id),
        Role::Participant => user.participant_id == Some(participant_id),
        Role::Organizer | Role::Facilitator => false,
    }
}

/// The officer's data (see the module comment); records the export in the audit log.
pub async fn export(pool: &DbPool, user: &AuthUser, id: Uuid) -> Result<SubjectExport, ApiError> {
    let actor = user.clone();
    let export = db::run(pool, move |conn| {
        conn.transaction(|conn| {
            let row = participants_repo::find(conn, id)?
                .ok_or_else(|| ApiError::not_found("Participant"))?;
            if !may_export(&actor, row.id, row.unit_id) {
                return Err(ApiError::forbidden());
            }
            audit::record(
                conn,
                &[NewAuditEntry {
                    actor_user_id: Some(actor.id),
                    actor_client_id: actor.client_id,
                    actor_role: Some(actor.role.as_str().to_owned()),
                    action: EXPORT_ACTION.to_owned(),
                    resource_type: "participant".to_owned(),
                    resource_id: Some(id),
                    participant_id: Some(id),
                    participant_ids: vec![id],
                    changes: json!({}),
                    request_id: context::current().and_then(|c| c.request_id),
                }],
            )?;
            let data = gather(conn, id)?;
            Ok(SubjectExport {
                exported_at: Utc::now(),
                participant: Participant::from(row),
                data,
            })
        })
    })
    .await?;
    tracing::info!(participant.id = %id, actor.id = %user.id, "participant data exported");
    Ok(export)
}

fn gather(conn: &mut diesel::PgConnection, id: Uuid) -> Result<SubjectData, ApiError> {
    let accounts = repo::accounts(conn, id)?
        .into_iter()
        .map(|r| ExportAccount {
            id: r.id,
            username: r.username,
            role: r.role,
            display_name: r.display_name,
            is_active: r.is_active,
            last_login_at: r.last_login_at,
            created_at: r.created_at,
        })
        .collect();
    let enrollments = repo::enrollments(conn, id)?
        .into_iter()
        .map(|r| ExportEnrollment {
            id: r.id,
            event_id: r.event_id,
            event_title: r.event_title,
            status: r.status,
            decided_at: r.decided_at,
            waitlisted_at: r.waitlisted_at,
            note: r.note,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect();
    let attendance = repo::attendance(conn, id)?
        .into_iter()
        .map(|r| ExportAttendance {
            id: r.id,
            session_id: r.session_id,
            session_title: r.session_title,
            session_starts_at: r.session_starts_at,
            enrollment_id: r.enrollment_id,
            status: r.status,
            method: r.method,
            checked_in_at: r.checked_in_at,
            note: r.note,
            created_at: r.created_at,
        })
        .collect();
    let mut responses: Vec<ExportResponse> = Vec::new();
    for r in repo::answers(conn, id)? {
        if responses.last().is_none_or(|last| last.id != r.response_id) {
            responses.push(ExportResponse {
                id: r.response_id,
                instrument_id: r.instrument_id,
                instrument_title: r.instrument_title,
                instrument_kind: r.instrument_kind,
                enrollment_id: r.enrollment_id,
                respondent_kind: r.respondent_kind,
                score: r.response_score,
                submitted_at: r.submitted_at,
                answers: Vec::new(),
            });
        }
        if let (Some(question_id), Some(last)) = (r.question_id, responses.last_mut()) {
            last.answers.push(ExportAnswer {
                question_id,
                prompt: r.prompt,
                value_number: r.value_number,
                value_options: r.value_options,
                value_text: r.value_text,
                points: r.points,
            });
        }
    }
    let scores = repo::scores(conn, id)?
        .into_iter()
        .map(|r| ExportScore {
            enrollment_id: r.enrollment_id,
            event_id: r.event_id,
            kind: r.kind,
            score: r.score,
            source: r.source,
            updated_at: r.updated_at,
        })
        .collect();
    let mut results = Vec::new();
    let only_this_officer = ResultFilter {
        scope: Scope {
            participant_id: Some(id),
            ..Scope::default()
        },
        ..ResultFilter::default()
    };
    for event_id in repo::result_events(conn, id)? {
        let lines =
            results_repo::for_event(conn, event_id, &only_this_officer, 10, PageStart::Offset(0))?;
        results.extend(lines.into_iter().map(|r| ExportResult {
            event_id,
            enrollment_id: r.enrollment_id,
            sessions_total: r.sessions_total,
            sessions_attended: r.sessions_attended,
            attendance_rate: r.attendance_rate,
            jp_earned: r.jp_earned,
            pre_score: r.pre_score,
            post_score: r.post_score,
            practical_score: r.practical_score,
            outcome: r.inputs().outcome(),
        }));
    }
    let certificates = repo::certificates(conn, id)?
        .into_iter()
        .map(|r| ExportCertificate {
            id: r.id,
            event_id: r.event_id,
            enrollment_id: r.enrollment_id,
            kind: r.kind,
            number: r.number,
            holder_name: r.holder_name,
            jp: r.jp,
            issued_at: r.issued_at,
            revoked_at: r.revoked_at,
            revocation_reason: r.revocation_reason,
        })
        .collect();
    let audit_entries = repo::audit(conn, id)?
        .into_iter()
        .map(|r| ExportAuditEntry {
            id: r.id,
            at: r.at,
            actor_user_id: r.actor_user_id,
            actor_client_id: r.actor_client_id,
            actor_role: r.actor_role,
            action: r.action,
            resource_type: r.resource_type,
            resource_id: r.resource_id,
            changes: r.changes,
        })
        .collect();
    Ok(SubjectData {
        accounts,
        enrollments,
        attendance,
        responses,
        scores,
        results,
        certificates,
        audit_entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_officer_their_operator_and_admins_may_export() {
        let (officer, unit) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let user = |role, unit_id, participant_id| AuthUser {
            id: Uuid::from_u128(9),
            role,
            unit_id,
            participant_id,
            client_id: None,
        };
        assert!(may_export(&user(Role::Admin, None, None), officer, unit));
        assert!(may_export(
            &user(Role::UnitOperator, Some(unit), None),
            officer,
            unit
        ));
        assert!(may_export(
            &user(Role::Participant, None, Some(officer)),
            officer,
            unit
        ));
        assert!(!may_export(
            &user(Role::UnitOperator, Some(Uuid::from_u128(3)), None),
            officer,
            unit
        ));
        assert!(!may_export(
            &user(Role::Participant, None, Some(Uuid::from_u128(4))),
            officer,
            unit
        ));
        assert!(!may_export(
            &user(Role::Organizer, None, None),
            officer,
            unit
        ));
        assert!(!may_export(
            &user(Role::Facilitator, None, None),
            officer,
            unit
        ));
    }
}
