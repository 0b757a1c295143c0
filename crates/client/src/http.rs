//! [`HttpBackend`]: the API over HTTP (reqwest with rustls), for our server and for dotEnv Cloud.
//!
//! - Timeouts: 10 s to connect, 30 s per request.
//! - Retries only for idempotent requests (GET, DELETE) on 429/500/502/503/504 and on connection
//!   failures: up to 3 attempts, honouring `Retry-After` (capped at 10 s), else 250 ms, 500 ms.
//! - Every error body maps to a typed [`ApiError`]; a framework validation body without `error`
//!   becomes `validation_failed`; a body that is not the API's becomes `invalid_response`.

use std::time::Duration;

use async_trait::async_trait;
use envdesk_api::*;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

/// Where to connect and as whom.
pub struct HttpConfig {
    /// Base URL, e.g. `https://api.dotenv.cloud` or `http://127.0.0.1:8787` (without `/api/v1`).
    pub base_url: String,
    /// Organization ULID.
    pub organization: String,
    /// Bearer token.
    pub token: Zeroizing<String>,
}

/// The API over HTTP.
pub struct HttpBackend {
    client: reqwest::Client,
    base: String,
    org: String,
    token: Zeroizing<String>,
    max_attempts: u32,
}

impl std::fmt::Debug for HttpBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpBackend").field("base", &self.base).field("org", &self.org).finish_non_exhaustive()
    }
}

fn transport_error(e: &reqwest::Error, base: &str) -> ApiError {
    if e.is_timeout() {
        ApiError::new(ErrorCode::Timeout, format!("{base} did not answer in time."))
    } else {
        ApiError::new(ErrorCode::Network, format!("Could not reach {base}; check the address and your connection."))
    }
}

fn retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// Maps an error answer to an [`ApiError`].
fn error_from(status: StatusCode, retry_after: Option<u64>, body: &[u8]) -> ApiError {
    #[derive(serde::Deserialize)]
    struct Loose {
        #[serde(default)]
        error: Option<serde_json::Value>,
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        details: Option<serde_json::Value>,
        #[serde(default)]
        errors: Option<std::collections::BTreeMap<String, Vec<String>>>,
    }
    let mut e = match serde_json::from_slice::<Loose>(body) {
        Ok(l) => {
            let code = match l.error.as_ref().and_then(|v| v.as_str()) {
                Some(c) => serde_json::from_value::<ErrorCode>(serde_json::Value::String(c.to_owned()))
                    .unwrap_or(ErrorCode::Unknown),
                None if l.errors.is_some() => ErrorCode::ValidationFailed,
                None => fallback_code(status),
            };
            let message = l.message.unwrap_or_else(|| default_message(status));
            ApiError { code, message, details: l.details.map(Box::new), errors: l.errors, retry_after: None }
        }
        Err(_) => ApiError::new(fallback_code(status), default_message(status)),
    };
    e.retry_after = retry_after;
    e
}

fn fallback_code(status: StatusCode) -> ErrorCode {
    match status.as_u16() {
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::InsufficientPermissions,
        404 => ErrorCode::NotFound,
        413 => ErrorCode::PayloadTooLarge,
        422 => ErrorCode::ValidationFailed,
        429 => ErrorCode::RateLimited,
        500..=599 => ErrorCode::Internal,
        _ => ErrorCode::InvalidResponse,
    }
}

fn default_message(status: StatusCode) -> String {
    format!("The server answered {status}.")
}

impl HttpBackend {
    /// A backend for `config`.
    pub fn new(config: HttpConfig) -> Result<HttpBackend, ApiError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("envdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| ApiError::new(ErrorCode::Network, "The HTTP client could not start."))?;
        let base = config.base_url.trim_end_matches('/').trim_end_matches("/api/v1").to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ApiError::validation(
                "url",
                "The server address must start with https:// (or http:// for localhost).",
            ));
        }
        Ok(HttpBackend {
            client,
            base,
            org: config.organization.trim().to_owned(),
            token: config.token,
            max_attempts: 3,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1/{}", self.base, path.trim_start_matches('/'))
    }

    fn org_path(&self, rest: &str) -> String {
        format!("{}/{}", self.org, rest)
    }

    /// Sends a request and returns the status and body of a success.
    async fn send<B: Serialize + ?Sized>(&self, method: Method, path: &str, body: Option<&B>) -> ApiResult<Vec<u8>> {
        let idempotent = method == Method::GET || method == Method::DELETE;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self
                .client
                .request(method.clone(), self.url(path))
                .bearer_auth(self.token.as_str())
                .header("Accept", "application/json")
                .header("X-API-Version", "1");
            if let Some(b) = body {
                req = req.json(b);
            }
            let (status, retry_after, bytes) = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    match resp.bytes().await {
                        Ok(b) => (status, retry_after, b.to_vec()),
                        Err(e) => return Err(transport_error(&e, &self.base)),
                    }
                }
                Err(e) => {
                    if idempotent && attempt < self.max_attempts && !e.is_timeout() {
                        tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt))).await;
                        continue;
                    }
                    return Err(transport_error(&e, &self.base));
                }
            };
            if status.is_success() {
                return Ok(bytes);
            }
            if idempotent && retryable(status) && attempt < self.max_attempts {
                let wait = retry_after
                    .map(|s| Duration::from_secs(s.min(10)))
                    .unwrap_or(Duration::from_millis(250 * u64::from(attempt)));
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(error_from(status, retry_after, &bytes));
        }
    }

    async fn json<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> ApiResult<T> {
        let bytes = self.send(method, path, body).await?;
        serde_json::from_slice(&bytes).map_err(|_| {
            ApiError::new(ErrorCode::InvalidResponse, "The server's answer is not what the API describes.")
        })
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> ApiResult<T> {
        self.json::<T, ()>(Method::GET, path, None).await
    }

    async fn post<T: DeserializeOwned, B: Serialize + ?Sized>(&self, path: &str, body: &B) -> ApiResult<T> {
        self.json(Method::POST, path, Some(body)).await
    }

    async fn patch<T: DeserializeOwned, B: Serialize + ?Sized>(&self, path: &str, body: &B) -> ApiResult<T> {
        self.json(Method::PATCH, path, Some(body)).await
    }

    async fn delete(&self, path: &str) -> ApiResult<()> {
        self.send::<()>(Method::DELETE, path, None).await.map(|_| ())
    }

    async fn post_empty<B: Serialize + ?Sized>(&self, path: &str, body: &B) -> ApiResult<()> {
        self.send(Method::POST, path, Some(body)).await.map(|_| ())
    }
}

fn page_query(p: PageRequest) -> String {
    format!("?page={}&per_page={}", p.page, p.per_page)
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

#[async_trait]
impl Backend for HttpBackend {
    async fn organization(&self) -> ApiResult<Organization> {
        Ok(self.get::<Data<Organization>>("organization").await?.data)
    }
    async fn list_projects(&self, page: PageRequest) -> ApiResult<Page<Project>> {
        self.get(&self.org_path(&format!("projects{}", page_query(page)))).await
    }
    async fn create_project(&self, req: CreateProject) -> ApiResult<Project> {
        Ok(self.post::<Data<Project>, _>(&self.org_path("projects"), &req).await?.data)
    }
    async fn get_project(&self, project: &str) -> ApiResult<Project> {
        Ok(self.get::<Data<Project>>(&self.org_path(project)).await?.data)
    }
    async fn update_project(&self, project: &str, req: UpdateNode) -> ApiResult<Project> {
        Ok(self.patch::<Data<Project>, _>(&self.org_path(project), &req).await?.data)
    }
    async fn delete_project(&self, project: &str) -> ApiResult<()> {
        self.delete(&self.org_path(project)).await
    }
    async fn list_targets(&self, project: &str, page: PageRequest) -> ApiResult<Page<Target>> {
        self.get(&self.org_path(&format!("{project}/targets{}", page_query(page)))).await
    }
    async fn create_target(&self, project: &str, req: CreateNode) -> ApiResult<Target> {
        Ok(self.post::<Data<Target>, _>(&self.org_path(&format!("{project}/targets")), &req).await?.data)
    }
    async fn get_target(&self, project: &str, target: &str) -> ApiResult<Target> {
        Ok(self.get::<Data<Target>>(&self.org_path(&format!("{project}/{target}"))).await?.data)
    }
    async fn update_target(&self, project: &str, target: &str, req: UpdateNode) -> ApiResult<Target> {
        Ok(self.patch::<Data<Target>, _>(&self.org_path(&format!("{project}/{target}")), &req).await?.data)
    }
    async fn delete_target(&self, project: &str, target: &str) -> ApiResult<()> {
        self.delete(&self.org_path(&format!("{project}/{target}"))).await
    }
    async fn list_environments(&self, project: &str, target: &str, page: PageRequest) -> ApiResult<Page<Environment>> {
        self.get(&self.org_path(&format!("{project}/{target}/environments{}", page_query(page)))).await
    }
    async fn create_environment(&self, project: &str, target: &str, req: CreateNode) -> ApiResult<Environment> {
        Ok(self
            .post::<Data<Environment>, _>(&self.org_path(&format!("{project}/{target}/environments")), &req)
            .await?
            .data)
    }
    async fn get_environment(&self, project: &str, target: &str, env: &str) -> ApiResult<Environment> {
        Ok(self.get::<Data<Environment>>(&self.org_path(&format!("{project}/{target}/{env}"))).await?.data)
    }
    async fn update_environment(
        &self,
        project: &str,
        target: &str,
        env: &str,
        req: UpdateNode,
    ) -> ApiResult<Environment> {
        Ok(self.patch::<Data<Environment>, _>(&self.org_path(&format!("{project}/{target}/{env}")), &req).await?.data)
    }
    async fn delete_environment(&self, project: &str, target: &str, env: &str) -> ApiResult<()> {
        self.delete(&self.org_path(&format!("{project}/{target}/{env}"))).await
    }
    async fn read_secrets(&self, path: &NodePath, q: SecretsQuery) -> ApiResult<SecretsRead> {
        let merge = match q.merge {
            MergeMode::False => "false",
            MergeMode::True => "true",
            MergeMode::Both => "both",
        };
        let url =
            format!("{}/secrets?decrypt={}&merge={merge}&raw={}", path.display(), bool_str(q.decrypt), bool_str(q.raw));
        self.get(&self.org_path(&url)).await
    }
    async fn retrieve(&self, req: RetrieveRequest) -> ApiResult<RetrieveResponse> {
        self.post(&self.org_path("secrets/retrieve"), &req).await
    }
    async fn store(&self, req: StoreRequest) -> ApiResult<StoreResponse> {
        self.post(&self.org_path("secrets/store"), &req).await
    }
    async fn delete_secrets(&self, req: DeleteRequest) -> ApiResult<()> {
        self.post_empty(&self.org_path("secrets/delete"), &req).await
    }
    async fn list_versions(&self, req: ListVersionsRequest) -> ApiResult<Page<VersionItem>> {
        self.post(&self.org_path("secrets/versions"), &req).await
    }
    async fn get_version(&self, id: &str) -> ApiResult<VersionDetail> {
        Ok(self.get::<Data<VersionDetail>>(&self.org_path(&format!("secrets/versions/{id}"))).await?.data)
    }
    async fn restore_version(&self, id: &str, req: RestoreRequest) -> ApiResult<RestoreResponse> {
        self.post(&self.org_path(&format!("secrets/versions/{id}/restore")), &req).await
    }
    async fn delete_version(&self, id: &str, force: bool) -> ApiResult<()> {
        let q = if force { "?force=true" } else { "" };
        self.delete(&self.org_path(&format!("secrets/versions/{id}{q}"))).await
    }
    async fn purge_versions(&self, req: PurgeRequest) -> ApiResult<PurgeResponse> {
        self.post(&self.org_path("secrets/versions/purge"), &req).await
    }
    async fn encryption_key(&self, project: &str) -> ApiResult<EncryptionKeyResponse> {
        self.get(&self.org_path(&format!("{project}/encryption-key"))).await
    }
    async fn key_history(&self, project: &str) -> ApiResult<Vec<KeyHistoryItem>> {
        Ok(self
            .get::<Data<Vec<KeyHistoryItem>>>(&self.org_path(&format!("{project}/encryption-key/history")))
            .await?
            .data)
    }
    async fn rotate_key(&self, project: &str, req: RotateRequest) -> ApiResult<RotateResponse> {
        self.post(&self.org_path(&format!("{project}/encryption-key/rotate")), &req).await
    }
    async fn rotate_client_keys(
        &self,
        project: &str,
        req: RotateClientKeysRequest,
    ) -> ApiResult<RotateClientKeysResponse> {
        self.post(&self.org_path(&format!("{project}/secrets/rotate-client-keys")), &req).await
    }
    async fn reencrypt_pending(&self, project: &str, limit: u32) -> ApiResult<PendingResponse> {
        self.post(
            &self.org_path(&format!("{project}/secrets/re-encrypt-history/pending")),
            &serde_json::json!({ "limit": limit }),
        )
        .await
    }
    async fn reencrypt_submit(&self, project: &str, req: ReEncryptRequest) -> ApiResult<ReEncryptResponse> {
        self.post(&self.org_path(&format!("{project}/secrets/re-encrypt-history")), &req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_map_to_codes() {
        let e = error_from(
            StatusCode::CONFLICT,
            None,
            br#"{"error":"revision_conflict","message":"m","details":{"current_revision":3}}"#,
        );
        assert_eq!(e.code, ErrorCode::RevisionConflict);
        assert_eq!(e.details.unwrap()["current_revision"], 3);
        let e = error_from(StatusCode::UNPROCESSABLE_ENTITY, None, br#"{"message":"bad","errors":{"name":["x"]}}"#);
        assert_eq!(e.code, ErrorCode::ValidationFailed, "framework validation bodies have no `error`");
        let e = error_from(StatusCode::TOO_MANY_REQUESTS, Some(7), b"<html>");
        assert_eq!((e.code, e.retry_after), (ErrorCode::RateLimited, Some(7)));
        let e = error_from(StatusCode::BAD_REQUEST, None, br#"{"error":"something_new","message":"m"}"#);
        assert_eq!(e.code, ErrorCode::Unknown);
        let e = error_from(StatusCode::BAD_REQUEST, None, br#"{"error":"client_managed_encryption","message":"m"}"#);
        assert_eq!(e.code, ErrorCode::ClientManagedEncryption);
    }
}
