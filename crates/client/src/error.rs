//! The client's errors: typed, with a stable code for the UI, and never a secret in a message.

use envdesk_api::{ApiError, ErrorCode};
use envdesk_core::crypto::CryptoError;

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server (or the local vault) refused, or could not be reached.
    #[error("{}", .0.message)]
    Api(#[from] ApiError),
    /// A view of a node that is no longer open (a newer read or a lock closed it): read the node again.
    #[error("This view of the node was closed; it is read again.")]
    ViewClosed,
    /// The project's key is not unlocked.
    #[error("The project `{project}` is locked; unlock it first.")]
    Locked {
        /// Project slug.
        project: String,
    },
    /// A client-managed project whose key is not in the key store.
    #[error("The key of `{project}` is not on this computer; enter it (or its passphrase) to unlock.")]
    KeyNeeded {
        /// Project slug.
        project: String,
    },
    /// The key given does not open this project.
    #[error("That key does not open `{project}`. Nothing was changed.")]
    WrongKey {
        /// Project slug.
        project: String,
    },
    /// Content that does not decrypt or is not text.
    #[error("The content of {what} could not be decrypted: {source}")]
    Crypto {
        /// Which content.
        what: String,
        /// Why.
        source: CryptoError,
    },
    /// A key or passphrase that cannot be used.
    #[error("{0}")]
    BadKey(CryptoError),
    /// The level's text is not valid `.env` (where parsed text is needed).
    #[error("The {level} level is not valid .env text: {error}")]
    Parse {
        /// Which level.
        level: String,
        /// The parse error (line, column, message; never a value).
        error: envdesk_core::dotenv::ParseError,
    },
    /// An import file that cannot be read.
    #[error("The file cannot be imported: {0}")]
    Import(String),
    /// An export that cannot be written in that format.
    #[error("{0}")]
    Export(#[from] envdesk_core::export::ExportError),
    /// Templates that did not resolve (export with templates resolved).
    #[error("Some templates do not resolve: {0}")]
    Template(String),
    /// The result breaks the node's schema (issue 16): a save of a strict project, or an export not
    /// confirmed. The message says what and lists the first problems (keys, never values).
    #[error("{0}")]
    SchemaViolation(String),
    /// A version under a key this computer does not have.
    #[error("This version is encrypted under key version {key_version}, which is not on this computer{hint}.")]
    OldKeyUnavailable {
        /// The version's key version.
        key_version: String,
        /// What to do.
        hint: &'static str,
    },
    /// A version whose key version the server does not say, and which the current key does not open.
    #[error("The server does not say which key version {version} is encrypted under, and the project's current key does not open it; envdesk has no other key to try.")]
    UnknownVersionKey {
        /// The version's id.
        version: String,
    },
    /// The OS key store failed.
    #[error("The system keychain failed: {0}")]
    KeyStore(String),
    /// A local file (drafts, the local vault) failed.
    #[error("A local file could not be read or written: {0}")]
    Io(String),
    /// The local vault's database exists but the keychain has no master key for it.
    #[error("The local vault at {} exists, but its master key is not in the system keychain (the entry `local-vault:master-key` was removed, or the keychain was reset or changed). Nothing was changed, and no new key was made: a new key could not open what is stored. To recover, restore that keychain entry (from a backup of the keychain); or, to start an empty local vault, quit envdesk and move the file (with its -wal and -shm files) out of the data directory.", path.display())]
    LocalVaultKeyMissing {
        /// The database file.
        path: std::path::PathBuf,
    },
    /// The keychain's local-vault token does not open the local vault's database.
    #[error("The local vault's token in the system keychain does not open the database at {} (the database was replaced or restored from a backup, or the keychain entry belongs to another copy). Nothing was changed. If you restored this database on purpose, remove the keychain entry `local-vault:token` and start envdesk again: a new token is then made for it.", path.display())]
    LocalVaultTokenMismatch {
        /// The database file.
        path: std::path::PathBuf,
    },
    /// A client-managed project's level that the server sent unencrypted.
    #[error("The server sent the {level} level of `{project}` unencrypted. This project's key is held on this computer only, so the server cannot have written that text; it was not used. Check the server, or ask its administrator.")]
    Unencrypted {
        /// Project slug.
        project: String,
        /// Which level.
        level: String,
    },
    /// A key rotation whose outcome is unknown (no answer, a timeout, 408, 429, a 5xx or an answer
    /// that is not the API's): the server may have switched to the new key. The new key is kept in
    /// the key store (as the pending key) and the project is locked; the next unlock uses whichever
    /// of the two keys the server holds.
    #[error("The key rotation of `{project}` may or may not have happened on the server ({cause}). The new key is kept in the system keychain and the project is locked: unlock it again, and envdesk uses whichever key the server now holds. Nothing was lost; retry the rotation after unlocking if it did not happen.")]
    RotationOutcomeUnknown {
        /// Project slug.
        project: String,
        /// What went wrong (the transport's or the server's message; never a key).
        cause: String,
    },
    /// A listing past what envdesk follows (pages, items or bytes of text): refused, not truncated.
    #[error("The server's listing is longer than envdesk reads ({limit}); it was not used. A real tree is far below this: check the server.")]
    ListingTooLarge {
        /// Which limit, in words.
        limit: String,
    },
    /// A view that would hold more decrypted text than envdesk keeps in memory for it (a hostile or
    /// broken server's levels): refused, not truncated.
    #[error("The {what} would hold more than {limit} of decrypted text, more than envdesk keeps in memory for it; it was not built. A real project is far below this: check the server.")]
    TooLarge {
        /// Which view, in words.
        what: &'static str,
        /// The limit, in words ("256 MiB").
        limit: String,
    },
    /// A client-managed rotation replaces every current blob of a project at once, by level id; this
    /// server's read did not give the id of a level that holds content (upstream dotEnv Cloud sends
    /// none), so a rotation could only be partial. Nothing was sent.
    #[error("The server does not identify the {level} level of `{project}` (it sends no level id), so envdesk cannot re-encrypt every level in one rotation. Nothing was changed; rotate the key with a tool of this server.")]
    RotationUnsupported {
        /// Project slug.
        project: String,
        /// Which level, e.g. `web/production`.
        level: String,
    },
    /// The server says it holds the key of a project whose key this computer holds (a client key in the
    /// key store, or a project listed as client-managed): refused, so a server can never switch a
    /// client-managed project to a key it chose and read what is saved next.
    #[error("The server now says it holds the key of `{project}`, but the key of this project is held on this computer (client-managed). envdesk refuses to encrypt with a key the server chose; nothing was read or written. If the project really changed, ask its owner.")]
    ServerKeyRefused {
        /// Project slug.
        project: String,
    },
    /// Something the caller asked for that does not make sense.
    #[error("{0}")]
    Invalid(String),
}

impl ClientError {
    /// A stable code for the UI to switch on.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::Api(e) => e.code.as_str(),
            ClientError::Locked { .. } => "locked",
            ClientError::ViewClosed => "view_closed",
            ClientError::KeyNeeded { .. } => "key_needed",
            ClientError::WrongKey { .. } => "wrong_key",
            ClientError::Crypto { .. } => "undecryptable",
            ClientError::BadKey(_) => "bad_key",
            ClientError::Parse { .. } => "parse_error",
            ClientError::Import(_) => "import_failed",
            ClientError::Export(_) => "export_failed",
            ClientError::Template(_) => "template_error",
            ClientError::SchemaViolation(_) => "schema_violation",
            ClientError::OldKeyUnavailable { .. } | ClientError::UnknownVersionKey { .. } => "old_key_unavailable",
            ClientError::KeyStore(_) => "keychain_error",
            ClientError::Io(_) => "io_error",
            ClientError::LocalVaultKeyMissing { .. } => "local_vault_key_missing",
            ClientError::LocalVaultTokenMismatch { .. } => "local_vault_token_mismatch",
            ClientError::Unencrypted { .. } => "unencrypted_level",
            ClientError::RotationOutcomeUnknown { .. } => "rotation_outcome_unknown",
            ClientError::ListingTooLarge { .. } | ClientError::TooLarge { .. } => "listing_too_large",
            ClientError::RotationUnsupported { .. } => "rotation_unsupported",
            ClientError::ServerKeyRefused { .. } => "server_key_refused",
            ClientError::Invalid(_) => "invalid",
        }
    }
    /// The API error code, if this is an API error.
    pub fn api_code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api(e) => Some(e.code),
            _ => None,
        }
    }
}

impl From<std::io::Error> for ClientError {
    fn from(e: std::io::Error) -> ClientError {
        ClientError::Io(e.to_string())
    }
}

/// A shorthand.
pub type Result<T> = std::result::Result<T, ClientError>;

/// A size in words: "256 MiB", "4 KiB", "100 bytes".
pub(crate) fn bytes_in_words(n: usize) -> String {
    if n >= 1 << 20 && n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n % (1 << 10) == 0 {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}
