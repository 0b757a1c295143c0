//! envdesk's API server: the whole of `docs/api.md` on SQLite.
//!
//! - [`service::Service`] — the behaviour, host-independent: the HTTP layer and the app's local vault
//!   ([`backend::ServiceBackend`]) both call it.
//! - [`db`] and [`store`] — SQLite (WAL, foreign keys, embedded migrations), one transaction per request;
//!   every SQL statement lives in `store`.
//! - [`http`] — thin axum handlers.
#![forbid(unsafe_code)]

pub mod audit;
pub mod backend;
pub mod db;
pub mod hot;
pub mod http;
pub mod metrics;
pub mod migrate;
pub mod service;
pub mod store;

use std::net::SocketAddr;
use std::sync::Arc;

pub use backend::ServiceBackend;
pub use db::{Db, Synchronous};
pub use service::{Caller, Config, MasterKey, Service};

/// A running server (for tests and embedding): its address and a handle to stop it.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// The base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// Stops accepting, finishes requests in flight, and waits.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Serves `service` on `addr` (use port 0 for a free port) until [`Running::stop`], with the default
/// [`http::Limits`].
pub async fn spawn(service: Arc<Service>, addr: &str, rate_limit: Option<u32>) -> std::io::Result<Running> {
    spawn_with(service, addr, rate_limit, http::Limits::default()).await
}

/// [`spawn`] with explicit limits (tests make the timeouts short).
pub async fn spawn_with(
    service: Arc<Service>,
    addr: &str,
    rate_limit: Option<u32>,
    limits: http::Limits,
) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(http::AppState { service, rate: rate_limit.map(http::RateLimiter::new) });
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        serve(listener, http::router_with(state, &limits), &limits, async {
            let _ = rx.await;
        })
        .await;
    });
    Ok(Running { addr, shutdown: Some(tx), task })
}

/// Serves `app` on `listener` until `shutdown` completes, then lets requests in flight finish (for
/// at most 30 s).
///
/// Our own accept loop instead of `axum::serve`, which has neither a header-read timeout nor a
/// connection cap (issue 10, hole 20: 80 connections dripping a byte a second all stayed open):
/// hyper's HTTP/1 `header_read_timeout` closes a client that is slow to send its headers (or sits idle
/// between keep-alive requests) after [`http::Limits::header_read_timeout`]; at most
/// [`http::Limits::max_connections`] connections are open, further ones wait in the backlog. The
/// body's own deadline is the handler's ([`http::Limits::body_timeout`]). Each request carries the
/// peer's address (`ConnectInfo`) for the rate limit of failed authentication.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    limits: &http::Limits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt as _;

    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let next = async {
            let slot = slots.clone().acquire_owned().await;
            (slot, listener.accept().await)
        };
        let (slot, accepted) = tokio::select! {
            _ = &mut shutdown => break,
            n = next => n,
        };
        let Ok(slot) = slot else { break };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let svc = app.clone().map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            req
        });
        let conn = builder.serve_connection(TokioIo::new(stream), hyper_util::service::TowerToHyperService::new(svc));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), graceful.shutdown()).await;
}
