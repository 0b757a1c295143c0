//! The linter: every line whose meaning differs in another popular parser (python-dotenv, dotenvy,
//! node dotenv, dotenvx), with a fix that makes the meaning the same everywhere.
//!
//! Messages name keys and characters, never values.

use std::collections::{HashMap, HashSet};

use super::quote::quote_value;
use super::{Assign, Document, Item, ItemKind, Quote};

/// How much a lint matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The value breaks the key's schema (`@type`), or the line cannot mean what it says.
    Error,
    /// Another parser reads this line differently.
    Warning,
    /// Worth knowing; meaning is the same for envdesk and its exports.
    Info,
}

/// What a lint is about (stable codes for the UI).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LintCode {
    /// `A=v#c`: `#` glued to text is part of the value here; node dotenv and dotenvx cut there.
    HashInValue,
    /// `A=#x`: the value is empty here; python-dotenv reads `#x`.
    ValueStartsWithHash,
    /// `A= # c`: empty value then a comment; python-dotenv reads `# c` as the value.
    EmptyValueBeforeComment,
    /// Backticks are text here, quotes to node dotenv and dotenvx.
    Backticks,
    /// Quotes inside an unquoted value: dotenvy removes them.
    QuoteInUnquotedValue,
    /// Whitespace inside an unquoted value: dotenvy rejects the line.
    WhitespaceInUnquotedValue,
    /// `\t` in double quotes: node dotenv keeps the two characters, dotenvy rejects it.
    TabEscape,
    /// `\$` in double quotes: python-dotenv and node dotenv keep the backslash.
    DollarEscape,
    /// `\q` (an unknown escape) in double quotes: kept as typed here, rejected by dotenvy.
    UnknownEscape,
    /// `\'` in single quotes: node dotenv keeps the backslash, dotenvy rejects it.
    SingleQuoteEscape,
    /// A key assigned more than once: the last wins here, dotenvy keeps the first.
    DuplicateKey,
    /// A key with no `=` defines nothing.
    KeyWithoutValue,
    /// `.` or `-` in a key: not a shell variable name; dotenvy rejects `-`.
    KeyNotPortable,
    /// A UTF-8 byte-order mark: python-dotenv makes it part of the first key.
    ByteOrderMark,
    /// `${VAR}` or `$VAR`: other parsers expand it when they load the file (which ones depends on the
    /// form); envdesk keeps it literal until templates are resolved.
    Interpolation,
    /// `${VAR}` inside single quotes: literal here and to dotenvy, expanded by python-dotenv.
    SingleQuotedInterpolation,
    /// A `$` that no variable name follows: dotenvy drops it.
    DollarWithoutName,
    /// A schema annotation (`# @type: …`, issue 16) written wrongly: it does nothing.
    AnnotationInvalid,
    /// An annotation envdesk does not know: kept as written, and shown with the key.
    AnnotationUnknown,
    /// A value that breaks its key's `@type`.
    SchemaType,
}

/// A replacement of whole lines that fixes a lint.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Fix {
    /// What the fix does, e.g. "quote the value".
    pub title: String,
    /// First line replaced (1-based).
    pub start_line: usize,
    /// Last line replaced (inclusive).
    pub end_line: usize,
    /// The new text of those lines, without the final line ending (empty with `delete` = remove them).
    pub replacement: String,
    /// Whether the lines are removed entirely (line endings included).
    pub delete: bool,
}

impl std::fmt::Debug for Fix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fix")
            .field("title", &self.title)
            .field("start_line", &self.start_line)
            .field("end_line", &self.end_line)
            .finish_non_exhaustive()
    }
}

/// One finding of the linter.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Lint {
    /// 1-based line.
    pub line: usize,
    /// What it is about.
    pub code: LintCode,
    /// How much it matters.
    pub severity: Severity,
    /// What it means, in a sentence (names keys, never values).
    pub message: String,
    /// A fix, where one exists.
    pub fix: Option<Fix>,
}

struct Ctx<'a> {
    start: usize,
    end: usize,
    item: &'a Item,
    key: &'a str,
}

impl Ctx<'_> {
    /// A fix that replaces this item's value token with `token`.
    fn with_token(&self, a: &Assign, token: &str, title: &str) -> Fix {
        let raw = &self.item.raw;
        let text = format!("{}{}{}", &raw[..a.value_raw.start], token, &raw[a.value_raw.end..]);
        self.replace(text, title)
    }
    fn replace(&self, text: String, title: &str) -> Fix {
        let text = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
        Fix {
            title: title.to_owned(),
            start_line: self.start,
            end_line: self.end,
            replacement: text.to_owned(),
            delete: false,
        }
    }
    fn lint(&self, code: LintCode, severity: Severity, message: String, fix: Option<Fix>) -> Lint {
        Lint { line: self.start, code, severity, message, fix }
    }
}

fn requote(ctx: &Ctx<'_>, a: &Assign, preferred: Quote, title: &str) -> Option<Fix> {
    let (token, q) = quote_value(&a.value, preferred);
    (q != Quote::None || a.quote != Quote::None).then(|| ctx.with_token(a, &token, title))
}

pub(super) fn lint(doc: &Document) -> Vec<Lint> {
    let mut out = Vec::new();
    if doc.bom {
        if let Some((start, end, item)) = doc.items_with_lines().next() {
            let ctx = Ctx { start, end, item, key: "" };
            out.push(ctx.lint(
                LintCode::ByteOrderMark,
                Severity::Warning,
                "the file starts with a byte-order mark, which python-dotenv reads as part of the first key".to_owned(),
                Some(Fix { title: "remove the byte-order mark".to_owned(), ..ctx.replace(item.raw.clone(), "") }),
            ));
        }
    }
    let mut first_seen: HashMap<&str, (usize, usize)> = HashMap::new();
    // Every key, once: whether a portable spelling is taken is asked per unportable key (a scan of the
    // items each time was quadratic in a level of thousands of `a-1` keys).
    let keys: HashSet<&str> = doc.items.iter().filter_map(|i| i.key()).collect();
    for (start, end, item) in doc.items_with_lines() {
        let Some(key) = item.key() else { continue };
        let ctx = Ctx { start, end, item, key };
        if key.contains(['.', '-']) {
            let fixed = key.replace(['.', '-'], "_");
            out.push(ctx.lint(
                LintCode::KeyNotPortable,
                Severity::Info,
                format!("`{key}` is not a shell variable name: dotenvy rejects `-`, and shell exports refuse it"),
                (!keys.contains(fixed.as_str())).then(|| {
                    let range = match &item.kind {
                        ItemKind::Assignment(a) => a.key.clone(),
                        ItemKind::Bare(b) => b.key.clone(),
                        _ => unreachable!(),
                    };
                    let text = format!("{}{}{}", &item.raw[..range.start], fixed, &item.raw[range.end..]);
                    ctx.replace(text, &format!("rename to `{fixed}`"))
                }),
            ));
        }
        match &item.kind {
            ItemKind::Bare(b) => {
                let text = format!("{}={}", &item.raw[..b.key.end], &item.raw[b.key.end..]);
                out.push(ctx.lint(
                    LintCode::KeyWithoutValue,
                    Severity::Warning,
                    format!("`{key}` has no `=`, so it defines nothing (python-dotenv sets it to null, dotenvy rejects the line)"),
                    Some(ctx.replace(text, "define it as empty")),
                ));
            }
            ItemKind::Assignment(a) => {
                if let Some(&(first_start, first_end)) = first_seen.get(key) {
                    out.push(ctx.lint(
                        LintCode::DuplicateKey,
                        Severity::Warning,
                        format!("`{key}` is already set on line {first_start}; the last value wins here, but dotenvy keeps the first"),
                        Some(Fix {
                            title: format!("remove the earlier `{key}` on line {first_start}"),
                            start_line: first_start,
                            end_line: first_end,
                            replacement: String::new(),
                            delete: true,
                        }),
                    ));
                }
                first_seen.insert(key, (start, end));
                lint_value(&ctx, a, &mut out);
            }
            _ => {}
        }
    }
    out
}

fn lint_value(ctx: &Ctx<'_>, a: &Assign, out: &mut Vec<Lint>) {
    let key = ctx.key;
    let token = &ctx.item.raw[a.value_raw.clone()];
    match a.quote {
        Quote::None => {
            let after = &ctx.item.raw[a.value_raw.end..];
            // An empty unquoted value sits right after the `=`.
            if token.is_empty() && after.starts_with('#') {
                let comment = after.trim_end_matches(['\r', '\n']);
                let (quoted, _) = quote_value(comment, Quote::Single);
                out.push(ctx.lint(
                    LintCode::ValueStartsWithHash,
                    Severity::Warning,
                    format!("`{key}` is empty here because its value starts with `#`; python-dotenv reads the text after `=` as the value"),
                    Some(ctx.replace(
                        format!("{}{}{}", &ctx.item.raw[..a.value_raw.start], quoted, after_comment_line_end(after)),
                        "quote it, if the text is the value",
                    )),
                ));
            } else if token.is_empty() && after.trim_start_matches([' ', '\t']).starts_with('#') {
                out.push(ctx.lint(
                    LintCode::EmptyValueBeforeComment,
                    Severity::Warning,
                    format!("`{key}` is empty and followed by a comment; python-dotenv up to 1.2.3 reads the comment as the value (1.2.4 and later read it as empty)"),
                    Some(ctx.with_token(a, "''", "write the empty value as ''")),
                ));
            }
            if token.starts_with('`') || token.ends_with('`') {
                let inner = token.trim_matches('`');
                let (quoted, _) = quote_value(inner, Quote::Single);
                out.push(ctx.lint(
                    LintCode::Backticks,
                    Severity::Warning,
                    format!("the backticks around `{key}`'s value are part of it here, but quotes to Node.js dotenv and dotenvx"),
                    Some(ctx.with_token(a, &quoted, "use single quotes instead of backticks")),
                ));
            } else if token.contains(['"', '\'']) {
                out.push(ctx.lint(
                    LintCode::QuoteInUnquotedValue,
                    Severity::Warning,
                    format!("`{key}`'s unquoted value contains quotes, which dotenvy removes"),
                    requote(ctx, a, Quote::Single, "quote the whole value"),
                ));
            } else if token.contains('#') {
                out.push(ctx.lint(
                    LintCode::HashInValue,
                    Severity::Warning,
                    format!("the `#` in `{key}`'s value is part of it here, but starts a comment for Node.js dotenv and dotenvx"),
                    requote(ctx, a, Quote::Single, "quote the value"),
                ));
            } else if token.contains([' ', '\t']) {
                out.push(ctx.lint(
                    LintCode::WhitespaceInUnquotedValue,
                    Severity::Warning,
                    format!("`{key}`'s unquoted value contains whitespace, which dotenvy rejects"),
                    requote(ctx, a, Quote::Single, "quote the value"),
                ));
            }
        }
        Quote::Double => {
            let inner = &token[1..token.len() - 1];
            let mut tab = false;
            let mut dollar = false;
            let mut unknown = false;
            let b = inner.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'\\' && i + 1 < b.len() {
                    match b[i + 1] {
                        b't' => tab = true,
                        b'$' => dollar = true,
                        b'n' | b'r' | b'\\' | b'"' => {}
                        _ => unknown = true,
                    }
                    i += 2;
                } else {
                    i += 1;
                }
            }
            if tab {
                out.push(ctx.lint(
                    LintCode::TabEscape,
                    Severity::Warning,
                    format!("`\\t` in `{key}`'s value is a tab here, but two characters to Node.js dotenv, and dotenvy rejects it"),
                    Some(ctx.with_token(a, &quote_value(&a.value, Quote::Double).0, "write a literal tab")),
                ));
            }
            if dollar {
                out.push(ctx.lint(
                    LintCode::DollarEscape,
                    Severity::Warning,
                    format!(
                        "`\\$` in `{key}`'s value is `$` here, but python-dotenv and Node.js dotenv keep the backslash"
                    ),
                    requote(ctx, a, Quote::Single, "use single quotes"),
                ));
            }
            if unknown {
                out.push(ctx.lint(
                    LintCode::UnknownEscape,
                    Severity::Warning,
                    format!(
                        "`{key}`'s value has a backslash that escapes nothing; it is kept here, but dotenvy rejects it"
                    ),
                    Some(ctx.with_token(a, &quote_value(&a.value, Quote::Single).0, "make the backslash explicit")),
                ));
            }
        }
        Quote::Single => {
            if token[1..token.len() - 1].contains("\\'") {
                out.push(ctx.lint(
                    LintCode::SingleQuoteEscape,
                    Severity::Warning,
                    format!("`\\'` in `{key}`'s value is `'` here, but Node.js dotenv keeps the backslash and dotenvy rejects it"),
                    Some(ctx.with_token(a, &quote_value(&a.value, Quote::Double).0, "use double quotes")),
                ));
            }
        }
    }
    // Scanned as written: in double quotes `\$` is an escaped `$` (no reference, kept by dotenvy).
    let refs = match a.quote {
        Quote::Double => scan_refs(&token[1..token.len() - 1], true),
        Quote::Single => scan_refs(&a.value, false),
        Quote::None => scan_refs(token, false),
    };
    if a.quote == Quote::Single {
        if refs.braced || refs.braced_other {
            out.push(ctx.lint(
                LintCode::SingleQuotedInterpolation,
                Severity::Warning,
                format!("`{key}`'s value holds `${{…}}` in single quotes: literal here and to dotenvy, but python-dotenv expands it when it loads the file"),
                None,
            ));
        }
        return;
    }
    let mut who = Vec::new();
    if refs.braced {
        who.push("python-dotenv, dotenvy and dotenvx expand `${…}`");
    } else if refs.braced_other {
        who.push("dotenvy expands `${NAME:?…}` and its like");
    }
    if refs.bare {
        who.push("dotenvy expands `$NAME`, and may take a shorter name than meant (`$npm_x` can become `_x`)");
    }
    if !who.is_empty() {
        out.push(ctx.lint(
            LintCode::Interpolation,
            Severity::Info,
            format!(
                "`{key}` refers to another variable: {} when the file is loaded; envdesk resolves it only when asked (merged view, export with templates resolved)",
                who.join("; ")
            ),
            None,
        ));
    }
    if refs.lone_dollar {
        out.push(ctx.lint(
            LintCode::DollarWithoutName,
            Severity::Warning,
            format!("`{key}`'s value has a `$` that no variable name follows: kept here, but dotenvy drops it"),
            requote(ctx, a, Quote::Single, "quote the value (single quotes keep `$`)"),
        ));
    }
}

/// The forms of `$` a value holds.
#[derive(Default)]
struct Refs {
    /// `${NAME}`, `${NAME:-default}`, `${NAME-default}`: python-dotenv, dotenvy and dotenvx expand them.
    braced: bool,
    /// `${…}` in another form (`${NAME:?error}`): only dotenvy reads it.
    braced_other: bool,
    /// `$NAME`: only dotenvy expands it.
    bare: bool,
    /// `$` followed by no name and no `{`.
    lone_dollar: bool,
}

fn scan_refs(v: &str, escapes: bool) -> Refs {
    let b = v.as_bytes();
    let name_start = |c: u8| c.is_ascii_alphabetic() || c == b'_';
    let name_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut r = Refs::default();
    let mut i = 0;
    while i < b.len() {
        if escapes && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        match b.get(i + 1) {
            Some(b'{') => {
                let inner = &b[i + 2..];
                let end = inner.iter().position(|&c| c == b'}');
                let name_len = inner.iter().take_while(|&&c| name_char(c)).count();
                let simple = match end {
                    Some(e) if name_len > 0 && inner.first().is_some_and(|&c| name_start(c)) => {
                        let op = &inner[name_len..e];
                        op.is_empty() || op.starts_with(b":-") || op.starts_with(b"-")
                    }
                    _ => false,
                };
                if simple {
                    r.braced = true;
                } else {
                    r.braced_other = true;
                }
                i += 2 + end.map_or(inner.len(), |e| e + 1);
            }
            Some(&c) if name_start(c) => {
                r.bare = true;
                i += 1;
            }
            _ => {
                r.lone_dollar = true;
                i += 1;
            }
        }
    }
    r
}

fn after_comment_line_end(after: &str) -> &str {
    let t = after.trim_end_matches(['\r', '\n']);
    &after[t.len()..]
}
