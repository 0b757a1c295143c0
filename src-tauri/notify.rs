//! Desktop notifications (the daily expiry notice, issue 16), shown from Rust only: the webview gets
//! no permission for them.
//!
//! On Linux, one call to the freedesktop Notifications service (`org.freedesktop.Notifications.Notify`
//! on the session bus) through the `dbus` crate, which the keychain (`dbus-secret-service`) and tao
//! already link. tauri-plugin-notification did the same through notify-rust, zbus 5 and zbus 6: a
//! second and third D-Bus stack, about three minutes of every cold build (CI builds twice: clippy's
//! check and the test build). Elsewhere the plugin stays.

/// The name the notification is sent under, and the desktop entry it belongs to (the `.deb`'s).
#[cfg(target_os = "linux")]
const APP_NAME: &str = "envdesk";

/// How long the call may wait for the notification service.
#[cfg(target_os = "linux")]
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Shows a notification with `title` and `body` (blocking: at most a few seconds; call it off the
/// async runtime's threads). An error says why it could not be shown (no session bus, no service).
#[cfg(target_os = "linux")]
pub fn show(_app: &tauri::AppHandle, title: &str, body: &str) -> Result<(), String> {
    let bus = dbus::blocking::Connection::new_session().map_err(|e| e.to_string())?;
    send(&bus, title, body).map(|_| ())
}

/// Sends the notification over `bus` (a session bus); the service's id for it.
#[cfg(target_os = "linux")]
pub fn send(bus: &dbus::blocking::Connection, title: &str, body: &str) -> Result<u32, String> {
    use dbus::arg::{PropMap, Variant};
    let proxy = bus.with_proxy("org.freedesktop.Notifications", "/org/freedesktop/Notifications", TIMEOUT);
    let mut hints = PropMap::new();
    hints.insert("desktop-entry".into(), Variant(Box::new(APP_NAME.to_owned())));
    // Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout) → id
    let (id,): (u32,) = proxy
        .method_call(
            "org.freedesktop.Notifications",
            "Notify",
            (APP_NAME, 0u32, "", title, body, Vec::<String>::new(), hints, -1i32),
        )
        .map_err(|e| e.to_string())?;
    Ok(id)
}

/// Shows a notification with `title` and `body` through tauri-plugin-notification.
#[cfg(not(target_os = "linux"))]
pub fn show(app: &tauri::AppHandle, title: &str, body: &str) -> Result<(), String> {
    use tauri_plugin_notification::NotificationExt;
    app.notification().builder().title(title).body(body).show().map_err(|e| e.to_string())
}
