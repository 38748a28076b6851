//! What can be wrong with a delivery.

/// Why a delivery was refused. Every variant is the sender's fault except
/// [`ParseError::NoSecret`], a configuration problem of the receiver.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The body is larger than the receiver accepts.
    #[error("the body ({size} bytes) is larger than the {limit} bytes accepted")]
    TooLarge {
        /// Size of the body received.
        size: usize,
        /// Largest size accepted.
        limit: usize,
    },
    /// The body is not JSON.
    #[error("the body is not JSON: {message}")]
    NotJson {
        /// serde_json's description, with line and column.
        message: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
    },
    /// The body is JSON but not of the shape the spec declares.
    #[error("the body does not fit the spec at `{path}`: {message}")]
    Shape {
        /// JSON path of the offending value (`data.status`, `[0]`, `.` for the whole body).
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// A header the signature scheme needs is absent.
    #[error("the `{name}` header is missing")]
    MissingHeader {
        /// The header's name.
        name: &'static str,
    },
    /// A header the signature scheme needs cannot be read.
    #[error("the `{name}` header is invalid: {reason}")]
    InvalidHeader {
        /// The header's name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The signature's timestamp is too far from now (a replay, or a wrong clock).
    #[error(
        "the signature's timestamp {timestamp} is {} s from now ({now}), more than the {tolerance_seconds} s tolerated",
        timestamp.abs_diff(*now)
    )]
    StaleTimestamp {
        /// The timestamp sent, in seconds since the epoch.
        timestamp: i64,
        /// The receiver's time, in seconds since the epoch.
        now: i64,
        /// The largest distance accepted.
        tolerance_seconds: u64,
    },
    /// No signature of the delivery matches any configured secret.
    #[error("no signature matches the body")]
    SignatureMismatch,
    /// The provider signs its deliveries but the receiver has no secret to check them with.
    #[error("the deliveries are signed but no secret is configured")]
    NoSecret,
}

impl ParseError {
    /// The HTTP status a receiver answers with: 413 for a body too large, 401 for a signature
    /// problem, 500 for [`ParseError::NoSecret`], 400 otherwise.
    pub fn status(&self) -> http::StatusCode {
        match self {
            Self::TooLarge { .. } => http::StatusCode::PAYLOAD_TOO_LARGE,
            Self::MissingHeader { .. }
            | Self::InvalidHeader { .. }
            | Self::StaleTimestamp { .. }
            | Self::SignatureMismatch => http::StatusCode::UNAUTHORIZED,
            Self::NoSecret => http::StatusCode::INTERNAL_SERVER_ERROR,
            Self::NotJson { .. } | Self::Shape { .. } => http::StatusCode::BAD_REQUEST,
        }
    }

    /// A short stable code for the problem (`not_json`, `wrong_shape`, `too_large`,
    /// `missing_header`, `invalid_header`, `stale_timestamp`, `signature_mismatch`,
    /// `no_secret`), for JSON error bodies and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::NotJson { .. } => "not_json",
            Self::Shape { .. } => "wrong_shape",
            Self::MissingHeader { .. } => "missing_header",
            Self::InvalidHeader { .. } => "invalid_header",
            Self::StaleTimestamp { .. } => "stale_timestamp",
            Self::SignatureMismatch => "signature_mismatch",
            Self::NoSecret => "no_secret",
        }
    }

    /// The error as a JSON body: `{"error": code, "message": text}` (plus `path` for a
    /// shape error).
    pub fn to_json(&self) -> serde_json::Value {
        let mut body = serde_json::json!({"error": self.code(), "message": self.to_string()});
        if let Self::Shape { path, .. } = self {
            body["path"] = serde_json::Value::String(path.clone());
        }
        body
    }
}
