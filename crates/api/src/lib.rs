//! The wire of the dotEnv Cloud API as envdesk speaks it (`docs/api.md`): every request and response
//! type (serde), the error codes with their HTTP statuses, the abilities, and the [`Backend`] trait.
//! No I/O. The server, the client and the tests all use these types; nothing declares the wire twice.
//!
//! Types that hold secrets (blobs, keys, proofs) print `<redacted>` or sizes in their `Debug`.
//!
//! Tolerant reader, strict writer: what is *serialized* is exactly `docs/api.md` (our server's answers);
//! what is *deserialized* also accepts every shape dotEnv Cloud documents (issue 11): optional fields
//! with a stated meaning when absent, ids as strings or numbers ([`lenient`]), both envelopes where
//! upstream shows two. The rules are in `docs/decisions.md`, "Reading upstream's answers".
#![forbid(unsafe_code)]
// Wire enums mirror JSON shapes; boxing their variants would only add noise.
#![allow(clippy::large_enum_variant)]

// The wire, by resource. Every type is re-exported at the crate root (`envdesk_api::KeyDescriptor`).
pub mod abilities;
pub mod backend;
pub mod error;
/// Encryption keys: descriptor, history, rotation (server- and client-managed), re-encryption.
pub mod keys;
pub mod lenient;
/// [`NodePath`], the address of a project, target or environment.
pub mod nodes;
/// Organizations, projects, targets and environments; the `Data`/`Item`/`Page` envelopes.
pub mod resources;
/// What wire types do with secrets: [`SecretString`], `Debug` redaction.
pub mod secret;
/// Secrets of a level: hierarchical read, retrieve, store, delete.
pub mod secrets;
/// Versions of a level: list, read, restore, purge.
pub mod versions;

pub use abilities::{ability, Abilities};
pub use backend::Backend;
pub use error::{ApiError, ApiResult, ErrorCode};
pub use keys::*;
pub use nodes::*;
pub use resources::*;
pub use secret::SecretString;
pub use secrets::*;
pub use versions::*;

/// The API's path prefix.
pub const API_PREFIX: &str = "/api/v1";
