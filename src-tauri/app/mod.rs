//! Host-independent app state and operations (no Tauri here).

pub mod args;
pub mod confirm;
pub mod core;
pub mod dto;
pub mod error;
pub mod files;
pub mod key_history;
pub mod keychain;
pub mod settings;
