//! Argon2id password hashing. Hashing costs tens of milliseconds of CPU: call these from a blocking thread.

use std::sync::LazyLock;

use argon2::password_hash::SaltString;
use argon2::password_hash::rand_core::OsRng;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

use crate::error::ApiError;

/// Hashes a password as a PHC string (argon2id, the crate's OWASP-grade defaults, a random salt).
pub fn hash(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| ApiError::internal_msg("password hashing failed"))
}

/// Checks a password against a stored PHC string. A malformed stored hash (such as the placeholder of an account
/// that waits for its activation) never matches, and takes the time of a verification all the same.
pub fn verify(stored_hash: &str, password: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => verify_dummy(password),
    }
}

/// A hash of no one's password, verified when the username is unknown so that a failed login takes the same
/// time whether or not the account exists.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash(&super::tokens::random_token(24)).unwrap_or_default());

/// Spends the time of one verification and returns false.
pub fn verify_dummy(password: &str) -> bool {
    if let Ok(parsed) = PasswordHash::new(&DUMMY_HASH) {
        let _ = Argon2::default().verify_password(password.as_bytes(), &parsed);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse battery").unwrap_or_default();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&h, "correct horse battery"));
        assert!(!verify(&h, "correct horse battery!"));
        assert!(!verify("not a phc string", "x"));
        assert!(!verify_dummy("anything"));
    }
}
