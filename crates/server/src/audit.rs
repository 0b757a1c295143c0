//! The audit log (issue 15): who read or changed what, when, from where, and whether it worked.
//!
//! **What is recorded.** Every authenticated request that reads secrets (levels, `retrieve`, a
//! version's content, a history batch to re-encrypt), reads a key, or changes anything; and every
//! request refused for a missing ability (`authz.access_denied`). An entry names the time, the
//! token (id and name), the ability checked, the event, the node path (slugs), the version, the
//! outcome with the error code, and the client address. Never a value, a blob, a key, a proof or a
//! token: the fields are filled from the route and from what the service resolved, never from a body.
//!
//! **How.** The HTTP layer opens a context per request ([`for_request`]); the service adds the node,
//! version and ability as it resolves them ([`note`]). A change's entry is written inside the
//! change's own write transaction, just before `COMMIT` ([`before_commit`]): no change is ever
//! acknowledged without its entry, and a change rolled back leaves none. Reads and refusals do not
//! write to the database themselves: their entries go to an in-memory queue that a background
//! thread appends in batches ([`Sink`]), so a read never waits for the write lock; a crash can lose
//! the last ~50 ms of read entries, never a change's.
//!
//! **Tamper evidence.** Every entry carries `hash = SHA-256(prev_hash ‖ content)`, where `prev_hash`
//! is the previous entry's hash. Appends happen only in write transactions, which run one at a time
//! on the whole database (also across replicas on PostgreSQL: `db.rs`), so there is one chain in id
//! order. [`verify`] walks it and reports the first entry whose content or link does not match.
//! Retention prunes the oldest entries and keeps the hash of the last one pruned as the chain's new
//! start (`audit_anchor`). Removing the newest entries cannot be seen from the chain alone: record the
//! head hash [`verify`] prints elsewhere (a backup, a ticket) to detect that.

use std::cell::RefCell;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::db::{Conn, Db, DbError, V};
use crate::params;

/// The hash the first entry links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry. Every field is metadata (see the module's documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// RFC 3339, UTC, microseconds.
    pub at: String,
    /// The organization's row id.
    pub org_id: Option<i64>,
    /// The token's row id.
    pub token_id: Option<i64>,
    /// The token's name.
    pub token_name: Option<String>,
    /// The ability checked last (the one refused, for a denial).
    pub ability: Option<String>,
    /// `secret.read`, `secret.updated`, `key.rotated`, `authz.access_denied`, …
    pub event: String,
    /// `project[/target[/environment]]`, slugs.
    pub node: Option<String>,
    /// A version id or a revision (`rev 4`).
    pub version: Option<String>,
    /// `success`, `denied` or `failed`.
    pub outcome: String,
    /// The error code of a refusal or failure (`revision_conflict`).
    pub error: Option<String>,
    /// The client's address as the server saw it (a proxy's, behind one).
    pub client: Option<String>,
}

/// What the chain's hashes are keyed with: a subkey of the master key (HMAC-SHA-256), so that someone
/// who can write the database but does not hold the master key cannot rebuild the chain after editing
/// it, nor forge the retention anchor. A server without a master key chains with plain SHA-256, which
/// shows edits only to whoever cannot recompute it (docs/deploy.md).
pub struct ChainKey(Option<[u8; 32]>);

/// No key: plain SHA-256.
pub static UNKEYED: ChainKey = ChainKey(None);

impl ChainKey {
    /// The audit subkey of a master key: HMAC-SHA-256(master, "envdesk audit chain v1").
    pub fn from_master(master: &[u8; 32]) -> ChainKey {
        ChainKey(Some(mac_with(master, b"envdesk audit chain v1")))
    }
    /// A key as stored (unwrapped from `server_secrets`).
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> ChainKey {
        ChainKey(Some(bytes))
    }
    /// The key's bytes, to be wrapped under the master key (`None` when unkeyed).
    pub(crate) fn expose(&self) -> Option<&[u8; 32]> {
        self.0.as_ref()
    }
    /// Whether the chain is keyed.
    pub fn is_keyed(&self) -> bool {
        self.0.is_some()
    }
    fn digest(&self, bytes: &[u8]) -> String {
        let out = match &self.0 {
            Some(k) => mac_with(k, bytes),
            None => Sha256::digest(bytes).into(),
        };
        out.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl Drop for ChainKey {
    fn drop(&mut self) {
        if let Some(k) = &mut self.0 {
            zeroize::Zeroize::zeroize(k);
        }
    }
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "ChainKey(keyed)" } else { "ChainKey(unkeyed)" })
    }
}

fn mac_with(key: &[u8], bytes: &[u8]) -> [u8; 32] {
    use hmac::Mac as _;
    let mut m = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(bytes);
    m.finalize().into_bytes().into()
}

/// The MAC of the retention anchor (which entry the chain starts after, and that entry's hash).
fn anchor_mac(key: &ChainKey, pruned_through: i64, hash: &str) -> String {
    let mut bytes = b"envdesk-audit-anchor-v1\0".to_vec();
    bytes.extend(pruned_through.to_be_bytes());
    bytes.extend(hash.as_bytes());
    key.digest(&bytes)
}

impl Entry {
    /// The chain's hash of this entry after `prev`: over `prev` and every field, each tagged and
    /// length-prefixed (no two entries hash alike by moving bytes between fields), keyed with `key`
    /// ([`ChainKey`]), hex.
    pub fn hash(&self, prev: &str, key: &ChainKey) -> String {
        let mut h: Vec<u8> = Vec::with_capacity(256);
        h.extend_from_slice(b"envdesk-audit-v1\0");
        let text = |h: &mut Vec<u8>, s: Option<&str>| match s {
            Some(s) => {
                h.push(b's');
                h.extend((s.len() as u64).to_be_bytes());
                h.extend_from_slice(s.as_bytes());
            }
            None => h.push(b'n'),
        };
        let int = |h: &mut Vec<u8>, i: Option<i64>| match i {
            Some(i) => {
                h.push(b'i');
                h.extend(i.to_be_bytes());
            }
            None => h.push(b'n'),
        };
        text(&mut h, Some(prev));
        text(&mut h, Some(&self.at));
        int(&mut h, self.org_id);
        int(&mut h, self.token_id);
        text(&mut h, self.token_name.as_deref());
        text(&mut h, self.ability.as_deref());
        text(&mut h, Some(&self.event));
        text(&mut h, self.node.as_deref());
        text(&mut h, self.version.as_deref());
        text(&mut h, Some(&self.outcome));
        text(&mut h, self.error.as_deref());
        text(&mut h, self.client.as_deref());
        key.digest(&h)
    }
}

/// The entry of the request the current (blocking) thread works for.
struct Ctx {
    entry: Entry,
    /// Whether it names an audited event (otherwise only a denial is recorded).
    audited: bool,
    /// Written already, inside a write transaction.
    written: bool,
}

thread_local! {
    static CTX: RefCell<Option<Ctx>> = const { RefCell::new(None) };
}

/// Runs `f` (one request's work, on the current thread) with `entry` as its audit context. Returns
/// what `f` returned and the entry when it still has to be recorded (it was not written in a write
/// transaction); `audited` says whether the event is recorded at all on success.
pub(crate) fn for_request<T>(entry: Entry, audited: bool, f: impl FnOnce() -> T) -> (T, Option<Entry>) {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            CTX.with(|c| c.borrow_mut().take());
        }
    }
    CTX.with(|c| *c.borrow_mut() = Some(Ctx { entry, audited, written: false }));
    let reset = Reset;
    let out = f();
    let ctx = CTX.with(|c| c.borrow_mut().take());
    drop(reset);
    let left = ctx.filter(|c| !c.written).map(|c| {
        let mut e = c.entry;
        // A request that is not audited is still recorded when refused: see the caller.
        if !c.audited {
            e.event.clear();
        }
        e
    });
    (out, left)
}

/// The event a request is recorded as when it succeeds (`None`: not recorded, unless refused).
pub fn classify(m: &axum::http::Method, segs: &[&str]) -> Option<&'static str> {
    use axum::http::Method;
    let (get, post, delete) = (m == Method::GET, m == Method::POST, m == Method::DELETE);
    let update = m == Method::PUT || m == Method::PATCH;
    Some(match segs {
        ["organizations", _] if update => "organization.updated",
        ["organizations", _, "api-keys"] if post => "token.created",
        ["organizations", _, "api-keys", _] if delete => "token.revoked",
        ["organization" | "organizations", ..] => return None,
        [_, rest @ ..] => match rest {
            ["projects"] if post => "project.created",
            ["secrets", "retrieve"] if post => "secret.read",
            ["secrets", "store"] if post => "secret.updated",
            ["secrets", "delete"] if post => "secret.deleted",
            ["secrets", "versions", "purge"] if post => "secret.bulk_operation",
            ["secrets", "versions", _] if get => "secret.read",
            ["secrets", "versions", _] if delete => "secret.version_deleted",
            ["secrets", "versions", _, "restore"] if post => "secret.restored",
            ["secrets", ..] | ["audit-log", ..] => return None,
            [_, "secrets"] | [_, _, "secrets"] | [_, _, _, "secrets"] if get => "secret.read",
            [_, "encryption-key"] | [_, "encryption-key", "history"] if get => "key.accessed",
            [_, "encryption-key", "rotate"] if post => "key.rotated",
            [_, "secrets", "rotate-client-keys"] if post => "key.rotated",
            [_, "secrets", "re-encrypt-history", "pending"] if post => "secret.read",
            [_, "secrets", "re-encrypt-history"] if post => "secret.bulk_operation",
            [_, "targets"] if post => "target.created",
            [_, _, "environments"] if post => "environment.created",
            [_] if update => "project.updated",
            [_] if delete => "project.deleted",
            [_, _] if update => "target.updated",
            [_, _] if delete => "target.deleted",
            [_, _, _] if update => "environment.updated",
            [_, _, _] if delete => "environment.deleted",
            _ => return None,
        },
        _ => return None,
    })
}

/// The version a path names (`secrets/versions/{id}…`), bounded.
pub fn version_in_path(segs: &[&str]) -> Option<String> {
    match segs {
        [_, "secrets", "versions", id, ..] if *id != "purge" => Some(bounded((*id).to_owned(), 40)),
        _ => None,
    }
}

/// The entry of a request that ended without writing one: refused for a missing ability
/// (`authz.access_denied`, whatever the route), or an audited request's success or failure. `None`
/// for a request that is not recorded.
pub fn outcome(mut e: Entry, error: Option<&envdesk_api::ApiError>) -> Option<Entry> {
    match error {
        Some(err) if err.code == envdesk_api::ErrorCode::InsufficientPermissions => {
            e.event = "authz.access_denied".into();
            e.outcome = "denied".into();
            e.error = Some(err.code.as_str().to_owned());
        }
        _ if e.event.is_empty() => return None,
        Some(err) => {
            e.outcome = "failed".into();
            e.error = Some(err.code.as_str().to_owned());
        }
        None => e.outcome = "success".into(),
    }
    Some(e)
}

/// Runs `f`, a change made with `envdesk-server` on the command line (`init`, `token create`,
/// `token revoke`, `master-key rotate`), as an audited request: its entry names `command line` as
/// its token and `cli` with the operating system's user as its client, and is written in the
/// change's own transaction; a change that fails is recorded as failed. Needs the database's chain
/// key on `db` (the master key), or a database whose chain is unkeyed ([`chain_is_keyed`]).
pub fn command_line<T>(
    db: &Db,
    event: &'static str,
    f: impl FnOnce() -> Result<T, envdesk_api::ApiError>,
) -> Result<T, envdesk_api::ApiError> {
    let user: String = std::env::var("USER")
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(32)
        .collect();
    let entry = Entry {
        at: crate::service::ts(chrono::Utc::now()),
        org_id: None,
        token_id: None,
        token_name: Some("command line".into()),
        ability: None,
        event: event.into(),
        node: None,
        version: None,
        outcome: String::new(),
        error: None,
        client: Some(if user.is_empty() { "cli".into() } else { format!("cli:{user}") }),
    };
    let (out, left) = for_request(entry, true, f);
    if let Some(e) = left.and_then(|e| outcome(e, out.as_ref().err())) {
        if let Err(err) = db.write(|c| append_all(c, std::slice::from_ref(&e), db.audit_key())) {
            tracing::error!(error = %err, event, "the audit log could not record a command-line change");
        }
    }
    out
}

/// Whether `db`'s audit chain is keyed (a master key was given to it once): then only a holder of
/// the master key can append to it.
pub fn chain_is_keyed(db: &Db) -> Result<bool, DbError> {
    db.read(|c| c.query_opt("SELECT id FROM server_secrets WHERE id = 1", &[], |r| r.get::<i64>("id")))
        .map(|r| r.is_some())
}

/// Adds what the service learned (node, version, ability) to the current request's entry.
pub(crate) fn note(f: impl FnOnce(&mut Entry)) {
    CTX.with(|c| {
        if let Some(ctx) = c.borrow_mut().as_mut() {
            f(&mut ctx.entry);
        }
    });
}

/// Sets the current request's node (`project[/target[/environment]]`), bounded to 300 characters.
pub(crate) fn set_node(node: String) {
    note(|e| {
        if e.node.is_none() {
            e.node = Some(bounded(node, 300));
        }
    });
}

/// At most `max` characters.
pub(crate) fn bounded(s: String, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_owned(),
        None => s,
    }
}

/// Called by [`Db::write`] just before `COMMIT`: writes the current request's entry (an audited
/// change that succeeded so far) in the same transaction, once.
pub(crate) fn before_commit(c: &Conn<'_>, key: &ChainKey) -> Result<(), DbError> {
    let entry = CTX.with(|cell| {
        let mut cell = cell.borrow_mut();
        let ctx = cell.as_mut()?;
        if !ctx.audited || ctx.written {
            return None;
        }
        let mut e = ctx.entry.clone();
        e.outcome = "success".into();
        Some(e)
    });
    let Some(e) = entry else { return Ok(()) };
    append_all(c, std::slice::from_ref(&e), key)?;
    // Written only once the append is in the transaction (a failed append leaves the entry to be
    // recorded with the request's outcome).
    CTX.with(|cell| {
        if let Some(ctx) = cell.borrow_mut().as_mut() {
            ctx.written = true;
        }
    });
    Ok(())
}

/// Called by [`Db::write`] when the transaction that wrote the current entry did not commit: the
/// entry is to be recorded again (as the request's outcome) or by a later transaction.
pub(crate) fn not_committed() {
    CTX.with(|c| {
        if let Some(ctx) = c.borrow_mut().as_mut() {
            ctx.written = false;
        }
    });
}

/// Appends `entries` in order (inside a write transaction): the chain's head is read once.
pub(crate) fn append_all(c: &Conn<'_>, entries: &[Entry], key: &ChainKey) -> Result<(), DbError> {
    let mut prev =
        match c.query_opt("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1", &[], |r| r.get::<String>("hash"))? {
            Some(h) => h,
            None => anchor(c)?.map_or_else(|| GENESIS.to_owned(), |(_, h)| h),
        };
    for e in entries {
        let hash = e.hash(&prev, key);
        c.execute(
            "INSERT INTO audit_log (at, organization_id, token_id, token_name, ability, event, node, version, outcome, error, client, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![e.at, e.org_id, e.token_id, e.token_name, e.ability, e.event, e.node, e.version, e.outcome, e.error, e.client, prev, hash],
        )?;
        prev = hash;
    }
    Ok(())
}

fn anchor(c: &Conn<'_>) -> Result<Option<(i64, String)>, DbError> {
    Ok(anchor_row(c)?.map(|(p, h, _)| (p, h)))
}

fn anchor_row(c: &Conn<'_>) -> Result<Option<(i64, String, Option<String>)>, DbError> {
    c.query_opt("SELECT pruned_through, hash, mac FROM audit_anchor WHERE id = 1", &[], |r| {
        Ok((r.get("pruned_through")?, r.get("hash")?, r.get("mac")?))
    })
}

/// A stored entry with its place in the chain.
#[derive(Clone, Debug)]
pub struct Stored {
    /// Row id (chain order).
    pub id: i64,
    /// The entry.
    pub entry: Entry,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

const COLS: &str =
    "id, at, organization_id, token_id, token_name, ability, event, node, version, outcome, error, client, prev_hash, hash";

fn stored(r: &crate::db::Row<'_>) -> Result<Stored, DbError> {
    Ok(Stored {
        id: r.get("id")?,
        entry: Entry {
            at: r.get("at")?,
            org_id: r.get("organization_id")?,
            token_id: r.get("token_id")?,
            token_name: r.get("token_name")?,
            ability: r.get("ability")?,
            event: r.get("event")?,
            node: r.get("node")?,
            version: r.get("version")?,
            outcome: r.get("outcome")?,
            error: r.get("error")?,
            client: r.get("client")?,
        },
        prev_hash: r.get("prev_hash")?,
        hash: r.get("hash")?,
    })
}

/// One stored entry by id (tests, tools).
pub fn stored_entry(c: &Conn<'_>, id: i64) -> Result<Option<Stored>, DbError> {
    c.query_opt(&format!("SELECT {COLS} FROM audit_log WHERE id = ?1"), params![id], stored)
}

/// Whether the newest entry of the log (if any) was chained with `key`, or unkeyed: what a master key
/// must show before its chain key is stored for a database that has a log but no stored chain key
/// (`MasterKey::audit_chain_key`).
pub(crate) fn newest_chained_with(c: &Conn<'_>, key: &ChainKey) -> Result<bool, DbError> {
    let newest = c.query_opt(&format!("SELECT {COLS} FROM audit_log ORDER BY id DESC LIMIT 1"), params![], stored)?;
    Ok(newest
        .is_none_or(|s| s.entry.hash(&s.prev_hash, key) == s.hash || s.entry.hash(&s.prev_hash, &UNKEYED) == s.hash))
}

/// What [`verify`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Entries checked.
    pub entries: u64,
    /// Entries pruned by retention before the first one (the chain starts at their last hash).
    pub pruned_through: Option<i64>,
    /// The first entry that does not match, and why.
    pub first_break: Option<(i64, &'static str)>,
    /// The newest entry's hash (record it elsewhere to detect removal of the newest entries).
    pub head: String,
}

/// Walks the whole chain in id order.
pub fn verify(db: &Db) -> Result<Verified, DbError> {
    let key = db.audit_key();
    db.read(|c| {
        let row = anchor_row(c)?;
        // The anchor is the chain's start after retention: its MAC must be ours, or older entries
        // were removed and the anchor moved by someone without the key.
        if let Some((p, h, mac)) = &row {
            if mac.as_deref() != Some(anchor_mac(key, *p, h).as_str()) {
                return Ok(Verified {
                    entries: 0,
                    pruned_through: Some(*p),
                    first_break: Some((*p, "the retention anchor does not match its MAC (it was forged or moved)")),
                    head: GENESIS.to_owned(),
                });
            }
        }
        let anchor = row.map(|(p, h, _)| (p, h));
        let mut prev = anchor.as_ref().map_or_else(|| GENESIS.to_owned(), |(_, h)| h.clone());
        let (mut after, mut entries) = (0i64, 0u64);
        loop {
            let batch = c.query(
                &format!("SELECT {COLS} FROM audit_log WHERE id > ?1 ORDER BY id LIMIT 1000"),
                params![after],
                stored,
            )?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            for s in &batch {
                let broken = if s.prev_hash != prev {
                    Some("it does not follow the entry before it (an entry was removed, inserted or reordered)")
                } else if s.entry.hash(&s.prev_hash, key) != s.hash {
                    Some("its content does not match its hash (it was edited)")
                } else {
                    None
                };
                if let Some(why) = broken {
                    return Ok(Verified {
                        entries,
                        pruned_through: anchor.map(|(p, _)| p),
                        first_break: Some((s.id, why)),
                        head: prev,
                    });
                }
                prev = s.hash.clone();
                entries += 1;
            }
        }
        Ok(Verified { entries, pruned_through: anchor.map(|(p, _)| p), first_break: None, head: prev })
    })
}

/// Removes entries older than `cutoff` (RFC 3339), keeping the last removed hash as the chain's start.
pub fn prune(db: &Db, cutoff: &str) -> Result<u64, DbError> {
    let key = db.audit_key();
    db.write(|c| {
        let last = c.query_opt(
            "SELECT id, hash FROM audit_log WHERE at < ?1 ORDER BY id DESC LIMIT 1",
            params![cutoff],
            |r| Ok((r.get::<i64>("id")?, r.get::<String>("hash")?)),
        )?;
        let Some((id, hash)) = last else { return Ok(0) };
        let n = c.execute("DELETE FROM audit_log WHERE id <= ?1", params![id])?;
        c.execute(
            "INSERT INTO audit_anchor (id, pruned_through, hash, mac) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET pruned_through = excluded.pruned_through, hash = excluded.hash, mac = excluded.mac",
            params![id, hash, anchor_mac(key, id, &hash)],
        )?;
        Ok(n)
    })
}

/// A filter of [`query`].
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Entries at or after (RFC 3339).
    pub from: Option<String>,
    /// Entries before (RFC 3339).
    pub to: Option<String>,
    /// A node and everything under it (`app`, `app/backend`).
    pub node: Option<String>,
    /// A token id.
    pub token: Option<i64>,
    /// An event (`secret.read`), or a family ending in `.` (`secret.`).
    pub event: Option<String>,
}

/// One organization's entries, newest first (by the time of their request; the chain is in id order,
/// where a read recorded in a batch can come after a later change): (page, total).
pub fn query(c: &Conn<'_>, org: i64, f: &Filter, limit: u32, offset: u64) -> Result<(Vec<Stored>, u64), DbError> {
    let node = f.node.as_deref().map(|n| n.trim_end_matches('/'));
    let node_prefix = node.map(|n| format!("{n}/"));
    let mut values: Vec<V<'_>> = vec![V::Int(org)];
    let mut clauses = vec!["organization_id = ?1".to_owned()];
    if let Some(from) = &f.from {
        values.push(V::Text(from));
        clauses.push(format!("at >= ?{}", values.len()));
    }
    if let Some(to) = &f.to {
        values.push(V::Text(to));
        clauses.push(format!("at < ?{}", values.len()));
    }
    if let (Some(n), Some(p)) = (node, &node_prefix) {
        values.push(V::Text(n));
        values.push(V::Text(p));
        values.push(V::Int(p.len() as i64));
        let i = values.len();
        clauses.push(format!("(node = ?{} OR substr(node, 1, ?{i}) = ?{})", i - 2, i - 1));
    }
    if let Some(t) = f.token {
        values.push(V::Int(t));
        clauses.push(format!("token_id = ?{}", values.len()));
    }
    if let Some(e) = &f.event {
        values.push(V::Text(e));
        let i = values.len();
        if e.ends_with('.') {
            values.push(V::Int(e.len() as i64));
            clauses.push(format!("substr(event, 1, ?{}) = ?{i}", i + 1));
        } else {
            clauses.push(format!("event = ?{i}"));
        }
    }
    let where_ = clauses.join(" AND ");
    // Counted up to the deepest entry a page can reach, so no listing costs more than that however
    // long the log grows (`MAX_DEPTH`).
    values.push(V::Int(MAX_DEPTH as i64));
    let total: i64 = c.query_one(
        &format!("SELECT COUNT(*) AS n FROM (SELECT 1 FROM audit_log WHERE {where_} LIMIT ?{}) AS m", values.len()),
        &values,
        |r| r.get("n"),
    )?;
    values.pop();
    let n = values.len();
    values.push(V::Int(i64::from(limit)));
    values.push(V::Int(i64::try_from(offset).unwrap_or(i64::MAX)));
    let rows = c.query(
        &format!(
            "SELECT {COLS} FROM audit_log WHERE {where_} ORDER BY at DESC, id DESC LIMIT ?{} OFFSET ?{}",
            n + 1,
            n + 2
        ),
        &values,
        stored,
    )?;
    Ok((rows, total as u64))
}

/// How deep a listing reaches, newest first: pages end at the 10,000th matching entry, and the total
/// counts at most that many. Older entries are reached by narrowing the time (`to`), so a listing
/// costs the same on a log of any length (review of issue 15: it counted every matching row and
/// skipped with `OFFSET` however deep).
pub const MAX_DEPTH: u64 = 10_000;

/// The queue of entries that are not written inside a change's transaction, appended in batches by a
/// background thread (at most ~50 ms later, or at once when 256 wait).
pub struct Sink {
    shared: Arc<SinkShared>,
    db: Db,
}

/// Entries waiting at most, while the database refuses the batches (about 50 MB).
pub const MAX_QUEUED: usize = 100_000;

/// Entries that start a batch at once, without waiting for [`PACE`].
const BATCH: usize = 1024;

/// Time between two batches of queued entries, at least (unless [`BATCH`] wait).
const PACE: Duration = Duration::from_millis(50);

struct SinkShared {
    /// Entries dropped because the queue was full.
    dropped: std::sync::atomic::AtomicU64,
    queue: Mutex<Vec<Entry>>,
    wake: Condvar,
    /// Held while a batch is written, so [`Sink::flush`] returns only when every entry queued
    /// before it is in the database.
    writing: Mutex<()>,
}

impl Sink {
    /// Starts the writer thread for `db`; it ends when the sink is dropped (after a last flush). With
    /// `retention_days`, it prunes older entries at start and then hourly.
    pub fn start(db: Db, retention_days: Option<u32>) -> Sink {
        let own = db.clone();
        let mut last_prune: Option<std::time::Instant> = None;
        let mut last_write = std::time::Instant::now();
        let shared = Arc::new(SinkShared {
            dropped: Default::default(),
            queue: Mutex::new(Vec::new()),
            wake: Condvar::new(),
            writing: Mutex::new(()),
        });
        let weak: Weak<SinkShared> = Arc::downgrade(&shared);
        std::thread::Builder::new()
            .name("audit-log".into())
            .spawn(move || loop {
                let Some(shared) = weak.upgrade() else { return };
                {
                    // At most one batch per PACE, unless BATCH entries wait: every commit changes
                    // the database, which empties the read cache (crate::hot).
                    let mut q = shared.queue.lock().unwrap_or_else(|e| e.into_inner());
                    let due = last_write + PACE;
                    loop {
                        let now = std::time::Instant::now();
                        if q.len() >= BATCH || now >= due {
                            break;
                        }
                        q = shared.wake.wait_timeout(q, due - now).unwrap_or_else(|e| e.into_inner()).0;
                    }
                }
                last_write = std::time::Instant::now();
                write_pending(&shared, &db);
                drop(shared);
                if let Some(days) = retention_days {
                    if last_prune.is_none_or(|t| t.elapsed() > Duration::from_secs(3600)) {
                        last_prune = Some(std::time::Instant::now());
                        let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
                        match prune(&db, &crate::service::ts(cutoff)) {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(entries = n, days, "audit log: pruned by retention"),
                            Err(e) => tracing::error!(error = %e, "audit log: pruning failed"),
                        }
                    }
                }
            })
            .ok();
        Sink { shared, db: own }
    }

    /// Queues an entry. Past [`MAX_QUEUED`] waiting (the database has refused the batches for a
    /// while), the entry is dropped and counted (`dropped`, in `/metrics` and the log).
    pub fn push(&self, e: Entry) {
        let mut q = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
        if q.len() >= MAX_QUEUED {
            drop(q);
            let n = self.shared.dropped.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if n == 1 || n % 10_000 == 0 {
                tracing::error!(
                    dropped = n,
                    "audit log: the queue is full (the database refuses the batches); entries are lost"
                );
            }
            return;
        }
        q.push(e);
        if q.len() >= BATCH {
            self.shared.wake.notify_one();
        }
    }

    /// Entries dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Entries waiting to be written.
    pub fn queued(&self) -> usize {
        self.shared.queue.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Writes every queued entry now (a reader of the log sees everything up to this moment).
    pub fn flush(&self) {
        write_pending(&self.shared, &self.db);
    }
}

fn write_pending(shared: &SinkShared, db: &Db) {
    let _turn = shared.writing.lock().unwrap_or_else(|e| e.into_inner());
    let batch = std::mem::take(&mut *shared.queue.lock().unwrap_or_else(|e| e.into_inner()));
    if batch.is_empty() {
        return;
    }
    let n = batch.len();
    if let Err(e) = db.write(|c| append_all(c, &batch, db.audit_key())) {
        // Kept, in order, before what came meanwhile: the next tick tries again.
        tracing::error!(error = %e, entries = n, "audit log: a batch could not be written; it is tried again");
        let mut q = shared.queue.lock().unwrap_or_else(|e| e.into_inner());
        let later = std::mem::replace(&mut *q, batch);
        q.extend(later);
    }
}

/// The last entries are written before the sink goes (a server stopping loses none).
impl Drop for Sink {
    fn drop(&mut self) {
        write_pending(&self.shared, &self.db);
        self.shared.wake.notify_one();
    }
}
