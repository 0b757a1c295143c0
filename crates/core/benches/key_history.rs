//! `cargo bench -p envdesk-core --bench key_history`: the history of one key and the blame of a level
//! over 200 versions of a 1,000-key level (issue 14, part 3; target ≤ 300 ms for one key's history).
//! Results and the machine go in `docs/benchmarks.md`.

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use envdesk_core::dotenv::Document;
use envdesk_core::key_history::{blame, key_history, key_history_of_texts, LevelState};

const KEYS: usize = 1_000;
const VERSIONS: usize = 200;

/// 200 versions of a 1,000-key level (a comment every 10 keys, quoted values): each version changes
/// five keys; `KEY_00500` changes every 20th version.
fn versions() -> Vec<String> {
    let mut values: Vec<String> = (0..KEYS).map(|i| format!("value {i} with spaces abcdef012345")).collect();
    let mut out = Vec::with_capacity(VERSIONS);
    for v in 0..VERSIONS {
        for j in 0..5 {
            let k = (v * 37 + j * 211) % KEYS;
            values[k] = format!("value {k} at version {v}");
        }
        if v % 20 == 0 {
            values[500] = format!("the watched key at version {v}");
        }
        let mut s = String::new();
        for (i, val) in values.iter().enumerate() {
            if i % 10 == 0 {
                s.push_str(&format!("# section {i}\n"));
            }
            s.push_str(&format!("KEY_{i:05}=\"{val}\"\n"));
        }
        out.push(s);
    }
    out
}

fn bench(c: &mut Criterion) {
    let texts = versions();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let states: Vec<LevelState> = refs.iter().map(|t| LevelState::from_text(t)).collect();
    let current = Document::parse(texts.last().unwrap()).unwrap().vars();
    assert!(key_history_of_texts(&refs, "KEY_00500").events.len() >= VERSIONS / 20);

    let mut g = c.benchmark_group("key_history_200x1000");
    g.measurement_time(Duration::from_secs(6)).sample_size(20);
    // Every version parsed, then the key's events: what the first look at a level costs.
    g.bench_function("one_key_from_texts", |b| b.iter(|| key_history_of_texts(black_box(&refs), "KEY_00500")));
    // The versions already parsed (the client's cache): the key's events alone.
    g.bench_function("one_key_parsed", |b| b.iter(|| key_history(black_box(&states), "KEY_00500")));
    // The blame of every key, versions parsed.
    g.bench_function("blame_parsed", |b| b.iter(|| blame(black_box(&states), &current)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
