//! A server connection's audit log (issue 15): the Activity view's pages, and who read a level last.
//! Metadata only (the server records no value); the local vault keeps no audit log.

use envdesk_api::*;

use super::Vault;
use crate::error::Result;

/// The node path as the audit log writes it: `project[/target[/environment]]`.
pub fn audit_node(path: &NodePath) -> String {
    [Some(path.project.as_str()), path.target.as_deref(), path.environment.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("/")
}

impl Vault {
    /// One page of the audit log, newest first.
    pub async fn audit_log(&self, query: &AuditLogQuery) -> Result<Page<AuditItem>> {
        Ok(self.backend().audit_log(query).await?)
    }

    /// The newest read of a level: a read of the node itself or of any node under it (reading an
    /// environment hands out its project's and target's levels too). `None`: no read recorded.
    pub async fn last_read(&self, path: &NodePath) -> Result<Option<AuditItem>> {
        let query = AuditLogQuery {
            node: Some(audit_node(path)),
            event: Some("secret.read".into()),
            page: PageRequest { page: 1, per_page: 1 },
            ..AuditLogQuery::default()
        };
        Ok(self.backend().audit_log(&query).await?.data.into_iter().next())
    }
}
