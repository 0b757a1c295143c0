//! A lossless model of `.env` documents in the dialect of `docs/dotenv.md`.
//!
//! [`Document::parse`] keeps every byte — comments, blank lines, order, quote style, `export `, CRLF and a
//! BOM — so `doc.to_string() == text` for every text that parses. Edits ([`Document::set`],
//! [`Document::remove`], [`Document::rename`]) change only the bytes they must.
//!
//! Values are secrets: no type here prints a value in its `Debug` output or in an error message.

mod json;
mod lint;
mod parse;
mod quote;

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

pub use json::ImportError;
pub use lint::{Fix, Lint, LintCode, Severity};
pub use parse::is_valid_key;
pub use quote::quote_value;

use crate::Vars;

/// How a value is written in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Quote {
    /// `KEY=value` — no escapes; a `#` after a space or tab starts a comment.
    None,
    /// `KEY='value'` — literal; only `\'` is an escape.
    Single,
    /// `KEY="value"` — escapes `\n \r \t \\ \" \$`; other backslashes are kept.
    Double,
}

/// The quote character of a quoted value (for error messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteChar {
    /// `'`
    Single,
    /// `"`
    Double,
}

impl QuoteChar {
    fn byte(self) -> u8 {
        match self {
            QuoteChar::Single => b'\'',
            QuoteChar::Double => b'"',
        }
    }
}

/// What went wrong while parsing, without any of the document's values.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// A key must start with a letter or `_`.
    InvalidKeyStart(char),
    /// A key may contain only letters, digits, `_`, `.` and `-`.
    InvalidKeyChar(char),
    /// A key written in quotes (`'KEY'=…`).
    QuotedKey(char),
    /// `KEY: value` — the dialect needs `=`.
    ColonSeparator,
    /// A key followed by something other than `=`.
    ExpectedEquals,
    /// A quote opened and never closed (reported at the opening quote).
    UnterminatedQuote(QuoteChar),
    /// Text after a closing quote other than whitespace and a `# comment`.
    TextAfterQuote,
    /// A carriage return not followed by a line feed.
    LoneCarriageReturn,
    /// The bytes are not UTF-8.
    NotUtf8,
    /// The bytes are UTF-16 (a UTF-16 byte-order mark).
    Utf16,
    /// More than [`MAX_ITEMS`] lines (reported at the first line past them).
    TooManyLines,
}

/// The most items — lines, a multi-line value counting once — one text parses to. Each costs ~100
/// bytes besides its text, so a level of blank lines at the client's 64 MiB answer limit parsed to
/// ~6 GB; no real `.env` comes near a million lines.
pub const MAX_ITEMS: usize = 1_000_000;

/// A parse error with its 1-based line and column (columns count characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    line: usize,
    column: usize,
    kind: ParseErrorKind,
}

impl ParseError {
    /// 1-based line of the error.
    pub fn line(&self) -> usize {
        self.line
    }
    /// 1-based column (in characters) of the error.
    pub fn column(&self) -> usize {
        self.column
    }
    /// What went wrong.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }
    /// The message without the position.
    pub fn message(&self) -> String {
        match &self.kind {
            ParseErrorKind::InvalidKeyStart(c) => {
                format!("a key must start with a letter or `_`, not {}", describe_char(*c))
            }
            ParseErrorKind::InvalidKeyChar(c) => {
                format!("{} is not allowed in a key (use letters, digits, `_`, `.` or `-`)", describe_char(*c))
            }
            ParseErrorKind::QuotedKey(_) => "keys are written without quotes".to_owned(),
            ParseErrorKind::ColonSeparator => "expected `=` between key and value, found `:`".to_owned(),
            ParseErrorKind::ExpectedEquals => "expected `=` after the key".to_owned(),
            ParseErrorKind::UnterminatedQuote(QuoteChar::Double) => "this double quote is never closed".to_owned(),
            ParseErrorKind::UnterminatedQuote(QuoteChar::Single) => "this single quote is never closed".to_owned(),
            ParseErrorKind::TextAfterQuote => "only a `# comment` may follow a closing quote".to_owned(),
            ParseErrorKind::LoneCarriageReturn => {
                "a carriage return must be followed by a line feed (use LF or CRLF line endings)".to_owned()
            }
            ParseErrorKind::NotUtf8 => "the text is not valid UTF-8".to_owned(),
            ParseErrorKind::Utf16 => "the file is UTF-16; save it as UTF-8".to_owned(),
            ParseErrorKind::TooManyLines => {
                format!("the text has more than {MAX_ITEMS} lines, more than envdesk reads")
            }
        }
    }
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        c if c.is_control() => format!("U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message())
    }
}

impl std::error::Error for ParseError {}

/// Why an edit was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// The key is not `[A-Za-z_][A-Za-z0-9_.-]*`.
    #[error("`{0}` is not a valid key: use a letter or `_` first, then letters, digits, `_`, `.` or `-`")]
    InvalidKey(String),
    /// The key to rename or remove does not exist.
    #[error("there is no key `{0}`")]
    NoSuchKey(String),
    /// Renaming onto a key that already exists.
    #[error("a key `{0}` already exists")]
    KeyExists(String),
    /// The edit would have produced a line the scanner does not read back (a bug in envdesk's
    /// quoting, never expected): the document is left as it was.
    #[error("the value of `{0}` could not be written as a .env line; nothing was changed")]
    Unwritable(String),
}

impl EditError {
    /// The key the error is about.
    pub fn into_key(self) -> String {
        let (EditError::InvalidKey(k) | EditError::NoSuchKey(k) | EditError::KeyExists(k) | EditError::Unwritable(k)) =
            self;
        k
    }
}

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Assign {
    pub(crate) export: bool,
    /// Key bytes, relative to the item's `raw`.
    pub(crate) key: Range<usize>,
    /// The value token as written (quotes included), relative to `raw`.
    pub(crate) value_raw: Range<usize>,
    /// The decoded value.
    pub(crate) value: String,
    pub(crate) quote: Quote,
}

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Bare {
    pub(crate) key: Range<usize>,
    pub(crate) export: bool,
}

#[derive(Clone, PartialEq, Eq)]
pub(crate) enum ItemKind {
    Blank,
    Comment,
    Assignment(Assign),
    /// A key with no `=`: kept, defines nothing (linted).
    Bare(Bare),
}

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Item {
    /// The exact text of the item, its line ending included.
    pub(crate) raw: String,
    pub(crate) kind: ItemKind,
}

impl Item {
    pub(crate) fn key(&self) -> Option<&str> {
        match &self.kind {
            ItemKind::Assignment(a) => Some(&self.raw[a.key.clone()]),
            ItemKind::Bare(b) => Some(&self.raw[b.key.clone()]),
            _ => None,
        }
    }
    fn line_count(&self) -> usize {
        let n = self.raw.bytes().filter(|&b| b == b'\n').count();
        if self.raw.ends_with('\n') {
            n.max(1)
        } else {
            n + 1
        }
    }
    fn has_line_ending(&self) -> bool {
        self.raw.ends_with('\n')
    }
}

/// A parsed `.env` document that prints back to exactly the text it came from.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Document {
    bom: bool,
    items: Vec<Item>,
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values are secrets: show only the shape.
        f.debug_struct("Document").field("items", &self.items.len()).finish_non_exhaustive()
    }
}

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bom {
            f.write_str("\u{feff}")?;
        }
        for item in &self.items {
            f.write_str(&item.raw)?;
        }
        Ok(())
    }
}

/// One assignment as the table view shows it.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Entry {
    /// The key.
    pub key: String,
    /// The decoded value.
    pub value: String,
    /// 1-based line where the assignment starts.
    pub line: usize,
    /// Leading comment lines directly above (no blank line between), without `#` and one space, and
    /// without the annotation lines (`# @tags:`, `# @type:` …).
    pub comments: Vec<String>,
    /// Tags from a `# @tags: a, b` comment line directly above.
    pub tags: Vec<String>,
    /// What the annotation lines directly above say (`crate::schema`); `null` when there are none.
    pub schema: Option<crate::schema::KeySchema>,
    /// Whether the line starts with `export `.
    pub exported: bool,
    /// How the value is quoted.
    pub quote: Quote,
    /// Whether a later assignment of the same key overrides this one.
    pub overridden: bool,
    /// The comment after the value on the line where the value ends, as written from its `#`
    /// (`DB=x # primary` → `# primary`).
    pub inline_comment: Option<String>,
}

/// Consecutive comment lines, as written (trimmed), where they stand: what the table view shows as a
/// row of its own. A block directly above an assignment leaves out its `# @tags:` lines (they are the
/// entry's [`Entry::tags`]); a block left with no line is not listed.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CommentBlock {
    /// 1-based line of the block's first line.
    pub line: usize,
    /// The lines, each starting with `#`.
    pub lines: Vec<String>,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("key", &self.key)
            .field("value", &"<redacted>")
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

impl Document {
    /// Parses `text`. Anything the dialect does not accept is an error naming the line and column.
    pub fn parse(text: &str) -> Result<Document, ParseError> {
        let (bom, body) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let items = parse::Parser::new(body).parse_all()?;
        Ok(Document { bom, items })
    }

    /// Parses bytes read from a file: UTF-8 (with or without a BOM). Other encodings are an error on the
    /// line where the first invalid byte is.
    pub fn parse_bytes(bytes: &[u8]) -> Result<Document, ParseError> {
        if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
            return Err(ParseError { line: 1, column: 1, kind: ParseErrorKind::Utf16 });
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => Document::parse(text),
            Err(e) => {
                let valid = &bytes[..e.valid_up_to()];
                let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
                let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                // The prefix is valid UTF-8 by construction.
                let column = String::from_utf8_lossy(&valid[line_start..]).chars().count() + 1;
                Err(ParseError { line, column, kind: ParseErrorKind::NotUtf8 })
            }
        }
    }

    /// An empty document.
    pub fn new() -> Document {
        Document::default()
    }

    /// Whether the text starts with a UTF-8 byte-order mark (kept for round-trip, not part of any key).
    pub fn has_bom(&self) -> bool {
        self.bom
    }

    /// The variables: order of first appearance, the last assignment of a key winning.
    pub fn vars(&self) -> Vars {
        let mut vars = Vars::with_capacity(self.items.len());
        for item in &self.items {
            if let ItemKind::Assignment(a) = &item.kind {
                let key = &item.raw[a.key.clone()];
                if let Some(v) = vars.get_mut(key) {
                    v.clone_from(&a.value);
                } else {
                    vars.insert(key.to_owned(), a.value.clone());
                }
            }
        }
        vars
    }

    /// The effective value of `key` (its last assignment).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.items.iter().rev().find_map(|item| match &item.kind {
            ItemKind::Assignment(a) if &item.raw[a.key.clone()] == key => Some(a.value.as_str()),
            _ => None,
        })
    }

    /// Number of distinct keys defined.
    pub fn len(&self) -> usize {
        self.vars().len()
    }

    /// Whether the document defines no key.
    pub fn is_empty(&self) -> bool {
        !self.items.iter().any(|i| matches!(i.kind, ItemKind::Assignment(_)))
    }

    /// The dominant line ending: that of the first line that has one, else `\n`.
    fn line_ending(&self) -> &'static str {
        for item in &self.items {
            if item.raw.ends_with("\r\n") {
                return "\r\n";
            }
            if item.raw.ends_with('\n') {
                return "\n";
            }
        }
        "\n"
    }

    /// Sets `key` to `value`.
    ///
    /// An existing key keeps its line: only the bytes of its (last) value change, written in the
    /// existing quote style when that style can hold the value, otherwise in the simplest style that
    /// reads back identically (see [`quote_value`]). A key written without `=` gets one. A new key is
    /// appended at the end.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), EditError> {
        if !is_valid_key(key) {
            return Err(EditError::InvalidKey(key.to_owned()));
        }
        let last_assign =
            self.items.iter().rposition(|item| matches!(item.kind, ItemKind::Assignment(_)) && item.key() == Some(key));
        if let Some(idx) = last_assign {
            return self.replace_value(idx, value);
        }
        let bare = self.items.iter().position(|item| matches!(item.kind, ItemKind::Bare(_)) && item.key() == Some(key));
        if let Some(idx) = bare {
            return self.fill_bare(idx, value);
        }
        self.append(key, value)
    }

    /// [`Document::set`] for many keys in one pass (an index of the keys instead of a scan per key):
    /// the same result as calling `set` for each pair in order, in time linear in the document and the
    /// pairs. Stops at the first invalid key or unwritable value (the pairs before it are applied).
    pub fn set_many<'a>(&mut self, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<(), EditError> {
        let mut last_assign: HashMap<String, usize> = HashMap::new();
        let mut first_bare: HashMap<String, usize> = HashMap::new();
        for (idx, item) in self.items.iter().enumerate() {
            match (&item.kind, item.key()) {
                (ItemKind::Assignment(_), Some(k)) => {
                    last_assign.insert(k.to_owned(), idx);
                }
                (ItemKind::Bare(_), Some(k)) => {
                    first_bare.entry(k.to_owned()).or_insert(idx);
                }
                _ => {}
            }
        }
        for (key, value) in pairs {
            if !is_valid_key(key) {
                return Err(EditError::InvalidKey(key.to_owned()));
            }
            if let Some(&idx) = last_assign.get(key) {
                self.replace_value(idx, value)?;
            } else if let Some(&idx) = first_bare.get(key) {
                self.fill_bare(idx, value)?;
                first_bare.remove(key);
                last_assign.insert(key.to_owned(), idx);
            } else {
                self.append(key, value)?;
                last_assign.insert(key.to_owned(), self.items.len() - 1);
            }
        }
        Ok(())
    }

    /// Gives the assignment at `idx` a new value, keeping its quoting style, spacing and comment.
    fn replace_value(&mut self, idx: usize, value: &str) -> Result<(), EditError> {
        let item = &self.items[idx];
        let ItemKind::Assignment(a) = &item.kind else { unreachable!("replace_value on an assignment") };
        if a.value == value {
            return Ok(());
        }
        let (token, _) = quote_value(value, a.quote);
        let prefix = &item.raw[..a.value_raw.start];
        let suffix = &item.raw[a.value_raw.end..];
        // An unquoted token glued to a following `#` would swallow the comment.
        let sep = if suffix.starts_with('#') { " " } else { "" };
        let raw = format!("{prefix}{token}{sep}{suffix}");
        let key = item.raw[a.key.clone()].to_owned();
        self.items[idx] = reparse_item(raw, &key)?;
        Ok(())
    }

    /// Turns the bare key at `idx` into an assignment of `value`.
    fn fill_bare(&mut self, idx: usize, value: &str) -> Result<(), EditError> {
        let item = &self.items[idx];
        let ItemKind::Bare(b) = &item.kind else { unreachable!("fill_bare on a bare key") };
        let (token, _) = quote_value(value, Quote::None);
        let raw = format!("{}={}{}", &item.raw[..b.key.end], token, &item.raw[b.key.end..]);
        // A trailing comment after a bare key (`KEY # c`) stays a comment: it follows whitespace.
        let key = item.raw[b.key.clone()].to_owned();
        self.items[idx] = reparse_item(raw, &key)?;
        Ok(())
    }

    /// Appends `key=value` on a new line.
    fn append(&mut self, key: &str, value: &str) -> Result<(), EditError> {
        let eol = self.line_ending();
        let (token, _) = quote_value(value, Quote::None);
        let item = reparse_item(format!("{key}={token}{eol}"), key)?;
        if let Some(last) = self.items.last_mut() {
            if !last.has_line_ending() {
                last.raw.push_str(eol);
            }
        }
        self.items.push(item);
        Ok(())
    }

    /// Removes every line that assigns or names `key`. The comment lines directly above an assignment
    /// go with it when the assignment stands alone in its paragraph (a blank line, a comment or the end
    /// follows); a comment above a group of keys stays, but its annotation lines (`# @…`, the key's
    /// schema) go. Returns whether anything was removed.
    pub fn remove(&mut self, key: &str) -> bool {
        let mut remove = vec![false; self.items.len()];
        let mut any = false;
        for i in 0..self.items.len() {
            if self.items[i].key() != Some(key) {
                continue;
            }
            any = true;
            remove[i] = true;
            let next_is_key = self.items.get(i + 1).is_some_and(|n| n.key().is_some());
            let mut j = i;
            while j > 0 && matches!(self.items[j - 1].kind, ItemKind::Comment) {
                j -= 1;
                // Annotation lines (`# @type: …`, `crate::schema`) belong to the key: left behind they
                // would describe the key below.
                let raw = &self.items[j].raw;
                if crate::schema::is_level_wide(raw) {
                    continue;
                }
                if !next_is_key || crate::schema::belongs_to_key(raw) {
                    remove[j] = true;
                }
            }
        }
        if !any {
            return false;
        }
        let mut idx = 0;
        self.items.retain(|_| {
            let keep = !remove[idx];
            idx += 1;
            keep
        });
        true
    }

    /// Renames every assignment of `from` to `to`, changing only the key bytes.
    pub fn rename(&mut self, from: &str, to: &str) -> Result<(), EditError> {
        if !is_valid_key(to) {
            return Err(EditError::InvalidKey(to.to_owned()));
        }
        if from == to {
            return Ok(());
        }
        if self.items.iter().any(|i| i.key() == Some(to)) {
            return Err(EditError::KeyExists(to.to_owned()));
        }
        // Every renamed line is built first, so a failure leaves the document as it was.
        let mut renamed = Vec::new();
        for (idx, item) in self.items.iter().enumerate() {
            if item.key() != Some(from) {
                continue;
            }
            let range = match &item.kind {
                ItemKind::Assignment(a) => a.key.clone(),
                ItemKind::Bare(b) => b.key.clone(),
                _ => unreachable!(),
            };
            let raw = format!("{}{}{}", &item.raw[..range.start], to, &item.raw[range.end..]);
            renamed.push((idx, reparse_item(raw, to)?));
        }
        if renamed.is_empty() {
            return Err(EditError::NoSuchKey(from.to_owned()));
        }
        for (idx, item) in renamed {
            self.items[idx] = item;
        }
        Ok(())
    }

    /// Every assignment in order, with its leading comments and tags (for the table view).
    pub fn entries(&self) -> Vec<Entry> {
        let mut out: Vec<Entry> = Vec::new();
        let mut comments: Vec<&str> = Vec::new();
        let mut types = crate::schema::TypeCache::default();
        let mut line = 1;
        for item in &self.items {
            match &item.kind {
                ItemKind::Comment => comments.push(item.raw.trim()),
                ItemKind::Assignment(a) => {
                    let (text, tags) = split_comments(&comments);
                    let schema = crate::schema::read_lines(&comments, &mut types);
                    out.push(Entry {
                        key: item.raw[a.key.clone()].to_owned(),
                        value: a.value.clone(),
                        line,
                        comments: text,
                        tags,
                        schema: (!schema.is_empty()).then_some(schema),
                        exported: a.export,
                        quote: a.quote,
                        overridden: false,
                        inline_comment: inline_comment(&item.raw[a.value_raw.end..]),
                    });
                    comments.clear();
                }
                _ => comments.clear(),
            }
            line += item.line_count();
        }
        let mut seen = std::collections::HashSet::new();
        for e in out.iter_mut().rev() {
            if !seen.insert(e.key.clone()) {
                e.overridden = true;
            }
        }
        out
    }

    /// Every block of consecutive comment lines, in order (for the table view).
    pub fn comment_blocks(&self) -> Vec<CommentBlock> {
        fn flush(out: &mut Vec<CommentBlock>, block: &mut Vec<(usize, &str)>, heads_key: bool) {
            let kept: Vec<(usize, &str)> =
                block.drain(..).filter(|(_, l)| !(heads_key && crate::schema::belongs_to_key(l))).collect();
            if let Some(&(line, _)) = kept.first() {
                out.push(CommentBlock { line, lines: kept.into_iter().map(|(_, l)| l.to_owned()).collect() });
            }
        }
        let mut out = Vec::new();
        let mut block: Vec<(usize, &str)> = Vec::new();
        let mut line = 1;
        for item in &self.items {
            if let ItemKind::Comment = item.kind {
                block.push((line, item.raw.trim()));
            } else if !block.is_empty() {
                flush(&mut out, &mut block, matches!(item.kind, ItemKind::Assignment(_)));
            }
            line += item.line_count();
        }
        flush(&mut out, &mut block, false);
        out
    }

    /// Every construct `docs/dotenv.md` says to flag, with its line and, where one exists, a fix; and
    /// the schema's findings on this text alone (annotations written wrongly or unknown, values that
    /// break their key's `@type` as this level's own annotations say). In line order.
    pub fn lint(&self) -> Vec<Lint> {
        // The level is not known: taken as the project's, where every annotation has a meaning.
        self.lint_in(&[], crate::merge::LevelKind::Project)
    }

    /// [`Document::lint`], with each value checked against its key's `@type` as the node's schema
    /// says: the annotations of the levels `above` this one (project first), then this level's own,
    /// which is a level of kind `own` (`crate::schema`).
    pub fn lint_in(
        &self,
        above: &[(crate::merge::LevelKind, &crate::schema::LevelSchema)],
        own: crate::merge::LevelKind,
    ) -> Vec<Lint> {
        let mut out = lint::lint(self);
        let level = crate::schema::level_schema(self);
        for p in &level.problems {
            let (code, severity) = if p.unknown {
                (LintCode::AnnotationUnknown, lint::Severity::Info)
            } else {
                (LintCode::AnnotationInvalid, lint::Severity::Warning)
            };
            out.push(Lint { line: p.line, code, severity, message: p.message.clone(), fix: None });
        }
        if own != crate::merge::LevelKind::Project {
            for line in crate::schema::strict_lines(self) {
                out.push(Lint {
                    line,
                    code: LintCode::AnnotationInvalid,
                    severity: lint::Severity::Warning,
                    message: format!(
                        "`@schema: strict` is read from the project level only: at the {} level it does nothing",
                        own.as_str()
                    ),
                    fix: None,
                });
            }
        }
        let schema = crate::schema::Schema::of_levels(above.iter().copied().chain([(own, &level)]));
        for (line, _, message) in crate::schema::type_problems(self, &schema) {
            out.push(Lint { line, code: LintCode::SchemaType, severity: lint::Severity::Error, message, fix: None });
        }
        out.sort_by_key(|l| l.line);
        out
    }

    /// Builds a document from a JSON object of strings, keys in the object's order.
    pub fn from_json(text: &str) -> Result<Document, ImportError> {
        json::from_json(text)
    }

    /// Builds a document from variables, one `KEY=value` line each, quoted as [`Document::set`] does.
    pub fn from_vars<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Document, EditError> {
        let mut doc = Document::new();
        doc.set_many(vars)?;
        Ok(doc)
    }

    /// Lines (1-based, inclusive) and text of each item, for the linter.
    pub(crate) fn items_with_lines(&self) -> impl Iterator<Item = (usize, usize, &Item)> {
        let mut line = 1;
        self.items.iter().map(move |item| {
            let start = line;
            let n = item.line_count();
            line += n;
            (start, start + n - 1, item)
        })
    }
}

/// The comment after a value: what follows the value token on its line, when it starts with `#`.
fn inline_comment(after_value: &str) -> Option<String> {
    let rest = after_value.trim_start_matches([' ', '\t']);
    rest.starts_with('#').then(|| rest.trim_end().to_owned())
}

fn split_comments(lines: &[&str]) -> (Vec<String>, Vec<String>) {
    let mut text = Vec::new();
    let mut tags = Vec::new();
    for l in lines {
        let body = l.trim_start_matches('#');
        let body = body.strip_prefix(' ').unwrap_or(body).trim_end();
        if let Some(list) = body.trim_start().strip_prefix("@tags:") {
            tags.extend(list.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned));
        } else if !crate::schema::belongs_to_key(l) {
            text.push(body.to_owned());
        }
    }
    (text, tags)
}

/// Re-reads an item built by an edit. Edits only produce text the scanner accepts (the quoting is
/// chosen so), so a failure here is a bug in this module, not bad input — but a bug must not take the
/// app down or change the document: it is [`EditError::Unwritable`] for `key`, and the caller leaves
/// the document as it was. The line must also read back as exactly one item.
fn reparse_item(raw: String, key: &str) -> Result<Item, EditError> {
    match parse::Parser::parse_one(&raw, 0) {
        Ok(item) if item.raw.len() == raw.len() => Ok(item),
        _ => Err(EditError::Unwritable(key.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text an edit builds that does not read back is an error for that key, never a panic (a panic
    /// in a synchronous command would take the app's main thread down).
    #[test]
    fn unreadable_edit_is_an_error_not_a_panic() {
        for raw in ["A='x", "A=\"x", "A=x'y'z\nB=2\n", "A=`x\ny`", "=x", "A=x\rB"] {
            assert_eq!(reparse_item(raw.to_owned(), "A").err(), Some(EditError::Unwritable("A".into())), "{raw:?}");
        }
        assert!(reparse_item("A='x'\n".to_owned(), "A").is_ok());
        let e = EditError::Unwritable("TOKEN".into());
        assert_eq!(e.to_string(), "the value of `TOKEN` could not be written as a .env line; nothing was changed");
        assert_eq!(e.into_key(), "TOKEN");
    }

    /// Values with every awkward character either set and read back, or fail leaving the text as it was.
    #[test]
    fn awkward_values_set_or_leave_the_document_alone() {
        let values = ["\r", "a\rb", "\0", "'\"`\n$x\\", "\\", "x\\", "#", " lead", "\u{2028}", "\u{feff}x", "a\r\nb"];
        for start in ["A=1\n", "A='1' # c\n", "A=\"1\"\n", "A\n", ""] {
            for v in values {
                let mut d = Document::parse(start).unwrap();
                let before = d.to_string();
                match d.set("A", v) {
                    Ok(()) => {
                        assert_eq!(d.get("A"), Some(v), "{start:?} {v:?}");
                        assert_eq!(Document::parse(&d.to_string()).unwrap().get("A"), Some(v), "{start:?} {v:?}");
                    }
                    Err(e) => {
                        assert_eq!(e, EditError::Unwritable("A".into()));
                        assert_eq!(d.to_string(), before);
                    }
                }
            }
        }
    }

    #[test]
    fn set_keeps_comment_glued_after_empty_value() {
        let mut d = Document::parse("A=#x\n").unwrap();
        assert_eq!(d.get("A"), Some(""));
        d.set("A", "v").unwrap();
        assert_eq!(d.to_string(), "A=v #x\n");
        assert_eq!(d.get("A"), Some("v"));
    }

    #[test]
    fn set_on_bare_key_defines_it_in_place() {
        let mut d = Document::parse("JUST\nB=1\n").unwrap();
        d.set("JUST", "x y").unwrap();
        assert_eq!(d.to_string(), "JUST='x y'\nB=1\n");
    }

    #[test]
    fn append_adds_missing_line_ending_in_document_style() {
        let mut d = Document::parse("A=1\r\nB=2").unwrap();
        d.set("C", "3").unwrap();
        assert_eq!(d.to_string(), "A=1\r\nB=2\r\nC=3\r\n");
    }
}
