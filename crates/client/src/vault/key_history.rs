//! The history of one key in a level, the blame of every key, one key's value in a version, and the
//! restore of that value alone (issue 14, part 3). What counts as a change and how unreadable versions
//! show: `envdesk_core::key_history`.
//!
//! - Every version of the level is listed (all pages) and read through [`Vault::version`] (so a version
//!   under an older client key is read with it), decrypted and parsed **once**: the parsed variables
//!   are cached per (project, level, version id) in memory only, at most [`CACHE_BYTES`] (least
//!   recently used dropped first; values zeroized when dropped), and the cache is emptied when the
//!   project (or every project) is locked. A version id names one immutable version, so an entry never
//!   goes stale; its `created_at` is checked as well.
//! - A version the server marks outside its retention period, or whose blob cannot be decrypted here
//!   (an older key this computer does not hold, a blob that does not open), is unreadable: skipped and
//!   listed with the reason, like a version whose text does not parse.
//! - **Author**: the name of the token that wrote the version (`created_by.name`); `None` when the
//!   server does not say (upstream may omit it) — the UI shows "not recorded", never a guess.
//! - Decrypted values stay here: the history and the blame carry no value; [`Vault::key_value_at`] gives
//!   one value when the user reveals it.
//! - [`Vault::restore_key_value`] sets (or removes, when it was absent in that version) only that key in
//!   the level's current text, through the core's document edits (the rest of the text byte for byte),
//!   and stores it with the revision check: a stale `base_revision` is a conflict, nothing is written.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use envdesk_api::*;
use envdesk_core::crypto;
use envdesk_core::dotenv::Document;
use envdesk_core::key_history::{self as kh, KeyChange, LevelState};
use zeroize::Zeroize;

use super::levels::kind_of_path;
use super::tree::all_pages;
use super::Vault;
use crate::error::{ClientError, Result};

/// The most memory the parsed versions of a vault may hold (64 MiB: 200 versions of a 1,000-key level
/// take about 25 MiB).
pub const CACHE_BYTES: usize = 64 << 20;

/// The most parsed text one history (or blame) holds while it is computed: 512 MiB, 20 times the 200
/// versions of a 1,000-key level of the benchmarks. A level whose versions hold more is refused.
pub const MAX_HISTORY_BYTES: usize = 512 << 20;

/// A cached version's state; its keys and values are zeroized when the last holder drops it.
pub(crate) struct Held(LevelState);

impl Drop for Held {
    fn drop(&mut self) {
        match &mut self.0 {
            LevelState::Vars(v) => {
                for (mut k, mut v) in std::mem::take(v) {
                    k.zeroize();
                    v.zeroize();
                }
            }
            LevelState::Emptied | LevelState::Unreadable(_) => {}
        }
    }
}

type CacheKey = (String, String, String);

struct Entry {
    state: Arc<Held>,
    created_at: String,
    bytes: usize,
    used: u64,
}

#[derive(Default)]
struct CacheInner {
    map: HashMap<CacheKey, Entry>,
    /// Each entry's key by its last use, oldest first: what to drop next without a scan of the map
    /// (a scan per insertion was quadratic once the cache, up to a million small versions, was full).
    order: BTreeMap<u64, CacheKey>,
    bytes: usize,
    tick: u64,
}

/// The parsed versions, per (project, level, version id), least recently used dropped first.
#[derive(Default)]
pub(crate) struct VersionCache(Mutex<CacheInner>);

impl VersionCache {
    fn inner(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, key: &CacheKey, created_at: &str) -> Option<Arc<Held>> {
        let mut c = self.inner();
        c.tick += 1;
        let tick = c.tick;
        let c = &mut *c;
        let e = c.map.get_mut(key).filter(|e| e.created_at == created_at)?;
        let k = c.order.remove(&e.used).unwrap_or_else(|| key.clone());
        e.used = tick;
        c.order.insert(tick, k);
        Some(e.state.clone())
    }

    /// Keeps `state` unless `still_unlocked`, asked under the cache's lock, says a lock came since it
    /// was read: a lock bumps its count before it clears the cache, so a version decrypted across a lock
    /// is never kept after it.
    fn put(&self, key: CacheKey, created_at: &str, state: Arc<Held>, still_unlocked: impl FnOnce() -> bool) {
        let bytes = state.0.approx_bytes();
        if bytes > CACHE_BYTES {
            return;
        }
        let mut c = self.inner();
        if !still_unlocked() {
            return;
        }
        c.tick += 1;
        let used = c.tick;
        if let Some(old) = c.map.insert(key.clone(), Entry { state, created_at: created_at.to_owned(), bytes, used }) {
            c.bytes -= old.bytes;
            c.order.remove(&old.used);
        }
        c.order.insert(used, key);
        c.bytes += bytes;
        while c.bytes > CACHE_BYTES {
            let Some((_, oldest)) = c.order.pop_first() else { break };
            if let Some(e) = c.map.remove(&oldest) {
                c.bytes -= e.bytes;
            }
        }
    }

    /// Drops everything (every project locked).
    pub(crate) fn clear(&self) {
        let mut c = self.inner();
        c.map.clear();
        c.order.clear();
        c.bytes = 0;
    }

    /// Drops one project's versions (that project locked).
    pub(crate) fn clear_project(&self, project: &str) {
        let mut c = self.inner();
        let mut freed = 0;
        c.map.retain(|k, e| {
            let keep = k.0 != project;
            if !keep {
                freed += e.bytes;
            }
            keep
        });
        c.order.retain(|_, k| k.0 != project);
        c.bytes -= freed;
    }

    /// How many bytes it holds (tests).
    pub(crate) fn bytes(&self) -> usize {
        self.inner().bytes
    }
}

/// A version of the level, as the key's history names it (never a value).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VersionRef {
    /// The version id (for [`Vault::key_value_at`] and [`Vault::restore_key_value`]; never shown).
    pub id: String,
    /// The level's revision it was written as (`None`: the server does not count revisions).
    pub revision: Option<u64>,
    /// Its position in the level's history, 1 the oldest (what names it without a revision).
    pub position: u64,
    /// RFC 3339 (`""` when the server does not say).
    pub created_at: String,
    /// The name of the token that wrote it; `None` when the server does not say.
    pub author: Option<String>,
    /// `create`, `update`, `delete`, `restore` or `rotate`.
    pub action: String,
}

/// A version in which the key's value changed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyHistoryEvent {
    /// The version.
    pub version: VersionRef,
    /// Added, changed or removed.
    pub change: KeyChange,
    /// Which of the key's values it holds after this version, as a number: events with the same number
    /// hold the same value (1 for the first value seen, 2 for the next other one, …); `None`: absent.
    /// Two versions are compared with it without their values leaving Rust.
    pub value_class: Option<u32>,
}

/// A version that could not be read and was skipped.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SkippedVersion {
    /// The version.
    pub version: VersionRef,
    /// Why (never a value).
    pub reason: String,
}

/// The history of one key in a level (no value).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyHistoryView {
    /// The key.
    pub key: String,
    /// The versions in which its value changed, newest first.
    pub events: Vec<KeyHistoryEvent>,
    /// Versions that could not be read (skipped), newest first.
    pub skipped: Vec<SkippedVersion>,
    /// How many versions the level has.
    pub versions: u64,
}

/// When one key's current value was set.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyBlameView {
    /// The key.
    pub key: String,
    /// The version that set its current value; `None`: not in the readable history.
    pub version: Option<VersionRef>,
}

/// The blame of a level's keys.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LevelBlame {
    /// The keys of the level's current text, in its order.
    pub keys: Vec<KeyBlameView>,
    /// Versions that could not be read (skipped), newest first.
    pub skipped: Vec<SkippedVersion>,
}

/// What a key-wise restore did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyRestore {
    /// The level's revision after it (`None`: the server does not count revisions).
    pub revision: Option<u64>,
    /// `false`: the key already had that value (or was already absent); nothing was written.
    pub written: bool,
}

fn version_ref(v: &VersionItem, position: u64) -> VersionRef {
    VersionRef {
        id: v.id.clone(),
        revision: v.attributes.revision,
        position,
        created_at: v.attributes.created_at.clone(),
        author: v.attributes.created_by.as_ref().map(|c| c.name.clone()).filter(|n| !n.is_empty()),
        action: v.attributes.action.clone(),
    }
}

/// The level's versions, oldest first, each with its state.
struct Versions {
    items: Vec<VersionItem>,
    states: Vec<Arc<Held>>,
}

impl Versions {
    fn refs(&self, i: usize) -> VersionRef {
        version_ref(&self.items[i], i as u64 + 1)
    }

    fn skipped(&self, indexes: &[usize]) -> Vec<SkippedVersion> {
        indexes
            .iter()
            .rev()
            .map(|&i| SkippedVersion {
                version: self.refs(i),
                reason: match &self.states[i].0 {
                    LevelState::Unreadable(why) => why.clone(),
                    _ => String::new(),
                },
            })
            .collect()
    }
}

/// Whether an error reading one version makes that version unreadable (rather than failing the
/// history): a key this computer does not hold, a blob that does not open, a version past retention.
fn unreadable(e: &ClientError) -> Option<String> {
    match e {
        ClientError::OldKeyUnavailable { .. } | ClientError::UnknownVersionKey { .. } => {
            Some("it is encrypted under a key this computer does not hold".into())
        }
        ClientError::Crypto { .. } | ClientError::BadKey(_) => Some("its content does not decrypt".into()),
        ClientError::Api(a) if a.code == ErrorCode::VersionLocked => {
            Some("it is outside the server's retention period".into())
        }
        _ => None,
    }
}

impl Vault {
    /// Every version of `path`'s level, oldest first (the server lists the newest first).
    async fn version_items(&self, path: &NodePath) -> Result<Vec<VersionItem>> {
        let mut items = all_pages(|p| {
            self.backend.list_versions(ListVersionsRequest { path: path.clone(), page: p.page, per_page: p.per_page })
        })
        .await?;
        items.reverse();
        Ok(items)
    }

    /// One version's state: from the cache, else read, decrypted and parsed once.
    async fn version_state(&self, path: &NodePath, v: &VersionItem) -> Result<Arc<Held>> {
        if v.attributes.action == "delete" {
            return Ok(Arc::new(Held(LevelState::Emptied)));
        }
        if v.attributes.locked {
            return Ok(Arc::new(Held(LevelState::Unreadable("it is outside the server's retention period".into()))));
        }
        let key = (path.project.clone(), path.display(), v.id.clone());
        if let Some(s) = self.key_cache.get(&key, &v.attributes.created_at) {
            return Ok(s);
        }
        let epoch = self.lock_epoch.load(std::sync::atomic::Ordering::SeqCst);
        let state = match self.version(&path.project, &v.id).await {
            Ok(view) => {
                let text = zeroize::Zeroizing::new(view.text);
                LevelState::from_text(&text)
            }
            Err(e) => LevelState::Unreadable(unreadable(&e).ok_or(e)?),
        };
        let state = Arc::new(Held(state));
        self.key_cache.put(key, &v.attributes.created_at, state.clone(), || {
            self.lock_epoch.load(std::sync::atomic::Ordering::SeqCst) == epoch
        });
        Ok(state)
    }

    async fn versions(&self, path: &NodePath) -> Result<Versions> {
        self.unlocked(&path.project)?;
        let items = self.version_items(path).await?;
        let mut states = Vec::with_capacity(items.len());
        // Every version's parsed state is held while the history is computed: bounded, so a server
        // listing endless or huge versions cannot fill the memory.
        let mut held = 0usize;
        for v in &items {
            let state = self.version_state(path, v).await?;
            held += state.0.approx_bytes();
            if held > self.opts.limits.history_bytes {
                return Err(ClientError::TooLarge {
                    what: "history of this level",
                    limit: crate::error::bytes_in_words(self.opts.limits.history_bytes),
                });
            }
            states.push(state);
        }
        Ok(Versions { items, states })
    }

    /// The versions of `path`'s level in which `key`'s value changed, newest first (no value).
    pub async fn key_history(&self, path: &NodePath, key: &str) -> Result<KeyHistoryView> {
        let vs = self.versions(path).await?;
        let states: Vec<&LevelState> = vs.states.iter().map(|s| &s.0).collect();
        let h = kh::key_history(&states, key);
        let mut classes: HashMap<&str, u32> = HashMap::new();
        let mut events: Vec<KeyHistoryEvent> = Vec::with_capacity(h.events.len());
        for e in &h.events {
            let value_class = states[e.index].value(key).flatten().map(|v| {
                let next = classes.len() as u32 + 1;
                *classes.entry(v).or_insert(next)
            });
            events.push(KeyHistoryEvent { version: vs.refs(e.index), change: e.change, value_class });
        }
        events.reverse();
        Ok(KeyHistoryView {
            key: key.to_owned(),
            events,
            skipped: vs.skipped(&h.skipped),
            versions: vs.items.len() as u64,
        })
    }

    /// For each key of `path`'s level as stored now, the version that set its current value.
    pub async fn blame(&self, path: &NodePath) -> Result<LevelBlame> {
        let kind = kind_of_path(path);
        let node = self.read_node(path).await?;
        let level = node.levels.iter().find(|l| l.kind == kind).ok_or_else(no_level)?;
        let current =
            Document::parse(&level.text).map_err(|error| ClientError::Parse { level: kind.as_str().into(), error });
        node.wipe();
        let current = current?.vars();
        let vs = self.versions(path).await?;
        let states: Vec<&LevelState> = vs.states.iter().map(|s| &s.0).collect();
        let b = kh::blame(&states, &current);
        for (mut k, mut v) in current {
            k.zeroize();
            v.zeroize();
        }
        Ok(LevelBlame {
            keys: b
                .keys
                .into_iter()
                .map(|k| KeyBlameView { version: k.index.map(|i| vs.refs(i)), key: k.key })
                .collect(),
            skipped: vs.skipped(&b.skipped),
        })
    }

    /// `key`'s value in one version of `path`'s level (`None`: absent there), for the user to reveal
    /// or compare. The version must be one of that level's.
    pub async fn key_value_at(&self, path: &NodePath, key: &str, version: &str) -> Result<Option<String>> {
        self.unlocked(&path.project)?;
        let items = self.version_items(path).await?;
        let v = items.iter().find(|v| v.id == version).ok_or_else(|| {
            ClientError::Api(ApiError::new(ErrorCode::NotFound, "That version is not in this level's history."))
        })?;
        let state = self.version_state(path, v).await?;
        match state.0.value(key) {
            Some(value) => Ok(value.map(str::to_owned)),
            None => Err(ClientError::Invalid(match &state.0 {
                LevelState::Unreadable(why) => format!("That version cannot be read: {why}."),
                _ => "That version cannot be read.".into(),
            })),
        }
    }

    /// Sets `key` in `path`'s level to its value in `version` (removes it when it was absent there),
    /// leaving every other key and line as it is, and stores that as a new version on top of
    /// `base_revision` (the revision shown): a level changed since is a `revision_conflict` and nothing
    /// is written. `base_revision: None` (a server that does not count revisions): written on the text
    /// read just before, as a save is.
    pub async fn restore_key_value(
        &self,
        path: &NodePath,
        key: &str,
        version: &str,
        base_revision: Option<u64>,
    ) -> Result<KeyRestore> {
        let value = zeroize::Zeroizing::new(self.key_value_at(path, key, version).await?);
        let kind = kind_of_path(path);
        let node = self.read_node(path).await?;
        let level = node.levels.iter().find(|l| l.kind == kind).ok_or_else(no_level)?;
        // A server that counts revisions: the revision shown must be given and current (a missing one
        // would let the write land on whatever is stored now).
        if level.revision.is_some() && level.revision != base_revision {
            return Err(stale());
        }
        let mut doc =
            Document::parse(&level.text).map_err(|error| ClientError::Parse { level: kind.as_str().into(), error })?;
        match value.as_deref() {
            Some(v) => doc.set(key, v).map_err(|e| ClientError::Invalid(e.to_string()))?,
            None => {
                doc.remove(key);
            }
        }
        let text = zeroize::Zeroizing::new(doc.to_string());
        if *text == level.text {
            return Ok(KeyRestore { revision: level.revision, written: false });
        }
        let u = self.unlocked(&path.project)?;
        let req = StoreRequest {
            path: path.clone(),
            content: crypto::encrypt(&u.data, text.as_bytes()),
            key_proof: u.proof(),
            no_backup: false,
            base_revision: base_revision.or(level.revision),
        };
        let r = self.backend.store(req).await?;
        self.search_saved(path, &text);
        Ok(KeyRestore { revision: r.data.revision, written: true })
    }

    /// How many bytes the cache of parsed versions holds (tests).
    #[doc(hidden)]
    pub fn key_cache_bytes(&self) -> usize {
        self.key_cache.bytes()
    }
}

fn no_level() -> ClientError {
    ClientError::Invalid("The node has no level.".into())
}

fn stale() -> ClientError {
    ClientError::Api(ApiError::new(
        ErrorCode::RevisionConflict,
        "The level was changed since it was read; nothing was restored. Read it again and retry.",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(mib: usize) -> Arc<Held> {
        let mut vars = envdesk_core::Vars::new();
        vars.insert("K".to_owned(), "x".repeat(mib << 20));
        Arc::new(Held(LevelState::Vars(vars)))
    }

    fn key(id: &str) -> CacheKey {
        ("p".to_owned(), "level".to_owned(), id.to_owned())
    }

    /// Past its budget the cache drops the least recently used versions first (a read counts as a use),
    /// a version put again keeps one place, and a project's versions leave with it.
    #[test]
    fn the_least_recently_used_versions_go_first() {
        let c = VersionCache::default();
        for id in ["a", "b", "c"] {
            c.put(key(id), "t", version(20), || true);
        }
        assert!(c.get(&key("a"), "t").is_some(), "a read makes `a` the most recent");
        c.put(key("c"), "t", version(20), || true);
        c.put(key("d"), "t", version(20), || true);
        assert!(c.get(&key("b"), "t").is_none(), "`b`, the least recently used, went");
        for id in ["a", "c", "d"] {
            assert!(c.get(&key(id), "t").is_some(), "{id} stays");
        }
        let held = |c: &VersionCache| {
            let inner = c.inner();
            (inner.bytes, inner.order.len(), inner.map.len())
        };
        let (bytes, order, map) = held(&c);
        assert!(bytes <= CACHE_BYTES && order == 3 && map == 3, "{bytes} {order} {map}");
        c.clear_project("p");
        assert_eq!(held(&c), (0, 0, 0));
    }
}
