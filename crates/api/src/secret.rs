//! How wire types print what they hold: `Debug` helpers that show key names and sizes, never a
//! value, a blob, a key or a proof (issue 10, hole 16).

use indexmap::IndexMap;

use crate::secrets::FlatMap;

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
