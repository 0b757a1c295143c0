//! The server's request dispatch, in process: `envdesk_server::http::router` driven with
//! `tower::ServiceExt::oneshot` (the router with its tower layers, default limits but no
//! failed-authentication limit) over a real service on SQLite (a temporary directory), with a
//! project tree and a stored secret. Any method, path, query, headers and body: never a panic,
//! never a 500, and every error in the documented shape (`docs/api.md`:
//! `{"error":"<code>","message":"<one sentence>",…}`, JSON).
//!
//! Input: a request written as text, so that seeds are readable and mutations stay meaningful:
//!
//! ```text
//! POST /api/v1/{org}/secrets/store?x=1
//! authorization: Bearer {token}
//! content-type: application/json
//!
//! {"project":"app","content":"{blob}"}
//! ```
//!
//! `{org}`, `{token}`, `{blob}` (the `.env` text `A=1` sealed under the project's data key) and
//! `{blob-latin1}` (Latin-1 bytes sealed so) are replaced with the real values. A request line or a
//! header that HTTP itself cannot carry is dropped (hyper would refuse it before the router).
#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use axum::Router;
use envdesk_core::crypto::{self, DataKey, ProjectKey};
use envdesk_server::http::{router_with, AppState, Limits};
use envdesk_server::{Config, Db, MasterKey, Service, Synchronous};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt as _;

struct World {
    rt: tokio::runtime::Runtime,
    app: Router,
    org: String,
    token: String,
    blob: String,
    blob_latin1: String,
}

fn call(w_rt: &tokio::runtime::Runtime, app: &Router, req: Request<Body>) -> (u16, Vec<u8>, Option<String>) {
    w_rt.block_on(async {
        let resp = app.clone().oneshot(req).await.expect("the router never fails");
        let status = resp.status().as_u16();
        let ctype = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.expect("a body");
        (status, bytes.to_vec(), ctype)
    })
}

fn setup() -> World {
    let dir = std::env::temp_dir().join(format!("envdesk-fuzz-server-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let db = Db::open(&dir.join("envdesk.db"), Synchronous::Normal).expect("the database opens");
    let config = Config { kdf_iterations: crypto::MIN_ITERATIONS, ..Config::default() };
    let service = Arc::new(Service::new(db, Some(MasterKey::generate().0), config));
    let org = service.create_organization("Acme").expect("an organization").id;
    let token = service.create_token_for(&org, "admin", &["*".to_owned()]).expect("a token").token.to_string();
    let state = Arc::new(AppState { service, rate: None });
    // The failed-authentication limit is off: with every request from one (absent) address, it would
    // answer 429 to everything after the first few bad tokens and hide the rest of the dispatch.
    let app = router_with(state, &Limits { auth_failures_per_minute: None, ..Limits::default() });
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");

    let post = |path: &str, body: String| {
        Request::post(format!("/api/v1/{org}/{path}"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(body))
            .expect("a request")
    };
    for (path, body) in [
        ("projects", r#"{"name":"app","storage_mode":"server"}"#),
        ("app/targets", r#"{"name":"backend"}"#),
        ("app/backend/environments", r#"{"name":"prod","status":"production"}"#),
    ] {
        let (status, body, _) = call(&rt, &app, post(path, body.to_owned()));
        assert!(status < 300, "set-up {path}: {status} {}", String::from_utf8_lossy(&body));
    }
    let get = Request::get(format!("/api/v1/{org}/app/encryption-key"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("a request");
    let (status, body, _) = call(&rt, &app, get);
    assert_eq!(status, 200, "set-up: the project's key");
    let answer: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    let content: serde_json::Value =
        serde_json::from_str(answer["data"]["attributes"]["content"].as_str().expect("content")).expect("JSON");
    let k = &content["key"];
    let key = ProjectKey::new(k["key"].as_str().expect("a key")).expect("a key");
    let data_key =
        DataKey::for_descriptor(&key, k["key_check_salt"].as_str(), k["key_check_iterations"].as_i64(), false)
            .expect("the data key");
    let blob = crypto::encrypt(&data_key, b"A=1\nB=two\n");
    let blob_latin1 = crypto::encrypt(&data_key, b"A=caf\xe9\n");
    let store = format!(r#"{{"project":"app","target":"backend","environment":"prod","content":"{blob}"}}"#);
    let (status, body, _) = call(&rt, &app, post("secrets/store", store));
    assert!(status < 300, "set-up store: {status} {}", String::from_utf8_lossy(&body));
    World { rt, app, org, token, blob, blob_latin1 }
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(setup)
}

/// The request the text describes, or `None` where HTTP could not carry it.
fn request(w: &World, text: &str) -> Option<Request<Body>> {
    let text = text
        .replace("{org}", &w.org)
        .replace("{token}", &w.token)
        .replace("{blob-latin1}", &w.blob_latin1)
        .replace("{blob}", &w.blob);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let first = lines.next()?;
    let (method, target) = first.split_once(' ').unwrap_or((first, "/"));
    let method = Method::from_bytes(method.as_bytes()).ok()?;
    let mut req = Request::builder().method(method).uri(target);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name.trim().as_bytes()), HeaderValue::from_str(value.trim()))
        else {
            continue;
        };
        req = req.header(name, value);
    }
    req.body(Body::from(body.to_owned())).ok()
}

fuzz_target!(|data: &[u8]| {
    let w = world();
    let text = String::from_utf8_lossy(data);
    let Some(req) = request(w, &text) else { return };
    let api = req.uri().path().starts_with("/api/v1");
    let (status, body, ctype) = call(&w.rt, &w.app, req);
    assert!(status != 500, "500 for {text:?}: {}", String::from_utf8_lossy(&body));
    assert!(status < 500 || status == 503, "{status} for {text:?}");
    // (Outside /api/v1 only `/healthz` exists; axum answers a wrong method there with an empty 405.)
    if status >= 400 && api {
        assert!(ctype.as_deref().is_some_and(|c| c.starts_with("application/json")), "{status}: JSON, not {ctype:?}");
        let v: serde_json::Value = serde_json::from_slice(&body)
            .unwrap_or_else(|_| panic!("{status}: not JSON: {}", String::from_utf8_lossy(&body)));
        assert!(v["error"].as_str().is_some_and(|c| !c.is_empty()), "{status}: no error code: {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{status}: no message: {v}");
    }
});
