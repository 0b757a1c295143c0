//! The HTTP layer: thin handlers that authenticate, parse, call the service and map the result.
//!
//! Routing is one dispatcher over the path segments: upstream's short paths overlap
//! (`/{org}/projects` vs `/{org}/{project}`, `/{org}/secrets/store` vs `/{org}/{project}/{target}`), and
//! an explicit match keeps their precedence obvious. Logs carry method, route shape, status and time —
//! never a header, a body, a token, a blob or a value; the method and the shape are normalised and
//! bounded ([`method_label`], [`route_shape`]).
//!
//! Order of a request: token present → authenticate (a failure from a client over the
//! failed-authentication limit is 429, else 401) → per-organization rate limit → body (at most [`MAX_BODY`], within
//! [`Limits::body_timeout`]) → dispatch. Nothing is read from the body before the caller is known;
//! an answer given before the body was read carries `Connection: close`.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::error_handling::HandleErrorLayer;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use envdesk_api::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

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

/// Limits of the HTTP server (issue 10, holes 13 and 20). The defaults are far above what a real
/// client needs and low enough that slow or many clients cannot hold the server.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Open connections at most; further connections wait in the kernel's backlog.
    pub max_connections: usize,
    /// Requests handled at once at most; further requests wait for a slot.
    pub max_in_flight: usize,
    /// Time to receive a request's headers (from the first byte, and while a keep-alive
    /// connection is idle); the connection is closed after it.
    pub header_read_timeout: Duration,
    /// Time to receive the whole body once the request is authenticated (408, connection closed).
    pub body_timeout: Duration,
    /// Time to answer a request, from its headers (408). The timeout cannot stop work already
    /// running on a blocking thread (PBKDF2, SQLite): that work runs to its end, but a write it
    /// makes rolls back instead of committing (checked just before `COMMIT`, `db::abandonable`).
    /// Only a timeout in the microseconds between that check and the end of the commit lets the
    /// write commit after its 408; so a 408 means "unknown", and a client re-reads before retrying.
    pub request_timeout: Duration,
    /// Failed authentications per client (IPv4 address or IPv6 /64) per minute; past it, a request
    /// whose token fails is answered 429 instead of 401 until the minute is over. A valid token is
    /// never refused ([`AuthFailures`]). `None` turns it off.
    pub auth_failures_per_minute: Option<u32>,
    /// Serve encrypted reads again from memory while the database is unchanged (SQLite;
    /// [`crate::hot`]). `--no-read-cache` turns it off.
    pub read_cache: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 1024,
            max_in_flight: 256,
            header_read_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            auth_failures_per_minute: Some(30),
            read_cache: true,
        }
    }
}

/// What the handlers share.
pub struct AppState {
    /// The service.
    pub service: Arc<Service>,
    /// Optional rate limit.
    pub rate: Option<RateLimiter>,
}

/// Failed authentications per client, in fixed one-minute windows (issue 10, hole 13).
///
/// Every request is authenticated; a valid token is never refused here. Only a request whose token
/// fails while its client is over the limit gets 429 (with `Retry-After`) instead of 401, so
/// guessing is slowed without locking anybody out: behind the TLS proxy the README recommends,
/// every client shares the proxy's address, and a limit on all requests of an address would let
/// 30 bogus tokens a minute refuse every valid one.
///
/// A client is an IPv4 address or an IPv6 /64 (one host usually holds a whole /64, so rotating
/// addresses inside it does not escape the limit). At most [`MAX_TRACKED`] clients are tracked:
/// expired windows are swept at most once a window, never on every failure; past the cap,
/// untracked clients share one overflow window, which can only ever refuse failed guesses.
pub struct AuthFailures {
    per_minute: u32,
    windows: Mutex<Windows>,
}

/// Clients tracked at most by [`AuthFailures`].
const MAX_TRACKED: usize = 10_000;

/// Length of a failure window.
const WINDOW: Duration = Duration::from_secs(60);

/// Who a failure is counted against.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Client {
    V4(u32),
    /// The first 64 bits of an IPv6 address.
    V6(u64),
    /// Every client past [`MAX_TRACKED`].
    Overflow,
}

impl Client {
    fn of(ip: IpAddr) -> Client {
        match ip {
            IpAddr::V4(a) => Client::V4(a.to_bits()),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => Client::V4(v4.to_bits()),
                None => Client::V6((a.to_bits() >> 64) as u64),
            },
        }
    }
}

struct Windows {
    entries: HashMap<Client, (Instant, u32)>,
    last_sweep: Instant,
}

impl AuthFailures {
    /// At most `per_minute` failed authentications per client per minute.
    pub fn new(per_minute: u32) -> AuthFailures {
        AuthFailures {
            per_minute: per_minute.max(1),
            windows: Mutex::new(Windows { entries: HashMap::new(), last_sweep: Instant::now() }),
        }
    }

    /// The key `ip` is counted under (its own, or the shared overflow window when the map is full).
    fn key(w: &Windows, ip: IpAddr) -> Client {
        let c = Client::of(ip);
        if w.entries.contains_key(&c) || w.entries.len() < MAX_TRACKED {
            c
        } else {
            Client::Overflow
        }
    }

    /// `Some(seconds to wait)` while the client of `ip` is over the limit.
    fn blocked(&self, ip: IpAddr) -> Option<u64> {
        let w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let (since, n) = w.entries.get(&Self::key(&w, ip))?;
        let age = since.elapsed();
        (age < WINDOW && *n >= self.per_minute).then(|| WINDOW.saturating_sub(age).as_secs().max(1))
    }

    /// Counts a failed authentication of `ip`.
    fn failed(&self, ip: IpAddr) {
        let mut w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        // Expired windows go at most once a window, so no failure pays for a scan of the map; until
        // then, a full map sends new clients to the shared overflow window.
        if now.duration_since(w.last_sweep) >= WINDOW {
            w.entries.retain(|_, (since, _)| now.duration_since(*since) < WINDOW);
            w.last_sweep = now;
        }
        let key = Self::key(&w, ip);
        let entry = w.entries.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

/// What the router's handlers share: the state, the failed-authentication limit, the body deadline.
struct Shared {
    app: Arc<AppState>,
    auth: Option<AuthFailures>,
    body_timeout: Duration,
    metrics: crate::metrics::Metrics,
    /// Answers of encrypted reads, served again while the database is unchanged (SQLite).
    cache: Option<crate::hot::ReadCache>,
}

/// The router with the default [`Limits`].
pub fn router(state: Arc<AppState>) -> Router {
    router_with(state, &Limits::default())
}

/// `/readyz`: 200 `ok` when the database answers and its schema is this server's; 503 with the reason
/// otherwise (for a load balancer: take this replica out, keep it running).
async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    let service = shared.app.service.clone();
    match tokio::task::spawn_blocking(move || service.db().ready()).await {
        Ok(Ok(())) => "ok".into_response(),
        Ok(Err(reason)) => (StatusCode::SERVICE_UNAVAILABLE, reason).into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "the readiness check failed").into_response(),
    }
}

/// The router: `/healthz` (the process is alive), `/readyz` (and can serve) and everything under `/api/v1`, behind a request timeout (tower's
/// `Timeout`, answered as 408 `request_timeout` in the documented error shape) and a limit of
/// requests in flight (tower's `GlobalConcurrencyLimit`: one semaphore for every route).
pub fn router_with(state: Arc<AppState>, limits: &Limits) -> Router {
    let shared = Arc::new(Shared {
        metrics: crate::metrics::Metrics::default(),
        app: state.clone(),
        auth: limits.auth_failures_per_minute.map(AuthFailures::new),
        body_timeout: limits.body_timeout,
        cache: if limits.read_cache { crate::hot::ReadCache::new(state.service.db()) } else { None },
    });
    let secs = limits.request_timeout.as_secs_f64();
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/v1", any(api))
        .route("/api/v1/{*rest}", any(api))
        .fallback(fallback)
        .with_state(shared)
        .layer(
            tower::ServiceBuilder::new()
                .layer(HandleErrorLayer::new(move |_: tower::BoxError| async move {
                    let e = ApiError::new(
                        ErrorCode::RequestTimeout,
                        format!("The request was not answered within {secs} s; try again."),
                    );
                    closing(error_response(&e))
                }))
                .layer(tower::timeout::TimeoutLayer::new(limits.request_timeout))
                .layer(tower::limit::GlobalConcurrencyLimitLayer::new(limits.max_in_flight.max(1))),
        )
}

async fn fallback(headers: HeaderMap) -> Response {
    let resp = error_response(&ApiError::not_found("This endpoint"));
    if has_body(&headers) {
        closing(resp)
    } else {
        resp
    }
}

enum Reply {
    /// A JSON body, already serialised.
    Json(StatusCode, Vec<u8>),
    /// A `200` read whose levels are all ciphertext: it may be kept ([`crate::hot`]).
    Cacheable(Vec<u8>),
    NoContent,
}

fn ok<T: Serialize>(v: T) -> ApiResult<Reply> {
    Ok(Reply::Json(StatusCode::OK, serde_json::to_vec(&v).map_err(|_| ApiError::internal())?))
}

fn created<T: Serialize>(v: T) -> ApiResult<Reply> {
    Ok(Reply::Json(StatusCode::CREATED, serde_json::to_vec(&v).map_err(|_| ApiError::internal())?))
}

/// Longest error message sent, and longest field name or field error of a validation failure
/// (`ApiError::validation` repeats the message there); a safety net behind the bounded echoes of
/// the service (hole 21).
const MAX_MESSAGE: usize = 1000;

/// Field errors kept at most, and problems kept per field.
const MAX_FIELD_ERRORS: usize = 16;

fn error_response(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let long = |s: &String| s.len() > MAX_MESSAGE;
    let oversized = long(&e.message)
        || e.errors.as_ref().is_some_and(|m| {
            m.len() > MAX_FIELD_ERRORS
                || m.iter().any(|(k, v)| long(k) || v.len() > MAX_FIELD_ERRORS || v.iter().any(long))
        });
    let mut resp = if oversized {
        let bound = |s: &String| if long(s) { crate::service::shown(s, 200) } else { s.clone() };
        let mut e = e.clone();
        e.message = bound(&e.message);
        e.errors = e.errors.take().map(|m| {
            m.iter()
                .take(MAX_FIELD_ERRORS)
                .map(|(k, v)| (bound(k), v.iter().take(MAX_FIELD_ERRORS).map(bound).collect()))
                .collect()
        });
        (status, axum::Json(e)).into_response()
    } else {
        (status, axum::Json(e)).into_response()
    };
    if let Some(s) = e.retry_after {
        if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

/// Adds `Connection: close`: the answer was sent without reading (all of) the body, so the
/// connection cannot carry another request (hole 24).
fn closing(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// Whether the request announces a body.
fn has_body(headers: &HeaderMap) -> bool {
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return true;
    }
    match headers.get(header::CONTENT_LENGTH) {
        None => false,
        Some(v) => v.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()) != Some(0),
    }
}

/// `x-api-version` as echoed: only a short token (`1`, `1.2`, `v1`); anything else is dropped
/// rather than reflected (hole 21).
fn api_version(headers: &HeaderMap) -> Option<HeaderValue> {
    let v = headers.get("x-api-version")?;
    let s = v.to_str().ok()?;
    (!s.is_empty() && s.len() <= 16 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')).then(|| v.clone())
}

fn security_headers(resp: &mut Response, api_version: Option<HeaderValue>) {
    let h = resp.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("cache-control", HeaderValue::from_static("no-store"));
    if let Some(v) = api_version {
        h.insert("x-api-version", v);
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// The method as logged: the standard ones by name, anything else `OTHER` (hole 22).
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

async fn api(State(sh): State<Arc<Shared>>, req: axum::extract::Request) -> Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let version = api_version(&parts.headers);
    let announced = has_body(&parts.headers);
    let path = parts.uri.path().trim_start_matches("/api/v1").trim_matches('/');
    let segs: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect();
    let route = route_shape(&segs);
    // In process (no socket, e.g. the fuzz target) there is no address and no per-address limit.
    let ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let (resp, body_read) = handle(&sh, &parts, body, segs, ip).await;
    let mut resp = if announced && !body_read { closing(resp) } else { resp };
    security_headers(&mut resp, version);
    let seconds = started.elapsed().as_secs_f64();
    sh.metrics.observe(&route, method_label(&parts.method), resp.status().as_u16(), seconds);
    tracing::info!(
        method = %method_label(&parts.method),
        route = %route,
        status = resp.status().as_u16(),
        ms = seconds * 1000.0,
        "request"
    );
    resp
}

/// `/metrics`: Prometheus's text format (`crate::metrics`). Keep it off the internet (docs/deploy.md).
async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    let service = &shared.app.service;
    let cache = shared.cache.as_ref().map(crate::hot::ReadCache::counts);
    let text =
        shared.metrics.render(service.db().pool_use(), service.audit_queued(), cache, service.db().write_groups());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// Why a request was refused before its work: authentication failed, or its organization is over its
/// rate limit.
enum Refusal {
    Auth(ApiError),
    Rate(u64),
}

/// Authenticates (SQLite: on a blocking thread) and applies the organization's rate limit.
fn admit(app: &AppState, token: &str) -> Result<Caller, Refusal> {
    let caller = app.service.authenticate(token).map_err(Refusal::Auth)?;
    if let Some(rate) = &app.rate {
        rate.check(caller.org_id).map_err(Refusal::Rate)?;
    }
    Ok(caller)
}

/// What one request needs on its blocking thread.
struct Work {
    method: Method,
    segs: Vec<String>,
    query: HashMap<String, String>,
    body: Bytes,
    full_path: String,
    client: Option<String>,
}

/// Dispatches (on a blocking thread: SQLite and PBKDF2), within the request's audit context: the entry
/// of a change is written in the change's transaction, any other entry queued (`crate::audit`) and
/// returned too.
fn run(
    app: &AppState,
    caller: &Caller,
    w: Work,
    flag: Arc<AtomicBool>,
) -> (ApiResult<Reply>, Option<crate::audit::Entry>) {
    let service = &app.service;
    let Work { method, segs, query, body, full_path, client } = w;
    if !service.audits() {
        let out = crate::db::abandonable(flag, || dispatch(service, caller, &method, &segs, &query, &body, &full_path));
        return (out, None);
    }
    let seg: Vec<&str> = segs.iter().map(String::as_str).collect();
    let event = crate::audit::classify(&method, &seg);
    let entry = crate::audit::Entry {
        at: service.now_str(),
        org_id: Some(caller.org_id),
        token_id: Some(caller.token_id),
        token_name: Some(caller.token_name.clone()),
        ability: None,
        event: event.unwrap_or_default().to_owned(),
        node: None,
        version: crate::audit::version_in_path(&seg),
        outcome: String::new(),
        error: None,
        client,
    };
    let (out, left) = crate::audit::for_request(entry, event.is_some(), || {
        crate::db::abandonable(flag, || dispatch(service, caller, &method, &segs, &query, &body, &full_path))
    });
    let recorded = left.and_then(|e| crate::audit::outcome(e, out.as_ref().err()));
    if let Some(e) = &recorded {
        service.audit_push(e.clone());
    }
    (out, recorded)
}

fn reply(result: ApiResult<Reply>) -> Response {
    match result {
        Ok(Reply::Json(status, bytes)) => json_response(status, bytes.into()),
        Ok(Reply::Cacheable(bytes)) => json_response(StatusCode::OK, bytes.into()),
        Ok(Reply::NoContent) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error_response(&e),
    }
}

fn json_response(status: StatusCode, bytes: Bytes) -> Response {
    let mut r = (status, bytes).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// Answers from the read cache: the organization's rate limit, a fresh timestamp, and the audit
/// entry of the first read with this request's time and address.
fn serve_kept(sh: &Shared, a: &crate::hot::Answer, ip: Option<IpAddr>) -> Response {
    let service = &sh.app.service;
    if let Some(rate) = &sh.app.rate {
        if let Err(wait) = rate.check(a.caller.org_id) {
            let mut e = ApiError::new(ErrorCode::RateLimited, "Too many requests; wait and try again.");
            e.retry_after = Some(wait);
            return error_response(&e);
        }
    }
    let now = service.now_str();
    if let Some(entry) = &a.audit {
        let mut e = entry.clone();
        e.at = now.clone();
        e.client = ip.map(|ip| ip.to_string());
        service.audit_push(e);
    }
    json_response(StatusCode::OK, a.body(&now))
}

/// Authenticates, reads the body, dispatches. A request that announces a body is authenticated first
/// (on a blocking thread), so no body of an unknown client is read; one without (every GET) is
/// authenticated and dispatched in one blocking call — one thread hop instead of two, which was most of
/// a read's cost under load (docs/benchmarks.md). The `bool` says whether the body was read to its end.
async fn handle(
    sh: &Arc<Shared>,
    parts: &axum::http::request::Parts,
    body: Body,
    segs: Vec<String>,
    ip: Option<IpAddr>,
) -> (Response, bool) {
    let Some(token) = bearer(&parts.headers).map(|t| Zeroizing::new(t.to_owned())) else {
        let e = ApiError::new(ErrorCode::Unauthenticated, "Send an API token as `Authorization: Bearer <token>`.");
        return (error_response(&e), false);
    };
    let hot_read = parts.method == Method::GET && segs.last().is_some_and(|s| s == "secrets");
    let refused = |r: Refusal| -> (Response, bool) {
        let e = match r {
            Refusal::Auth(e) => {
                if e.code == ErrorCode::Unauthenticated {
                    if let Some((a, ip)) = sh.auth.as_ref().zip(ip) {
                        // Over the limit: this failed guess is refused as 429, and not counted again.
                        if let Some(wait) = a.blocked(ip) {
                            let mut e = ApiError::new(
                                ErrorCode::RateLimited,
                                "Too many failed authentications from this address; wait and try again.",
                            );
                            e.retry_after = Some(wait);
                            return (error_response(&e), false);
                        }
                        a.failed(ip);
                    }
                }
                e
            }
            Refusal::Rate(wait) => {
                let mut e = ApiError::new(ErrorCode::RateLimited, "Too many requests; wait and try again.");
                e.retry_after = Some(wait);
                e
            }
        };
        (error_response(&e), false)
    };
    let work = |body: Bytes| Work {
        method: parts.method.clone(),
        segs,
        query: parse_query(parts.uri.query().unwrap_or("")),
        body,
        full_path: parts.uri.path().to_owned(),
        client: ip.map(|ip| ip.to_string()),
    };
    // Set when this future is dropped before the dispatch returns (the request timeout, or the
    // client went): a write not yet committed then rolls back (`db::abandonable`).
    let abandoned = Arc::new(AtomicBool::new(false));
    let flag = abandoned.clone();
    let app = sh.app.clone();

    // Without a body: no length or chunking announced, and (in process, where a body needs no header)
    // nothing in the body either.
    if !has_body(&parts.headers) && axum::body::HttpBody::is_end_stream(&body) {
        // An encrypted read asked before, with nothing committed since: from memory (crate::hot).
        let hot = sh.cache.as_ref().filter(|_| hot_read);
        let mut keep = None;
        if let Some(cache) = hot {
            let key = crate::hot::Key::new(&token, &parts.uri);
            match cache.get(&key) {
                Some(kept) => return (serve_kept(sh, &kept, ip), true),
                None => keep = cache.version().map(|v| (cache, v, key)),
            }
        }
        let w = work(Bytes::new());
        let guard = AbandonOnDrop(Some(abandoned));
        let result = tokio::task::spawn_blocking(move || {
            let caller = admit(&app, &token)?;
            let (out, recorded) = run(&app, &caller, w, flag);
            Ok((caller, out, recorded))
        })
        .await;
        guard.finish();
        return match result {
            Ok(Ok((caller, Ok(Reply::Cacheable(bytes)), recorded))) => {
                let bytes = Bytes::from(bytes);
                if let Some((cache, seen, key)) = keep {
                    if let Some(answer) = crate::hot::Answer::new(caller, bytes.clone(), recorded) {
                        cache.put(seen, key, answer);
                    }
                }
                (json_response(StatusCode::OK, bytes), true)
            }
            Ok(Ok((_, out, _))) => (reply(out), true),
            Ok(Err(r)) => refused(r),
            Err(_) => (error_response(&ApiError::internal()), true),
        };
    }

    let admitted = {
        let app = app.clone();
        tokio::task::spawn_blocking(move || admit(&app, &token)).await
    };
    let caller = match admitted {
        Ok(Ok(c)) => c,
        Ok(Err(r)) => return refused(r),
        Err(_) => return (error_response(&ApiError::internal()), false),
    };
    let too_large = || {
        (error_response(&ApiError::new(ErrorCode::PayloadTooLarge, "The request body is larger than 1 MiB.")), false)
    };
    if parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > MAX_BODY as u64)
    {
        return too_large();
    }
    let read = http_body_util::BodyExt::collect(http_body_util::Limited::new(body, MAX_BODY));
    let body = match tokio::time::timeout(sh.body_timeout, read).await {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => return too_large(),
        Ok(Err(_)) => {
            let e = ApiError::new(
                ErrorCode::BadRequest,
                "The request body could not be read (a malformed chunked encoding, or the connection failed).",
            );
            return (error_response(&e), false);
        }
        Err(_) => {
            let e = ApiError::new(
                ErrorCode::RequestTimeout,
                format!("The request body did not arrive within {} s.", sh.body_timeout.as_secs_f64()),
            );
            return (error_response(&e), false);
        }
    };
    let w = work(body);
    let guard = AbandonOnDrop(Some(abandoned));
    let result = tokio::task::spawn_blocking(move || run(&app, &caller, w, flag).0).await;
    guard.finish();
    match result {
        Ok(out) => (reply(out), true),
        Err(_) => (error_response(&ApiError::internal()), true),
    }
}

/// Sets its flag when dropped before [`AbandonOnDrop::finish`]: the request's future was dropped
/// (timeout, or the connection closed) while its dispatch ran on a blocking thread.
struct AbandonOnDrop(Option<Arc<AtomicBool>>);

impl AbandonOnDrop {
    fn finish(mut self) {
        self.0 = None;
    }
}

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        if let Some(f) = &self.0 {
            f.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// The route with organization and slugs replaced, for logs: at most [`ROUTE_SEGMENTS`] segments,
/// each a word of the API or `*` (hole 22: one request once wrote a 70,000-character log line).
fn route_shape(segs: &[String]) -> String {
    const WORDS: [&str; 20] = [
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
        "history",
        "rotate",
        "rotate-client-keys",
        "re-encrypt-history",
        "pending",
        "audit-log",
    ];
    let mut parts: Vec<&str> =
        segs.iter().take(ROUTE_SEGMENTS).map(|s| if WORDS.contains(&s.as_str()) { s.as_str() } else { "*" }).collect();
    if segs.len() > ROUTE_SEGMENTS {
        parts.push("…");
    }
    format!("/api/v1/{}", parts.join("/"))
}

/// Segments of a route shape logged at most (the longest route has 6).
const ROUTE_SEGMENTS: usize = 8;

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
            let id: i64 =
                id.parse().map_err(|_| ApiError::not_found(format!("API key `{}`", crate::service::shown(id, 100))))?;
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
        ["audit-log"] if get => {
            let query = crate::service::AuditQuery {
                from: q.get("from").cloned(),
                to: q.get("to").cloned(),
                node: q.get("node").cloned(),
                token: q.get("token").cloned(),
                event: q.get("event").cloned(),
            };
            ok(s.audit_log(c, &query, q_page(q)?)?)
        }
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
    let answer = s.read_secrets(c, &path, secrets_query(q)?, full_path)?;
    let ciphertext_only = matches!(&answer, SecretsRead::Structured(r)
        if r.data.attributes.encrypted && r.data.attributes.merged.is_none());
    let bytes = serde_json::to_vec(&answer).map_err(|_| ApiError::internal())?;
    Ok(if ciphertext_only { Reply::Cacheable(bytes) } else { Reply::Json(StatusCode::OK, bytes) })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every route of the dispatcher is a shape `/metrics` keeps apart (review of issue 15: shapes
    // were kept first come, first served, so odd paths could take a real route's place).
    #[test]
    fn every_route_has_its_metrics_shape() {
        let routes = [
            "organization",
            "organizations",
            "organizations/O",
            "organizations/O/api-keys",
            "organizations/O/api-keys/1",
            "O/audit-log",
            "O/projects",
            "O/secrets/retrieve",
            "O/secrets/store",
            "O/secrets/delete",
            "O/secrets/versions",
            "O/secrets/versions/purge",
            "O/secrets/versions/V",
            "O/secrets/versions/V/restore",
            "O/p",
            "O/p/secrets",
            "O/p/targets",
            "O/p/encryption-key",
            "O/p/encryption-key/history",
            "O/p/encryption-key/rotate",
            "O/p/secrets/rotate-client-keys",
            "O/p/secrets/re-encrypt-history",
            "O/p/secrets/re-encrypt-history/pending",
            "O/p/t",
            "O/p/t/secrets",
            "O/p/t/environments",
            "O/p/t/e",
            "O/p/t/e/secrets",
        ];
        assert_eq!(routes.len(), crate::metrics::ROUTES.len());
        for r in routes {
            let segs: Vec<String> = r.split('/').map(str::to_owned).collect();
            let shape = route_shape(&segs);
            assert!(crate::metrics::ROUTES.contains(&shape.as_str()), "{shape}");
        }
    }

    // Review of issue 10: rotating addresses inside one IPv6 /64 does not escape the limit.
    #[test]
    fn ipv6_failures_count_per_64_prefix() {
        let a = AuthFailures::new(5);
        for i in 0..5u16 {
            a.failed(IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, i, 0, 0, i)));
        }
        let same64 = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0xffff, 1, 2, 3));
        assert!(a.blocked(same64).is_some(), "another address of the /64 is over the limit");
        let other64 = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1));
        assert!(a.blocked(other64).is_none(), "another /64 is not");
        let v4 = |n: u8| IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, n));
        for _ in 0..5 {
            a.failed(v4(1));
        }
        assert!(a.blocked(v4(1)).is_some());
        assert!(a.blocked(v4(2)).is_none(), "IPv4 addresses count one by one");
    }

    // Review of issue 10: the failure map has a cap, however many addresses fail at once.
    #[test]
    fn failure_map_is_capped() {
        let a = AuthFailures::new(5);
        for i in 0..(3 * MAX_TRACKED as u32) {
            a.failed(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)));
        }
        let len = a.windows.lock().unwrap().entries.len();
        assert!(len <= MAX_TRACKED + 1, "{len} entries");
    }

    // Review of issue 10, hole 21: the field errors of a validation failure are bounded like the message.
    #[tokio::test]
    async fn validation_errors_map_is_bounded() {
        let long = "v".repeat(50_000);
        let mut e = ApiError::validation(&"f".repeat(5_000), long.clone());
        e.errors.as_mut().unwrap().insert("other".into(), vec![long.clone(), long.clone()]);
        let resp = error_response(&e);
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes();
        assert!(body.len() < 4 * MAX_MESSAGE, "{} bytes", body.len());
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"], "validation_failed");
        assert!(v["errors"]["other"].as_array().is_some_and(|a| !a.is_empty()), "{v}");
    }
}
