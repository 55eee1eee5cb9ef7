//! Failed-login throttling, per account and per client address.
//!
//! After `slow_after` failures within the window each attempt is delayed a little more (capped at a second);
//! after `refuse_after` failures the key is refused with `RATE_LIMITED` for the lockout period. Time is passed in,
//! so the rule is tested without sleeping. State is per process: with several instances behind a balancer each
//! counts on its own, which still bounds guessing to a small multiple.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::LoginThrottle;

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead after waiting this long.
    Allow(Duration),
    /// Refuse; the client may try again after this long.
    Refuse(Duration),
}

#[derive(Clone, Copy)]
struct Entry {
    failures: u32,
    window_start: Instant,
    locked_until: Option<Instant>,
}

pub struct LoginLimiter {
    config: LoginThrottle,
    entries: Mutex<HashMap<String, Entry>>,
}

const MAX_ENTRIES: usize = 100_000;

impl LoginLimiter {
    pub fn new(config: LoginThrottle) -> Self {
        LoginLimiter { config, entries: Mutex::new(HashMap::new()) }
    }

    /// The strictest verdict over all `keys` (e.g. the account and the address).
    pub fn check(&self, keys: &[String], now: Instant) -> Verdict {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let mut delay = Duration::ZERO;
        for key in keys {
            let Some(e) = entries.get(key) else { continue };
            if let Some(until) = e.locked_until.filter(|u| *u > now) {
                return Verdict::Refuse(until - now);
            }
            if now.duration_since(e.window_start) < self.config.window && e.failures >= self.config.slow_after {
                let extra = self.config.delay_step * (e.failures - self.config.slow_after + 1);
                delay = delay.max(extra.min(Duration::from_secs(1)));
            }
        }
        Verdict::Allow(delay)
    }

    pub fn record_failure(&self, keys: &[String], now: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() > MAX_ENTRIES {
            let window = self.config.window.max(self.config.lockout);
            entries.retain(|_, e| now.duration_since(e.window_start) < window);
        }
        for key in keys {
            let e = entries.entry(key.clone()).or_insert(Entry { failures: 0, window_start: now, locked_until: None });
            if now.duration_since(e.window_start) >= self.config.window {
                *e = Entry { failures: 0, window_start: now, locked_until: None };
            }
            e.failures += 1;
            if e.failures >= self.config.refuse_after {
                e.locked_until = Some(now + self.config.lockout);
                e.failures = 0;
                e.window_start = now;
            }
        }
    }

    /// A successful login clears the account's count (not the address's: one good password must not reset
    /// a guesser working through many accounts).
    pub fn record_success(&self, key: &str) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> LoginLimiter {
        LoginLimiter::new(LoginThrottle::default())
    }

    #[test]
    fn slows_then_refuses_then_forgives() {
        let l = limiter();
        let keys = vec!["user:a".to_string()];
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.check(&keys, t0), Verdict::Allow(Duration::ZERO));
            l.record_failure(&keys, t0);
        }
        assert_eq!(l.check(&keys, t0), Verdict::Allow(Duration::from_millis(200)));
        for _ in 3..8 {
            l.record_failure(&keys, t0);
        }
        assert!(matches!(l.check(&keys, t0), Verdict::Refuse(d) if d == Duration::from_secs(900)));
        let later = t0 + Duration::from_secs(901);
        assert_eq!(l.check(&keys, later), Verdict::Allow(Duration::ZERO));
    }

    #[test]
    fn the_strictest_key_wins_and_success_clears_only_the_account() {
        let l = limiter();
        let t0 = Instant::now();
        let ip = "ip:1.2.3.4".to_string();
        for i in 0..8 {
            l.record_failure(&[format!("user:u{i}"), ip.clone()], t0);
        }
        assert!(matches!(l.check(&["user:fresh".into(), ip.clone()], t0), Verdict::Refuse(_)));
        l.record_success("user:fresh");
        assert!(matches!(l.check(&["user:fresh".into(), ip], t0), Verdict::Refuse(_)));
    }

    #[test]
    fn old_failures_fall_out_of_the_window() {
        let l = limiter();
        let keys = vec!["user:a".to_string()];
        let t0 = Instant::now();
        for _ in 0..7 {
            l.record_failure(&keys, t0);
        }
        let later = t0 + Duration::from_secs(16 * 60);
        l.record_failure(&keys, later);
        assert_eq!(l.check(&keys, later), Verdict::Allow(Duration::ZERO));
    }
}
