//! Webhooks as the Standard Webhooks specification describes them (standardwebhooks.com): the secret's form
//! (`whsec_` and base64), the signature of one delivery (`v1,` and the base64 HMAC-SHA256 of
//! `"<id>.<timestamp>.<body>"`), when to try again after a failure, and which addresses a webhook may be posted
//! to. Pure: the caller brings the randomness, the clock and the resolved addresses.

use std::net::IpAddr;
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

/// A block of addresses (`10.20.0.0/16`, `fd00:1::/64`) that webhooks may reach besides the public internet: where an
/// integrator's backend sits on the same private network as the servers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    base: IpAddr,
    prefix: u8,
}

impl Network {
    /// `address/prefix`, or a single address.
    pub fn parse(text: &str) -> Option<Network> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let base: IpAddr = address.trim().parse().ok()?;
        let most = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.trim().parse().ok().filter(|p| *p <= most)?,
            None => most,
        };
        Some(Network { base, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // The leading `prefix` bits of `width`, as the top bits of a u128.
        let keep = |width: u32| if self.prefix == 0 { 0 } else { u128::MAX << (width - u32::from(self.prefix)) };
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                (u128::from(u32::from(base)) ^ u128::from(u32::from(ip))) & keep(32) & u128::from(u32::MAX) == 0
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => (u128::from(base) ^ u128::from(ip)) & keep(128) == 0,
            _ => false,
        }
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

/// Whether a webhook may be posted to `ip`: an address of the public internet, or one of the `allowed` networks.
/// Everything else (loopback, the private and shared blocks, link-local, where cloud metadata answers, and the
/// unspecified, broadcast and multicast addresses) would let an admin make the servers call what only they can
/// reach.
pub fn may_post_to(ip: IpAddr, allowed: &[Network]) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    if ip.is_unspecified() || ip.is_multicast() {
        return false;
    }
    allowed.iter().any(|n| n.contains(ip)) || is_public(ip)
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80)
        }
    }
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

    #[test]
    fn webhooks_reach_the_public_internet_and_the_allowed_networks_only() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        for public in ["203.119.26.1", "8.8.8.8", "2400:3200::1"] {
            assert!(may_post_to(ip(public), &[]), "{public}");
        }
        let private =
            ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0"];
        for address in private.iter().chain(&["::1", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "::", "224.0.0.1"]) {
            assert!(!may_post_to(ip(address), &[]), "{address}");
        }
        let intranet = [Network::parse("10.20.0.0/16").unwrap(), Network::parse("::1").unwrap()];
        assert!(may_post_to(ip("10.20.3.4"), &intranet));
        assert!(!may_post_to(ip("10.21.3.4"), &intranet));
        assert!(may_post_to(ip("::1"), &intranet));
        assert!(!may_post_to(ip("0.0.0.0"), &[Network::parse("0.0.0.0/0").unwrap()]), "never the unspecified");
        assert_eq!(Network::parse("10.20.0.0/33"), None);
        assert_eq!(Network::parse("intranet"), None);
        assert_eq!(Network::parse("127.0.0.0/8").unwrap().to_string(), "127.0.0.0/8");
        assert!(Network::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(!Network::parse("10.0.0.0/8").unwrap().contains(ip("::1")));
    }
}
