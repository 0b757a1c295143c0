//! The tree: projects, targets, environments — listed lazily, created, renamed, deleted.

use std::sync::Arc;

use envdesk_api::*;
use envdesk_core::crypto::{DataKey, KeyCheck, ProjectKey};
use zeroize::Zeroizing;

use super::{Managed, Protection, Unlocked, Vault};
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

impl std::fmt::Debug for NewProjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NewProjectKey::ServerManaged => f.write_str("ServerManaged"),
            NewProjectKey::Generate => f.write_str("Generate"),
            NewProjectKey::Passphrase(_) => f.write_str("Passphrase(<redacted>)"),
        }
    }
}

impl std::fmt::Debug for CreatedProject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedProject")
            .field("info", &self.info)
            .field("key_to_back_up", &self.key_to_back_up.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

fn project_info(p: &Project) -> NodeInfo {
    NodeInfo {
        id: p.id.clone(),
        slug: p.attributes.slug.clone(),
        name: p.attributes.name.clone(),
        // `None` when the server does not say (upstream's SDK answers): learnt when the project opens.
        managed: p.attributes.encryption_type.map(Managed::from),
        has_secrets: p.attributes.has_secrets,
        children: p.attributes.target_count,
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
        children: t.attributes.environment_count,
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

/// The most pages one listing follows: 10,000. A server that claims more is refused rather than
/// followed without end.
pub const MAX_PAGES: u32 = 10_000;

/// The most items one listing accumulates across its pages: 100,000 (a thousand full pages; far
/// above any real tree, whose sidebar shows a few hundred nodes).
pub const MAX_LISTED_ITEMS: usize = 100_000;

/// The most bytes of the items' string fields (ids, names, slugs, descriptions, dates, …) one
/// listing accumulates across its pages: 64 MiB, the size of a single answer. A real item holds a
/// few hundred bytes, so 100,000 of them stay under 64 MiB; without this, 10,000 answers of 64 MiB
/// each would all be kept.
pub const MAX_LISTED_BYTES: usize = 64 * 1024 * 1024;

/// Items asked for per page.
const PER_PAGE: u32 = 100;

/// The bytes an item of a listing takes, for [`MAX_LISTED_BYTES`]: its JSON, as it arrived.
fn listed_len<T: serde::Serialize>(item: &T) -> usize {
    serde_json::to_vec(item).map_or(usize::MAX, |b| b.len())
}

fn too_large(limit: &str) -> ClientError {
    ClientError::ListingTooLarge { limit: limit.to_owned() }
}

/// Every item of a paginated listing: pages 1, 2, … until `last_page` or an empty page (whatever
/// `last_page` claims). Past [`MAX_PAGES`] pages, [`MAX_LISTED_ITEMS`] items or [`MAX_LISTED_BYTES`]
/// of text in all, it stops with [`ClientError::ListingTooLarge`] (checked at each page, before the
/// page is kept). A page with more items than asked for is not the API's answer.
///
/// An answer without `meta` (upstream's collections, issue 11) does not say whether more follow: more
/// items than asked for are the whole collection; fewer end the listing; exactly as many ask for the
/// next page, which ends the listing when it is empty or short, or when it starts with the same item
/// as the page before (a server that ignores `page` and answers everything each time).
pub(crate) async fn all_pages<T: serde::Serialize, F, Fut>(mut fetch: F) -> Result<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = ApiResult<Page<T>>>,
{
    let mut out = Vec::new();
    let mut bytes = 0usize;
    let mut previous_first: Option<Vec<u8>> = None;
    for page in 1..=MAX_PAGES {
        let p = fetch(PageRequest { page, per_page: PER_PAGE }).await?;
        let whole = !p.paged && p.data.len() > PER_PAGE as usize;
        if p.paged && p.data.len() > PER_PAGE as usize {
            return Err(ClientError::Api(ApiError::new(
                ErrorCode::InvalidResponse,
                "The server answered a page with more items than asked for.",
            )));
        }
        if p.data.is_empty() {
            return Ok(out);
        }
        if !p.paged {
            let first = serde_json::to_vec(&p.data[0]).unwrap_or_default();
            if previous_first.as_ref() == Some(&first) {
                return Ok(out);
            }
            previous_first = Some(first);
        }
        if out.len() + p.data.len() > MAX_LISTED_ITEMS {
            return Err(too_large("over 100,000 items"));
        }
        bytes = bytes.saturating_add(p.data.iter().map(listed_len).fold(0, usize::saturating_add));
        if bytes > MAX_LISTED_BYTES {
            return Err(too_large("over 64 MiB of names, ids and other text"));
        }
        let short = p.data.len() < PER_PAGE as usize;
        out.extend(p.data);
        let last = if p.paged { page >= p.meta.last_page } else { whole || short };
        if last {
            return Ok(out);
        }
    }
    Err(too_large("over 10,000 pages"))
}

/// A new key's proof (fresh salt) and data key, both PBKDF2 at `iterations` on the blocking pool.
pub(crate) async fn new_key_check(key: ProjectKey, iterations: u32) -> Result<(ProjectKey, KeyCheck, DataKey)> {
    // Our own setting, held to the range every client and server accepts.
    envdesk_core::crypto::checked_iterations(Some(i64::from(iterations))).map_err(ClientError::BadKey)?;
    super::blocking(move || {
        let check = KeyCheck::with_iterations(&key, iterations);
        let data = DataKey::for_descriptor(
            &key,
            Some(&check.key_check_salt),
            Some(i64::from(check.key_check_iterations)),
            true,
        );
        data.map(|d| (key, check, d))
    })
    .await?
    .map_err(ClientError::BadKey)
}

impl Vault {
    /// Every project.
    pub async fn projects(&self) -> Result<Vec<NodeInfo>> {
        self.touch();
        Ok(all_pages(|page| self.backend.list_projects(page)).await?.iter().map(project_info).collect())
    }

    pub(crate) async fn all_targets(&self, project: &str) -> Result<Vec<NodeInfo>> {
        Ok(all_pages(|page| self.backend.list_targets(project, page)).await?.iter().map(target_info).collect())
    }

    pub(crate) async fn all_environments(&self, project: &str, target: &str) -> Result<Vec<NodeInfo>> {
        Ok(all_pages(|page| self.backend.list_environments(project, target, page))
            .await?
            .iter()
            .map(env_info)
            .collect())
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
        let (key, check, data) = new_key_check(key, self.opts.kdf_iterations).await?;
        req.storage_mode = Some(StorageMode::Client);
        req.key_check = Some(check.key_check.as_str().into());
        req.key_check_salt = Some(check.key_check_salt.clone());
        req.key_check_iterations = Some(i64::from(check.key_check_iterations));
        let p = self.backend.create_project(req).await?;
        self.keystore_set(&names::client_key(&self.connection, p.ulid()), key.expose())?;
        self.keystore_set(&names::client_managed(&self.connection, p.ulid()), "client")?;
        self.remember(
            &p.attributes.slug,
            Unlocked {
                ulid: p.ulid().to_owned(),
                managed: Managed::Client,
                key_version: 1,
                data: Arc::new(data),
                proof: Some(Zeroizing::new(check.key_check)),
                protection: Protection::Keychain,
                remembered_passphrase: super::remembered(key.expose()).1,
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
        self.search_forget(&path.project);
        Ok(match (&path.target, &path.environment) {
            (Some(t), Some(e)) => env_info(&self.backend.update_environment(&path.project, t, e, req).await?),
            (Some(t), None) => target_info(&self.backend.update_target(&path.project, t, req).await?),
            _ => {
                let p = self.backend.update_project(&path.project, req).await?;
                if p.attributes.slug != path.project {
                    // Versions cached under the old slug would outlive a lock of the new one.
                    self.key_cache.clear_project(&path.project);
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
        self.search_forget(&path.project);
        self.key_cache.clear_project(&path.project);
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
