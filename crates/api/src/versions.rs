//! Versions of a level: list, read one, restore, purge.

use serde::{Deserialize, Serialize};

use crate::keys::KeyHistoryItem;
use crate::lenient;
use crate::nodes::NodePath;
use crate::resources::Item;
use crate::secret::SecretString;

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
    pub key_proof: Option<SecretString>,
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
