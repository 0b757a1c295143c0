//! A schema for secrets (issue 16): what each key is meant to hold, written as annotations in comment
//! lines directly above its assignment, in the style of `# @tags:`, so every other `.env` parser and
//! the upstream service read the file exactly as before. The grammar and the rules are in
//! `docs/schema.md`; in short:
//!
//! ```text
//! # @description: Primary database, read-write
//! # @type: url(postgres|postgresql)
//! # @required @sensitive
//! DATABASE_URL=
//! ```
//!
//! - **Where.** An annotation line is a comment line of the block directly above an assignment (no
//!   blank line between) whose text, after `#` and spaces, starts with `@` and a letter. Other comment
//!   lines of the block are the key's comment, as before.
//! - **A line** holds flags (`@required @sensitive`) and at most one annotation with a value, last:
//!   `@name: value`, whose value runs to the end of the line.
//! - **Known annotations**: `@description`, `@type`, `@required`, `@optional`, `@sensitive`, `@public`,
//!   `@expires: YYYY-MM-DD`, `@rotate-every: 90d` (days `d` or weeks `w`), and `@tags` / `@absent`
//!   (read elsewhere). Any other `@name` is kept, listed with the key, and never dropped; a known
//!   one written wrongly is a lint at its line and does nothing.
//! - **Types** ([`ValueType`]): `string`, `int` with an optional range `int(1..10)`, `port`, `bool`,
//!   `url` with optional schemes `url(https|postgres)`, `email`, `uuid`, `json`, `base64`,
//!   `duration`, `enum(a|b|c)`, `regex(…)` (the whole value must match).
//! - **Levels.** An annotation at the project level applies to the key in every target and
//!   environment; a deeper level overrides what it writes, property by property (`@type`, required or
//!   optional, sensitive or public, `@expires`, `@rotate-every`, `@description`). So a project says
//!   `@required` and one environment says `@optional`.
//! - **Required** means set and not empty in the merged result of every environment the annotation
//!   reaches. A key that must be declared before any environment sets it is assigned empty at the
//!   project level (`PORT=` under `# @required`): merged, an environment that does not set it holds
//!   the empty value, which is the error.
//! - **Messages** name keys, annotations and types, never a value.
//!
//! The annotations are comment lines: edits of the document never touch them (a property test checks
//! that they survive every edit and that the text round-trips byte for byte).

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::NaiveDate;
use indexmap::IndexMap;

use crate::dotenv::{Document, ItemKind};
use crate::merge::LevelKind;

/// Longest `regex(…)` pattern accepted (a longer one is a lint, and checks nothing).
pub const MAX_PATTERN: usize = 1000;

/// Longest value checked against a `regex(…)` pattern. Matching is linear, but a pattern the lazy DFA
/// gives up on (`(?s:.*a.{60}b)`) runs at about 3 MB/s, and references can resolve a small level to
/// values of 4 MiB each: the matrix checked them in every column, over a second each. A longer value
/// fails its type with a reason that says so.
pub const MAX_PATTERN_VALUE: usize = 64 << 10;

/// The type a value must have.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ValueType {
    /// Anything.
    String,
    /// A whole number (optional sign, decimal digits), optionally within `min..max` (inclusive).
    Int {
        /// Smallest allowed.
        min: Option<i64>,
        /// Largest allowed.
        max: Option<i64>,
    },
    /// A TCP/UDP port, 1 to 65535.
    Port,
    /// `true`, `false`, `1`, `0`, `yes`, `no`, `on`, `off` (any case).
    Bool,
    /// An absolute URL (`scheme:` and more), of one of `schemes` when any are named.
    Url {
        /// Allowed schemes, lower case; empty: any.
        schemes: Vec<String>,
    },
    /// `local@domain.tld`, no spaces.
    Email,
    /// `8-4-4-4-12` hexadecimal digits.
    Uuid,
    /// Any JSON text.
    Json,
    /// Base64, standard or URL-safe alphabet, padded or not.
    Base64,
    /// A positive duration: numbers with units, `250ms`, `30s`, `5m`, `1h30m`, `2d`, `1w`.
    Duration,
    /// One of `values`, exactly.
    Enum {
        /// The allowed values.
        values: Vec<String>,
    },
    /// The whole value matches `pattern` (Rust's `regex`: linear time whatever the pattern).
    Regex {
        /// The pattern as written.
        pattern: String,
    },
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueType::String => f.write_str("string"),
            ValueType::Int { min: None, max: None } => f.write_str("int"),
            ValueType::Int { min, max } => {
                let bound = |b: &Option<i64>| b.map(|v| v.to_string()).unwrap_or_default();
                write!(f, "int({}..{})", bound(min), bound(max))
            }
            ValueType::Port => f.write_str("port"),
            ValueType::Bool => f.write_str("bool"),
            ValueType::Url { schemes } if schemes.is_empty() => f.write_str("url"),
            ValueType::Url { schemes } => write!(f, "url({})", schemes.join("|")),
            ValueType::Email => f.write_str("email"),
            ValueType::Uuid => f.write_str("uuid"),
            ValueType::Json => f.write_str("json"),
            ValueType::Base64 => f.write_str("base64"),
            ValueType::Duration => f.write_str("duration"),
            ValueType::Enum { values } => write!(f, "enum({})", values.join("|")),
            ValueType::Regex { pattern } => write!(f, "regex({pattern})"),
        }
    }
}

/// The names `@type:` knows, for messages.
pub const TYPE_NAMES: &str = "string, int, int(MIN..MAX), port, bool, url, url(SCHEME|…), email, uuid, json, base64, duration, enum(A|B|…), regex(PATTERN)";

impl ValueType {
    /// Parses a type as written after `@type:`. The error says what is wrong (it names no value).
    pub fn parse(text: &str) -> Result<ValueType, String> {
        let text = text.trim();
        let (name, args) = match text.find('(') {
            Some(i) => {
                let Some(inner) = text[i + 1..].strip_suffix(')') else {
                    return Err(format!("`{}` opens `(` without closing it at the end", shown(text)));
                };
                (&text[..i], Some(inner))
            }
            None => (text, None),
        };
        let list = |inner: &str| -> Result<Vec<String>, String> {
            let items: Vec<String> = inner.split('|').map(|s| s.trim().to_owned()).collect();
            if items.iter().any(String::is_empty) {
                return Err(format!("`{name}(…)` has an empty choice"));
            }
            Ok(items)
        };
        Ok(match (name.trim().to_ascii_lowercase().as_str(), args) {
            ("string", None) => ValueType::String,
            ("int", None) => ValueType::Int { min: None, max: None },
            ("int", Some(range)) => {
                let (lo, hi) = range
                    .split_once("..")
                    .ok_or_else(|| "an int range is written `int(MIN..MAX)`, either bound optional".to_owned())?;
                let bound = |s: &str| -> Result<Option<i64>, String> {
                    let s = s.trim();
                    if s.is_empty() {
                        return Ok(None);
                    }
                    s.parse::<i64>().map(Some).map_err(|_| format!("`{}` is not a whole number", shown(s)))
                };
                let (min, max) = (bound(lo)?, bound(hi)?);
                if let (Some(a), Some(b)) = (min, max) {
                    if a > b {
                        return Err(format!("the range `{a}..{b}` is empty"));
                    }
                }
                ValueType::Int { min, max }
            }
            ("port", None) => ValueType::Port,
            ("bool", None) => ValueType::Bool,
            ("url", None) => ValueType::Url { schemes: Vec::new() },
            ("url", Some(inner)) => {
                let schemes: Vec<String> = list(inner)?.into_iter().map(|s| s.to_ascii_lowercase()).collect();
                if let Some(bad) = schemes.iter().find(|s| {
                    !s.starts_with(|c: char| c.is_ascii_alphabetic())
                        || !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                }) {
                    return Err(format!("`{}` is not a URL scheme", shown(bad)));
                }
                ValueType::Url { schemes }
            }
            ("email", None) => ValueType::Email,
            ("uuid", None) => ValueType::Uuid,
            ("json", None) => ValueType::Json,
            ("base64", None) => ValueType::Base64,
            ("duration", None) => ValueType::Duration,
            ("enum", Some(inner)) => ValueType::Enum { values: list(inner)? },
            ("regex", Some(pattern)) => {
                compile(pattern)?;
                ValueType::Regex { pattern: pattern.to_owned() }
            }
            ("enum" | "regex", None) => return Err(format!("`{name}` needs its choices in parentheses")),
            (_, Some(_)) if is_known_type(name) => return Err(format!("`{name}` takes no parentheses")),
            _ => return Err(format!("unknown type `{}` (known: {TYPE_NAMES})", shown(name))),
        })
    }

    /// Whether `value` is of this type; the error says why not, without the value.
    pub fn check(&self, value: &str, patterns: &mut Patterns) -> Result<(), String> {
        match self {
            ValueType::String => Ok(()),
            ValueType::Int { min, max } => {
                let n = parse_int(value).ok_or_else(|| "is not a whole number".to_owned())?;
                match (min, max) {
                    (Some(lo), _) if n < *lo => Err(format!("is below {lo}")),
                    (_, Some(hi)) if n > *hi => Err(format!("is above {hi}")),
                    _ => Ok(()),
                }
            }
            ValueType::Port => match parse_int(value) {
                Some(1..=65535) => Ok(()),
                Some(_) => Err("is not a port number (1 to 65535)".to_owned()),
                None => Err("is not a port number (1 to 65535)".to_owned()),
            },
            ValueType::Bool => {
                let v = value.to_ascii_lowercase();
                if matches!(v.as_str(), "true" | "false" | "1" | "0" | "yes" | "no" | "on" | "off") {
                    Ok(())
                } else {
                    Err("is not a boolean (true, false, 1, 0, yes, no, on, off)".to_owned())
                }
            }
            ValueType::Url { schemes } => {
                let u = url::Url::parse(value).map_err(|_| "is not an absolute URL".to_owned())?;
                if !schemes.is_empty() && !schemes.iter().any(|s| s == u.scheme()) {
                    return Err(format!("is a URL, but not {}", schemes.join(", ")));
                }
                Ok(())
            }
            ValueType::Email => is_email(value).then_some(()).ok_or_else(|| "is not an email address".to_owned()),
            ValueType::Uuid => is_uuid(value).then_some(()).ok_or_else(|| "is not a UUID".to_owned()),
            ValueType::Json => serde_json::from_str::<serde::de::IgnoredAny>(value)
                .map(|_| ())
                .map_err(|e| format!("is not JSON (line {}, column {})", e.line(), e.column())),
            ValueType::Base64 => is_base64(value).then_some(()).ok_or_else(|| "is not base64".to_owned()),
            ValueType::Duration => is_duration(value)
                .then_some(())
                .ok_or_else(|| "is not a duration (numbers with units: 250ms, 30s, 5m, 1h30m, 2d, 1w)".to_owned()),
            ValueType::Enum { values } => {
                if values.iter().any(|v| v == value) {
                    Ok(())
                } else {
                    Err(format!("is not one of {}", values.join(", ")))
                }
            }
            ValueType::Regex { .. } if value.len() > MAX_PATTERN_VALUE => {
                Err(format!("is longer than {} KiB, too long to check against its pattern", MAX_PATTERN_VALUE >> 10))
            }
            ValueType::Regex { pattern } => match patterns.get(pattern) {
                Some(re) if re.is_match(value) => Ok(()),
                Some(_) => Err(format!("does not match `{}`", shown(pattern))),
                None => Ok(()),
            },
        }
    }
}

fn is_known_type(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "string"
            | "int"
            | "port"
            | "bool"
            | "url"
            | "email"
            | "uuid"
            | "json"
            | "base64"
            | "duration"
            | "enum"
            | "regex"
    )
}

/// Distinct `regex(…)` patterns one check compiles at most; values of types past them are not checked
/// against their pattern (a hostile level of thousands of patterns cannot exhaust memory).
pub const MAX_PATTERNS: usize = 64;

/// Compiled `regex(…)` patterns, each compiled once (anchored to the whole value).
#[derive(Default)]
pub struct Patterns(HashMap<String, Option<regex::Regex>>);

impl Patterns {
    fn get(&mut self, pattern: &str) -> Option<&regex::Regex> {
        if !self.0.contains_key(pattern) && self.0.len() >= MAX_PATTERNS {
            return None;
        }
        self.0.entry(pattern.to_owned()).or_insert_with(|| compile(pattern).ok()).as_ref()
    }
}

fn compile(pattern: &str) -> Result<regex::Regex, String> {
    if pattern.len() > MAX_PATTERN {
        return Err(format!("the pattern is longer than {MAX_PATTERN} bytes"));
    }
    let build = |p: &str| regex::RegexBuilder::new(p).size_limit(256 << 10).dfa_size_limit(256 << 10).build();
    let refuse = |e: regex::Error| match e {
        regex::Error::CompiledTooBig(_) => "the pattern is too large".to_owned(),
        _ => "the pattern is not a valid regular expression".to_owned(),
    };
    // Valid on its own first: `a)|(b` must not become another pattern once wrapped in `^(?:…)$`.
    build(pattern).map_err(refuse)?;
    build(&format!("^(?:{pattern})$")).map_err(refuse)
}

fn parse_int(v: &str) -> Option<i64> {
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then(|| v.parse().ok()).flatten()
}

fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else { return false };
    let ok = |c: char| !c.is_whitespace() && !c.is_control() && c != '@';
    !local.is_empty()
        && local.chars().all(ok)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.')
}

fn is_uuid(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

fn is_base64(v: &str) -> bool {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine as _;
    !v.is_empty() && [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD].iter().any(|e| e.decode(v).is_ok())
}

fn is_duration(v: &str) -> bool {
    let mut rest = v;
    let mut parts = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ms", "s", "m", "h", "d", "w"].into_iter().find(|u| rest.starts_with(u));
        let Some(unit) = unit else { return false };
        rest = &rest[unit.len()..];
        parts += 1;
    }
    parts > 0
}

/// At most 60 characters of something written in an annotation, for a message.
fn shown(s: &str) -> String {
    if s.chars().count() <= 60 {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(60).collect::<String>())
    }
}

/// One annotation as written: its name (without `@`), its value (after `:`), its 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Annotation {
    /// The name, without `@`.
    pub name: String,
    /// What follows `:`, trimmed; `null` for a flag.
    pub value: Option<String>,
    /// 1-based line.
    pub line: usize,
}

/// What a level says about one key: its annotations, read. `None` for a property the level does not
/// write.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeySchema {
    /// `@description`.
    pub description: Option<String>,
    /// `@type`.
    #[cfg_attr(feature = "ts", ts(as = "Option<String>"))]
    #[serde(serialize_with = "type_text")]
    pub value_type: Option<ValueType>,
    /// `true` for `@required`, `false` for `@optional`.
    pub required: Option<bool>,
    /// `true` for `@sensitive`, `false` for `@public`.
    pub sensitive: Option<bool>,
    /// `@expires`, `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// `@rotate-every`, in days.
    pub rotate_every_days: Option<u32>,
    /// Annotations envdesk does not know, as written.
    pub unknown: Vec<Annotation>,
}

fn type_text<S: serde::Serializer>(t: &Option<ValueType>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_some(&t.to_string()),
        None => s.serialize_none(),
    }
}

impl KeySchema {
    /// Whether the level writes anything about the key.
    pub fn is_empty(&self) -> bool {
        *self == KeySchema::default()
    }

    /// `self` with what `deeper` writes laid over it, property by property.
    fn overlay(&mut self, deeper: &KeySchema) {
        fn take<T: Clone>(into: &mut Option<T>, from: &Option<T>) {
            if from.is_some() {
                into.clone_from(from);
            }
        }
        take(&mut self.description, &deeper.description);
        take(&mut self.value_type, &deeper.value_type);
        take(&mut self.required, &deeper.required);
        take(&mut self.sensitive, &deeper.sensitive);
        take(&mut self.expires, &deeper.expires);
        take(&mut self.rotate_every_days, &deeper.rotate_every_days);
        if !deeper.unknown.is_empty() {
            self.unknown.extend(deeper.unknown.iter().cloned());
            keep_last_of_each(&mut self.unknown);
        }
    }

    fn expiry(&self) -> Option<NaiveDate> {
        self.expires.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    }
}

/// An annotation written wrongly: its line and what is wrong (never a value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnotationProblem {
    /// 1-based line.
    pub line: usize,
    /// What is wrong, in a sentence.
    pub message: String,
    /// Whether the annotation is unknown (kept) rather than malformed (ignored).
    pub unknown: bool,
}

/// What one level's text says: the annotations of each key it assigns, and the lines written wrongly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LevelSchema {
    /// Key → (1-based line of its assignment, what its annotations say); keys without annotations
    /// are left out. A key assigned twice: the annotations above the last assignment.
    pub keys: IndexMap<String, (usize, KeySchema)>,
    /// Annotations written wrongly, or unknown.
    pub problems: Vec<AnnotationProblem>,
}

/// Annotation names read elsewhere (`# @tags:` by the table and search, `# @absent:` by the key matrix,
/// `# @schema: strict` by [`is_strict`]).
const READ_ELSEWHERE: [&str; 3] = ["tags", "absent", "schema"];

/// Annotations that speak for their whole level, wherever they stand (not for the key below).
const LEVEL_WIDE: [&str; 2] = ["absent", "schema"];

/// Whether a project level's text says `# @schema: strict` (on a line of its own, anywhere): a save
/// that breaks the schema is then refused, not only warned about.
pub fn is_strict(text: &str) -> bool {
    text.lines().filter(|l| l.trim_start().starts_with('#')).any(says_strict)
}

fn says_strict(line: &str) -> bool {
    matches!(annotations_of(line), Some(Ok(list)) if list.iter().any(|(n, v)| n == "schema" && v.as_deref().is_some_and(|v| v.eq_ignore_ascii_case("strict"))))
}

/// The 1-based lines of a document's comments that say `# @schema: strict` (a lint where the level is
/// not the project's, which alone is read for it).
pub fn strict_lines(doc: &Document) -> Vec<usize> {
    doc.items_with_lines()
        .filter(|(_, _, item)| matches!(item.kind, ItemKind::Comment) && says_strict(item.raw.trim()))
        .map(|(start, _, _)| start)
        .collect()
}

/// Annotations that speak for the key below them: in a block that no key follows (a blank line, or the
/// end of the file, comes first), they apply to nothing, and say so.
const PER_KEY: [&str; 8] =
    ["description", "type", "required", "optional", "sensitive", "public", "expires", "rotate-every"];

fn orphaned(block: &[(usize, &str)], problems: &mut Vec<AnnotationProblem>) {
    for &(line, text) in block {
        if let Some(Ok(list)) = annotations_of(text) {
            if let Some((name, _)) = list.iter().find(|(n, _)| PER_KEY.contains(&n.as_str())) {
                problems.push(AnnotationProblem {
                    line,
                    message: format!(
                        "`@{name}` is not directly above a key (a blank line or the end of the text comes first): it applies to nothing"
                    ),
                    unknown: false,
                });
            }
        }
    }
}

/// Whether `text` has a line that may hold an annotation (`#`, any spaces, `@`): a quick look before
/// parsing anything for a schema.
pub fn has_annotation_line(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with('#') && l.trim_start_matches('#').trim_start().starts_with('@')
    })
}

/// Reads the annotations of a level.
pub fn level_schema(doc: &Document) -> LevelSchema {
    let mut out = LevelSchema::default();
    let mut types = TypeCache::default();
    let mut block: Vec<(usize, &str)> = Vec::new();
    // A key assigned twice keeps the block above its last assignment, in the order of last
    // assignments: known before the walk, so that each key is inserted once (removing and inserting
    // again at each assignment shifted the map, quadratic in a level that assigns its keys twice).
    let mut last: HashMap<&str, usize> = HashMap::new();
    for (i, item) in doc.items_with_lines().map(|(_, _, item)| item).enumerate() {
        if let (ItemKind::Assignment(_), Some(key)) = (&item.kind, item.key()) {
            last.insert(key, i);
        }
    }
    for (i, (start, _end, item)) in doc.items_with_lines().enumerate() {
        match &item.kind {
            ItemKind::Comment => block.push((start, item.raw.trim())),
            ItemKind::Assignment(_) => {
                let key = item.key().unwrap_or_default();
                // Every block is read, for its problems; only the last one of a key says what it is.
                let schema = read_block(&block, &mut out.problems, &mut types);
                block.clear();
                if last.get(key) == Some(&i) && !schema.is_empty() {
                    out.keys.insert(key.to_owned(), (start, schema));
                }
            }
            _ => {
                orphaned(&block, &mut out.problems);
                block.clear();
            }
        }
    }
    orphaned(&block, &mut out.problems);
    out
}

/// The annotations of one block of comment lines (those directly above an assignment).
/// Types already read in this level, by their text: a level's keys share a few types, and checking a
/// `regex(…)` means compiling it (~20 µs), once per distinct text instead of once per key.
#[derive(Default)]
pub(crate) struct TypeCache(HashMap<String, Result<ValueType, String>>);

impl TypeCache {
    fn parse(&mut self, text: &str) -> Result<ValueType, String> {
        if let Some(r) = self.0.get(text) {
            return r.clone();
        }
        let r = ValueType::parse(text);
        if self.0.len() < 1024 {
            self.0.insert(text.to_owned(), r.clone());
        }
        r
    }
}

fn read_block(block: &[(usize, &str)], problems: &mut Vec<AnnotationProblem>, types: &mut TypeCache) -> KeySchema {
    let mut s = KeySchema::default();
    for &(line, text) in block {
        let Some(list) = annotations_of(text) else { continue };
        let list = match list {
            Ok(list) => list,
            Err(message) => {
                problems.push(AnnotationProblem { line, message, unknown: false });
                continue;
            }
        };
        for (name, value) in list {
            let mut bad = |message: String| problems.push(AnnotationProblem { line, message, unknown: false });
            let value_of = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
            match (name.as_str(), &value) {
                ("description", v) => match value_of(v) {
                    Some(d) => s.description = Some(d),
                    None => bad("`@description:` needs a text after the colon".into()),
                },
                ("type", v) => match value_of(v) {
                    Some(t) => match types.parse(&t) {
                        Ok(t) => s.value_type = Some(t),
                        Err(e) => bad(format!("`@type`: {e}")),
                    },
                    None => bad(format!("`@type:` needs a type after the colon ({TYPE_NAMES})")),
                },
                ("required" | "optional", None) => {
                    let want = name == "required";
                    if s.required.is_some_and(|r| r != want) {
                        bad("`@required` and `@optional` on one key: write one".into());
                    }
                    s.required = Some(want);
                }
                ("sensitive" | "public", None) => {
                    let want = name == "sensitive";
                    if s.sensitive.is_some_and(|r| r != want) {
                        bad("`@sensitive` and `@public` on one key: write one".into());
                    }
                    s.sensitive = Some(want);
                }
                ("required" | "optional" | "sensitive" | "public", Some(_)) => {
                    bad(format!("`@{name}` takes no value: write `@{name}` alone"));
                }
                ("expires", v) => match value_of(v).as_deref().map(|d| (d, NaiveDate::parse_from_str(d, "%Y-%m-%d"))) {
                    Some((d, Ok(date))) if d.len() == 10 => s.expires = Some(date.format("%Y-%m-%d").to_string()),
                    _ => bad("`@expires:` takes a date written YYYY-MM-DD".into()),
                },
                ("rotate-every", v) => match value_of(v).as_deref().and_then(parse_period) {
                    Some(days) => s.rotate_every_days = Some(days),
                    None => bad("`@rotate-every:` takes a period in days or weeks, e.g. `90d` or `12w`".into()),
                },
                (n, _) if READ_ELSEWHERE.contains(&n) => {}
                (n, v) => {
                    problems.push(AnnotationProblem {
                        line,
                        message: format!("`@{n}` is not an annotation envdesk knows; it is kept as written"),
                        unknown: true,
                    });
                    s.unknown.push(Annotation { name: n.to_owned(), value: v.clone(), line });
                }
            }
        }
    }
    keep_last_of_each(&mut s.unknown);
    s
}

/// Unknown annotations with one of each name, the last written, in the order of those last ones (the
/// outcome of removing an earlier one at each repeat, without the scan per annotation).
fn keep_last_of_each(list: &mut Vec<Annotation>) {
    let mut seen = HashSet::new();
    let mut kept: Vec<Annotation> = list.drain(..).rev().filter(|a| seen.insert(a.name.clone())).collect();
    kept.reverse();
    *list = kept;
}

/// What a block of comment lines directly above a key says (for the table view; lines written
/// wrongly say nothing, and are linted elsewhere).
pub(crate) fn read_lines(lines: &[&str], types: &mut TypeCache) -> KeySchema {
    let numbered: Vec<(usize, &str)> = lines.iter().map(|l| (0, *l)).collect();
    read_block(&numbered, &mut Vec::new(), types)
}

/// `90d`, `12w`: days (at least 1, at most 100 years).
fn parse_period(text: &str) -> Option<u32> {
    // By characters: the last one may be any character (`9Е` once panicked here, splitting inside it).
    let last = text.chars().last()?;
    let (n, unit) = text.split_at(text.len() - last.len_utf8());
    let n: u32 = n.parse().ok().filter(|n| *n > 0)?;
    let days = match unit {
        "d" => n,
        "w" => n.checked_mul(7)?,
        _ => return None,
    };
    (days <= 36_500).then_some(days)
}

/// Whether a comment line is an annotation of the key below it (not `# @absent:` or `# @schema:`,
/// which speak for their whole level).
pub(crate) fn belongs_to_key(comment: &str) -> bool {
    match annotations_of(comment) {
        Some(Ok(_)) => !is_level_wide(comment),
        Some(Err(_)) => true,
        None => false,
    }
}

/// Whether a comment line holds a level-wide annotation (`# @schema: strict`, `# @absent: …`): such a
/// line is never removed with a key (review of issue 16: removing a lone key took `@schema: strict`).
pub(crate) fn is_level_wide(comment: &str) -> bool {
    matches!(annotations_of(comment), Some(Ok(list)) if list.iter().any(|(n, _)| LEVEL_WIDE.contains(&n.as_str())))
}

/// The annotations of one line, as (name, value) pairs; the error says what is wrong with the line.
pub type LineAnnotations = Result<Vec<(String, Option<String>)>, String>;

/// The annotations of a comment line (`None`: not an annotation line), as (name, value) pairs: flags
/// first, then at most one with a value, which runs to the end of the line.
pub fn annotations_of(comment: &str) -> Option<LineAnnotations> {
    let body = comment.trim().trim_start_matches('#').trim_start_matches([' ', '\t']);
    let mut rest = body.strip_prefix('@').filter(|r| r.starts_with(|c: char| c.is_ascii_alphabetic()))?;
    let mut out = Vec::new();
    loop {
        let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(rest.len());
        let name = rest[..len].to_ascii_lowercase();
        rest = rest[len..].trim_start_matches([' ', '\t']);
        if let Some(value) = rest.strip_prefix(':') {
            out.push((name, Some(value.trim().to_owned())));
            return Some(Ok(out));
        }
        out.push((name, None));
        if rest.is_empty() {
            return Some(Ok(out));
        }
        match rest.strip_prefix('@') {
            Some(r) if r.starts_with(|c: char| c.is_ascii_alphabetic()) => rest = r,
            _ => {
                let last = &out.last().expect("one was pushed").0;
                return Some(Err(format!(
                    "after `@{last}` comes text that is not an annotation; write `@{last}: …` for a value, and flags before it"
                )));
            }
        }
    }
}

/// The schema a node's merged result must meet: the levels' annotations laid over each other, project
/// first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schema {
    /// Key → what applies to it, and the level that last wrote each part (for messages).
    pub keys: IndexMap<String, EffectiveKey>,
}

/// What applies to one key at a node.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EffectiveKey {
    /// The properties, deeper levels over higher ones.
    pub schema: KeySchema,
    /// The level whose `@required` (or `@optional`) applies.
    pub required_by: Option<LevelKind>,
    /// The level whose `@type` applies.
    pub type_from: Option<LevelKind>,
}

impl Schema {
    /// The schema of a node from its levels' schemas, project first.
    pub fn of_levels<'a>(levels: impl IntoIterator<Item = (LevelKind, &'a LevelSchema)>) -> Schema {
        let mut out = Schema::default();
        for (kind, level) in levels {
            for (key, (_, s)) in &level.keys {
                let e = out.keys.entry(key.clone()).or_default();
                e.schema.overlay(s);
                if s.required.is_some() {
                    e.required_by = Some(kind);
                }
                if s.value_type.is_some() {
                    e.type_from = Some(kind);
                }
            }
        }
        out
    }

    /// What applies to `key`, if anything.
    pub fn key(&self, key: &str) -> Option<&EffectiveKey> {
        self.keys.get(key)
    }
}

/// How much a schema problem matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ProblemSeverity {
    /// Breaks the schema: a strict project refuses to save it, an export asks first.
    Error,
    /// Worth knowing now: a key that expires soon, or is due for rotation.
    Warning,
}

/// What is wrong with one key of a merged result.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProblemKind {
    /// Required, and not in the result.
    Missing,
    /// Required, and empty.
    Empty,
    /// Not of its type.
    WrongType {
        /// The type, as written.
        expected: String,
        /// Why not ("is not a port number (1 to 65535)").
        reason: String,
    },
    /// `@expires` is past.
    Expired {
        /// The date.
        on: String,
    },
    /// `@expires` is within the warning window.
    ExpiresSoon {
        /// The date.
        on: String,
        /// Days left (0: today).
        days: i64,
    },
    /// `@rotate-every` has passed since the key last changed.
    RotationDue {
        /// When it last changed.
        changed: String,
        /// The period, in days.
        every_days: u32,
    },
}

/// One problem of a merged result.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    /// The key.
    pub key: String,
    /// What is wrong.
    pub kind: ProblemKind,
    /// How much it matters.
    pub severity: ProblemSeverity,
    /// In a sentence, naming the key and never its value.
    pub message: String,
}

/// When a check runs: today, how many days before an `@expires` date to warn, and when each key
/// last changed (for `@rotate-every`; `None` when unknown).
pub struct CheckContext<'a> {
    /// Today's date.
    pub today: NaiveDate,
    /// Days before `@expires` from which a key is "expiring soon".
    pub warn_days: u32,
    /// When a key last changed at the level that sets it.
    pub last_changed: &'a dyn Fn(&str) -> Option<NaiveDate>,
}

/// Checks a merged result (`values`: key → value) against `schema`. Problems in the schema's key order,
/// each key's in the order missing/empty, type, expiry, rotation.
pub fn check(schema: &Schema, values: &crate::Vars, ctx: &CheckContext<'_>) -> Vec<Problem> {
    let mut patterns = Patterns::default();
    let mut out = Vec::new();
    for (key, e) in &schema.keys {
        let s = &e.schema;
        let mut push = |kind: ProblemKind, severity: ProblemSeverity, message: String| {
            out.push(Problem { key: key.clone(), kind, severity, message });
        };
        let by = |l: Option<LevelKind>| l.map(|l| format!(" (by the {} level)", l.as_str())).unwrap_or_default();
        let value = values.get(key);
        if s.required == Some(true) {
            match value {
                None => push(
                    ProblemKind::Missing,
                    ProblemSeverity::Error,
                    format!("`{key}` is required{} and not set", by(e.required_by)),
                ),
                Some(v) if v.is_empty() => push(
                    ProblemKind::Empty,
                    ProblemSeverity::Error,
                    format!("`{key}` is required{} and empty", by(e.required_by)),
                ),
                Some(_) => {}
            }
        }
        if let (Some(t), Some(v)) = (&s.value_type, value) {
            // An empty value is "not set": `@required` says whether that is wrong.
            if !v.is_empty() {
                if let Err(reason) = t.check(v, &mut patterns) {
                    push(
                        ProblemKind::WrongType { expected: t.to_string(), reason: reason.clone() },
                        ProblemSeverity::Error,
                        format!("`{key}` {reason} (`@type: {t}`)"),
                    );
                }
            }
        }
        if value.is_some() {
            if let Some(date) = s.expiry() {
                let days = (date - ctx.today).num_days();
                let on = s.expires.clone().unwrap_or_default();
                if days < 0 {
                    push(
                        ProblemKind::Expired { on: on.clone() },
                        ProblemSeverity::Error,
                        format!("`{key}` expired on {on}"),
                    );
                } else if days <= i64::from(ctx.warn_days) {
                    let when = match days {
                        0 => "today".to_owned(),
                        1 => "tomorrow".to_owned(),
                        n => format!("in {n} days"),
                    };
                    push(
                        ProblemKind::ExpiresSoon { on: on.clone(), days },
                        ProblemSeverity::Warning,
                        format!("`{key}` expires {when} ({on})"),
                    );
                }
            }
            if let (Some(every), Some(changed)) = (s.rotate_every_days, (ctx.last_changed)(key)) {
                if (ctx.today - changed).num_days() >= i64::from(every) {
                    let changed = changed.format("%Y-%m-%d").to_string();
                    push(
                        ProblemKind::RotationDue { changed: changed.clone(), every_days: every },
                        ProblemSeverity::Warning,
                        format!("`{key}` is due for rotation: it last changed on {changed}, and is rotated every {every} days"),
                    );
                }
            }
        }
    }
    out
}

/// The type problems of one level's own assignments under `schema` (the schema of its node, its own
/// annotations included): `(line, key, message)`, for the editor's lints. A value left empty is not
/// checked (whether it may be empty is `@required`'s business, on the merged result).
pub fn type_problems(doc: &Document, schema: &Schema) -> Vec<(usize, String, String)> {
    let mut patterns = Patterns::default();
    let mut out = Vec::new();
    for (start, _end, item) in doc.items_with_lines() {
        let ItemKind::Assignment(a) = &item.kind else { continue };
        let Some(key) = item.key() else { continue };
        let Some(t) = schema.key(key).and_then(|e| e.schema.value_type.as_ref()) else { continue };
        // Empty: `@required`'s business. With `${…}`: checked resolved, in the merged result.
        if a.value.is_empty() || crate::template::has_references(&a.value) {
            continue;
        }
        if let Err(reason) = t.check(&a.value, &mut patterns) {
            out.push((start, key.to_owned(), format!("`{key}` {reason} (`@type: {t}`)")));
        }
    }
    out
}

/// What [`require_keys`] does to a level.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RequiredKeys {
    /// The level's text afterwards.
    pub text: String,
    /// Keys the level did not assign: declared at its end, empty, under `# @required`.
    pub added: Vec<String>,
    /// Keys it assigned without `@required`: a `# @required` line directly above (the last) one.
    pub annotated: Vec<String>,
    /// Keys already required there: left as they are.
    pub unchanged: Vec<String>,
    /// Keys a level above sets: declaring them empty here would hide that value, so they are left;
    /// require them at that level.
    pub set_above: Vec<String>,
}

impl std::fmt::Debug for RequiredKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The text holds the level's values.
        f.debug_struct("RequiredKeys")
            .field("added", &self.added)
            .field("annotated", &self.annotated)
            .field("unchanged", &self.unchanged)
            .field("set_above", &self.set_above)
            .finish_non_exhaustive()
    }
}

/// Makes `keys` required at a level (issue 16: "import a schema: keys of a `.env.example` become
/// `@required` annotations at the level the user picks"). Only names are taken — an example's values
/// are placeholders, never secrets to store. Every other byte of the text stays as it was; the line
/// ending is the text's own (CRLF if it has any).
///
/// A key this level does not assign but a level above does (`set_above`) is left out: declaring it
/// empty here would override that value in the merged result.
pub fn require_keys(
    doc: &Document,
    keys: &[String],
    set_above: &[String],
) -> Result<RequiredKeys, crate::dotenv::EditError> {
    let text = doc.to_string();
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let own = level_schema(doc);
    let set_above: HashSet<&str> = set_above.iter().map(String::as_str).collect();
    // The last assignment of each key, by item index.
    let mut last: HashMap<&str, usize> = HashMap::new();
    let items: Vec<_> = doc.items_with_lines().collect();
    for (i, (_, _, item)) in items.iter().enumerate() {
        if let (ItemKind::Assignment(_), Some(k)) = (&item.kind, item.key()) {
            last.insert(k, i);
        }
    }
    let mut out = RequiredKeys::default();
    let mut before: HashMap<usize, ()> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for k in keys {
        if !seen.insert(k.as_str()) {
            continue;
        }
        if !crate::dotenv::is_valid_key(k) {
            return Err(crate::dotenv::EditError::InvalidKey(k.clone()));
        }
        match last.get(k.as_str()) {
            Some(_) if own.keys.get(k).is_some_and(|(_, s)| s.required == Some(true)) => out.unchanged.push(k.clone()),
            Some(&i) => {
                before.insert(i, ());
                out.annotated.push(k.clone());
            }
            None if set_above.contains(k.as_str()) => out.set_above.push(k.clone()),
            None => out.added.push(k.clone()),
        }
    }
    let mut new = String::with_capacity(text.len() + 32 * (out.added.len() + out.annotated.len()));
    if doc.has_bom() {
        new.push('\u{feff}');
    }
    for (i, (_, _, item)) in items.iter().enumerate() {
        if before.contains_key(&i) {
            new.push_str("# @required");
            new.push_str(eol);
        }
        new.push_str(&item.raw);
    }
    if !out.added.is_empty() {
        if !new.is_empty() && !new.ends_with('\n') {
            new.push_str(eol);
        }
        if !new.trim().is_empty() {
            new.push_str(eol);
        }
        for k in &out.added {
            new.push_str("# @required");
            new.push_str(eol);
            new.push_str(k);
            new.push('=');
            new.push_str(eol);
        }
    }
    // What was written reads back, and says what it should.
    let back = Document::parse(&new).map_err(|_| crate::dotenv::EditError::Unwritable(keys.join(", ")))?;
    let s = level_schema(&back);
    if !keys
        .iter()
        .filter(|k| !out.set_above.contains(k))
        .all(|k| s.keys.get(k).is_some_and(|(_, x)| x.required == Some(true)))
    {
        return Err(crate::dotenv::EditError::Unwritable(keys.join(", ")));
    }
    out.text = new;
    Ok(out)
}
