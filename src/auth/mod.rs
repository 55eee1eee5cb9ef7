//! Authentication: password hashing, access and refresh tokens, failed-login throttling.

pub mod callers;
pub mod password;
pub mod throttle;
pub mod token;

use crate::domain::scope::Caller;

/// Who is behind a request.
#[derive(Clone, Debug)]
pub enum Authentication {
    /// No token was presented.
    Anonymous,
    Authenticated(Caller),
    /// Signed in with a temporary password an admin set: the caller may change it (and read its own account), and
    /// do nothing else until then.
    Provisional(Caller),
    /// A token was presented but is not valid (bad signature, expired, revoked by a password change...).
    Invalid,
    /// A token was presented and is well signed, but its account could not be checked: the database is unreachable.
    /// Not a verdict on the token: clients must retry, not sign the user out.
    Unavailable,
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
