//! Key-wise diff of two variable sets, and a three-way merge that reports only true conflicts.

use crate::Vars;

/// How one key differs.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// Only in the new set.
    Added {
        /// The key.
        key: String,
        /// Its value in the new set.
        value: String,
    },
    /// Only in the old set.
    Removed {
        /// The key.
        key: String,
        /// Its value in the old set.
        value: String,
    },
    /// In both, with different values.
    Changed {
        /// The key.
        key: String,
        /// Value in the old set.
        old: String,
        /// Value in the new set.
        new: String,
    },
    /// In both, with the same value.
    Unchanged {
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
}

impl std::fmt::Debug for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kind, key) = match self {
            Change::Added { key, .. } => ("Added", key),
            Change::Removed { key, .. } => ("Removed", key),
            Change::Changed { key, .. } => ("Changed", key),
            Change::Unchanged { key, .. } => ("Unchanged", key),
        };
        write!(f, "{kind}({key:?})")
    }
}

impl Change {
    /// The key this change is about.
    pub fn key(&self) -> &str {
        match self {
            Change::Added { key, .. }
            | Change::Removed { key, .. }
            | Change::Changed { key, .. }
            | Change::Unchanged { key, .. } => key,
        }
    }
    /// Whether this is a difference (not [`Change::Unchanged`]).
    pub fn is_difference(&self) -> bool {
        !matches!(self, Change::Unchanged { .. })
    }
}

/// Counts of a diff.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DiffSummary {
    /// Keys only in the new set.
    pub added: usize,
    /// Keys only in the old set.
    pub removed: usize,
    /// Keys whose value changed.
    pub changed: usize,
    /// Keys with the same value.
    pub unchanged: usize,
}

/// Key-wise diff of `old` → `new`. Stable order: the keys of `old` in its order, then the keys only in
/// `new` in its order.
pub fn diff(old: &Vars, new: &Vars) -> Vec<Change> {
    let mut out = Vec::with_capacity(old.len().max(new.len()));
    for (key, ov) in old {
        out.push(match new.get(key) {
            None => Change::Removed { key: key.clone(), value: ov.clone() },
            Some(nv) if nv == ov => Change::Unchanged { key: key.clone(), value: ov.clone() },
            Some(nv) => Change::Changed { key: key.clone(), old: ov.clone(), new: nv.clone() },
        });
    }
    for (key, nv) in new {
        if !old.contains_key(key) {
            out.push(Change::Added { key: key.clone(), value: nv.clone() });
        }
    }
    out
}

/// Counts the kinds of change.
pub fn summarize(changes: &[Change]) -> DiffSummary {
    let mut s = DiffSummary::default();
    for c in changes {
        match c {
            Change::Added { .. } => s.added += 1,
            Change::Removed { .. } => s.removed += 1,
            Change::Changed { .. } => s.changed += 1,
            Change::Unchanged { .. } => s.unchanged += 1,
        }
    }
    s
}

/// Applies a diff to `old`: the result equals the `new` the diff was made from, as a map.
pub fn apply(old: &Vars, changes: &[Change]) -> Vars {
    let mut out = old.clone();
    for c in changes {
        match c {
            Change::Added { key, value } => {
                out.insert(key.clone(), value.clone());
            }
            Change::Removed { key, .. } => {
                out.shift_remove(key);
            }
            Change::Changed { key, new, .. } => {
                out.insert(key.clone(), new.clone());
            }
            Change::Unchanged { .. } => {}
        }
    }
    out
}

/// A key both sides changed differently since the base. `None` means absent on that side.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "KeyConflict"))]
pub struct Conflict {
    /// The key.
    pub key: String,
    /// Its value in the common base.
    pub base: Option<String>,
    /// Our value.
    pub ours: Option<String>,
    /// Their value.
    pub theirs: Option<String>,
}

impl std::fmt::Debug for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conflict").field("key", &self.key).finish_non_exhaustive()
    }
}

/// The result of a three-way merge.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct Merge3 {
    /// Every key resolved without a question; a conflicting key holds our value (or is absent if we
    /// removed it) until the user decides.
    pub merged: Vars,
    /// The true conflicts: keys both sides changed, differently.
    pub conflicts: Vec<Conflict>,
}

impl std::fmt::Debug for Merge3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Merge3").field("merged", &self.merged.len()).field("conflicts", &self.conflicts).finish()
    }
}

/// Three-way merge of key sets. A key changed on one side only takes that side; changed the same way
/// on both takes it; changed differently on both is a conflict. Order: ours, then keys only theirs
/// added, in their order.
pub fn merge3(base: &Vars, ours: &Vars, theirs: &Vars) -> Merge3 {
    let mut merged = Vars::with_capacity(ours.len().max(theirs.len()));
    let mut conflicts = Vec::new();
    let keys = ours
        .keys()
        .chain(theirs.keys().filter(|k| !ours.contains_key(*k)))
        .chain(base.keys().filter(|k| !ours.contains_key(*k) && !theirs.contains_key(*k)));
    for key in keys {
        let (b, o, t) = (base.get(key), ours.get(key), theirs.get(key));
        let pick = if o == t || t == b {
            o
        } else if o == b {
            t
        } else {
            conflicts.push(Conflict { key: key.clone(), base: b.cloned(), ours: o.cloned(), theirs: t.cloned() });
            o
        };
        if let Some(v) = pick {
            merged.insert(key.clone(), v.clone());
        }
    }
    Merge3 { merged, conflicts }
}
