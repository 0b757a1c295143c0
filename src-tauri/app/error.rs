//! The one error type that crosses IPC: `{code, message}`. [`Code`] is the closed set of codes, one
//! Rust enum exported to TypeScript (`bindings.ts`), which the UI matches exhaustively
//! (`ui/src/lib/errors.ts`). Every source of errors maps into it with an exhaustive `match`, so a new
//! client or server code does not compile until it has a place here.

use envdesk_api::ErrorCode;
use envdesk_client::ClientError;

/// What went wrong, for the UI to act on; the message says it in words. Each variant's doc says what
/// the user can do about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    // ---- the project's key (the UI asks for it)
    /// The project is locked: unlock it.
    Locked,
    /// The project's key is not on this computer: type it (or its passphrase).
    KeyNeeded,
    /// The key given does not open the project: try another.
    WrongKey,
    /// A blob does not decrypt under the key (tampered, or another key): restore an earlier version.
    Undecryptable,
    /// A key or its settings are malformed: check what was typed, or the server's descriptor.
    BadKey,
    /// A version is under an older key this computer does not have: unlock with that key.
    OldKeyUnavailable,
    /// The server claims the key of a project whose key is held here: ask the project's owner.
    ServerKeyRefused,
    // ---- text
    /// A `.env` text does not parse: fix the line named.
    ParseError,
    /// A file to import could not be read: choose another.
    ImportFailed,
    /// An export failed: see the message.
    ExportFailed,
    /// Templates do not resolve: fix the references named.
    TemplateError,
    /// The result breaks the node's schema (a strict project's save, an unconfirmed export): fix the
    /// problems listed, or (an export) confirm.
    SchemaViolation,
    // ---- this computer
    /// The system keychain failed: unlock it, then retry.
    KeychainError,
    /// A local file could not be read or written: check the disk and permissions.
    IoError,
    /// The local vault's key is missing from the keychain: restore it (the message says how).
    LocalVaultKeyMissing,
    /// The local vault's token does not match its database: the message says which entry to remove.
    LocalVaultTokenMismatch,
    // ---- rotation
    /// A rotation may or may not have happened: unlock again, envdesk uses the key the server holds.
    RotationOutcomeUnknown,
    /// This server cannot rotate every level at once: rotate with its own tools.
    RotationUnsupported,
    // ---- the server's answers
    /// A client-managed level arrived unencrypted: the server forged it; tell its operator.
    UnencryptedLevel,
    /// A listing (or a view built from what it lists) is larger than envdesk reads: check the server.
    ListingTooLarge,
    // ---- what was asked
    /// The request does not make sense as given: correct it.
    Invalid,
    /// A view of a node was closed (a newer read, a lock): the UI reads the node again.
    ViewClosed,
    /// A destructive operation needs its typed confirmation: type the name shown.
    ConfirmationRequired,
    /// The user said no in a native confirmation: nothing to do (the UI says nothing).
    Cancelled,
    // ---- the API (envdesk-server, dotEnv Cloud)
    /// The token is missing, unknown or revoked: replace it in Manage connections.
    Unauthenticated,
    /// The token lacks an ability: ask for a token that has it.
    InsufficientPermissions,
    /// The version is outside the plan's retention: it can be listed, not read.
    VersionLocked,
    /// It does not exist (any more): reload the tree.
    NotFound,
    /// The name is taken: choose another.
    AlreadyExists,
    /// Someone saved first: merge (the UI shows the conflict).
    RevisionConflict,
    /// A key rotation is running: retry when it is done.
    RotationInProgress,
    /// Too large for the server: split it.
    PayloadTooLarge,
    /// The server could not read the request: report it.
    BadRequest,
    /// The server gave up waiting: retry.
    RequestTimeout,
    /// A field is invalid: correct what the message names.
    ValidationFailed,
    /// Options that do not go together: change one.
    InvalidParameterCombination,
    /// The project has no key proof: re-establish its key.
    KeyProofRequired,
    /// The key used is not the project's: unlock with the right one.
    KeyProofMismatch,
    /// History changed during a re-encryption: retry.
    KeyVersionConflict,
    /// Restoring an old-key version needs it re-encrypted: unlock with the old key.
    ContentRequiredForOldKey,
    /// The only copy of a deleted level: delete it with force, if you mean to.
    VersionProtected,
    /// The server holds content it cannot decrypt: restore an earlier version.
    UndecryptableContent,
    /// The server has no master key: tell its operator.
    ServerKeysUnavailable,
    /// The server cannot decrypt a client-managed project: use the key on this computer.
    ClientManagedEncryption,
    /// Too many requests: wait and retry.
    RateLimited,
    /// A bug, here or on the server: nothing was changed; report it.
    Internal,
    /// The server cannot be reached: check the address and the connection.
    Network,
    /// The server did not answer in time: retry.
    Timeout,
    /// The server's answer is not the API's: check the address.
    InvalidResponse,
    /// A code this version does not know: read the message.
    Unknown,
}

impl From<ErrorCode> for Code {
    fn from(c: ErrorCode) -> Code {
        match c {
            ErrorCode::Unauthenticated => Code::Unauthenticated,
            ErrorCode::InsufficientPermissions => Code::InsufficientPermissions,
            ErrorCode::VersionLocked => Code::VersionLocked,
            ErrorCode::NotFound => Code::NotFound,
            ErrorCode::AlreadyExists => Code::AlreadyExists,
            ErrorCode::RevisionConflict => Code::RevisionConflict,
            ErrorCode::RotationInProgress => Code::RotationInProgress,
            ErrorCode::PayloadTooLarge => Code::PayloadTooLarge,
            ErrorCode::BadRequest => Code::BadRequest,
            ErrorCode::RequestTimeout => Code::RequestTimeout,
            ErrorCode::ValidationFailed => Code::ValidationFailed,
            ErrorCode::InvalidParameterCombination => Code::InvalidParameterCombination,
            ErrorCode::KeyProofRequired => Code::KeyProofRequired,
            ErrorCode::KeyProofMismatch => Code::KeyProofMismatch,
            ErrorCode::KeyVersionConflict => Code::KeyVersionConflict,
            ErrorCode::ContentRequiredForOldKey => Code::ContentRequiredForOldKey,
            ErrorCode::VersionProtected => Code::VersionProtected,
            ErrorCode::ConfirmationRequired => Code::ConfirmationRequired,
            ErrorCode::UndecryptableContent => Code::UndecryptableContent,
            ErrorCode::ServerKeysUnavailable => Code::ServerKeysUnavailable,
            ErrorCode::ClientManagedEncryption => Code::ClientManagedEncryption,
            ErrorCode::RateLimited => Code::RateLimited,
            ErrorCode::Internal => Code::Internal,
            ErrorCode::Network => Code::Network,
            ErrorCode::Timeout => Code::Timeout,
            ErrorCode::InvalidResponse => Code::InvalidResponse,
            ErrorCode::Unknown => Code::Unknown,
        }
    }
}

impl From<&ClientError> for Code {
    fn from(e: &ClientError) -> Code {
        match e {
            ClientError::Api(e) => e.code.into(),
            ClientError::Locked { .. } => Code::Locked,
            ClientError::ViewClosed => Code::ViewClosed,
            ClientError::KeyNeeded { .. } => Code::KeyNeeded,
            ClientError::WrongKey { .. } => Code::WrongKey,
            ClientError::Crypto { .. } => Code::Undecryptable,
            ClientError::BadKey(_) => Code::BadKey,
            ClientError::Parse { .. } => Code::ParseError,
            ClientError::Import(_) => Code::ImportFailed,
            ClientError::Export(_) => Code::ExportFailed,
            ClientError::Template(_) => Code::TemplateError,
            ClientError::SchemaViolation(_) => Code::SchemaViolation,
            ClientError::OldKeyUnavailable { .. } | ClientError::UnknownVersionKey { .. } => Code::OldKeyUnavailable,
            ClientError::KeyStore(_) => Code::KeychainError,
            ClientError::Io(_) => Code::IoError,
            ClientError::LocalVaultKeyMissing { .. } => Code::LocalVaultKeyMissing,
            ClientError::LocalVaultTokenMismatch { .. } => Code::LocalVaultTokenMismatch,
            ClientError::Unencrypted { .. } => Code::UnencryptedLevel,
            ClientError::RotationOutcomeUnknown { .. } => Code::RotationOutcomeUnknown,
            ClientError::ListingTooLarge { .. } | ClientError::TooLarge { .. } => Code::ListingTooLarge,
            ClientError::RotationUnsupported { .. } => Code::RotationUnsupported,
            ClientError::ServerKeyRefused { .. } => Code::ServerKeyRefused,
            ClientError::Invalid(_) => Code::Invalid,
        }
    }
}

impl Code {
    /// The code as the UI sees it (`"key_needed"`).
    pub fn as_str(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
    }
}

/// An error for the UI: a [`Code`] and a sentence a person can act on. Never a secret.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct IpcError {
    /// What went wrong, for the UI to act on.
    pub code: Code,
    /// What happened and what to do.
    pub message: String,
}

impl IpcError {
    /// An error with a code.
    pub fn new(code: Code, message: impl Into<String>) -> IpcError {
        IpcError { code, message: message.into() }
    }

    /// `invalid`: the request does not make sense as given.
    pub fn invalid(message: impl Into<String>) -> IpcError {
        IpcError::new(Code::Invalid, message)
    }

    /// `internal`: a bug; nothing was changed.
    pub fn internal() -> IpcError {
        IpcError::new(Code::Internal, "envdesk hit a bug doing that; nothing was changed. Please report it.")
    }
}

impl From<ClientError> for IpcError {
    fn from(e: ClientError) -> IpcError {
        IpcError { code: Code::from(&e), message: e.to_string() }
    }
}

impl From<envdesk_api::ApiError> for IpcError {
    fn from(e: envdesk_api::ApiError) -> IpcError {
        IpcError { code: e.code.into(), message: e.message }
    }
}

impl From<std::io::Error> for IpcError {
    fn from(e: std::io::Error) -> IpcError {
        IpcError::new(Code::IoError, format!("A file could not be read or written: {e}"))
    }
}

/// A shorthand.
pub type IpcResult<T> = Result<T, IpcError>;
