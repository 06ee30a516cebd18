//! Free-text fields: trimming, length limits, and the search form of names.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::error::FieldError;

/// Trims and checks the length (in characters) of a required text field.
pub fn required(field: &str, input: &str, max: usize) -> Result<String, FieldError> {
    let value = input.trim();
    match value.chars().count() {
        0 => Err(FieldError::new(field, "required", "must not be empty")),
        n if n > max => Err(FieldError::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        )),
        _ => Ok(value.to_owned()),
    }
}

/// Like [`required`] for an optional field; an empty string counts as absent.
pub fn optional(
    field: &str,
    input: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => required(field, value, max).map(Some),
    }
}

/// The form in which names are searched: lower case, accents removed, spaces collapsed.
/// `Élisabeth  Nuraini` -> `elisabeth nuraini`.
pub fn search_form(input: &str) -> String {
    let folded: String = input
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_form_folds_case_accents_and_spaces() {
        assert_eq!(search_form("  Élisabeth   NURAINI "), "elisabeth nuraini");
        assert_eq!(search_form("Dewi Lestari"), "dewi lestari");
    }

    #[test]
    fn lengths_are_checked() {
        assert!(required("f", "  ", 5).is_err());
        assert!(required("f", "abcdef", 5).is_err());
        assert_eq!(required("f", " ab ", 5).ok().as_deref(), Some("ab"));
        assert_eq!(optional("f", Some(" "), 5).ok(), Some(None));
    }
}
