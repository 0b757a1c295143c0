//! The service as an [`envdesk_api::Backend`] for one caller: the app's local vault runs this
//! in-process, with no HTTP in between.

use std::sync::Arc;

use async_trait::async_trait;
use envdesk_api::*;

use crate::service::{Caller, Service};

/// The service seen by one token.
#[derive(Clone)]
pub struct ServiceBackend {
    service: Arc<Service>,
    caller: Caller,
}

impl ServiceBackend {
    /// The backend of the token `token` (401 when unknown or revoked).
    pub fn for_token(service: Arc<Service>, token: &str) -> ApiResult<ServiceBackend> {
        let caller = service.authenticate(token)?;
        Ok(ServiceBackend { service, caller })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Service, &Caller) -> ApiResult<T> + Send + 'static,
    ) -> ApiResult<T> {
        let service = self.service.clone();
        let caller = self.caller.clone();
        tokio::task::spawn_blocking(move || f(&service, &caller)).await.map_err(|_| ApiError::internal())?
    }
}

fn api_path(org: &str, path: &NodePath) -> String {
    format!("{API_PREFIX}/{org}/{}/secrets", path.display())
}

#[async_trait]
impl Backend for ServiceBackend {
    async fn organization(&self) -> ApiResult<Organization> {
        self.run(|s, c| s.organization(c)).await
    }
    async fn list_projects(&self, page: PageRequest) -> ApiResult<Page<Project>> {
        self.run(move |s, c| s.list_projects(c, page)).await
    }
    async fn create_project(&self, req: CreateProject) -> ApiResult<Project> {
        self.run(move |s, c| s.create_project(c, req)).await
    }
    async fn get_project(&self, project: &str) -> ApiResult<Project> {
        let p = project.to_owned();
        self.run(move |s, c| s.get_project(c, &p)).await
    }
    async fn update_project(&self, project: &str, req: UpdateNode) -> ApiResult<Project> {
        let p = project.to_owned();
        self.run(move |s, c| s.update_project(c, &p, req)).await
    }
    async fn delete_project(&self, project: &str) -> ApiResult<()> {
        let p = project.to_owned();
        self.run(move |s, c| s.delete_project(c, &p)).await
    }
    async fn list_targets(&self, project: &str, page: PageRequest) -> ApiResult<Page<Target>> {
        let p = project.to_owned();
        self.run(move |s, c| s.list_targets(c, &p, page)).await
    }
    async fn create_target(&self, project: &str, req: CreateNode) -> ApiResult<Target> {
        let p = project.to_owned();
        self.run(move |s, c| s.create_target(c, &p, req)).await
    }
    async fn get_target(&self, project: &str, target: &str) -> ApiResult<Target> {
        let (p, t) = (project.to_owned(), target.to_owned());
        self.run(move |s, c| s.get_target(c, &p, &t)).await
    }
    async fn update_target(&self, project: &str, target: &str, req: UpdateNode) -> ApiResult<Target> {
        let (p, t) = (project.to_owned(), target.to_owned());
        self.run(move |s, c| s.update_target(c, &p, &t, req)).await
    }
    async fn delete_target(&self, project: &str, target: &str) -> ApiResult<()> {
        let (p, t) = (project.to_owned(), target.to_owned());
        self.run(move |s, c| s.delete_target(c, &p, &t)).await
    }
    async fn list_environments(&self, project: &str, target: &str, page: PageRequest) -> ApiResult<Page<Environment>> {
        let (p, t) = (project.to_owned(), target.to_owned());
        self.run(move |s, c| s.list_environments(c, &p, &t, page)).await
    }
    async fn create_environment(&self, project: &str, target: &str, req: CreateNode) -> ApiResult<Environment> {
        let (p, t) = (project.to_owned(), target.to_owned());
        self.run(move |s, c| s.create_environment(c, &p, &t, req)).await
    }
    async fn get_environment(&self, project: &str, target: &str, env: &str) -> ApiResult<Environment> {
        let (p, t, e) = (project.to_owned(), target.to_owned(), env.to_owned());
        self.run(move |s, c| s.get_environment(c, &p, &t, &e)).await
    }
    async fn update_environment(
        &self,
        project: &str,
        target: &str,
        env: &str,
        req: UpdateNode,
    ) -> ApiResult<Environment> {
        let (p, t, e) = (project.to_owned(), target.to_owned(), env.to_owned());
        self.run(move |s, c| s.update_environment(c, &p, &t, &e, req)).await
    }
    async fn delete_environment(&self, project: &str, target: &str, env: &str) -> ApiResult<()> {
        let (p, t, e) = (project.to_owned(), target.to_owned(), env.to_owned());
        self.run(move |s, c| s.delete_environment(c, &p, &t, &e)).await
    }
    async fn read_secrets(&self, path: &NodePath, query: SecretsQuery) -> ApiResult<SecretsRead> {
        let path = path.clone();
        self.run(move |s, c| s.read_secrets(c, &path, query, &api_path(&c.org_ulid, &path))).await
    }
    async fn retrieve(&self, req: RetrieveRequest) -> ApiResult<RetrieveResponse> {
        self.run(move |s, c| {
            let p = format!("{API_PREFIX}/{}/secrets/retrieve", c.org_ulid);
            s.retrieve(c, req, &p)
        })
        .await
    }
    async fn store(&self, req: StoreRequest) -> ApiResult<StoreResponse> {
        self.run(move |s, c| s.store(c, req)).await
    }
    async fn delete_secrets(&self, req: DeleteRequest) -> ApiResult<()> {
        self.run(move |s, c| s.delete_secrets(c, req)).await
    }
    async fn list_versions(&self, req: ListVersionsRequest) -> ApiResult<Page<VersionItem>> {
        self.run(move |s, c| s.list_versions(c, req)).await
    }
    async fn get_version(&self, id: &str) -> ApiResult<VersionDetail> {
        let id = id.to_owned();
        self.run(move |s, c| s.get_version(c, &id)).await
    }
    async fn restore_version(&self, id: &str, req: RestoreRequest) -> ApiResult<RestoreResponse> {
        let id = id.to_owned();
        self.run(move |s, c| s.restore_version(c, &id, req)).await
    }
    async fn delete_version(&self, id: &str, force: bool) -> ApiResult<()> {
        let id = id.to_owned();
        self.run(move |s, c| s.delete_version(c, &id, force)).await
    }
    async fn purge_versions(&self, req: PurgeRequest) -> ApiResult<PurgeResponse> {
        self.run(move |s, c| s.purge_versions(c, req)).await
    }
    async fn encryption_key(&self, project: &str) -> ApiResult<EncryptionKeyResponse> {
        let p = project.to_owned();
        self.run(move |s, c| s.encryption_key(c, &p)).await
    }
    async fn key_history(&self, project: &str) -> ApiResult<Vec<KeyHistoryItem>> {
        let p = project.to_owned();
        self.run(move |s, c| s.key_history(c, &p)).await
    }
    async fn rotate_key(&self, project: &str, req: RotateRequest) -> ApiResult<RotateResponse> {
        let p = project.to_owned();
        self.run(move |s, c| s.rotate_key(c, &p, req)).await
    }
    async fn rotate_client_keys(
        &self,
        project: &str,
        req: RotateClientKeysRequest,
    ) -> ApiResult<RotateClientKeysResponse> {
        let p = project.to_owned();
        self.run(move |s, c| s.rotate_client_keys(c, &p, req)).await
    }
    async fn reencrypt_pending(&self, project: &str, limit: u32) -> ApiResult<PendingResponse> {
        let p = project.to_owned();
        self.run(move |s, c| s.reencrypt_pending(c, &p, limit)).await
    }
    async fn reencrypt_submit(&self, project: &str, req: ReEncryptRequest) -> ApiResult<ReEncryptResponse> {
        let p = project.to_owned();
        self.run(move |s, c| s.reencrypt_submit(c, &p, req)).await
    }
}
