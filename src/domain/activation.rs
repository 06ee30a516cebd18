//! One-time activation codes of participant accounts issued in bulk: typed by an officer from a printed slip, so
//! made of 12 characters of Crockford's base32 (no I, L, O or U: nothing to confuse), shown in three groups of
//! four (`7KQ4-M2XD-9RTB`, 60 bits). What an officer types is read leniently: case, spaces and hyphens do not
//! matter, and O, I and L are read as 0, 1 and 1. Only a hash is stored, salted with the account's id.

use rand::Rng;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The characters of a code (Crockford's base32).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters per code.
pub const LEN: usize = 12;

/// A code as issued or as read back from what an officer typed.
#[derive(Clone, PartialEq, Eq)]
pub struct ActivationCode(String);

impl std::fmt::Debug for ActivationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ActivationCode([redacted])")
    }
}

impl ActivationCode {
    /// A new random code from the OS generator.
    pub fn generate() -> Self {
        let mut rng = rand::rngs::OsRng;
        Self(
            (0..LEN)
                .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
                .collect(),
        )
    }

    /// What an officer typed, normalised; `None` when it cannot be a code (wrong length or characters).
    pub fn parse(typed: &str) -> Option<Self> {
        let mut code = String::with_capacity(LEN);
        for c in typed.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) || code.len() == LEN {
                return None;
            }
            code.push(c);
        }
        (code.len() == LEN).then_some(Self(code))
    }

    /// The code as printed: three groups of four joined by hyphens.
    pub fn display(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        chars
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// What the database stores: SHA-256 over the account's id and the code, so that equal codes of two accounts
    /// never share a hash.
    pub fn hash_for(&self, account: Uuid) -> Vec<u8> {
        let mut hasher = Sha256::new();
        hasher.update(account.as_bytes());
        hasher.update(self.0.as_bytes());
        hasher.finalize().to_vec()
    }
}

/// How long a code stays valid, in days (`ACTIVATION_CODE_DAYS`, 1 to [`ActivationValidity::MAX_DAYS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivationValidity(u32);

impl ActivationValidity {
    pub const DEFAULT_DAYS: u32 = 14;
    pub const MAX_DAYS: u32 = 90;

    pub fn days(days: u32) -> Option<Self> {
        (1..=Self::MAX_DAYS).contains(&days).then_some(Self(days))
    }

    pub fn len_days(self) -> u32 {
        self.0
    }
}

impl Default for ActivationValidity {
    fn default() -> Self {
        Self(Self::DEFAULT_DAYS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_code_reads_back_as_printed_and_typed_carelessly() {
        for _ in 0..200 {
            let code = ActivationCode::generate();
            let printed = code.display();
            assert_eq!(printed.len(), LEN + 2);
            assert_eq!(printed.matches('-').count(), 2);
            assert_eq!(ActivationCode::parse(&printed), Some(code.clone()));
            let careless = printed.to_lowercase().replace('-', " ");
            assert_eq!(ActivationCode::parse(&careless), Some(code));
        }
    }

    #[test]
    fn look_alike_letters_read_as_digits_and_anything_else_is_no_code() {
        let read = ActivationCode::parse("oil0-abcd-efgh").map(|c| c.display());
        assert_eq!(read.as_deref(), Some("0110-ABCD-EFGH"));
        for bad in [
            "",
            "ABCD-EFGH",
            "ABCD-EFGH-JKMN-P",
            "ABCD-EFGH-JKMU",
            "ABCD-EFGH-JKM!",
            "ABCD-EFGH-JKMÉ",
        ] {
            assert!(ActivationCode::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_hash_depends_on_the_account_and_the_code() {
        let code = ActivationCode::generate();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(code.hash_for(a), code.hash_for(a));
        assert_ne!(code.hash_for(a), code.hash_for(b));
        assert_ne!(code.hash_for(a), ActivationCode::generate().hash_for(a));
        assert!(!format!("{code:?}").contains(&code.display()[..4]));
    }

    #[test]
    fn validity_is_one_to_ninety_days() {
        assert_eq!(ActivationValidity::default().len_days(), 14);
        assert!(ActivationValidity::days(0).is_none());
        assert!(ActivationValidity::days(91).is_none());
        assert_eq!(ActivationValidity::days(90).map(|v| v.len_days()), Some(90));
    }
}
