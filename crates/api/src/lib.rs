//! The wire of the dotEnv Cloud API as envdesk speaks it (`docs/api.md`): every request and response
//! type (serde), the error codes with their HTTP statuses, the abilities, and the [`Backend`] trait.
//! No I/O. The server, the client and the tests all use these types; nothing declares the wire twice.
//!
//! Types that hold secrets (blobs, keys, proofs) print `<redacted>` or sizes in their `Debug`; keys and
//! proofs are [`SecretString`]s, zeroized when dropped.
//!
//! Tolerant reader, strict writer: what is *serialized* is exactly `docs/api.md` (our server's answers);
//! what is *deserialized* also accepts every shape dotEnv Cloud documents (issue 11): optional fields
//! with a stated meaning when absent, ids as strings or numbers ([`lenient`]), both envelopes where
//! upstream shows two. The rules are in `docs/decisions.md`, "Reading upstream's answers".
#![forbid(unsafe_code)]
// Wire enums mirror JSON shapes; boxing their variants would only add noise.
#![allow(clippy::large_enum_variant)]

// The wire, by resource; every type is re-exported at the crate root (`envdesk_api::KeyDescriptor`):
// resources (organizations, projects, targets, environments; the Data/Item/Page envelopes), nodes
// (NodePath), secrets (read, retrieve, store, delete of a level), versions (list, read, restore,
// purge), keys (descriptor, history, rotations, re-encryption), secret (SecretString, Debug
// redaction), lenient (tolerant-reader helpers), error, abilities, backend (the Backend trait).
pub mod abilities;
pub mod audit;
pub mod backend;
pub mod error;
pub mod keys;
pub mod lenient;
pub mod nodes;
pub mod resources;
pub mod secret;
pub mod secrets;
pub mod versions;

pub use abilities::{ability, Abilities};
pub use audit::*;
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
