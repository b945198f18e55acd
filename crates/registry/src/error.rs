//! How the HTTP API refuses a request: a status, a stable code and a
//! sentence a person can act on, as JSON (see `docs/sync-protocol.md`).

use crate::identity::IdentityError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use groundgame_domain::wire::{ApiErrorBody, ErrorCode};
use serde::de::DeserializeOwned;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    /// Seconds after which the same request may succeed, sent as
    /// `Retry-After` (a busy registry, a database that had a bad moment).
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Asks the client to send the same request again after `seconds`.
    pub fn retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The registry cannot answer now, and nothing was committed.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            message,
        )
        .retry_after(1)
    }

    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::Malformed, message)
    }

    /// The database failed under a request: nothing was committed, and the
    /// same request can be sent again.
    pub fn database(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database error");
        Self::unavailable(
            "the registry's database could not finish this request; nothing was changed, try again shortly",
        )
    }
}

/// Whether a database error says that this data can never be stored
/// (SQLSTATE class 22, data exception, or 23, integrity constraint): only
/// then may one mutation be rejected for good. Everything else (a deadlock,
/// a serialisation failure, a lock or statement timeout, too many
/// connections, a shutdown, a lost connection) is the database's bad
/// moment, and the same push can succeed later.
pub fn is_data_error(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(error) => error
            .code()
            .is_some_and(|code| code.starts_with("22") || code.starts_with("23")),
        _ => false,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // A busy or database-less registry has logged its cause already (or
        // has none worth a line per request); anything else is a bug.
        if self.status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(code = self.code.as_str(), message = %self.message, "request failed");
        }
        let mut response = (
            self.status,
            Json(ApiErrorBody {
                error: self.code.as_str().to_owned(),
                message: self.message,
            }),
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<IdentityError> for ApiError {
    fn from(error: IdentityError) -> Self {
        let message = error.to_string();
        match error {
            IdentityError::MalformedCode(_) | IdentityError::Invalid(_) => Self::malformed(message),
            IdentityError::UnknownCode | IdentityError::BadCredential | IdentityError::BadToken => {
                Self::new(
                    StatusCode::UNAUTHORIZED,
                    ErrorCode::Unauthenticated,
                    message,
                )
            }
            IdentityError::Wiped => {
                Self::new(StatusCode::FORBIDDEN, ErrorCode::DeviceWiped, message)
            }
            IdentityError::NoSuchOffice(_) | IdentityError::NoSuchDevice(_) => {
                Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
            }
            IdentityError::Database(error) => Self::database(error),
        }
    }
}

/// A JSON body whose problems (bad JSON, a missing field, too big) are
/// answered in the API's own error shape rather than axum's plain text.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!(
                "the request body is over the registry's limit of {} bytes; send fewer items at a time",
                crate::http::BODY_LIMIT
            ),
        )
    } else {
        ApiError::malformed(format!(
            "the request body is not what this endpoint takes: {}",
            rejection.body_text()
        ))
    }
}
