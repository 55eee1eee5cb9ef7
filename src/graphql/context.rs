//! What every resolver can reach: the shared application state (defined in `crate::state`, below this layer) and
//! the per-request information (who is calling, the request id, the client's address).

use async_graphql::{Context, ID};
use chrono::{DateTime, FixedOffset, Utc};

use crate::domain::scope::Caller;
use crate::error::{AppError, AppResult, Message};
use crate::services::{Environment, WorkContext};

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

/// The authenticated caller, or `UNAUTHENTICATED` (or `FORBIDDEN` while the temporary password is unchanged).
pub fn caller<'a>(ctx: &Context<'a>) -> AppResult<&'a Caller> {
    match &request(ctx).auth {
        Authentication::Authenticated(caller) => Ok(caller),
        Authentication::Provisional(_) => Err(must_change_password()),
        Authentication::Anonymous => Err(AppError::unauthenticated(Message::SignInFirst)),
        Authentication::Invalid => Err(AppError::unauthenticated(Message::InvalidAccessToken)),
        Authentication::Unavailable => Err(AppError::unavailable("the account behind the token could not be loaded")),
    }
}

/// The holder of the account behind the token, even while its temporary password is unchanged: for reading one's
/// own account and changing the password, the only things allowed then.
pub fn account_holder<'a>(ctx: &Context<'a>) -> AppResult<&'a Caller> {
    match &request(ctx).auth {
        Authentication::Provisional(caller) => Ok(caller),
        _ => caller(ctx),
    }
}

fn must_change_password() -> AppError {
    AppError::forbidden(Message::TemporaryPasswordChangeFirst)
}

/// The caller if any, for data that anonymous users may read too. A presented but invalid token is still an error:
/// a client whose token went bad must learn it, not silently get the anonymous view.
pub fn viewer<'a>(ctx: &Context<'a>) -> AppResult<Option<&'a Caller>> {
    match &request(ctx).auth {
        Authentication::Authenticated(caller) => Ok(Some(caller)),
        Authentication::Provisional(_) => Err(must_change_password()),
        Authentication::Anonymous => Ok(None),
        Authentication::Invalid => Err(AppError::unauthenticated(Message::InvalidAccessToken)),
        Authentication::Unavailable => Err(AppError::unavailable("the account behind the token could not be loaded")),
    }
}

/// A stored instant as the API shows it: RFC 3339 in the configured time zone.
pub fn local_time(ctx: &Context<'_>, at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&state(ctx).settings.time_zone).fixed_offset()
}

/// The moment and the rules a request works under.
pub fn environment(ctx: &Context<'_>) -> Environment {
    let st = state(ctx);
    Environment::of(&st.settings, st.clock.now())
}

/// The signed-in caller in the request's environment, for case work.
pub fn work(ctx: &Context<'_>) -> AppResult<WorkContext> {
    Ok(WorkContext { caller: caller(ctx)?.clone(), env: environment(ctx) })
}

/// The id of an object to read or act on. An id that cannot exist is answered like one that does not exist.
/// Of whichever id type the caller needs (`CaseId`, or a bare UUID).
pub fn object_id<T: std::str::FromStr>(id: &ID, what: &str) -> AppResult<T> {
    id.parse().map_err(|_| AppError::not_found(what))
}

/// An id given in a list filter; garbage is bad input naming `field`.
pub fn filter_id<T: std::str::FromStr>(id: Option<&ID>, field: &str) -> AppResult<Option<T>> {
    id.map(|id| id.parse().map_err(|_| AppError::bad_input(field, Message::NotAnId))).transpose()
}
