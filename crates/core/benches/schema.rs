//! `cargo bench -p envdesk-core --bench schema`: validating a 5,000-key environment with a schema on
//! every key (issue 16's budget: under 10 ms). The project level declares every key (`@required` and a
//! `@type` cycling through the types); the environment sets every key. Results in `docs/benchmarks.md`.

use std::time::Duration;

use chrono::NaiveDate;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use envdesk_core::dotenv::Document;
use envdesk_core::merge::LevelKind;
use envdesk_core::schema::{check, level_schema, CheckContext, Schema};

const N: usize = 5_000;

fn texts() -> (String, String) {
    let types: [(&str, &str); 10] = [
        ("port", "8080"),
        ("int(0..100000)", "4242"),
        ("bool", "true"),
        ("url(https|postgres)", "postgres://user@db.internal:5432/app"),
        ("email", "ops@example.com"),
        ("uuid", "123e4567-e89b-12d3-a456-426614174000"),
        ("duration", "1h30m"),
        ("enum(debug|info|warn|error)", "info"),
        ("regex([a-z]{3}_[0-9a-f]{8})", "key_deadbeef"),
        ("json", "{\"a\":[1,2,3]}"),
    ];
    let mut project = String::new();
    let mut env = String::new();
    for i in 0..N {
        let (t, v) = types[i % types.len()];
        project.push_str(&format!("# @description: setting {i}\n# @required @type: {t}\nKEY_{i}=\n"));
        env.push_str(&format!("KEY_{i}={}\n", if v.contains(['"', ' ']) { format!("'{v}'") } else { v.to_owned() }));
    }
    (project, env)
}

fn schema(c: &mut Criterion) {
    let (project, env) = texts();
    let (p, e) = (Document::parse(&project).unwrap(), Document::parse(&env).unwrap());
    let mut g = c.benchmark_group("schema");
    g.measurement_time(Duration::from_secs(4)).sample_size(20);
    let never = |_: &str| None;
    let ctx =
        CheckContext { today: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), warn_days: 14, last_changed: &never };
    // What a read of the environment does: read both levels' annotations, lay them over each other,
    // check the merged result.
    g.bench_function("read_and_check_5000", |b| {
        b.iter(|| {
            let (ps, es) = (level_schema(black_box(&p)), level_schema(black_box(&e)));
            let s = Schema::of_levels([(LevelKind::Project, &ps), (LevelKind::Environment, &es)]);
            let problems = check(&s, &e.vars(), &ctx);
            assert!(problems.is_empty());
            problems
        })
    });
    let (ps, es) = (level_schema(&p), level_schema(&e));
    let s = Schema::of_levels([(LevelKind::Project, &ps), (LevelKind::Environment, &es)]);
    let vars = e.vars();
    g.bench_function("check_5000", |b| b.iter(|| check(black_box(&s), black_box(&vars), &ctx)));
    // The editor's lints of the environment with the project's schema.
    g.bench_function("lint_in_5000", |b| b.iter(|| e.lint_in(&[(LevelKind::Project, &ps)], LevelKind::Environment)));
    g.finish();
}

/// Levels shaped against the reader (a teammate's, or a hostile server's): 40,000 keys each under an
/// annotation and all assigned again below, and 40,000 keys with `-` (each asks whether its portable
/// spelling is taken). Both were quadratic: tens of seconds per read, on every open and edit.
fn hostile(c: &mut Criterion) {
    const K: usize = 40_000;
    let mut twice = String::new();
    for i in 0..K {
        twice.push_str(&format!("# @x\nKEY_{i}=\n"));
    }
    for i in 0..K {
        twice.push_str(&format!("KEY_{i}=1\n"));
    }
    let dashed: String = (0..K).map(|i| format!("a-{i}=\n")).collect();
    let (twice, dashed) = (Document::parse(&twice).unwrap(), Document::parse(&dashed).unwrap());
    let mut g = c.benchmark_group("hostile");
    g.measurement_time(Duration::from_secs(4)).sample_size(10);
    g.bench_function("level_schema_40000_keys_assigned_twice", |b| b.iter(|| level_schema(black_box(&twice))));
    g.bench_function("lint_40000_unportable_keys", |b| b.iter(|| black_box(&dashed).lint()));
    g.finish();
}

criterion_group!(benches, schema, hostile);
criterion_main!(benches);
