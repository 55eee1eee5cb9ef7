//! Secrets the service must read back, kept sealed where they are stored: a webhook's signing secret is needed in
//! clear to sign each delivery, so it cannot be hashed like a password; it is stored encrypted instead
//! (XChaCha20-Poly1305) under a key from the settings (`WEBHOOK_SECRETS_KEY`), bound to the row it belongs to. A
//! copy of the database (a backup, a dump, a standby's disk) then does not let its reader sign events that the
//! app's backend would believe, and a sealed secret moved to another row does not open.
//!
//! The stored form names the key it was sealed under (`sealed1.<key id>.<nonce and ciphertext, base64url>`), so
//! that earlier keys (`WEBHOOK_SECRETS_OLD_KEYS`) still open what they sealed while the service seals it again
//! under the current one. Pure: the caller brings the randomness.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

/// What begins a sealed value (and says how the rest reads).
const SEALED: &str = "sealed1.";
const NONCE_BYTES: usize = 24;

/// One key: derived from a configured secret of any length, known by a short id that reveals nothing of it.
#[derive(Clone)]
struct SealingKey {
    id: String,
    key: [u8; 32],
}

impl SealingKey {
    fn from_secret(secret: &[u8]) -> SealingKey {
        let key: [u8; 32] =
            Sha256::new().chain_update(b"petition-api sealing key\0").chain_update(secret).finalize().into();
        let id = hex::encode(
            &Sha256::new().chain_update(b"petition-api sealing key id\0").chain_update(key).finalize()[..4],
        );
        SealingKey { id, key }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.key.into())
    }
}

/// The keys secrets are sealed with: the current one, and earlier ones that still open what they sealed.
#[derive(Clone)]
pub struct SealingKeys {
    current: SealingKey,
    earlier: Vec<SealingKey>,
}

/// Settings show up in panics and logs: keys never do, only their ids.
impl std::fmt::Debug for SealingKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let earlier: Vec<&str> = self.earlier.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("SealingKeys").field("current", &self.current.id).field("earlier", &earlier).finish()
    }
}

/// What a stored value opened to.
#[derive(Debug, PartialEq, Eq)]
pub struct Opened {
    pub text: String,
    /// Stored in clear (written before secrets were sealed) or under an earlier key: seal it again.
    pub stale: bool,
}

/// Why a stored value does not open.
#[derive(Debug, PartialEq, Eq)]
pub enum Unopened {
    /// Sealed under a key this server is not given (the key was changed without naming the old one).
    UnknownKey(String),
    /// Altered, cut short, or moved from the row it was sealed for.
    Damaged,
}

impl SealingKeys {
    /// The keys from the current secret and the earlier ones.
    pub fn new(current: &[u8], earlier: &[Vec<u8>]) -> SealingKeys {
        let earlier = earlier.iter().map(|s| SealingKey::from_secret(s)).collect();
        SealingKeys { current: SealingKey::from_secret(current), earlier }
    }

    /// `text` sealed under the current key for the row `bound_to` names.
    pub fn seal(&self, text: &str, bound_to: &[u8], rng: &mut impl rand::RngCore) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        rng.fill_bytes(&mut nonce);
        let sealed = self
            .current
            .cipher()
            .encrypt(&XNonce::from(nonce), Payload { msg: text.as_bytes(), aad: bound_to })
            .expect("XChaCha20-Poly1305 seals any text of a webhook secret's size");
        format!("{SEALED}{}.{}", self.current.id, URL_SAFE_NO_PAD.encode([&nonce[..], &sealed].concat()))
    }

    /// The text `stored` holds for the row `bound_to` names; a value stored in clear reads as itself.
    pub fn open(&self, stored: &str, bound_to: &[u8]) -> Result<Opened, Unopened> {
        let Some(rest) = stored.strip_prefix(SEALED) else {
            return Ok(Opened { text: stored.to_owned(), stale: true });
        };
        let (id, body) = rest.split_once('.').ok_or(Unopened::Damaged)?;
        let key = std::iter::once(&self.current)
            .chain(&self.earlier)
            .find(|k| k.id == id)
            .ok_or_else(|| Unopened::UnknownKey(id.to_owned()))?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| Unopened::Damaged)?;
        let (nonce, sealed) = bytes.split_first_chunk::<NONCE_BYTES>().ok_or(Unopened::Damaged)?;
        let text = key
            .cipher()
            .decrypt(&XNonce::from(*nonce), Payload { msg: sealed, aad: bound_to })
            .map_err(|_| Unopened::Damaged)?;
        let text = String::from_utf8(text).map_err(|_| Unopened::Damaged)?;
        Ok(Opened { text, stale: key.id != self.current.id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(current: &str, earlier: &[&str]) -> SealingKeys {
        let earlier: Vec<Vec<u8>> = earlier.iter().map(|s| s.as_bytes().to_vec()).collect();
        SealingKeys::new(current.as_bytes(), &earlier)
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_for_its_row() {
        let keys = keys("key one", &[]);
        let sealed = keys.seal("whsec_abc", b"row-1", &mut rand::thread_rng());
        assert!(sealed.starts_with("sealed1.") && !sealed.contains("abc"), "{sealed}");
        assert_eq!(keys.open(&sealed, b"row-1"), Ok(Opened { text: "whsec_abc".into(), stale: false }));
        // Another row's, a changed byte, a cut value: refused, never a wrong secret.
        assert_eq!(keys.open(&sealed, b"row-2"), Err(Unopened::Damaged));
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(keys.open(std::str::from_utf8(&altered).unwrap(), b"row-1"), Err(Unopened::Damaged));
        assert_eq!(keys.open(&sealed[..20], b"row-1"), Err(Unopened::Damaged));
        // Each sealing is new (a fresh nonce), so equal secrets do not look equal in the table.
        assert_ne!(sealed, keys.seal("whsec_abc", b"row-1", &mut rand::thread_rng()));
    }

    #[test]
    fn an_earlier_key_still_opens_what_it_sealed_and_asks_for_sealing_again() {
        let old = keys("key one", &[]);
        let sealed = old.seal("whsec_abc", b"row-1", &mut rand::thread_rng());
        let rotated = keys("key two", &["key one"]);
        assert_eq!(rotated.open(&sealed, b"row-1"), Ok(Opened { text: "whsec_abc".into(), stale: true }));
        let forgotten = keys("key two", &[]);
        assert!(matches!(forgotten.open(&sealed, b"row-1"), Err(Unopened::UnknownKey(_))));
        // A secret written before sealing reads as itself, to be sealed.
        assert_eq!(rotated.open("whsec_abc", b"row-1"), Ok(Opened { text: "whsec_abc".into(), stale: true }));
        let shown = format!("{rotated:?}");
        assert!(!shown.contains("key one") && !shown.contains("key two"), "{shown}");
    }
}
