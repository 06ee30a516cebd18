//! Questions of an instrument and the answers to them: the wire shape of a question (also the shape templates
//! store), its parsing into checked settings, the validation of a respondent's answers and the scoring of tests
//! from their answer key. Pure: no database, every problem collected as a `FieldError` with its path.
//!
//! Scoring (tests only): a choice option marked `correct` carries `points` (default 1). A single-choice question
//! earns the points of the chosen option when it is correct. A multiple-choice question is scored all or nothing
//! by default: it earns the sum of its correct options' points only when the chosen set equals the correct set
//! (key a+b, answer a+c or a alone: 0). With `partial_credit: true` it earns the points of every correct option
//! chosen, minus, for every wrong option chosen, the mean points of the correct options, never below 0 (key a+b at
//! 1 point each: a alone 1, a+c 0, a+b+c 1, a+b 2). The score is earned / maximum * 100, rounded to 2 decimals.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::enums::{InstrumentKind, QuestionType};
use crate::domain::text;
use crate::error::FieldError;

/// Most questions an instrument may have.
pub const MAX_QUESTIONS: usize = 200;
/// Fewest and most options of a choice question.
pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 50;
/// Longest prompt, option label and Likert label, in characters.
pub const PROMPT_MAX: usize = 2000;
pub const OPTION_LABEL_MAX: usize = 500;
pub const LIKERT_LABEL_MAX: usize = 100;
pub const OPTION_KEY_MAX: usize = 50;
/// Longest text answer a question may allow, and the default.
pub const TEXT_MAX: i64 = 10_000;
pub const TEXT_DEFAULT_MAX: i64 = 2_000;
/// Most points one correct option may carry.
pub const OPTION_POINTS_MAX: f64 = 100.0;

/// One option of a choice question as sent and stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"key": "b", "label": "Seminar", "correct": true, "points": 2}))]
pub struct OptionInput {
    /// 1-50 letters, digits, `_` or `-`; unique within the question. Answers name options by key.
    #[schema(min_length = 1, max_length = 50, pattern = "^[A-Za-z0-9_-]{1,50}$")]
    pub key: String,
    #[schema(min_length = 1, max_length = 500)]
    pub label: String,
    /// Tests only: this option is (one of) the right answer(s). Part of the answer key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct: Option<bool>,
    /// Tests only, on a correct option: what choosing it earns (default 1, at most 100). Part of the answer key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 100)]
    pub points: Option<f64>,
}

/// What a question type needs; send only the fields of the question's type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"scale": 5, "labels": ["Sangat kurang", "Kurang", "Cukup", "Baik", "Sangat baik"]}))]
pub struct SettingsInput {
    /// `likert`: 4 or 5 (the answer is 1..scale).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<i64>,
    /// `likert`: one label per point of the scale, lowest first (1-100 characters each).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// `single_choice` and `multiple_choice`: 2-50 options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionInput>>,
    /// `number`: the smallest accepted answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// `number`: the largest accepted answer (at least `min`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// `text`: the longest accepted answer in characters, 1-10000 (default 2000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<i64>,
    /// `multiple_choice` of a test: `true` scores with partial credit (each correct option chosen earns its points,
    /// each wrong one chosen costs the mean points of the correct options, never below 0); `false` or left out,
    /// all or nothing (the chosen set must be the correct set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_credit: Option<bool>,
}

/// A question as sent (in order: the first is position 1) and as a template stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "type": "single_choice",
    "prompt": "Kegiatan yang membuka hari dalam metode TC adalah ...",
    "required": true,
    "settings": {"options": [
        {"key": "a", "label": "Morning meeting", "correct": true, "points": 1},
        {"key": "b", "label": "Seminar"}
    ]}
}))]
pub struct QuestionInput {
    /// `likert`, `single_choice`, `multiple_choice`, `number` or `text`.
    #[serde(rename = "type")]
    #[schema(value_type = QuestionType)]
    pub question_type: String,
    /// 1-2000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub prompt: String,
    /// Whether an answer is required (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Required for `likert` and the choice types; optional for `number` and `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<SettingsInput>,
}

/// A checked option.
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceOption {
    pub key: String,
    pub label: String,
    pub correct: bool,
    /// What choosing it earns (0 unless correct).
    pub points: f64,
}

/// Checked settings of a question, by type.
#[derive(Debug, Clone, PartialEq)]
pub enum Settings {
    Likert {
        scale: u8,
        labels: Vec<String>,
    },
    SingleChoice {
        options: Vec<ChoiceOption>,
    },
    MultipleChoice {
        options: Vec<ChoiceOption>,
        /// Scored with partial credit instead of all or nothing (tests only).
        partial_credit: bool,
    },
    Number {
        min: Option<f64>,
        max: Option<f64>,
    },
    Text {
        max_length: i64,
    },
}

/// A checked question.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub prompt: String,
    pub required: bool,
    pub settings: Settings,
}

impl Settings {
    pub fn question_type(&self) -> QuestionType {
        match self {
            Settings::Likert { .. } => QuestionType::Likert,
            Settings::SingleChoice { .. } => QuestionType::SingleChoice,
            Settings::MultipleChoice { .. } => QuestionType::MultipleChoice,
            Settings::Number { .. } => QuestionType::Number,
            Settings::Text { .. } => QuestionType::Text,
        }
    }

    /// The most a question with these settings can earn.
    pub fn max_points(&self) -> f64 {
        match self {
            Settings::SingleChoice { options } => options
                .iter()
                .filter(|o| o.correct)
                .map(|o| o.points)
                .fold(0.0, f64::max),
            Settings::MultipleChoice { options, .. } => {
                options.iter().filter(|o| o.correct).map(|o| o.points).sum()
            }
            _ => 0.0,
        }
    }

    /// The settings in their stored (and wire) form; `with_key: false` leaves out `correct` and `points`.
    pub fn to_input(&self, with_key: bool) -> SettingsInput {
        let options = |options: &[ChoiceOption]| {
            options
                .iter()
                .map(|o| OptionInput {
                    key: o.key.clone(),
                    label: o.label.clone(),
                    correct: (with_key && o.correct).then_some(true),
                    points: (with_key && o.correct).then_some(o.points),
                })
                .collect()
        };
        match self {
            Settings::Likert { scale, labels } => SettingsInput {
                scale: Some(i64::from(*scale)),
                labels: Some(labels.clone()),
                ..SettingsInput::default()
            },
            Settings::SingleChoice { options: o } => SettingsInput {
                options: Some(options(o)),
                ..SettingsInput::default()
            },
            Settings::MultipleChoice {
                options: o,
                partial_credit,
            } => SettingsInput {
                options: Some(options(o)),
                partial_credit: partial_credit.then_some(true),
                ..SettingsInput::default()
            },
            Settings::Number { min, max } => SettingsInput {
                min: *min,
                max: *max,
                ..SettingsInput::default()
            },
            Settings::Text { max_length } => SettingsInput {
                max_length: Some(*max_length),
                ..SettingsInput::default()
            },
        }
    }

    /// The stored JSON form of the settings (with the key).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.to_input(true)).unwrap_or_else(|_| json!({}))
    }
}

impl Question {
    /// The question in the shape it is sent and stored in templates (with its key).
    pub fn to_input(&self) -> QuestionInput {
        QuestionInput {
            question_type: self.settings.question_type().as_str().to_owned(),
            prompt: self.prompt.clone(),
            required: Some(self.required),
            settings: Some(self.settings.to_input(true)),
        }
    }

    /// Rebuilds a stored question of an instrument of `kind` (type, prompt, required flag and settings JSON).
    pub fn from_stored(
        kind: InstrumentKind,
        question_type: QuestionType,
        prompt: &str,
        required: bool,
        settings: &Value,
    ) -> Option<Question> {
        let input = QuestionInput {
            question_type: question_type.as_str().to_owned(),
            prompt: prompt.to_owned(),
            required: Some(required),
            settings: serde_json::from_value(settings.clone()).ok(),
        };
        let mut errors = Vec::new();
        // Stored questions were checked when written: this only rebuilds them.
        let question = parse_question(&input, "q", is_test(kind), &mut errors);
        errors.is_empty().then_some(question).flatten()
    }
}

/// Tests have an answer key and a score.
pub fn is_test(kind: InstrumentKind) -> bool {
    matches!(kind, InstrumentKind::PreTest | InstrumentKind::PostTest)
}

fn not_applicable(at: &str, name: &str, why: &str, errors: &mut Vec<FieldError>) {
    errors.push(FieldError::new(
        format!("{at}.settings.{name}"),
        "not_applicable",
        why.to_owned(),
    ));
}

fn valid_key(key: &str) -> bool {
    (1..=OPTION_KEY_MAX).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn parse_options(
    at: &str,
    options: Option<&Vec<OptionInput>>,
    test: bool,
    errors: &mut Vec<FieldError>,
) -> Vec<ChoiceOption> {
    let field = format!("{at}.settings.options");
    let Some(options) = options else {
        errors.push(FieldError::new(
            field,
            "required",
            "a choice question needs its options",
        ));
        return Vec::new();
    };
    if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&options.len()) {
        errors.push(FieldError::new(
            field.clone(),
            "invalid_length",
            format!("must have {MIN_OPTIONS}-{MAX_OPTIONS} options"),
        ));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(options.len());
    for (j, option) in options.iter().enumerate() {
        let of = format!("{field}[{j}]");
        if !valid_key(&option.key) {
            errors.push(FieldError::new(
                format!("{of}.key"),
                "invalid_format",
                "must be 1-50 letters, digits, `_` or `-`",
            ));
        } else if !seen.insert(option.key.as_str()) {
            errors.push(FieldError::new(
                format!("{of}.key"),
                "duplicate",
                "another option of this question has the same key",
            ));
        }
        let label = text::required(&format!("{of}.label"), &option.label, OPTION_LABEL_MAX)
            .map_err(|e| errors.push(e))
            .unwrap_or_default();
        let correct = option.correct.unwrap_or(false);
        let mut points = 0.0;
        if !test {
            if option.correct.is_some() {
                errors.push(FieldError::new(
                    format!("{of}.correct"),
                    "not_applicable",
                    "only tests (pre_test, post_test) have an answer key",
                ));
            }
            if option.points.is_some() {
                errors.push(FieldError::new(
                    format!("{of}.points"),
                    "not_applicable",
                    "only tests (pre_test, post_test) have points",
                ));
            }
        } else if let Some(p) = option.points {
            if !correct {
                errors.push(FieldError::new(
                    format!("{of}.points"),
                    "not_applicable",
                    "only a correct option carries points",
                ));
            } else if !p.is_finite() || p <= 0.0 || p > OPTION_POINTS_MAX {
                errors.push(FieldError::new(
                    format!("{of}.points"),
                    "out_of_range",
                    "must be more than 0 and at most 100",
                ));
            } else {
                points = p;
            }
        } else if correct {
            points = 1.0;
        }
        out.push(ChoiceOption {
            key: option.key.clone(),
            label,
            correct,
            points,
        });
    }
    if test && !options.is_empty() && !options.iter().any(|o| o.correct == Some(true)) {
        errors.push(FieldError::new(
            field,
            "no_correct_option",
            "a choice question of a test needs at least one correct option",
        ));
    }
    out
}

fn scale_of(at: &str, scale: Option<i64>, errors: &mut Vec<FieldError>) -> u8 {
    match scale {
        Some(4) => 4,
        Some(5) => 5,
        Some(_) => {
            errors.push(FieldError::new(
                format!("{at}.settings.scale"),
                "invalid_value",
                "must be 4 or 5",
            ));
            0
        }
        None => {
            errors.push(FieldError::new(
                format!("{at}.settings.scale"),
                "required",
                "a likert question needs its scale (4 or 5)",
            ));
            0
        }
    }
}

fn parse_settings(
    at: &str,
    question_type: QuestionType,
    settings: Option<&SettingsInput>,
    test: bool,
    errors: &mut Vec<FieldError>,
) -> Option<Settings> {
    let empty = SettingsInput::default();
    let s = settings.unwrap_or(&empty);
    let before = errors.len();
    let present: [(&str, bool); 7] = [
        ("scale", s.scale.is_some()),
        ("labels", s.labels.is_some()),
        ("options", s.options.is_some()),
        ("min", s.min.is_some()),
        ("max", s.max.is_some()),
        ("max_length", s.max_length.is_some()),
        ("partial_credit", s.partial_credit.is_some()),
    ];
    let allowed: &[&str] = match question_type {
        QuestionType::Likert => &["scale", "labels"],
        QuestionType::SingleChoice => &["options"],
        QuestionType::MultipleChoice if test => &["options", "partial_credit"],
        QuestionType::MultipleChoice => &["options"],
        QuestionType::Number => &["min", "max"],
        QuestionType::Text => &["max_length"],
    };
    for (name, is_present) in present {
        if is_present && !allowed.contains(&name) {
            not_applicable(
                at,
                name,
                &format!("is not a setting of a {question_type} question"),
                errors,
            );
        }
    }
    let settings = match question_type {
        QuestionType::Likert => {
            let scale = scale_of(at, s.scale, errors);
            let field = format!("{at}.settings.labels");
            let mut labels = Vec::new();
            match &s.labels {
                None => errors.push(FieldError::new(
                    field,
                    "required",
                    "a likert question needs one label per point of its scale",
                )),
                Some(given) => {
                    if scale != 0 && given.len() != usize::from(scale) {
                        errors.push(FieldError::new(
                            field.clone(),
                            "invalid_length",
                            format!("must have exactly {scale} labels, one per point of the scale"),
                        ));
                    }
                    for (j, label) in given.iter().enumerate() {
                        match text::required(&format!("{field}[{j}]"), label, LIKERT_LABEL_MAX) {
                            Ok(l) => labels.push(l),
                            Err(e) => errors.push(e),
                        }
                    }
                }
            }
            Settings::Likert { scale, labels }
        }
        QuestionType::SingleChoice => Settings::SingleChoice {
            options: parse_options(at, s.options.as_ref(), test, errors),
        },
        QuestionType::MultipleChoice => Settings::MultipleChoice {
            options: parse_options(at, s.options.as_ref(), test, errors),
            partial_credit: test && s.partial_credit == Some(true),
        },
        QuestionType::Number => {
            for (name, value) in [("min", s.min), ("max", s.max)] {
                if value.is_some_and(|v| !v.is_finite() || v.abs() > 1e12) {
                    errors.push(FieldError::new(
                        format!("{at}.settings.{name}"),
                        "out_of_range",
                        "must be a number between -1e12 and 1e12",
                    ));
                }
            }
            if let (Some(min), Some(max)) = (s.min, s.max)
                && min > max
            {
                errors.push(FieldError::new(
                    format!("{at}.settings.max"),
                    "out_of_range",
                    "must be at least min",
                ));
            }
            Settings::Number {
                min: s.min,
                max: s.max,
            }
        }
        QuestionType::Text => {
            let max_length = s.max_length.unwrap_or(TEXT_DEFAULT_MAX);
            if !(1..=TEXT_MAX).contains(&max_length) {
                errors.push(FieldError::new(
                    format!("{at}.settings.max_length"),
                    "out_of_range",
                    format!("must be between 1 and {TEXT_MAX}"),
                ));
            }
            Settings::Text { max_length }
        }
    };
    (errors.len() == before).then_some(settings)
}

fn parse_question(
    input: &QuestionInput,
    at: &str,
    test: bool,
    errors: &mut Vec<FieldError>,
) -> Option<Question> {
    let question_type = QuestionType::parse(&input.question_type);
    if question_type.is_none() {
        errors.push(FieldError::new(
            format!("{at}.type"),
            "invalid_value",
            "must be one of likert, single_choice, multiple_choice, number, text",
        ));
    }
    let prompt = text::required(&format!("{at}.prompt"), &input.prompt, PROMPT_MAX)
        .map_err(|e| errors.push(e))
        .ok();
    let settings =
        question_type.and_then(|t| parse_settings(at, t, input.settings.as_ref(), test, errors))?;
    Some(Question {
        prompt: prompt?,
        required: input.required.unwrap_or(true),
        settings,
    })
}

/// Checks the questions of an instrument (or template) of `kind`. Every problem is appended to `errors` with its
/// path under `field` (`questions[2].settings.options`); the questions come back only when all are valid.
pub fn parse_questions(
    kind: InstrumentKind,
    inputs: &[QuestionInput],
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Vec<Question>> {
    let before = errors.len();
    if inputs.is_empty() {
        errors.push(FieldError::new(
            field,
            "too_short",
            "must have at least one question",
        ));
    } else if inputs.len() > MAX_QUESTIONS {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("must have at most {MAX_QUESTIONS} questions"),
        ));
        return None;
    }
    let test = is_test(kind);
    let questions: Vec<Option<Question>> = inputs
        .iter()
        .enumerate()
        .map(|(i, q)| parse_question(q, &format!("{field}[{i}]"), test, errors))
        .collect();
    let questions: Option<Vec<Question>> = questions.into_iter().collect();
    if test
        && let Some(qs) = &questions
        && !qs.is_empty()
        && qs.iter().all(|q| q.settings.max_points() <= 0.0)
    {
        errors.push(FieldError::new(
            field,
            "no_scored_question",
            "a test needs at least one choice question with a correct option",
        ));
    }
    if errors.len() == before {
        questions
    } else {
        None
    }
}

/// The value of an answer as the spec types it (the service reads it as JSON and checks it against the question,
/// `AnswerValue`): a number (`likert`: an integer 1..scale; `number`), a string (`single_choice`: one option key;
/// `text`), or an array of option keys (`multiple_choice`).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[schema(as = AnswerValue)]
#[allow(dead_code)]
pub enum AnswerValueSchema {
    Number(f64),
    Text(String),
    Keys(Vec<String>),
}

/// One answer as sent: the question and the value (`null` or absent: not answered).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"question_id": "0b7d4c1e-2f3a-4b5c-8d6e-7f8091a2b3c4", "value": "a"}))]
pub struct AnswerInput {
    pub question_id: Uuid,
    /// `likert`: an integer 1..scale; `number`: a number within min..max; `single_choice`: one option key;
    /// `multiple_choice`: an array of distinct option keys; `text`: a string up to the question's `max_length`.
    #[serde(default)]
    #[schema(value_type = Option<AnswerValueSchema>)]
    pub value: Value,
}

/// A checked answer value.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerValue {
    Number(f64),
    Options(Vec<String>),
    Text(String),
}

/// A checked answer, with what it earned (tests: choice questions only).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedAnswer {
    pub question_id: Uuid,
    pub value: AnswerValue,
    pub points: Option<f64>,
}

/// The checked answers of a submission and, for tests, the score 0-100.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedSubmission {
    pub answers: Vec<CheckedAnswer>,
    pub score: Option<f64>,
}

/// Rounds to 2 decimals.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn option_keys(options: &[ChoiceOption]) -> HashSet<&str> {
    options.iter().map(|o| o.key.as_str()).collect()
}

/// Checks one value against its question; `None` (with an error) when it does not fit, `Some(None)` when it is
/// empty (not answered).
fn check_value(
    at: &str,
    question: &Question,
    value: &Value,
    errors: &mut Vec<FieldError>,
) -> Option<Option<AnswerValue>> {
    let wrong_type = |errors: &mut Vec<FieldError>, what: &str| {
        errors.push(FieldError::new(
            at.to_owned(),
            "invalid_type",
            format!("must be {what}"),
        ));
        None
    };
    if value.is_null() {
        return Some(None);
    }
    match &question.settings {
        Settings::Likert { scale, .. } => {
            let Some(n) = value.as_f64() else {
                return wrong_type(errors, "an integer");
            };
            if n.fract() != 0.0 || n < 1.0 || n > f64::from(*scale) {
                errors.push(FieldError::new(
                    at.to_owned(),
                    "out_of_range",
                    format!("must be an integer from 1 to {scale}"),
                ));
                return None;
            }
            Some(Some(AnswerValue::Number(n)))
        }
        Settings::Number { min, max } => {
            let Some(n) = value.as_f64().filter(|n| n.is_finite()) else {
                return wrong_type(errors, "a number");
            };
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                let range = match (min, max) {
                    (Some(a), Some(b)) => format!("between {a} and {b}"),
                    (Some(a), None) => format!("at least {a}"),
                    (None, Some(b)) => format!("at most {b}"),
                    (None, None) => String::new(),
                };
                errors.push(FieldError::new(
                    at.to_owned(),
                    "out_of_range",
                    format!("must be {range}"),
                ));
                return None;
            }
            Some(Some(AnswerValue::Number(n)))
        }
        Settings::SingleChoice { options } => {
            let Some(key) = value.as_str() else {
                return wrong_type(errors, "the key of one option (a string)");
            };
            if !option_keys(options).contains(key) {
                errors.push(FieldError::new(
                    at.to_owned(),
                    "invalid_option",
                    "is not the key of an option of this question",
                ));
                return None;
            }
            Some(Some(AnswerValue::Options(vec![key.to_owned()])))
        }
        Settings::MultipleChoice { options, .. } => {
            let Some(items) = value.as_array() else {
                return wrong_type(errors, "an array of option keys");
            };
            let keys = option_keys(options);
            let mut chosen = Vec::with_capacity(items.len());
            let mut seen = HashSet::new();
            let before = errors.len();
            for (j, item) in items.iter().enumerate() {
                match item.as_str() {
                    None => errors.push(FieldError::new(
                        format!("{at}[{j}]"),
                        "invalid_type",
                        "must be an option key (a string)",
                    )),
                    Some(k) if !keys.contains(k) => errors.push(FieldError::new(
                        format!("{at}[{j}]"),
                        "invalid_option",
                        "is not the key of an option of this question",
                    )),
                    Some(k) if !seen.insert(k) => errors.push(FieldError::new(
                        format!("{at}[{j}]"),
                        "duplicate",
                        "this option is chosen twice",
                    )),
                    Some(k) => chosen.push(k.to_owned()),
                }
            }
            if errors.len() != before {
                return None;
            }
            if chosen.is_empty() {
                return Some(None);
            }
            Some(Some(AnswerValue::Options(chosen)))
        }
        Settings::Text { max_length } => {
            let Some(s) = value.as_str() else {
                return wrong_type(errors, "a string");
            };
            let s = s.trim();
            if s.is_empty() {
                return Some(None);
            }
            let n = i64::try_from(s.chars().count()).unwrap_or(i64::MAX);
            if n > *max_length {
                errors.push(FieldError::new(
                    at.to_owned(),
                    "too_long",
                    format!("must be at most {max_length} characters"),
                ));
                return None;
            }
            Some(Some(AnswerValue::Text(s.to_owned())))
        }
    }
}

/// What an answer earns on a test: choice questions only.
fn earned(question: &Question, value: Option<&AnswerValue>) -> Option<f64> {
    let chosen = |value: Option<&AnswerValue>| match value {
        Some(AnswerValue::Options(keys)) => keys.clone(),
        _ => Vec::new(),
    };
    match &question.settings {
        Settings::SingleChoice { options } => {
            let keys = chosen(value);
            Some(
                options
                    .iter()
                    .find(|o| keys.first() == Some(&o.key))
                    .filter(|o| o.correct)
                    .map_or(0.0, |o| o.points),
            )
        }
        Settings::MultipleChoice {
            options,
            partial_credit,
        } => {
            let keys: HashSet<String> = chosen(value).into_iter().collect();
            let correct: HashSet<String> = options
                .iter()
                .filter(|o| o.correct)
                .map(|o| o.key.clone())
                .collect();
            if !partial_credit {
                return Some(if keys == correct {
                    question.settings.max_points()
                } else {
                    0.0
                });
            }
            let max = question.settings.max_points();
            let penalty = if correct.is_empty() {
                0.0
            } else {
                max / correct.len() as f64
            };
            let (right, wrong) = options.iter().filter(|o| keys.contains(&o.key)).fold(
                (0.0, 0.0),
                |(right, wrong), o| {
                    if o.correct {
                        (right + o.points, wrong)
                    } else {
                        (right, wrong + penalty)
                    }
                },
            );
            Some((right - wrong).max(0.0))
        }
        _ => None,
    }
}

/// Checks a submission against the instrument's questions (in their order). Every problem is appended to
/// `errors`: `answers[i].question_id` (`unknown_question`, `duplicate`), `answers[i].value` (`invalid_type`,
/// `out_of_range`, `too_long`, `invalid_option`, `duplicate`), `questions[k]` (`required`: no answer to a
/// required question). For tests the score is computed from the key.
pub fn check_answers(
    kind: InstrumentKind,
    questions: &[(Uuid, Question)],
    answers: &[AnswerInput],
    errors: &mut Vec<FieldError>,
) -> Option<CheckedSubmission> {
    let before = errors.len();
    let index: HashMap<Uuid, usize> = questions
        .iter()
        .enumerate()
        .map(|(k, (id, _))| (*id, k))
        .collect();
    let mut given: HashMap<usize, Option<AnswerValue>> = HashMap::new();
    let mut invalid: HashSet<usize> = HashSet::new();
    for (i, answer) in answers.iter().enumerate() {
        let Some(&k) = index.get(&answer.question_id) else {
            errors.push(FieldError::new(
                format!("answers[{i}].question_id"),
                "unknown_question",
                "is not a question of this instrument",
            ));
            continue;
        };
        if given.contains_key(&k) {
            errors.push(FieldError::new(
                format!("answers[{i}].question_id"),
                "duplicate",
                "this question is answered twice",
            ));
            continue;
        }
        if let Some(value) = check_value(
            &format!("answers[{i}].value"),
            &questions[k].1,
            &answer.value,
            errors,
        ) {
            given.insert(k, value);
        } else {
            // Invalid: recorded so that it is not also reported as missing.
            given.insert(k, None);
            invalid.insert(k);
        }
    }
    for (k, (id, question)) in questions.iter().enumerate() {
        let answered = given.get(&k).is_some_and(Option::is_some);
        if question.required && !answered && !invalid.contains(&k) {
            errors.push(FieldError::new(
                format!("questions[{k}]"),
                "required",
                format!("question {id} (position {}) requires an answer", k + 1),
            ));
        }
    }
    if errors.len() != before {
        return None;
    }
    let test = is_test(kind);
    let mut out = Vec::new();
    let (mut total, mut max) = (0.0, 0.0);
    for (k, (id, question)) in questions.iter().enumerate() {
        let value = given.remove(&k).flatten();
        let points = if test {
            max += question.settings.max_points();
            earned(question, value.as_ref())
        } else {
            None
        };
        total += points.unwrap_or(0.0);
        if let Some(value) = value {
            out.push(CheckedAnswer {
                question_id: *id,
                value,
                points,
            });
        }
    }
    let score = (test && max > 0.0).then(|| round2((total / max * 100.0).clamp(0.0, 100.0)));
    Some(CheckedSubmission {
        answers: out,
        score,
    })
}

/// An answer as shown: `likert`/`number` as a number, `single_choice` as a key, `multiple_choice` as keys.
pub fn answer_json(
    question_type: QuestionType,
    number: Option<f64>,
    options: Option<&[String]>,
    text_value: Option<&str>,
) -> Value {
    match question_type {
        QuestionType::Likert | QuestionType::Number => number.map_or(Value::Null, |n| {
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                #[allow(clippy::cast_possible_truncation)]
                let whole = n as i64;
                Value::from(whole)
            } else {
                Value::from(n)
            }
        }),
        QuestionType::SingleChoice => options
            .and_then(|o| o.first())
            .map_or(Value::Null, |k| Value::from(k.as_str())),
        QuestionType::MultipleChoice => options.map_or(Value::Null, |o| {
            Value::from(
                o.iter()
                    .map(|k| Value::from(k.as_str()))
                    .collect::<Vec<_>>(),
            )
        }),
        QuestionType::Text => text_value.map_or(Value::Null, Value::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(value: Value) -> QuestionInput {
        serde_json::from_value(value).unwrap_or_else(|e| panic!("bad fixture: {e}"))
    }

    fn fields(errors: &[FieldError]) -> Vec<(String, String)> {
        errors
            .iter()
            .map(|e| (e.field.clone(), e.code.to_string()))
            .collect()
    }

    fn test_questions() -> Vec<(Uuid, Question)> {
        let inputs = vec![
            q(
                json!({"type": "single_choice", "prompt": "One", "settings": {"options": [
                {"key": "a", "label": "A", "correct": true, "points": 2},
                {"key": "b", "label": "B"}]}}),
            ),
            q(
                json!({"type": "multiple_choice", "prompt": "Two", "settings": {"options": [
                {"key": "a", "label": "A", "correct": true},
                {"key": "b", "label": "B", "correct": true},
                {"key": "c", "label": "C"}]}}),
            ),
            q(json!({"type": "text", "prompt": "Why?", "required": false})),
        ];
        let mut errors = Vec::new();
        let parsed = parse_questions(InstrumentKind::PreTest, &inputs, "questions", &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        parsed
            .unwrap_or_default()
            .into_iter()
            .map(|q| (Uuid::new_v4(), q))
            .collect()
    }

    fn answer(id: Uuid, value: Value) -> AnswerInput {
        AnswerInput {
            question_id: id,
            value,
        }
    }

    #[test]
    fn every_question_problem_is_reported_with_its_path() {
        let inputs = vec![
            q(json!({"type": "likert", "prompt": "", "settings": {"scale": 7, "labels": ["a"]}})),
            q(
                json!({"type": "single_choice", "prompt": "P", "settings": {"options": [
                {"key": "a", "label": "A", "correct": true}]}}),
            ),
            q(
                json!({"type": "single_choice", "prompt": "P", "settings": {"options": [
                {"key": "a", "label": "A"}, {"key": "a", "label": " "}]}}),
            ),
            q(
                json!({"type": "number", "prompt": "P", "settings": {"min": 5, "max": 1, "scale": 4}}),
            ),
            q(json!({"type": "text", "prompt": "P", "settings": {"max_length": 10001}})),
            q(json!({"type": "essay", "prompt": "P"})),
            q(json!({"type": "likert", "prompt": "P"})),
        ];
        let mut errors = Vec::new();
        let parsed = parse_questions(
            InstrumentKind::EventEvaluation,
            &inputs,
            "questions",
            &mut errors,
        );
        assert!(parsed.is_none());
        let got = fields(&errors);
        for expected in [
            ("questions[0].prompt", "required"),
            ("questions[0].settings.scale", "invalid_value"),
            ("questions[1].settings.options", "invalid_length"),
            ("questions[1].settings.options[0].correct", "not_applicable"),
            ("questions[2].settings.options[1].key", "duplicate"),
            ("questions[2].settings.options[1].label", "required"),
            ("questions[3].settings.max", "out_of_range"),
            ("questions[3].settings.scale", "not_applicable"),
            ("questions[4].settings.max_length", "out_of_range"),
            ("questions[5].type", "invalid_value"),
            ("questions[6].settings.scale", "required"),
            ("questions[6].settings.labels", "required"),
        ] {
            assert!(
                got.contains(&(expected.0.to_owned(), expected.1.to_owned())),
                "{expected:?} missing in {got:?}"
            );
        }
    }

    #[test]
    fn likert_labels_must_match_the_scale() {
        let mut errors = Vec::new();
        let inputs = vec![q(
            json!({"type": "likert", "prompt": "P", "settings": {"scale": 4, "labels": ["1", "2", "3"]}}),
        )];
        parse_questions(
            InstrumentKind::EventEvaluation,
            &inputs,
            "questions",
            &mut errors,
        );
        assert_eq!(
            fields(&errors),
            [(
                "questions[0].settings.labels".to_owned(),
                "invalid_length".to_owned()
            )]
        );
    }

    #[test]
    fn a_test_needs_a_key_and_points_only_on_correct_options() {
        let mut errors = Vec::new();
        let inputs = vec![
            q(
                json!({"type": "single_choice", "prompt": "P", "settings": {"options": [
                {"key": "a", "label": "A"}, {"key": "b", "label": "B", "points": 3}]}}),
            ),
            q(
                json!({"type": "single_choice", "prompt": "P", "settings": {"options": [
                {"key": "a", "label": "A", "correct": true, "points": 0}, {"key": "b", "label": "B"}]}}),
            ),
        ];
        parse_questions(InstrumentKind::PostTest, &inputs, "questions", &mut errors);
        let got = fields(&errors);
        assert!(got.contains(&(
            "questions[0].settings.options".into(),
            "no_correct_option".into()
        )));
        assert!(got.contains(&(
            "questions[0].settings.options[1].points".into(),
            "not_applicable".into()
        )));
        assert!(got.contains(&(
            "questions[1].settings.options[0].points".into(),
            "out_of_range".into()
        )));

        let mut errors = Vec::new();
        let only_text = vec![q(json!({"type": "text", "prompt": "P"}))];
        parse_questions(
            InstrumentKind::PreTest,
            &only_text,
            "questions",
            &mut errors,
        );
        assert_eq!(
            fields(&errors),
            [("questions".to_owned(), "no_scored_question".to_owned())]
        );
    }

    #[test]
    fn tests_are_scored_from_the_key() {
        let qs = test_questions();
        let (one, two, three) = (qs[0].0, qs[1].0, qs[2].0);
        let score = |answers: Vec<AnswerInput>| {
            let mut errors = Vec::new();
            let checked = check_answers(InstrumentKind::PreTest, &qs, &answers, &mut errors);
            assert!(errors.is_empty(), "{errors:?}");
            checked.and_then(|c| c.score)
        };
        // max = 2 (single) + 2 (multiple) = 4
        assert_eq!(
            score(vec![
                answer(one, json!("a")),
                answer(two, json!(["b", "a"]))
            ]),
            Some(100.0)
        );
        assert_eq!(
            score(vec![answer(one, json!("a")), answer(two, json!(["a"]))]),
            Some(50.0)
        );
        assert_eq!(
            score(vec![
                answer(one, json!("b")),
                answer(two, json!(["a", "b", "c"]))
            ]),
            Some(0.0)
        );
        assert_eq!(
            score(vec![
                answer(one, json!("b")),
                answer(two, json!(["a", "b"])),
                answer(three, json!("  "))
            ]),
            Some(50.0)
        );
    }

    #[test]
    fn a_multiple_choice_question_with_partial_credit_earns_its_right_options_less_its_wrong_ones()
    {
        let inputs = vec![q(
            json!({"type": "multiple_choice", "prompt": "Two", "settings": {"partial_credit": true, "options": [
                {"key": "a", "label": "A", "correct": true},
                {"key": "b", "label": "B", "correct": true},
                {"key": "c", "label": "C"},
                {"key": "d", "label": "D"}]}}),
        )];
        let mut errors = Vec::new();
        let qs: Vec<(Uuid, Question)> =
            parse_questions(InstrumentKind::PostTest, &inputs, "questions", &mut errors)
                .unwrap_or_default()
                .into_iter()
                .map(|q| (Uuid::new_v4(), q))
                .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let id = qs[0].0;
        let score = |keys: Value| {
            let mut errors = Vec::new();
            let checked = check_answers(
                InstrumentKind::PostTest,
                &qs,
                &[answer(id, keys)],
                &mut errors,
            );
            assert!(errors.is_empty(), "{errors:?}");
            checked.and_then(|c| c.score)
        };
        // key a+b at 1 point each (max 2); each wrong option chosen costs 1 (the mean of the correct ones)
        assert_eq!(score(json!(["a", "b"])), Some(100.0));
        assert_eq!(score(json!(["a"])), Some(50.0));
        assert_eq!(score(json!(["a", "c"])), Some(0.0));
        assert_eq!(score(json!(["a", "b", "c"])), Some(50.0));
        assert_eq!(score(json!(["c", "d"])), Some(0.0), "never below 0");
        // The setting survives storage, and only tests have it.
        assert_eq!(qs[0].1.settings.to_input(false).partial_credit, Some(true));
        let mut errors = Vec::new();
        let evaluation = vec![q(
            json!({"type": "multiple_choice", "prompt": "Two", "settings": {"partial_credit": true, "options": [
                {"key": "a", "label": "A"}, {"key": "b", "label": "B"}]}}),
        )];
        parse_questions(
            InstrumentKind::EventEvaluation,
            &evaluation,
            "questions",
            &mut errors,
        );
        assert_eq!(
            fields(&errors),
            [(
                "questions[0].settings.partial_credit".to_owned(),
                "not_applicable".to_owned()
            )]
        );
    }

    #[test]
    fn scores_are_rounded_to_two_decimals() {
        let inputs = vec![
            q(
                json!({"type": "single_choice", "prompt": "1", "settings": {"options": [
                {"key": "a", "label": "A", "correct": true}, {"key": "b", "label": "B"}]}}),
            ),
            q(
                json!({"type": "single_choice", "prompt": "2", "settings": {"options": [
                {"key": "a", "label": "A", "correct": true}, {"key": "b", "label": "B"}]}}),
            ),
            q(
                json!({"type": "single_choice", "prompt": "3", "settings": {"options": [
                {"key": "a", "label": "A", "correct": true}, {"key": "b", "label": "B"}]}}),
            ),
        ];
        let mut errors = Vec::new();
        let qs: Vec<(Uuid, Question)> =
            parse_questions(InstrumentKind::PostTest, &inputs, "questions", &mut errors)
                .unwrap_or_default()
                .into_iter()
                .map(|q| (Uuid::new_v4(), q))
                .collect();
        let answers = vec![
            answer(qs[0].0, json!("a")),
            answer(qs[1].0, json!("b")),
            answer(qs[2].0, json!("b")),
        ];
        let checked = check_answers(InstrumentKind::PostTest, &qs, &answers, &mut errors);
        assert_eq!(checked.and_then(|c| c.score), Some(33.33));
        assert_eq!(round2(66.666_666), 66.67);
    }

    #[test]
    fn every_invalid_answer_is_named() {
        let inputs = vec![
            q(
                json!({"type": "likert", "prompt": "L", "settings": {"scale": 4, "labels": ["1", "2", "3", "4"]}}),
            ),
            q(json!({"type": "number", "prompt": "N", "settings": {"min": 0, "max": 10}})),
            q(json!({"type": "text", "prompt": "T", "settings": {"max_length": 5}})),
            q(
                json!({"type": "single_choice", "prompt": "S", "settings": {"options": [
                {"key": "a", "label": "A"}, {"key": "b", "label": "B"}]}}),
            ),
            q(
                json!({"type": "multiple_choice", "prompt": "M", "settings": {"options": [
                {"key": "a", "label": "A"}, {"key": "b", "label": "B"}]}}),
            ),
            q(
                json!({"type": "likert", "prompt": "Required", "settings": {"scale": 5, "labels": ["1", "2", "3", "4", "5"]}}),
            ),
        ];
        let mut errors = Vec::new();
        let qs: Vec<(Uuid, Question)> = parse_questions(
            InstrumentKind::EventEvaluation,
            &inputs,
            "questions",
            &mut errors,
        )
        .unwrap_or_default()
        .into_iter()
        .map(|q| (Uuid::new_v4(), q))
        .collect();
        assert_eq!(qs.len(), 6);
        let answers = vec![
            answer(qs[0].0, json!(5)),
            answer(qs[1].0, json!("ten")),
            answer(qs[2].0, json!("too long")),
            answer(qs[3].0, json!("z")),
            answer(qs[4].0, json!(["a", "a", "q"])),
            answer(Uuid::new_v4(), json!(1)),
            answer(qs[0].0, json!(1)),
        ];
        let checked = check_answers(InstrumentKind::EventEvaluation, &qs, &answers, &mut errors);
        assert!(checked.is_none());
        let got = fields(&errors);
        assert_eq!(
            got,
            [
                ("answers[0].value", "out_of_range"),
                ("answers[1].value", "invalid_type"),
                ("answers[2].value", "too_long"),
                ("answers[3].value", "invalid_option"),
                ("answers[4].value[1]", "duplicate"),
                ("answers[4].value[2]", "invalid_option"),
                ("answers[5].question_id", "unknown_question"),
                ("answers[6].question_id", "duplicate"),
                ("questions[5]", "required"),
            ]
            .iter()
            .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
            .collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_answer_key_is_left_out_for_respondents_and_stored_settings_round_trip() {
        let qs = test_questions();
        let with = serde_json::to_value(qs[0].1.settings.to_input(true)).unwrap_or_default();
        let without = serde_json::to_value(qs[0].1.settings.to_input(false)).unwrap_or_default();
        assert_eq!(with["options"][0]["correct"], json!(true));
        assert_eq!(with["options"][0]["points"], json!(2.0));
        assert!(without["options"][0].get("correct").is_none());
        assert!(without["options"][0].get("points").is_none());
        let stored = Question::from_stored(
            InstrumentKind::PreTest,
            QuestionType::SingleChoice,
            "One",
            true,
            &qs[0].1.settings.to_json(),
        );
        assert_eq!(stored.as_ref(), Some(&qs[0].1));
    }
}
