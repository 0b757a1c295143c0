//! Drafts: unsaved text kept encrypted (with the project's data key) in the data directory, offered
//! back after a crash, removed after a successful save. A draft file names its path and revision;
//! its text is a blob only the project's key opens.

use std::path::PathBuf;

use envdesk_api::NodePath;
use envdesk_core::crypto;
use sha2::{Digest, Sha256};

use super::Vault;
use crate::error::{ClientError, Result};

#[derive(serde::Serialize, serde::Deserialize)]
struct DraftFile {
    connection: String,
    path: NodePath,
    project_id: String,
    #[serde(default)]
    base_revision: Option<u64>,
    key_version: u64,
    blob: String,
    saved_at: String,
}

/// A draft as listed (no text).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DraftInfo {
    /// The level.
    pub path: NodePath,
    /// The revision the text was based on.
    pub base_revision: Option<u64>,
    /// When it was kept (RFC 3339).
    pub saved_at: String,
}

/// Writes `bytes` to a new file at `path` readable by the user only (0600 from the start, replacing
/// any leftover), and flushes it to disk before returning — so a rename over a draft never leaves an
/// empty or partial file after a crash.
pub(crate) fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

impl Vault {
    fn draft_path(&self, path: &NodePath) -> PathBuf {
        let mut h = Sha256::new();
        h.update(self.connection.as_bytes());
        h.update([0]);
        h.update(path.display().as_bytes());
        let name: String = h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect();
        self.drafts_dir.join(format!("{name}.draft.json"))
    }

    /// Keeps `text` as the draft of `path` (encrypted with the project's key).
    pub fn save_draft(&self, path: &NodePath, text: &str, base_revision: Option<u64>) -> Result<()> {
        let u = self.unlocked(&path.project)?;
        let file = DraftFile {
            connection: self.connection.clone(),
            path: path.clone(),
            project_id: u.ulid.clone(),
            base_revision,
            key_version: u.key_version,
            blob: crypto::encrypt(&u.data, text.as_bytes()),
            saved_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        let bytes = serde_json::to_vec(&file).map_err(|e| ClientError::Io(e.to_string()))?;
        crate::local::private_dir(&self.drafts_dir)?;
        let target = self.draft_path(path);
        let tmp = target.with_extension("tmp");
        write_private(&tmp, &bytes)?;
        std::fs::rename(&tmp, &target)?;
        // The rename itself survives a crash only once the directory is on disk too.
        #[cfg(unix)]
        std::fs::File::open(&self.drafts_dir)?.sync_all()?;
        Ok(())
    }

    /// The drafts of this connection.
    pub fn drafts(&self) -> Vec<DraftInfo> {
        let Ok(dir) = std::fs::read_dir(&self.drafts_dir) else { return Vec::new() };
        let mut out: Vec<DraftInfo> = dir
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".draft.json"))
            .filter_map(|e| serde_json::from_slice::<DraftFile>(&std::fs::read(e.path()).ok()?).ok())
            .filter(|d| d.connection == self.connection)
            .map(|d| DraftInfo { path: d.path, base_revision: d.base_revision, saved_at: d.saved_at })
            .collect();
        out.sort_by_key(|d| d.path.display());
        out
    }

    /// The draft of `path`: `(text, base_revision)`, decrypted (the project must be unlocked).
    pub fn draft(&self, path: &NodePath) -> Result<Option<(String, Option<u64>)>> {
        let file = self.draft_path(path);
        let Ok(bytes) = std::fs::read(&file) else { return Ok(None) };
        let d: DraftFile = serde_json::from_slice(&bytes).map_err(|e| ClientError::Io(e.to_string()))?;
        let u = self.unlocked(&path.project)?;
        let text = crypto::decrypt_string(&u.data, &d.blob).map_err(|source| ClientError::Crypto {
            what: "the draft (it was kept under another key)".into(),
            source,
        })?;
        Ok(Some((text.as_str().to_owned(), d.base_revision)))
    }

    /// Forgets the draft of `path`.
    pub fn discard_draft(&self, path: &NodePath) {
        let _ = std::fs::remove_file(self.draft_path(path));
    }
}
