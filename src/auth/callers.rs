//! Who is behind a token, remembered between requests so that a request does not read the account again.
//!
//! Correctness rests on the database announcing every change: a trigger on `accounts` and `units` (see
//! migrations/…_scale) sends a `NOTIFY account_changes` at commit, and each server process's listener (`crate::live`)
//! drops what it remembered. The cache is used only while that listener is connected: before it first listens,
//! after its connection fails and until it listens again, every request reads the account as before, and a
//! reconnect forgets everything (what was announced meanwhile is lost).
//!
//! A read that raced with a change must not put the old account back after the change was announced: every
//! forgetting bumps an epoch, and a read remembers its result only if the epoch did not move while it read.
//!
//! Ended sessions work the same way: a revoked refresh-token family is announced (`session_revocations`), and the
//! cache keeps the sessions revoked within an access token's lifetime, so that their access tokens are refused at
//! once. A listener that (re)connects reads the recent revocations before the cache is trusted again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::domain::ids::AccountId;
use crate::domain::scope::Caller;

/// Callers remembered per account id, with the account's token version.
pub struct CallerCache {
    entries: RwLock<HashMap<AccountId, (Caller, i32)>>,
    epoch: AtomicU64,
    listening: AtomicBool,
    capacity: usize,
    /// Sessions ended recently, with when this process learnt of it.
    revoked_sessions: RwLock<HashMap<Uuid, Instant>>,
    /// How long a revoked session is remembered: as long as an access token it issued could still be valid.
    session_memory: Duration,
}

/// Where a read started: pass it back to [`CallerCache::remember`].
#[derive(Clone, Copy, Debug)]
pub struct ReadTicket(u64);

impl CallerCache {
    /// Remembers up to `capacity` accounts; when full, it starts over (staff sign in again within minutes, so a
    /// refill is cheap, and there is no eviction order to maintain on the hot path). Revoked sessions are
    /// remembered for `session_memory`, the longest an access token can live.
    pub fn new(capacity: usize, session_memory: Duration) -> CallerCache {
        CallerCache {
            entries: RwLock::new(HashMap::new()),
            epoch: AtomicU64::new(0),
            listening: AtomicBool::new(false),
            capacity,
            revoked_sessions: RwLock::new(HashMap::new()),
            session_memory,
        }
    }

    /// How far back revocations matter: what a reconnecting listener reads.
    pub fn session_memory(&self) -> Duration {
        self.session_memory
    }

    /// Whether `session` was ended; `None` when the cache may not be trusted now (ask the database).
    pub fn session_revoked(&self, session: Uuid) -> Option<bool> {
        if !self.listening.load(Ordering::Acquire) {
            return None;
        }
        Some(self.revoked_sessions.read().ok()?.contains_key(&session))
    }

    /// A session ended (announced, or ended by this process). Sessions older than the memory are let go.
    pub fn revoke_session(&self, session: Uuid) {
        let Ok(mut revoked) = self.revoked_sessions.write() else { return };
        let now = Instant::now();
        revoked.retain(|_, at| now.duration_since(*at) < self.session_memory);
        revoked.insert(session, now);
    }

    /// What a reconnecting listener read: the sessions revoked within the memory, replacing what was known.
    pub fn replace_revoked_sessions(&self, sessions: impl IntoIterator<Item = Uuid>) {
        let Ok(mut revoked) = self.revoked_sessions.write() else { return };
        let now = Instant::now();
        *revoked = sessions.into_iter().map(|s| (s, now)).collect();
    }

    /// The remembered caller and token version of `account`, if the cache may be trusted now.
    pub fn get(&self, account: AccountId) -> Option<(Caller, i32)> {
        if !self.listening.load(Ordering::Acquire) {
            return None;
        }
        self.entries.read().ok()?.get(&account).cloned()
    }

    /// Call before reading an account from the database.
    pub fn ticket(&self) -> ReadTicket {
        ReadTicket(self.epoch.load(Ordering::Acquire))
    }

    /// Remembers what a read found, unless something was forgotten since its ticket was taken.
    pub fn remember(&self, ticket: ReadTicket, account: AccountId, caller: Caller, version: i32) {
        if !self.listening.load(Ordering::Acquire) {
            return;
        }
        let Ok(mut entries) = self.entries.write() else { return };
        // Checked under the lock: `forget` bumps the epoch under the same lock.
        if self.epoch.load(Ordering::Acquire) != ticket.0 {
            return;
        }
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(account, (caller, version));
    }

    /// An account changed (or was deleted).
    pub fn forget(&self, account: AccountId) {
        if let Ok(mut entries) = self.entries.write() {
            self.epoch.fetch_add(1, Ordering::AcqRel);
            entries.remove(&account);
        }
    }

    /// Something that many accounts depend on changed (a unit), or announcements may have been missed.
    pub fn forget_all(&self) {
        if let Ok(mut entries) = self.entries.write() {
            self.epoch.fetch_add(1, Ordering::AcqRel);
            entries.clear();
        }
    }

    /// The listener connected (`true`: from now on changes are heard) or lost its connection (`false`).
    pub fn set_listening(&self, listening: bool) {
        // Forget first, so that nothing remembered before the gap is trusted after it.
        self.forget_all();
        self.listening.store(listening, Ordering::Release);
    }

    /// Applies one announcement from the `account_changes` channel: an account id, or `*` for all.
    pub fn apply_announcement(&self, payload: &str) {
        match payload.parse::<AccountId>() {
            Ok(id) => self.forget(id),
            Err(_) => self.forget_all(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(id: AccountId) -> Caller {
        Caller {
            account_id: id,
            username: "u".into(),
            display_name: "u".into(),
            roles: vec![],
            unit: None,
            jurisdiction: None,
        }
    }

    #[test]
    fn nothing_is_trusted_until_the_listener_listens() {
        let cache = CallerCache::new(10, Duration::from_secs(60));
        let id = AccountId::new_v4();
        cache.remember(cache.ticket(), id, caller(id), 1);
        assert!(cache.get(id).is_none());
        cache.set_listening(true);
        cache.remember(cache.ticket(), id, caller(id), 1);
        assert_eq!(cache.get(id).map(|(_, v)| v), Some(1));
        cache.set_listening(false);
        assert!(cache.get(id).is_none());
        cache.set_listening(true);
        assert!(cache.get(id).is_none(), "a reconnect forgets what was remembered before the gap");
    }

    #[test]
    fn a_read_that_raced_with_a_change_is_not_remembered() {
        let cache = CallerCache::new(10, Duration::from_secs(60));
        cache.set_listening(true);
        let id = AccountId::new_v4();
        let ticket = cache.ticket();
        cache.apply_announcement(&id.to_string());
        cache.remember(ticket, id, caller(id), 1);
        assert!(cache.get(id).is_none());
        cache.remember(cache.ticket(), id, caller(id), 2);
        assert_eq!(cache.get(id).map(|(_, v)| v), Some(2));
        cache.apply_announcement("*");
        assert!(cache.get(id).is_none());
    }

    #[test]
    fn revoked_sessions_are_known_while_listening_and_for_as_long_as_their_tokens_live() {
        let cache = CallerCache::new(10, Duration::from_millis(50));
        let (ended, other) = (Uuid::new_v4(), Uuid::new_v4());
        cache.revoke_session(ended);
        assert_eq!(cache.session_revoked(ended), None, "not trusted before the listener listens");
        cache.set_listening(true);
        assert_eq!(cache.session_revoked(ended), Some(true));
        assert_eq!(cache.session_revoked(other), Some(false));
        std::thread::sleep(Duration::from_millis(60));
        cache.revoke_session(other);
        assert_eq!(cache.session_revoked(ended), Some(false), "let go once its tokens have expired");
        cache.replace_revoked_sessions([ended]);
        assert_eq!((cache.session_revoked(ended), cache.session_revoked(other)), (Some(true), Some(false)));
    }

    #[test]
    fn a_full_cache_starts_over() {
        let cache = CallerCache::new(2, Duration::from_secs(60));
        cache.set_listening(true);
        let ids: Vec<AccountId> = (0..3).map(|_| AccountId::new_v4()).collect();
        for id in &ids {
            cache.remember(cache.ticket(), *id, caller(*id), 1);
        }
        assert!(cache.get(ids[2]).is_some());
        assert!(cache.get(ids[0]).is_none());
    }
}
