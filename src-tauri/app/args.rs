//! What the webview sends, parsed at the IPC boundary (parse, don't validate): a command takes these
//! types, so a value that is not a slug, a version id, a node path or an issued import handle is refused
//! while the arguments are deserialized — before any code of the command runs. Slugs and version ids
//! are formatted into request paths (`HttpBackend`); `delete_version("../../app")` or `"5?force=true"`
//! must never reach it (issue 10, hole 3). Secrets that arrive as strings (tokens, passphrases, keys)
//! are [`Secret`]s: zeroized when dropped, redacted in `Debug` (hole 16).

use std::fmt;

use envdesk_api::NodePath;
use envdesk_client::vault::{ExportSource, NewProjectKey};
use serde::{Deserialize, Deserializer, Serialize};
use zeroize::Zeroizing;

/// Why an IPC argument was refused. The message never echoes the value (it may be long, or a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArgError(&'static str);

/// A project, target or environment slug, by the server's rules ([`envdesk_api::slug_problem`]):
/// 1–64 of `a-z`, `0-9` and `-`, and not a reserved word. Nothing else can be formatted into a URL
/// path segment as a slug.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[ts(type = "string")]
pub struct Slug(String);

impl Slug {
    /// Parses a slug.
    pub fn parse(s: &str) -> Result<Slug, ArgError> {
        match envdesk_api::slug_problem(s) {
            None => Ok(Slug(s.to_owned())),
            Some(problem) => Err(ArgError(problem)),
        }
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for Slug {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Slug {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Slug, D::Error> {
        let s = String::deserialize(d)?;
        Slug::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The longest version id accepted: `i64::MAX` has 19 digits.
const MAX_VERSION_ID_DIGITS: usize = 19;

/// A version id as the server issues it: a positive integer in decimal ASCII digits ("Version ids are
/// global numeric strings", docs/api.md; the server parses them as `i64 > 0`). Nothing else — no sign,
/// no spaces, no `?`, no `/`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[ts(type = "string")]
pub struct VersionId(String);

impl VersionId {
    /// Parses a version id.
    pub fn parse(s: &str) -> Result<VersionId, ArgError> {
        const WHAT: &str = "A version id is a positive number of at most 19 digits.";
        if s.is_empty() || s.len() > MAX_VERSION_ID_DIGITS || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ArgError(WHAT));
        }
        match s.parse::<i64>() {
            Ok(n) if n > 0 => Ok(VersionId(s.to_owned())),
            _ => Err(ArgError(WHAT)),
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for VersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for VersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for VersionId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<VersionId, D::Error> {
        let s = String::deserialize(d)?;
        VersionId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A node path from the webview: every part a [`Slug`], and an environment only under a target. The
/// same shape as [`NodePath`] (its TypeScript declaration is `NodePath`); turned into one with
/// [`IpcPath::node`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(try_from = "RawPath")]
#[ts(rename = "NodePath")]
pub struct IpcPath {
    /// Project slug.
    #[ts(as = "String")]
    pub project: Slug,
    /// Target slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(as = "Option<String>")]
    pub target: Option<Slug>,
    /// Environment slug (needs a target).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(as = "Option<String>")]
    pub environment: Option<Slug>,
}

#[derive(Deserialize)]
struct RawPath {
    project: Slug,
    #[serde(default)]
    target: Option<Slug>,
    #[serde(default)]
    environment: Option<Slug>,
}

impl TryFrom<RawPath> for IpcPath {
    type Error = ArgError;
    fn try_from(r: RawPath) -> Result<IpcPath, ArgError> {
        if r.environment.is_some() && r.target.is_none() {
            return Err(ArgError("An environment needs its target."));
        }
        Ok(IpcPath { project: r.project, target: r.target, environment: r.environment })
    }
}

impl IpcPath {
    /// The slug of the node itself (its deepest part): what a user types to confirm deleting it.
    pub fn leaf(&self) -> &str {
        self.environment.as_ref().or(self.target.as_ref()).unwrap_or(&self.project).as_str()
    }

    /// The node path.
    pub fn node(&self) -> NodePath {
        NodePath {
            project: self.project.0.clone(),
            target: self.target.as_ref().map(|t| t.0.clone()),
            environment: self.environment.as_ref().map(|e| e.0.clone()),
        }
    }
}

impl TryFrom<&NodePath> for IpcPath {
    type Error = ArgError;
    fn try_from(p: &NodePath) -> Result<IpcPath, ArgError> {
        let slug = |s: &Option<String>| s.as_deref().map(Slug::parse).transpose();
        IpcPath::try_from(RawPath {
            project: Slug::parse(&p.project)?,
            target: slug(&p.target)?,
            environment: slug(&p.environment)?,
        })
    }
}

impl From<&IpcPath> for NodePath {
    fn from(p: &IpcPath) -> NodePath {
        p.node()
    }
}

/// What to export, from the webview (the same shape as the client's [`ExportSource`]).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(rename = "ExportSource")]
pub enum ExportSourceArg {
    /// A level alone.
    Level {
        /// The level.
        path: IpcPath,
    },
    /// What a node gets, merged.
    Merged {
        /// The node.
        path: IpcPath,
    },
}

impl ExportSourceArg {
    /// The node it names.
    pub fn path(&self) -> &IpcPath {
        match self {
            ExportSourceArg::Level { path } | ExportSourceArg::Merged { path } => path,
        }
    }

    /// The client's export source.
    pub fn source(&self) -> ExportSource {
        match self {
            ExportSourceArg::Level { path } => ExportSource::Level { path: path.node() },
            ExportSourceArg::Merged { path } => ExportSource::Merged { path: path.node() },
        }
    }
}

/// Who holds a new project key, and which (creating a project, rotating its key): the webview's
/// `{mode: "server" | "generate" | "passphrase", passphrase?}`.
#[derive(Debug, Deserialize, ts_rs::TS)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum NewKey {
    /// The server holds the key (creating only).
    Server,
    /// A random key, kept in the keychain and shown once for backup.
    Generate,
    /// A key derived from a passphrase.
    Passphrase {
        /// The passphrase.
        #[ts(type = "string")]
        passphrase: Secret,
    },
}

impl From<NewKey> for NewProjectKey {
    fn from(k: NewKey) -> NewProjectKey {
        match k {
            NewKey::Server => NewProjectKey::ServerManaged,
            NewKey::Generate => NewProjectKey::Generate,
            NewKey::Passphrase { passphrase } => NewProjectKey::Passphrase(passphrase.into_zeroizing()),
        }
    }
}

/// A secret that arrives as an IPC string (a token, a passphrase, a key): zeroized when dropped,
/// `<redacted>` in `Debug`, and no `Display`. Serialized as the string (only for a generated key shown
/// once to be backed up).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(Zeroizing::new(s.into()))
    }

    /// The secret.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The secret as a zeroizing string.
    pub fn into_zeroizing(self) -> Zeroizing<String> {
        self.0
    }
}

impl From<Zeroizing<String>> for Secret {
    fn from(s: Zeroizing<String>) -> Secret {
        Secret(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        // serde_json hands over the owned `String` of the IPC body's value: wrapped, not copied.
        Ok(Secret(Zeroizing::new(String::deserialize(d)?)))
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// An import file the user chose in the native open dialog: the webview gets this opaque number, never
/// a path, and can name no file the user did not choose (issue 10, hole 2). Only the handle issued last
/// is valid; it is forgotten on import, on lock and when another file is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
pub struct ImportHandle(pub u64);

/// What the user typed in the search palette: at most [`envdesk_core::search::MAX_QUERY_CHARS`]
/// characters, no line break (empty: no hits, only the list of locked projects). With values searched
/// it may be part of a secret: zeroized when dropped, its length only in `Debug`.
#[derive(Clone, PartialEq, Eq, ts_rs::TS)]
#[ts(type = "string")]
pub struct SearchQuery(Zeroizing<String>);

impl SearchQuery {
    /// Parses a query.
    pub fn parse(s: impl Into<String>) -> Result<SearchQuery, ArgError> {
        let s = Zeroizing::new(s.into());
        if s.chars().count() > envdesk_core::search::MAX_QUERY_CHARS {
            return Err(ArgError("The search is longer than 200 characters."));
        }
        if s.contains(['\n', '\r']) {
            return Err(ArgError("The search is one line."));
        }
        Ok(SearchQuery(s))
    }

    /// The query.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SearchQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SearchQuery(<{} characters>)", self.0.chars().count())
    }
}

impl<'de> Deserialize<'de> for SearchQuery {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SearchQuery, D::Error> {
        SearchQuery::parse(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A day the Activity view filters on, `YYYY-MM-DD` (a calendar date, UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ts_rs::TS)]
#[ts(type = "string")]
pub struct Day(chrono::NaiveDate);

impl Day {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Day, ArgError> {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Day).map_err(|_| ArgError("A day is written YYYY-MM-DD."))
    }
    /// Its first instant, RFC 3339.
    pub fn start(self) -> String {
        format!("{}T00:00:00Z", self.0.format("%Y-%m-%d"))
    }
    /// The first instant of the day after (the end of this one), RFC 3339.
    pub fn end(self) -> String {
        Day(self.0.succ_opt().unwrap_or(self.0)).start()
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Day, D::Error> {
        Day::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A page number: 1 or more (at most 1,000,000).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ts_rs::TS)]
#[ts(type = "number")]
pub struct PageNumber(u32);

impl PageNumber {
    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl<'de> Deserialize<'de> for PageNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PageNumber, D::Error> {
        match u32::deserialize(d)? {
            n @ 1..=1_000_000 => Ok(PageNumber(n)),
            _ => Err(serde::de::Error::custom("A page number is 1 or more.")),
        }
    }
}

/// Which entries of the audit log the Activity view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// Reads of secrets (`secret.read`).
    Reads,
    /// Every event on secrets: reads, changes, restores (`secret.`).
    Secrets,
    /// Keys read and rotated (`key.`).
    Keys,
    /// Tokens created and revoked (`token.`).
    Tokens,
    /// Requests refused for a missing ability (`authz.access_denied`).
    Denied,
}

impl ActivityKind {
    /// The server's event filter.
    pub fn event(self) -> &'static str {
        match self {
            ActivityKind::Reads => "secret.read",
            ActivityKind::Secrets => "secret.",
            ActivityKind::Keys => "key.",
            ActivityKind::Tokens => "token.",
            ActivityKind::Denied => "authz.access_denied",
        }
    }
}
