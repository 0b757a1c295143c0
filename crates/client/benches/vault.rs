//! `cargo bench -p envdesk-client`: open a 5,000-key environment (three levels) through the local vault
//! — fetch, decrypt, parse, merge — with the data key cached; and save one changed key.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use envdesk_api::NodePath;
use envdesk_client::local::open_local;
use envdesk_client::vault::{NewProjectKey, SaveOutcome};
use envdesk_client::{MemoryKeyStore, Vault, VaultOptions};

fn level(prefix: &str, n: usize, every: usize) -> String {
    let mut s = String::new();
    for i in (0..n).step_by(every) {
        if i % 10 == 0 {
            s.push_str(&format!("# section {i}\n"));
        }
        s.push_str(&format!("KEY_{i:05}=\"{prefix} value {i} with spaces abcdef012345\"\n"));
    }
    s
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let local = open_local(&dir.path().join("data"), keys.as_ref(), 600_000).unwrap();
    let vault = Vault::new(Arc::new(local.backend), keys, "local", dir.path().join("drafts"), VaultOptions::default());
    let env = NodePath::environment("bench", "backend", "production");
    rt.block_on(async {
        vault.create_project("bench", None, NewProjectKey::Generate).await.unwrap();
        vault.create_target("bench", "backend", None).await.unwrap();
        vault.create_environment("bench", "backend", "production", None, None).await.unwrap();
        for (path, text) in [
            (NodePath::project("bench"), level("project", 5000, 1)),
            (NodePath::target("bench", "backend"), level("target", 5000, 3)),
            (env.clone(), level("environment", 5000, 5)),
        ] {
            let node = vault.read_node(&path).await.unwrap();
            let l = node.levels.last().unwrap();
            assert!(matches!(
                vault.save_level(&path, &text, l.revision, &l.text).await.unwrap(),
                SaveOutcome::Saved { .. }
            ));
        }
    });
    let mut g = c.benchmark_group("vault_local");
    g.sample_size(30);
    g.bench_function("open_env_5000_keys_3_levels", |b| {
        b.iter(|| rt.block_on(async { vault.read_node(&env).await.unwrap() }))
    });
    // What the app's `read_node` does: a view (the node read, its schema checked, its rotation dates)
    // and its first 200 rows; closed again so the views do not pile up.
    g.bench_function("open_view_env_5000_keys_3_levels", |b| {
        b.iter(|| {
            rt.block_on(async {
                let opened = vault.open_view(&env, None).await.unwrap();
                let rows = vault.view_rows(opened.id, 0, 200, "", false).unwrap();
                vault.close_view(opened.id);
                rows.total
            })
        })
    });
    let node = rt.block_on(vault.read_node(&env)).unwrap();
    let mut revision = node.levels[2].revision;
    let mut doc = envdesk_core::dotenv::Document::parse(&node.levels[2].text).unwrap();
    let mut n = 0u64;
    g.bench_function("save_one_changed_key", |b| {
        b.iter(|| {
            n += 1;
            let before = doc.to_string();
            doc.set("KEY_00005", &format!("changed {n}")).unwrap();
            let text = doc.to_string();
            rt.block_on(async {
                match vault.save_level(&env, &text, revision, &before).await.unwrap() {
                    SaveOutcome::Saved { revision: r } => revision = r,
                    SaveOutcome::Conflict(_) => panic!("conflict"),
                }
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
