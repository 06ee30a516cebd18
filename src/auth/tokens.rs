//! Opaque random tokens (refresh tokens, check-in codes) and their stored hashes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// `bytes` random bytes from the OS generator, base64url-encoded without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// The SHA-256 of a token: what the database stores instead of the token itself.
pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The refresh token that a rotation of `presented` issues: HMAC-SHA256 of the presented token under the server's
/// JWT secret (with a label, so the MAC is never valid for anything else), base64url like [`random_token`]`(32)`.
///
/// Why derived and not random: two tabs that refresh with one token at the same moment must both get the same
/// successor (`service::auth`'s grace window). The store keeps only hashes, so the successor must be producible
/// again from what the second tab presents. Deriving it stores nothing more (no plain or encrypted token at rest,
/// nothing to expire or clean up, no second key to manage), works on every instance that shares the secret, and
/// keeps the family a single chain (a new sibling pair would fork it and make later reuse detection ambiguous).
/// Without the secret the successor is as unguessable as a random token; the first token of a login stays random.
pub fn successor_token(secret: &[u8], presented: &str) -> String {
    use hmac::{Hmac, Mac};
    // HMAC accepts keys of any length, so the fallback (a random token: safe, only without grace) is never taken.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return random_token(32);
    };
    mac.update(b"bimtek-refresh-successor\0");
    mac.update(presented.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_successor_is_fixed_by_the_token_and_the_secret() {
        let a = successor_token(b"secret-one", "token");
        assert_eq!(a, successor_token(b"secret-one", "token"));
        assert_ne!(a, successor_token(b"secret-two", "token"));
        assert_ne!(a, successor_token(b"secret-one", "token2"));
        assert_ne!(a, "token");
        assert_eq!(a.len(), 43);
    }

    #[test]
    fn tokens_are_random_and_url_safe() {
        let a = random_token(32);
        let b = random_token(32);
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(hash_token(&a).len(), 32);
        assert_eq!(hash_token(&a), hash_token(&a));
    }
}
