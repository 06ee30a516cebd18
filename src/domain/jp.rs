//! The yearly JP (jam pelajaran) obligation of civil servants, and how an officer's year is judged against it.
//!
//! A PNS must develop competence for at least 20 JP a year (PP 11/2017 art. 203(4), as amended by PP 17/2020; SE
//! Kepala BKN 3/2022); for a PPPK, PP 49/2018 art. 40(1) speaks of at most 24 JP a year of the contract: a ceiling,
//! not a minimum. Both figures are configurable (`JP_MINIMUM_PNS`, `JP_CEILING_PPPK`).
//!
//! **Which year a training counts in**: the year of its last day ([`training_year`]). JP are earned by completing a
//! training, and its certificate is issued at the end: a training from 29 December 2025 to 2 January 2026 counts in
//! 2026. Years are calendar years in WIB, the dates being the event's own (local) dates.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::enums::{EmployeeType, EventStatus, Outcome, RecordStatus};

/// Whether a training of this service counts in the ledger: the event is completed and the officer completed its
/// attendance (outcome `certificate`, or `attendance_letter` when the post-test was not passed: the JP were
/// attended). An ongoing event's outcome may still change; `not_completed` earned nothing to count.
pub fn counts(event_status: EventStatus, outcome: Option<Outcome>) -> bool {
    event_status == EventStatus::Completed
        && matches!(
            outcome,
            Some(Outcome::Certificate | Outcome::AttendanceLetter)
        )
}

/// Whether a training record from elsewhere counts: once its officer's operator verified it (a pending or rejected
/// record does not). It counts in the year of its last day, as a training of this service does.
pub fn record_counts(status: RecordStatus) -> bool {
    status == RecordStatus::Verified
}

/// The year a training's JP count in: the year of its last day.
pub fn training_year(ends_on: NaiveDate) -> i32 {
    ends_on.year()
}

/// Whether the rule is a minimum (PNS) or a ceiling (PPPK).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    Minimum,
    Ceiling,
}

/// The rule that applies to an officer's year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"kind": "minimum", "jp": 20,
    "legal_basis": "PP 11/2017 Pasal 203 ayat (4) jo. PP 17/2020; SE Kepala BKN Nomor 3 Tahun 2022"}))]
pub struct JpRule {
    pub kind: RuleKind,
    /// The minimum (PNS) or the ceiling (PPPK), in JP.
    pub jp: u16,
    pub legal_basis: String,
}

/// The configured figures of both rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpRules {
    pub minimum_pns: u16,
    pub ceiling_pppk: u16,
}

impl Default for JpRules {
    fn default() -> Self {
        Self {
            minimum_pns: 20,
            ceiling_pppk: 24,
        }
    }
}

impl JpRules {
    /// The rule of an officer of this employment type.
    pub fn for_officer(&self, employee_type: EmployeeType) -> JpRule {
        match employee_type {
            EmployeeType::Pns => JpRule {
                kind: RuleKind::Minimum,
                jp: self.minimum_pns,
                legal_basis:
                    "PP 11/2017 Pasal 203 ayat (4) jo. PP 17/2020; SE Kepala BKN Nomor 3 Tahun 2022"
                        .to_owned(),
            },
            EmployeeType::Pppk => JpRule {
                kind: RuleKind::Ceiling,
                jp: self.ceiling_pppk,
                legal_basis: "PP 49/2018 Pasal 40 ayat (1)".to_owned(),
            },
        }
    }
}

/// How a year stands against its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LedgerStatus {
    /// The minimum is reached (PNS), or the ceiling is not passed (PPPK).
    Met,
    /// Below the PNS minimum: `shortfall` JP are missing.
    Below,
    /// Above the PPPK ceiling.
    AboveCeiling,
}

/// The status of `total` JP against `rule`, and the shortfall (0 unless `below`).
pub fn judge(total: i64, rule: &JpRule) -> (LedgerStatus, i64) {
    let jp = i64::from(rule.jp);
    match rule.kind {
        RuleKind::Minimum if total < jp => (LedgerStatus::Below, jp - total),
        RuleKind::Ceiling if total > jp => (LedgerStatus::AboveCeiling, 0),
        _ => (LedgerStatus::Met, 0),
    }
}

/// How many officers of a group (a unit, the Kanwil) stand where, and their mean JP.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub officers: i64,
    pub met: i64,
    pub below: i64,
    pub above_ceiling: i64,
    pub jp_sum: i64,
}

impl Tally {
    /// Counts one officer with `total` JP and this status.
    pub fn add(&mut self, total: i64, status: LedgerStatus) {
        self.officers += 1;
        self.jp_sum += total;
        match status {
            LedgerStatus::Met => self.met += 1,
            LedgerStatus::Below => self.below += 1,
            LedgerStatus::AboveCeiling => self.above_ceiling += 1,
        }
    }

    /// The mean JP per officer, to one decimal; `None` for a group without officers.
    pub fn mean_jp(&self) -> Option<f64> {
        (self.officers > 0)
            .then(|| (self.jp_sum as f64 * 10.0 / self.officers as f64).round() / 10.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_training_across_new_year_counts_in_the_year_it_ends() {
        let ends = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap_or_default();
        assert_eq!(training_year(ends), 2026);
        let one_day = NaiveDate::from_ymd_opt(2025, 8, 2).unwrap_or_default();
        assert_eq!(training_year(one_day), 2025);
    }

    #[test]
    fn completed_trainings_with_their_attendance_count() {
        assert!(counts(EventStatus::Completed, Some(Outcome::Certificate)));
        assert!(counts(
            EventStatus::Completed,
            Some(Outcome::AttendanceLetter)
        ));
        assert!(!counts(EventStatus::Completed, Some(Outcome::NotCompleted)));
        assert!(!counts(EventStatus::Ongoing, Some(Outcome::Certificate)));
        assert!(!counts(EventStatus::Completed, None));
    }

    #[test]
    fn a_tally_counts_each_status_and_the_mean() {
        let mut tally = Tally::default();
        assert_eq!(tally.mean_jp(), None);
        tally.add(9, LedgerStatus::Below);
        tally.add(20, LedgerStatus::Met);
        tally.add(30, LedgerStatus::AboveCeiling);
        assert_eq!(
            (tally.officers, tally.met, tally.below, tally.above_ceiling),
            (3, 1, 1, 1)
        );
        assert_eq!(tally.mean_jp(), Some(19.7));
    }

    #[test]
    fn pns_need_the_minimum_and_pppk_stay_under_the_ceiling() {
        let rules = JpRules::default();
        let pns = rules.for_officer(EmployeeType::Pns);
        assert_eq!((pns.kind, pns.jp), (RuleKind::Minimum, 20));
        assert_eq!(judge(0, &pns), (LedgerStatus::Below, 20));
        assert_eq!(judge(19, &pns), (LedgerStatus::Below, 1));
        assert_eq!(judge(20, &pns), (LedgerStatus::Met, 0));
        assert_eq!(judge(45, &pns), (LedgerStatus::Met, 0));
        let pppk = rules.for_officer(EmployeeType::Pppk);
        assert_eq!((pppk.kind, pppk.jp), (RuleKind::Ceiling, 24));
        assert_eq!(judge(0, &pppk), (LedgerStatus::Met, 0));
        assert_eq!(judge(24, &pppk), (LedgerStatus::Met, 0));
        assert_eq!(judge(25, &pppk), (LedgerStatus::AboveCeiling, 0));
        let custom = JpRules {
            minimum_pns: 40,
            ceiling_pppk: 24,
        }
        .for_officer(EmployeeType::Pns);
        assert_eq!(judge(20, &custom), (LedgerStatus::Below, 20));
    }
}
