//! Native open/save dialogs (rfd). Test builds (`--features test-dialogs`) answer from
//! `ENVDESK_TEST_OPEN_FILE` / `ENVDESK_TEST_SAVE_FILE` instead, so end-to-end tests can drive import and
//! export; release builds have no such hook.

use std::path::PathBuf;

/// Asks for a `.env` or JSON file to import.
pub async fn open_file() -> Option<PathBuf> {
    #[cfg(feature = "test-dialogs")]
    if let Some(p) = std::env::var_os("ENVDESK_TEST_OPEN_FILE") {
        return Some(PathBuf::from(p));
    }
    rfd::AsyncFileDialog::new()
        .set_title("Import a .env or JSON file")
        .add_filter(".env or JSON", &["env", "json", "txt"])
        .add_filter("All files", &["*"])
        .pick_file()
        .await
        .map(|f| f.path().to_path_buf())
}

/// Asks where to save a file.
pub async fn save_file(title: &str, default_name: &str) -> Option<PathBuf> {
    #[cfg(feature = "test-dialogs")]
    if let Some(p) = std::env::var_os("ENVDESK_TEST_SAVE_FILE") {
        return Some(PathBuf::from(p));
    }
    rfd::AsyncFileDialog::new()
        .set_title(title)
        .set_file_name(default_name)
        .save_file()
        .await
        .map(|f| f.path().to_path_buf())
}
