//! `cargo bench -p envdesk-core`: parse/print (with dotenvy beside us), merge, diff, export, AES-GCM,
//! PBKDF2.
//! Results and the machine go in `docs/benchmarks.md`.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use envdesk_core::crypto::{self, DataKey, ProjectKey};
use envdesk_core::dotenv::Document;
use envdesk_core::merge::{self, LevelKind};
use envdesk_core::{diff, export, Vars};

/// The files of `tests/data/bench/gen_env.py`, generated once into `target/bench-data`.
fn bench_file(n: usize) -> String {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = manifest.join("../../target/bench-data");
    let path = dir.join(format!("gen_{n}.env"));
    if !path.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let script = manifest.join("tests/data/bench/gen_env.py");
        let status = std::process::Command::new("python3").arg(&script).current_dir(&dir).status().unwrap();
        assert!(status.success(), "python3 {} failed", script.display());
    }
    std::fs::read_to_string(path).unwrap()
}

fn parse_print(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    g.measurement_time(Duration::from_secs(4)).sample_size(20);
    for n in [1_000, 10_000, 100_000] {
        let text = bench_file(n);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::new("envdesk", n), &text, |b, t| {
            b.iter(|| Document::parse(black_box(t)).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("dotenvy", n), &text, |b, t| {
            b.iter(|| dotenvy::from_read_iter(black_box(t.as_bytes())).collect::<Result<Vec<_>, _>>().unwrap())
        });
        let doc = Document::parse(&text).unwrap();
        g.bench_with_input(BenchmarkId::new("print", n), &doc, |b, d| b.iter(|| black_box(d).to_string()));
        g.bench_with_input(BenchmarkId::new("vars", n), &doc, |b, d| b.iter(|| black_box(d).vars()));
    }
    g.finish();
}

/// Three 5,000-key levels: the project holds all keys, the target overrides every third, the
/// environment every fifth and adds 500 of its own.
fn levels() -> (Vars, Vars, Vars) {
    let all = Document::parse(&bench_file(10_000)).unwrap().vars();
    let p: Vars = all.iter().take(5_000).map(|(k, v)| (k.clone(), v.clone())).collect();
    let t: Vars = p.iter().step_by(3).map(|(k, v)| (k.clone(), format!("{v}-t"))).collect();
    let mut e: Vars = p.iter().step_by(5).map(|(k, v)| (k.clone(), format!("{v}-e"))).collect();
    e.extend(all.iter().skip(5_000).take(500).map(|(k, v)| (k.clone(), v.clone())));
    (p, t, e)
}

fn merge_diff(c: &mut Criterion) {
    let (p, t, e) = levels();
    let mut g = c.benchmark_group("levels_5000");
    g.measurement_time(Duration::from_secs(4));
    g.bench_function("merge3", |b| {
        b.iter(|| {
            merge::merge(black_box(&[(LevelKind::Project, &p), (LevelKind::Target, &t), (LevelKind::Environment, &e)]))
        })
    });
    let a = merge::merged_vars(&[(LevelKind::Project, &p), (LevelKind::Target, &t)]);
    let b2 = merge::merged_vars(&[(LevelKind::Project, &p), (LevelKind::Environment, &e)]);
    g.bench_function("diff", |b| b.iter(|| diff::diff(black_box(&a), black_box(&b2))));
    // The merged `.env` the diff view and the export write (one pass; it was quadratic: 70 ms).
    g.bench_function("export_env", |b| b.iter(|| export::export(black_box(&a), export::Format::Env).unwrap()));
    g.finish();
}

fn aes_gcm(c: &mut Criterion) {
    let key = DataKey::from_bytes([7; 32]);
    let mut g = c.benchmark_group("aes_gcm");
    g.measurement_time(Duration::from_secs(4));
    for size in [1024usize, 64 * 1024, 1024 * 1024] {
        let plain = vec![b'a'; size];
        let blob = crypto::encrypt(&key, &plain);
        g.throughput(Throughput::Bytes(size as u64));
        // The cipher alone, and the whole blob (base64 included).
        let raw = crypto::aes_gcm_seal(key.expose(), &[1; 12], b"", &plain);
        g.bench_with_input(BenchmarkId::new("seal_raw", size), &plain, |b, p| {
            b.iter(|| crypto::aes_gcm_seal(key.expose(), &[1; 12], b"", p))
        });
        g.bench_with_input(BenchmarkId::new("open_raw", size), &raw, |b, r| {
            b.iter(|| crypto::aes_gcm_open(key.expose(), &r[..12], b"", &r[12..]).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("encrypt", size), &plain, |b, p| b.iter(|| crypto::encrypt(&key, p)));
        g.bench_with_input(BenchmarkId::new("decrypt", size), &blob, |b, bl| {
            b.iter(|| crypto::decrypt(&key, bl).unwrap())
        });
    }
    g.finish();
}

fn kdf(c: &mut Criterion) {
    let key = ProjectKey::generate();
    let salt = crypto::generate_salt();
    let mut g = c.benchmark_group("pbkdf2");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("data_key_600000", |b| b.iter(|| crypto::derive_data_key(&key, &salt, 600_000)));
    g.finish();
}

criterion_group!(benches, parse_print, merge_diff, aes_gcm, kdf);
criterion_main!(benches);
