//! The HTTP layer: thin handlers that authenticate, parse, call the service and map the result.
//!
//! Routing is one dispatcher over the path segments: upstream's short paths overlap
//! (`/{org}/projects` vs `/{org}/{project}`, `/{org}/secrets/store` vs `/{org}/{project}/{target}`), and
//! an explicit match keeps their precedence obvious. Logs carry method, route shape, status and time —
//! never a header, a body, a token, a blob or a value.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use envdesk_api::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::service::{Caller, Service};

/// Largest accepted request body.
pub const MAX_BODY: usize = 1024 * 1024;

/// Per-organization request limit (fixed one-minute windows).
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<i64, (Instant, u32)>>,
}

impl RateLimiter {
    /// At most `per_minute` requests per organization per minute.
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter { per_minute, windows: Mutex::new(HashMap::new()) }
    }

    /// `Err(seconds to wait)` when over the limit.
    fn check(&self, org: i64) -> Result<(), u64> {
        let mut w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let entry = w.entry(org).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            let wait = Duration::from_secs(60).saturating_sub(now.duration_since(entry.0));
            return Err(wait.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// What the handlers share.
pub struct AppState {
    /// The service.
    pub service: Arc<Service>,
    /// Optional rate limit.
    pub rate: Option<RateLimiter>,
}

/// The router: `/healthz` and everything under `/api/v1`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/v1", any(api))
        .route("/api/v1/{*rest}", any(api))
        .fallback(|| async { error_response(&ApiError::not_found("This endpoint")) })
        .with_state(state)
}

enum Reply {
    /// A JSON body, already serialised.
    Json(StatusCode, Vec<u8>),
    NoContent,
}

fn ok<T: Serialize>(v: T) -> ApiResult<Reply> {
    Ok(Reply::Json(StatusCode::OK, serde_json::to_vec(&v).map_err(|_| ApiError::internal())?))
}

fn created<T: Serialize>(v: T) -> ApiResult<Reply> {
    Ok(Reply::Json(StatusCode::CREATED, serde_json::to_vec(&v).map_err(|_| ApiError::internal())?))
}

fn error_response(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (status, axum::Json(e)).into_response();
    if let Some(s) = e.retry_after {
        if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

fn security_headers(resp: &mut Response, api_version: Option<&HeaderValue>) {
    let h = resp.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("cache-control", HeaderValue::from_static("no-store"));
    if let Some(v) = api_version {
        h.insert("x-api-version", v.clone());
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

async fn api(State(st): State<Arc<AppState>>, method: Method, uri: Uri, headers: HeaderMap, body: Body) -> Response {
    let started = Instant::now();
    let api_version = headers.get("x-api-version").cloned();
    let (mut resp, route) = handle(&st, method.clone(), &uri, &headers, body).await;
    security_headers(&mut resp, api_version.as_ref());
    tracing::info!(
        method = %method,
        route = %route,
        status = resp.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    resp
}

async fn handle(st: &Arc<AppState>, method: Method, uri: &Uri, headers: &HeaderMap, body: Body) -> (Response, String) {
    let Some(token) = bearer(headers).map(str::to_owned) else {
        let e = ApiError::new(ErrorCode::Unauthenticated, "Send an API token as `Authorization: Bearer <token>`.");
        return (error_response(&e), "-".into());
    };
    let too_large =
        || error_response(&ApiError::new(ErrorCode::PayloadTooLarge, "The request body is larger than 1 MiB."));
    if headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > MAX_BODY)
    {
        return (too_large(), "-".into());
    }
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return (too_large(), "-".into()),
    };
    let path = uri.path().trim_start_matches("/api/v1").trim_matches('/').to_owned();
    let segs: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect();
    let query = parse_query(uri.query().unwrap_or(""));
    let route = route_shape(&segs);
    let st = st.clone();
    let full_path = uri.path().to_owned();
    // Authentication and the operation share one blocking task (one hop off the async runtime).
    let result = tokio::task::spawn_blocking(move || {
        let caller = st.service.authenticate(&token)?;
        if let Some(rate) = &st.rate {
            if let Err(wait) = rate.check(caller.org_id) {
                let mut e = ApiError::new(ErrorCode::RateLimited, "Too many requests; wait and try again.");
                e.retry_after = Some(wait);
                return Err(e);
            }
        }
        dispatch(&st.service, &caller, &method, &segs, &query, &body, &full_path)
    })
    .await;
    let resp = match result {
        Ok(Ok(Reply::Json(status, bytes))) => {
            let mut r = (status, bytes).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        Ok(Ok(Reply::NoContent)) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(e)) => error_response(&e),
        Err(_) => error_response(&ApiError::internal()),
    };
    (resp, route)
}

/// The route with organization and slugs replaced, for logs.
fn route_shape(segs: &[String]) -> String {
    const WORDS: [&str; 14] = [
        "organization",
        "organizations",
        "projects",
        "targets",
        "environments",
        "secrets",
        "retrieve",
        "store",
        "delete",
        "versions",
        "purge",
        "restore",
        "encryption-key",
        "api-keys",
    ];
    let parts: Vec<&str> = segs.iter().map(|s| if WORDS.contains(&s.as_str()) { s.as_str() } else { "*" }).collect();
    format!("/api/v1/{}", parts.join("/"))
}

fn parse_query(q: &str) -> HashMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (p.to_owned(), "true".to_owned()),
        })
        .collect()
}

fn q_bool(q: &HashMap<String, String>, name: &str) -> ApiResult<bool> {
    match q.get(name).map(|s| s.to_ascii_lowercase()) {
        None => Ok(false),
        Some(v) if v == "true" || v == "1" => Ok(true),
        Some(v) if v == "false" || v == "0" || v.is_empty() => Ok(false),
        Some(_) => Err(ApiError::validation(name, format!("`{name}` must be true or false."))),
    }
}

fn q_page(q: &HashMap<String, String>) -> ApiResult<PageRequest> {
    let num = |name: &str, default: u32| -> ApiResult<u32> {
        match q.get(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| ApiError::validation(name, format!("`{name}` must be a whole number."))),
        }
    };
    Ok(PageRequest { page: num("page", 1)?, per_page: num("per_page", 25)? })
}

/// Parses a JSON body; an empty body reads as `{}`. Errors name a missing field at most — never echo
/// a value.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> ApiResult<T> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { bytes };
    serde_json::from_slice(bytes).map_err(|e| {
        let msg = e.to_string();
        if msg.starts_with("missing field") {
            let field = msg.split('`').nth(1).unwrap_or("body").to_owned();
            ApiError::validation(&field, format!("The field `{field}` is required."))
        } else if e.is_syntax() || e.is_eof() {
            ApiError::validation(
                "body",
                format!("The request body is not valid JSON (line {}, column {}).", e.line(), e.column()),
            )
        } else {
            ApiError::validation(
                "body",
                format!(
                    "A field of the request body has the wrong type or value (line {}, column {}).",
                    e.line(),
                    e.column()
                ),
            )
        }
    })
}

fn not_found() -> ApiError {
    ApiError::not_found("This endpoint")
}

fn secrets_query(q: &HashMap<String, String>) -> ApiResult<SecretsQuery> {
    let merge = match q.get("merge") {
        None => MergeMode::False,
        Some(v) => {
            MergeMode::parse(v).ok_or_else(|| ApiError::validation("merge", "merge must be false, true or both."))?
        }
    };
    Ok(SecretsQuery { decrypt: q_bool(q, "decrypt")?, merge, raw: q_bool(q, "raw")? })
}

#[derive(serde::Deserialize)]
struct LimitBody {
    #[serde(default = "hundred")]
    limit: u32,
}

fn hundred() -> u32 {
    100
}

#[derive(serde::Deserialize)]
struct OrgUpdate {
    #[serde(default)]
    name: Option<String>,
}

#[derive(serde::Deserialize)]
struct TokenCreate {
    name: String,
    abilities: Vec<String>,
}

fn dispatch(
    s: &Service,
    c: &Caller,
    m: &Method,
    segs: &[String],
    q: &HashMap<String, String>,
    b: &Bytes,
    full_path: &str,
) -> ApiResult<Reply> {
    let seg: Vec<&str> = segs.iter().map(String::as_str).collect();
    let is = |method: &Method| m == method;
    let update = m == Method::PUT || m == Method::PATCH;
    match seg.as_slice() {
        ["organization"] if is(&Method::GET) => ok(Data { data: s.organization(c)? }),
        ["organizations"] if is(&Method::GET) => ok(serde_json::json!({ "data": [s.organization(c)?] })),
        ["organizations", org] if is(&Method::GET) => {
            c.check_org(org)?;
            c.require(ability::ORGANIZATION_READ)?;
            ok(Data { data: s.organization(c)? })
        }
        ["organizations", org] if update => {
            c.check_org(org)?;
            let req: OrgUpdate = body(b)?;
            ok(Data { data: s.update_organization(c, req.name.as_deref())? })
        }
        ["organizations", org, "api-keys"] if is(&Method::GET) => {
            c.check_org(org)?;
            c.require(ability::API_TOKEN_READ)?;
            ok(serde_json::json!({ "data": s.tokens(Some(c.org_id))? }))
        }
        ["organizations", org, "api-keys"] if is(&Method::POST) => {
            c.check_org(org)?;
            let req: TokenCreate = body(b)?;
            let (t, info) = s.create_token(c, &req.name, &req.abilities)?;
            created(serde_json::json!({
                "success": true,
                "message": "API token created successfully",
                "token": t.token.as_str(),
                "api_key": info,
            }))
        }
        ["organizations", org, "api-keys", id] if is(&Method::DELETE) => {
            c.check_org(org)?;
            c.require(ability::API_TOKEN_DELETE)?;
            let id: i64 = id.parse().map_err(|_| ApiError::not_found(format!("API key `{id}`")))?;
            if s.revoke_token(id, Some(c.org_id))? {
                Ok(Reply::NoContent)
            } else {
                Err(ApiError::not_found(format!("API key `{id}`")))
            }
        }
        [org, rest @ ..] => {
            c.check_org(org)?;
            org_routes(s, c, m, rest, q, b, full_path)
        }
        _ => Err(not_found()),
    }
}

fn org_routes(
    s: &Service,
    c: &Caller,
    m: &Method,
    seg: &[&str],
    q: &HashMap<String, String>,
    b: &Bytes,
    full_path: &str,
) -> ApiResult<Reply> {
    let get = m == Method::GET;
    let post = m == Method::POST;
    let delete = m == Method::DELETE;
    let update = m == Method::PUT || m == Method::PATCH;
    match seg {
        ["projects"] if get => ok(s.list_projects(c, q_page(q)?)?),
        ["projects"] if post => created(Data { data: s.create_project(c, body(b)?)? }),
        ["secrets", "retrieve"] if post => ok(s.retrieve(c, body(b)?, full_path)?),
        ["secrets", "store"] if post => ok(s.store(c, body(b)?)?),
        ["secrets", "delete"] if post => {
            s.delete_secrets(c, body(b)?)?;
            Ok(Reply::NoContent)
        }
        ["secrets", "versions"] if post => ok(s.list_versions(c, body(b)?)?),
        ["secrets", "versions", "purge"] if post => ok(s.purge_versions(c, body(b)?)?),
        ["secrets", "versions", id] if get => ok(Data { data: s.get_version(c, id)? }),
        ["secrets", "versions", id] if delete => {
            s.delete_version(c, id, q_bool(q, "force")?)?;
            Ok(Reply::NoContent)
        }
        ["secrets", "versions", id, "restore"] if post => ok(s.restore_version(c, id, body(b)?)?),
        ["secrets", ..] => Err(not_found()),
        [p] if get => ok(Data { data: s.get_project(c, p)? }),
        [p] if update => ok(Data { data: s.update_project(c, p, body(b)?)? }),
        [p] if delete => {
            s.delete_project(c, p)?;
            Ok(Reply::NoContent)
        }
        [p, "secrets"] if get => read(s, c, NodePath::project(p), q, full_path),
        [p, "targets"] if get => ok(s.list_targets(c, p, q_page(q)?)?),
        [p, "targets"] if post => created(Data { data: s.create_target(c, p, body(b)?)? }),
        [p, "encryption-key"] if get => ok(s.encryption_key(c, p)?),
        [p, "encryption-key", "history"] if get => ok(serde_json::json!({ "data": s.key_history(c, p)? })),
        [p, "encryption-key", "rotate"] if post => ok(s.rotate_key(c, p, body(b)?)?),
        [p, "secrets", "rotate-client-keys"] if post => ok(s.rotate_client_keys(c, p, body(b)?)?),
        [p, "secrets", "re-encrypt-history", "pending"] if post => {
            let req: LimitBody = body(b)?;
            ok(s.reencrypt_pending(c, p, req.limit)?)
        }
        [p, "secrets", "re-encrypt-history"] if post => ok(s.reencrypt_submit(c, p, body(b)?)?),
        [p, t] if get => ok(Data { data: s.get_target(c, p, t)? }),
        [p, t] if update => ok(Data { data: s.update_target(c, p, t, body(b)?)? }),
        [p, t] if delete => {
            s.delete_target(c, p, t)?;
            Ok(Reply::NoContent)
        }
        [p, t, "secrets"] if get => read(s, c, NodePath::target(p, t), q, full_path),
        [p, t, "environments"] if get => ok(s.list_environments(c, p, t, q_page(q)?)?),
        [p, t, "environments"] if post => created(Data { data: s.create_environment(c, p, t, body(b)?)? }),
        [p, t, e] if get => ok(Data { data: s.get_environment(c, p, t, e)? }),
        [p, t, e] if update => ok(Data { data: s.update_environment(c, p, t, e, body(b)?)? }),
        [p, t, e] if delete => {
            s.delete_environment(c, p, t, e)?;
            Ok(Reply::NoContent)
        }
        [p, t, e, "secrets"] if get => read(s, c, NodePath::environment(p, t, e), q, full_path),
        _ => Err(not_found()),
    }
}

fn read(s: &Service, c: &Caller, path: NodePath, q: &HashMap<String, String>, full_path: &str) -> ApiResult<Reply> {
    ok(s.read_secrets(c, &path, secrets_query(q)?, full_path)?)
}
