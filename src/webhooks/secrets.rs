//! Webhook signing secrets at rest: sealed with XChaCha20-Poly1305 (RustCrypto `chacha20poly1305`) under a key from
//! the configuration, so that a database dump alone reveals no secret.
//!
//! Each stored secret carries the id of the key that sealed it (`secret_key_id`) and its own random 192-bit nonce;
//! the subscription's id is the associated data, so a ciphertext copied onto another subscription does not open.
//! The configuration holds the current key (`WEBHOOK_SECRET_KEY` or `WEBHOOK_SECRET_KEY_FILE`, id
//! `WEBHOOK_SECRET_KEY_ID`) and may hold retired keys (`WEBHOOK_SECRET_KEYS_OLD`, `id:key,id:key`), which still
//! open what they sealed; `bimtek-api reencrypt-webhook-secrets` seals every secret under the current key, after
//! which the retired keys can go. A key is 32 bytes, written as 64 hex digits or in base64
//! (`openssl rand -base64 32`).

use std::sync::Arc;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

/// The bytes of a nonce.
pub const NONCE_BYTES: usize = 24;
/// The id of the development key (used only when `APP_ENV=development` and no key is configured).
pub const DEVELOPMENT_KEY_ID: &str = "dev";

/// A secret as stored: ciphertext (with its 16-byte tag), nonce and the id of the key that sealed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: String,
}

/// Why a stored secret could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("the stored secret was sealed under key `{0}`, which is not configured")]
    UnknownKey(String),
    #[error("the stored secret does not open (altered, or another key under the same id)")]
    Corrupt,
}

struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
}

/// The configured keys: the current one seals, every one opens. Cheap to clone; `Debug` shows the ids only.
#[derive(Clone)]
pub struct SecretKeys {
    inner: Arc<Keys>,
}

struct Keys {
    current: Key,
    old: Vec<Key>,
    development: bool,
}

impl std::fmt::Debug for SecretKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKeys")
            .field("current", &self.inner.current.id)
            .field(
                "old",
                &self.inner.old.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Parses a 32-byte key written as 64 hex digits or in base64 (standard or URL-safe, padded or not). The error
/// never repeats the value.
pub fn parse_key(text: &str) -> Result<[u8; 32], String> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let text = text.trim();
    let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        (0..32)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()
            .ok()
    } else {
        [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
    };
    match bytes {
        Some(bytes) => <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
            format!(
                "must be 32 bytes (it has {}); generate one with `openssl rand -base64 32`",
                bytes.len()
            )
        }),
        None => Err(
            "must be 32 bytes as 64 hex digits or base64; generate one with `openssl rand -base64 32`"
                .to_owned(),
        ),
    }
}

/// A key id: 1-32 characters of `A-Z a-z 0-9 . _ -`.
fn check_key_id(id: &str) -> Result<(), String> {
    if id.is_empty()
        || id.len() > 32
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(format!(
            "key id `{id}` must be 1-32 characters of A-Z, a-z, 0-9, `.`, `_` or `-`"
        ));
    }
    Ok(())
}

impl Key {
    fn new(id: &str, bytes: &[u8; 32]) -> Result<Self, String> {
        check_key_id(id)?;
        Ok(Self {
            id: id.to_owned(),
            cipher: XChaCha20Poly1305::new(bytes.into()),
        })
    }
}

fn associated_data(subscription_id: Uuid) -> Vec<u8> {
    let mut aad = b"bimtek-api webhook secret v1:".to_vec();
    aad.extend_from_slice(subscription_id.as_bytes());
    aad
}

impl SecretKeys {
    /// The current key `current_id`/`current_key` and the retired keys of `old` (`id:key,id:key`, may be empty).
    /// Messages name the variable's part that is wrong, never a key.
    pub fn parse(current_id: &str, current_key: &str, old: Option<&str>) -> Result<Self, String> {
        let current = Key::new(current_id, &parse_key(current_key)?)?;
        let mut keys = Keys {
            current,
            old: Vec::new(),
            development: false,
        };
        for entry in old.unwrap_or("").split(',').map(str::trim) {
            if entry.is_empty() {
                continue;
            }
            let Some((id, key)) = entry.split_once(':') else {
                return Err("retired keys must be written `id:key,id:key`".to_owned());
            };
            let id = id.trim();
            let key = Key::new(id, &parse_key(key).map_err(|e| format!("key `{id}` {e}"))?)?;
            if keys.current.id == key.id || keys.old.iter().any(|k| k.id == key.id) {
                return Err(format!("key id `{id}` is used twice"));
            }
            keys.old.push(key);
        }
        Ok(Self {
            inner: Arc::new(keys),
        })
    }

    /// The fixed development key (id `dev`): for `APP_ENV=development` without a configured key only. It is
    /// public (derived from a constant), so it protects nothing; it keeps development secrets readable across
    /// restarts.
    pub fn development() -> Self {
        use sha2::Digest;
        let bytes: [u8; 32] = sha2::Sha256::digest(
            b"bimtek-api development webhook-secret key, never for production",
        )
        .into();
        let current = Key {
            id: DEVELOPMENT_KEY_ID.to_owned(),
            cipher: XChaCha20Poly1305::new((&bytes).into()),
        };
        Self {
            inner: Arc::new(Keys {
                current,
                old: Vec::new(),
                development: true,
            }),
        }
    }

    /// True for [`SecretKeys::development`].
    pub fn is_development(&self) -> bool {
        self.inner.development
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> &str {
        &self.inner.current.id
    }

    /// Seals the secret of subscription `subscription_id` under the current key, with a fresh random nonce.
    pub fn seal(&self, subscription_id: Uuid, secret: &SecretString) -> Sealed {
        self.seal_bytes(
            &associated_data(subscription_id),
            secret.expose_secret().as_bytes(),
        )
    }

    /// Opens a stored secret with the key named by its id (the current one or a retired one).
    pub fn open(&self, subscription_id: Uuid, sealed: &Sealed) -> Result<SecretString, OpenError> {
        let plain = self.open_bytes(&associated_data(subscription_id), sealed)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| OpenError::Corrupt)
    }

    /// Seals any secret under the current key with a fresh random nonce; `aad` binds it to where it is stored
    /// (the credential signing keys use their key id), so that a ciphertext moved elsewhere does not open.
    pub fn seal_bytes(&self, aad: &[u8], plain: &[u8]) -> Sealed {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let key = &self.inner.current;
        // Encryption fails only for messages beyond the cipher's limit (256 GiB); our secrets are a few KB.
        let ciphertext = key
            .cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: plain, aad })
            .unwrap_or_default();
        Sealed {
            ciphertext,
            nonce: nonce.to_vec(),
            key_id: key.id.clone(),
        }
    }

    /// Opens what [`SecretKeys::seal_bytes`] sealed with the same `aad`.
    pub fn open_bytes(&self, aad: &[u8], sealed: &Sealed) -> Result<Vec<u8>, OpenError> {
        let key = std::iter::once(&self.inner.current)
            .chain(&self.inner.old)
            .find(|k| k.id == sealed.key_id)
            .ok_or_else(|| OpenError::UnknownKey(sealed.key_id.clone()))?;
        let nonce: [u8; NONCE_BYTES] = sealed
            .nonce
            .as_slice()
            .try_into()
            .map_err(|_| OpenError::Corrupt)?;
        key.cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad,
                },
            )
            .map_err(|_| OpenError::Corrupt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    // 32 bytes of 0x2a, base64
    const K2: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

    fn keys(id: &str, key: &str, old: Option<&str>) -> SecretKeys {
        SecretKeys::parse(id, key, old).unwrap_or_else(|e| panic!("{e}"))
    }

    fn secret() -> SecretString {
        SecretString::from("whsec_a-signing-secret-of-at-least-32-characters")
    }

    #[test]
    fn a_sealed_secret_opens_with_its_key_and_hides_the_plain_text() {
        let keys = keys("k1", K1, None);
        let id = Uuid::new_v4();
        let sealed = keys.seal(id, &secret());
        assert_eq!(sealed.key_id, "k1");
        assert_eq!(sealed.nonce.len(), NONCE_BYTES);
        assert_eq!(sealed.ciphertext.len(), secret().expose_secret().len() + 16);
        let needle = secret().expose_secret().as_bytes()[6..20].to_vec();
        assert!(!sealed.ciphertext.windows(needle.len()).any(|w| w == needle));
        let opened = keys.open(id, &sealed).map(|s| s.expose_secret().to_owned());
        assert_eq!(opened.as_deref(), Ok(secret().expose_secret()));
        // A fresh nonce each time: the same secret never gives the same ciphertext.
        assert_ne!(keys.seal(id, &secret()).ciphertext, sealed.ciphertext);
    }

    #[test]
    fn a_ciphertext_moved_to_another_subscription_or_altered_does_not_open() {
        let keys = keys("k1", K1, None);
        let sealed = keys.seal(Uuid::new_v4(), &secret());
        assert!(matches!(
            keys.open(Uuid::new_v4(), &sealed),
            Err(OpenError::Corrupt)
        ));
        let id = Uuid::new_v4();
        let mut altered = keys.seal(id, &secret());
        altered.ciphertext[0] ^= 1;
        assert!(matches!(keys.open(id, &altered), Err(OpenError::Corrupt)));
    }

    #[test]
    fn retired_keys_still_open_and_unknown_ids_are_named() {
        let id = Uuid::new_v4();
        let sealed = keys("k1", K1, None).seal(id, &secret());
        let rotated = keys("k2", K2, Some(&format!("k1:{K1}")));
        assert_eq!(rotated.current_id(), "k2");
        assert!(rotated.open(id, &sealed).is_ok());
        assert_eq!(rotated.seal(id, &secret()).key_id, "k2");
        let without_k1 = keys("k2", K2, None);
        assert!(matches!(
            without_k1.open(id, &sealed),
            Err(OpenError::UnknownKey(k)) if k == "k1"
        ));
        // The same id with another key is refused, not misread.
        let impostor = keys("k1", K2, None);
        assert!(matches!(
            impostor.open(id, &sealed),
            Err(OpenError::Corrupt)
        ));
    }

    #[test]
    fn keys_are_32_bytes_in_hex_or_base64_and_errors_never_show_them() {
        assert!(parse_key(K1).is_ok());
        assert!(parse_key(K2).is_ok());
        assert!(parse_key("KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio").is_ok());
        for bad in ["short", "KioqKioq", &K1[..62], "not base64 at all !!!"] {
            let err = parse_key(bad).err().unwrap_or_default();
            assert!(err.contains("32 bytes"), "{bad}: {err}");
            assert!(!err.contains(bad), "{err}");
        }
        assert!(SecretKeys::parse("k 1", K1, None).is_err());
        assert!(SecretKeys::parse("k1", K1, Some(&format!("k1:{K2}"))).is_err());
        assert!(SecretKeys::parse("k1", K1, Some(K2)).is_err());
        let err = SecretKeys::parse("k2", K2, Some("k1:tooshort"))
            .err()
            .unwrap_or_default();
        assert!(err.contains("k1") && !err.contains("tooshort"), "{err}");
    }

    #[test]
    fn debug_shows_the_key_ids_only() {
        let shown = format!("{:?}", keys("k2", K2, Some(&format!("k1:{K1}"))));
        assert!(shown.contains("k2") && shown.contains("k1"), "{shown}");
        assert!(!shown.contains(K1) && !shown.contains("Kioq"), "{shown}");
        assert!(SecretKeys::development().is_development());
    }
}
