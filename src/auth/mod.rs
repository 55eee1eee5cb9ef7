//! Authentication: password hashing, access and refresh tokens, failed-login throttling.

pub mod callers;
pub mod password;
pub mod session;
pub mod throttle;
pub mod token;

use crate::domain::scope::Caller;

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
