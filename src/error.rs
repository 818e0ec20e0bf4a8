//! The error type of the HTTP layer and its one mapping to status codes.

use crate::db::DbError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    /// Unknown resource, or a private one the requester may not see
    /// (indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Missing or invalid HTTP signature: 401 so peers that "double-knock"
    /// retry with their other signature format.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden")]
    Forbidden,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    /// The request's body did not arrive in time (a slow or idle client).
    #[error("request body not received in time")]
    RequestTimeout,
    /// Slow down: try again after this many seconds.
    #[error("too many requests; retry in {0} s")]
    TooManyRequests(u64),
    /// Cannot be served now (the signing key's server is busy or failing):
    /// try again after this many seconds.
    #[error("unavailable: {1}; retry in {0} s")]
    Unavailable(u64, String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Error::Internal(format!("{e:#}"))
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::NotFound | Error::Db(DbError::NotFound) => StatusCode::NOT_FOUND,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden => StatusCode::FORBIDDEN,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Error::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(..) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Db(DbError::Conflict(_)) => StatusCode::CONFLICT,
            Error::Db(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        // Unavailable is a refusal under load (logged where it is made).
        if status.is_server_error() && !matches!(self, Error::Unavailable(..)) {
            tracing::error!(error = %self, "request failed");
        }
        // Internal details stay in the log, not in the answer to a stranger.
        let message = if matches!(self, Error::Unavailable(..)) {
            self.to_string()
        } else if status.is_server_error() {
            "internal error".to_string()
        } else {
            self.to_string()
        };
        let mut response = HttpResponse::build(status);
        if let Error::TooManyRequests(secs) | Error::Unavailable(secs, _) = self {
            response.insert_header(("Retry-After", secs.to_string()));
        }
        response.json(serde_json::json!({ "error": message }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_maps_to_its_status() {
        let cases = [
            (Error::NotFound, 404),
            (Error::Db(DbError::NotFound), 404),
            (Error::BadRequest("x".into()), 400),
            (Error::Unauthorized("x".into()), 401),
            (Error::Forbidden, 403),
            (Error::PayloadTooLarge, 413),
            (Error::Unprocessable("x".into()), 422),
            (Error::RequestTimeout, 408),
            (Error::TooManyRequests(5), 429),
            (Error::Unavailable(5, "x".into()), 503),
            (Error::Db(DbError::Conflict("x".into())), 409),
            (Error::Internal("x".into()), 500),
        ];
        for (err, status) in cases {
            assert_eq!(err.status_code().as_u16(), status, "{err}");
        }
    }
}
