//! envdesk's client: everything the app does, headless.
//!
//! - [`http::HttpBackend`] — the API over HTTP (our server, dotEnv Cloud);
//! - [`local::open_local`] — the local vault: the server's service in-process on a SQLite file;
//! - [`vault::Vault`] — the service the app runs on, over any [`envdesk_api::Backend`]: the tree, keys,
//!   reading and saving levels with conflicts, drafts, history, import/export, rotation.
#![forbid(unsafe_code)]

pub mod error;
pub mod http;
#[cfg(feature = "keychain")]
pub mod keychain;
pub mod keystore;
pub mod local;
pub mod vault;

pub use error::{ClientError, Result};
pub use keystore::{KeyStore, MemoryKeyStore};
pub use vault::{Vault, VaultOptions};
