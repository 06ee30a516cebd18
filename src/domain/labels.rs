//! The Indonesian words for the domain's vocabularies, in one place: what a document a person reads (the XLSX and
//! CSV exports, printed forms) shows instead of the API's English identifiers (`present` -> `Hadir`,
//! `single_choice` -> `Pilihan Tunggal`). The API itself keeps the identifiers; machines match on those.

use crate::domain::enums::{
    AttendanceStatus, CertificateKind, EmployeeType, EnrollmentStatus, EventKind, EventStatus,
    InstrumentKind, Outcome, PositionKind, QuestionType, RespondentKind, ScoreKind, Sex, UnitClass,
    UnitType,
};

use crate::domain::jp::{LedgerStatus, RuleKind};

/// A vocabulary value's Indonesian label.
pub trait Label {
    fn label(self) -> &'static str;
}

impl Label for AttendanceStatus {
    fn label(self) -> &'static str {
        match self {
            AttendanceStatus::Present => "Hadir",
            AttendanceStatus::Late => "Terlambat",
            AttendanceStatus::Excused => "Izin",
            AttendanceStatus::Sick => "Sakit",
            AttendanceStatus::Absent => "Alpa",
        }
    }
}

impl Label for Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Certificate => "Sertifikat",
            Outcome::AttendanceLetter => "Surat Keterangan",
            Outcome::NotCompleted => "Tidak Memenuhi Syarat",
        }
    }
}

impl Label for InstrumentKind {
    fn label(self) -> &'static str {
        match self {
            InstrumentKind::PreTest => "Pre-test",
            InstrumentKind::PostTest => "Post-test",
            InstrumentKind::EventEvaluation => "Evaluasi Penyelenggaraan",
            InstrumentKind::FacilitatorEvaluation => "Evaluasi Narasumber",
            InstrumentKind::FollowUp => "Evaluasi Pasca Pelatihan",
        }
    }
}

impl Label for QuestionType {
    fn label(self) -> &'static str {
        match self {
            QuestionType::Likert => "Skala Likert",
            QuestionType::SingleChoice => "Pilihan Tunggal",
            QuestionType::MultipleChoice => "Pilihan Jamak",
            QuestionType::Number => "Isian Angka",
            QuestionType::Text => "Isian Teks",
        }
    }
}

impl Label for RespondentKind {
    fn label(self) -> &'static str {
        match self {
            RespondentKind::Participant => "Peserta",
            RespondentKind::Alumnus => "Alumni",
            RespondentKind::Supervisor => "Atasan Langsung",
        }
    }
}

impl Label for CertificateKind {
    fn label(self) -> &'static str {
        match self {
            CertificateKind::Sertifikat => "Sertifikat",
            CertificateKind::SuratKeterangan => "Surat Keterangan",
        }
    }
}

impl Label for EventKind {
    fn label(self) -> &'static str {
        match self {
            EventKind::Orientation => "Orientasi Lapangan",
            EventKind::Closing => "Penutupan",
            EventKind::Opening => "Pembukaan",
            EventKind::Workshop => "Lokakarya",
            EventKind::Refresher => "Penyegaran",
            EventKind::Other => "Lainnya",
        }
    }
}

impl Label for EventStatus {
    fn label(self) -> &'static str {
        match self {
            EventStatus::Draft => "Draf",
            EventStatus::Published => "Diumumkan",
            EventStatus::Ongoing => "Berlangsung",
            EventStatus::Completed => "Selesai",
            EventStatus::Cancelled => "Dibatalkan",
        }
    }
}

impl Label for EnrollmentStatus {
    fn label(self) -> &'static str {
        match self {
            EnrollmentStatus::Nominated => "Diusulkan",
            EnrollmentStatus::Approved => "Disetujui",
            EnrollmentStatus::Rejected => "Ditolak",
            EnrollmentStatus::Waitlisted => "Daftar Tunggu",
            EnrollmentStatus::Withdrawn => "Mengundurkan Diri",
        }
    }
}

impl Label for UnitType {
    fn label(self) -> &'static str {
        match self {
            UnitType::Kanwil => "Kantor Wilayah",
            UnitType::Lapas => "Lembaga Pemasyarakatan",
            UnitType::Lpp => "Lembaga Pemasyarakatan Perempuan",
            UnitType::Lpka => "Lembaga Pembinaan Khusus Anak",
            UnitType::Rutan => "Rumah Tahanan Negara",
            UnitType::Bapas => "Balai Pemasyarakatan",
            UnitType::Rupbasan => "Rumah Penyimpanan Benda Sitaan Negara",
            UnitType::PosBapas => "Pos Balai Pemasyarakatan",
        }
    }
}

impl Label for UnitClass {
    fn label(self) -> &'static str {
        match self {
            UnitClass::I => "Kelas I",
            UnitClass::II => "Kelas II",
            UnitClass::IIA => "Kelas IIA",
            UnitClass::IIB => "Kelas IIB",
            UnitClass::III => "Kelas III",
        }
    }
}

impl Label for Sex {
    fn label(self) -> &'static str {
        match self {
            Sex::Male => "Laki-laki",
            Sex::Female => "Perempuan",
        }
    }
}

/// The abbreviation everybody writes in tables (`PNS`, `PPPK`).
pub fn employee_type_abbreviation(t: EmployeeType) -> &'static str {
    match t {
        EmployeeType::Pns => "PNS",
        EmployeeType::Pppk => "PPPK",
    }
}

impl Label for EmployeeType {
    fn label(self) -> &'static str {
        match self {
            EmployeeType::Pns => "Pegawai Negeri Sipil (PNS)",
            EmployeeType::Pppk => "Pegawai Pemerintah dengan Perjanjian Kerja (PPPK)",
        }
    }
}

impl Label for PositionKind {
    fn label(self) -> &'static str {
        match self {
            PositionKind::Structural => "Struktural",
            PositionKind::Functional => "Fungsional",
            PositionKind::Pelaksana => "Pelaksana",
        }
    }
}

impl Label for ScoreKind {
    fn label(self) -> &'static str {
        match self {
            ScoreKind::PreTest => "Pre-test",
            ScoreKind::PostTest => "Post-test",
            ScoreKind::Practical => "Penilaian Praktik",
        }
    }
}

impl Label for LedgerStatus {
    fn label(self) -> &'static str {
        match self {
            LedgerStatus::Met => "Memenuhi",
            LedgerStatus::Below => "Belum Memenuhi",
            LedgerStatus::AboveCeiling => "Melebihi Batas",
        }
    }
}

impl Label for RuleKind {
    fn label(self) -> &'static str {
        match self {
            RuleKind::Minimum => "Paling Sedikit",
            RuleKind::Ceiling => "Paling Banyak",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_has_a_label_and_none_is_the_english_identifier() {
        fn check<T: Label + Copy + std::fmt::Display>(all: &[T]) {
            let mut seen = std::collections::HashSet::new();
            for v in all {
                let label = v.label();
                assert!(!label.is_empty());
                assert_ne!(label, v.to_string(), "{v} is not translated");
                assert!(seen.insert(label), "{label} is used twice");
            }
        }
        check(AttendanceStatus::ALL);
        check(Outcome::ALL);
        check(InstrumentKind::ALL);
        check(QuestionType::ALL);
        check(RespondentKind::ALL);
        check(CertificateKind::ALL);
        check(EventKind::ALL);
        check(EventStatus::ALL);
        check(EnrollmentStatus::ALL);
        check(UnitType::ALL);
        check(UnitClass::ALL);
        check(Sex::ALL);
        check(EmployeeType::ALL);
        check(PositionKind::ALL);
        check(ScoreKind::ALL);
        assert_eq!(QuestionType::SingleChoice.label(), "Pilihan Tunggal");
        assert_eq!(RespondentKind::Participant.label(), "Peserta");
    }
}
