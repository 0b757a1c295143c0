//! envdesk's pure core.
//!
//! Everything the rest of envdesk does with `.env` text and with secrets, and nothing that touches the
//! outside world: no I/O, no async, no network, no database. The modules:
//!
//! - [`dotenv`] — a lossless document model of the `.env` dialect of `docs/dotenv.md` (compose-go's),
//!   with a linter for constructs other parsers read differently, and JSON import;
//! - [`merge`] — levels (project, target, environment) merged with provenance;
//! - [`matrix`] — the key matrix of a project: where each key stands at every level, without values;
//! - [`diff`] — key-wise diff and a three-way merge that reports only true conflicts;
//! - [`crypto`] — the dotEnv Cloud crypto contract, byte for byte (blobs, data keys, key proofs);
//! - [`template`] — `${VAR}` resolution with errors reported per key;
//! - [`export`] — `env`, `json`, `yaml`, `shell` and `dockerfile` output, each re-read and checked;
//! - [`search`] — the in-memory index of levels behind "search everywhere" (names, comments, values).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod crypto;
pub mod diff;
pub mod dotenv;
pub mod export;
pub mod key_history;
pub mod matrix;
pub mod merge;
pub mod schema;
pub mod search;
pub mod template;

/// An ordered set of variables: order of first appearance, one value per key.
pub type Vars = indexmap::IndexMap<String, String>;
