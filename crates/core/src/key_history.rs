//! The history of one key through the versions of a level, and the "blame" of every key (the version
//! in which its current value was set), computed with the key-wise [`crate::diff`] between consecutive
//! versions.
//!
//! Decisions (issue 14, part 3; summary in `docs/decisions.md`, "History of one key"):
//!
//! - **What counts as a change**: the key's *value*, as the `.env` dialect reads it
//!   ([`crate::dotenv::Document::vars`]), compares differently between two consecutive readable versions
//!   — added (absent before, present after), changed (present in both, values differ) or removed.
//!   Formatting, quoting, comments and moves of the line are not changes (the values are equal). The
//!   first readable version is compared with an empty level, so each key in it is "added" there, even
//!   when older versions were purged or fell outside the retention period.
//! - **A version that empties the level** (the server's `delete` action: its content is the *backup*
//!   of what was deleted, not the level after it) is [`LevelState::Emptied`]: every key is removed
//!   there.
//! - **A version that cannot be read** (its text does not parse, or its blob cannot be decrypted here)
//!   is [`LevelState::Unreadable`]: it is skipped — the next readable version is compared with the last
//!   readable one before it — and its index is listed in `skipped`, so the UI says so. Nothing is
//!   guessed for it: a change made in it and undone right after is not shown, and a change is dated
//!   at the first readable version that shows it.
//! - **Blame** is given for the keys of the *current* text only, and only when the current value equals
//!   the value in the last readable version; otherwise (the level was written without a version, or its
//!   last versions cannot be read) the key's blame is `None`, "not in the history", never a guess.
//!
//! Where the computation runs, the cache of parsed versions and what "author" is: the client's
//! `vault/key_history.rs`.

use std::collections::HashMap;

use crate::diff::{self, Change};
use crate::dotenv::Document;
use crate::Vars;

/// One version of a level as the history sees it: the level's variables after it.
#[derive(Clone)]
pub enum LevelState {
    /// The version's text, parsed.
    Vars(Vars),
    /// The version emptied the level (a `delete`): no key after it.
    Emptied,
    /// The version cannot be read: why (never its text). Skipped.
    Unreadable(String),
}

impl std::fmt::Debug for LevelState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LevelState::Vars(v) => write!(f, "Vars(<{} keys>)", v.len()),
            LevelState::Emptied => f.write_str("Emptied"),
            LevelState::Unreadable(why) => f.debug_tuple("Unreadable").field(why).finish(),
        }
    }
}

impl LevelState {
    /// A version's text: its variables, or [`LevelState::Unreadable`] when it does not parse (the
    /// parser's message says where).
    pub fn from_text(text: &str) -> LevelState {
        match Document::parse(text) {
            Ok(d) => LevelState::Vars(d.vars()),
            Err(e) => LevelState::Unreadable(format!("its text does not parse ({e})")),
        }
    }

    /// The variables after this version; `None` when it cannot be read.
    pub fn vars(&self) -> Option<Option<&Vars>> {
        match self {
            LevelState::Vars(v) => Some(Some(v)),
            LevelState::Emptied => Some(None),
            LevelState::Unreadable(_) => None,
        }
    }

    /// The value of `key` after this version: `Some(None)` when absent, `None` when unreadable.
    pub fn value(&self, key: &str) -> Option<Option<&str>> {
        self.vars().map(|v| v.and_then(|v| v.get(key)).map(String::as_str))
    }

    /// Roughly how many bytes of memory this holds (for a cache's bound).
    pub fn approx_bytes(&self) -> usize {
        const PER_ENTRY: usize = 64;
        match self {
            LevelState::Vars(v) => v.iter().map(|(k, v)| k.capacity() + v.capacity() + PER_ENTRY).sum::<usize>() + 64,
            LevelState::Emptied => 64,
            LevelState::Unreadable(why) => why.len() + 64,
        }
    }
}

/// How a key changed in a version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum KeyChange {
    /// Absent before, present after.
    Added,
    /// Present before and after, with another value.
    Changed,
    /// Present before, absent after.
    Removed,
}

/// A version in which the key's value changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyEvent {
    /// The version's index in the states given (0 the oldest).
    pub index: usize,
    /// How.
    pub change: KeyChange,
}

/// The history of one key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyHistory {
    /// Oldest first.
    pub events: Vec<KeyEvent>,
    /// The indexes of the versions that could not be read and were skipped.
    pub skipped: Vec<usize>,
}

/// The version in which one key's current value was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyBlame {
    /// The key.
    pub key: String,
    /// The version's index; `None`: the current value is not in the readable history.
    pub index: Option<usize>,
}

/// The blame of every key of a level.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Blame {
    /// The keys of the current text, in its order.
    pub keys: Vec<KeyBlame>,
    /// The indexes of the versions that could not be read and were skipped.
    pub skipped: Vec<usize>,
}

/// `key` alone, as a set of variables (empty when absent).
fn only(vars: Option<&Vars>, key: &str) -> Vars {
    vars.and_then(|v| v.get_key_value(key)).map(|(k, v)| (k.clone(), v.clone())).into_iter().collect()
}

fn kind(c: &Change) -> Option<KeyChange> {
    match c {
        Change::Added { .. } => Some(KeyChange::Added),
        Change::Changed { .. } => Some(KeyChange::Changed),
        Change::Removed { .. } => Some(KeyChange::Removed),
        Change::Unchanged { .. } => None,
    }
}

/// The versions (oldest first) in which `key`'s value changed.
pub fn key_history<S: std::borrow::Borrow<LevelState>>(states: &[S], key: &str) -> KeyHistory {
    let mut out = KeyHistory::default();
    let mut prev = Vars::new();
    for (index, s) in states.iter().enumerate() {
        let Some(vars) = s.borrow().vars() else {
            out.skipped.push(index);
            continue;
        };
        let cur = only(vars, key);
        out.events.extend(diff::diff(&prev, &cur).iter().filter_map(kind).map(|change| KeyEvent { index, change }));
        prev = cur;
    }
    out
}

/// [`key_history`] of the versions' texts (each parsed once; one that does not parse is skipped).
pub fn key_history_of_texts(texts: &[&str], key: &str) -> KeyHistory {
    let states: Vec<LevelState> = texts.iter().map(|t| LevelState::from_text(t)).collect();
    key_history(&states, key)
}

/// For each key of `current` (the level's text now, parsed), the version (index into `states`, oldest
/// first) in which its current value was set.
pub fn blame<S: std::borrow::Borrow<LevelState>>(states: &[S], current: &Vars) -> Blame {
    let empty = Vars::new();
    let mut prev: &Vars = &empty;
    let mut set: HashMap<&str, usize> = HashMap::new();
    let mut skipped = Vec::new();
    for (index, s) in states.iter().enumerate() {
        let Some(vars) = s.borrow().vars() else {
            skipped.push(index);
            continue;
        };
        let cur = vars.unwrap_or(&empty);
        for c in diff::diff(prev, cur) {
            match c {
                Change::Added { .. } | Change::Changed { .. } => {
                    // The key as `cur` holds it (borrowed for as long as the states).
                    if let Some((k, _)) = cur.get_key_value(c.key()) {
                        set.insert(k.as_str(), index);
                    }
                }
                Change::Removed { .. } => {
                    set.remove(c.key());
                }
                Change::Unchanged { .. } => {}
            }
        }
        prev = cur;
    }
    let keys = current
        .iter()
        .map(|(k, v)| KeyBlame {
            key: k.clone(),
            index: (prev.get(k) == Some(v)).then(|| set.get(k.as_str()).copied()).flatten(),
        })
        .collect();
    Blame { keys, skipped }
}
