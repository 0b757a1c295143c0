//! Exports of a variable set: `env`, `json`, `yaml`, `shell`, `dockerfile`.
//!
//! Every export is read back with a reader of its format and compared with the input; a mismatch is an
//! error, never a file. Keys keep the input's order in every format (upstream sorts some formats; an
//! order the user chose is worth more than alphabetical order, and a stable order is all a diff needs).

use std::fmt;

use crate::dotenv::Document;
use crate::Vars;

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// `KEY=value` lines in envdesk's dialect, quoted only where needed.
    Env,
    /// A JSON object of strings, 2-space indented.
    Json,
    /// A YAML mapping whose every value is a double-quoted string (no type coercion).
    Yaml,
    /// POSIX shell: `export KEY="value"` with `\ " $ \`` escaped.
    Shell,
    /// Dockerfile: `ENV KEY="value"` with `\ " $` escaped.
    Dockerfile,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 5] = [Format::Env, Format::Json, Format::Yaml, Format::Shell, Format::Dockerfile];

    /// The usual file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Env => "env",
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Shell => "sh",
            Format::Dockerfile => "dockerfile",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Env => "env",
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Shell => "shell",
            Format::Dockerfile => "dockerfile",
        })
    }
}

impl std::str::FromStr for Format {
    type Err = ExportError;
    fn from_str(s: &str) -> Result<Format, ExportError> {
        match s.to_ascii_lowercase().as_str() {
            "env" | "dotenv" => Ok(Format::Env),
            "json" => Ok(Format::Json),
            "yaml" | "yml" => Ok(Format::Yaml),
            "shell" | "sh" => Ok(Format::Shell),
            "dockerfile" | "docker" => Ok(Format::Dockerfile),
            _ => Err(ExportError::UnknownFormat(s.to_owned())),
        }
    }
}

/// Why an export was refused. Names keys, never values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The key cannot be written in this format.
    #[error("`{key}` cannot be exported as {format}: {reason}")]
    KeyNotAllowed {
        /// The key.
        key: String,
        /// The format.
        format: Format,
        /// Why.
        reason: &'static str,
    },
    /// The value cannot be written in this format.
    #[error("the value of `{key}` cannot be exported as {format}: {reason}")]
    ValueNotAllowed {
        /// The key.
        key: String,
        /// The format.
        format: Format,
        /// Why.
        reason: &'static str,
    },
    /// Reading the output back did not give the input (a bug; nothing is written).
    #[error("the {format} export did not read back identically{}; nothing was written", key.as_ref().map(|k| format!(" (at `{k}`)")).unwrap_or_default())]
    RoundTrip {
        /// The format.
        format: Format,
        /// The first key that differs, if known.
        key: Option<String>,
    },
    /// Not a format name.
    #[error("unknown export format `{0}` (use env, json, yaml, shell or dockerfile)")]
    UnknownFormat(String),
}

/// Writes `vars` in `format` and checks that the text reads back to exactly `vars`.
pub fn export(vars: &Vars, format: Format) -> Result<String, ExportError> {
    let text = match format {
        Format::Env => env(vars)?,
        Format::Json => json(vars),
        Format::Yaml => yaml(vars),
        Format::Shell => shell(vars)?,
        Format::Dockerfile => dockerfile(vars)?,
    };
    let back = read_back(&text, format).ok_or(ExportError::RoundTrip { format, key: None })?;
    if back != *vars || !back.keys().eq(vars.keys()) {
        let key = vars.iter().find(|(k, v)| back.get(*k) != Some(v)).map(|(k, _)| k.clone());
        return Err(ExportError::RoundTrip { format, key });
    }
    Ok(text)
}

fn env(vars: &Vars) -> Result<String, ExportError> {
    let doc = Document::from_vars(vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(|e| {
        ExportError::KeyNotAllowed {
            key: e.into_key(),
            format: Format::Env,
            reason: "a key must be letters, digits, `_`, `.` or `-`, not starting with a digit",
        }
    })?;
    Ok(doc.to_string())
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| unreachable!("a string always serialises"))
}

fn json(vars: &Vars) -> String {
    if vars.is_empty() {
        return "{}\n".to_owned();
    }
    let mut out = String::from("{\n");
    for (i, (k, v)) in vars.iter().enumerate() {
        let comma = if i + 1 < vars.len() { "," } else { "" };
        out.push_str(&format!("  {}: {}{}\n", json_string(k), json_string(v), comma));
    }
    out.push_str("}\n");
    out
}

/// Keys YAML 1.1 readers would turn into booleans or null.
fn yaml_key_needs_quotes(k: &str) -> bool {
    matches!(k.to_ascii_lowercase().as_str(), "y" | "n" | "yes" | "no" | "true" | "false" | "on" | "off" | "null")
}

fn yaml(vars: &Vars) -> String {
    if vars.is_empty() {
        return "{}\n".to_owned();
    }
    let mut out = String::new();
    for (k, v) in vars {
        // A JSON string is a valid YAML double-quoted scalar: always a string, never coerced.
        let key = if yaml_key_needs_quotes(k) { json_string(k) } else { k.clone() };
        out.push_str(&format!("{}: {}\n", key, json_string(v)));
    }
    out
}

fn is_shell_name(k: &str) -> bool {
    let b = k.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

fn shell(vars: &Vars) -> Result<String, ExportError> {
    let mut out = String::new();
    for (k, v) in vars {
        if !is_shell_name(k) {
            return Err(ExportError::KeyNotAllowed {
                key: k.clone(),
                format: Format::Shell,
                reason: "shell variable names may contain only letters, digits and `_`",
            });
        }
        if v.contains('\0') {
            return Err(ExportError::ValueNotAllowed {
                key: k.clone(),
                format: Format::Shell,
                reason: "a shell variable cannot hold a NUL character",
            });
        }
        // Inside double quotes a newline is literal in POSIX sh, so multi-line values need no escape.
        let mut q = String::with_capacity(v.len() + 2);
        for c in v.chars() {
            if matches!(c, '\\' | '"' | '$' | '`') {
                q.push('\\');
            }
            q.push(c);
        }
        out.push_str(&format!("export {k}=\"{q}\"\n"));
    }
    Ok(out)
}

fn dockerfile(vars: &Vars) -> Result<String, ExportError> {
    let mut out = String::new();
    for (k, v) in vars {
        if k.contains(['=', ' ']) || k.is_empty() {
            return Err(ExportError::KeyNotAllowed {
                key: k.clone(),
                format: Format::Dockerfile,
                reason: "invalid ENV name",
            });
        }
        if v.contains(['\n', '\r']) {
            return Err(ExportError::ValueNotAllowed {
                key: k.clone(),
                format: Format::Dockerfile,
                reason: "a Dockerfile ENV value cannot span lines; export as env or shell instead",
            });
        }
        if v.contains('\0') {
            return Err(ExportError::ValueNotAllowed {
                key: k.clone(),
                format: Format::Dockerfile,
                reason: "a Dockerfile cannot hold a NUL character",
            });
        }
        // Backslash first, then the quote (upstream's pull.go has it the other way round, a bug), and
        // `$`, which Docker would otherwise substitute.
        let mut q = String::with_capacity(v.len() + 2);
        for c in v.chars() {
            if matches!(c, '\\' | '"' | '$') {
                q.push('\\');
            }
            q.push(c);
        }
        out.push_str(&format!("ENV {k}=\"{q}\"\n"));
    }
    Ok(out)
}

/// Reads an export back with a reader of its format. `None` when the text does not read as a flat map
/// of strings.
pub fn read_back(text: &str, format: Format) -> Option<Vars> {
    match format {
        Format::Env => Document::parse(text).ok().map(|d| d.vars()),
        Format::Json => serde_json::from_str::<Vars>(text).ok(),
        Format::Yaml => read_yaml(text),
        Format::Shell => read_shell(text),
        Format::Dockerfile => read_dockerfile(text),
    }
}

fn read_yaml(text: &str) -> Option<Vars> {
    use yaml_rust2::{Yaml, YamlLoader};
    let docs = YamlLoader::load_from_str(text).ok()?;
    let [Yaml::Hash(h)] = docs.as_slice() else { return None };
    let mut out = Vars::with_capacity(h.len());
    for (k, v) in h {
        let (Yaml::String(k), Yaml::String(v)) = (k, v) else { return None };
        out.insert(k.clone(), v.clone());
    }
    Some(out)
}

fn read_shell(text: &str) -> Option<Vars> {
    let words = shlex::split(text)?;
    let mut out = Vars::new();
    let mut it = words.into_iter();
    while let Some(w) = it.next() {
        if w != "export" {
            return None;
        }
        let assign = it.next()?;
        let (k, v) = assign.split_once('=')?;
        out.insert(k.to_owned(), v.to_owned());
    }
    Some(out)
}

/// Docker's word rules for `ENV K="v"` lines: inside double quotes a backslash escapes `"`, `\` and `$`,
/// and is kept before anything else.
fn read_dockerfile(text: &str) -> Option<Vars> {
    let mut out = Vars::new();
    for line in text.lines() {
        let rest = line.strip_prefix("ENV ")?;
        let (k, v) = rest.split_once('=')?;
        let inner = v.strip_prefix('"')?;
        let mut value = String::new();
        let mut chars = inner.chars();
        let mut closed = false;
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next()? {
                    n @ ('"' | '\\' | '$') => value.push(n),
                    n => {
                        value.push('\\');
                        value.push(n);
                    }
                },
                '"' => {
                    closed = true;
                    break;
                }
                '$' => return None, // an unescaped `$` would be substituted by Docker
                c => value.push(c),
            }
        }
        if !closed || chars.next().is_some() {
            return None;
        }
        out.insert(k.to_owned(), value);
    }
    Some(out)
}
