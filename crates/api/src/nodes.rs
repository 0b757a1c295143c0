//! Addressing a node of the hierarchy: a project, a target of it, or an environment of that target.

use serde::{Deserialize, Serialize};

/// A node of the hierarchy: a project, a target of it, or an environment of that target.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NodePath {
    /// Project slug.
    pub project: String,
    /// Target slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Environment slug (needs a target).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

impl NodePath {
    /// The project level.
    pub fn project(p: &str) -> NodePath {
        NodePath { project: p.to_owned(), target: None, environment: None }
    }
    /// A target level.
    pub fn target(p: &str, t: &str) -> NodePath {
        NodePath { project: p.to_owned(), target: Some(t.to_owned()), environment: None }
    }
    /// An environment level.
    pub fn environment(p: &str, t: &str, e: &str) -> NodePath {
        NodePath { project: p.to_owned(), target: Some(t.to_owned()), environment: Some(e.to_owned()) }
    }
    /// The deepest level named: `"project"`, `"target"` or `"environment"`.
    pub fn level(&self) -> &'static str {
        if self.environment.is_some() {
            "environment"
        } else if self.target.is_some() {
            "target"
        } else {
            "project"
        }
    }
    /// `project[/target[/environment]]`.
    pub fn display(&self) -> String {
        let mut s = self.project.clone();
        for part in [&self.target, &self.environment].into_iter().flatten() {
            s.push('/');
            s.push_str(part);
        }
        s
    }
}
