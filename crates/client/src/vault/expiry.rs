//! Keys that expired or expire soon (issue 16), across the connection: the tree's badge on an
//! environment, and the app's daily notification. Each environment of every unlocked project is read
//! and checked against its schema as the merged view checks it (`views::check_node`); only `@expires`
//! findings are kept. Locked projects are not read (and listed as such); nothing is kept after the
//! answer.

use envdesk_api::NodePath;
use envdesk_core::merge::LevelKind;
use envdesk_core::schema::ProblemKind;

use super::views::{check_node, NO_DATES};
use super::Vault;
use crate::error::{ClientError, Result};

/// An environment with keys that expired, or expire within the warning window.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExpiryAlert {
    /// The environment.
    pub path: NodePath,
    /// Keys whose `@expires` date is past.
    pub expired: u32,
    /// Keys whose `@expires` date is within the warning window.
    pub expiring: u32,
    /// The earliest of their dates (`YYYY-MM-DD`).
    pub first: String,
    /// What the schema says of them, a sentence each (keys and dates, never a value), the earliest
    /// first, at most [`MAX_MESSAGES`].
    pub messages: Vec<String>,
}

/// The most sentences one alert carries.
pub const MAX_MESSAGES: usize = 5;

/// Every alert of the connection.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExpiryReport {
    /// Environments with keys expired or expiring, in tree order.
    pub alerts: Vec<ExpiryAlert>,
    /// The warning window, in days.
    pub warn_days: u32,
    /// Projects not read because they are locked (slugs).
    pub locked: Vec<String>,
    /// Environments (or whole projects, whose nodes could not be listed) that could not be read: not
    /// counted.
    pub unreadable: u32,
}

impl ExpiryReport {
    /// The notification's text: `None` when no key is expired or expiring.
    pub fn summary(&self) -> Option<(String, String)> {
        let expired: u32 = self.alerts.iter().map(|a| a.expired).sum();
        let expiring: u32 = self.alerts.iter().map(|a| a.expiring).sum();
        if expired + expiring == 0 {
            return None;
        }
        let keys = |n: u32| if n == 1 { "1 key".to_owned() } else { format!("{n} keys") };
        let title = match (expired, expiring) {
            (0, n) => format!("{} expiring within {} days", keys(n), self.warn_days),
            (n, 0) => format!("{} expired", keys(n)),
            (a, b) => format!("{} expired, {} expiring soon", keys(a), keys(b)),
        };
        let mut body: Vec<String> =
            self.alerts.iter().take(3).map(|a| format!("{}: {}", a.path.display(), a.messages.join("; "))).collect();
        if self.alerts.len() > 3 {
            body.push(format!("and {} more environments", self.alerts.len() - 3));
        }
        Some((title, body.join("\n")))
    }
}

impl Vault {
    /// The environments of every unlocked project with keys expired or expiring (see the module doc).
    pub async fn expiry_report(&self) -> Result<ExpiryReport> {
        let mut out = ExpiryReport { warn_days: self.expiry_warning_days(), ..ExpiryReport::default() };
        for p in self.projects().await? {
            if !self.is_unlocked(&p.slug) {
                out.locked.push(p.slug);
                continue;
            }
            // A project whose nodes cannot be listed is left out (counted), not the whole report.
            match self.project_expiry(&p.slug, &mut out).await {
                Ok(()) => {}
                Err(ClientError::Locked { .. }) => out.locked.push(p.slug),
                Err(_) => out.unreadable += 1,
            }
        }
        Ok(out)
    }

    async fn project_expiry(&self, project: &str, out: &mut ExpiryReport) -> Result<()> {
        let when = self.when(&NO_DATES);
        for t in self.targets(project).await? {
            for e in self.environments(project, &t.slug).await? {
                let path = NodePath::environment(project, &t.slug, &e.slug);
                let node = match self.read_node(&path).await {
                    Ok(node) => node,
                    Err(ClientError::Locked { project }) => return Err(ClientError::Locked { project }),
                    Err(_) => {
                        out.unreadable += 1;
                        continue;
                    }
                };
                let texts: Vec<(LevelKind, &str)> = node.levels.iter().map(|l| (l.kind, l.text.as_str())).collect();
                let checked = check_node(&texts, &node.merged, &node.resolution, true, &when);
                drop(texts);
                node.wipe();
                let Some((_, problems)) = checked else { continue };
                let mut dated: Vec<(&str, bool, &str)> = problems
                    .iter()
                    .filter_map(|p| match &p.kind {
                        ProblemKind::Expired { on } => Some((on.as_str(), true, p.message.as_str())),
                        ProblemKind::ExpiresSoon { on, .. } => Some((on.as_str(), false, p.message.as_str())),
                        _ => None,
                    })
                    .collect();
                if dated.is_empty() {
                    continue;
                }
                dated.sort_by(|a, b| a.0.cmp(b.0));
                out.alerts.push(ExpiryAlert {
                    path,
                    expired: dated.iter().filter(|d| d.1).count() as u32,
                    expiring: dated.iter().filter(|d| !d.1).count() as u32,
                    first: dated[0].0.to_owned(),
                    messages: dated.iter().take(MAX_MESSAGES).map(|d| d.2.to_owned()).collect(),
                });
            }
        }
        Ok(())
    }
}
