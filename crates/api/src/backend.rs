//! The `Backend` trait: one async method per API operation. The server's service implements it
//! in-process (the local vault); the client implements it over HTTP.

use async_trait::async_trait;

use crate::audit::{AuditItem, AuditLogQuery};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::keys::*;
use crate::nodes::*;
use crate::resources::*;
use crate::secrets::*;
use crate::versions::*;

/// Every operation of `docs/api.md`, for one caller (a token) of one organization.
#[async_trait]
pub trait Backend: Send + Sync {
    /// `GET /organization`.
    async fn organization(&self) -> ApiResult<Organization>;

    /// `GET /{org}/projects`.
    async fn list_projects(&self, page: PageRequest) -> ApiResult<Page<Project>>;
    /// `POST /{org}/projects`.
    async fn create_project(&self, req: CreateProject) -> ApiResult<Project>;
    /// `GET /{org}/{project}`.
    async fn get_project(&self, project: &str) -> ApiResult<Project>;
    /// `PATCH /{org}/{project}`.
    async fn update_project(&self, project: &str, req: UpdateNode) -> ApiResult<Project>;
    /// `DELETE /{org}/{project}`: the subtree with its secrets and versions.
    async fn delete_project(&self, project: &str) -> ApiResult<()>;

    /// `GET /{org}/{project}/targets`.
    async fn list_targets(&self, project: &str, page: PageRequest) -> ApiResult<Page<Target>>;
    /// `POST /{org}/{project}/targets`.
    async fn create_target(&self, project: &str, req: CreateNode) -> ApiResult<Target>;
    /// `GET /{org}/{project}/{target}`.
    async fn get_target(&self, project: &str, target: &str) -> ApiResult<Target>;
    /// `PATCH /{org}/{project}/{target}`.
    async fn update_target(&self, project: &str, target: &str, req: UpdateNode) -> ApiResult<Target>;
    /// `DELETE /{org}/{project}/{target}`.
    async fn delete_target(&self, project: &str, target: &str) -> ApiResult<()>;

    /// `GET /{org}/{project}/{target}/environments`.
    async fn list_environments(&self, project: &str, target: &str, page: PageRequest) -> ApiResult<Page<Environment>>;
    /// `POST /{org}/{project}/{target}/environments`.
    async fn create_environment(&self, project: &str, target: &str, req: CreateNode) -> ApiResult<Environment>;
    /// `GET /{org}/{project}/{target}/{environment}`.
    async fn get_environment(&self, project: &str, target: &str, env: &str) -> ApiResult<Environment>;
    /// `PATCH /{org}/{project}/{target}/{environment}`.
    async fn update_environment(
        &self,
        project: &str,
        target: &str,
        env: &str,
        req: UpdateNode,
    ) -> ApiResult<Environment>;
    /// `DELETE /{org}/{project}/{target}/{environment}`.
    async fn delete_environment(&self, project: &str, target: &str, env: &str) -> ApiResult<()>;

    /// `GET /{org}/{path}/secrets`.
    async fn read_secrets(&self, path: &NodePath, query: SecretsQuery) -> ApiResult<SecretsRead>;
    /// `POST /{org}/secrets/retrieve`.
    async fn retrieve(&self, req: RetrieveRequest) -> ApiResult<RetrieveResponse>;
    /// `POST /{org}/secrets/store`.
    async fn store(&self, req: StoreRequest) -> ApiResult<StoreResponse>;
    /// `POST /{org}/secrets/delete`.
    async fn delete_secrets(&self, req: DeleteRequest) -> ApiResult<()>;

    /// `POST /{org}/secrets/versions`.
    async fn list_versions(&self, req: ListVersionsRequest) -> ApiResult<Page<VersionItem>>;
    /// `GET /{org}/secrets/versions/{id}`.
    async fn get_version(&self, id: &str) -> ApiResult<VersionDetail>;
    /// `POST /{org}/secrets/versions/{id}/restore`.
    async fn restore_version(&self, id: &str, req: RestoreRequest) -> ApiResult<RestoreResponse>;
    /// `DELETE /{org}/secrets/versions/{id}[?force=true]`.
    async fn delete_version(&self, id: &str, force: bool) -> ApiResult<()>;
    /// `POST /{org}/secrets/versions/purge`.
    async fn purge_versions(&self, req: PurgeRequest) -> ApiResult<PurgeResponse>;

    /// `GET /{org}/{project}/encryption-key`.
    async fn encryption_key(&self, project: &str) -> ApiResult<EncryptionKeyResponse>;
    /// `GET /{org}/{project}/encryption-key/history`.
    async fn key_history(&self, project: &str) -> ApiResult<Vec<KeyHistoryItem>>;
    /// `POST /{org}/{project}/encryption-key/rotate` (server-managed).
    async fn rotate_key(&self, project: &str, req: RotateRequest) -> ApiResult<RotateResponse>;
    /// `POST /{org}/{project}/secrets/rotate-client-keys`.
    async fn rotate_client_keys(
        &self,
        project: &str,
        req: RotateClientKeysRequest,
    ) -> ApiResult<RotateClientKeysResponse>;
    /// `POST /{org}/{project}/secrets/re-encrypt-history/pending`.
    async fn reencrypt_pending(&self, project: &str, limit: u32) -> ApiResult<PendingResponse>;
    /// `POST /{org}/{project}/secrets/re-encrypt-history`.
    async fn reencrypt_submit(&self, project: &str, req: ReEncryptRequest) -> ApiResult<ReEncryptResponse>;

    /// `GET /{org}/audit-log` (envdesk's own; `audit:read`). A backend without an audit log (the
    /// local vault, a server that has none) says so.
    async fn audit_log(&self, query: &AuditLogQuery) -> ApiResult<Page<AuditItem>> {
        let _ = query;
        Err(ApiError::new(ErrorCode::NotFound, "This connection keeps no audit log."))
    }
}
