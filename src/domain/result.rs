//! The result of an officer in an event: the outcome rule and the learning gain. The thresholds are the
//! event's fields (`attendance_threshold`, `pass_score`), never constants.

use crate::domain::enums::Outcome;

/// What the outcome rule reads of one officer and their event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResultInputs {
    /// Percent of the event's sessions attended (present or late), 0-100.
    pub attendance_rate: f64,
    /// Percent, 0-100 (`events.attendance_threshold`).
    pub attendance_threshold: f64,
    /// 0-100; `None` when there is no post-test score.
    pub post_score: Option<f64>,
    /// 0-100 (`events.pass_score`). `0` means the event has no test to pass.
    pub pass_score: f64,
}

impl ResultInputs {
    pub fn threshold_met(&self) -> bool {
        self.attendance_rate >= self.attendance_threshold
    }

    /// Passed: the post-test score reaches the pass score; an event whose pass score is 0 needs no test.
    pub fn passed(&self) -> bool {
        self.pass_score <= 0.0 || self.post_score.is_some_and(|post| post >= self.pass_score)
    }

    /// `certificate` (sertifikat) when the attendance threshold is met and the officer passed,
    /// `attendance_letter` (surat keterangan) when only the threshold is met, else `not_completed`.
    pub fn outcome(&self) -> Outcome {
        match (self.threshold_met(), self.passed()) {
            (true, true) => Outcome::Certificate,
            (true, false) => Outcome::AttendanceLetter,
            (false, _) => Outcome::NotCompleted,
        }
    }
}

/// Post minus pre, when both exist.
pub fn gain(pre: Option<f64>, post: Option<f64>) -> Option<f64> {
    Some(round2(post? - pre?))
}

/// Hake's normalized gain `(post - pre) / (100 - pre)`, when both exist and pre is below 100.
pub fn normalized_gain(pre: Option<f64>, post: Option<f64>) -> Option<f64> {
    let (pre, post) = (pre?, post?);
    if pre >= 100.0 {
        return None;
    }
    Some(round4((post - pre) / (100.0 - pre)))
}

/// The years reports cover.
pub const REPORT_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The year of a report: the one asked for, else `current`; outside 2000-2100 an error on `year`.
pub fn report_year(requested: Option<i32>, current: i32) -> Result<i32, crate::error::FieldError> {
    let year = requested.unwrap_or(current);
    if REPORT_YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(crate::error::FieldError::new(
            "year",
            "out_of_range",
            "must be between 2000 and 2100",
        ))
    }
}

/// Rounds to two decimals (scores and means).
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Rounds to four decimals (normalized gains).
pub fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

/// Rounds to one decimal (rates in percent).
pub fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// A mean as the reports show it: two decimals, `None` without values.
pub fn mean2(value: Option<f64>) -> Option<f64> {
    value.map(round2)
}

/// `part / whole` in percent with one decimal; `None` without a denominator.
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The distribution of a Likert question: every value of its scale (1..=scale, a scale above 10 counts as 10),
/// with 0 where nobody chose it, and any other value answered, in ascending order. `answered` holds the
/// (value, count) pairs of the answers; a value given twice keeps its last count. Values are compared to the
/// hundredth (Likert values are whole numbers).
pub fn likert_distribution(scale: Option<i32>, answered: &[(f64, i64)]) -> Vec<(f64, i64)> {
    let mut counts = std::collections::BTreeMap::new();
    for &(value, count) in answered {
        counts.insert((value * 100.0).round() as i64, count);
    }
    let mut values: Vec<i64> = (1..=i64::from(scale.unwrap_or(0).clamp(0, 10)))
        .map(|v| v * 100)
        .collect();
    for v in counts.keys() {
        if !values.contains(v) {
            values.push(*v);
        }
    }
    values.sort_unstable();
    values
        .into_iter()
        .map(|v| (v as f64 / 100.0, counts.get(&v).copied().unwrap_or(0)))
        .collect()
}

/// The Kirkpatrick level a report block measures, with its Indonesian label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub enum KirkpatrickLevel {
    /// Level 1, reaksi: how the officers rated the event and its facilitators (evaluasi penyelenggaraan and
    /// evaluasi narasumber).
    #[serde(rename = "level_1_reaction")]
    Reaction,
    /// Level 2, pembelajaran: what they learned (pre-test and post-test).
    #[serde(rename = "level_2_learning")]
    Learning,
    /// Level 3, perilaku: what changed at work months later (evaluasi pasca pelatihan).
    #[serde(rename = "level_3_behavior")]
    Behavior,
}

impl KirkpatrickLevel {
    /// The Indonesian label shown in reports.
    pub fn label(self) -> &'static str {
        match self {
            Self::Reaction => "Level 1 - Reaksi",
            Self::Learning => "Level 2 - Pembelajaran",
            Self::Behavior => "Level 3 - Perilaku",
        }
    }

    /// The level an instrument kind measures.
    pub fn of_instrument(kind: crate::domain::enums::InstrumentKind) -> Self {
        use crate::domain::enums::InstrumentKind as K;
        match kind {
            K::EventEvaluation | K::FacilitatorEvaluation => Self::Reaction,
            K::PreTest | K::PostTest => Self::Learning,
            K::FollowUp => Self::Behavior,
        }
    }
}

/// Whether a score has at most two decimals (scores are kept to the hundredth).
pub fn has_two_decimals_at_most(score: f64) -> bool {
    let scaled = score * 100.0;
    (scaled - scaled.round()).abs() < 1e-6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(rate: f64, post: Option<f64>) -> ResultInputs {
        ResultInputs {
            attendance_rate: rate,
            attendance_threshold: 80.0,
            post_score: post,
            pass_score: 70.0,
        }
    }

    #[test]
    fn the_outcome_follows_the_events_threshold_and_pass_score() {
        assert_eq!(inputs(80.0, Some(70.0)).outcome(), Outcome::Certificate);
        assert_eq!(
            inputs(100.0, Some(69.99)).outcome(),
            Outcome::AttendanceLetter
        );
        assert_eq!(inputs(100.0, None).outcome(), Outcome::AttendanceLetter);
        assert_eq!(inputs(79.9, Some(100.0)).outcome(), Outcome::NotCompleted);
        let lenient = ResultInputs {
            attendance_threshold: 50.0,
            pass_score: 60.0,
            ..inputs(50.0, Some(60.0))
        };
        assert_eq!(lenient.outcome(), Outcome::Certificate);
    }

    #[test]
    fn an_event_without_a_pass_score_certifies_on_attendance_alone() {
        let no_test = ResultInputs {
            pass_score: 0.0,
            ..inputs(90.0, None)
        };
        assert_eq!(no_test.outcome(), Outcome::Certificate);
    }

    #[test]
    fn scores_are_kept_to_the_hundredth_and_levels_have_labels() {
        assert!(has_two_decimals_at_most(87.25) && has_two_decimals_at_most(100.0));
        assert!(has_two_decimals_at_most(0.1 + 0.2));
        assert!(!has_two_decimals_at_most(87.255));
        use crate::domain::enums::InstrumentKind;
        assert_eq!(
            KirkpatrickLevel::of_instrument(InstrumentKind::FollowUp).label(),
            "Level 3 - Perilaku"
        );
        assert_eq!(
            KirkpatrickLevel::of_instrument(InstrumentKind::FacilitatorEvaluation),
            KirkpatrickLevel::Reaction
        );
    }

    #[test]
    fn a_report_year_defaults_to_the_current_one_and_is_bounded() {
        assert_eq!(report_year(None, 2026).ok(), Some(2026));
        assert_eq!(report_year(Some(2000), 2026).ok(), Some(2000));
        assert_eq!(report_year(Some(2100), 2026).ok(), Some(2100));
        assert!(report_year(Some(1999), 2026).is_err_and(|e| e.field == "year"));
        assert!(report_year(Some(2101), 2026).is_err());
    }

    #[test]
    fn percents_have_one_decimal_and_need_a_denominator() {
        assert_eq!(percent(1, 3), Some(33.3));
        assert_eq!(percent(2, 3), Some(66.7));
        assert_eq!(percent(29, 30), Some(96.7));
        assert_eq!(percent(0, 5), Some(0.0));
        assert_eq!(percent(5, 5), Some(100.0));
        assert_eq!(percent(3, 0), None);
        assert_eq!(round1(91.66), 91.7);
        assert_eq!(round4(0.60126), 0.6013);
    }

    #[test]
    fn means_are_rounded_to_the_hundredth() {
        assert_eq!(mean2(Some(81.8966)), Some(81.9));
        assert_eq!(mean2(Some(4.333_333)), Some(4.33));
        assert_eq!(mean2(Some(-2.004)), Some(-2.0));
        assert_eq!(mean2(None), None);
    }

    #[test]
    fn likert_distributions_list_every_value_of_the_scale() {
        assert_eq!(
            likert_distribution(Some(5), &[(2.0, 1), (4.0, 12), (5.0, 15)]),
            [(1.0, 0), (2.0, 1), (3.0, 0), (4.0, 12), (5.0, 15)]
        );
        // no answers yet: the scale with zeros; no scale and no answers: nothing
        assert_eq!(
            likert_distribution(Some(4), &[]),
            [(1.0, 0), (2.0, 0), (3.0, 0), (4.0, 0)]
        );
        assert!(likert_distribution(None, &[]).is_empty());
        // values outside the scale are kept, in order; a huge scale is capped at 10
        assert_eq!(
            likert_distribution(Some(2), &[(7.0, 1), (0.0, 2)]),
            [(0.0, 2), (1.0, 0), (2.0, 0), (7.0, 1)]
        );
        assert_eq!(likert_distribution(Some(1000), &[]).len(), 10);
        assert_eq!(likert_distribution(Some(-3), &[(3.0, 4)]), [(3.0, 4)]);
    }

    #[test]
    fn gains_need_both_scores_and_normalize_by_the_room_left() {
        assert_eq!(gain(Some(40.0), Some(70.0)), Some(30.0));
        assert_eq!(gain(None, Some(70.0)), None);
        assert_eq!(normalized_gain(Some(40.0), Some(70.0)), Some(0.5));
        assert_eq!(normalized_gain(Some(60.0), Some(50.0)), Some(-0.25));
        assert_eq!(normalized_gain(Some(100.0), Some(100.0)), None);
        assert_eq!(normalized_gain(Some(10.0), None), None);
        assert_eq!(gain(Some(55.0), Some(85.5)), Some(30.5));
        assert_eq!(gain(Some(0.1), Some(0.3)), Some(0.2));
        assert_eq!(normalized_gain(Some(55.0), Some(85.5)), Some(0.6778));
        assert_eq!(normalized_gain(Some(99.99), Some(100.0)), Some(1.0));
    }
}
