//! Both backends, set up the same way.

use std::sync::Arc;

use envdesk_client::http::{HttpBackend, HttpConfig};
use envdesk_client::local::open_local;
use envdesk_client::{MemoryKeyStore, Vault, VaultOptions};
use envdesk_server::{Config, Db, MasterKey, Running, Service, Synchronous};
use zeroize::Zeroizing;

pub const ITERS: u32 = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Local,
    Http,
}

pub struct Env {
    pub kind: Kind,
    pub vault: Vault,
    pub keys: Arc<MemoryKeyStore>,
    pub dir: tempfile::TempDir,
    pub service: Arc<Service>,
    pub token: String,
    pub server: std::sync::Mutex<Option<Running>>,
    pub url: Option<String>,
    pub org: String,
}

pub fn opts() -> VaultOptions {
    VaultOptions { kdf_iterations: ITERS, idle_lock: None, ..Default::default() }
}

impl Env {
    pub async fn new(kind: Kind) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let keys = Arc::new(MemoryKeyStore::new());
        match kind {
            Kind::Local => {
                let local = open_local(&dir.path().join("data"), keys.as_ref(), ITERS).unwrap();
                let token = keys.get_token();
                let org = local.service.organizations().unwrap()[0].id.clone();
                let vault =
                    Vault::new(Arc::new(local.backend), keys.clone(), "local", dir.path().join("drafts"), opts());
                Env {
                    kind,
                    vault,
                    keys,
                    dir,
                    service: local.service,
                    token,
                    server: Default::default(),
                    url: None,
                    org,
                }
            }
            Kind::Http => {
                let db = Db::open(&dir.path().join("server.db"), Synchronous::Normal).unwrap();
                let service = Arc::new(Service::new(
                    db,
                    Some(MasterKey::generate().0),
                    Config { retention_days: None, kdf_iterations: ITERS, audit: true, ..Config::default() },
                ));
                let org = service.create_organization("Acme").unwrap();
                let token = service.create_token_for(&org.id, "app", &["*".into()]).unwrap().token.to_string();
                let running = envdesk_server::spawn(service.clone(), "127.0.0.1:0", None).await.unwrap();
                let backend = http_backend(&running.url(), &org.id, &token);
                let vault = Vault::new(Arc::new(backend), keys.clone(), "conn-1", dir.path().join("drafts"), opts());
                let url = Some(running.url());
                Env {
                    kind,
                    vault,
                    keys,
                    dir,
                    service,
                    token,
                    server: std::sync::Mutex::new(Some(running)),
                    url,
                    org: org.id,
                }
            }
        }
    }

    /// Another client of the same store and the same key store (someone else, behind the app's back).
    pub fn other(&self) -> Vault {
        self.fresh_vault()
    }

    /// A new vault instance on the same connection (as after a restart of the app).
    pub fn fresh_vault(&self) -> Vault {
        self.fresh_vault_with(opts())
    }

    /// [`Env::fresh_vault`] with other options.
    pub fn fresh_vault_with(&self, opts: VaultOptions) -> Vault {
        let backend: Arc<dyn envdesk_api::Backend> = match &self.url {
            Some(url) => Arc::new(http_backend(url, &self.org, &self.token)),
            None => Arc::new(envdesk_server::ServiceBackend::for_token(self.service.clone(), &self.token).unwrap()),
        };
        Vault::new(backend, self.keys.clone(), self.vault.connection(), self.dir.path().join("drafts"), opts)
    }
}

impl Env {
    /// Stops the HTTP server (the remote goes away).
    pub async fn stop_server(&self) {
        let running = self.server.lock().unwrap().take();
        if let Some(r) = running {
            r.stop().await;
        }
    }
}

pub fn http_backend(url: &str, org: &str, token: &str) -> HttpBackend {
    HttpBackend::new(HttpConfig {
        base_url: url.to_owned(),
        organization: org.to_owned(),
        token: Zeroizing::new(token.to_owned()),
    })
    .unwrap()
}

trait TokenOf {
    fn get_token(&self) -> String;
}

impl TokenOf for MemoryKeyStore {
    fn get_token(&self) -> String {
        use envdesk_client::KeyStore;
        self.get(envdesk_client::keystore::names::LOCAL_TOKEN).unwrap().unwrap().to_string()
    }
}

/// Runs a case against both backends.
#[macro_export]
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn local() {
                    let env = $crate::harness::Env::new($crate::harness::Kind::Local).await;
                    super::$name(&env).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn http() {
                    let env = $crate::harness::Env::new($crate::harness::Kind::Http).await;
                    super::$name(&env).await;
                }
            }
        )*
    };
}
