//! envdesk-cli's own inputs (issue 17): what a user, another program or another user can put in front
//! of the command line — a path or a side of `diff` typed on it, a `.envdesk` file, the app's
//! `settings.json`, and an offline copy file in the data directory. Never a panic; and:
//! - a parsed path is made of slugs and prints back to what parses to the same path;
//! - a `.envdesk` file says at most `environment` and `connection`;
//! - the connections never include a second local vault;
//! - an offline copy file opens only when it was sealed with the key, for that connection and path:
//!   bytes from nowhere never open, and a sealed payload opens as exactly the path it was sealed for.
//!
//! Input: one byte choosing the input, then its bytes. Seeds: `fuzz/seed-corpus.sh`.
#![no_main]

use std::path::Path;
use std::sync::Arc;

use envdesk_api::NodePath;
use envdesk_client::vault::OfflineStore;
use envdesk_client::MemoryKeyStore;
use envdesk_core::crypto;
use libfuzzer_sys::fuzz_target;

const KEY: [u8; 32] = [7; 32];

fn store() -> OfflineStore {
    OfflineStore::new(Path::new("/nonexistent"), Arc::new(MemoryKeyStore::new()), "team-1")
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    match which % 5 {
        0 => {
            if let Ok(p) = envdesk_cli::parse_path(&text) {
                assert_eq!(envdesk_cli::parse_path(&p.display()).expect("a path prints as a path"), p);
            }
        }
        1 => {
            if let Ok(side) = envdesk_cli::parse_side(&text) {
                let p = side.path();
                assert!(envdesk_cli::parse_path(&p.display()).is_ok());
                if let envdesk_cli::Side::Version(_, id) = &side {
                    assert!(id.bytes().all(|b| b.is_ascii_digit()) && id.len() <= 19);
                }
            }
        }
        2 => {
            if let Ok(d) = envdesk_cli::parse_dot_envdesk(&text, Path::new(".envdesk")) {
                assert_eq!(d.file, Path::new(".envdesk"));
            }
        }
        3 => {
            if let Ok(list) = envdesk_cli::parse_connections(&text, Path::new("settings.json")) {
                assert!(list.iter().all(|c| c.id != envdesk_cli::LOCAL));
            }
        }
        _ => {
            let path = NodePath::environment("app", "api", "prod");
            // As it is: bytes from nowhere never open.
            assert!(store().open(&KEY, &path, rest).is_err(), "an unsealed file opened");
            // Sealed as the real store seals (same associated data), so the payload's own parsing is
            // reached: it opens only as the path it names.
            let aad = format!("envdesk offline copy v1\0team-1\0{}", path.display());
            let sealed = crypto::aes_gcm_seal(&KEY, &[1; crypto::IV_LEN], aad.as_bytes(), rest);
            let file = serde_json::json!({"v": 1, "blob": crypto::b64(&sealed)}).to_string();
            if let Ok(s) = store().open(&KEY, &path, file.as_bytes()) {
                assert_eq!(s.path, path);
            }
        }
    }
});
