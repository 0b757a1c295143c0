//! The hot read path (issue 15, throughput): answers of `GET …/secrets` that hold only ciphertext are
//! kept per (token, URI) and served again on the runtime's own thread — no blocking hop, no token
//! lookup, no blob read, no serialisation — for as long as nothing in the database has changed.
//!
//! Why it is correct:
//! - **Freshness.** Every entry belongs to one value of SQLite's data version
//!   ([`crate::db::ChangeWatch`]), which changes on any commit to the file by any connection of any
//!   process: a store, a revoked token (also through the CLI), a rotation, even the audit log's
//!   batches. A lookup reads the version first; a different one empties the cache. An answer is
//!   kept only when the version read *before* its request started is still the version after it
//!   was computed, so nothing committed in between can be missing from it.
//! - **Who may read.** The key holds the SHA-256 of the token (as the database does), so an answer
//!   is only ever served to the token that was authenticated and authorised for it; revoking it is a
//!   commit. The organization's rate limit applies to every hit.
//! - **What is kept.** Only answers whose levels are encrypted (`encrypted: true`, no server-side
//!   merge): ciphertext the database holds anyway, never plaintext. At most [`MAX_ENTRIES`] answers
//!   and [`MAX_BYTES`] bytes; an entry lives at most [`TTL`], so the token's `last_used_at` (written at
//!   most once a minute by the slow path) stays within about a minute and a half of the truth.
//! - **What is recorded.** A hit is audited as its first read was (`secret.read`, the same node,
//!   ability and revisions), with its own time and client address; `meta.timestamp` is the hit's own.
//!
//! SQLite only: on PostgreSQL another replica's commit cannot be seen without a round trip, which
//! is what the slow path costs anyway.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::Uri;

use crate::db::{ChangeWatch, Db};
use crate::service::Caller;

/// Answers kept at most.
pub const MAX_ENTRIES: usize = 512;
/// Bytes of answers kept at most.
pub const MAX_BYTES: usize = 32 * 1024 * 1024;
/// How long an answer is served without the slow path, at most.
pub const TTL: Duration = Duration::from_secs(30);

/// Which answer: the token's hash and the request's path and query, as sent.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Key {
    token: [u8; 32],
    uri: Box<str>,
}

impl Key {
    /// The key of `token` (as sent, trimmed as authentication trims it) asking for `uri`.
    pub fn new(token: &str, uri: &Uri) -> Key {
        let uri = uri.path_and_query().map_or_else(|| uri.path(), |p| p.as_str());
        Key { token: crate::service::hash_token(token.trim()), uri: uri.into() }
    }
}

/// A kept answer: the body around its `meta.timestamp`, who asked, and the audit entry of its read.
pub struct Answer {
    /// The authenticated caller the answer was made for.
    pub caller: Caller,
    /// The body up to the timestamp's value, and from its closing quote.
    head: Bytes,
    tail: Bytes,
    /// The entry the first read recorded (`None` when the audit log is off).
    pub audit: Option<crate::audit::Entry>,
    stored: Instant,
}

impl Answer {
    /// `body` (a serialised `SecretsResponse`) split around its timestamp; `None` when it has none.
    pub fn new(caller: Caller, body: Bytes, audit: Option<crate::audit::Entry>) -> Option<Answer> {
        const FIELD: &[u8] = br#""timestamp":""#;
        // The meta object is serialised last; inside a JSON string a quote is always escaped, so
        // this sequence is only ever the key itself.
        let start = body.windows(FIELD.len()).rposition(|w| w == FIELD)? + FIELD.len();
        let end = start + body[start..].iter().position(|&b| b == b'"')?;
        Some(Answer { caller, head: body.slice(..start), tail: body.slice(end..), audit, stored: Instant::now() })
    }

    /// The body again, stamped `now`.
    pub fn body(&self, now: &str) -> Bytes {
        let mut b = Vec::with_capacity(self.head.len() + now.len() + self.tail.len());
        b.extend_from_slice(&self.head);
        b.extend_from_slice(now.as_bytes());
        b.extend_from_slice(&self.tail);
        b.into()
    }

    fn size(&self) -> usize {
        self.head.len() + self.tail.len() + 256
    }
}

/// The cache of one server (one SQLite file).
pub struct ReadCache {
    watch: ChangeWatch,
    inner: Mutex<Inner>,
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Default)]
struct Inner {
    version: Option<i64>,
    entries: HashMap<Key, Arc<Answer>>,
    bytes: usize,
}

impl Inner {
    fn reset(&mut self, version: Option<i64>) {
        self.version = version;
        self.entries.clear();
        self.bytes = 0;
    }
}

impl ReadCache {
    /// A cache for `db`; `None` on PostgreSQL, or when the file cannot be watched.
    pub fn new(db: &Db) -> Option<ReadCache> {
        Some(ReadCache {
            watch: db.watch_changes()?,
            inner: Mutex::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        })
    }

    /// Lookups answered from memory, and not, since the start (for `/metrics`).
    pub fn counts(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    /// The database's data version now (read before a slow path, for [`ReadCache::put`]).
    pub fn version(&self) -> Option<i64> {
        self.watch.version()
    }

    /// The answer kept for `key`, if the database has not changed since it was made.
    pub fn get(&self, key: &Key) -> Option<Arc<Answer>> {
        let found = self.lookup(key);
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn lookup(&self, key: &Key) -> Option<Arc<Answer>> {
        let now = self.watch.version();
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if now.is_none() || inner.version != now {
            inner.reset(now);
            return None;
        }
        inner.entries.get(key).filter(|a| a.stored.elapsed() < TTL).cloned()
    }

    /// Keeps `answer`, made by a request that started at data version `seen`, unless anything was
    /// committed since.
    pub fn put(&self, seen: i64, key: Key, answer: Answer) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.version != Some(seen) {
            if self.watch.version() != Some(seen) {
                return;
            }
            inner.reset(Some(seen));
        } else if self.watch.version() != Some(seen) {
            return;
        }
        let size = answer.size() + key.uri.len();
        if size > MAX_BYTES / 4 {
            return;
        }
        if inner.entries.len() >= MAX_ENTRIES || inner.bytes + size > MAX_BYTES {
            inner.reset(Some(seen));
        }
        inner.bytes += size;
        let uri = key.uri.len();
        if let Some(old) = inner.entries.insert(key, Arc::new(answer)) {
            inner.bytes -= old.size() + uri;
        }
    }
}
