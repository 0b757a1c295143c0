//! Native dialogs: open a file to import (GTK on Linux, rfd elsewhere), save a file (rfd), and the
//! second confirmation of destructive operations.
//! Test builds (`--features test-dialogs`) answer from `ENVDESK_TEST_OPEN_FILE` /
//! `ENVDESK_TEST_SAVE_FILE` / `ENVDESK_TEST_CONFIRM` (`yes` or `no`) instead, so end-to-end tests can
//! drive them; release builds have no such hook.

use std::path::PathBuf;

use crate::app::confirm::Confirm;

/// The title of the import dialog.
const IMPORT_TITLE: &str = "Import a .env or JSON file";

/// The filters of the import dialog, the first chosen at first: glob patterns as GTK (and the portals)
/// match them, where `*` also matches a leading dot. `.env*` takes `.env`, `.env.local`,
/// `.env.production`; `*.env` takes `production.env`.
pub const IMPORT_FILTERS: &[(&str, &[&str])] = &[
    (".env files (.env, .env.*, *.env)", &[".env*", "*.env"]),
    ("JSON files (*.json)", &["*.json"]),
    ("All files", &["*"]),
];

/// Asks for a `.env` or JSON file to import. On Linux, GTK's own file chooser on the main thread with
/// hidden files shown: rfd passes filters as extensions only (`*.env` misses `.env.local`) and cannot
/// show dot-files, so a folder holding `.env` and `.env.local` looked empty (issue 13, item 2).
pub async fn open_file(app: Option<&tauri::AppHandle>) -> Option<PathBuf> {
    #[cfg(feature = "test-dialogs")]
    if let Some(p) = std::env::var_os("ENVDESK_TEST_OPEN_FILE") {
        return Some(PathBuf::from(p));
    }
    #[cfg(target_os = "linux")]
    if let Some(app) = app {
        return open_file_gtk(app).await;
    }
    let _ = app;
    let mut dialog = rfd::AsyncFileDialog::new().set_title(IMPORT_TITLE);
    for (name, patterns) in IMPORT_FILTERS {
        // rfd takes extensions: `.env*` → `env`, `*.json` → `json`, `*` → `*`.
        let exts: Vec<&str> = patterns.iter().map(|p| p.trim_start_matches("*.").trim_matches(['.', '*'])).collect();
        let exts: Vec<&str> = exts.into_iter().map(|e| if e.is_empty() { "*" } else { e }).collect();
        dialog = dialog.add_filter(*name, &exts);
    }
    dialog.pick_file().await.map(|f| f.path().to_path_buf())
}

/// Where the import dialog opens next (the folder of the last file chosen in it; this run only).
#[cfg(target_os = "linux")]
static LAST_IMPORT_FOLDER: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

/// The GTK open dialog (a `GtkFileChooserNative`: GTK's dialog, or the desktop's through a portal),
/// shown on the main thread as GTK requires, modal to the main window; answers when it closes.
#[cfg(target_os = "linux")]
async fn open_file_gtk(app: &tauri::AppHandle) -> Option<PathBuf> {
    use tauri::Manager;
    let (tx, rx) = tokio::sync::oneshot::channel::<Option<PathBuf>>();
    let parent = app.get_webview_window("main");
    let shown = app.run_on_main_thread(move || {
        use gtk::prelude::*;
        use std::cell::RefCell;
        use std::rc::Rc;
        let parent = parent.and_then(|w| w.gtk_window().ok());
        let dialog =
            gtk::FileChooserNative::new(Some(IMPORT_TITLE), parent.as_ref(), gtk::FileChooserAction::Open, None, None);
        dialog.set_modal(true);
        dialog.set_local_only(true);
        dialog.set_show_hidden(true);
        // GTK would open on "Recent" (where no dot-file ever shows): the folder of the last import of
        // this run, else the home folder.
        let folder = LAST_IMPORT_FOLDER.lock().ok().and_then(|f| f.clone()).unwrap_or_else(gtk::glib::home_dir);
        dialog.set_current_folder(&folder);
        for (name, patterns) in IMPORT_FILTERS {
            let filter = gtk::FileFilter::new();
            filter.set_name(Some(name));
            for p in *patterns {
                filter.add_pattern(p);
            }
            dialog.add_filter(filter);
        }
        // GTK does not keep a native dialog alive: the handler holds it until it answers.
        let keep = Rc::new(RefCell::new(Some(dialog.clone())));
        let tx = RefCell::new(Some(tx));
        dialog.connect_response(move |d, response| {
            let file = if response == gtk::ResponseType::Accept { d.filename() } else { None };
            if let (Some(dir), Ok(mut last)) = (file.as_deref().and_then(|f| f.parent()), LAST_IMPORT_FOLDER.lock()) {
                *last = Some(dir.to_path_buf());
            }
            if let Some(tx) = tx.borrow_mut().take() {
                let _ = tx.send(file);
            }
            keep.borrow_mut().take();
        });
        dialog.show();
    });
    if shown.is_err() {
        return None;
    }
    rx.await.ok().flatten()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::IMPORT_FILTERS;

    /// Whether the filter named `name` takes `file`, by GLib's glob (GTK's file filters match alike:
    /// `*` and `?`, a leading dot matched by `*`).
    fn takes(filter: usize, file: &str) -> bool {
        IMPORT_FILTERS[filter].1.iter().any(|p| {
            let (p, f) = (std::ffi::CString::new(*p).unwrap(), std::ffi::CString::new(file).unwrap());
            // SAFETY: two NUL-terminated strings that outlive the call.
            unsafe { gtk::glib::ffi::g_pattern_match_simple(p.as_ptr(), f.as_ptr()) != 0 }
        })
    }

    #[test]
    fn the_default_import_filter_takes_every_env_file() {
        for f in [".env", ".env.local", ".env.production", ".env.development.local", "production.env"] {
            assert!(takes(0, f), "{f}");
        }
        for f in ["notes.txt", "config.json", "environment.yaml", ".bashrc"] {
            assert!(!takes(0, f), "{f}");
        }
        assert!(takes(1, "secrets.json") && !takes(1, ".env"));
        assert!(takes(2, ".env.local") && takes(2, "anything"));
    }
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
