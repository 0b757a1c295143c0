//! Host-independent app state and operations (no Tauri here).

pub mod core;
pub mod dto;
pub mod error;
pub mod keychain;
pub mod settings;
