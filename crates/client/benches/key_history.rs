//! `cargo bench -p envdesk-client --bench key_history`: the history of one key through the local vault
//! (list every version, fetch, decrypt and parse each, then the key's events) over 200 versions of a
//! 1,000-key level, with the cache of parsed versions empty (the first look) and filled (every look
//! after). Issue 14, part 3; target ≤ 300 ms. Results in `docs/benchmarks.md`.

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use envdesk_api::NodePath;
use envdesk_client::local::open_local;
use envdesk_client::vault::{NewProjectKey, SaveOutcome};
use envdesk_client::{MemoryKeyStore, Vault, VaultOptions};

const KEYS: usize = 1_000;
const VERSIONS: usize = 200;

fn text(values: &[String]) -> String {
    let mut s = String::new();
    for (i, val) in values.iter().enumerate() {
        if i % 10 == 0 {
            s.push_str(&format!("# section {i}\n"));
        }
        s.push_str(&format!("KEY_{i:05}=\"{val}\"\n"));
    }
    s
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    // Few PBKDF2 rounds: the cold runs unlock again (outside the measured time) to empty the cache.
    let local = open_local(&dir.path().join("data"), keys.as_ref(), 1_000).unwrap();
    let opts = VaultOptions { kdf_iterations: 1_000, idle_lock: None, ..Default::default() };
    let vault = Vault::new(Arc::new(local.backend), keys, "local", dir.path().join("drafts"), opts);
    let env = NodePath::environment("bench", "backend", "production");
    rt.block_on(async {
        vault.create_project("bench", None, NewProjectKey::Generate).await.unwrap();
        vault.create_target("bench", "backend", None).await.unwrap();
        vault.create_environment("bench", "backend", "production", None, None).await.unwrap();
        let mut values: Vec<String> = (0..KEYS).map(|i| format!("value {i} with spaces abcdef012345")).collect();
        let (mut revision, mut before) = (None, String::new());
        for v in 0..VERSIONS {
            for j in 0..5 {
                let k = (v * 37 + j * 211) % KEYS;
                values[k] = format!("value {k} at version {v}");
            }
            if v % 20 == 0 {
                values[500] = format!("the watched key at version {v}");
            }
            let t = text(&values);
            match vault.save_level(&env, &t, revision, &before).await.unwrap() {
                SaveOutcome::Saved { revision: r } => revision = r,
                SaveOutcome::Conflict(_) => panic!("conflict"),
            }
            before = t;
        }
    });
    let mut g = c.benchmark_group("key_history_local_200x1000");
    g.measurement_time(Duration::from_secs(20)).sample_size(10);
    g.bench_function("one_key_cold", |b| {
        b.iter_batched(
            || {
                vault.lock("bench");
                rt.block_on(vault.unlock("bench")).unwrap();
            },
            |_| rt.block_on(vault.key_history(&env, "KEY_00500")).unwrap(),
            BatchSize::PerIteration,
        )
    });
    rt.block_on(vault.key_history(&env, "KEY_00500")).unwrap();
    g.bench_function("one_key_cached", |b| b.iter(|| rt.block_on(vault.key_history(&env, "KEY_00500")).unwrap()));
    g.bench_function("blame_cached", |b| b.iter(|| rt.block_on(vault.blame(&env)).unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
