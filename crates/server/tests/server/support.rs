//! A real server on a free port, and a small HTTP client.

use std::sync::Arc;

use envdesk_core::crypto::{self, DataKey, KeyCheck, ProjectKey};
use envdesk_server::db::DbTarget;
pub use envdesk_server::http::Limits;
use envdesk_server::{Config, Db, MasterKey, Running, Service, Synchronous};
use reqwest::Method;
use serde_json::{json, Value};

/// PBKDF2 iterations used in tests (the code path is the same; 600,000 is only slower).
pub const ITERS: u32 = 1000;

/// The PostgreSQL server the suite runs on as well, when set (`scripts/test.sh` starts one and sets
/// it): `postgres://USER@HOST:PORT/DATABASE`. Unset, every test runs on SQLite only.
pub const POSTGRES_ENV: &str = "ENVDESK_TEST_POSTGRES";

/// The database of one test: a SQLite file in a temporary directory, or, when [`POSTGRES_ENV`] is set,
/// a new schema of its own on that PostgreSQL server.
pub struct TestDb {
    pub db: Db,
    pub dir: tempfile::TempDir,
}

/// A fresh, empty database for one test, on the backend the run is for.
pub async fn test_db() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.is_empty() => {
            let target = postgres_schema(&url).await;
            let DbTarget::Postgres(config) = target.parse::<DbTarget>().unwrap() else { unreachable!() };
            let db = Db::connect(&config, 4).unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set, but: {e}"));
            TestDb { db, dir }
        }
        _ => {
            let db = Db::open(&dir.path().join("envdesk.db"), Synchronous::Normal).unwrap();
            TestDb { db, dir }
        }
    }
}

/// Creates a new schema on the PostgreSQL server at `url`; the URL of a database whose tables go
/// there (`search_path`).
pub async fn postgres_schema(url: &str) -> String {
    postgres_schema_named(url).await.0
}

/// [`postgres_schema`], and the schema's name.
pub async fn postgres_schema_named(url: &str) -> (String, String) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let schema = format!("t{}_{}_{}", std::process::id(), nanos, N.fetch_add(1, Ordering::Relaxed));
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set, but PostgreSQL cannot be reached: {e}"));
    let task = tokio::spawn(conn);
    client.batch_execute(&format!("CREATE SCHEMA {schema}")).await.unwrap();
    drop(client);
    let _ = task.await;
    (with_search_path(url, &schema), schema)
}

/// `url` with `schema` as the search path.
pub fn with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}

/// Whether this run is the one on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var(POSTGRES_ENV).is_ok_and(|u| !u.is_empty())
}

/// The test configuration (fast PBKDF2).
pub fn config() -> Config {
    Config { retention_days: None, kdf_iterations: ITERS, audit: true, ..Config::default() }
}

pub struct TestServer {
    pub url: String,
    pub org: String,
    pub token: String,
    pub service: Arc<Service>,
    pub _dir: tempfile::TempDir,
    pub http: reqwest::Client,
    running: Option<Running>,
}

pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Resp {
    pub fn code(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert!((200..300).contains(&self.status), "expected success, got {} {}", self.status, self.body);
        &self.body
    }
    #[track_caller]
    pub fn err(&self, status: u16, code: &str) {
        assert_eq!((self.status, self.code()), (status, code), "body: {}", self.body);
        assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()), "an error has a message: {}", self.body);
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        TestServer::start_with(config(), true, None).await
    }

    pub async fn start_with(config: Config, master: bool, rate: Option<u32>) -> TestServer {
        TestServer::start_full(config, master, rate, Limits::default()).await
    }

    /// A server with explicit HTTP limits.
    pub async fn start_full(config: Config, master: bool, rate: Option<u32>, limits: Limits) -> TestServer {
        let TestDb { db, dir, .. } = test_db().await;
        let master = master.then(|| MasterKey::generate().0);
        let service = Arc::new(Service::new(db, master, config));
        let org = service.create_organization("Acme").unwrap();
        let token = service.create_token_for(&org.id, "admin", &["*".into()]).unwrap();
        TestServer::serve(service, org.id, token.token.to_string(), dir, rate, limits).await
    }

    /// A server on a database that already has an organization and a token.
    pub async fn start_on(db: Db, master: MasterKey, org: String, token: String) -> TestServer {
        let service = Arc::new(Service::new(db, Some(master), config()));
        TestServer::serve(service, org, token, tempfile::tempdir().unwrap(), None, Limits::default()).await
    }

    async fn serve(
        service: Arc<Service>,
        org: String,
        token: String,
        dir: tempfile::TempDir,
        rate: Option<u32>,
        limits: Limits,
    ) -> TestServer {
        let running = envdesk_server::spawn_with(service.clone(), "127.0.0.1:0", rate, limits).await.unwrap();
        TestServer {
            url: running.url(),
            org,
            token,
            service,
            _dir: dir,
            http: reqwest::Client::new(),
            running: Some(running),
        }
    }

    /// A token of this organization with exactly `abilities`.
    pub fn token_with(&self, abilities: &[&str]) -> String {
        let list: Vec<String> = abilities.iter().map(|s| s.to_string()).collect();
        self.service.create_token_for(&self.org, "limited", &list).unwrap().token.to_string()
    }

    pub async fn call_as(&self, token: Option<&str>, method: Method, path: &str, body: Option<Value>) -> Resp {
        let url = format!("{}/api/v1/{}", self.url, path.trim_start_matches('/'));
        let mut req = self.http.request(method, url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let body =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Resp { status, body, headers }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.call_as(Some(&self.token), method, path, body).await
    }
    pub async fn get(&self, path: &str) -> Resp {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(body)).await
    }
    /// `path` under the organization.
    pub fn o(&self, rest: &str) -> String {
        format!("{}/{}", self.org, rest.trim_start_matches('/'))
    }

    /// Creates a server-managed project with a target and an environment.
    pub async fn tree(&self, p: &str, t: &str, e: &str) {
        self.post(&self.o("projects"), json!({"name": p, "storage_mode": "server"})).await.ok();
        self.post(&self.o(&format!("{p}/targets")), json!({"name": t})).await.ok();
        self.post(&self.o(&format!("{p}/{t}/environments")), json!({"name": e, "status": "production"})).await.ok();
    }

    /// The data key of a server-managed project, as a client gets it.
    pub async fn server_key(&self, project: &str) -> DataKey {
        let r = self.get(&self.o(&format!("{project}/encryption-key"))).await;
        let content: Value = serde_json::from_str(r.ok()["data"]["attributes"]["content"].as_str().unwrap()).unwrap();
        let k = &content["key"];
        let key = ProjectKey::new(k["key"].as_str().unwrap()).unwrap();
        DataKey::for_descriptor(&key, k["key_check_salt"].as_str(), k["key_check_iterations"].as_i64(), false).unwrap()
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

/// A client-managed key with its proof parameters.
pub struct ClientKey {
    pub key: ProjectKey,
    pub check: KeyCheck,
    pub data: DataKey,
}

impl ClientKey {
    pub fn new() -> ClientKey {
        let key = ProjectKey::generate();
        let check = KeyCheck::with_iterations(&key, ITERS);
        let data = DataKey::for_descriptor(
            &key,
            Some(&check.key_check_salt),
            Some(i64::from(check.key_check_iterations)),
            true,
        )
        .unwrap();
        ClientKey { key, check, data }
    }
    pub fn proof(&self) -> String {
        crypto::key_proof(&self.key, &crypto::decode_salt(&self.check.key_check_salt).unwrap(), ITERS)
    }
    pub fn create_body(&self, name: &str) -> Value {
        json!({
            "name": name,
            "storage_mode": "client",
            "key_check": self.check.key_check,
            "key_check_salt": self.check.key_check_salt,
            "key_check_iterations": self.check.key_check_iterations,
        })
    }
    pub fn encrypt(&self, text: &str) -> String {
        crypto::encrypt(&self.data, text.as_bytes())
    }
}
