//! User-account values: usernames and new passwords.

use crate::error::FieldError;

/// A username: 3 to 64 characters of `a-z 0-9 . _ -`, starting with a letter or digit. Usernames are
/// case-insensitive: input is lower-cased before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const PATTERN: &'static str = "^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$";

    pub fn parse(field: &str, input: &str) -> Result<Self, FieldError> {
        // Checked before lower-casing: the Kelvin sign (U+212A) lower-cases to an ASCII `k`, and `ſ` (U+017F)
        // upper-cases to `S`, so `\u{212a}elvin` would become another account's name.
        if !input.trim().is_ascii() {
            return Err(FieldError::new(
                field,
                "invalid_format",
                "may contain only letters, digits, `.`, `_` and `-`, and must start with a letter or digit",
            ));
        }
        let value = input.trim().to_lowercase();
        let len = value.chars().count();
        if len < 3 {
            return Err(FieldError::new(
                field,
                "too_short",
                "must be at least 3 characters",
            ));
        }
        if len > 64 {
            return Err(FieldError::new(
                field,
                "too_long",
                "must be at most 64 characters",
            ));
        }
        let mut chars = value.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let rest_ok =
            chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if !(first_ok && rest_ok) {
            return Err(FieldError::new(
                field,
                "invalid_format",
                "may contain only letters, digits, `.`, `_` and `-`, and must start with a letter or digit",
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A new password: 12 to 128 characters, not only whitespace. Kept out of `Debug` output.
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

impl NewPassword {
    pub const MIN: usize = 12;
    pub const MAX: usize = 128;

    pub fn parse(field: &str, input: String) -> Result<Self, FieldError> {
        let len = input.chars().count();
        if len < Self::MIN {
            return Err(FieldError::new(
                field,
                "too_short",
                format!("must be at least {} characters", Self::MIN),
            ));
        }
        if len > Self::MAX {
            return Err(FieldError::new(
                field,
                "too_long",
                format!("must be at most {} characters", Self::MAX),
            ));
        }
        if input.trim().is_empty() {
            return Err(FieldError::new(
                field,
                "invalid_value",
                "must not be only whitespace",
            ));
        }
        Ok(Self(input))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A display name: 1 to 200 characters after trimming.
pub fn parse_display_name(field: &str, input: &str) -> Result<String, FieldError> {
    let value = crate::domain::text::clean(field, input)?;
    match value.chars().count() {
        0 => Err(FieldError::new(field, "too_short", "must not be empty")),
        n if n > 200 => Err(FieldError::new(
            field,
            "too_long",
            "must be at most 200 characters",
        )),
        _ => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_refuse_compatibility_characters_that_fold_into_ascii() {
        assert_eq!("\u{212a}elvin".to_lowercase(), "kelvin", "the trap");
        for input in ["\u{212a}elvin", "admin\u{17f}", "ａdmin"] {
            let err = Username::parse("username", input).unwrap_err();
            assert_eq!(err.code, "invalid_format", "{input:?}");
        }
        assert!(Username::parse("username", "Kelvin").is_ok());
    }

    #[test]
    fn usernames_are_lower_cased_and_checked() {
        assert_eq!(
            Username::parse("u", " Admin.Kanwil ").map(Username::into_inner),
            Ok("admin.kanwil".to_owned())
        );
        for (bad, code) in [
            ("ab", "too_short"),
            ("-admin", "invalid_format"),
            ("adm in", "invalid_format"),
            ("ädmin", "invalid_format"),
        ] {
            assert_eq!(
                Username::parse("u", bad).map_err(|e| e.code),
                Err(code.into())
            );
        }
        assert!(Username::parse("u", &"a".repeat(65)).is_err());
    }

    #[test]
    fn new_passwords_have_bounds() {
        assert!(NewPassword::parse("p", "short".into()).is_err());
        assert!(NewPassword::parse("p", " ".repeat(20)).is_err());
        assert!(NewPassword::parse("p", "x".repeat(129)).is_err());
        assert!(NewPassword::parse("p", "correct horse battery".into()).is_ok());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let p = NewPassword::parse("p", "correct horse battery".into());
        assert!(p.is_ok_and(|p| !format!("{p:?}").contains("horse")));
    }
}
