//! What wire types do with secrets: [`SecretString`] for key material, and `Debug` helpers that show
//! key names and sizes, never a value, a blob, a key or a proof (issue 10, hole 16).

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use crate::secrets::FlatMap;

/// Key material on the wire: a raw key (`KeyDescriptor.key`, `CreateProject.encryption_key`), a key
/// proof (`key_check`, `key_proof`), or the text that carries a key (an encryption-key answer's
/// `content`). Zeroized when dropped; `Debug` prints `<redacted>`; serialized and deserialized as a
/// plain JSON string, so the wire bytes are those of a `String`.
///
/// [`SecretString::expose`] is the one way to the text. Compare proofs with
/// `envdesk_core::crypto::proofs_equal` (constant time) on the exposed text; the derived `==` is
/// for tests and wire values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps `s` (taken without a copy when it is a `String`).
    pub fn new(s: impl Into<String>) -> SecretString {
        SecretString(Zeroizing::new(s.into()))
    }

    /// The secret text. Handle with care.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> SecretString {
        SecretString::new(s)
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> SecretString {
        SecretString::new(s)
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
        String::deserialize(d).map(SecretString::new)
    }
}

/// `Debug` of a map of values: the key names, every value `<redacted>` (issue 10, hole 16: a `{:?}` of
/// a wire type must never show a decrypted value, a ciphertext or a key).
pub(crate) struct RedactedMap<'a>(pub(crate) &'a FlatMap);

impl std::fmt::Debug for RedactedMap<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.0.keys().map(|k| (k, Redacted))).finish()
    }
}

/// Per-level maps, redacted like [`RedactedMap`].
pub(crate) struct RedactedLevels<'a>(pub(crate) &'a IndexMap<String, FlatMap>);

impl std::fmt::Debug for RedactedLevels<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.0.iter().map(|(k, m)| (k, RedactedMap(m)))).finish()
    }
}

/// Shows `<redacted>` in place of a value.
pub(crate) struct Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_string_is_a_plain_json_string_and_prints_redacted() {
        let s: SecretString = serde_json::from_str(r#""k3y+/=""#).unwrap();
        assert_eq!(s.expose(), "k3y+/=");
        assert_eq!(serde_json::to_string(&s).unwrap(), r#""k3y+/=""#);
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(s)), "Some(<redacted>)");
        for bad in ["null", "7", "true", "[]", "{}"] {
            assert!(serde_json::from_str::<SecretString>(bad).is_err(), "{bad}");
        }
        assert_eq!(serde_json::from_str::<Option<SecretString>>("null").unwrap(), None);
    }
}
