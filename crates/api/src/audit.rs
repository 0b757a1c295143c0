//! The audit log: envdesk's own endpoint `GET /{org}/audit-log` (upstream documents an audit log in
//! its dashboard, not in its API). Metadata only: never a value, a key or a token.

use serde::{Deserialize, Serialize};

use crate::resources::PageRequest;

/// One entry, as `GET /{org}/audit-log` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditItem {
    /// The entry's id (chain order).
    pub id: String,
    /// What it records.
    pub attributes: AuditAttributes,
}

/// What an entry records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAttributes {
    /// RFC 3339, UTC: when the request came.
    pub at: String,
    /// `secret.read`, `secret.updated`, `key.rotated`, `authz.access_denied`, …
    pub event: String,
    /// `success`, `denied` or `failed`.
    pub outcome: String,
    /// The error code of a refusal or failure.
    #[serde(default)]
    pub error: Option<String>,
    /// The token that made the request.
    #[serde(default)]
    pub token: Option<AuditToken>,
    /// The ability checked (the one missing, for a denial).
    #[serde(default)]
    pub ability: Option<String>,
    /// `project[/target[/environment]]`.
    #[serde(default)]
    pub node: Option<String>,
    /// A version id, or a revision (`rev 4`).
    #[serde(default)]
    pub version: Option<String>,
    /// The client's address as the server saw it.
    #[serde(default)]
    pub client: Option<String>,
    /// The previous entry's hash.
    #[serde(default)]
    pub prev_hash: String,
    /// This entry's hash.
    #[serde(default)]
    pub hash: String,
}

/// A token as an entry names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditToken {
    /// Its id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
}

/// The filters and page of a listing; every filter is optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditLogQuery {
    /// Entries at or after (RFC 3339).
    pub from: Option<String>,
    /// Entries before (RFC 3339).
    pub to: Option<String>,
    /// A node and what is under it (`app`, `app/backend/production`).
    pub node: Option<String>,
    /// A token id.
    pub token: Option<String>,
    /// An event (`secret.read`) or a family ending in `.` (`secret.`).
    pub event: Option<String>,
    /// The page.
    pub page: PageRequest,
}

impl AuditLogQuery {
    /// The query string's pairs.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![("page", self.page.page.to_string()), ("per_page", self.page.per_page.to_string())];
        for (name, v) in [
            ("from", &self.from),
            ("to", &self.to),
            ("node", &self.node),
            ("token", &self.token),
            ("event", &self.event),
        ] {
            if let Some(v) = v {
                out.push((name, v.clone()));
            }
        }
        out
    }
}
