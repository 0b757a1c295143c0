//! The key matrix of a project (issue 14): every level of the project's targets and environments read
//! and decrypted here, the model computed by `envdesk_core::matrix`; the answer names keys and levels
//! and holds no value. Revealing a cell reads that one value ([`Vault::matrix_value`]).

use envdesk_api::NodePath;
use envdesk_core::matrix::{self, LevelInput, MatrixColumn, MatrixRow, TargetInput};
use envdesk_core::merge::LevelKind;
use zeroize::Zeroizing;

use super::{LevelView, NodeInfo, Vault};
use crate::error::Result;

/// A project's key matrix, for the matrix view.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyMatrix {
    /// The project's slug.
    pub project: String,
    /// The project is locked: the columns name its nodes, and there are no rows until it is unlocked.
    pub locked: bool,
    /// The levels: the project's, then each target's followed by its environments'.
    pub columns: Vec<MatrixColumn>,
    /// One row per key assigned at any level (see `envdesk_core::matrix` for the cell codes).
    pub rows: Vec<MatrixRow>,
}

impl KeyMatrix {
    /// The presence of every key at every level as CSV (RFC 4180; no value, no comparison).
    pub fn csv(&self) -> String {
        matrix::presence_csv(&self.project, &self.columns, &self.rows)
    }
}

/// The text of the `kind` level of a node read (empty when absent).
fn level_text(levels: &[LevelView], kind: LevelKind) -> Zeroizing<String> {
    Zeroizing::new(levels.iter().find(|l| l.kind == kind).map(|l| l.text.clone()).unwrap_or_default())
}

impl Vault {
    /// The key matrix of `project`. A locked project answers its columns (the names of its nodes) and
    /// no rows, with `locked` set; it is not unlocked here.
    pub async fn key_matrix(&self, project: &str) -> Result<KeyMatrix> {
        let info: Option<NodeInfo> = self.projects().await?.into_iter().find(|p| p.slug == project);
        let project_name = info.map_or_else(|| project.to_owned(), |p| p.name);
        let mut targets: Vec<(NodeInfo, Vec<NodeInfo>)> = Vec::new();
        for t in self.targets(project).await? {
            let envs = self.environments(project, &t.slug).await?;
            targets.push((t, envs));
        }
        let locked = !self.is_unlocked(project);
        // Texts: the project's level once, each target's once, each environment's once (each read of an
        // environment gives all three; a target without environments is read on its own).
        let mut project_text = Zeroizing::new(String::new());
        let mut texts: Vec<(Zeroizing<String>, Vec<Zeroizing<String>>)> = Vec::new();
        if !locked {
            let mut project_read = false;
            for (t, envs) in &targets {
                let mut target_text = None;
                let mut env_texts = Vec::with_capacity(envs.len());
                for e in envs {
                    let node = self.read_node(&NodePath::environment(project, &t.slug, &e.slug)).await?;
                    if !project_read {
                        project_text = level_text(&node.levels, LevelKind::Project);
                        project_read = true;
                    }
                    if target_text.is_none() {
                        target_text = Some(level_text(&node.levels, LevelKind::Target));
                    }
                    env_texts.push(level_text(&node.levels, LevelKind::Environment));
                }
                let target_text = match target_text {
                    Some(t) => t,
                    None => {
                        let node = self.read_node(&NodePath::target(project, &t.slug)).await?;
                        if !project_read {
                            project_text = level_text(&node.levels, LevelKind::Project);
                            project_read = true;
                        }
                        level_text(&node.levels, LevelKind::Target)
                    }
                };
                texts.push((target_text, env_texts));
            }
            if !project_read {
                let node = self.read_node(&NodePath::project(project)).await?;
                project_text = level_text(&node.levels, LevelKind::Project);
            }
        }
        let empty = String::new();
        let inputs: Vec<TargetInput<'_>> = targets
            .iter()
            .enumerate()
            .map(|(i, (t, envs))| TargetInput {
                target: LevelInput {
                    slug: &t.slug,
                    name: &t.name,
                    text: texts.get(i).map_or(empty.as_str(), |x| x.0.as_str()),
                },
                environments: envs
                    .iter()
                    .enumerate()
                    .map(|(j, e)| LevelInput {
                        slug: &e.slug,
                        name: &e.name,
                        text: texts.get(i).and_then(|x| x.1.get(j)).map_or(empty.as_str(), |s| s.as_str()),
                    })
                    .collect(),
            })
            .collect();
        let m = matrix::key_matrix(LevelInput { slug: project, name: &project_name, text: &project_text }, &inputs);
        Ok(KeyMatrix { project: project.to_owned(), locked, columns: m.columns, rows: m.rows })
    }

    /// The value of `key` in one cell of the matrix: at a project or target level, that node's merged
    /// value (its own, else the one it inherits); at an environment, its merged value. `None` when the
    /// key has no value there.
    pub async fn matrix_value(&self, path: &NodePath, key: &str) -> Result<Option<Zeroizing<String>>> {
        let node = self.read_node(path).await?;
        Ok(node.merged.into_iter().find(|m| m.key == key).map(|m| Zeroizing::new(m.value)))
    }
}
