//! Seeds a data directory for `bench/cli-run.sh`: in the local vault of the given keychain service, a
//! client-managed project `bench` (a generated key, PBKDF2 at the default 600,000 rounds, as a user's)
//! with target `t` and environment `e` holding 1,000 keys; and the same 1,000 keys as a plain `.env`
//! file, for dotenvx to encrypt with its own keys.
//!
//! Usage: `cli_seed DATA_DIR KEYCHAIN_SERVICE DOTENV_FILE`.

use std::sync::Arc;

use envdesk_api::NodePath;
use envdesk_client::keychain::Keychain;
use envdesk_client::local::open_local;
use envdesk_client::vault::{NewProjectKey, SaveOutcome};
use envdesk_client::{KeyStore, Vault, VaultOptions};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, service, dotenv] = args.as_slice() else {
        eprintln!("usage: cli_seed DATA_DIR KEYCHAIN_SERVICE DOTENV_FILE");
        std::process::exit(2);
    };
    let keys: Arc<dyn KeyStore> = Arc::new(Keychain::new(service));
    let data = std::path::PathBuf::from(data);
    let local = open_local(&data, keys.as_ref(), envdesk_core::crypto::DEFAULT_ITERATIONS).unwrap();
    let v = Vault::new(Arc::new(local.backend), keys, "local", data.join("drafts"), VaultOptions::default());
    v.create_project("bench", Some("bench"), NewProjectKey::Generate).await.unwrap();
    v.unlock("bench").await.unwrap();
    v.create_target("bench", "t", Some("t")).await.unwrap();
    v.create_environment("bench", "t", "e", Some("e"), None).await.unwrap();
    let text: String = (0..1000).map(|i| format!("KEY_{i:04}=\"value {i} abcdef0123456789\"\n")).collect();
    let path = NodePath::environment("bench", "t", "e");
    match v.save_level(&path, &text, Some(0), "").await.unwrap() {
        SaveOutcome::Saved { .. } => {}
        SaveOutcome::Conflict(_) => panic!("a fresh level conflicts"),
    }
    std::fs::write(dotenv, &text).unwrap();
}
