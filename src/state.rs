//! The application's shared state: built once at start-up, reached by every layer above the database (the HTTP
//! handlers, the GraphQL resolvers, authentication), so it lives below them all.

use std::sync::Arc;

use crate::auth::throttle::LoginLimiter;
use crate::auth::token::TokenKeys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;

/// Shared by all requests; built once at start-up.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Where portal figures and top-level lists read: a standby when `DATABASE_READ_URL` is set, else `db`.
    pub reads: Db,
    pub clock: Arc<dyn Clock>,
    /// Misses of `trackCase` per client address.
    pub track_limiter: Arc<LoginLimiter>,
    /// `registerPetitioner` per client address.
    pub register_limiter: Arc<LoginLimiter>,
    pub settings: Arc<Settings>,
    pub tokens: Arc<TokenKeys>,
    pub login_limiter: Arc<LoginLimiter>,
    /// Signals of committed history entries, from this process's database listener.
    pub live: Arc<crate::live::LiveFeed>,
    /// Who is behind each token, remembered while the listener hears every account change.
    pub callers: Arc<crate::auth::callers::CallerCache>,
    /// Serial numbers of case references, reserved in blocks.
    pub serials: Arc<crate::models::serials::ReferenceSerials>,
    /// What `/metrics` shows.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Where attached files' bytes live.
    pub files: crate::files::FileStore,
}
