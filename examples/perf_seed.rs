//! Seeds a data directory for `bench/app-perf.mjs`, in the local vault of the app's real keychain
//! service (client-managed projects, keys generated):
//! - `perf`: a target and two environments, 5,000 keys at each of the three levels;
//! - `matrix`: 3 targets × 10 environments, 2,000 keys in each environment (one key in ten differs, one
//!   in fifty missing per environment);
//! - `search`: 4 targets × 25 environments, 1,000 keys in each;
//! - `hist`: one environment whose 1,000-key level has 200 versions (five keys changed in each, the key
//!   `KEY_00007` every 20th).
//!
//! Usage: `perf_seed DATA_DIR KEYCHAIN_SERVICE`.

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

async fn save(vault: &envdesk_client::Vault, path: &NodePath, text: &str, base: Option<u64>, base_text: &str) {
    match vault.save_level(path, text, base, base_text).await.unwrap() {
        envdesk_client::vault::SaveOutcome::Saved { revision } => assert_eq!(revision, base.map(|b| b + 1)),
        envdesk_client::vault::SaveOutcome::Conflict(_) => panic!("a fresh level conflicts"),
    }
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
        save(&vault, &path, &text, Some(0), "").await;
    }
    // The key matrix: 30 environments × 2,000 keys.
    core.create_project(LOCAL, "matrix", NewKey::Generate).await.unwrap();
    core.dismiss_backup();
    for t in 0..3 {
        let target = format!("t{t}");
        vault.create_target("matrix", &target, None).await.unwrap();
        for e in 0..10 {
            let env = format!("env{t}{e}");
            vault.create_environment("matrix", &target, &env, None, None).await.unwrap();
            let mut text = String::new();
            for i in 0..2000 {
                if (i + e) % 50 == 0 {
                    continue;
                }
                let v = if i % 10 == e { format!("v-{t}-{e}") } else { "same".into() };
                text.push_str(&format!("MKEY_{i:05}=\"{v} abcdef0123456789\"\n"));
            }
            save(&vault, &NodePath::environment("matrix", &target, &env), &text, Some(0), "").await;
        }
    }
    // Search everywhere: 100 environments × 1,000 keys.
    core.create_project(LOCAL, "search", NewKey::Generate).await.unwrap();
    core.dismiss_backup();
    for t in 0..4 {
        let target = format!("s{t}");
        vault.create_target("search", &target, None).await.unwrap();
        for e in 0..25 {
            let env = format!("senv{t}{e:02}");
            vault.create_environment("search", &target, &env, None, None).await.unwrap();
            let mut text = String::new();
            for i in 0..1000 {
                if i % 10 == 0 {
                    text.push_str(&format!("# group {i} of {env}\n"));
                }
                text.push_str(&format!("SETTING_{i:04}_{t}{e:02}=value-{e}-{i}\n"));
            }
            save(&vault, &NodePath::environment("search", &target, &env), &text, Some(0), "").await;
        }
    }
    // The history of one key: 200 versions of a 1,000-key level.
    core.create_project(LOCAL, "hist", NewKey::Generate).await.unwrap();
    core.dismiss_backup();
    vault.create_target("hist", "app", None).await.unwrap();
    vault.create_environment("hist", "app", "prod", None, None).await.unwrap();
    let path = NodePath::environment("hist", "app", "prod");
    let mut values: Vec<String> = (0..1000).map(|i| format!("initial-{i}")).collect();
    let render =
        |values: &[String]| values.iter().enumerate().map(|(i, v)| format!("KEY_{i:05}=\"{v}\"\n")).collect::<String>();
    let mut before = String::new();
    for version in 0..200u64 {
        for j in 0..5 {
            values[(version as usize * 37 + j * 191 + 11) % 1000] = format!("v{version}-{j}");
        }
        if version % 20 == 0 {
            values[7] = format!("watched-{version}");
        }
        let text = render(&values);
        save(&vault, &path, &text, Some(version), &before).await;
        before = text;
    }
    println!("seeded");
}
