//! The key matrix of a project (issue 14): every level of the project's targets and environments read
//! and decrypted here, the model computed by `envdesk_core::matrix`; the answer names keys and levels
//! and holds no value. Revealing a cell reads that one value ([`Vault::matrix_value`]).

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use envdesk_api::NodePath;
use envdesk_core::matrix::{self, LevelInput, MatrixColumn, MatrixRow, TargetInput};
use envdesk_core::merge::LevelKind;
use envdesk_core::schema::CheckContext;
use zeroize::Zeroizing;

use super::{LevelView, NodeInfo, Vault};
use crate::error::{ClientError, Result};

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
    /// Schema errors in the environments' cells (issue 16; each row says which).
    pub schema_errors: u32,
    /// Schema warnings (keys expiring soon) in the environments' cells.
    pub schema_warnings: u32,
}

impl KeyMatrix {
    /// The presence of every key at every level as CSV (RFC 4180; no value, no comparison).
    pub fn csv(&self) -> String {
        matrix::presence_csv(&self.project, &self.columns, &self.rows)
    }
}

/// How many reads of one matrix are in flight at once (a remote server answers them concurrently; the
/// decryption and parsing of each still runs on this task).
const AT_ONCE: usize = 8;

/// The most decrypted text one matrix keeps while it is built (every level once): 256 MiB, over 100 times
/// the 30 × 2,000-key project of the benchmarks. A server answering more is refused (`TooLarge`).
pub const MAX_MATRIX_BYTES: usize = 256 << 20;

/// Runs `futures` concurrently on this task and answers their outputs in order.
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (f, o) in futures.iter_mut().zip(out.iter_mut()) {
            if o.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *o = Some(v),
                    Poll::Pending => done = false,
                }
            }
        }
        if done {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// The text of the `kind` level of a node read (empty when absent).
/// Zeroizes the texts of levels read for the matrix once their texts are taken.
fn zeroize_levels(mut levels: Vec<LevelView>) {
    for l in &mut levels {
        zeroize::Zeroize::zeroize(&mut l.text);
    }
}

fn level_text(levels: &[LevelView], kind: LevelKind) -> Zeroizing<String> {
    Zeroizing::new(levels.iter().find(|l| l.kind == kind).map(|l| l.text.clone()).unwrap_or_default())
}

impl Vault {
    /// The key matrix of `project`. A locked project answers its columns (the names of its nodes) and
    /// no rows, with `locked` set; it is not unlocked here.
    pub async fn key_matrix(&self, project: &str) -> Result<KeyMatrix> {
        let info: Option<NodeInfo> = self.projects().await?.into_iter().find(|p| p.slug == project);
        let project_name = info.map_or_else(|| project.to_owned(), |p| p.name);
        let target_list = self.targets(project).await?;
        let mut targets: Vec<(NodeInfo, Vec<NodeInfo>)> = Vec::with_capacity(target_list.len());
        for chunk in target_list.chunks(AT_ONCE) {
            let lists = join_all(chunk.iter().map(|t| self.environments(project, &t.slug)).collect()).await;
            for (t, envs) in chunk.iter().zip(lists) {
                targets.push((t.clone(), envs?));
            }
        }
        let locked = !self.is_unlocked(project);
        // Texts: the project's level once, each target's once, each environment's once. One read per
        // environment gives all three of its path; a target without environments is read alone, and a
        // project without targets too.
        let mut project_text = Zeroizing::new(String::new());
        let mut texts: Vec<(Zeroizing<String>, Vec<Zeroizing<String>>)> = Vec::new();
        if !locked {
            let mut paths: Vec<NodePath> = Vec::new();
            for (t, envs) in &targets {
                if envs.is_empty() {
                    paths.push(NodePath::target(project, &t.slug));
                }
                paths.extend(envs.iter().map(|e| NodePath::environment(project, &t.slug, &e.slug)));
            }
            if paths.is_empty() {
                paths.push(NodePath::project(project));
            }
            // Each node is taken apart as it arrives: only the texts the matrix needs are kept (the
            // project's once, each target's once, each environment's), the rest of the read (its merged
            // result, the texts repeated by every environment) dropped at once; what is kept is bounded.
            let mut kept = 0usize;
            let mut got: Vec<(Zeroizing<String>, Zeroizing<String>)> = Vec::with_capacity(paths.len());
            let mut first_of_target: Vec<bool> = Vec::with_capacity(paths.len());
            for (_, envs) in &targets {
                first_of_target.extend((0..envs.len().max(1)).map(|i| i == 0));
            }
            for chunk in paths.chunks(AT_ONCE) {
                // The texts only: the matrix parses them itself (no merge or templates per node).
                for levels in join_all(chunk.iter().map(|p| self.read_levels(p)).collect()).await {
                    let levels = levels?;
                    if got.is_empty() {
                        project_text = level_text(&levels, LevelKind::Project);
                        kept += project_text.len();
                    }
                    let first = first_of_target.get(got.len()).copied().unwrap_or(true);
                    let target = if first { level_text(&levels, LevelKind::Target) } else { Zeroizing::default() };
                    let env = level_text(&levels, LevelKind::Environment);
                    zeroize_levels(levels);
                    kept += target.len() + env.len();
                    if kept > self.opts.limits.matrix_bytes {
                        return Err(ClientError::TooLarge {
                            what: "key matrix of this project",
                            limit: crate::error::bytes_in_words(self.opts.limits.matrix_bytes),
                        });
                    }
                    got.push((target, env));
                }
            }
            // The answer is two bytes per key and column: bounded too, before it is built (every
            // line could be a key of its own).
            let columns = 1 + targets.iter().map(|(_, envs)| 1 + envs.len()).sum::<usize>();
            let lines = project_text.lines().count()
                + got.iter().map(|(t, e)| t.lines().count() + e.lines().count()).sum::<usize>();
            if lines.saturating_mul(columns).saturating_mul(2) > self.opts.limits.matrix_bytes {
                return Err(ClientError::TooLarge {
                    what: "key matrix of this project",
                    limit: crate::error::bytes_in_words(self.opts.limits.matrix_bytes),
                });
            }
            let mut read = got.into_iter();
            for (_, envs) in &targets {
                let mut of_target: Vec<(Zeroizing<String>, Zeroizing<String>)> =
                    read.by_ref().take(envs.len().max(1)).collect();
                let target_text = of_target.first_mut().map_or_else(Zeroizing::default, |x| std::mem::take(&mut x.0));
                let env_texts =
                    if envs.is_empty() { Vec::new() } else { of_target.into_iter().map(|(_, e)| e).collect() };
                texts.push((target_text, env_texts));
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
        let when = self.when(&super::views::NO_DATES);
        let unknown = |_: &str| None;
        let ctx = CheckContext { today: when.today, warn_days: when.warn_days, last_changed: &unknown };
        let m = matrix::key_matrix_checked(
            LevelInput { slug: project, name: &project_name, text: &project_text },
            &inputs,
            Some(&ctx),
        );
        Ok(KeyMatrix {
            project: project.to_owned(),
            locked,
            columns: m.columns,
            rows: m.rows,
            schema_errors: m.schema_errors,
            schema_warnings: m.schema_warnings,
        })
    }

    /// The value of `key` in one cell of the matrix: at a project or target level, that node's merged
    /// value (its own, else the one it inherits); at an environment, its merged value. `None` when the
    /// key has no value there.
    pub async fn matrix_value(&self, path: &NodePath, key: &str) -> Result<Option<Zeroizing<String>>> {
        let node = self.read_node(path).await?;
        Ok(node.merged.into_iter().find(|m| m.key == key).map(|m| Zeroizing::new(m.value)))
    }
}
