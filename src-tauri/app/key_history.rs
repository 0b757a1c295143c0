//! What the history of one key (issue 14, part 3) takes from the webview besides paths and version ids:
//! a variable's name ([`KeyName`]). The requests are in `commands.rs` (`key_history`, `level_blame`,
//! `key_value_at`, `restore_key_value`); the logic is the client's (`envdesk_client::vault`,
//! `key_history.rs`); answers carry no value except `key_value_at`'s, asked for when the user reveals
//! one.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use ts_rs::TS;

/// The longest key name accepted (bytes); longer is no key of any level.
const MAX_KEY_BYTES: usize = 1024;

/// A variable's name as the webview sends it: 1–1024 bytes without control characters, `=` or
/// spaces. Whether it is a valid `.env` key is the core's to say when a value is written.
#[derive(Clone, PartialEq, Eq, Serialize, TS)]
#[ts(type = "string")]
pub struct KeyName(String);

impl KeyName {
    /// Parses a key name.
    pub fn parse(s: &str) -> Result<KeyName, &'static str> {
        if s.is_empty() || s.len() > MAX_KEY_BYTES {
            return Err("A key name is 1 to 1024 bytes long.");
        }
        if s.chars().any(|c| c.is_control() || c.is_whitespace() || c == '=') {
            return Err("A key name has no spaces, control characters or '='.");
        }
        Ok(KeyName(s.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<'de> Deserialize<'de> for KeyName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyName, D::Error> {
        let s = String::deserialize(d)?;
        KeyName::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::KeyName;

    #[test]
    fn key_names() {
        assert!(KeyName::parse("API_KEY").is_ok());
        assert!(KeyName::parse("").is_err());
        assert!(KeyName::parse("A B").is_err());
        assert!(KeyName::parse("A=B").is_err());
        assert!(KeyName::parse("A\nB").is_err());
        assert!(KeyName::parse(&"K".repeat(1025)).is_err());
    }
}
