//! Seeds a data directory for `bench/app-perf.mjs`: a client-managed project `perf` with a target and
//! two environments, 5,000 keys at each of the three levels, in the local vault of the app's real
//! keychain service. Usage: `perf_seed DATA_DIR KEYCHAIN_SERVICE`.

use std::sync::Arc;

use envdesk_api::NodePath;
use envdesk_app::app::args::NewKey;
use envdesk_app::app::core::{AppCore, LOCAL};
use envdesk_app::app::keychain::Keychain;
use envdesk_app::app::settings::MemorySettings;

fn level(prefix: &str, n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i % 10 == 0 {
            s.push_str(&format!("# section {i}\n"));
        }
        s.push_str(&format!("KEY_{i:05}=\"{prefix} value {i} abcdef0123456789\"\n"));
    }
    s
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(service)) = (args.next(), args.next()) else {
        eprintln!("usage: perf_seed DATA_DIR KEYCHAIN_SERVICE");
        std::process::exit(2);
    };
    let core =
        AppCore::new(dir.into(), Arc::new(Keychain::new(&service)), Arc::new(MemorySettings::default()), 600_000);
    core.create_project(LOCAL, "perf", NewKey::Generate).await.unwrap();
    core.dismiss_backup();
    let vault = core.vault(LOCAL).await.unwrap();
    vault.create_target("perf", "backend", None).await.unwrap();
    for env in ["production", "staging"] {
        vault.create_environment("perf", "backend", env, None, None).await.unwrap();
    }
    let levels = [
        (NodePath::project("perf"), level("project", 5000)),
        (NodePath::target("perf", "backend"), level("target", 5000)),
        (NodePath::environment("perf", "backend", "production"), level("production", 5000)),
        (NodePath::environment("perf", "backend", "staging"), level("staging", 5000)),
    ];
    for (path, text) in levels {
        match vault.save_level(&path, &text, Some(0), "").await.unwrap() {
            envdesk_client::vault::SaveOutcome::Saved { revision } => assert_eq!(revision, Some(1)),
            envdesk_client::vault::SaveOutcome::Conflict(_) => panic!("a fresh level conflicts"),
        }
    }
    println!("seeded");
}
