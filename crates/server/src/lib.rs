//! envdesk's API server: the whole of `docs/api.md` on SQLite.
//!
//! - [`service::Service`] — the behaviour, host-independent: the HTTP layer and the app's local vault
//!   ([`backend::ServiceBackend`]) both call it.
//! - [`db`] and [`store`] — SQLite (WAL, foreign keys, embedded migrations), one transaction per request;
//!   every SQL statement lives in `store`.
//! - [`http`] — thin axum handlers.
#![forbid(unsafe_code)]

pub mod backend;
pub mod db;
pub mod http;
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

/// Serves `service` on `addr` (use port 0 for a free port) until [`Running::stop`].
pub async fn spawn(service: Arc<Service>, addr: &str, rate_limit: Option<u32>) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(http::AppState { service, rate: rate_limit.map(http::RateLimiter::new) });
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, http::router(state))
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Running { addr, shutdown: Some(tx), task })
}
