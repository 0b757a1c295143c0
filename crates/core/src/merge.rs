//! Levels merged with provenance: project, then target, then environment; a deeper level wins.

use crate::Vars;

/// A level of the hierarchy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LevelKind {
    /// The project's own level.
    Project,
    /// A target's level.
    Target,
    /// An environment's level.
    Environment,
}

impl LevelKind {
    /// `"project"`, `"target"` or `"environment"` (the wire names).
    pub fn as_str(self) -> &'static str {
        match self {
            LevelKind::Project => "project",
            LevelKind::Target => "target",
            LevelKind::Environment => "environment",
        }
    }
}

/// A value a deeper level replaced.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Overridden {
    /// The level the replaced value comes from.
    pub level: LevelKind,
    /// The replaced value.
    pub value: String,
}

/// One key of the merged result.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
pub struct MergedVar {
    /// The key.
    pub key: String,
    /// The value that wins.
    pub value: String,
    /// The level it comes from.
    pub source: LevelKind,
    /// Every value it overrides, shallowest first.
    pub overrides: Vec<Overridden>,
}

impl std::fmt::Debug for MergedVar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MergedVar")
            .field("key", &self.key)
            .field("source", &self.source)
            .field("overrides", &self.overrides.len())
            .finish_non_exhaustive()
    }
}

/// Merges `levels` given shallowest first (project, target, environment). Keys keep the order of
/// their first appearance; within a level, that level's own order.
pub fn merge(levels: &[(LevelKind, &Vars)]) -> Vec<MergedVar> {
    let capacity = levels.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    let mut out: indexmap::IndexMap<&str, MergedVar> = indexmap::IndexMap::with_capacity(capacity);
    for &(level, vars) in levels {
        for (key, value) in vars {
            match out.get_mut(key.as_str()) {
                Some(m) => {
                    let old_value = std::mem::replace(&mut m.value, value.clone());
                    let old_level = std::mem::replace(&mut m.source, level);
                    m.overrides.push(Overridden { level: old_level, value: old_value });
                }
                None => {
                    out.insert(
                        key,
                        MergedVar { key: key.clone(), value: value.clone(), source: level, overrides: Vec::new() },
                    );
                }
            }
        }
    }
    out.into_values().collect()
}

/// The merged variables alone, without provenance.
pub fn merged_vars(levels: &[(LevelKind, &Vars)]) -> Vars {
    merge(levels).into_iter().map(|m| (m.key, m.value)).collect()
}
