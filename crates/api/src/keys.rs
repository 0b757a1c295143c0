//! Encryption keys: the key descriptor, the key history, server-managed rotation, client-managed
//! rotation and the re-encryption of history.

use serde::{Deserialize, Deserializer, Serialize};

use crate::lenient;
use crate::resources::{Data, Item, StorageMode};
use crate::secret::{Redacted, SecretString};

/// The key descriptor (the JSON inside `content` of `GET encryption-key`).
///
/// Read tolerantly (`docs/decisions.md`): `version` a number or a string of digits; `managed` absent
/// (upstream's SDK fixture) is decided from what the descriptor carries — a `key` means `server`,
/// no key but a `key_check_salt` means `client`, neither is refused (nothing to decrypt with). A key
/// is never taken from anywhere else. A `managed` given reads as in [`KeyHistoryItem`].
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "KeyDescriptorWire")]
pub struct KeyDescriptor {
    /// Who holds the key: `"server"` or `"client"`.
    pub managed: StorageMode,
    /// Server-managed only: the raw key. A secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<SecretString>,
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
    key: Option<SecretString>,
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
            (Some(m), _, _) => managed_of(&m),
            (None, Some(_), _) => StorageMode::Server,
            (None, None, Some(_)) => StorageMode::Client,
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
        self.managed == StorageMode::Client
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
    /// The JSON text of a [`KeyEnvelope`] (which holds a server-managed project's raw key).
    pub content: SecretString,
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
    serde_json::from_str::<KeyEnvelope>(resp.data.attributes.content.expose()).map(|e| e.key)
}

/// A key in the history (never key material).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyHistoryItem {
    /// Version (a string here; read from a string or a number).
    #[serde(deserialize_with = "lenient::string_or_int")]
    pub version: String,
    /// Who holds the key: `"server"` or `"client"`. Read as a string: `"client"` is client-managed,
    /// any other string server-managed (what every reader did while this field was a `String`).
    #[serde(deserialize_with = "managed")]
    pub managed: StorageMode,
    /// The proof — only for tokens that also hold `key:rotate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_check: Option<SecretString>,
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
    /// `"server"` (read as in [`KeyHistoryItem`]).
    #[serde(default = "server_managed", deserialize_with = "managed")]
    pub managed: StorageMode,
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

fn server_managed() -> StorageMode {
    StorageMode::Server
}

/// `managed` as read: `"client"` is client-managed, any other string server-managed.
fn managed_of(s: &str) -> StorageMode {
    if s == "client" {
        StorageMode::Client
    } else {
        StorageMode::Server
    }
}

/// A `managed` field: a string (not `null`), read by [`managed_of`].
fn managed<'de, D: Deserializer<'de>>(d: D) -> Result<StorageMode, D::Error> {
    Ok(managed_of(&String::deserialize(d)?))
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
    pub key_check: SecretString,
    /// The new proof's salt.
    pub key_check_salt: String,
    /// The new proof's iterations.
    pub key_check_iterations: i64,
    /// SDK only; accepted and ignored (history stays under old keys until re-encrypted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_policy: Option<HistoryPolicy>,
    /// [ext] Proof of the *current* key; checked when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_proof: Option<SecretString>,
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
    pub key_proof: SecretString,
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

fn yes() -> bool {
    true
}
