//! Free-text fields: trimming, length limits, and the search form of names.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::error::FieldError;

/// Whether a character may not appear in free text: C0 controls other than tab, line feed and carriage return,
/// DEL, C1 controls, and the bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which
/// can make a name display as another (CVE-2021-42574, "Trojan Source").
fn forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether a character shows nothing on its own: white space and the invisible format characters (zero-width
/// space and joiners, word joiner, byte-order mark, soft hyphen, Mongolian vowel separator, Hangul fillers).
fn invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{ad}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2060}'..='\u{2064}'
                | '\u{feff}'
                | '\u{3164}'
                | '\u{ffa0}'
                | '\u{115f}'
                | '\u{1160}'
        )
}

/// Free text as it is stored: NFC-normalized (the same name typed on two keyboards is the same text) and trimmed;
/// 422 `invalid_characters` for control and bidirectional-override characters, or text that shows nothing.
pub fn clean(field: &str, input: &str) -> Result<String, FieldError> {
    let value: String = input.nfc().collect();
    if value.chars().any(forbidden) {
        return Err(FieldError::new(
            field,
            "invalid_characters",
            "must not contain control characters or bidirectional overrides",
        ));
    }
    let value = value.trim();
    if !value.is_empty() && value.chars().all(invisible) {
        return Err(FieldError::new(
            field,
            "invalid_characters",
            "must contain a visible character",
        ));
    }
    Ok(value.to_owned())
}

/// Trims, normalizes and checks the characters ([`clean`]) and the length (in characters) of a required text field.
pub fn required(field: &str, input: &str, max: usize) -> Result<String, FieldError> {
    let value = clean(field, input)?;
    match value.chars().count() {
        0 => Err(FieldError::new(field, "required", "must not be empty")),
        n if n > max => Err(FieldError::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        )),
        _ => Ok(value),
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

    #[test]
    fn free_text_is_nfc_and_refuses_controls_overrides_and_invisible_only_text() {
        // `e` + combining acute is stored as the one character `é`.
        assert_eq!(
            required("f", " Rene\u{301} ", 50).ok().as_deref(),
            Some("Ren\u{e9}")
        );
        assert_eq!(
            required("f", "Baris satu\nbaris\tdua", 50).ok().as_deref(),
            Some("Baris satu\nbaris\tdua")
        );
        for bad in [
            "Dewi\u{202e}itseL",
            "Dewi\u{2066}x\u{2069}",
            "a\u{0}b",
            "a\u{7}b",
            "a\u{85}b",
            "a\u{7f}",
        ] {
            let err = required("name", bad, 50).unwrap_err();
            assert_eq!(err.field, "name", "{bad:?}");
            assert_eq!(err.code, "invalid_characters", "{bad:?}");
        }
        for blank in ["\u{200b}\u{200b}", "\u{feff}", " \u{2060} ", "\u{3164}"] {
            let err = required("name", blank, 50).unwrap_err();
            assert_eq!(err.code, "invalid_characters", "{blank:?}");
        }
        // A zero-width joiner inside a visible text (emoji sequences, some scripts) stays.
        assert!(required("f", "a\u{200d}b", 50).is_ok());
        assert_eq!(optional("f", Some("\u{a0}"), 5).ok(), Some(None));
    }
}
