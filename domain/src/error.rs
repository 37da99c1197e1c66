//! The one error type of the rules layer.
//!
//! Variants that a person can fix carry a stable `code` (and the form field it concerns), which
//! the UI turns into a message in the reader's language. Everything else is `Internal`: the cause
//! is logged where it happens and the user sees an opaque message.

use thiserror::Error;

pub type Result<T, E = DomainError> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum DomainError {
    /// Bad input for one field, e.g. `("email", "invalid_email")`.
    #[error("invalid {field}: {code}")]
    Invalid { field: &'static str, code: &'static str },
    /// A rule refused the request, e.g. `"invalid_credentials"`, `"token_expired"`.
    #[error("refused: {0}")]
    Refused(&'static str),
    /// Capacity below the seats already confirmed: refused with the number.
    #[error("capacity below the {confirmed} seats already confirmed")]
    CapacityBelowConfirmed { confirmed: i64 },
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// Too many attempts; the caller may retry after this many seconds.
    #[error("rate limited, retry after {0} s")]
    RateLimited(i64),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn invalid(field: &'static str, code: &'static str) -> Self {
        DomainError::Invalid { field, code }
    }
}
