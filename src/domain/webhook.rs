//! Webhooks as the Standard Webhooks specification describes them (standardwebhooks.com): the secret's form
//! (`whsec_` and base64), the signature of one delivery (`v1,` and the base64 HMAC-SHA256 of
//! `"<id>.<timestamp>.<body>"`), and when to try again after a failure. Pure: the caller brings the randomness and
//! the clock.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

text_enum! {
    /// Whether a webhook is delivered to.
    WebhookStatus {
        /// Delivered to, in feed order.
        Active => "ACTIVE",
        /// Switched off by an admin (a redelivery switches it on again).
        Disabled => "DISABLED",
        /// Given up after a day of failures (dead-lettered); a redelivery tries again.
        Dead => "DEAD",
    }
}

/// How many random bytes a secret holds (the specification asks for 24 to 64).
const SECRET_BYTES: usize = 32;

/// The prefix that marks a secret in the specification's form.
const SECRET_PREFIX: &str = "whsec_";

/// A webhook's signing secret.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

impl WebhookSecret {
    /// A new secret from `rng`.
    pub fn generate(rng: &mut impl rand::RngCore) -> WebhookSecret {
        let mut bytes = vec![0; SECRET_BYTES];
        rng.fill_bytes(&mut bytes);
        WebhookSecret(bytes)
    }

    /// The secret as shown once to the admin who made it: `whsec_<base64>`.
    pub fn to_text(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// A secret in its shown form (with or without the prefix).
    pub fn parse(text: &str) -> Option<WebhookSecret> {
        let bytes = STANDARD.decode(text.strip_prefix(SECRET_PREFIX).unwrap_or(text)).ok()?;
        (!bytes.is_empty()).then_some(WebhookSecret(bytes))
    }

    /// The `webhook-signature` header's value for one delivery: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
    pub fn sign(&self, message_id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(message_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// After this long failing, a webhook stops being tried (dead-lettered) until an admin asks for a redelivery.
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// The first wait after a failure; each further failure doubles it, up to [`LONGEST_WAIT`].
const FIRST_WAIT: Duration = Duration::from_secs(5);
const LONGEST_WAIT: Duration = Duration::from_secs(60 * 60);

/// How long to wait before the next try after `failures` failures in a row, with `jitter` (0 to 1) spreading the
/// tries of many webhooks that failed together over the second half of the wait.
pub fn next_try_after(failures: u32, jitter: f64) -> Duration {
    let doubled = FIRST_WAIT.saturating_mul(2u32.saturating_pow(failures.saturating_sub(1).min(20)));
    let wait = doubled.min(LONGEST_WAIT);
    wait.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_reads_back_from_its_shown_form() {
        let secret = WebhookSecret::generate(&mut rand::thread_rng());
        let text = secret.to_text();
        assert!(text.starts_with("whsec_"));
        assert_eq!(WebhookSecret::parse(&text), Some(secret.clone()));
        assert_eq!(WebhookSecret::parse(text.trim_start_matches("whsec_")), Some(secret));
        assert_eq!(WebhookSecret::parse("whsec_"), None);
        assert_eq!(WebhookSecret::parse("whsec_***"), None);
    }

    #[test]
    fn the_signature_covers_id_timestamp_and_body() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signed = secret.sign("msg_1", 1_614_265_330, br#"{"test": 2432232314}"#);
        assert!(signed.starts_with("v1,"));
        assert_ne!(signed, secret.sign("msg_2", 1_614_265_330, br#"{"test": 2432232314}"#));
        assert_ne!(signed, secret.sign("msg_1", 1_614_265_331, br#"{"test": 2432232314}"#));
        assert_ne!(signed, secret.sign("msg_1", 1_614_265_330, br#"{"test": 2432232315}"#));
    }

    #[test]
    fn waits_double_up_to_an_hour_and_spread_over_their_second_half() {
        assert_eq!(next_try_after(1, 1.0), Duration::from_secs(5));
        assert_eq!(next_try_after(2, 1.0), Duration::from_secs(10));
        assert_eq!(next_try_after(1, 0.0), Duration::from_millis(2500));
        assert_eq!(next_try_after(30, 1.0), LONGEST_WAIT);
        assert_eq!(next_try_after(u32::MAX, 1.0), LONGEST_WAIT);
    }
}
