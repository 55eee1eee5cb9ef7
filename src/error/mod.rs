//! One application error type for the whole service.
//!
//! Design (after Lemmy and crates.io): every failure a client can see carries a stable, machine-readable
//! [`ErrorCode`] in `extensions.code` (DOMAIN.md §9) and, for bad input, the name of the offending field in
//! `extensions.field`. Database and other internal failures are logged in full on the server and reach the client
//! only as `INTERNAL` plus the request id, so that an operator can find the log line without the client learning
//! anything about the internals.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts every `Display` type into an error
//! with its text as message, which would bypass the code mapping below.

pub mod message;

use std::fmt;
use std::sync::Arc;

use async_graphql::ErrorExtensions;

pub use message::{code_in_chinese, Message, TEMPLATES};

/// The stable error codes of the public API (DOMAIN.md §9). Never rename a variant: clients match on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    InvalidTransition,
    DeadlinePassed,
    Conflict,
    RateLimited,
    /// The service cannot reach its database right now (down, or every connection busy): retry after
    /// `retryAfterSeconds`. Never a verdict on the request or the token.
    Unavailable,
    /// The request named a persisted query by its hash alone, and this server does not know it: send the hash
    /// with the query text once (Apollo's automatic persisted queries).
    PersistedQueryNotFound,
    /// This server runs only operations registered in advance (trusted documents), and the request's is not one.
    PersistedQueryNotAllowed,
    Internal,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::InvalidTransition => "INVALID_TRANSITION",
            ErrorCode::DeadlinePassed => "DEADLINE_PASSED",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            ErrorCode::PersistedQueryNotAllowed => "PERSISTED_QUERY_NOT_ALLOWED",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How long a client should wait before retrying after `UNAVAILABLE`.
pub const UNAVAILABLE_RETRY_SECS: u64 = 2;

/// A failure of an operation, as the client will see it.
pub struct AppError {
    pub code: ErrorCode,
    /// What the client reads, rendered in its language at the edge.
    pub message: Message,
    /// The input field at fault, as the client spelled it (`input.title`), for `BAD_USER_INPUT`.
    pub field: Option<String>,
    /// Seconds the client should wait before trying again, for `RATE_LIMITED`.
    pub retry_after_secs: Option<u64>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, message: Message) -> Self {
        AppError { code, message, field: None, retry_after_secs: None }
    }

    pub fn bad_input(field: impl Into<String>, message: Message) -> Self {
        AppError { field: Some(field.into()), ..AppError::new(ErrorCode::BadUserInput, message) }
    }

    pub fn unauthenticated(message: Message) -> Self {
        AppError::new(ErrorCode::Unauthenticated, message)
    }

    pub fn forbidden(message: Message) -> Self {
        AppError::new(ErrorCode::Forbidden, message)
    }

    /// Also the answer for objects outside the caller's scope, so that their existence does not leak. `what` is
    /// the thing's English noun (`case`), which the Chinese reads as its own.
    pub fn not_found(what: &str) -> Self {
        AppError::new(ErrorCode::NotFound, Message::NotFound(what.to_owned()))
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        AppError {
            retry_after_secs: Some(retry_after_secs),
            ..AppError::new(ErrorCode::RateLimited, Message::TooManyAttempts(retry_after_secs.to_string()))
        }
    }

    /// Logs `detail` with everything it knows and returns the opaque `INTERNAL` error.
    /// The database cannot be reached (or no connection freed up in time): logged, and told as retryable.
    pub fn unavailable(detail: impl fmt::Debug) -> Self {
        tracing::warn!(detail = ?detail, "database unavailable");
        AppError {
            retry_after_secs: Some(UNAVAILABLE_RETRY_SECS),
            ..AppError::new(ErrorCode::Unavailable, Message::DatabaseUnavailable)
        }
    }

    pub fn internal(detail: impl fmt::Debug) -> Self {
        tracing::error!(detail = ?detail, "internal error");
        AppError::new(ErrorCode::Internal, Message::Internal)
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Debug for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(field) = &self.field {
            write!(f, " (field {field})")?;
        }
        Ok(())
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => AppError::not_found("object"),
            // Serialization failures and lock timeouts are what two concurrent writers of one row see.
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                AppError::new(ErrorCode::Conflict, Message::ChangedConcurrently)
            }
            // The connection went away under the statement: the server shut down, restarted or was cut off.
            ref lost if session_lost(lost) => AppError::unavailable(err),
            other => AppError::internal(other),
        }
    }
}

/// Whether `err` says the session itself is gone (the database shut down, restarted, or an administrator ended it),
/// rather than that the statement failed: such a session serves nothing more, and the work may be tried on another.
pub fn session_lost(err: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    // PostgreSQL's words for a session it ended (administrator command, shutdown, crash of another backend).
    const LOST: [&str; 4] = [
        "terminating connection",
        "server closed the connection",
        "no connection to the server",
        "connection to server",
    ];
    match err {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, _) => true,
        Error::DatabaseError(_, info) => LOST.iter().any(|m| info.message().contains(m)),
        _ => false,
    }
}

/// No connection within the pool's wait: the database refuses connections, or every connection is busy.
impl From<r2d2_error::PoolError> for AppError {
    fn from(err: r2d2_error::PoolError) -> Self {
        AppError::unavailable(err)
    }
}

mod r2d2_error {
    pub use diesel::r2d2::PoolError;
}

/// The error in English, with its message as its source for the edge to render in the request's language.
impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        let mut e = async_graphql::Error::new(err.message.english());
        e.source = Some(Arc::new(err.message));
        let code = err.code;
        let field = err.field;
        let retry = err.retry_after_secs;
        e = e.extend_with(|_, ext| {
            ext.set("code", code.as_str());
            if let Some(field) = &field {
                ext.set("field", field.as_str());
            }
            if let Some(retry) = retry {
                ext.set("retryAfterSeconds", retry);
            }
        });
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_strings() {
        let all = [
            (ErrorCode::Unauthenticated, "UNAUTHENTICATED"),
            (ErrorCode::Forbidden, "FORBIDDEN"),
            (ErrorCode::NotFound, "NOT_FOUND"),
            (ErrorCode::BadUserInput, "BAD_USER_INPUT"),
            (ErrorCode::InvalidTransition, "INVALID_TRANSITION"),
            (ErrorCode::DeadlinePassed, "DEADLINE_PASSED"),
            (ErrorCode::Conflict, "CONFLICT"),
            (ErrorCode::RateLimited, "RATE_LIMITED"),
            (ErrorCode::Unavailable, "UNAVAILABLE"),
            (ErrorCode::PersistedQueryNotFound, "PERSISTED_QUERY_NOT_FOUND"),
            (ErrorCode::PersistedQueryNotAllowed, "PERSISTED_QUERY_NOT_ALLOWED"),
            (ErrorCode::Internal, "INTERNAL"),
        ];
        for (code, text) in all {
            assert_eq!(code.as_str(), text);
        }
    }

    #[test]
    fn graphql_error_carries_code_and_field() {
        let e: async_graphql::Error = AppError::bad_input("input.password", Message::TooShort).into();
        assert_eq!(e.message, "too short");
        assert_eq!(e.source.as_ref().and_then(|s| s.downcast_ref::<Message>()), Some(&Message::TooShort));
        let ext = e.extensions.expect("extensions");
        assert_eq!(ext.get("code"), Some(&async_graphql::Value::from("BAD_USER_INPUT")));
        assert_eq!(ext.get("field"), Some(&async_graphql::Value::from("input.password")));
    }
}
