//! Secrets: the hierarchical read, retrieve, store and delete of a level.

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer, Serialize};

use crate::keys::EncryptionKeyResponse;
use crate::lenient;
use crate::nodes::NodePath;
use crate::resources::Data;
use crate::secret::{RedactedLevels, RedactedMap, SecretString};

/// A flat `{KEY: value}` map in order.
pub type FlatMap = IndexMap<String, String>;

/// `merge`: `false`, `true` or `both`, given as a string or a boolean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeMode {
    /// Levels separate.
    #[default]
    False,
    /// Merged flat map only.
    True,
    /// Both.
    Both,
}

impl MergeMode {
    /// Parses `false|true|both` (any case), `0|1`.
    pub fn parse(s: &str) -> Option<MergeMode> {
        match s.to_ascii_lowercase().as_str() {
            "false" | "0" | "" => Some(MergeMode::False),
            "true" | "1" => Some(MergeMode::True),
            "both" => Some(MergeMode::Both),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for MergeMode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<MergeMode, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            B(bool),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::B(b) => Ok(if b { MergeMode::True } else { MergeMode::False }),
            Raw::S(s) => {
                MergeMode::parse(&s).ok_or_else(|| serde::de::Error::custom("merge must be false, true or both"))
            }
        }
    }
}

/// Query of the hierarchical GET.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretsQuery {
    /// Decrypt server-side (server-managed; needs `secret:decrypt`).
    #[serde(default)]
    pub decrypt: bool,
    /// Merge mode.
    #[serde(default)]
    pub merge: MergeMode,
    /// Bare `{KEY: value}` body (with decrypt and merge=true).
    #[serde(default)]
    pub raw: bool,
}

/// One level of a hierarchical read: one blob, or (upstream's documented alternative) a map of
/// `KEY → ciphertext`, which clients must also accept.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Level {
    /// Whether `content` is ciphertext.
    pub encrypted: bool,
    /// The blob (or the plaintext when decrypted server-side); `null` when the level is empty.
    #[serde(default)]
    pub content: Option<String>,
    /// The node's slug.
    #[serde(default)]
    pub source: String,
    /// [ext] The level's id (a ULID), for client-key rotation; `null` before the first write (and
    /// always absent from upstream's answers).
    #[serde(default, deserialize_with = "lenient::opt_string_or_int")]
    pub id: Option<String>,
    /// [ext] Writes so far to this level (0 = never written). `None`: the server does not count
    /// revisions (upstream), so a save cannot be checked by revision — see `Vault::save_level`.
    #[serde(default, deserialize_with = "lenient::opt_u64_or_digits")]
    pub revision: Option<u64>,
    /// [ext] RFC 3339 of the last write.
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl std::fmt::Debug for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Level")
            .field("encrypted", &self.encrypted)
            .field("source", &self.source)
            .field("revision", &self.revision)
            .field("content", &self.content.as_ref().map(|c| format!("<{} bytes>", c.len())))
            .finish()
    }
}

/// A level as read from any server: our blob shape, or a map of `KEY → ciphertext`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LevelValue {
    /// `{encrypted, content, source, …}`.
    Blob(Level),
    /// `{KEY: ciphertext}` (each value encrypted on its own).
    KeyMap(FlatMap),
}

impl std::fmt::Debug for LevelValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LevelValue::Blob(l) => f.debug_tuple("Blob").field(l).finish(),
            LevelValue::KeyMap(m) => f.debug_tuple("KeyMap").field(&RedactedMap(m)).finish(),
        }
    }
}

/// `data.attributes` of a hierarchical read.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretsAttributes {
    /// Whether the contents are ciphertext.
    pub encrypted: bool,
    /// `"hierarchical"`.
    #[serde(default)]
    pub format: String,
    /// The levels, shallowest first (absent with `merge=true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<IndexMap<String, LevelValue>>,
    /// The merged map (with `merge=true|both`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<FlatMap>,
}

impl std::fmt::Debug for SecretsAttributes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretsAttributes")
            .field("encrypted", &self.encrypted)
            .field("format", &self.format)
            .field("levels", &self.levels)
            .field("merged", &self.merged.as_ref().map(RedactedMap))
            .finish()
    }
}

/// `data` of a hierarchical read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SecretsData {
    /// `"secrets"`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The attributes.
    pub attributes: SecretsAttributes,
}

/// `meta.hierarchy`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hierarchy {
    /// Project slug.
    pub project: String,
    /// Target slug.
    pub target: Option<String>,
    /// Environment slug.
    pub environment: Option<String>,
}

/// `meta` of a hierarchical read. The client never needs it (it knows the path it asked for), so
/// an answer without it, or without `hierarchy` (both upstream), reads as the empty default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SecretsMeta {
    /// The request path.
    #[serde(default)]
    pub api_path: String,
    /// `"hierarchical"`.
    #[serde(default)]
    pub format: String,
    /// The slugs of the path.
    #[serde(default)]
    pub hierarchy: Hierarchy,
    /// RFC 3339.
    #[serde(default)]
    pub timestamp: String,
}

/// A hierarchical read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SecretsResponse {
    /// The data.
    pub data: SecretsData,
    /// The meta (upstream's documentation shows none).
    #[serde(default)]
    pub meta: SecretsMeta,
}

/// What a read answers: the structured response, or (with `raw`) the bare map.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SecretsRead {
    /// `{"data":…,"meta":…}`.
    Structured(SecretsResponse),
    /// `{KEY: value}`.
    Raw(FlatMap),
}

impl std::fmt::Debug for SecretsRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretsRead::Structured(r) => f.debug_tuple("Structured").field(r).finish(),
            SecretsRead::Raw(m) => f.debug_tuple("Raw").field(&RedactedMap(m)).finish(),
        }
    }
}

/// `action` of retrieve.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RetrieveAction {
    /// As the hierarchical GET (`secret:read`).
    #[default]
    #[serde(rename = "read")]
    Read,
    /// Decrypted maps (`secret:decrypt`, server-managed).
    #[serde(rename = "decrypt")]
    Decrypt,
    /// The key descriptor (`key:retrieve`).
    #[serde(rename = "key:retrieve")]
    KeyRetrieve,
}

/// `filters` of retrieve.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filters {
    /// Exact key names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// Tags from a `# @tags: a, b` comment line directly above a key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Case-insensitive substring of key names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
}

impl Filters {
    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.tags.is_empty() && self.search.as_deref().is_none_or(str::is_empty)
    }
}

/// Body of `POST /{org}/secrets/retrieve`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RetrieveRequest {
    /// The node.
    #[serde(flatten)]
    pub path: NodePath,
    /// The action.
    #[serde(default)]
    pub action: RetrieveAction,
    /// Filters (not with `read`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Filters>,
    /// Merge mode.
    #[serde(default)]
    pub merge: MergeMode,
    /// Bare map.
    #[serde(default)]
    pub raw: bool,
}

/// `data` of a `decrypt` retrieve.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct DecryptedData {
    /// `"secrets"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The merged, filtered map (what the SDK reads).
    pub secrets: FlatMap,
    /// Per-level maps (merge `false|both`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<IndexMap<String, FlatMap>>,
}

impl std::fmt::Debug for DecryptedData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptedData")
            .field("kind", &self.kind)
            .field("secrets", &RedactedMap(&self.secrets))
            .field("levels", &self.levels.as_ref().map(RedactedLevels))
            .finish()
    }
}

/// What retrieve answers.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RetrieveResponse {
    /// `decrypt`: `{"data":{"type","secrets","levels"?}}`.
    Decrypted(Data<DecryptedData>),
    /// `key:retrieve`: the descriptor (tried before `Read`, whose `meta` is optional: a key answer
    /// would otherwise read as a secrets read without levels).
    Key(EncryptionKeyResponse),
    /// `read`: as the hierarchical GET.
    Read(SecretsResponse),
    /// `raw`: the bare map.
    Raw(FlatMap),
}

impl std::fmt::Debug for RetrieveResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RetrieveResponse::Decrypted(d) => f.debug_tuple("Decrypted").field(d).finish(),
            RetrieveResponse::Read(r) => f.debug_tuple("Read").field(r).finish(),
            RetrieveResponse::Key(k) => f.debug_tuple("Key").field(k).finish(),
            RetrieveResponse::Raw(m) => f.debug_tuple("Raw").field(&RedactedMap(m)).finish(),
        }
    }
}

/// Body of `POST /{org}/secrets/store`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreRequest {
    /// The level written (the deepest named).
    #[serde(flatten)]
    pub path: NodePath,
    /// The blob.
    pub content: String,
    /// Client-managed: the key proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_proof: Option<SecretString>,
    /// Skip the version record.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_backup: bool,
    /// [ext] The revision the client read; stale → 409 `revision_conflict`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_revision: Option<u64>,
}

impl std::fmt::Debug for StoreRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreRequest")
            .field("path", &self.path)
            .field("base_revision", &self.base_revision)
            .finish_non_exhaustive()
    }
}

/// `data` of a store. A 2xx means the blob was stored; every field is extra information, so each
/// reads as empty when absent (upstream sends no `id` or `revision`, sometimes no `source`, and one
/// SDK test answers `{}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StoreData {
    /// `"secrets"`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string_or_null")]
    pub kind: String,
    /// `project|target|environment`.
    #[serde(default, deserialize_with = "lenient::string_or_null")]
    pub level: String,
    /// The node's slug.
    #[serde(default, deserialize_with = "lenient::string_or_null")]
    pub source: String,
    /// Size of the blob (0 when not said; envdesk does not use it).
    #[serde(default, deserialize_with = "lenient::u64_or_null")]
    pub bytes: u64,
    /// [ext] The level's id.
    #[serde(default, deserialize_with = "lenient::opt_string_or_int")]
    pub id: Option<String>,
    /// [ext] The level's revision after this write; `None` when the server does not count revisions.
    #[serde(default, deserialize_with = "lenient::opt_u64_or_digits")]
    pub revision: Option<u64>,
}

/// The answer to a store. A body with a top-level `error` or `success: false` is refused even on a 2xx
/// ([`lenient::Refusal`]): the blob may not have been stored, and the client keeps the user's text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "StoreResponseWire")]
pub struct StoreResponse {
    /// What was stored.
    #[serde(default)]
    pub data: StoreData,
    /// "Secrets stored successfully."
    #[serde(default)]
    pub message: String,
}

#[derive(Deserialize)]
struct StoreResponseWire {
    #[serde(default)]
    data: Option<StoreData>,
    #[serde(default, deserialize_with = "lenient::string_or_null")]
    message: String,
    #[serde(flatten)]
    refusal: lenient::Refusal,
}

impl TryFrom<StoreResponseWire> for StoreResponse {
    type Error = &'static str;
    fn try_from(w: StoreResponseWire) -> Result<StoreResponse, &'static str> {
        w.refusal.check()?;
        Ok(StoreResponse { data: w.data.unwrap_or_default(), message: w.message })
    }
}

/// Body of `POST /{org}/secrets/delete`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeleteRequest {
    /// The level.
    #[serde(flatten)]
    pub path: NodePath,
    /// Purge the level's history too (needs `secret:purge` and `confirmed`).
    #[serde(default)]
    pub no_backup: bool,
    /// Confirmation of a purge.
    #[serde(default)]
    pub confirmed: bool,
    /// [ext] Stale → 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_revision: Option<u64>,
}
