//! `cargo bench -p envdesk-core --bench search`: "search everywhere" over 100 environments × 1,000
//! keys, once indexed (the target: ≤ 30 ms per keystroke to rendered results, so the query must take a
//! few milliseconds). Results and the machine go in `docs/benchmarks.md`.

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use envdesk_core::search::{LevelId, SearchIndex, SearchOptions, MAX_HITS};

/// 1,000 keys, a comment every 10 keys, values of 20–40 characters.
fn level_text(env: usize) -> String {
    let words = ["DATABASE", "REDIS", "API", "STRIPE", "SMTP", "AWS", "FEATURE", "CACHE", "QUEUE", "AUTH"];
    let mut out = String::new();
    for i in 0..1_000 {
        if i % 10 == 0 {
            out.push_str(&format!("# settings of the {} service, block {i}\n", words[i / 10 % 10].to_lowercase()));
        }
        out.push_str(&format!("{}_SETTING_{i}=value-{env}-{i}-{}\n", words[i % 10], "x".repeat(10 + i % 20)));
    }
    out
}

fn index() -> SearchIndex {
    let mut ix = SearchIndex::new();
    for e in 0..100 {
        ix.set_level(LevelId::environment("shop", &format!("t{}", e / 10), &format!("e{e}")), &level_text(e));
    }
    assert_eq!(ix.rows(), 100_000);
    ix
}

fn search(c: &mut Criterion) {
    let ix = index();
    let mut g = c.benchmark_group("search_100x1000");
    g.measurement_time(Duration::from_secs(4)).sample_size(30);
    let names = SearchOptions::default();
    let all = SearchOptions { comments: true, values: true };
    for (label, q, opts) in [
        ("names_d", "d", names),
        ("names_data", "data", names),
        ("names_setting_999", "setting_999", names),
        ("names_none", "zzzz", names),
        ("all_data", "data", all),
        ("all_value-5-", "value-5-", all),
        ("all_none", "zzzz", all),
    ] {
        g.bench_with_input(BenchmarkId::new("query", label), &q, |b, q| {
            b.iter(|| ix.query(black_box(q), opts, MAX_HITS))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("search_index");
    g.measurement_time(Duration::from_secs(4)).sample_size(10);
    let text = level_text(0);
    g.bench_function("set_level_1000_keys", |b| {
        let mut ix = SearchIndex::new();
        b.iter(|| ix.set_level(LevelId::project("p"), black_box(&text)))
    });
    g.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
