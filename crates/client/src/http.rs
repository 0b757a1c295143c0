//! [`HttpBackend`]: the API over HTTP (reqwest with rustls), for our server and for dotEnv Cloud.
//!
//! - Addresses: `https://` for any host; plain `http://` only for this computer (`localhost`,
//!   127.0.0.0/8, `::1`), refused before any request — the bearer token would cross the network in
//!   clear. No redirects are followed (an API answer never redirects; a redirect could leave the
//!   checked address).
//! - URLs are built segment by segment ([`reqwest::Url::path_segments_mut`] percent-encodes `/`, `?`,
//!   `#` and `%` inside a segment) and queries with `query_pairs_mut`: a slug or version id is never
//!   formatted into a path string, so `"../../app"` or `"5?force=true"` can only name a missing
//!   resource. An empty segment, `.` or `..` (which the url crate would drop or resolve) is refused.
//! - Timeouts: 10 s to connect, 30 s per request.
//! - Retries only for idempotent requests (GET, DELETE) on 429/500/502/503/504 and on connection
//!   failures: up to 3 attempts, honouring `Retry-After` (capped at 10 s), else 250 ms, 500 ms.
//! - An answer is read up to [`MAX_RESPONSE_BYTES`] (64 MiB — a project of 5,000 keys reads as a few
//!   hundred KB); a larger one is refused with `invalid_response`, whatever its `Content-Length` says.
//! - Every error body maps to a typed [`ApiError`]; a framework validation body without `error`
//!   becomes `validation_failed`; a body that is not the API's becomes `invalid_response`. The
//!   server's message is kept up to [`MAX_MESSAGE_CHARS`] characters. [`decode_answer`] is exactly
//!   this decoding, for the fuzz target.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use async_trait::async_trait;
use envdesk_api::*;
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

/// The most bytes read from one answer (64 MiB). Larger answers are refused, not truncated.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// The most characters of a server's error message kept (longer ones are cut, with `…`).
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// Where to connect and as whom.
pub struct HttpConfig {
    /// Base URL, e.g. `https://api.dotenv.cloud` or `http://127.0.0.1:8787` (without `/api/v1`).
    pub base_url: String,
    /// Organization ULID.
    pub organization: String,
    /// Bearer token.
    pub token: Zeroizing<String>,
}

impl std::fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpConfig")
            .field("base_url", &self.base_url)
            .field("organization", &self.organization)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// The API over HTTP.
pub struct HttpBackend {
    client: reqwest::Client,
    /// The server's address without `/api/v1` (checked: https, or http on loopback).
    base: Url,
    /// `base` as people write it, for messages.
    label: String,
    org: String,
    token: Zeroizing<String>,
    max_attempts: u32,
}

impl std::fmt::Debug for HttpBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpBackend").field("base", &self.label).field("org", &self.org).finish_non_exhaustive()
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

fn too_large() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidResponse,
        "The server's answer is larger than 64 MiB, the most envdesk reads; it was not used.",
    )
}

fn not_the_api() -> ApiError {
    ApiError::new(ErrorCode::InvalidResponse, "The server's answer is not what the API describes.")
}

/// At most [`MAX_MESSAGE_CHARS`] characters of `s`.
fn bounded(mut s: String) -> String {
    if let Some((i, _)) = s.char_indices().nth(MAX_MESSAGE_CHARS) {
        s.truncate(i);
        s.push('…');
    }
    s
}

/// The most field errors kept from an error answer (fields × messages).
const MAX_FIELD_ERRORS: usize = 100;

/// A machine code as an [`ErrorCode`] (one this version does not know is `Unknown`).
fn code_named(c: &str) -> ErrorCode {
    serde_json::from_value::<ErrorCode>(serde_json::Value::String(c.to_owned())).unwrap_or(ErrorCode::Unknown)
}

/// A non-blank string field of `v`.
fn text<'a>(v: &'a serde_json::Value, field: &str) -> Option<&'a str> {
    v.get(field).and_then(|s| s.as_str()).filter(|s| !s.trim().is_empty())
}

/// The field errors of an `errors` value, in every form upstream writes (issue 11): a map of lists of
/// strings (the framework's validation body), a map of strings (the Go SDK's `map[string]string`),
/// or a JSON:API array of `{status, code, title, detail, source: {pointer}}` (the SDK's list
/// answers), whose elements are kept under their `source.pointer`, else their `code`, else `_`.
/// Anything else is ignored. At most [`MAX_FIELD_ERRORS`] messages, each bounded.
fn field_errors(errors: &serde_json::Value) -> Option<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut kept = 0;
    let mut push = |field: &str, message: &str| {
        if kept < MAX_FIELD_ERRORS && !message.trim().is_empty() {
            kept += 1;
            out.entry(bounded(field.to_owned())).or_default().push(bounded(message.to_owned()));
        }
    };
    match errors {
        serde_json::Value::Object(m) => {
            for (field, v) in m {
                match v {
                    serde_json::Value::String(s) => push(field, s),
                    serde_json::Value::Array(a) => a.iter().filter_map(|s| s.as_str()).for_each(|s| push(field, s)),
                    _ => {}
                }
            }
        }
        serde_json::Value::Array(a) => {
            for e in a {
                let Some(message) = text(e, "detail").or_else(|| text(e, "title")) else { continue };
                let field = e
                    .get("source")
                    .and_then(|s| text(s, "pointer").or_else(|| text(s, "parameter")))
                    .or_else(|| text(e, "code"))
                    .unwrap_or("_");
                push(field, message);
            }
        }
        _ => {}
    }
    (!out.is_empty()).then_some(out)
}

/// The sentence of a JSON:API error object: `title: detail`, or whichever of them it has.
fn jsonapi_message(e: &serde_json::Value) -> Option<String> {
    match (text(e, "title"), text(e, "detail")) {
        (Some(t), Some(d)) if t != d => Some(format!("{t}: {d}")),
        (Some(m), _) | (None, Some(m)) => Some(m.to_owned()),
        (None, None) => None,
    }
}

/// The most bytes of an error answer's `details` kept (16 KiB of JSON); larger ones are dropped.
const MAX_DETAILS_BYTES: usize = 16 * 1024;

/// The fields of an error body envdesk reads; every other field is skipped without being built.
#[derive(serde::Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<serde_json::Value>,
    #[serde(default)]
    errors: Option<serde_json::Value>,
    #[serde(default)]
    details: Option<Box<serde_json::value::RawValue>>,
}

/// Maps an error answer to an [`ApiError`], keeping its code and message in every form upstream
/// writes an error body (issue 11, `docs/decisions.md`). Each field is taken on its own, so one field
/// of an unexpected shape never loses the others; fields envdesk does not read are not built.
///
/// - Code: `error` → else the first non-empty JSON:API `errors[].code` → else the SDK's `code` → else
///   `validation_failed` when `errors` is a map on a 400 or 422 → else the status's code. A named code
///   this version does not know gives way to the status's code (a 404 stays `not_found`, a 400 is
///   `bad_request`; a 409 stays `unknown`).
/// - Message: `message` → else the first JSON:API error's `title: detail` → else the first field
///   error → else "The server answered <status>.". Bounded to [`MAX_MESSAGE_CHARS`] characters;
///   `details` kept up to [`MAX_DETAILS_BYTES`].
fn error_from(status: StatusCode, retry_after: Option<u64>, body: &[u8]) -> ApiError {
    let null = serde_json::Value::Null;
    let mut e = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => {
            let raw_errors = b.errors.as_ref().unwrap_or(&null);
            let jsonapi: &[serde_json::Value] = raw_errors.as_array().map(Vec::as_slice).unwrap_or(&[]);
            let nonblank = |v: &Option<serde_json::Value>| {
                v.as_ref().and_then(|v| v.as_str()).filter(|s| !s.trim().is_empty()).map(str::to_owned)
            };
            let validation = raw_errors.is_object() && matches!(status.as_u16(), 400 | 422);
            let named = nonblank(&b.error)
                .or_else(|| jsonapi.iter().find_map(|e| text(e, "code")).map(str::to_owned))
                .or_else(|| nonblank(&b.code))
                .map(|c| code_named(&c));
            let code = match named {
                // A code this version does not know: the status's own code, when it names one.
                Some(ErrorCode::Unknown) => match fallback_code(status) {
                    ErrorCode::InvalidResponse => ErrorCode::Unknown,
                    c => c,
                },
                Some(c) => c,
                None if validation => ErrorCode::ValidationFailed,
                None => fallback_code(status),
            };
            let errors = field_errors(raw_errors);
            let message = nonblank(&b.message)
                .or_else(|| jsonapi.iter().find_map(jsonapi_message))
                .or_else(|| errors.as_ref().and_then(|m| m.values().flatten().next().cloned()))
                .map(bounded)
                .unwrap_or_else(|| default_message(status));
            let details = b
                .details
                .filter(|d| d.get().len() <= MAX_DETAILS_BYTES)
                .and_then(|d| serde_json::from_str::<serde_json::Value>(d.get()).ok())
                .filter(|d| !d.is_null())
                .map(Box::new);
            ApiError { code, message, details, errors, retry_after: None }
        }
        Err(_) => ApiError::new(fallback_code(status), default_message(status)),
    };
    // A 408, 429 or 5xx whose body names a 4xx refusal (`not_found`, `validation_failed`, …) is not
    // taken at its word: the status says the request may not have been handled, and callers (a key
    // rotation) act on the difference.
    let s = status.as_u16();
    if matches!(s, 408 | 429 | 500..=599) && (400..500).contains(&e.code.status()) && e.code.status() != s {
        e.code = fallback_code(status);
    }
    e.retry_after = retry_after;
    e
}

fn fallback_code(status: StatusCode) -> ErrorCode {
    match status.as_u16() {
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::InsufficientPermissions,
        404 => ErrorCode::NotFound,
        408 => ErrorCode::RequestTimeout,
        400 => ErrorCode::BadRequest,
        413 => ErrorCode::PayloadTooLarge,
        422 => ErrorCode::ValidationFailed,
        429 => ErrorCode::RateLimited,
        // A gateway (a proxy in front of the server) answering for a server that is away: the server
        // cannot be reached, as when there is no answer at all (the command line then uses its offline
        // copy). With an API error body, the body's own code counts instead.
        502 | 503 => ErrorCode::Network,
        504 => ErrorCode::Timeout,
        500..=599 => ErrorCode::Internal,
        // Any other 4xx — 409 among them, which means three different things here (already exists, a
        // revision conflict, a rotation in progress) — is an answer from the API that, without a code
        // in the body, names nothing this version can act on.
        402 | 405..=407 | 409..=412 | 414..=421 | 423..=428 | 430..=499 => ErrorCode::Unknown,
        _ => ErrorCode::InvalidResponse,
    }
}

fn default_message(status: StatusCode) -> String {
    format!("The server answered {status}.")
}

/// `Ok` for a success status, else the error the body describes.
fn check_status(status: u16, retry_after: Option<u64>, body: &[u8]) -> ApiResult<()> {
    if body.len() > MAX_RESPONSE_BYTES {
        return Err(too_large());
    }
    let status = StatusCode::from_u16(status).map_err(|_| not_the_api())?;
    if status.is_success() {
        Ok(())
    } else {
        Err(error_from(status, retry_after, body))
    }
}

fn decode<T: DeserializeOwned>(status: u16, retry_after: Option<u64>, body: &[u8]) -> ApiResult<T> {
    check_status(status, retry_after, body)?;
    serde_json::from_slice(body).map_err(|_| not_the_api())
}

/// Decodes an answer exactly as [`HttpBackend`] does: a success body as `T`, anything else as the
/// typed [`ApiError`] it describes (a body over [`MAX_RESPONSE_BYTES`] is refused). For the fuzz
/// target `client_answers`; not part of the API.
#[doc(hidden)]
pub fn decode_answer<T: DeserializeOwned>(status: u16, body: &[u8]) -> ApiResult<T> {
    decode(status, None, body)
}

/// Whether `url` names this computer: `localhost`, 127.0.0.0/8 or `::1`.
fn is_loopback(url: &Url) -> bool {
    match url.host_str() {
        Some(h) if h.eq_ignore_ascii_case("localhost") => true,
        Some(h) => {
            let ip = h.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(h);
            ip.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    }
}

/// The server's address, checked: `https://` anywhere, `http://` only on loopback; no credentials,
/// query or fragment; a trailing `/api/v1` is dropped.
pub fn parse_base_url(base_url: &str) -> Result<Url, ApiError> {
    let bad = |m: &str| ApiError::validation("url", m);
    let trimmed = base_url.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/api/v1").unwrap_or(trimmed).trim_end_matches('/');
    let url = Url::parse(trimmed)
        .map_err(|_| bad("The server address is not a valid URL (e.g. https://api.example.com)."))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(bad(
                "Plain http:// is only allowed for this computer (localhost, 127.0.0.1, ::1): elsewhere the token would cross the network unencrypted. Use https://.",
            ))
        }
        _ => return Err(bad("The server address must start with https:// (or http:// for localhost).")),
    }
    if url.cannot_be_a_base() || url.host_str().is_none() {
        return Err(bad("The server address has no host."));
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("The server address must not contain a user name, password, query or fragment."));
    }
    Ok(url)
}

/// A path segment as given: anything but empty, `.` and `..` (which a URL would drop or resolve).
fn check_segment(s: &str) -> ApiResult<()> {
    if s.is_empty() || s == "." || s == ".." {
        return Err(ApiError::validation(
            "path",
            "An empty name, `.` or `..` cannot name a project, target, environment or version.",
        ));
    }
    Ok(())
}

impl HttpBackend {
    /// A backend for `config`. Refuses (before any request) an address that is not `https://`, or
    /// `http://` on this computer.
    pub fn new(config: HttpConfig) -> Result<HttpBackend, ApiError> {
        let base = parse_base_url(&config.base_url)?;
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            // Servers close idle keep-alive connections (envdesk-server after 10 s, many proxies
            // sooner); a write sent on a connection the server is closing fails and is not retried.
            .pool_idle_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("envdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| ApiError::new(ErrorCode::Network, "The HTTP client could not start."))?;
        let label = base.as_str().trim_end_matches('/').to_owned();
        Ok(HttpBackend {
            client,
            base,
            label,
            org: config.organization.trim().to_owned(),
            token: config.token,
            max_attempts: 3,
        })
    }

    /// `{base}/api/v1/{segments…}?{query}`, each segment percent-encoded on its own.
    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> ApiResult<Url> {
        let mut url = self.base.clone();
        {
            let mut path =
                url.path_segments_mut().map_err(|_| ApiError::validation("url", "The server address has no host."))?;
            path.pop_if_empty().extend(["api", "v1"]);
            for s in segments {
                check_segment(s)?;
                path.push(s);
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// A URL under the organization: `{base}/api/v1/{org}/{segments…}?{query}`.
    fn org_url(&self, segments: &[&str], query: &[(&str, &str)]) -> ApiResult<Url> {
        let mut all = Vec::with_capacity(segments.len() + 1);
        all.push(self.org.as_str());
        all.extend_from_slice(segments);
        self.url(&all, query)
    }

    /// Reads an answer's body, at most [`MAX_RESPONSE_BYTES`].
    async fn read_body(&self, mut resp: reqwest::Response) -> ApiResult<Vec<u8>> {
        if resp.content_length().is_some_and(|n| n > MAX_RESPONSE_BYTES as u64) {
            return Err(too_large());
        }
        let mut out = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| transport_error(&e, &self.label))? {
            if out.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(too_large());
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Sends a request; returns the final answer's status, `Retry-After` and body.
    async fn send<B: Serialize + ?Sized>(
        &self,
        method: Method,
        url: Url,
        body: Option<&B>,
    ) -> ApiResult<(u16, Option<u64>, Vec<u8>)> {
        let idempotent = method == Method::GET || method == Method::DELETE;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self
                .client
                .request(method.clone(), url.clone())
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
                    (status, retry_after, self.read_body(resp).await?)
                }
                Err(e) => {
                    if idempotent && attempt < self.max_attempts && !e.is_timeout() {
                        tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt))).await;
                        continue;
                    }
                    return Err(transport_error(&e, &self.label));
                }
            };
            if !status.is_success() && idempotent && retryable(status) && attempt < self.max_attempts {
                let wait = retry_after
                    .map(|s| Duration::from_secs(s.min(10)))
                    .unwrap_or(Duration::from_millis(250 * u64::from(attempt)));
                tokio::time::sleep(wait).await;
                continue;
            }
            return Ok((status.as_u16(), retry_after, bytes));
        }
    }

    async fn json<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        url: ApiResult<Url>,
        body: Option<&B>,
    ) -> ApiResult<T> {
        let (status, retry_after, bytes) = self.send(method, url?, body).await?;
        decode(status, retry_after, &bytes)
    }

    async fn get<T: DeserializeOwned>(&self, url: ApiResult<Url>) -> ApiResult<T> {
        self.json::<T, ()>(Method::GET, url, None).await
    }

    async fn post<T: DeserializeOwned, B: Serialize + ?Sized>(&self, url: ApiResult<Url>, body: &B) -> ApiResult<T> {
        self.json(Method::POST, url, Some(body)).await
    }

    async fn patch<T: DeserializeOwned, B: Serialize + ?Sized>(&self, url: ApiResult<Url>, body: &B) -> ApiResult<T> {
        self.json(Method::PATCH, url, Some(body)).await
    }

    async fn delete(&self, url: ApiResult<Url>) -> ApiResult<()> {
        let (status, retry_after, bytes) = self.send::<()>(Method::DELETE, url?, None).await?;
        check_status(status, retry_after, &bytes)
    }

    async fn post_empty<B: Serialize + ?Sized>(&self, url: ApiResult<Url>, body: &B) -> ApiResult<()> {
        let (status, retry_after, bytes) = self.send(Method::POST, url?, Some(body)).await?;
        check_status(status, retry_after, &bytes)
    }
}

fn page_query(p: PageRequest) -> [(&'static str, String); 2] {
    [("page", p.page.to_string()), ("per_page", p.per_page.to_string())]
}

fn pairs<'a, const N: usize>(q: &'a [(&'static str, String); N]) -> [(&'static str, &'a str); N] {
    std::array::from_fn(|i| (q[i].0, q[i].1.as_str()))
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// The segments of a node: project, then target and environment when named.
fn node_segments(path: &NodePath) -> Vec<&str> {
    let mut v = vec![path.project.as_str()];
    v.extend(path.target.as_deref());
    v.extend(path.environment.as_deref());
    v
}

#[async_trait]
impl Backend for HttpBackend {
    async fn organization(&self) -> ApiResult<Organization> {
        Ok(self.get::<Data<Organization>>(self.url(&["organization"], &[])).await?.data)
    }
    async fn list_projects(&self, page: PageRequest) -> ApiResult<Page<Project>> {
        self.get(self.org_url(&["projects"], &pairs(&page_query(page)))).await
    }
    async fn create_project(&self, req: CreateProject) -> ApiResult<Project> {
        Ok(self.post::<Data<Project>, _>(self.org_url(&["projects"], &[]), &req).await?.data)
    }
    async fn get_project(&self, project: &str) -> ApiResult<Project> {
        Ok(self.get::<Data<Project>>(self.org_url(&[project], &[])).await?.data)
    }
    async fn update_project(&self, project: &str, req: UpdateNode) -> ApiResult<Project> {
        Ok(self.patch::<Data<Project>, _>(self.org_url(&[project], &[]), &req).await?.data)
    }
    async fn delete_project(&self, project: &str) -> ApiResult<()> {
        self.delete(self.org_url(&[project], &[])).await
    }
    async fn list_targets(&self, project: &str, page: PageRequest) -> ApiResult<Page<Target>> {
        self.get(self.org_url(&[project, "targets"], &pairs(&page_query(page)))).await
    }
    async fn create_target(&self, project: &str, req: CreateNode) -> ApiResult<Target> {
        Ok(self.post::<Data<Target>, _>(self.org_url(&[project, "targets"], &[]), &req).await?.data)
    }
    async fn get_target(&self, project: &str, target: &str) -> ApiResult<Target> {
        Ok(self.get::<Data<Target>>(self.org_url(&[project, target], &[])).await?.data)
    }
    async fn update_target(&self, project: &str, target: &str, req: UpdateNode) -> ApiResult<Target> {
        Ok(self.patch::<Data<Target>, _>(self.org_url(&[project, target], &[]), &req).await?.data)
    }
    async fn delete_target(&self, project: &str, target: &str) -> ApiResult<()> {
        self.delete(self.org_url(&[project, target], &[])).await
    }
    async fn list_environments(&self, project: &str, target: &str, page: PageRequest) -> ApiResult<Page<Environment>> {
        self.get(self.org_url(&[project, target, "environments"], &pairs(&page_query(page)))).await
    }
    async fn create_environment(&self, project: &str, target: &str, req: CreateNode) -> ApiResult<Environment> {
        Ok(self.post::<Data<Environment>, _>(self.org_url(&[project, target, "environments"], &[]), &req).await?.data)
    }
    async fn get_environment(&self, project: &str, target: &str, env: &str) -> ApiResult<Environment> {
        Ok(self.get::<Data<Environment>>(self.org_url(&[project, target, env], &[])).await?.data)
    }
    async fn update_environment(
        &self,
        project: &str,
        target: &str,
        env: &str,
        req: UpdateNode,
    ) -> ApiResult<Environment> {
        Ok(self.patch::<Data<Environment>, _>(self.org_url(&[project, target, env], &[]), &req).await?.data)
    }
    async fn delete_environment(&self, project: &str, target: &str, env: &str) -> ApiResult<()> {
        self.delete(self.org_url(&[project, target, env], &[])).await
    }
    async fn read_secrets(&self, path: &NodePath, q: SecretsQuery) -> ApiResult<SecretsRead> {
        let merge = match q.merge {
            MergeMode::False => "false",
            MergeMode::True => "true",
            MergeMode::Both => "both",
        };
        let mut segments = node_segments(path);
        segments.push("secrets");
        let query = [("decrypt", bool_str(q.decrypt)), ("merge", merge), ("raw", bool_str(q.raw))];
        self.get(self.org_url(&segments, &query)).await
    }
    async fn retrieve(&self, req: RetrieveRequest) -> ApiResult<RetrieveResponse> {
        self.post(self.org_url(&["secrets", "retrieve"], &[]), &req).await
    }
    async fn store(&self, req: StoreRequest) -> ApiResult<StoreResponse> {
        self.post(self.org_url(&["secrets", "store"], &[]), &req).await
    }
    async fn delete_secrets(&self, req: DeleteRequest) -> ApiResult<()> {
        self.post_empty(self.org_url(&["secrets", "delete"], &[]), &req).await
    }
    async fn list_versions(&self, req: ListVersionsRequest) -> ApiResult<Page<VersionItem>> {
        self.post(self.org_url(&["secrets", "versions"], &[]), &req).await
    }
    async fn get_version(&self, id: &str) -> ApiResult<VersionDetail> {
        Ok(self.get::<Data<VersionDetail>>(self.org_url(&["secrets", "versions", id], &[])).await?.data)
    }
    async fn restore_version(&self, id: &str, req: RestoreRequest) -> ApiResult<RestoreResponse> {
        self.post(self.org_url(&["secrets", "versions", id, "restore"], &[]), &req).await
    }
    async fn delete_version(&self, id: &str, force: bool) -> ApiResult<()> {
        let query: &[(&str, &str)] = if force { &[("force", "true")] } else { &[] };
        self.delete(self.org_url(&["secrets", "versions", id], query)).await
    }
    async fn purge_versions(&self, req: PurgeRequest) -> ApiResult<PurgeResponse> {
        self.post(self.org_url(&["secrets", "versions", "purge"], &[]), &req).await
    }
    async fn encryption_key(&self, project: &str) -> ApiResult<EncryptionKeyResponse> {
        self.get(self.org_url(&[project, "encryption-key"], &[])).await
    }
    async fn audit_log(&self, query: &AuditLogQuery) -> ApiResult<Page<AuditItem>> {
        let pairs = query.pairs();
        let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.get(self.org_url(&["audit-log"], &refs)).await
    }
    async fn key_history(&self, project: &str) -> ApiResult<Vec<KeyHistoryItem>> {
        Ok(self
            .get::<Data<Vec<KeyHistoryItem>>>(self.org_url(&[project, "encryption-key", "history"], &[]))
            .await?
            .data)
    }
    async fn rotate_key(&self, project: &str, req: RotateRequest) -> ApiResult<RotateResponse> {
        self.post(self.org_url(&[project, "encryption-key", "rotate"], &[]), &req).await
    }
    async fn rotate_client_keys(
        &self,
        project: &str,
        req: RotateClientKeysRequest,
    ) -> ApiResult<RotateClientKeysResponse> {
        self.post(self.org_url(&[project, "secrets", "rotate-client-keys"], &[]), &req).await
    }
    async fn reencrypt_pending(&self, project: &str, limit: u32) -> ApiResult<PendingResponse> {
        self.post(
            self.org_url(&[project, "secrets", "re-encrypt-history", "pending"], &[]),
            &serde_json::json!({ "limit": limit }),
        )
        .await
    }
    async fn reencrypt_submit(&self, project: &str, req: ReEncryptRequest) -> ApiResult<ReEncryptResponse> {
        self.post(self.org_url(&[project, "secrets", "re-encrypt-history"], &[]), &req).await
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
        // A code this version does not know yields to the status's own (issue 11): the server refused.
        let e = error_from(StatusCode::BAD_REQUEST, None, br#"{"error":"something_new","message":"m"}"#);
        assert_eq!(e.code, ErrorCode::BadRequest);
        let e = error_from(StatusCode::CONFLICT, None, br#"{"error":"something_new","message":"m"}"#);
        assert_eq!(e.code, ErrorCode::Unknown, "409 names nothing definite");
        let e = error_from(StatusCode::BAD_REQUEST, None, br#"{"error":"client_managed_encryption","message":"m"}"#);
        assert_eq!(e.code, ErrorCode::ClientManagedEncryption);
        // A status that says the request may not have been handled wins over a body naming a refusal.
        let e = error_from(StatusCode::BAD_GATEWAY, None, br#"{"error":"not_found","message":"m"}"#);
        assert_eq!((e.code, e.message.as_str()), (ErrorCode::Network, "m"));
        let e = error_from(StatusCode::INTERNAL_SERVER_ERROR, None, br#"{"error":"not_found","message":"m"}"#);
        assert_eq!(e.code, ErrorCode::Internal);
        // A gateway's own page for a server that is away: the server cannot be reached (the command
        // line then uses its offline copy); a 500 is the server's own failure.
        for (status, code) in [(502, ErrorCode::Network), (503, ErrorCode::Network), (504, ErrorCode::Timeout)] {
            let e = error_from(StatusCode::from_u16(status).unwrap(), None, b"<html>Bad Gateway</html>");
            assert_eq!(e.code, code, "{status}");
        }
        assert_eq!(error_from(StatusCode::INTERNAL_SERVER_ERROR, None, b"<html>").code, ErrorCode::Internal);
        let e = error_from(StatusCode::REQUEST_TIMEOUT, None, br#"{"error":"validation_failed","message":"m"}"#);
        assert_eq!(e.code, ErrorCode::RequestTimeout);
        let e = error_from(StatusCode::REQUEST_TIMEOUT, None, b"");
        assert_eq!(e.code, ErrorCode::RequestTimeout);
    }

    #[test]
    fn decode_answer_is_the_backends_decoding() {
        let org = br#"{"id":"01ORG","name":"Acme","slug":"acme","status":"active"}"#;
        assert_eq!(decode_answer::<Organization>(200, org).unwrap().id, "01ORG");
        let e = decode_answer::<Organization>(200, b"{").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidResponse);
        let e =
            decode_answer::<Organization>(404, br#"{"error":"not_found","message":"No such project."}"#).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (ErrorCode::NotFound, "No such project."));
        for status in [0, 99, 1000, u16::MAX] {
            assert_eq!(decode_answer::<Organization>(status, org).unwrap_err().code, ErrorCode::InvalidResponse);
        }
        let e = decode_answer::<Organization>(302, b"").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidResponse, "redirects are not followed, and not the API");
        let big = vec![b' '; MAX_RESPONSE_BYTES + 1];
        assert!(decode_answer::<serde_json::Value>(200, &big).unwrap_err().message.contains("64 MiB"));
        // A server's message is kept, bounded.
        let long = format!(r#"{{"error":"not_found","message":"{}"}}"#, "é".repeat(100_000));
        let e = decode_answer::<Organization>(404, long.as_bytes()).unwrap_err();
        assert_eq!(e.message.chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    /// An error answer whose message is empty or blank still says something (the client_decode fuzz
    /// target's find: `["",""]` with status 122, or `{"message": ""}`).
    #[test]
    fn an_empty_error_message_gets_the_statuss_sentence() {
        for (status, body) in [(122, &br#"["",""]"#[..]), (404, br#"{"message":""}"#), (500, br#"{"message":"  "}"#)] {
            let e = decode_answer::<Organization>(status, body).unwrap_err();
            assert!(!e.message.trim().is_empty(), "{status} {:?}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn segments_are_encoded_and_dot_segments_refused() {
        let b = HttpBackend::new(HttpConfig {
            base_url: "https://example.com/prefix/api/v1/".into(),
            organization: "01ORG".into(),
            token: Zeroizing::new("t".into()),
        })
        .unwrap();
        let u = b.org_url(&["secrets", "versions", "../../app?force=true#x", "%2F"], &[("force", "a&b=c")]).unwrap();
        assert_eq!(
            u.as_str(),
            "https://example.com/prefix/api/v1/01ORG/secrets/versions/..%2F..%2Fapp%3Fforce=true%23x/%252F?force=a%26b%3Dc"
        );
        for bad in ["", ".", ".."] {
            assert_eq!(b.org_url(&["app", bad], &[]).unwrap_err().code, ErrorCode::ValidationFailed, "{bad:?}");
        }
        assert!(!format!("{b:?}").contains("token"), "no token in Debug");
    }
}
