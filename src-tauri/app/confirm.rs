//! A second, native confirmation of destructive operations (issue 10, hole 18). The webview asks first
//! (typed confirmation, an in-app dialog), but a compromised page can skip its own questions; removing a
//! connection and its keychain token, force-deleting the only copy of a version and purging a history
//! are also asked through a dialog the page cannot answer. The app uses a native message box
//! (`crate::dialogs`); tests use a scripted answer.

/// Asks the user whether to go ahead.
#[async_trait::async_trait]
pub trait Confirm: Send + Sync {
    /// `true` when the user said yes.
    async fn confirm(&self, title: &str, message: &str) -> bool;
}

/// No one to ask: every destructive operation is refused (the default of [`super::core::AppCore`] until
/// the host gives it a way to ask).
pub struct Refuse;

#[async_trait::async_trait]
impl Confirm for Refuse {
    async fn confirm(&self, _: &str, _: &str) -> bool {
        false
    }
}

/// Always the same answer (tests).
pub struct Answer(pub bool);

#[async_trait::async_trait]
impl Confirm for Answer {
    async fn confirm(&self, _: &str, _: &str) -> bool {
        self.0
    }
}
