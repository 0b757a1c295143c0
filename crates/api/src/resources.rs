//! Envelopes, organization, projects, targets, environments, tokens.

use serde::{Deserialize, Deserializer, Serialize};

use crate::lenient;
use crate::secret::SecretString;

/// `{"data": …}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Data<T> {
    /// The resource.
    pub data: T,
}

/// A JSON:API-like item `{type, id, attributes}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Item<A> {
    /// `"projects"`, `"targets"`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The id (a ULID for resources, a numeric string for versions). Read from a string or an integer.
    #[serde(deserialize_with = "lenient::string_or_int")]
    pub id: String,
    /// The fields.
    pub attributes: A,
}

/// Pagination of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PageMeta {
    /// The page shown (from 1).
    pub current_page: u32,
    /// Items per page.
    pub per_page: u32,
    /// Items in all.
    pub total: u64,
    /// The last page (at least 1).
    pub last_page: u32,
}

impl PageMeta {
    /// Meta for `total` items seen `per_page` at a time.
    pub fn new(page: u32, per_page: u32, total: u64) -> PageMeta {
        let last = total.div_ceil(u64::from(per_page.max(1))).max(1);
        PageMeta { current_page: page, per_page, total, last_page: u32::try_from(last).unwrap_or(u32::MAX) }
    }
}

/// `{"data":[…],"meta":{…}}`.
///
/// Read tolerantly: upstream also answers a collection as `{"data":[…]}` alone. Without `meta` the
/// answer is the whole collection — one page of `data.len()` items, so a listing never asks for a
/// page 2 (`docs/decisions.md`, "Reading upstream's answers").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Page<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Pagination.
    pub meta: PageMeta,
    /// Whether the answer carried `meta` (read only, never written). Without it, `meta` above is one
    /// page of everything received, and a listing decides whether more may follow
    /// (`envdesk_client`'s `all_pages`).
    #[serde(skip)]
    pub paged: bool,
}

impl<T> Page<T> {
    /// A page with its pagination.
    pub fn new(data: Vec<T>, meta: PageMeta) -> Page<T> {
        Page { data, meta, paged: true }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Page<T>, D::Error> {
        #[derive(Deserialize)]
        #[serde(bound = "T: Deserialize<'de>")]
        struct Wire<T> {
            data: Vec<T>,
            #[serde(default)]
            meta: Option<PageMeta>,
        }
        let w = Wire::<T>::deserialize(d)?;
        let paged = w.meta.is_some();
        let meta = w.meta.unwrap_or_else(|| {
            let n = w.data.len() as u64;
            PageMeta::new(1, u32::try_from(n).unwrap_or(u32::MAX).max(1), n)
        });
        Ok(Page { data: w.data, meta, paged })
    }
}

/// Which page to list: `page` ≥ 1, `per_page` 1–100 (default 25).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// Page, from 1.
    #[serde(default = "one")]
    pub page: u32,
    /// Items per page.
    #[serde(default = "default_per_page")]
    pub per_page: u32,
}

fn one() -> u32 {
    1
}
fn default_per_page() -> u32 {
    25
}

impl Default for PageRequest {
    fn default() -> PageRequest {
        PageRequest { page: 1, per_page: 25 }
    }
}

impl PageRequest {
    /// Page 1 with `per_page` items.
    pub fn first(per_page: u32) -> PageRequest {
        PageRequest { page: 1, per_page }
    }
}

/// The token's organization (a flat object, as upstream's documentation answers it).
///
/// Read tolerantly: the official SDK's organization is a `{type, id, attributes}` item, whose `id` is
/// not the ULID (`"org-123"`); its `attributes.ulid` is. `status` absent reads as `""`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "OrganizationWire")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Organization {
    /// ULID, upper-case.
    pub id: String,
    /// Same as `id` (the SDK reads both).
    #[serde(default)]
    pub ulid: String,
    /// Display name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// `active`.
    pub status: String,
    /// RFC 3339.
    #[serde(default)]
    pub created_at: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// Both forms of an organization on the wire (see [`Organization`]).
#[derive(Deserialize)]
struct OrganizationWire {
    #[serde(default, deserialize_with = "lenient::opt_string_or_int")]
    id: Option<String>,
    #[serde(default)]
    ulid: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    attributes: Option<Box<OrganizationWire>>,
}

impl TryFrom<OrganizationWire> for Organization {
    type Error = &'static str;

    fn try_from(w: OrganizationWire) -> Result<Organization, &'static str> {
        let item_id = w.id;
        let (fields, id) = match w.attributes {
            // An item: the fields are its attributes; the ULID is `attributes.ulid`, else the item id.
            Some(a) => {
                let id = a.ulid.clone().filter(|u| !u.is_empty()).or(item_id);
                (*a, id)
            }
            None => {
                let id = item_id.or_else(|| w.ulid.clone());
                (OrganizationWire { attributes: None, id: None, ..w }, id)
            }
        };
        let id = id.filter(|i| !i.is_empty()).ok_or("an organization needs an id")?;
        Ok(Organization {
            ulid: fields.ulid.filter(|u| !u.is_empty()).unwrap_or_else(|| id.clone()),
            id,
            name: fields.name.ok_or("an organization needs a name")?,
            slug: fields.slug.ok_or("an organization needs a slug")?,
            status: fields.status.unwrap_or_default(),
            created_at: fields.created_at,
            updated_at: fields.updated_at,
        })
    }
}

/// Who holds a project's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageMode {
    /// The server holds the key (wrapped under its master key) and can decrypt.
    Server,
    /// Only the client holds the key; the server stores ciphertext and a key proof.
    Client,
}

impl StorageMode {
    /// `"server"` or `"client"`.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageMode::Server => "server",
            StorageMode::Client => "client",
        }
    }
}

/// Project fields. Read tolerantly: absent `ulid` → `""` (use [`Item::ulid`]), absent
/// `encryption_type` → `None` (unknown: learnt from the key descriptor, never assumed), absent
/// timestamps → `""`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectAttributes {
    /// ULID.
    #[serde(default)]
    pub ulid: String,
    /// Display name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// `env`.
    #[serde(default)]
    pub secret_format: String,
    /// Who holds the key; `None` when the server does not say.
    #[serde(default)]
    pub encryption_type: Option<StorageMode>,
    /// Whether any level of the project holds content (`None`: not said — treated as "maybe", so
    /// deleting it asks for the typed confirmation).
    #[serde(default)]
    pub has_secrets: Option<bool>,
    /// Number of targets (`None`: not said).
    #[serde(default, deserialize_with = "lenient::opt_u64_or_digits")]
    pub target_count: Option<u64>,
    /// Number of environments (`None`: not said).
    #[serde(default, deserialize_with = "lenient::opt_u64_or_digits")]
    pub environment_count: Option<u64>,
    /// RFC 3339 (`""` when the server does not say).
    #[serde(default)]
    pub created_at: String,
    /// RFC 3339 (`""` when the server does not say).
    #[serde(default)]
    pub updated_at: String,
}

/// A project item.
pub type Project = Item<ProjectAttributes>;

impl Project {
    /// The project's ULID: `attributes.ulid`, else the item id (upstream's SDK items carry an `id`
    /// such as `"proj-1"` beside the ULID; our server sends the ULID in both).
    pub fn ulid(&self) -> &str {
        if self.attributes.ulid.is_empty() {
            &self.id
        } else {
            &self.attributes.ulid
        }
    }
}

/// Body of `POST /{org}/projects`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateProject {
    /// Display name (required).
    pub name: String,
    /// Slug; derived from `name` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `env` (the only format envdesk stores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_format: Option<String>,
    /// `server` or `client`; server when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_mode: Option<StorageMode>,
    /// Client-managed: the key proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_check: Option<SecretString>,
    /// Client-managed: base64 of the proof's 16-byte salt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_check_salt: Option<String>,
    /// Client-managed: PBKDF2 iterations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_check_iterations: Option<i64>,
    /// Server-managed: an explicit key (otherwise generated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key: Option<SecretString>,
}

impl std::fmt::Debug for CreateProject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateProject")
            .field("name", &self.name)
            .field("slug", &self.slug)
            .field("storage_mode", &self.storage_mode)
            .finish_non_exhaustive()
    }
}

/// Body of `PUT|PATCH` on a project, target or environment: only the fields given change.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateNode {
    /// New display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Environments: new status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Environments: production flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_production: Option<bool>,
}

/// Target fields (read tolerantly: absent ids and timestamps → `""`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetAttributes {
    /// ULID.
    #[serde(default)]
    pub ulid: String,
    /// The project's ULID.
    #[serde(default)]
    pub project_id: String,
    /// Display name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Number of environments (`None`: not said).
    #[serde(default, deserialize_with = "lenient::opt_u64_or_digits")]
    pub environment_count: Option<u64>,
    /// RFC 3339 (`""` when the server does not say).
    #[serde(default)]
    pub created_at: String,
    /// RFC 3339 (`""` when the server does not say).
    #[serde(default)]
    pub updated_at: String,
}

/// A target item.
pub type Target = Item<TargetAttributes>;

/// Body of `POST …/targets` and `POST …/environments`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateNode {
    /// Display name (required).
    pub name: String,
    /// Slug; derived from `name` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Environments: `production|staging|development|local` or a custom slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Environments: production flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_production: Option<bool>,
}

/// Environment fields (read tolerantly: absent ids, status and timestamps → `""`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnvironmentAttributes {
    /// ULID.
    #[serde(default)]
    pub ulid: String,
    /// The project's ULID.
    #[serde(default)]
    pub project_id: String,
    /// The target's ULID.
    #[serde(default)]
    pub target_id: String,
    /// Display name.
    pub name: String,
    /// Slug.
    pub slug: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Status slug.
    #[serde(default)]
    pub status: String,
    /// Production flag.
    #[serde(default)]
    pub is_production: bool,
    /// RFC 3339 (`""` when the server does not say).
    #[serde(default)]
    pub created_at: String,
    /// RFC 3339 (`""` when the server does not say).
    #[serde(default)]
    pub updated_at: String,
}

/// An environment item.
pub type Environment = Item<EnvironmentAttributes>;

/// Slugs that would collide with routes (422 when used).
pub const RESERVED_SLUGS: [&str; 8] =
    ["projects", "targets", "environments", "secrets", "encryption-key", "organization", "organizations", "user"];

/// Whether `slug` is `^[a-z0-9-]+$`, at most 64 characters, and not reserved.
pub fn slug_problem(slug: &str) -> Option<&'static str> {
    if slug.is_empty() {
        Some("The slug must not be empty.")
    } else if slug.len() > 64 {
        Some("The slug must be at most 64 characters.")
    } else if !slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        Some("The slug may contain only lowercase letters, digits and hyphens.")
    } else if RESERVED_SLUGS.contains(&slug) {
        Some("This slug is reserved.")
    } else {
        None
    }
}

/// The slug derived from a name: lowercase ASCII letters and digits, other runs become one `-`.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    trimmed.chars().take(64).collect::<String>().trim_end_matches('-').to_owned()
}

/// An API token as listed (never its secret).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// Numeric id, as a string.
    pub id: String,
    /// Name.
    pub name: String,
    /// Abilities.
    pub abilities: Vec<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, if used.
    #[serde(default)]
    pub last_used_at: Option<String>,
    /// RFC 3339, if revoked.
    #[serde(default)]
    pub revoked_at: Option<String>,
}
