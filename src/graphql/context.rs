//! What every resolver can reach: the shared application state (defined in `crate::state`, below this layer) and
//! the per-request information (who is calling, the request id, the client's address).

use async_graphql::Context;
use chrono::{DateTime, FixedOffset, Utc};

use crate::domain::access::Caller;
use crate::error::{AppError, AppResult};

pub use crate::auth::Authentication;
pub use crate::state::AppState;

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
