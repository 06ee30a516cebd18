//! THE POLICY TABLE: for every operation of the API, who may call it on objects they do not own.
//!
//! Deny by default: a role that is not in `allow` must be refused (403, or 404 for the roles in `hidden`, where the
//! API hides that the object exists). A route without an entry here fails
//! `every_operation_has_an_entry_in_the_policy_table`. Each entry also says how to reach a fresh object of the
//! world (`path`) and gives a valid body, which the mass-assignment and limit tests reuse.

use bimtek_api::domain::role::Role;
use serde_json::{Value, json};

use super::fixtures::{Callers, Spec, World, fresh_nip};
use crate::helpers::PASSWORD;

use Role::{Admin as A, Facilitator as F, Organizer as O, Participant as P, UnitOperator as U};

pub const ALL: &[Role] = &[A, O, U, F, P];

pub type PathFn = fn(&World) -> String;
pub type BodyFn = fn(&World, &Callers) -> Value;

#[derive(Clone, Copy)]
pub enum Access {
    /// No token needed (login, health): not part of the role matrix.
    Public,
    Roles {
        /// May call it on the world's objects: answered with the documented success status.
        allow: &'static [Role],
        /// Refused with 404: the API does not admit that the object exists. Every other role: 403.
        hidden: &'static [Role],
        /// Allowed, but the answer is filtered: the world's officer must not appear in it at all.
        scoped: &'static [Role],
        /// Allowed and sees the officer's name, but never the NIP, the contacts or the check-in code.
        masked: &'static [Role],
    },
}

#[derive(Clone, Copy)]
pub struct Rule {
    /// `METHOD /path/{template}` exactly as in the OpenAPI document.
    pub op: &'static str,
    /// Empty for the main entry; a word (e.g. `draft`) for an extra case of the same operation.
    pub variant: &'static str,
    pub spec: Spec,
    pub path: PathFn,
    pub body: Option<BodyFn>,
    pub access: Access,
    /// Roles that may call it but whose request names the world's objects, which they may not touch: answered 422
    /// with every row refused under this code (the bulk import's `forbidden_unit`), nothing of the world shown.
    pub rows_refused: Option<(&'static [Role], &'static str)>,
}

/// A training record from elsewhere, as entered.
fn record_body(_: &World, _: &Callers) -> Value {
    json!({"title": "Pelatihan Konselor Adiksi", "institution": "BNN Provinsi", "form": "pelatihan",
           "starts_on": "2025-03-10", "ends_on": "2025-03-12", "jp": 24})
}

fn rule(op: &'static str, path: PathFn, access: Access) -> Rule {
    Rule {
        op,
        variant: "",
        spec: Spec::default(),
        path,
        body: None,
        access,
        rows_refused: None,
    }
}

impl Rule {
    fn body(mut self, body: BodyFn) -> Self {
        self.body = Some(body);
        self
    }

    fn rows_refused(mut self, roles: &'static [Role], code: &'static str) -> Self {
        self.rows_refused = Some((roles, code));
        self
    }

    fn event(mut self, status: &'static str) -> Self {
        self.spec.event_status = status;
        self
    }

    fn enrollment(mut self, status: &'static str) -> Self {
        self.spec.enrollment_status = status;
        self
    }

    fn attendance(mut self) -> Self {
        self.spec.attendance = true;
        self
    }

    fn certificate(mut self) -> Self {
        self.spec.certificate = true;
        self
    }

    /// The event's last day is today (WIB): it may be completed.
    fn ended(mut self) -> Self {
        self.spec.ended = true;
        self
    }

    /// The same operation on a draft event: only its managers (here: admins) learn that it exists.
    fn on_draft(mut self) -> Self {
        self.variant = "draft";
        self.spec.event_status = "draft";
        self.access = Access::Roles {
            allow: &[A],
            hidden: &[O, U, F, P],
            scoped: &[],
            masked: &[],
        };
        self
    }
}

const fn only(allow: &'static [Role]) -> Access {
    Access::Roles {
        allow,
        hidden: &[],
        scoped: &[],
        masked: &[],
    }
}

const fn hidden_from_others(allow: &'static [Role], hidden: &'static [Role]) -> Access {
    Access::Roles {
        allow,
        hidden,
        scoped: &[],
        masked: &[],
    }
}

const fn scoped(
    allow: &'static [Role],
    scoped: &'static [Role],
    masked: &'static [Role],
) -> Access {
    Access::Roles {
        allow,
        hidden: &[],
        scoped,
        masked,
    }
}

fn refresh_body(_: &World, _: &Callers) -> Value {
    json!({"refresh_token": "not-a-real-refresh-token-0123456789abcdef"})
}

fn session_body(w: &World, _: &Callers) -> Value {
    json!({
        "kind": "seminar",
        "title": "New session",
        "starts_at": format!("{}T02:00:00Z", w.starts_on),
        "ends_at": format!("{}T03:00:00Z", w.starts_on),
    })
}

/// The policy of every operation (and extra cases of some).
pub fn rules() -> Vec<Rule> {
    vec![
        // --- public
        rule("GET /health/live", |_| "/health/live".into(), Access::Public),
        rule("GET /health/ready", |_| "/health/ready".into(), Access::Public),
        rule("POST /api/v1/auth/login", |_| "/api/v1/auth/login".into(), Access::Public).body(|_, c| {
            json!({"username": c.get(A).username, "password": PASSWORD})
        }),
        rule("POST /api/v1/auth/refresh", |_| "/api/v1/auth/refresh".into(), Access::Public)
            .body(refresh_body),
        rule("POST /api/v1/auth/logout", |_| "/api/v1/auth/logout".into(), Access::Public)
            .body(refresh_body),
        // the lookup lists of forms: no personal data, the same for everyone (their codes are in the spec)
        rule("GET /api/v1/session-kinds", |_| "/api/v1/session-kinds".into(), Access::Public),
        rule("GET /api/v1/lookups", |_| "/api/v1/lookups".into(), Access::Public),
        // an officer activates the account their unit issued (NIP, code, password): no token yet
        rule("POST /api/v1/auth/activate", |_| "/api/v1/auth/activate".into(), Access::Public).body(|w, _| {
            json!({"nip": w.officer_nip, "activation_code": "AAAA-BBBB-CCCC", "password": "a long passphrase 2025"})
        }),
        rule("GET /aktivasi", |_| "/aktivasi".into(), Access::Public),
        rule("POST /aktivasi", |_| "/aktivasi".into(), Access::Public).body(|_, _| json!({})),
        // --- the caller
        rule("GET /api/v1/me", |_| "/api/v1/me".into(), only(ALL)),
        // --- change feed and audit log: administrators only
        rule("GET /api/v1/changes", |_| "/api/v1/changes".into(), only(&[A])),
        rule("GET /api/v1/audit-log", |_| "/api/v1/audit-log".into(), only(&[A])),
        // --- accounts: administrators only
        rule("GET /api/v1/users", |_| "/api/v1/users".into(), only(&[A])),
        rule("POST /api/v1/users", |_| "/api/v1/users".into(), only(&[A])).body(|w, _| {
            json!({"username": format!("new-{}", w.tag), "password": "a long passphrase 2025", "role": "organizer"})
        }),
        rule("GET /api/v1/users/{id}", |w| format!("/api/v1/users/{}", w.organizer), only(&[A])),
        rule("PATCH /api/v1/users/{id}", |w| format!("/api/v1/users/{}", w.organizer), only(&[A]))
            .body(|_, _| json!({"display_name": "Renamed"})),
        rule("DELETE /api/v1/users/{id}", |w| format!("/api/v1/users/{}", w.organizer), only(&[A])),
        // participant accounts for a unit's officers: administrators, the unit's operator (the callers' operator
        // works in another unit), organizers for their events' officers (the world's are not theirs: row errors)
        rule("POST /api/v1/units/{id}/participant-accounts",
            |w| format!("/api/v1/units/{}/participant-accounts", w.unit), only(&[A]))
            .body(|w, _| json!({"participant_ids": [w.spare_officer]}))
            .rows_refused(&[O], "forbidden"),
        // --- service accounts: administrators only; the token endpoint authenticates clients, not users
        rule("POST /api/v1/auth/token", |_| "/api/v1/auth/token".into(), Access::Public)
            .body(|_, _| json!({"grant_type": "client_credentials"})),
        rule("GET /api/v1/clients", |_| "/api/v1/clients".into(), only(&[A])),
        rule("POST /api/v1/clients", |_| "/api/v1/clients".into(), only(&[A]))
            .body(|w, _| json!({"name": format!("New client {}", w.tag), "scopes": ["units:read"]})),
        rule("GET /api/v1/clients/{id}", |w| format!("/api/v1/clients/{}", w.client), only(&[A])),
        rule("PATCH /api/v1/clients/{id}", |w| format!("/api/v1/clients/{}", w.client), only(&[A]))
            .body(|_, _| json!({"description": "Changed"})),
        rule("DELETE /api/v1/clients/{id}", |w| format!("/api/v1/clients/{}", w.client), only(&[A])),
        rule("POST /api/v1/clients/{id}/secret", |w| format!("/api/v1/clients/{}/secret", w.client), only(&[A])),
        // --- letterheads of printed documents: administrators and organizers read, administrators set
        rule("GET /api/v1/letterhead", |_| "/api/v1/letterhead".into(), only(&[A, O])),
        rule("PUT /api/v1/letterhead", |_| "/api/v1/letterhead".into(), only(&[A]))
            .body(|w, _| json!({"heading": [format!("KANWIL {}", w.tag)], "contact": ["Palangka Raya"]})),
        rule("GET /api/v1/units/{id}/letterhead", |w| format!("/api/v1/units/{}/letterhead", w.unit), only(&[A, O])),
        rule("PUT /api/v1/units/{id}/letterhead", |w| format!("/api/v1/units/{}/letterhead", w.unit), only(&[A]))
            .body(|w, _| json!({"heading": [format!("LAPAS {}", w.tag)]})),
        // --- units: everybody reads, administrators write
        rule("GET /api/v1/units", |_| "/api/v1/units".into(), only(ALL)),
        rule("POST /api/v1/units", |_| "/api/v1/units".into(), only(&[A])).body(|w, _| {
            json!({"code": format!("N-{}", w.tag.to_uppercase()), "name": "New unit", "type": "lapas"})
        }),
        rule("GET /api/v1/units/{id}", |w| format!("/api/v1/units/{}", w.unit), only(ALL)),
        rule("PATCH /api/v1/units/{id}", |w| format!("/api/v1/units/{}", w.unit), only(&[A]))
            .body(|_, _| json!({"name": "Renamed unit"})),
        rule("DELETE /api/v1/units/{id}", |w| format!("/api/v1/units/{}", w.spare_unit), only(&[A])),
        // --- programs: everybody reads, administrators and organizers write
        rule("GET /api/v1/programs", |_| "/api/v1/programs".into(), only(ALL)),
        rule("POST /api/v1/programs", |_| "/api/v1/programs".into(), only(&[A, O]))
            .body(|w, _| json!({"name": format!("New program {}", w.tag), "year": 2025})),
        rule("GET /api/v1/programs/{id}", |w| format!("/api/v1/programs/{}", w.program), only(ALL)),
        rule("PATCH /api/v1/programs/{id}", |w| format!("/api/v1/programs/{}", w.program), only(&[A, O]))
            .body(|_, _| json!({"description": "Angkatan II"})),
        rule("DELETE /api/v1/programs/{id}", |w| format!("/api/v1/programs/{}", w.spare_program), only(&[A, O])),
        // --- officers: administrators and organizers; a unit operator only their unit's; a facilitator only the
        // officers of the events they facilitate (none here; see facilitator.rs), masked; a participant only themself
        rule("GET /api/v1/participants", |_| "/api/v1/participants".into(), scoped(ALL, &[U, P, F], &[])),
        rule("POST /api/v1/participants", |_| "/api/v1/participants".into(), only(&[A, O])).body(|w, _| {
            json!({"nip": fresh_nip(), "full_name": "New officer", "sex": "male", "employee_type": "pns",
                   "unit_id": w.unit})
        }),
        rule("GET /api/v1/participants/{id}", |w| format!("/api/v1/participants/{}", w.officer), only(&[A, O])),
        rule("PATCH /api/v1/participants/{id}", |w| format!("/api/v1/participants/{}", w.officer), only(&[A, O]))
            .body(|_, _| json!({"position": "Konselor Adiksi"})),
        rule("DELETE /api/v1/participants/{id}", |w| format!("/api/v1/participants/{}", w.spare_officer), only(&[A, O])),
        rule("GET /api/v1/participants/{id}/attendance", |w| format!("/api/v1/participants/{}/attendance", w.officer),
            scoped(&[A, O], &[O], &[])).attendance(),
        // the transcript: as the attendance records (an organizer sees the trainings of their events)
        rule("GET /api/v1/participants/{id}/trainings", |w| format!("/api/v1/participants/{}/trainings", w.officer),
            scoped(&[A, O], &[O], &[])).attendance(),
        // the JP ledger: the officer, their unit's operator (not the world's) and admins
        rule("GET /api/v1/participants/{id}/jp-ledger", |w| format!("/api/v1/participants/{}/jp-ledger", w.officer),
            only(&[A])),
        // the riwayat kursus for SIASN: like the ledger; a unit's for admins and that unit's operator
        rule("GET /api/v1/participants/{id}/riwayat-kursus", |w| format!("/api/v1/participants/{}/riwayat-kursus", w.officer),
            only(&[A])),
        rule("GET /api/v1/participants/{id}/riwayat-kursus.csv",
            |w| format!("/api/v1/participants/{}/riwayat-kursus.csv", w.officer), only(&[A])),
        rule("GET /api/v1/units/{id}/riwayat-kursus", |w| format!("/api/v1/units/{}/riwayat-kursus", w.unit), only(&[A])),
        rule("GET /api/v1/units/{id}/riwayat-kursus.csv", |w| format!("/api/v1/units/{}/riwayat-kursus.csv", w.unit),
            only(&[A])),
        // the caller's own: accounts that are not an officer's have none
        rule("GET /api/v1/me/trainings", |_| "/api/v1/me/trainings".into(), hidden_from_others(&[P], &[A, O, U, F])),
        rule("GET /api/v1/me/jp-ledger", |_| "/api/v1/me/jp-ledger".into(), hidden_from_others(&[P], &[A, O, U, F])),
        // training records from elsewhere: the officer, their unit's operator (not the world's) and admins; a record
        // is 404 to those who may not read it
        rule("GET /api/v1/participants/{id}/competency-records",
            |w| format!("/api/v1/participants/{}/competency-records", w.officer), only(&[A])),
        rule("POST /api/v1/participants/{id}/competency-records",
            |w| format!("/api/v1/participants/{}/competency-records", w.officer), only(&[A])).body(record_body),
        rule("GET /api/v1/me/competency-records", |_| "/api/v1/me/competency-records".into(),
            hidden_from_others(&[P], &[A, O, U, F])),
        rule("GET /api/v1/competency-records/{id}", |w| format!("/api/v1/competency-records/{}", w.record),
            hidden_from_others(&[A], &[O, U, F, P])),
        rule("PUT /api/v1/competency-records/{id}", |w| format!("/api/v1/competency-records/{}", w.record),
            hidden_from_others(&[A], &[O, U, F, P])).body(record_body),
        rule("DELETE /api/v1/competency-records/{id}", |w| format!("/api/v1/competency-records/{}", w.record),
            hidden_from_others(&[A], &[O, U, F, P])),
        rule("POST /api/v1/competency-records/{id}/verify",
            |w| format!("/api/v1/competency-records/{}/verify", w.record), hidden_from_others(&[A], &[O, U, F, P])),
        rule("POST /api/v1/competency-records/{id}/reject",
            |w| format!("/api/v1/competency-records/{}/reject", w.record), hidden_from_others(&[A], &[O, U, F, P]))
            .body(|_, _| json!({"reason": "Sertifikat tidak terbaca"})),
        rule("PUT /api/v1/competency-records/{id}/scan", |w| format!("/api/v1/competency-records/{}/scan", w.record),
            hidden_from_others(&[A], &[O, U, F, P])).body(|_, _| Value::String("%PDF-1.4\n%%EOF\n".into())),
        rule("GET /api/v1/competency-records/{id}/scan", |w| format!("/api/v1/competency-records/{}/scan", w.record),
            hidden_from_others(&[A], &[O, U, F, P])),
        rule("GET /api/v1/development-forms", |_| "/api/v1/development-forms".into(), Access::Public),
        // calendar feeds: every account has its own; the feeds open by their token, an event's for everyone
        rule("POST /api/v1/me/calendar-token", |_| "/api/v1/me/calendar-token".into(), only(ALL)),
        rule("DELETE /api/v1/me/calendar-token", |_| "/api/v1/me/calendar-token".into(), only(ALL)),
        rule("GET /api/v1/calendar/{token}.ics", |_| "/api/v1/calendar/unknown.ics".into(), Access::Public),
        rule("GET /api/v1/events/{id}/calendar.ics", |w| format!("/api/v1/events/{}/calendar.ics", w.event),
            Access::Public),
        rule("POST /api/v1/participants/{id}/erase", |w| format!("/api/v1/participants/{}/erase", w.officer), only(&[A])),
        // a subject's data export: the officer, their unit's operator (not the world's) and admins
        rule("GET /api/v1/participants/{id}/export", |w| format!("/api/v1/participants/{}/export", w.officer), only(&[A])),
        // --- events: everybody reads published events; their managers (admins, their organizers) change them
        rule("GET /api/v1/events", |_| "/api/v1/events".into(), only(ALL)),
        rule("POST /api/v1/events", |_| "/api/v1/events".into(), only(&[A, O])).body(|w, _| {
            json!({"title": "New event", "kind": "workshop", "host_unit_id": w.unit, "starts_on": w.starts_on,
                   "ends_on": w.ends_on, "capacity": 10})
        }),
        rule("GET /api/v1/events/{id}", |w| format!("/api/v1/events/{}", w.event), only(ALL)),
        rule("GET /api/v1/events/{id}", |w| format!("/api/v1/events/{}", w.event), only(ALL)).on_draft(),
        rule("PATCH /api/v1/events/{id}", |w| format!("/api/v1/events/{}", w.event), only(&[A]))
            .body(|_, _| json!({"capacity": 45})),
        rule("DELETE /api/v1/events/{id}", |w| format!("/api/v1/events/{}", w.spare_event), only(&[A])),
        rule("POST /api/v1/events/{id}/publish", |w| format!("/api/v1/events/{}/publish", w.event), only(&[A]))
            .event("draft"),
        rule("POST /api/v1/events/{id}/start", |w| format!("/api/v1/events/{}/start", w.event), only(&[A])),
        rule("POST /api/v1/events/{id}/complete", |w| format!("/api/v1/events/{}/complete", w.event), only(&[A]))
            .event("ongoing").ended(),
        rule("POST /api/v1/events/{id}/cancel", |w| format!("/api/v1/events/{}/cancel", w.event), only(&[A])),
        rule("GET /api/v1/events/{id}/attendance-summary", |w| format!("/api/v1/events/{}/attendance-summary", w.event),
            scoped(&[A, U, P], &[U, P], &[])).event("ongoing").attendance(),
        rule("GET /api/v1/events/{id}/attendance-summary", |w| format!("/api/v1/events/{}/attendance-summary", w.event),
            only(ALL)).on_draft(),
        rule("GET /api/v1/events/{id}/enrollments", |w| format!("/api/v1/events/{}/enrollments", w.event),
            scoped(&[A, U, P], &[U, P], &[])),
        rule("GET /api/v1/events/{id}/enrollments", |w| format!("/api/v1/events/{}/enrollments", w.event), only(ALL))
            .on_draft(),
        rule("POST /api/v1/events/{id}/enrollments", |w| format!("/api/v1/events/{}/enrollments", w.event), only(&[A]))
            .body(|w, _| json!({"participant_id": w.spare_officer})),
        rule("POST /api/v1/events/{id}/enrollments", |w| format!("/api/v1/events/{}/enrollments", w.event), only(&[A]))
            .body(|w, _| json!({"participant_id": w.spare_officer}))
            .on_draft(),
        // the bulk twins: a caller who may act on none of the rows is refused whole, as by the single calls
        rule("POST /api/v1/events/{id}/enrollments/bulk", |w| format!("/api/v1/events/{}/enrollments/bulk", w.event),
            only(&[A])).body(|w, _| json!({"nominations": [{"participant_id": w.spare_officer}]})),
        rule("POST /api/v1/events/{id}/enrollments/bulk", |w| format!("/api/v1/events/{}/enrollments/bulk", w.event),
            only(&[A])).body(|w, _| json!({"nominations": [{"participant_id": w.spare_officer}]})).on_draft(),
        rule("POST /api/v1/events/{id}/enrollments/decisions",
            |w| format!("/api/v1/events/{}/enrollments/decisions", w.event), only(&[A])).enrollment("nominated")
            .body(|w, _| json!({"decisions": [{"enrollment_id": w.enrollment, "action": "approve"}]})),
        rule("POST /api/v1/events/{id}/enrollments/decisions",
            |w| format!("/api/v1/events/{}/enrollments/decisions", w.event), only(&[A])).enrollment("nominated")
            .body(|w, _| json!({"decisions": [{"enrollment_id": w.enrollment, "action": "approve"}]})).on_draft(),
        rule("GET /api/v1/events/{id}/quotas", |w| format!("/api/v1/events/{}/quotas", w.event), only(&[A, U])),
        rule("GET /api/v1/events/{id}/quotas", |w| format!("/api/v1/events/{}/quotas", w.event), only(ALL)).on_draft(),
        rule("PUT /api/v1/events/{id}/quotas", |w| format!("/api/v1/events/{}/quotas", w.event), only(&[A]))
            .body(|w, _| json!([{"unit_id": w.unit, "quota": 3}])),
        rule("GET /api/v1/events/{id}/sessions", |w| format!("/api/v1/events/{}/sessions", w.event), only(ALL)),
        rule("GET /api/v1/events/{id}/sessions", |w| format!("/api/v1/events/{}/sessions", w.event), only(ALL))
            .on_draft(),
        rule("POST /api/v1/events/{id}/sessions", |w| format!("/api/v1/events/{}/sessions", w.event), only(&[A]))
            .body(session_body),
        // --- sessions: readable with their event; written by the event's managers; attendance also by the
        // facilitators leading the session
        rule("GET /api/v1/sessions/{id}", |w| format!("/api/v1/sessions/{}", w.session), only(ALL)),
        rule("GET /api/v1/sessions/{id}", |w| format!("/api/v1/sessions/{}", w.session), only(ALL)).on_draft(),
        rule("PATCH /api/v1/sessions/{id}", |w| format!("/api/v1/sessions/{}", w.session), only(&[A]))
            .body(|_, _| json!({"location": "Aula"})),
        rule("DELETE /api/v1/sessions/{id}", |w| format!("/api/v1/sessions/{}", w.session), only(&[A])),
        rule("GET /api/v1/sessions/{id}/attendance", |w| format!("/api/v1/sessions/{}/attendance", w.session),
            scoped(&[A, U, P], &[U, P], &[])).event("ongoing").attendance(),
        rule("GET /api/v1/sessions/{id}/attendance", |w| format!("/api/v1/sessions/{}/attendance", w.session),
            only(ALL)).on_draft(),
        // the daftar hadir: the whole list (full NIPs) for the event's managers and its facilitators (masked); not
        // for those who see part of it
        rule("GET /api/v1/sessions/{id}/attendance-sheet.pdf",
            |w| format!("/api/v1/sessions/{}/attendance-sheet.pdf", w.session), only(&[A])).event("ongoing").attendance(),
        rule("GET /api/v1/sessions/{id}/attendance-sheet.pdf",
            |w| format!("/api/v1/sessions/{}/attendance-sheet.pdf", w.session), only(ALL)).on_draft(),
        rule("GET /api/v1/events/{id}/attendance-sheet.pdf",
            |w| format!("/api/v1/events/{}/attendance-sheet.pdf", w.event), only(&[A])).event("ongoing").attendance(),
        rule("GET /api/v1/events/{id}/attendance-sheet.pdf",
            |w| format!("/api/v1/events/{}/attendance-sheet.pdf", w.event), only(ALL)).on_draft(),
        rule("PUT /api/v1/sessions/{id}/attendance", |w| format!("/api/v1/sessions/{}/attendance", w.session), only(&[A]))
            .event("ongoing")
            .body(|w, _| json!({"records": [{"participant_id": w.officer, "status": "present"}]})),
        // The check-in code is the credential: anyone holding it may present it (a kiosk, a facilitator's device),
        // except that a participant account checks in only itself.
        rule("POST /api/v1/sessions/{id}/check-in", |w| format!("/api/v1/sessions/{}/check-in", w.session),
            scoped(ALL, &[P], &[])).event("ongoing").body(|w, _| json!({"code": w.check_in_code})),
        // --- enrollments: the event's managers; the operator of the officer's unit and the officer themself;
        // everybody else does not learn that the enrollment exists
        rule("GET /api/v1/enrollments/{id}", |w| format!("/api/v1/enrollments/{}", w.enrollment),
            hidden_from_others(&[A], &[O, U, F, P])),
        rule("PATCH /api/v1/enrollments/{id}", |w| format!("/api/v1/enrollments/{}", w.enrollment),
            hidden_from_others(&[A], &[O, U, F, P])).body(|_, _| json!({"note": "Changed"})),
        rule("POST /api/v1/enrollments/{id}/approve", |w| format!("/api/v1/enrollments/{}/approve", w.enrollment),
            hidden_from_others(&[A], &[O, U, F, P])).enrollment("nominated"),
        rule("POST /api/v1/enrollments/{id}/reject", |w| format!("/api/v1/enrollments/{}/reject", w.enrollment),
            hidden_from_others(&[A], &[O, U, F, P])).enrollment("nominated"),
        rule("POST /api/v1/enrollments/{id}/withdraw", |w| format!("/api/v1/enrollments/{}/withdraw", w.enrollment),
            hidden_from_others(&[A], &[O, U, F, P])),
        // --- scores, results, reports and exports: the event's managers (and its facilitators) see every officer,
        // a unit operator their unit's, a participant their own; reports and the CSV files (full NIPs) only the
        // managers; cross-event reports admins and organizers (programs), admins and the unit's operator (units)
        rule("GET /api/v1/events/{id}/scores", |w| format!("/api/v1/events/{}/scores", w.event),
            scoped(&[A, U, P], &[U, P], &[])),
        rule("GET /api/v1/events/{id}/scores", |w| format!("/api/v1/events/{}/scores", w.event), only(ALL)).on_draft(),
        rule("PUT /api/v1/events/{id}/scores", |w| format!("/api/v1/events/{}/scores", w.event), only(&[A]))
            .body(|w, _| json!({"items": [{"enrollment_id": w.enrollment, "kind": "practical", "score": 80}]})),
        rule("GET /api/v1/events/{id}/results", |w| format!("/api/v1/events/{}/results", w.event),
            scoped(&[A, U, P], &[U, P], &[])).attendance(),
        rule("GET /api/v1/events/{id}/results", |w| format!("/api/v1/events/{}/results", w.event), only(ALL)).on_draft(),
        rule("GET /api/v1/events/{id}/report", |w| format!("/api/v1/events/{}/report", w.event), only(&[A])),
        rule("GET /api/v1/events/{id}/report", |w| format!("/api/v1/events/{}/report", w.event), only(ALL)).on_draft(),
        rule("GET /api/v1/events/{id}/exports/{name}.csv", |w| format!("/api/v1/events/{}/exports/attendance.csv", w.event),
            only(&[A])).attendance(),
        rule("GET /api/v1/events/{id}/exports/{name}.csv", |w| format!("/api/v1/events/{}/exports/scores.csv", w.event),
            only(ALL)).on_draft(),
        rule("GET /api/v1/events/{id}/exports/{name}.xlsx", |w| format!("/api/v1/events/{}/exports/attendance.xlsx", w.event),
            only(&[A])).attendance(),
        rule("GET /api/v1/events/{id}/exports/{name}.xlsx", |w| format!("/api/v1/events/{}/exports/scores.xlsx", w.event),
            only(ALL)).on_draft(),
        rule("GET /api/v1/programs/{id}/report", |w| format!("/api/v1/programs/{}/report", w.program), only(&[A, O])),
        // who is qualified: admins, organizers, an operator for their own unit (the world's officer not shown)
        rule("GET /api/v1/programs/{id}/qualified-officers", |w| format!("/api/v1/programs/{}/qualified-officers", w.program),
            scoped(&[A, O, U], &[U], &[])),
        rule("GET /api/v1/units/{id}/report", |w| format!("/api/v1/units/{}/report", w.unit), only(&[A])),
        // JP compliance: a unit's list for admins and that unit's operator (not the world's); the Kanwil's for admins
        rule("GET /api/v1/units/{id}/jp-compliance", |w| format!("/api/v1/units/{}/jp-compliance", w.unit), only(&[A])),
        rule("GET /api/v1/units/{id}/jp-compliance.csv", |w| format!("/api/v1/units/{}/jp-compliance.csv", w.unit),
            only(&[A])),
        rule("GET /api/v1/units/{id}/jp-compliance.xlsx", |w| format!("/api/v1/units/{}/jp-compliance.xlsx", w.unit),
            only(&[A])),
        rule("GET /api/v1/jp-compliance", |_| "/api/v1/jp-compliance".into(), only(&[A])),
        rule("GET /api/v1/jp-compliance.csv", |_| "/api/v1/jp-compliance.csv".into(), only(&[A])),
        rule("GET /api/v1/jp-compliance.xlsx", |_| "/api/v1/jp-compliance.xlsx".into(), only(&[A])),
        rule("GET /api/v1/jp-compliance/officers", |_| "/api/v1/jp-compliance/officers".into(), only(&[A])),
        // --- instruments: written by the event's managers; read without the key by the event's approved officers,
        // the facilitators of its sessions and the operators of units with an approved officer (none of whom the
        // callers are here); a draft event hides them
        rule("GET /api/v1/events/{id}/instruments", |w| format!("/api/v1/events/{}/instruments", w.event), only(&[A])),
        rule("GET /api/v1/events/{id}/instruments", |w| format!("/api/v1/events/{}/instruments", w.event), only(ALL))
            .on_draft(),
        rule("POST /api/v1/events/{id}/instruments", |w| format!("/api/v1/events/{}/instruments", w.event), only(&[A]))
            .body(instrument_body),
        rule("GET /api/v1/instruments/{id}", |w| format!("/api/v1/instruments/{}", w.instrument), only(&[A])),
        rule("GET /api/v1/instruments/{id}", |w| format!("/api/v1/instruments/{}", w.instrument), only(ALL)).on_draft(),
        rule("PATCH /api/v1/instruments/{id}", |w| format!("/api/v1/instruments/{}", w.instrument), only(&[A]))
            .body(|_, _| json!({"title": "Renamed evaluation"})),
        rule("DELETE /api/v1/instruments/{id}", |w| format!("/api/v1/instruments/{}", w.instrument), only(&[A])),
        // --- responses: the managers see all; an officer their own; the supervisor's answers at follow-up are
        // entered by the operator of the alumnus's unit, an organizer of the event or an admin
        rule("GET /api/v1/instruments/{id}/responses", |w| format!("/api/v1/instruments/{}/responses", w.follow_up),
            only(&[A])),
        rule("POST /api/v1/instruments/{id}/responses", |w| format!("/api/v1/instruments/{}/responses", w.follow_up),
            only(&[A])).event("completed").body(|w, _| {
                json!({"respondent_kind": "supervisor", "enrollment_id": w.enrollment,
                       "answers": [{"question_id": w.follow_up_question, "value": 4}]})
            }),
        rule("GET /api/v1/responses/{id}", |w| format!("/api/v1/responses/{}", w.response),
            hidden_from_others(&[A], &[O, U, F, P])),
        // --- templates: administrators and organizers read and create; the creator (another organizer here) and
        // administrators change and delete
        rule("GET /api/v1/instrument-templates", |_| "/api/v1/instrument-templates".into(), only(&[A, O])),
        rule("POST /api/v1/instrument-templates", |_| "/api/v1/instrument-templates".into(), only(&[A, O]))
            .body(|w, _| {
                let mut body = instrument_body(w, &Callers { all: Vec::new() });
                body["name"] = json!(format!("New template {}", w.tag));
                body
            }),
        rule("GET /api/v1/instrument-templates/{id}", |w| format!("/api/v1/instrument-templates/{}", w.template),
            only(&[A, O])),
        rule("PATCH /api/v1/instrument-templates/{id}", |w| format!("/api/v1/instrument-templates/{}", w.template),
            only(&[A])).body(|_, _| json!({"title": "Renamed template"})),
        rule("DELETE /api/v1/instrument-templates/{id}", |w| format!("/api/v1/instrument-templates/{}", w.template),
            only(&[A])),
        // --- certificates: issued, listed, read and revoked by the event's managers; the holder and the operator of
        // the holder's unit read them; anyone with the code verifies (JSON and the HTML page of the QR code)
        // the signatory: the event's managers set the event's, administrators and organizers the program's
        rule("PUT /api/v1/events/{id}/signatory", |w| format!("/api/v1/events/{}/signatory", w.event), only(&[A]))
            .body(|w, _| json!({"name": format!("Kepala {}", w.tag), "nip": "197001011990031001", "place": "Palangka Raya"})),
        rule("PUT /api/v1/programs/{id}/signatory", |w| format!("/api/v1/programs/{}/signatory", w.program), only(&[A, O]))
            .body(|w, _| json!({"title": format!("Kepala {}", w.tag), "signed_electronically": true})),
        // (the world's completed event ends tomorrow: the issue date may not be before it ends)
        rule("POST /api/v1/events/{id}/certificates", |w| format!("/api/v1/events/{}/certificates", w.event), only(&[A]))
            .event("completed")
            .body(|w, _| json!({"issued_on": w.ends_on})),
        rule("GET /api/v1/events/{id}/certificates", |w| format!("/api/v1/events/{}/certificates", w.event),
            scoped(&[A, U, P], &[U, P], &[])).event("completed").certificate(),
        rule("GET /api/v1/events/{id}/certificates", |w| format!("/api/v1/events/{}/certificates", w.event), only(ALL))
            .on_draft(),
        rule("GET /api/v1/events/{id}/certificates.zip", |w| format!("/api/v1/events/{}/certificates.zip", w.event),
            scoped(&[A, U, P], &[U, P], &[])).event("completed").certificate(),
        rule("GET /api/v1/events/{id}/certificates.zip", |w| format!("/api/v1/events/{}/certificates.zip", w.event),
            only(ALL)).on_draft(),
        rule("GET /api/v1/certificates/{id}", |w| format!("/api/v1/certificates/{}", w.certificate),
            hidden_from_others(&[A], &[O, U, F, P])).event("completed").certificate(),
        rule("GET /api/v1/certificates/{id}.pdf", |w| format!("/api/v1/certificates/{}.pdf", w.certificate),
            hidden_from_others(&[A], &[O, U, F, P])).event("completed").certificate(),
        rule("POST /api/v1/certificates/{id}/revoke", |w| format!("/api/v1/certificates/{}/revoke", w.certificate),
            hidden_from_others(&[A], &[O, U, F, P])).event("completed").certificate()
            .body(|_, _| json!({"reason": "Issued by mistake"})),
        rule("GET /api/v1/certificates/{id}/credential", |w| format!("/api/v1/certificates/{}/credential", w.certificate),
            hidden_from_others(&[A], &[O, U, F, P])).event("completed").certificate(),
        // --- what a verifier of a credential needs without an account
        rule("GET /api/v1/issuers/{unit_code}", |w| format!("/api/v1/issuers/U-{}", w.tag.to_uppercase()),
            Access::Public),
        rule("GET /api/v1/signing-keys/{kid}", |_| "/api/v1/signing-keys/rs256-20261202-00000000".into(),
            Access::Public),
        rule("GET /api/v1/status-lists/{n}", |_| "/api/v1/status-lists/1".into(), Access::Public),
        rule("GET /.well-known/jwks.json", |_| "/.well-known/jwks.json".into(), Access::Public),
        rule("GET /api/v1/certificates/verify/{code}", |w| format!("/api/v1/certificates/verify/{}", w.verification_code),
            Access::Public).event("completed").certificate(),
        rule("GET /verify/{code}", |w| format!("/verify/{}", w.verification_code), Access::Public)
            .event("completed").certificate(),
        // --- webhooks: administrators only (an inactive subscription to a public address: nothing is sent)
        rule("GET /api/v1/webhooks", |_| "/api/v1/webhooks".into(), only(&[A])),
        rule("POST /api/v1/webhooks", |_| "/api/v1/webhooks".into(), only(&[A])).body(|w, _| {
            json!({"url": format!("https://93.184.215.14/hooks/new-{}", w.tag),
                   "event_types": ["certificate.revoked"], "active": false})
        }),
        rule("GET /api/v1/webhooks/{id}", |w| format!("/api/v1/webhooks/{}", w.webhook), only(&[A])),
        rule("PATCH /api/v1/webhooks/{id}", |w| format!("/api/v1/webhooks/{}", w.webhook), only(&[A]))
            .body(|_, _| json!({"description": "Changed"})),
        rule("DELETE /api/v1/webhooks/{id}", |w| format!("/api/v1/webhooks/{}", w.webhook), only(&[A])),
        rule("GET /api/v1/webhooks/{id}/deliveries", |w| format!("/api/v1/webhooks/{}/deliveries", w.webhook),
            only(&[A])),
        rule("POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
            |w| format!("/api/v1/webhooks/{}/deliveries/{}/redeliver", w.webhook, w.delivery), only(&[A])),
        // --- bulk imports: officers by administrators (any unit) and unit operators (own unit only: a row of the
        // world's unit is a row error `forbidden_unit`); units by administrators
        rule("POST /api/v1/participants/import", |_| "/api/v1/participants/import".into(), only(&[A])).body(|w, _| {
            json!([{"nip": fresh_nip(), "full_name": "Imported officer", "sex": "male", "employee_type": "pns",
                    "unit_id": w.unit}])
        }).rows_refused(&[U], "forbidden_unit"),
        rule("POST /api/v1/units/import", |_| "/api/v1/units/import".into(), only(&[A])).body(|w, _| {
            json!([{"code": format!("I-{}", w.tag.to_uppercase()), "name": "Imported unit", "type": "lapas"}])
        }),
    ]
}

fn instrument_body(_: &World, _: &Callers) -> Value {
    json!({
        "kind": "event_evaluation",
        "title": "Evaluasi penyelenggaraan",
        "questions": [{"type": "likert", "prompt": "Materi disampaikan dengan jelas",
                       "settings": {"scale": 4, "labels": ["Kurang", "Cukup", "Baik", "Sangat baik"]}}]
    })
}

/// The main entry of an operation.
pub fn main_rule(key: &str) -> Option<Rule> {
    rules()
        .into_iter()
        .find(|r| r.op == key && r.variant.is_empty())
}
