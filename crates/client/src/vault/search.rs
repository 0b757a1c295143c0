//! Search everywhere (issue 14): [`Vault::search`] over every unlocked project of the connection.
//!
//! Decisions (the index itself: `envdesk_core::search`):
//!
//! - **Built lazily.** A project is indexed on the first search after it was unlocked, not at unlock
//!   (unlocking stays one request; a user who never searches never pays for it). Indexing reads every
//!   level of the project — its own, each target's, each environment's — through [`Vault::read_node`],
//!   the one reader and decrypter of levels. Builds run one at a time (a second search waits for the
//!   first build instead of starting its own); queries do not wait for builds of projects already
//!   indexed.
//! - **Kept current.** A save ([`Vault::save_level`], so imports too) and a clear replace the level's
//!   rows; every [`Vault::read_node`] of an indexed project replaces the rows of the levels it read
//!   (so a restore, or a change made elsewhere, shows once the node is read). Renaming or deleting a
//!   node forgets its project's rows (rebuilt on the next search).
//! - **Dropped on lock.** [`Vault::lock`] forgets the project's rows, [`Vault::lock_all`] (and so the idle
//!   lock) the whole index; its buffers are zeroized as they go. A build that finishes after its
//!   project was locked is thrown away (checked under the index's lock, which `lock` takes after the
//!   key is gone). The index is in memory only, never written anywhere.
//! - **What a search answers.** The hits (at most 200, with the count of all; never a value), the
//!   projects still locked ("locked — unlock to search"), and the levels that could not be read (a
//!   level whose blob does not decrypt is left out of the index, not a failure of the whole search).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use envdesk_api::NodePath;
use envdesk_core::search::{IndexedLevel, LevelId, SearchIndex, SearchOptions, SearchResults, MAX_HITS};
use zeroize::Zeroize;

use super::{NodeInfo, NodeView, Vault};
use crate::error::{ClientError, Result};

/// The most level text a connection's index takes in (its buffers hold about three times that): 256 MiB,
/// over 2,000 times the 100 × 1,000-key benchmark. Levels past it are left out and listed as unreadable.
pub const MAX_INDEXED_TEXT: usize = 256 << 20;

/// The index of one connection and what it covers.
#[derive(Default)]
struct State {
    index: SearchIndex,
    /// Projects every level of which is in `index`.
    complete: HashSet<String>,
    /// Levels of complete projects that could not be read.
    unreadable: Vec<LevelId>,
    /// The display name of each node of complete projects (by the node's own level).
    names: HashMap<LevelId, String>,
}

impl State {
    fn forget(&mut self, project: &str) {
        self.index.remove_project(project);
        self.complete.remove(project);
        self.unreadable.retain(|l| l.project != project);
        self.names.retain(|l, _| l.project != project);
    }
}

/// The vault's search state (a field of [`Vault`]).
#[derive(Default)]
pub(crate) struct Search {
    state: Mutex<State>,
    /// Held while a project is indexed: one build at a time.
    build: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("Search").field("index", &s.index).field("complete", &s.complete.len()).finish()
    }
}

/// What a search answers.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchAnswer {
    /// The hits, grouped project → target → environment, at most 200; `total` counts all.
    pub results: SearchResults,
    /// Projects of the connection that are locked: not searched ("locked — unlock to search").
    pub locked: Vec<NodeInfo>,
    /// Levels of searched projects that could not be read (left out).
    pub unreadable: Vec<LevelId>,
    /// The display names of the nodes the hits are in, and of their project and target.
    pub names: Vec<LevelName>,
}

/// A node's display name.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LevelName {
    /// The node (by its own level).
    pub level: LevelId,
    /// Its name.
    pub name: String,
}

fn level_id(path: &NodePath) -> LevelId {
    match (&path.target, &path.environment) {
        (Some(t), Some(e)) => LevelId::environment(&path.project, t, e),
        (Some(t), None) => LevelId::target(&path.project, t),
        _ => LevelId::project(&path.project),
    }
}

/// The level of `node` at depth `depth` (0: project, 1: target, 2: environment).
fn ancestor(path: &NodePath, depth: usize) -> LevelId {
    match depth {
        0 => LevelId::project(&path.project),
        1 => LevelId::target(&path.project, path.target.as_deref().unwrap_or_default()),
        _ => level_id(path),
    }
}

/// The level of `level`'s node or of an ancestor (0: project, 1: target, 2: environment).
fn ancestor_of(level: &LevelId, depth: usize) -> LevelId {
    match (depth, &level.target, &level.environment) {
        (0, _, _) | (_, None, _) => LevelId::project(&level.project),
        (1, Some(t), _) | (_, Some(t), None) => LevelId::target(&level.project, t),
        _ => level.clone(),
    }
}

impl Vault {
    fn search_state(&self) -> std::sync::MutexGuard<'_, State> {
        self.search.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Searches every unlocked project of the connection (indexing those not indexed yet) for `query`:
    /// key names always, comments and values as `opts` say. See the module doc.
    pub async fn search(&self, query: &str, opts: SearchOptions) -> Result<SearchAnswer> {
        let projects = self.projects().await?;
        let mut locked = Vec::new();
        for p in &projects {
            if !self.is_unlocked(&p.slug) {
                locked.push(p.clone());
                continue;
            }
            if self.search_state().complete.contains(&p.slug) {
                continue;
            }
            let _one_at_a_time = self.search.build.lock().await;
            if self.search_state().complete.contains(&p.slug) {
                continue;
            }
            match self.index_project(p).await {
                Ok(()) => {}
                Err(ClientError::Locked { .. }) => locked.push(p.clone()),
                Err(e) => return Err(e),
            }
        }
        let slugs: HashSet<&str> = projects.iter().map(|p| p.slug.as_str()).collect();
        let mut state = self.search_state();
        // A project deleted elsewhere since it was indexed is forgotten, not shown (a query without a cap
        // that filtered its hits out afterwards built every hit of an index of millions of rows).
        let gone: Vec<String> = state.complete.iter().filter(|p| !slugs.contains(p.as_str())).cloned().collect();
        for project in &gone {
            state.forget(project);
        }
        let results = state.index.query(query, opts, MAX_HITS);
        let unreadable: Vec<LevelId> =
            state.unreadable.iter().filter(|l| slugs.contains(l.project.as_str())).cloned().collect();
        let shown: BTreeSet<LevelId> = results
            .hits
            .iter()
            .map(|h| &h.level)
            .chain(&unreadable)
            .flat_map(|l| (0..3).map(|depth| ancestor_of(l, depth)))
            .collect();
        let names = shown
            .into_iter()
            .filter_map(|level| state.names.get(&level).map(|name| LevelName { name: name.clone(), level }))
            .collect();
        Ok(SearchAnswer { results, locked, unreadable, names })
    }

    /// Reads and indexes every level of `project`, then puts them in the index unless the project was
    /// locked meanwhile.
    async fn index_project(&self, p: &NodeInfo) -> Result<()> {
        let project = p.slug.as_str();
        let mut paths = vec![NodePath::project(project)];
        let mut names = vec![(LevelId::project(project), p.name.clone())];
        for t in self.all_targets(project).await? {
            paths.push(NodePath::target(project, &t.slug));
            for e in self.all_environments(project, &t.slug).await? {
                paths.push(NodePath::environment(project, &t.slug, &e.slug));
                names.push((LevelId::environment(project, &t.slug, &e.slug), e.name));
            }
            names.push((LevelId::target(project, &t.slug), t.name));
        }
        let mut built = Vec::with_capacity(paths.len());
        let mut unreadable = Vec::new();
        // The index holds about three times a level's text (names, comments, lower-cased values):
        // past the budget, levels are left out and listed, not indexed (a hostile server's levels
        // cannot fill the memory).
        let mut budget = self.opts.limits.indexed_text.saturating_sub(self.search_state().index.bytes() / 3);
        for path in &paths {
            match self.read_node(path).await {
                Ok(node) => {
                    if let Some(mut level) = node.levels.into_iter().last() {
                        if level.text.len() > budget {
                            unreadable.push(level_id(path));
                        } else {
                            budget -= level.text.len();
                            built.push((level_id(path), IndexedLevel::build(&level.text)));
                        }
                        level.text.zeroize();
                    }
                }
                Err(e @ ClientError::Locked { .. }) => return Err(e),
                Err(_) => unreadable.push(level_id(path)),
            }
        }
        let mut state = self.search_state();
        if !self.is_unlocked(project) {
            return Err(ClientError::Locked { project: project.to_owned() });
        }
        state.forget(project);
        for (id, level) in built {
            state.index.insert_level(id, level);
        }
        state.unreadable.extend(unreadable);
        state.names.extend(names);
        state.complete.insert(project.to_owned());
        Ok(())
    }

    /// A save (or clear, with `""`) of the deepest level of `path`: its rows follow, when its project
    /// is indexed.
    pub(crate) fn search_saved(&self, path: &NodePath, text: &str) {
        if !self.search_state().complete.contains(&path.project) {
            return;
        }
        let id = level_id(path);
        let level = IndexedLevel::build(text);
        let mut state = self.search_state();
        if state.complete.contains(&path.project) {
            state.unreadable.retain(|l| *l != id);
            state.index.insert_level(id, level);
        }
    }

    /// A node just read: the rows of its levels follow, when its project is indexed.
    /// Only levels whose text changed since they were indexed are indexed again (opening a node costs
    /// a hash of its text, not a rebuild).
    pub(crate) fn search_read(&self, node: &NodeView) {
        let stale: Vec<(LevelId, &str)> = {
            let state = self.search_state();
            if !state.complete.contains(&node.path.project) {
                return;
            }
            node.levels
                .iter()
                .enumerate()
                .map(|(depth, l)| (ancestor(&node.path, depth), l.text.as_str()))
                .filter(|(id, text)| !state.index.is_current(id, text))
                .collect()
        };
        if stale.is_empty() {
            return;
        }
        let levels: Vec<(LevelId, IndexedLevel)> =
            stale.into_iter().map(|(id, text)| (id, IndexedLevel::build(text))).collect();
        let mut state = self.search_state();
        if state.complete.contains(&node.path.project) {
            for (id, level) in levels {
                // Past the budget the level is left out and listed, as when the project was indexed.
                if (state.index.bytes() + level.bytes()) / 3 > self.opts.limits.indexed_text {
                    state.index.remove_level(&id);
                    if !state.unreadable.contains(&id) {
                        state.unreadable.push(id);
                    }
                    continue;
                }
                state.unreadable.retain(|l| *l != id);
                state.index.insert_level(id, level);
            }
        }
    }

    /// Forgets `project`'s rows (locked, renamed, or a node of it deleted).
    pub(crate) fn search_forget(&self, project: &str) {
        self.search_state().forget(project);
    }

    /// Forgets the whole index (every key dropped).
    pub(crate) fn search_forget_all(&self) {
        *self.search_state() = State::default();
    }
}
