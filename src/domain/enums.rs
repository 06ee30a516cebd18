//! The closed vocabularies of the domain. Stored as text (the database has matching CHECK constraints);
//! serialized as English identifiers, with the Indonesian terms in the documentation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Declares an enum with its stored/serialized names, `as_str`, `parse` and `ALL`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        $crate::domain::enums::text_column!($name);
    };
}

/// Stores a vocabulary type as its text form: rows read from the database carry the typed value, so no string is
/// parsed again after a query. A stored value outside the vocabulary (the CHECK constraints forbid it) is a
/// deserialization error naming the type, never the value.
macro_rules! text_column {
    ($name:ident) => {
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(
                    self.as_str(),
                    &mut out.reborrow(),
                )
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = std::str::from_utf8(bytes.as_bytes())?;
                $name::parse(text).ok_or_else(|| {
                    concat!(
                        "a stored value outside the vocabulary of ",
                        stringify!($name)
                    )
                    .into()
                })
            }
        }
    };
}
pub(crate) use text_column;

vocabulary! {
    /// Sex of an officer (`male` laki-laki, `female` perempuan); must agree with digit 15 of the NIP.
    Sex { Male = "male", Female = "female" }
}

vocabulary! {
    /// Employment: `pns` (civil servant) or `pppk` (government employee on contract).
    EmployeeType { Pns = "pns", Pppk = "pppk" }
}

vocabulary! {
    /// Civil-service grade (golongan ruang), ordered from I/a to IV/e. PPPK staff have none.
    Grade {
        Ia = "I/a", Ib = "I/b", Ic = "I/c", Id = "I/d",
        IIa = "II/a", IIb = "II/b", IIc = "II/c", IId = "II/d",
        IIIa = "III/a", IIIb = "III/b", IIIc = "III/c", IIId = "III/d",
        IVa = "IV/a", IVb = "IV/b", IVc = "IV/c", IVd = "IV/d", IVe = "IV/e",
    }
}

vocabulary! {
    /// Kind of position (jabatan): `structural` (struktural), `functional` (fungsional), `pelaksana`.
    PositionKind { Structural = "structural", Functional = "functional", Pelaksana = "pelaksana" }
}

vocabulary! {
    /// Type of unit: `kanwil` (regional office) or a UPT: `lapas` (prison), `lpp` (women's prison), `lpka`
    /// (juvenile), `rutan` (remand), `bapas` (probation), `rupbasan` (seized goods), `pos_bapas` (under a Bapas).
    UnitType {
        Kanwil = "kanwil", Lapas = "lapas", Lpp = "lpp", Lpka = "lpka", Rutan = "rutan",
        Bapas = "bapas", Rupbasan = "rupbasan", PosBapas = "pos_bapas",
    }
}

vocabulary! {
    /// Class of a UPT (kelas).
    UnitClass { I = "I", II = "II", IIA = "IIA", IIB = "IIB", III = "III" }
}

vocabulary! {
    /// Kind of training event: `orientation` (orientasi lapangan), `closing` (penutupan), `opening` (pembukaan),
    /// `workshop`, `refresher` (penyegaran), `other`.
    EventKind {
        Orientation = "orientation", Closing = "closing", Opening = "opening",
        Workshop = "workshop", Refresher = "refresher", Other = "other",
    }
}

vocabulary! {
    /// Where a training record from elsewhere stands: only `verified` records count in the JP ledger.
    RecordStatus {
        Pending = "pending", Verified = "verified", Rejected = "rejected",
    }
}

vocabulary! {
    /// Lifecycle of an event: `draft` -> `published` -> `ongoing` -> `completed`; `cancelled` from any state
    /// before `completed`.
    EventStatus {
        Draft = "draft", Published = "published", Ongoing = "ongoing",
        Completed = "completed", Cancelled = "cancelled",
    }
}

vocabulary! {
    /// State of an enrollment: `nominated` (diusulkan) -> `approved` (disetujui) | `rejected` (ditolak) |
    /// `waitlisted` (daftar tunggu); `withdrawn` (mengundurkan diri).
    EnrollmentStatus {
        Nominated = "nominated", Approved = "approved", Rejected = "rejected",
        Waitlisted = "waitlisted", Withdrawn = "withdrawn",
    }
}

vocabulary! {
    /// Attendance (presensi): `present` (hadir), `late` (terlambat), `excused` (izin), `sick` (sakit),
    /// `absent` (alpa).
    AttendanceStatus {
        Present = "present", Late = "late", Excused = "excused", Sick = "sick", Absent = "absent",
    }
}

vocabulary! {
    /// How attendance was recorded: `manual` (by a facilitator or organizer) or `code` (the officer checked in).
    AttendanceMethod { Manual = "manual", Code = "code" }
}

vocabulary! {
    /// Kind of instrument: `pre_test` / `post_test` (knowledge tests, Kirkpatrick level 2), `event_evaluation`
    /// (evaluasi penyelenggaraan, level 1), `facilitator_evaluation` (evaluasi narasumber, level 1), `follow_up`
    /// (evaluasi pasca pelatihan, 3-6 months later, level 3).
    InstrumentKind {
        PreTest = "pre_test", PostTest = "post_test", EventEvaluation = "event_evaluation",
        FacilitatorEvaluation = "facilitator_evaluation", FollowUp = "follow_up",
    }
}

vocabulary! {
    /// Lifecycle of an instrument: `draft` (being written) -> `open` (accepting responses) -> `closed`.
    InstrumentStatus { Draft = "draft", Open = "open", Closed = "closed" }
}

vocabulary! {
    /// Type of a question: `likert` (scale 1..4 or 1..5), `single_choice`, `multiple_choice`, `number`, `text`.
    QuestionType {
        Likert = "likert", SingleChoice = "single_choice", MultipleChoice = "multiple_choice",
        Number = "number", Text = "text",
    }
}

vocabulary! {
    /// Who answers: `participant` (the enrolled officer), `alumnus` (the officer, at follow-up) or `supervisor`
    /// (atasan langsung of the alumnus, at follow-up).
    RespondentKind { Participant = "participant", Alumnus = "alumnus", Supervisor = "supervisor" }
}

vocabulary! {
    /// A score of an officer in an event: `pre_test`, `post_test`, `practical` (the simulation assessment).
    ScoreKind { PreTest = "pre_test", PostTest = "post_test", Practical = "practical" }
}

vocabulary! {
    /// Where a score came from: `instrument` (an answered test, scored from its key) or `manual` (entered).
    ScoreSource { Instrument = "instrument", Manual = "manual" }
}

vocabulary! {
    /// Outcome of an officer in an event: `certificate` (sertifikat: attendance threshold met and passed),
    /// `attendance_letter` (surat keterangan: threshold met, not passed), `not_completed`.
    Outcome {
        Certificate = "certificate", AttendanceLetter = "attendance_letter", NotCompleted = "not_completed",
    }
}

vocabulary! {
    /// Kind of certificate: `sertifikat` (passed) or `surat_keterangan` (letter of attendance).
    CertificateKind { Sertifikat = "sertifikat", SuratKeterangan = "surat_keterangan" }
}

impl EventStatus {
    /// Completed and cancelled events are final: nothing about them changes any more.
    pub fn is_final(self) -> bool {
        matches!(self, EventStatus::Completed | EventStatus::Cancelled)
    }
}

impl AttendanceStatus {
    /// Present and late count as attended for the attendance rate and JP.
    pub fn attended(self) -> bool {
        matches!(self, AttendanceStatus::Present | AttendanceStatus::Late)
    }
}

vocabulary! {
    /// An event type a subscription can listen to. Events are thin: ids and statuses, never names, NIPs or contacts;
    /// read the resource through the API for the rest.
    EventType {
        /// An officer was created (`data`: `participant_id`, `unit_id`).
        ParticipantCreated = "participant.created",
        /// An officer was changed, archived or restored (`participant_id`, `unit_id`, `version`, `archived`).
        ParticipantUpdated = "participant.updated",
        /// The personal data of an officer was erased (`participant_id`).
        ParticipantErased = "participant.erased",
        /// An enrollment was created, changed status or was deleted (`enrollment_id`, `event_id`, `participant_id`,
        /// `status`, `previous_status`).
        EnrollmentChanged = "enrollment.changed",
        /// Attendance of an officer in a session was recorded or changed (`attendance_id`, `session_id`,
        /// `enrollment_id`, `participant_id`, `status`, `method`).
        AttendanceRecorded = "attendance.recorded",
        /// A questionnaire or test was answered (`response_id`, `instrument_id`, `event_id`, `enrollment_id` (null for
        /// anonymous instruments), `respondent_kind`).
        EvaluationSubmitted = "evaluation.submitted",
        /// A pre-test, post-test or practical score was set, changed or removed (`enrollment_id`, `event_id`,
        /// `participant_id`, `kind`, `deleted`).
        ResultChanged = "result.changed",
        /// A certificate was issued (`certificate_id`, `event_id`, `enrollment_id`, `participant_id`, `kind`).
        CertificateIssued = "certificate.issued",
        /// A certificate was revoked (same `data` as `certificate.issued`).
        CertificateRevoked = "certificate.revoked",
        /// A training record from elsewhere was entered (`competency_record_id`, `participant_id`, `status`).
        CompetencyRecordCreated = "competency_record.created",
        /// A training record from elsewhere was changed (same `data`).
        CompetencyRecordUpdated = "competency_record.updated",
        /// A training record from elsewhere was verified by the officer's operator: its JP count (same `data`).
        CompetencyRecordVerified = "competency_record.verified",
        /// A training record from elsewhere was rejected, with a reason (same `data`).
        CompetencyRecordRejected = "competency_record.rejected",
        /// A training record from elsewhere was deleted (same `data`, as it was).
        CompetencyRecordDeleted = "competency_record.deleted",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_are_ordered_and_round_trip() {
        assert_eq!(Grade::ALL.len(), 17);
        assert!(Grade::Ia < Grade::IIa && Grade::IIId < Grade::IVa && Grade::IVd < Grade::IVe);
        for g in Grade::ALL {
            assert_eq!(Grade::parse(g.as_str()), Some(*g));
        }
        assert_eq!(Grade::parse("V/a"), None);
    }

    #[test]
    fn serialized_names_are_the_stored_ones() {
        assert_eq!(
            serde_json::to_string(&UnitType::PosBapas).ok().as_deref(),
            Some("\"pos_bapas\"")
        );
        assert_eq!(
            serde_json::to_string(&Grade::IIIb).ok().as_deref(),
            Some("\"III/b\"")
        );
        assert!(EventStatus::Completed.is_final() && !EventStatus::Ongoing.is_final());
        assert!(AttendanceStatus::Late.attended() && !AttendanceStatus::Sick.attended());
    }
}
