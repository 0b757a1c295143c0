//! The one error type that crosses IPC: `{code, message}`, a closed set of codes the UI switches on.

use envdesk_client::ClientError;

/// An error for the UI: a stable `code` and a sentence a person can act on. Never a secret.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq, ts_rs::TS)]
pub struct IpcError {
    /// One of the codes of `ui/src/lib/ipc.ts` (`ErrorCode`).
    pub code: String,
    /// What happened and what to do.
    pub message: String,
}

impl IpcError {
    /// An error with a code.
    pub fn new(code: &str, message: impl Into<String>) -> IpcError {
        IpcError { code: code.to_owned(), message: message.into() }
    }
}

impl From<ClientError> for IpcError {
    fn from(e: ClientError) -> IpcError {
        IpcError { code: e.code().to_owned(), message: e.to_string() }
    }
}

impl From<envdesk_api::ApiError> for IpcError {
    fn from(e: envdesk_api::ApiError) -> IpcError {
        IpcError { code: e.code.as_str().to_owned(), message: e.message }
    }
}

impl From<std::io::Error> for IpcError {
    fn from(e: std::io::Error) -> IpcError {
        IpcError::new("io_error", format!("A file could not be read or written: {e}"))
    }
}

/// A shorthand.
pub type IpcResult<T> = Result<T, IpcError>;
