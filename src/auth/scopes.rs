//! The scopes of service accounts and THE SCOPE TABLE: which scope each operation needs from a client token.
//!
//! Deny by default: an operation that is not in [`TABLE`] is refused to every client token (403
//! `insufficient_scope`), whatever its scopes, so a new route is closed to clients until someone decides which
//! scope opens it. [`REFUSED`] lists the operations deliberately closed to clients (accounts, service accounts, the
//! caller's own profile, irreversible erasure); a test checks that every secured operation of the OpenAPI document
//! is in exactly one of the two lists.
//!
//! A client acts as an administrator limited by its scopes: within an operation its scope allows, it sees and may
//! do what an administrator may. User tokens are not affected by this table (their role decides).
//!
//! To open a new operation to clients, add one line `op("METHOD", "/api/v1/path/{id}", Scope::...)` below: the
//! path is the route template as the router and the OpenAPI document spell it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A permission a service account can hold. Each scope is a closed vocabulary word of the form `area:access`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
pub enum Scope {
    /// Read officers (full NIP and contacts included) and their attendance history.
    #[serde(rename = "participants:read")]
    ParticipantsRead,
    /// Create, change and delete officers (not erase them).
    #[serde(rename = "participants:write")]
    ParticipantsWrite,
    /// Read the Kanwil and its units.
    #[serde(rename = "units:read")]
    UnitsRead,
    /// Create, change and delete units.
    #[serde(rename = "units:write")]
    UnitsWrite,
    /// Read programs, events, their sessions and unit quotas.
    #[serde(rename = "events:read")]
    EventsRead,
    /// Create, change and delete programs, events and sessions; lifecycle transitions; unit quotas.
    #[serde(rename = "events:write")]
    EventsWrite,
    /// Read enrollments.
    #[serde(rename = "enrollments:read")]
    EnrollmentsRead,
    /// Nominate officers, change, approve, reject and withdraw enrollments.
    #[serde(rename = "enrollments:write")]
    EnrollmentsWrite,
    /// Read attendance lists and summaries.
    #[serde(rename = "attendance:read")]
    AttendanceRead,
    /// Record attendance lists and check-ins.
    #[serde(rename = "attendance:write")]
    AttendanceWrite,
    /// Read evaluation instruments, responses and reports.
    #[serde(rename = "evaluations:read")]
    EvaluationsRead,
    /// Read results (attendance %, JP, scores, outcome).
    #[serde(rename = "results:read")]
    ResultsRead,
    /// Enter scores (paper tests, practical assessment).
    #[serde(rename = "scores:write")]
    ScoresWrite,
    /// Read certificates.
    #[serde(rename = "certificates:read")]
    CertificatesRead,
    /// Issue and revoke certificates.
    #[serde(rename = "certificates:write")]
    CertificatesWrite,
    /// Read who holds a valid certificate of a program, per unit (the qualified officers).
    #[serde(rename = "qualifications:read")]
    QualificationsRead,
    /// Poll the change feed.
    #[serde(rename = "changes:read")]
    ChangesRead,
    /// Manage webhook subscriptions and their deliveries.
    #[serde(rename = "webhooks:manage")]
    WebhooksManage,
}

impl Scope {
    pub const ALL: [Scope; 18] = [
        Scope::ParticipantsRead,
        Scope::ParticipantsWrite,
        Scope::UnitsRead,
        Scope::UnitsWrite,
        Scope::EventsRead,
        Scope::EventsWrite,
        Scope::EnrollmentsRead,
        Scope::EnrollmentsWrite,
        Scope::AttendanceRead,
        Scope::AttendanceWrite,
        Scope::EvaluationsRead,
        Scope::ResultsRead,
        Scope::ScoresWrite,
        Scope::CertificatesRead,
        Scope::CertificatesWrite,
        Scope::QualificationsRead,
        Scope::ChangesRead,
        Scope::WebhooksManage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ParticipantsRead => "participants:read",
            Scope::ParticipantsWrite => "participants:write",
            Scope::UnitsRead => "units:read",
            Scope::UnitsWrite => "units:write",
            Scope::EventsRead => "events:read",
            Scope::EventsWrite => "events:write",
            Scope::EnrollmentsRead => "enrollments:read",
            Scope::EnrollmentsWrite => "enrollments:write",
            Scope::AttendanceRead => "attendance:read",
            Scope::AttendanceWrite => "attendance:write",
            Scope::EvaluationsRead => "evaluations:read",
            Scope::ResultsRead => "results:read",
            Scope::ScoresWrite => "scores:write",
            Scope::CertificatesRead => "certificates:read",
            Scope::QualificationsRead => "qualifications:read",
            Scope::CertificatesWrite => "certificates:write",
            Scope::ChangesRead => "changes:read",
            Scope::WebhooksManage => "webhooks:manage",
        }
    }

    /// What the scope allows, for the OpenAPI document and Swagger UI.
    pub fn description(self) -> &'static str {
        match self {
            Scope::ParticipantsRead => {
                "Read officers (full NIP and contacts) and their attendance history"
            }
            Scope::ParticipantsWrite => "Create, change and delete officers",
            Scope::UnitsRead => "Read the Kanwil and its units",
            Scope::UnitsWrite => "Create, change and delete units",
            Scope::EventsRead => "Read programs, events, sessions and unit quotas",
            Scope::EventsWrite => {
                "Create, change and delete programs, events and sessions; lifecycle; quotas"
            }
            Scope::EnrollmentsRead => "Read enrollments",
            Scope::EnrollmentsWrite => "Nominate officers; change, approve, reject, withdraw",
            Scope::AttendanceRead => "Read attendance lists and summaries",
            Scope::AttendanceWrite => "Record attendance and check-ins",
            Scope::EvaluationsRead => "Read evaluation instruments, responses and reports",
            Scope::ResultsRead => "Read results (attendance, JP, scores, outcome)",
            Scope::ScoresWrite => "Enter scores",
            Scope::CertificatesRead => "Read certificates",
            Scope::QualificationsRead => {
                "Read the officers holding a valid certificate of a program, per unit"
            }
            Scope::CertificatesWrite => "Issue and revoke certificates",
            Scope::ChangesRead => "Poll the change feed",
            Scope::WebhooksManage => "Manage webhook subscriptions",
        }
    }

    /// Parses one scope word; `None` for anything outside the vocabulary.
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == s)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes, sorted and without duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Self {
        let mut v: Vec<Scope> = scopes.into_iter().collect();
        v.sort_unstable();
        v.dedup();
        Self(v)
    }

    /// Parses a space-delimited scope string (RFC 6749 section 3.3). `Err` carries the first unknown word.
    pub fn parse_space_delimited(s: &str) -> Result<Self, String> {
        let mut out = Vec::new();
        for word in s.split(' ').filter(|w| !w.is_empty()) {
            out.push(Scope::parse(word).ok_or_else(|| word.to_owned())?);
        }
        Ok(Self::new(out))
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.binary_search(&scope).is_ok()
    }

    pub fn is_subset_of(&self, other: &Scopes) -> bool {
        self.0.iter().all(|s| other.contains(*s))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    /// The RFC 6749 form: space-delimited.
    pub fn to_space_delimited(&self) -> String {
        self.0
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One operation open to clients: `METHOD` and route template, and the scope it needs.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub method: &'static str,
    pub path: &'static str,
    pub scope: Scope,
}

const fn op(method: &'static str, path: &'static str, scope: Scope) -> Entry {
    Entry {
        method,
        path,
        scope,
    }
}

use Scope::*;

/// THE SCOPE TABLE: every operation a client token may call, with the scope it needs. Anything else: 403.
pub const TABLE: &[Entry] = &[
    // --- units
    op("GET", "/api/v1/units", UnitsRead),
    op("GET", "/api/v1/units/{id}", UnitsRead),
    op("POST", "/api/v1/units", UnitsWrite),
    op("PATCH", "/api/v1/units/{id}", UnitsWrite),
    op("DELETE", "/api/v1/units/{id}", UnitsWrite),
    // --- officers (erasure is refused: see REFUSED)
    op("GET", "/api/v1/participants", ParticipantsRead),
    op("GET", "/api/v1/participants/{id}", ParticipantsRead),
    op(
        "GET",
        "/api/v1/participants/{id}/attendance",
        AttendanceRead,
    ),
    op(
        "GET",
        "/api/v1/participants/{id}/trainings",
        ParticipantsRead,
    ),
    op(
        "GET",
        "/api/v1/participants/{id}/jp-ledger",
        ParticipantsRead,
    ),
    // training records from elsewhere
    op(
        "GET",
        "/api/v1/participants/{id}/competency-records",
        ParticipantsRead,
    ),
    op(
        "POST",
        "/api/v1/participants/{id}/competency-records",
        ParticipantsWrite,
    ),
    op("GET", "/api/v1/competency-records/{id}", ParticipantsRead),
    op("PUT", "/api/v1/competency-records/{id}", ParticipantsWrite),
    op(
        "DELETE",
        "/api/v1/competency-records/{id}",
        ParticipantsWrite,
    ),
    op(
        "POST",
        "/api/v1/competency-records/{id}/verify",
        ParticipantsWrite,
    ),
    op(
        "POST",
        "/api/v1/competency-records/{id}/reject",
        ParticipantsWrite,
    ),
    op(
        "PUT",
        "/api/v1/competency-records/{id}/scan",
        ParticipantsWrite,
    ),
    op(
        "GET",
        "/api/v1/competency-records/{id}/scan",
        ParticipantsRead,
    ),
    // the riwayat kursus export for SIASN (full NIPs)
    op(
        "GET",
        "/api/v1/participants/{id}/riwayat-kursus",
        ParticipantsRead,
    ),
    op(
        "GET",
        "/api/v1/participants/{id}/riwayat-kursus.csv",
        ParticipantsRead,
    ),
    op("GET", "/api/v1/units/{id}/riwayat-kursus", ParticipantsRead),
    op(
        "GET",
        "/api/v1/units/{id}/riwayat-kursus.csv",
        ParticipantsRead,
    ),
    op("POST", "/api/v1/participants", ParticipantsWrite),
    op("PATCH", "/api/v1/participants/{id}", ParticipantsWrite),
    op("DELETE", "/api/v1/participants/{id}", ParticipantsWrite),
    // --- programs, events, sessions, quotas
    op("GET", "/api/v1/programs", EventsRead),
    op("GET", "/api/v1/programs/{id}", EventsRead),
    op("POST", "/api/v1/programs", EventsWrite),
    op("PATCH", "/api/v1/programs/{id}", EventsWrite),
    op("DELETE", "/api/v1/programs/{id}", EventsWrite),
    op("PUT", "/api/v1/programs/{id}/signatory", EventsWrite),
    op("PUT", "/api/v1/events/{id}/signatory", EventsWrite),
    op("GET", "/api/v1/events", EventsRead),
    op("GET", "/api/v1/events/{id}", EventsRead),
    op("POST", "/api/v1/events", EventsWrite),
    op("PATCH", "/api/v1/events/{id}", EventsWrite),
    op("DELETE", "/api/v1/events/{id}", EventsWrite),
    op("POST", "/api/v1/events/{id}/publish", EventsWrite),
    op("POST", "/api/v1/events/{id}/start", EventsWrite),
    op("POST", "/api/v1/events/{id}/complete", EventsWrite),
    op("POST", "/api/v1/events/{id}/cancel", EventsWrite),
    op("GET", "/api/v1/events/{id}/quotas", EventsRead),
    op("PUT", "/api/v1/events/{id}/quotas", EventsWrite),
    op("GET", "/api/v1/events/{id}/sessions", EventsRead),
    op("POST", "/api/v1/events/{id}/sessions", EventsWrite),
    op("GET", "/api/v1/sessions/{id}", EventsRead),
    op("PATCH", "/api/v1/sessions/{id}", EventsWrite),
    op("DELETE", "/api/v1/sessions/{id}", EventsWrite),
    // --- enrollments
    op("GET", "/api/v1/events/{id}/enrollments", EnrollmentsRead),
    op("POST", "/api/v1/events/{id}/enrollments", EnrollmentsWrite),
    op(
        "POST",
        "/api/v1/events/{id}/enrollments/bulk",
        EnrollmentsWrite,
    ),
    op(
        "POST",
        "/api/v1/events/{id}/enrollments/decisions",
        EnrollmentsWrite,
    ),
    op("GET", "/api/v1/enrollments/{id}", EnrollmentsRead),
    op("PATCH", "/api/v1/enrollments/{id}", EnrollmentsWrite),
    op("POST", "/api/v1/enrollments/{id}/approve", EnrollmentsWrite),
    op("POST", "/api/v1/enrollments/{id}/reject", EnrollmentsWrite),
    op(
        "POST",
        "/api/v1/enrollments/{id}/withdraw",
        EnrollmentsWrite,
    ),
    // --- attendance
    op("GET", "/api/v1/sessions/{id}/attendance", AttendanceRead),
    op("PUT", "/api/v1/sessions/{id}/attendance", AttendanceWrite),
    op("POST", "/api/v1/sessions/{id}/check-in", AttendanceWrite),
    op(
        "GET",
        "/api/v1/events/{id}/attendance-summary",
        AttendanceRead,
    ),
    op(
        "GET",
        "/api/v1/sessions/{id}/attendance-sheet.pdf",
        AttendanceRead,
    ),
    op(
        "GET",
        "/api/v1/events/{id}/attendance-sheet.pdf",
        AttendanceRead,
    ),
    // --- bulk import (upsert by NIP or code)
    op("POST", "/api/v1/participants/import", ParticipantsWrite),
    op("POST", "/api/v1/units/import", UnitsWrite),
    // --- evaluations (read only: instruments are written and answered by people)
    op("GET", "/api/v1/events/{id}/instruments", EvaluationsRead),
    op("GET", "/api/v1/instruments/{id}", EvaluationsRead),
    op("GET", "/api/v1/instruments/{id}/responses", EvaluationsRead),
    op("GET", "/api/v1/responses/{id}", EvaluationsRead),
    op("GET", "/api/v1/instrument-templates", EvaluationsRead),
    op("GET", "/api/v1/instrument-templates/{id}", EvaluationsRead),
    // --- scores, results, reports and exports
    op("GET", "/api/v1/events/{id}/scores", ResultsRead),
    op("PUT", "/api/v1/events/{id}/scores", ScoresWrite),
    op("GET", "/api/v1/events/{id}/results", ResultsRead),
    op("GET", "/api/v1/events/{id}/report", ResultsRead),
    op("GET", "/api/v1/events/{id}/exports/{name}.csv", ResultsRead),
    op(
        "GET",
        "/api/v1/events/{id}/exports/{name}.xlsx",
        ResultsRead,
    ),
    op("GET", "/api/v1/programs/{id}/report", ResultsRead),
    op("GET", "/api/v1/units/{id}/report", ResultsRead),
    op(
        "GET",
        "/api/v1/programs/{id}/qualified-officers",
        QualificationsRead,
    ),
    // who stands where against the yearly JP rule (full NIPs: recorded as accesses)
    op("GET", "/api/v1/units/{id}/jp-compliance", ResultsRead),
    op("GET", "/api/v1/units/{id}/jp-compliance.csv", ResultsRead),
    op("GET", "/api/v1/units/{id}/jp-compliance.xlsx", ResultsRead),
    op("GET", "/api/v1/jp-compliance", ResultsRead),
    op("GET", "/api/v1/jp-compliance.csv", ResultsRead),
    op("GET", "/api/v1/jp-compliance.xlsx", ResultsRead),
    op("GET", "/api/v1/jp-compliance/officers", ResultsRead),
    // --- certificates
    op("GET", "/api/v1/events/{id}/certificates", CertificatesRead),
    op(
        "GET",
        "/api/v1/events/{id}/certificates.zip",
        CertificatesRead,
    ),
    op(
        "POST",
        "/api/v1/events/{id}/certificates",
        CertificatesWrite,
    ),
    op("GET", "/api/v1/certificates/{id}", CertificatesRead),
    op("GET", "/api/v1/certificates/{id}.pdf", CertificatesRead),
    op(
        "POST",
        "/api/v1/certificates/{id}/revoke",
        CertificatesWrite,
    ),
    // --- integration
    op("GET", "/api/v1/changes", ChangesRead),
    op("GET", "/api/v1/webhooks", WebhooksManage),
    op("POST", "/api/v1/webhooks", WebhooksManage),
    op("GET", "/api/v1/webhooks/{id}", WebhooksManage),
    op("PATCH", "/api/v1/webhooks/{id}", WebhooksManage),
    op("DELETE", "/api/v1/webhooks/{id}", WebhooksManage),
    op("GET", "/api/v1/webhooks/{id}/deliveries", WebhooksManage),
    op(
        "POST",
        "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
        WebhooksManage,
    ),
];

/// Operations deliberately closed to every client token, whatever its scopes (`METHOD path`).
pub const REFUSED: &[&str] = &[
    // the caller's own user profile: a client has none worth showing
    "GET /api/v1/me",
    // the caller's own trainings and JP ledger: a client is no officer
    "GET /api/v1/me/trainings",
    "GET /api/v1/me/jp-ledger",
    "GET /api/v1/me/competency-records",
    // the caller's own calendar feed: a feed address is for a person's calendar application
    "POST /api/v1/me/calendar-token",
    "DELETE /api/v1/me/calendar-token",
    // user accounts and service accounts: administrators in person only, so a leaked client secret cannot mint
    // more access
    "GET /api/v1/users",
    "POST /api/v1/users",
    "GET /api/v1/users/{id}",
    "PATCH /api/v1/users/{id}",
    "DELETE /api/v1/users/{id}",
    "GET /api/v1/clients",
    "POST /api/v1/clients",
    "GET /api/v1/clients/{id}",
    "PATCH /api/v1/clients/{id}",
    "DELETE /api/v1/clients/{id}",
    "POST /api/v1/clients/{id}/secret",
    // participant accounts and their one-time activation codes: issued by people, printed for people
    "POST /api/v1/units/{id}/participant-accounts",
    // irreversible erasure of personal data: a deliberate act of an administrator in person
    "POST /api/v1/participants/{id}/erase",
    // a subject's own data (UU PDP arts. 7-8), audit entries included: the officer, their operator or an
    // administrator in person
    "GET /api/v1/participants/{id}/export",
    // the letterheads of printed documents: office configuration, set and read by people
    "GET /api/v1/letterhead",
    "PUT /api/v1/letterhead",
    "GET /api/v1/units/{id}/letterhead",
    "PUT /api/v1/units/{id}/letterhead",
    // a certificate's signed credential: the holder's to keep and share; a machine has no wallet to put it in,
    // and a signed copy cannot be recalled once given out
    "GET /api/v1/certificates/{id}/credential",
    // the audit log: who did what is for administrators in person
    "GET /api/v1/audit-log",
    // instruments and templates are written, and answered, by people: the organizers and the officers
    "POST /api/v1/events/{id}/instruments",
    "PATCH /api/v1/instruments/{id}",
    "DELETE /api/v1/instruments/{id}",
    "POST /api/v1/instruments/{id}/responses",
    "POST /api/v1/instrument-templates",
    "PATCH /api/v1/instrument-templates/{id}",
    "DELETE /api/v1/instrument-templates/{id}",
];

/// The scope a client needs for `method` on the route template `path`; `None`: closed to clients.
pub fn required(method: &str, path: &str) -> Option<Scope> {
    TABLE
        .iter()
        .find(|e| e.method.eq_ignore_ascii_case(method) && e.path == path)
        .map(|e| e.scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scope_round_trips_through_its_word_and_serde() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
            let json = serde_json::to_string(&scope).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", scope.as_str()));
        }
        assert_eq!(Scope::parse("admin"), None);
        assert_eq!(Scope::parse("participants:READ"), None);
    }

    #[test]
    fn scope_strings_parse_as_sorted_sets() {
        let s = Scopes::parse_space_delimited("units:read  participants:read units:read");
        assert_eq!(
            s.map(|s| s.to_space_delimited()),
            Ok("participants:read units:read".to_owned())
        );
        assert_eq!(
            Scopes::parse_space_delimited("units:read root"),
            Err("root".to_owned())
        );
        let small = Scopes::new([UnitsRead]);
        let big = Scopes::new([UnitsRead, EventsRead]);
        assert!(small.is_subset_of(&big) && !big.is_subset_of(&small));
    }

    #[test]
    fn the_table_has_no_duplicates_and_nothing_both_open_and_refused() {
        let mut seen = std::collections::BTreeSet::new();
        for e in TABLE {
            let key = format!("{} {}", e.method, e.path);
            assert!(seen.insert(key.clone()), "{key} twice");
            assert!(!REFUSED.contains(&key.as_str()), "{key} open and refused");
        }
        assert_eq!(required("get", "/api/v1/units"), Some(UnitsRead));
        assert_eq!(required("GET", "/api/v1/users"), None);
        assert_eq!(required("GET", "/api/v1/nothing"), None);
    }
}
