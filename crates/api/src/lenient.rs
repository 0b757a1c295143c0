//! Tolerant reading of fields that upstream (dotEnv Cloud's documentation and official SDK) writes in
//! more than one way (issue 11, `docs/upstream-shapes.md`). Our server always writes one form; these
//! helpers are only `deserialize_with` targets, so they change what is *read*, never what is written.
//!
//! - An id or a version may be a JSON string or an integer (`"secret_id": 1` and `"secret_id": "01H…"`
//!   both appear upstream); read as its decimal string, or as a `u64` from a string of digits.
//! - Floats, booleans, negative numbers and non-digit strings are refused: they name nothing.

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string or a non-negative integer")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        u64::try_from(v).map(|v| v.to_string()).map_err(|_| E::custom("an id must not be negative"))
    }
}

/// A string, or an integer as its decimal string.
pub fn string_or_int<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(IdVisitor)
}

/// `null`/absent, a string, or an integer as its decimal string.
pub fn opt_string_or_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct W(#[serde(deserialize_with = "string_or_int")] String);
    Ok(Option::<W>::deserialize(d)?.map(|w| w.0))
}

/// A non-negative integer, or a string of ASCII digits that is one.
pub fn u64_or_digits<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let s = string_or_int(d)?;
    parse_digits(&s).ok_or_else(|| de::Error::custom("expected a non-negative integer"))
}

/// `null`/absent, or as [`u64_or_digits`].
pub fn opt_u64_or_digits<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    struct W(#[serde(deserialize_with = "u64_or_digits")] u64);
    Ok(Option::<W>::deserialize(d)?.map(|w| w.0))
}

/// A string; `null` (an informational field a server left empty) reads as `""`.
pub fn string_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_string_or_int(d)?.unwrap_or_default())
}

/// As [`u64_or_digits`]; `null` reads as 0.
pub fn u64_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(opt_u64_or_digits(d)?.unwrap_or_default())
}

/// The part of a 2xx answer that may contradict its status: a top-level `error` or `success: false`
/// (an API gateway or a framework that answers a refusal with 200). A success whose body says it
/// failed is not read as a success.
#[derive(Deserialize)]
pub(crate) struct Refusal {
    #[serde(default)]
    error: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    success: Option<bool>,
}

impl Refusal {
    /// `Err` when the body says the request failed.
    pub(crate) fn check(&self) -> Result<(), &'static str> {
        if self.error.is_some() || self.success == Some(false) {
            Err("a success answer whose body says the request failed")
        } else {
            Ok(())
        }
    }
}

/// `s` as a `u64` when it is 1–20 ASCII digits that fit.
pub fn parse_digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct T {
        #[serde(deserialize_with = "string_or_int")]
        id: String,
        #[serde(default, deserialize_with = "opt_u64_or_digits")]
        n: Option<u64>,
    }

    #[test]
    fn ids_and_numbers_in_both_forms() {
        let t: T = serde_json::from_str(r#"{"id": 7, "n": "42"}"#).unwrap();
        assert_eq!((t.id.as_str(), t.n), ("7", Some(42)));
        let t: T = serde_json::from_str(r#"{"id": "01H", "n": 3}"#).unwrap();
        assert_eq!((t.id.as_str(), t.n), ("01H", Some(3)));
        let t: T = serde_json::from_str(r#"{"id": "x", "n": null}"#).unwrap();
        assert_eq!(t.n, None);
        let t: T = serde_json::from_str(r#"{"id": "x"}"#).unwrap();
        assert_eq!(t.n, None);
        for bad in [
            r#"{"id": -1}"#,
            r#"{"id": 1.5}"#,
            r#"{"id": true}"#,
            r#"{"id": "x", "n": "-3"}"#,
            r#"{"id": "x", "n": "3a"}"#,
            r#"{"id": "x", "n": " 3"}"#,
        ] {
            assert!(serde_json::from_str::<T>(bad).is_err(), "{bad}");
        }
    }
}
