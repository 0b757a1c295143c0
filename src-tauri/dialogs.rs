//! Native dialogs (rfd): open/save a file, and the second confirmation of destructive operations.
//! Test builds (`--features test-dialogs`) answer from `ENVDESK_TEST_OPEN_FILE` /
//! `ENVDESK_TEST_SAVE_FILE` / `ENVDESK_TEST_CONFIRM` (`yes` or `no`) instead, so end-to-end tests can
//! drive them; release builds have no such hook.

use std::path::PathBuf;

use crate::app::confirm::Confirm;

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

/// The native yes/no question before a destructive operation (a window of the OS, which the webview
/// can neither see nor answer).
pub struct NativeConfirm;

#[async_trait::async_trait]
impl Confirm for NativeConfirm {
    async fn confirm(&self, title: &str, message: &str) -> bool {
        #[cfg(feature = "test-dialogs")]
        if let Some(answer) = std::env::var_os("ENVDESK_TEST_CONFIRM") {
            return answer == "yes";
        }
        let answer = rfd::AsyncMessageDialog::new()
            .set_level(rfd::MessageLevel::Warning)
            .set_title(title)
            .set_description(message)
            .set_buttons(rfd::MessageButtons::YesNo)
            .show()
            .await;
        answer == rfd::MessageDialogResult::Yes
    }
}
