//! The tree: projects, targets, environments — listed lazily, created, renamed, deleted.

use std::sync::Arc;

use envdesk_api::*;
use envdesk_core::crypto::{DataKey, KeyCheck, ProjectKey};
use zeroize::Zeroizing;

use super::{Managed, Unlocked, Vault};
use crate::error::{ClientError, Result};
use crate::keystore::names;

/// A node of the tree as the sidebar shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NodeInfo {
    /// ULID.
    pub id: String,
    /// Slug (the path segment).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Projects: who holds the key.
    pub managed: Option<Managed>,
    /// Projects: whether any level holds content.
    pub has_secrets: Option<bool>,
    /// Children, where known (targets of a project, environments of a target).
    pub children: Option<u64>,
    /// Environments: status.
    pub status: Option<String>,
}

/// How a new project gets its key.
pub enum NewProjectKey {
    /// The server holds it (generated there).
    ServerManaged,
    /// A fresh random key on this computer (64 hex characters), shown once.
    Generate,
    /// A passphrase the user chose (refused when exactly 32 bytes long).
    Passphrase(Zeroizing<String>),
}

/// A project just created.
pub struct CreatedProject {
    /// The project.
    pub info: NodeInfo,
    /// A generated client key, to show once for backup (`None` otherwise).
    pub key_to_back_up: Option<Zeroizing<String>>,
}

fn project_info(p: &Project) -> NodeInfo {
    NodeInfo {
        id: p.id.clone(),
        slug: p.attributes.slug.clone(),
        name: p.attributes.name.clone(),
        managed: Some(match p.attributes.encryption_type {
            StorageMode::Client => Managed::Client,
            StorageMode::Server => Managed::Server,
        }),
        has_secrets: Some(p.attributes.has_secrets),
        children: Some(p.attributes.target_count),
        status: None,
    }
}

fn target_info(t: &Target) -> NodeInfo {
    NodeInfo {
        id: t.id.clone(),
        slug: t.attributes.slug.clone(),
        name: t.attributes.name.clone(),
        managed: None,
        has_secrets: None,
        children: Some(t.attributes.environment_count),
        status: None,
    }
}

fn env_info(e: &Environment) -> NodeInfo {
    NodeInfo {
        id: e.id.clone(),
        slug: e.attributes.slug.clone(),
        name: e.attributes.name.clone(),
        managed: None,
        has_secrets: None,
        children: None,
        status: Some(e.attributes.status.clone()),
    }
}

impl Vault {
    /// Every project.
    pub async fn projects(&self) -> Result<Vec<NodeInfo>> {
        self.touch();
        let mut out = Vec::new();
        let mut page = 1;
        loop {
            let p = self.backend.list_projects(PageRequest { page, per_page: 100 }).await?;
            out.extend(p.data.iter().map(project_info));
            if page >= p.meta.last_page {
                return Ok(out);
            }
            page += 1;
        }
    }

    pub(crate) async fn all_targets(&self, project: &str) -> Result<Vec<NodeInfo>> {
        let mut out = Vec::new();
        let mut page = 1;
        loop {
            let p = self.backend.list_targets(project, PageRequest { page, per_page: 100 }).await?;
            out.extend(p.data.iter().map(target_info));
            if page >= p.meta.last_page {
                return Ok(out);
            }
            page += 1;
        }
    }

    pub(crate) async fn all_environments(&self, project: &str, target: &str) -> Result<Vec<NodeInfo>> {
        let mut out = Vec::new();
        let mut page = 1;
        loop {
            let p = self.backend.list_environments(project, target, PageRequest { page, per_page: 100 }).await?;
            out.extend(p.data.iter().map(env_info));
            if page >= p.meta.last_page {
                return Ok(out);
            }
            page += 1;
        }
    }

    /// The targets of a project.
    pub async fn targets(&self, project: &str) -> Result<Vec<NodeInfo>> {
        self.touch();
        self.all_targets(project).await
    }

    /// The environments of a target.
    pub async fn environments(&self, project: &str, target: &str) -> Result<Vec<NodeInfo>> {
        self.touch();
        self.all_environments(project, target).await
    }

    /// Creates a project. A client-managed key goes to the key store, and a generated one is returned
    /// once for the user to back up; the project is unlocked.
    pub async fn create_project(&self, name: &str, slug: Option<&str>, key: NewProjectKey) -> Result<CreatedProject> {
        self.touch();
        let mut req = CreateProject {
            name: name.to_owned(),
            slug: slug.map(str::to_owned),
            secret_format: Some("env".into()),
            ..Default::default()
        };
        let client_key = match key {
            NewProjectKey::ServerManaged => {
                req.storage_mode = Some(StorageMode::Server);
                None
            }
            NewProjectKey::Generate => Some((ProjectKey::generate(), true)),
            NewProjectKey::Passphrase(p) => {
                Some((ProjectKey::from_passphrase(p.as_str()).map_err(ClientError::BadKey)?, false))
            }
        };
        let Some((key, generated)) = client_key else {
            let p = self.backend.create_project(req).await?;
            return Ok(CreatedProject { info: project_info(&p), key_to_back_up: None });
        };
        let check = KeyCheck::with_iterations(&key, self.opts.kdf_iterations);
        req.storage_mode = Some(StorageMode::Client);
        req.key_check = Some(check.key_check.clone());
        req.key_check_salt = Some(check.key_check_salt.clone());
        req.key_check_iterations = Some(i64::from(check.key_check_iterations));
        let data = DataKey::for_descriptor(
            &key,
            Some(&check.key_check_salt),
            Some(i64::from(check.key_check_iterations)),
            true,
        )
        .map_err(ClientError::BadKey)?;
        let p = self.backend.create_project(req).await?;
        self.keystore_set(&names::client_key(&self.connection, &p.id), key.expose())?;
        self.remember(
            &p.attributes.slug,
            Unlocked {
                ulid: p.id.clone(),
                managed: Managed::Client,
                key_version: 1,
                data: Arc::new(data),
                proof: Some(check.key_check),
            },
        );
        Ok(CreatedProject {
            info: project_info(&p),
            key_to_back_up: generated.then(|| Zeroizing::new(key.expose().to_owned())),
        })
    }

    /// Creates a target.
    pub async fn create_target(&self, project: &str, name: &str, slug: Option<&str>) -> Result<NodeInfo> {
        self.touch();
        let t = self
            .backend
            .create_target(project, CreateNode { name: name.into(), slug: slug.map(Into::into), ..Default::default() })
            .await?;
        Ok(target_info(&t))
    }

    /// Creates an environment.
    pub async fn create_environment(
        &self,
        project: &str,
        target: &str,
        name: &str,
        slug: Option<&str>,
        status: Option<&str>,
    ) -> Result<NodeInfo> {
        self.touch();
        let req = CreateNode {
            name: name.into(),
            slug: slug.map(Into::into),
            status: status.map(Into::into),
            ..Default::default()
        };
        Ok(env_info(&self.backend.create_environment(project, target, req).await?))
    }

    /// Renames a node (its name, and its slug when given).
    pub async fn rename(&self, path: &NodePath, name: &str, slug: Option<&str>) -> Result<NodeInfo> {
        self.touch();
        let req = UpdateNode { name: Some(name.into()), slug: slug.map(Into::into), ..Default::default() };
        Ok(match (&path.target, &path.environment) {
            (Some(t), Some(e)) => env_info(&self.backend.update_environment(&path.project, t, e, req).await?),
            (Some(t), None) => target_info(&self.backend.update_target(&path.project, t, req).await?),
            _ => {
                let p = self.backend.update_project(&path.project, req).await?;
                if p.attributes.slug != path.project {
                    let u = self.unlocked.lock().unwrap_or_else(|e| e.into_inner()).remove(&path.project);
                    if let Some(u) = u {
                        self.unlocked.lock().unwrap_or_else(|e| e.into_inner()).insert(p.attributes.slug.clone(), u);
                    }
                }
                project_info(&p)
            }
        })
    }

    /// Deletes a node with its subtree, secrets and versions (the UI asks for the typed name first).
    pub async fn delete_node(&self, path: &NodePath) -> Result<()> {
        self.touch();
        match (&path.target, &path.environment) {
            (Some(t), Some(e)) => self.backend.delete_environment(&path.project, t, e).await?,
            (Some(t), None) => self.backend.delete_target(&path.project, t).await?,
            _ => {
                self.backend.delete_project(&path.project).await?;
                self.lock(&path.project);
            }
        }
        Ok(())
    }
}
