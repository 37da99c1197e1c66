//! The error type of the server functions: what the UI needs to show a message in the reader's
//! language, and nothing about internals.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppError {
    /// Bad input for one form field; shown next to it.
    Field {
        field: String,
        code: String,
    },
    /// A rule refused the request; shown above the form.
    Refused(String),
    /// Too many attempts; retry after this many seconds.
    RateLimited(i64),
    Unauthorized,
    Forbidden,
    NotFound,
    /// Something broke; the cause is in the server's log, never here.
    Internal,
}

impl AppError {
    pub fn code(&self) -> &str {
        match self {
            AppError::Field { code, .. } => code,
            AppError::Refused(code) => code,
            AppError::RateLimited(_) => "rate_limited",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Internal => "internal",
        }
    }

    /// The HTTP status a server function answers with when it fails this way. Leptos itself
    /// answers 500 for every error, which would page an operator for each typo in a form; the
    /// server rewrites the status with this.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Field { .. } => 422,
            AppError::Refused(_) => 400,
            AppError::RateLimited(_) => 429,
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Internal => 500,
        }
    }

    /// The field this error belongs next to, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Field { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        tracing::warn!(error = %value, "server function plumbing failed");
        let _ = value;
        AppError::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<sbor_domain::DomainError> for AppError {
    fn from(e: sbor_domain::DomainError) -> Self {
        use sbor_domain::DomainError as D;
        match e {
            D::Invalid { field, code } => AppError::Field {
                field: field.into(),
                code: code.into(),
            },
            D::Refused(code) => AppError::Refused(code.into()),
            D::CapacityBelowConfirmed { confirmed } => AppError::Field {
                field: "capacity".into(),
                code: format!("capacity_below_confirmed:{confirmed}"),
            },
            D::NotFound => AppError::NotFound,
            D::Forbidden => AppError::Forbidden,
            D::RateLimited(secs) => AppError::RateLimited(secs),
            other => {
                tracing::error!(error = %other, "request failed");
                AppError::Internal
            }
        }
    }
}
