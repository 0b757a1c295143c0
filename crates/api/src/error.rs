//! Error codes of `docs/api.md` with their HTTP statuses, and the error body.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Every error code of the API, plus the few a client produces itself (marked *client*).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 401: no, bad, expired or revoked token.
    Unauthenticated,
    /// 403: the token lacks an ability.
    InsufficientPermissions,
    /// 403: the version is outside the retention period.
    VersionLocked,
    /// 404: unknown resource, or another organization's.
    NotFound,
    /// 409: a resource with that slug exists.
    AlreadyExists,
    /// 409 [ext]: `base_revision` is stale; `details.current_revision` says what is current.
    RevisionConflict,
    /// 409: a key rotation is running for this project.
    RotationInProgress,
    /// 413: the body is over 1 MiB.
    PayloadTooLarge,
    /// 400 [ext]: the request body could not be read (e.g. a malformed chunked encoding).
    BadRequest,
    /// 408 [ext]: the request (or its body) did not arrive or could not be answered in time.
    RequestTimeout,
    /// 422: request validation failed (`errors` says which fields).
    ValidationFailed,
    /// 422: parameters that cannot go together.
    InvalidParameterCombination,
    /// 422: a client-managed project needs a key proof.
    KeyProofRequired,
    /// 422: the key proof does not match: wrong key.
    KeyProofMismatch,
    /// 422: a rotation raced a re-encrypt submit.
    KeyVersionConflict,
    /// 422: a client-managed version under an old key needs re-encrypted content to restore.
    ContentRequiredForOldKey,
    /// 422: the only snapshot of a deleted level; pass `force`.
    VersionProtected,
    /// 422: a destructive request without `confirmed: true`.
    ConfirmationRequired,
    /// 422 [ext]: a server-managed blob that does not decrypt under the project key.
    UndecryptableContent,
    /// 422 [ext]: the server has no master key, so it cannot hold server-managed keys.
    ServerKeysUnavailable,
    /// 400: the operation is for server-managed projects and this one is client-managed (SDK code).
    ClientManagedEncryption,
    /// 429: too many requests; `Retry-After` says when to retry.
    RateLimited,
    /// 500: the server failed; no detail.
    Internal,
    /// *client*: the server could not be reached, or the connection failed.
    Network,
    /// *client*: the server did not answer in time.
    Timeout,
    /// *client*: the answer was not what the API promises.
    InvalidResponse,
    /// An error code this version does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status the server answers with.
    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            Unauthenticated => 401,
            InsufficientPermissions | VersionLocked => 403,
            NotFound => 404,
            AlreadyExists | RevisionConflict | RotationInProgress => 409,
            PayloadTooLarge => 413,
            BadRequest => 400,
            RequestTimeout => 408,
            ValidationFailed
            | InvalidParameterCombination
            | KeyProofRequired
            | KeyProofMismatch
            | KeyVersionConflict
            | ContentRequiredForOldKey
            | VersionProtected
            | ConfirmationRequired
            | UndecryptableContent
            | ServerKeysUnavailable => 422,
            ClientManagedEncryption => 400,
            RateLimited => 429,
            Internal | Unknown | InvalidResponse => 500,
            Network => 502,
            Timeout => 504,
        }
    }

    /// The wire name (`"not_found"`, …).
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            Unauthenticated => "unauthenticated",
            InsufficientPermissions => "insufficient_permissions",
            VersionLocked => "version_locked",
            NotFound => "not_found",
            AlreadyExists => "already_exists",
            RevisionConflict => "revision_conflict",
            RotationInProgress => "rotation_in_progress",
            PayloadTooLarge => "payload_too_large",
            BadRequest => "bad_request",
            RequestTimeout => "request_timeout",
            ValidationFailed => "validation_failed",
            InvalidParameterCombination => "invalid_parameter_combination",
            KeyProofRequired => "key_proof_required",
            KeyProofMismatch => "key_proof_mismatch",
            KeyVersionConflict => "key_version_conflict",
            ContentRequiredForOldKey => "content_required_for_old_key",
            VersionProtected => "version_protected",
            ConfirmationRequired => "confirmation_required",
            UndecryptableContent => "undecryptable_content",
            ServerKeysUnavailable => "server_keys_unavailable",
            ClientManagedEncryption => "client_managed_encryption",
            RateLimited => "rate_limited",
            Internal => "internal",
            Network => "network",
            Timeout => "timeout",
            InvalidResponse => "invalid_response",
            Unknown => "unknown",
        }
    }

    /// Every code the server sends.
    pub const SERVER: [ErrorCode; 23] = [
        ErrorCode::Unauthenticated,
        ErrorCode::InsufficientPermissions,
        ErrorCode::VersionLocked,
        ErrorCode::NotFound,
        ErrorCode::AlreadyExists,
        ErrorCode::RevisionConflict,
        ErrorCode::RotationInProgress,
        ErrorCode::PayloadTooLarge,
        ErrorCode::BadRequest,
        ErrorCode::RequestTimeout,
        ErrorCode::ValidationFailed,
        ErrorCode::InvalidParameterCombination,
        ErrorCode::KeyProofRequired,
        ErrorCode::KeyProofMismatch,
        ErrorCode::KeyVersionConflict,
        ErrorCode::ContentRequiredForOldKey,
        ErrorCode::VersionProtected,
        ErrorCode::ConfirmationRequired,
        ErrorCode::UndecryptableContent,
        ErrorCode::ServerKeysUnavailable,
        ErrorCode::ClientManagedEncryption,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
    ];
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An API error: `{"error","message","details"?}`, or for validation `{"error":"validation_failed",
/// "message","errors":{field:[…]}}`. Messages never contain a secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// The code.
    #[serde(rename = "error")]
    pub code: ErrorCode,
    /// One sentence a person can act on.
    pub message: String,
    /// Structured details (e.g. `current_revision`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Box<serde_json::Value>>,
    /// Field errors of a validation failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
    /// Seconds to wait (429), from `Retry-After`; not part of the body.
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), details: None, errors: None, retry_after: None }
    }
    /// Adds details.
    pub fn with_details(mut self, details: serde_json::Value) -> ApiError {
        self.details = Some(Box::new(details));
        self
    }
    /// 404 naming what was not found.
    pub fn not_found(what: impl fmt::Display) -> ApiError {
        ApiError::new(ErrorCode::NotFound, format!("{what} was not found."))
    }
    /// 422 validation failure of one field.
    pub fn validation(field: &str, problem: impl Into<String>) -> ApiError {
        let problem = problem.into();
        let mut errors = BTreeMap::new();
        errors.insert(field.to_owned(), vec![problem.clone()]);
        ApiError {
            code: ErrorCode::ValidationFailed,
            message: problem,
            details: None,
            errors: Some(errors),
            retry_after: None,
        }
    }
    /// 403 for a missing ability.
    pub fn forbidden(ability: &str) -> ApiError {
        ApiError::new(ErrorCode::InsufficientPermissions, format!("This token does not have the `{ability}` ability."))
            .with_details(serde_json::json!({ "required": ability }))
    }
    /// 500 without detail.
    pub fn internal() -> ApiError {
        ApiError::new(ErrorCode::Internal, "The server failed to handle this request.")
    }
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.code.status()
    }
}

/// A shorthand.
pub type ApiResult<T> = Result<T, ApiError>;
