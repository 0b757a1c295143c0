//! Integration tests of envdesk-core, in one binary (one link step for all of them; each module is a
//! subject).

mod crypto_vectors;
mod dotenv_cases;
mod dotenv_edits;
mod dotenv_peers;
mod export;
mod fuzz_finds;
mod key_history;
mod matrix;
mod merge_diff;
mod props;
mod schema;
mod search;

use std::path::PathBuf;

/// `crates/core/tests/data`: the test data, in the repository (its README says where each file comes
/// from and under which licence).
pub fn test_data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

pub fn read_json(rel: &str) -> serde_json::Value {
    let path = test_data().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

pub fn vars(pairs: &[(&str, &str)]) -> envdesk_core::Vars {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}
