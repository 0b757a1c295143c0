//! The envdesk desktop app: Tauri builder, app state, the IPC commands (one list, `commands.rs`),
//! keychain, settings, dialogs. Commands reach envdesk-client's `Vault` through [`app::core::AppCore`],
//! which holds what is the app's own: connections, settings, the open vaults, confirmations, the file
//! chosen for import and the key waiting for backup.

pub mod app;
pub mod commands;
mod dialogs;
pub mod notify;

pub use commands::COMMANDS;

/// The command names `build.rs` read from `commands.rs` (its permissions are generated from these);
/// `tests/app/main.rs` checks that they are [`COMMANDS`].
pub const BUILD_COMMAND_NAMES: &str = include_str!(concat!(env!("OUT_DIR"), "/command_names.txt"));

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tauri::{Emitter, Manager};
use tauri_plugin_store::StoreExt;

use app::core::AppCore;
use app::keychain::Keychain;
use app::settings::SettingsStore;

/// Settings through tauri-plugin-store (a JSON file in the data directory; never a secret, still
/// owner-only: see `app::files`).
struct PluginSettings(Arc<tauri_plugin_store::Store<tauri::Wry>>, PathBuf);

impl SettingsStore for PluginSettings {
    fn get(&self, key: &str) -> Option<serde_json::Value> {
        self.0.get(key)
    }
    fn set(&self, key: &str, value: serde_json::Value) -> Result<(), String> {
        self.0.set(key, value);
        self.0.save().map_err(|e| e.to_string())?;
        // The store writes with `fs::write`: a file it had to create anew would have the umask's mode.
        app::files::make_private(&self.1).map_err(|e| e.to_string())
    }
}

/// Stops before the window opens, with a native message box and on stderr, when envdesk cannot run
/// safely (a keychain store that would lose every secret).
fn refuse_to_start(message: &str) -> ! {
    eprintln!("envdesk: {message}");
    let _ = rfd::MessageDialog::new()
        .set_level(rfd::MessageLevel::Error)
        .set_title("envdesk cannot start")
        .set_description(message)
        .set_buttons(rfd::MessageButtons::Ok)
        .show();
    std::process::exit(1)
}

/// Memory and speed settings for the one webview (measured in docs/benchmarks.md, "The app").
///
/// On Linux: no accelerated compositing — a text UI gains nothing from it, and WebKitGTK's web process
/// then holds ~85 MB less (it also avoids the blank-window GPU bugs of some drivers); the
/// document-viewer cache model, because the app loads one local page and never navigates, so WebKit's
/// page and memory caches for browsing are dead weight.
fn tune_webview(window: &tauri::WebviewWindow) {
    #[cfg(target_os = "linux")]
    let _ = window.with_webview(|webview| {
        use webkit2gtk::{CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt};
        let view = webview.inner();
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            settings.set_enable_page_cache(false);
        }
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
    });
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

/// When the process started (for the start-up log).
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Shows the main window (once; later calls do nothing) and logs how long after start it happened.
fn show_window(window: &tauri::WebviewWindow, why: &str) {
    if window.is_visible().unwrap_or(true) {
        return;
    }
    let _ = window.show();
    let _ = window.set_focus();
    let since_start = STARTED.get().map(|t| t.elapsed().as_millis()).unwrap_or(0);
    let epoch_ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    tracing::debug!(target: "envdesk::startup", since_start, epoch_ms, "window shown: {why}");
}

/// Starts the app. `ENVDESK_DATA_DIR` and `ENVDESK_KEYRING_SERVICE` override the data directory and
/// the keychain service (tests run with throw-away ones); debug builds also read
/// `ENVDESK_KDF_ITERATIONS`.
pub fn run() {
    STARTED.get_or_init(std::time::Instant::now);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("ENVDESK_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .try_init();
    if let Err(message) = app::keychain::check_store() {
        refuse_to_start(&message);
    }
    let builder = tauri::Builder::default().plugin(tauri_plugin_store::Builder::default().build());
    #[cfg(not(target_os = "linux"))]
    let builder = builder.plugin(tauri_plugin_notification::init());
    builder
        .setup(|app| {
            let data_dir = match std::env::var_os("ENVDESK_DATA_DIR") {
                Some(d) => PathBuf::from(d),
                None => app.path().app_data_dir()?,
            };
            let settings_file = app::files::prepare_data_dir(&data_dir)?;
            let service = std::env::var("ENVDESK_KEYRING_SERVICE").unwrap_or_else(|_| app.config().identifier.clone());
            let keychain = Arc::new(Keychain::new(&service));
            let migrated = app::keychain::migrate_kernel_keyring(&service, keychain.as_ref());
            if migrated != Default::default() {
                tracing::warn!(
                    copied = migrated.copied,
                    removed = migrated.removed,
                    kept = migrated.kept,
                    "entries of an earlier envdesk moved from the kernel keyring to the keychain"
                );
            }
            let store = app.store(&settings_file)?;
            // Fewer PBKDF2 iterations for new keys only in debug builds (the end-to-end tests); a
            // release app ignores the variable, so nothing in its environment weakens new keys.
            #[cfg(debug_assertions)]
            let iterations = std::env::var("ENVDESK_KDF_ITERATIONS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(envdesk_core::crypto::DEFAULT_ITERATIONS);
            #[cfg(not(debug_assertions))]
            let iterations = envdesk_core::crypto::DEFAULT_ITERATIONS;
            let core = Arc::new(
                AppCore::new(data_dir, keychain, Arc::new(PluginSettings(store, settings_file)), iterations)
                    .with_confirm(Arc::new(dialogs::NativeConfirm)),
            );
            app.manage(core.clone());
            if let Some(window) = app.get_webview_window("main") {
                tune_webview(&window);
                // The UI shows the window once it has drawn (`ui_ready`); should it never say so (a
                // broken page), the window shows anyway.
                tauri::async_runtime::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(4)).await;
                    show_window(&window, "the UI did not report ready within 4 s");
                });
            }
            // The daily expiry notification (issue 16): looked for a minute after start, then every 15
            // minutes; given at most once a day (`AppCore::expiry_notice`).
            let handle = app.handle().clone();
            let notifier = core.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(Duration::from_secs(60)).await;
                loop {
                    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
                    // A scan of every level: on the blocking pool, like the commands that compute.
                    let (core, day) = (notifier.clone(), today.clone());
                    let notice = commands::off_workers(async move { Ok(core.expiry_notice(&day).await) }).await;
                    if let Ok(Some((title, body))) = notice {
                        let app = handle.clone();
                        let shown =
                            tauri::async_runtime::spawn_blocking(move || notify::show(&app, &title, &body)).await;
                        match shown {
                            Ok(Ok(())) => notifier.expiry_noticed(&today),
                            Ok(Err(e)) => tracing::warn!(error = %e, "the expiry notification could not be shown"),
                            Err(e) => tracing::warn!(error = %e, "the expiry notification could not be shown"),
                        }
                    }
                    tokio::time::sleep(Duration::from_secs(15 * 60)).await;
                }
            });
            // Auto-lock: drop keys after the idle time and tell the UI to drop decrypted text.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    if core.check_idle().await {
                        let _ = handle.emit("locked", ());
                    }
                }
            });
            Ok(())
        })
        // A file dropped on the window: read here like a file chosen in the open dialog; the page
        // gets a handle and the file's name (the `file-dropped` event), never the path.
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                let core = window.state::<Arc<AppCore>>().inner().clone();
                let handle = window.app_handle().clone();
                let paths = paths.clone();
                tauri::async_runtime::spawn(async move {
                    let dropped = commands::blocking(move || core.drop_import(&paths)).await;
                    let _ = handle.emit_to("main", "file-dropped", app::dto::DroppedFileDto::from(dropped));
                });
            }
        })
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .expect("envdesk could not start");
}
