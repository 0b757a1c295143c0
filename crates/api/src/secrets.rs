//! Secrets: hierarchical read, retrieve, store, delete; versions; encryption keys and rotation.

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer, Serialize};

use crate::lenient;
use crate::resources::{Data, Item};

/// A flat `{KEY: value}` map in order.
pub type FlatMap = IndexMap<String, String>;

/// `Debug` of a map of values: the key names, every value `<redacted>` (issue 10, hole 16: a `{:?}` of
/// a wire type must never show a decrypted value, a ciphertext or a key).
struct RedactedMap<'a>(&'a FlatMap);

impl std::fmt::Debug for RedactedMap<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.0.keys().map(|k| (k, Redacted))).finish()
    }
}

/// Per-level maps, redacted like [`RedactedMap`].
struct RedactedLevels<'a>(&'a IndexMap<String, FlatMap>);

impl std::fmt::Debug for RedactedLevels<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.0.iter().map(|(k, m)| (k, RedactedMap(m)))).finish()
    }
}

/// Shows `<redacted>` in place of a value.
struct Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A node of the hierarchy: a project, a target of it, or an environment of that target.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NodePath {
    /// Project slug.
    pub project: String,
    /// Target slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Environment slug (needs a target).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

impl NodePath {
    /// The project level.
    pub fn project(p: &str) -> NodePath {
        NodePath { project: p.to_owned(), target: None, environment: None }
    }
    /// A target level.
    pub fn target(p: &str, t: &str) -> NodePath {
        NodePath { project: p.to_owned(), target: Some(t.to_owned()), environment: None }
    }
    /// An environment level.
    pub fn environment(p: &str, t: &str, e: &str) -> NodePath {
        NodePath { project: p.to_owned(), target: Some(t.to_owned()), environment: Some(e.to_owned()) }
    }
    /// The deepest level named: `"project"`, `"target"` or `"environment"`.
    pub fn level(&self) -> &'static str {
        if self.environment.is_some() {
            "environment"
        } else if self.target.is_some() {
            "target"
        } else {
            "project"
        }
    }
    /// `project[/target[/environment]]`.
    pub fn display(&self) -> String {
        let mut s = self.project.clone();
        for part in [&self.target, &self.environment].into_iter().flatten() {
            s.push('/');
            s.push_str(part);
        }
        s
    }
}

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
    pub key_proof: Option<String>,
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

/// Body of `POST /{org}/secrets/versions`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListVersionsRequest {
    /// The level.
    #[serde(flatten)]
    pub path: NodePath,
    /// Page.
    #[serde(default = "one")]
    pub page: u32,
    /// Per page.
    #[serde(default = "default_per_page")]
    pub per_page: u32,
}

fn one() -> u32 {
    1
}
fn yes() -> bool {
    true
}
fn default_per_page() -> u32 {
    25
}

/// Who made a version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CreatedBy {
    /// The token's id.
    #[serde(deserialize_with = "lenient::u64_or_digits")]
    pub id: u64,
    /// The token's name.
    pub name: String,
}

/// Fields of a version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VersionAttributes {
    /// `create|update|delete|restore|rotate`.
    pub action: String,
    /// Size of the blob.
    #[serde(default, deserialize_with = "lenient::u64_or_digits")]
    pub size_bytes: u64,
    /// Whether the project is client-managed (`None`: not said; the project's key descriptor says).
    #[serde(default)]
    pub is_client_encrypted: Option<bool>,
    /// Key version of the blob (a string; read from a string or a number). `None`: not said.
    #[serde(default, deserialize_with = "lenient::opt_string_or_int")]
    pub encryption_key_version: Option<String>,
    /// Same, under the SDK's other name.
    #[serde(default, deserialize_with = "lenient::opt_string_or_int")]
    pub key_version: Option<String>,
    /// RFC 3339 (`""` when the server does not say).
    #[serde(default)]
    pub created_at: String,
    /// Who wrote it.
    #[serde(default)]
    pub created_by: Option<CreatedBy>,
    /// Outside the retention period.
    #[serde(default)]
    pub locked: bool,
    /// Why it is locked.
    #[serde(default)]
    pub locked_reason: Option<String>,
    /// [ext] The level's revision this version was written as.
    #[serde(default, deserialize_with = "lenient::opt_u64_or_digits")]
    pub revision: Option<u64>,
}

impl VersionAttributes {
    /// The key version the blob is encrypted under, as said by `key_version` or
    /// `encryption_key_version`; `None` when the answer says neither.
    pub fn blob_key_version(&self) -> Option<&str> {
        self.key_version.as_deref().or(self.encryption_key_version.as_deref()).filter(|v| !v.is_empty())
    }
}

/// A version in a list.
pub type VersionItem = Item<VersionAttributes>;

/// One version with its content and key descriptor (siblings of `attributes`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionDetail {
    /// `"secret-versions"`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Numeric id, as a string (read from a string or a number).
    #[serde(deserialize_with = "lenient::string_or_int")]
    pub id: String,
    /// Fields.
    pub attributes: VersionAttributes,
    /// The blob (empty for the delete snapshot of an empty level).
    #[serde(default)]
    pub content: Option<String>,
    /// The key it is encrypted under.
    #[serde(default)]
    pub key: Option<KeyHistoryItem>,
}

impl std::fmt::Debug for VersionDetail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VersionDetail")
            .field("id", &self.id)
            .field("attributes", &self.attributes)
            .finish_non_exhaustive()
    }
}

/// Body of `POST …/versions/{v}/restore`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RestoreRequest {
    /// Client-managed under an old key: the version re-encrypted under the current key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// With `content`: the current key's proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_proof: Option<String>,
    /// [ext] Stale → 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_revision: Option<u64>,
}

impl std::fmt::Debug for RestoreRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestoreRequest")
            .field("content", &self.content.is_some())
            .field("base_revision", &self.base_revision)
            .finish_non_exhaustive()
    }
}

/// `data` of a restore.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RestoreData {
    /// `"secrets"`.
    #[serde(rename = "type", default, deserialize_with = "lenient::string_or_null")]
    pub kind: String,
    /// The level's id (a string or, in upstream's SDK, a number).
    #[serde(default, deserialize_with = "lenient::string_or_null")]
    pub secret_id: String,
    /// The version restored.
    #[serde(default, deserialize_with = "lenient::string_or_null")]
    pub restored_from: String,
    /// [ext] The level's revision after the restore; `None` when the server does not count revisions.
    #[serde(default, deserialize_with = "lenient::opt_u64_or_digits")]
    pub revision: Option<u64>,
}

/// The answer to a restore (a body that says it failed is refused, as for a store).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RestoreResponseWire")]
pub struct RestoreResponse {
    /// What happened.
    pub data: RestoreData,
    /// A sentence.
    #[serde(default)]
    pub message: String,
}

#[derive(Deserialize)]
struct RestoreResponseWire {
    data: RestoreData,
    #[serde(default, deserialize_with = "lenient::string_or_null")]
    message: String,
    #[serde(flatten)]
    refusal: lenient::Refusal,
}

impl TryFrom<RestoreResponseWire> for RestoreResponse {
    type Error = &'static str;
    fn try_from(w: RestoreResponseWire) -> Result<RestoreResponse, &'static str> {
        w.refusal.check()?;
        Ok(RestoreResponse { data: w.data, message: w.message })
    }
}

/// `scope` of a purge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PurgeScope {
    /// The level named.
    #[default]
    Level,
    /// Every level of the project.
    Project,
}

/// Body of `POST …/versions/purge`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PurgeRequest {
    /// The level (or the project, with `scope: project`).
    #[serde(flatten)]
    pub path: NodePath,
    /// Scope.
    #[serde(default)]
    pub scope: PurgeScope,
    /// Must be true.
    #[serde(default)]
    pub confirmed: bool,
}

/// `data` of a purge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PurgeData {
    /// Versions removed.
    #[serde(deserialize_with = "lenient::u64_or_digits")]
    pub purged_count: u64,
}

/// The answer to a purge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PurgeResponse {
    /// What was removed.
    pub data: PurgeData,
    /// A sentence.
    #[serde(default)]
    pub message: String,
}

/// The key descriptor (the JSON inside `content` of `GET encryption-key`).
///
/// Read tolerantly (`docs/decisions.md`): `version` a number or a string of digits; `managed` absent
/// (upstream's SDK fixture) is decided from what the descriptor carries — a `key` means `server`,
/// no key but a `key_check_salt` means `client`, neither is refused (nothing to decrypt with). A key
/// is never taken from anywhere else.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "KeyDescriptorWire")]
pub struct KeyDescriptor {
    /// `"server"` or `"client"`.
    pub managed: String,
    /// Server-managed only: the raw key. A secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Key version (a number here).
    pub version: u64,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Base64 salt; absent means the legacy padKey derivation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_check_salt: Option<String>,
    /// PBKDF2 iterations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_check_iterations: Option<i64>,
}

impl std::fmt::Debug for KeyDescriptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyDescriptor")
            .field("managed", &self.managed)
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// A key descriptor as read (see [`KeyDescriptor`]).
#[derive(Deserialize)]
struct KeyDescriptorWire {
    #[serde(default)]
    managed: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(deserialize_with = "lenient::u64_or_digits")]
    version: u64,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    key_check_salt: Option<String>,
    #[serde(default)]
    key_check_iterations: Option<i64>,
}

impl TryFrom<KeyDescriptorWire> for KeyDescriptor {
    type Error = &'static str;

    fn try_from(w: KeyDescriptorWire) -> Result<KeyDescriptor, &'static str> {
        let managed = match (w.managed, &w.key, &w.key_check_salt) {
            (Some(m), _, _) => m,
            (None, Some(_), _) => "server".to_owned(),
            (None, None, Some(_)) => "client".to_owned(),
            (None, None, None) => return Err("a key descriptor needs `managed`, a key or a key check salt"),
        };
        Ok(KeyDescriptor {
            managed,
            key: w.key,
            version: w.version,
            created_at: w.created_at,
            key_check_salt: w.key_check_salt,
            key_check_iterations: w.key_check_iterations,
        })
    }
}

impl KeyDescriptor {
    /// Whether the project is client-managed.
    pub fn is_client(&self) -> bool {
        self.managed == "client"
    }
}

/// `{"key": descriptor}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyEnvelope {
    /// The descriptor.
    pub key: KeyDescriptor,
}

/// Attributes of an encryption-key answer.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct EncryptionKeyAttributes {
    /// `"json"`.
    #[serde(default)]
    pub format: String,
    /// `false`.
    #[serde(default)]
    pub encrypted: bool,
    /// The JSON text of a [`KeyEnvelope`].
    pub content: String,
}

impl std::fmt::Debug for EncryptionKeyAttributes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EncryptionKeyAttributes { <redacted> }")
    }
}

/// `GET …/encryption-key`.
pub type EncryptionKeyResponse = Data<Item<EncryptionKeyAttributes>>;

/// Reads the descriptor out of an encryption-key answer.
pub fn descriptor_of(resp: &EncryptionKeyResponse) -> Result<KeyDescriptor, serde_json::Error> {
    serde_json::from_str::<KeyEnvelope>(&resp.data.attributes.content).map(|e| e.key)
}

/// A key in the history (never key material).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyHistoryItem {
    /// Version (a string here; read from a string or a number).
    #[serde(deserialize_with = "lenient::string_or_int")]
    pub version: String,
    /// `"server"` or `"client"`.
    pub managed: String,
    /// The proof — only for tokens that also hold `key:rotate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_check: Option<String>,
    /// Base64 salt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_check_salt: Option<String>,
    /// Iterations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_check_iterations: Option<i64>,
    /// Whether it is the current key (`None`: not said; in a history list the first item is the
    /// active one, see [`active_key`]).
    #[serde(default)]
    pub is_active: Option<bool>,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: Option<String>,
    /// RFC 3339, when replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotated_at: Option<String>,
}

impl std::fmt::Debug for KeyHistoryItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyHistoryItem")
            .field("version", &self.version)
            .field("managed", &self.managed)
            .field("is_active", &self.is_active)
            .finish_non_exhaustive()
    }
}

/// The active key of a history list: the item that says `is_active: true`; when no item says
/// `is_active` at all, the item of `current_version` (the key descriptor's), else the highest version
/// (upstream documents "active key first, then by descending version", but a list in another order
/// must not make the right key look wrong).
pub fn active_key(history: &[KeyHistoryItem], current_version: Option<u64>) -> Option<&KeyHistoryItem> {
    if let Some(h) = history.iter().find(|h| h.is_active == Some(true)) {
        return Some(h);
    }
    if history.iter().any(|h| h.is_active.is_some()) {
        return None;
    }
    let version = |h: &&KeyHistoryItem| lenient::parse_digits(&h.version);
    match current_version {
        Some(v) => history.iter().find(|h| version(h) == Some(v)),
        None => history.iter().max_by_key(|h| version(h)),
    }
}

/// `history_policy` of a rotation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryPolicy {
    /// Old versions stay under the old key.
    #[default]
    Keep,
    /// Old versions move to the new key.
    ReEncrypt,
}

/// Body of `POST …/encryption-key/rotate`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RotateRequest {
    /// What happens to history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_policy: Option<HistoryPolicy>,
}

/// Attributes of the new key in a rotation answer. Every field but the counts is information only;
/// absent reads as `None` (`managed` as `server`: this endpoint rotates only server-managed keys).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RotatedKeyAttributes {
    /// Numeric row id.
    #[serde(default, deserialize_with = "lenient::opt_u64_or_digits")]
    pub id: Option<u64>,
    /// Version (a string here; read from a string or a number).
    #[serde(default, deserialize_with = "lenient::opt_string_or_int")]
    pub version: Option<String>,
    /// `"server"`.
    #[serde(default = "server_managed")]
    pub managed: String,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Base64 salt.
    #[serde(default)]
    pub key_check_salt: Option<String>,
    /// Iterations.
    #[serde(default)]
    pub key_check_iterations: Option<i64>,
    /// [ext] Current blobs re-encrypted (`None`: not reported, which is not "none").
    #[serde(default, deserialize_with = "lenient::opt_u64_or_digits")]
    pub re_encrypted: Option<u64>,
}

fn server_managed() -> String {
    "server".to_owned()
}

/// `data.key` of a rotation answer: a `{type, id, attributes}` item (ours, the SDK's), or read from
/// a bare key descriptor (upstream's documentation) as an item without type or id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RotatedKey {
    /// `{id, attributes}`.
    #[serde(deserialize_with = "rotated_key_item")]
    pub key: Item<RotatedKeyAttributes>,
}

fn rotated_key_item<'de, D: Deserializer<'de>>(d: D) -> Result<Item<RotatedKeyAttributes>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Wire {
        Item(Item<RotatedKeyAttributes>),
        Bare(RotatedKeyAttributes),
    }
    Ok(match Wire::deserialize(d)? {
        Wire::Item(i) => i,
        Wire::Bare(a) => Item {
            kind: "encryption-keys".to_owned(),
            id: a.id.map(|i| i.to_string()).unwrap_or_default(),
            attributes: a,
        },
    })
}

/// The answer to a server-managed rotation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RotateResponse {
    /// A sentence.
    #[serde(default)]
    pub message: String,
    /// The new key.
    pub data: RotatedKey,
}

/// A blob re-encrypted by the client.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ReEncryptedSecret {
    /// The level's id (from the hierarchical read).
    pub id: String,
    /// The new blob.
    pub content: String,
    /// [ext] The level's `revision` when the client read the blob it re-encrypted. When given and the
    /// level has been written since, the whole rotation is refused with 409 `revision_conflict` (its
    /// `details` name the blob), so a concurrent save is never overwritten; re-read that level,
    /// re-encrypt it, and send the rotation again. Absent (upstream's clients): not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<u64>,
}

impl std::fmt::Debug for ReEncryptedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReEncryptedSecret({}, revision {:?})", self.id, self.revision)
    }
}

/// Body of `POST …/secrets/rotate-client-keys`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct RotateClientKeysRequest {
    /// Every current blob of the project, re-encrypted.
    pub secrets: Vec<ReEncryptedSecret>,
    /// The new key's proof.
    pub key_check: String,
    /// The new proof's salt.
    pub key_check_salt: String,
    /// The new proof's iterations.
    pub key_check_iterations: i64,
    /// SDK only; accepted and ignored (history stays under old keys until re-encrypted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_policy: Option<HistoryPolicy>,
    /// [ext] Proof of the *current* key; checked when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_proof: Option<String>,
}

impl std::fmt::Debug for RotateClientKeysRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotateClientKeysRequest").field("secrets", &self.secrets.len()).finish_non_exhaustive()
    }
}

/// `data` of a client-key rotation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CountData {
    /// Blobs replaced.
    #[serde(deserialize_with = "lenient::u64_or_digits")]
    pub count: u64,
    /// [ext] The new key version.
    #[serde(default, deserialize_with = "lenient::opt_u64_or_digits")]
    pub key_version: Option<u64>,
}

/// The answer to a client-key rotation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RotateClientKeysResponse {
    /// `true`. Absent (upstream's SDK fixture) means success, as the status is 2xx; an explicit `false`
    /// on a 2xx is a contradiction the client refuses.
    #[serde(default = "yes")]
    pub success: bool,
    /// A sentence.
    #[serde(default)]
    pub message: String,
    /// How many.
    pub data: CountData,
}

/// A version still under an old key.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingVersion {
    /// The version id (an integer here; read from an integer or a string of digits).
    #[serde(deserialize_with = "lenient::u64_or_digits")]
    pub id: u64,
    /// Its blob.
    pub content: String,
    /// Its key version (a string; read from a string or a number).
    #[serde(deserialize_with = "lenient::string_or_int")]
    pub key_version: String,
}

impl std::fmt::Debug for PendingVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PendingVersion({}, key {})", self.id, self.key_version)
    }
}

/// `meta` of the pending list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemainingMeta {
    /// Versions still pending after this batch.
    pub remaining: u64,
}

/// The answer of `re-encrypt-history/pending`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingResponse {
    /// A batch.
    pub data: Vec<PendingVersion>,
    /// What is left.
    pub meta: RemainingMeta,
}

/// A version re-encrypted by the client.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ReEncryptedVersion {
    /// The version id.
    pub id: u64,
    /// The new blob.
    pub content: String,
}

impl std::fmt::Debug for ReEncryptedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReEncryptedVersion({})", self.id)
    }
}

/// Body of `re-encrypt-history`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ReEncryptRequest {
    /// The batch.
    pub versions: Vec<ReEncryptedVersion>,
    /// Proof of the current key.
    pub key_proof: String,
}

impl std::fmt::Debug for ReEncryptRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReEncryptRequest").field("versions", &self.versions).field("key_proof", &Redacted).finish()
    }
}

/// `data` of a re-encrypt submit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReEncryptData {
    /// Versions updated.
    pub updated: u64,
    /// Versions still pending.
    pub remaining: u64,
}

/// The answer to a re-encrypt submit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReEncryptResponse {
    /// Counts.
    pub data: ReEncryptData,
}
