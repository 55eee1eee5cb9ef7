//! Authentication: password hashing, access and refresh tokens, failed-login throttling.

pub mod callers;
pub mod password;
pub mod session;
pub mod throttle;
pub mod token;
