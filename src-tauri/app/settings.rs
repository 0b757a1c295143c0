//! Settings and the list of connections (never a secret): a [`SettingsStore`] the app backs with
//! tauri-plugin-store and tests back with memory.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

/// Where settings live.
pub trait SettingsStore: Send + Sync {
    /// The value under `key`.
    fn get(&self, key: &str) -> Option<Value>;
    /// Stores `value` under `key` (and persists it).
    fn set(&self, key: &str, value: Value) -> Result<(), String>;
}

/// Settings in memory (tests).
#[derive(Default)]
pub struct MemorySettings(Mutex<HashMap<String, Value>>);

impl SettingsStore for MemorySettings {
    fn get(&self, key: &str) -> Option<Value> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).get(key).cloned()
    }
    fn set(&self, key: &str, value: Value) -> Result<(), String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_owned(), value);
        Ok(())
    }
}

/// The user's settings. A setting missing from the stored file (one written by an older envdesk) takes
/// its default; the others are kept.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Settings {
    /// `system`, `light` or `dark`.
    #[ts(type = "\"system\" | \"light\" | \"dark\"")]
    pub theme: String,
    /// Lock every key after this many idle minutes (0: never).
    pub auto_lock_minutes: u32,
    /// Clear the clipboard this many seconds after copying a value (0: never).
    pub clipboard_clear_seconds: u32,
    /// `env`, `json`, `yaml`, `shell` or `dockerfile`.
    #[ts(as = "envdesk_core::export::Format")]
    pub default_export_format: String,
    /// Keys whose `@expires` date is this many days away or less are "expiring soon" (1 to 365).
    pub expiry_warning_days: u32,
    /// Once a day, a desktop notification when keys are expired or expiring soon.
    pub expiry_notifications: bool,
}

/// The longest warning window before an `@expires` date, in days.
pub const MAX_EXPIRY_WARNING_DAYS: u32 = 365;

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            theme: "system".into(),
            auto_lock_minutes: 15,
            clipboard_clear_seconds: 30,
            default_export_format: "env".into(),
            expiry_warning_days: envdesk_client::vault::EXPIRY_WARNING_DAYS,
            expiry_notifications: true,
        }
    }
}

/// A remote connection (its token is in the keychain, not here).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct Connection {
    /// Stable id (key-store names and drafts use it).
    pub id: String,
    /// Display name.
    pub name: String,
    /// `local` for the local vault, else the server's base URL.
    pub url: String,
    /// Organization ULID (empty for the local vault).
    pub organization: String,
}
