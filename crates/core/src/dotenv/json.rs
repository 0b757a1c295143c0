//! Import of a JSON object of strings.

use super::{is_valid_key, Document};

/// Why a JSON import failed. Never carries a value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// Not JSON at all.
    #[error("line {line}, column {column}: not valid JSON")]
    NotJson {
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters (as [`super::ParseError`] counts them).
        column: usize,
    },
    /// JSON, but not an object.
    #[error("expected a JSON object of strings, like {{\"KEY\": \"value\"}}")]
    NotAnObject,
    /// A value that is not a string.
    #[error("the value of `{key}` is {kind}; only strings can be imported")]
    NotAString {
        /// The key.
        key: String,
        /// "a number", "an object", …
        kind: &'static str,
    },
    /// A key the dialect does not accept.
    #[error("`{0}` is not a valid key: use a letter or `_` first, then letters, digits, `_`, `.` or `-`")]
    InvalidKey(String),
}

/// serde_json's position made 1-based and counted in characters: it gives the byte offset into the
/// line of the last byte read, which is 0 for an error at the start of a line (an empty input).
fn not_json(text: &str, e: &serde_json::Error) -> ImportError {
    let line = e.line().max(1);
    let line_text = text.split('\n').nth(line - 1).unwrap_or("");
    let mut end = e.column().min(line_text.len());
    while !line_text.is_char_boundary(end) {
        end -= 1;
    }
    ImportError::NotJson { line, column: line_text[..end].chars().count().max(1) }
}

pub(super) fn from_json(text: &str) -> Result<Document, ImportError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| not_json(text, &e))?;
    let serde_json::Value::Object(_) = value else {
        return Err(ImportError::NotAnObject);
    };
    // serde_json's map is sorted; read again into an ordered map to keep the file's order.
    let ordered: indexmap::IndexMap<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|_| ImportError::NotAnObject)?;
    let mut pairs = Vec::with_capacity(ordered.len());
    for (key, v) in &ordered {
        let serde_json::Value::String(s) = v else {
            let kind = match v {
                serde_json::Value::Null => "null",
                serde_json::Value::Bool(_) => "a boolean",
                serde_json::Value::Number(_) => "a number",
                serde_json::Value::Array(_) => "an array",
                _ => "an object",
            };
            return Err(ImportError::NotAString { key: key.clone(), kind });
        };
        if !is_valid_key(key) {
            return Err(ImportError::InvalidKey(key.clone()));
        }
        pairs.push((key.as_str(), s.as_str()));
    }
    Document::from_vars(pairs).map_err(|e| ImportError::InvalidKey(e.into_key()))
}
