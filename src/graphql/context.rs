//! What every resolver can reach: the shared application state and the per-request information (who is calling,
//! the request id, the client's address).

use std::sync::Arc;

use async_graphql::Context;
use chrono::{DateTime, FixedOffset, Utc};

use crate::auth::throttle::LoginLimiter;
use crate::auth::token::TokenKeys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::domain::access::Caller;
use crate::error::{AppError, AppResult};

/// Shared by all requests; built once at start-up.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Where portal figures and top-level lists read: a standby when `DATABASE_READ_URL` is set, else `db`.
    pub reads: Db,
    pub clock: Arc<dyn Clock>,
    /// Misses of `trackCase` per client address.
    pub track_limiter: Arc<LoginLimiter>,
    pub settings: Arc<Settings>,
    pub tokens: Arc<TokenKeys>,
    pub login_limiter: Arc<LoginLimiter>,
    /// Signals of committed history entries, from this process's database listener.
    pub live: Arc<crate::live::LiveFeed>,
    /// Who is behind each token, remembered while the listener hears every account change.
    pub callers: Arc<crate::auth::callers::CallerCache>,
    /// Serial numbers of case references, reserved in blocks.
    pub serials: Arc<crate::case_work::intake::ReferenceSerials>,
}

/// Who is behind a request.
#[derive(Clone, Debug)]
pub enum Authentication {
    /// No token was presented.
    Anonymous,
    Authenticated(Caller),
    /// A token was presented but is not valid (bad signature, expired, revoked by a password change...).
    Invalid,
}

impl Authentication {
    /// The caller, if the token was good.
    pub fn caller(&self) -> Option<&Caller> {
        match self {
            Authentication::Authenticated(caller) => Some(caller),
            _ => None,
        }
    }
}

/// Per-request information.
#[derive(Clone, Debug)]
pub struct RequestInfo {
    pub auth: Authentication,
    pub request_id: String,
    pub client_ip: String,
}

pub fn state<'a>(ctx: &Context<'a>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

pub fn request<'a>(ctx: &Context<'a>) -> &'a RequestInfo {
    ctx.data_unchecked::<RequestInfo>()
}

/// The authenticated caller, or `UNAUTHENTICATED`.
pub fn caller<'a>(ctx: &Context<'a>) -> AppResult<&'a Caller> {
    match &request(ctx).auth {
        Authentication::Authenticated(caller) => Ok(caller),
        Authentication::Anonymous => Err(AppError::unauthenticated("sign in first: this needs an access token")),
        Authentication::Invalid => Err(AppError::unauthenticated("invalid or expired access token")),
    }
}

/// The caller if any, for data that anonymous users may read too. A presented but invalid token is still an error:
/// a client whose token went bad must learn it, not silently get the anonymous view.
pub fn viewer<'a>(ctx: &Context<'a>) -> AppResult<Option<&'a Caller>> {
    match &request(ctx).auth {
        Authentication::Authenticated(caller) => Ok(Some(caller)),
        Authentication::Anonymous => Ok(None),
        Authentication::Invalid => Err(AppError::unauthenticated("invalid or expired access token")),
    }
}

/// A stored instant as the API shows it: RFC 3339 in the configured time zone.
pub fn local_time(ctx: &Context<'_>, at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&state(ctx).settings.time_zone).fixed_offset()
}
