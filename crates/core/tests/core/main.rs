//! Integration tests of envdesk-core, one binary (see `docs/style.md`).

mod crypto_vectors;
mod dotenv_cases;
mod dotenv_edits;
mod dotenv_peers;
mod export;
mod merge_diff;
mod props;

use std::path::PathBuf;

/// `../shared/data` beside the project root (or `$ENVDESK_SHARED/data`).
pub fn shared_data() -> PathBuf {
    let base = match std::env::var_os("ENVDESK_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    let data = base.join("data");
    assert!(data.is_dir(), "test data not found at {} (set ENVDESK_SHARED)", data.display());
    data
}

pub fn read_json(rel: &str) -> serde_json::Value {
    let path = shared_data().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

pub fn vars(pairs: &[(&str, &str)]) -> envdesk_core::Vars {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}
