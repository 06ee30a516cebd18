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

/// Rounds to two decimals (scores and means).
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn round4(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
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
    fn gains_need_both_scores_and_normalize_by_the_room_left() {
        assert_eq!(gain(Some(40.0), Some(70.0)), Some(30.0));
        assert_eq!(gain(None, Some(70.0)), None);
        assert_eq!(normalized_gain(Some(40.0), Some(70.0)), Some(0.5));
        assert_eq!(normalized_gain(Some(60.0), Some(50.0)), Some(-0.25));
        assert_eq!(normalized_gain(Some(100.0), Some(100.0)), None);
        assert_eq!(normalized_gain(Some(10.0), None), None);
    }
}
